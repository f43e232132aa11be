"""The active distribution: ``set_distribution``, ``distribution()``.

While one is active, ``add_weight`` asks it (through the engine's
``"initial_value"`` hook) to create each variable directly with its sharding.
"""

from lamina.core import registry

_ACTIVE = None


def distribution():
    """The active :class:`~lamina.distribution.Distribution`, or None."""
    return _ACTIVE


def set_distribution(value) -> None:
    """Make ``value`` (a ``Distribution``, or None to turn distribution off) active.

    From then on new variables are created with their layouts, and ``fit`` /
    ``evaluate`` / ``predict`` run on its mesh. ``with value.scope():`` does the
    same for a block only.

    Example::

        lamina.distribution.set_distribution(lamina.distribution.DataParallel())
    """
    from lamina.distribution.creation import initial_value
    from lamina.distribution.distributions import Distribution

    if value is not None and not isinstance(value, Distribution):
        raise TypeError(
            "set_distribution expects a lamina.distribution.Distribution (DataParallel,"
            f" ModelParallel) or None, received {value!r}."
        )
    global _ACTIVE
    _ACTIVE = value
    # The hook is registered only while a distribution is active: without one,
    # add_weight does not pay for the call.
    registry.register_resolver("initial_value", None if value is None else initial_value)
