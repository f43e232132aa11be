"""Helpers shared by the pooling and reshaping layers.

The argument checks take the layer being constructed so that their errors name the
class, the layer and the offending argument with its value, as every lamina layer
does.
"""

import numbers

from lamina.core import config

_ORDINALS = ("1st", "2nd", "3rd")


def layer_error(layer, message) -> ValueError:
    """``ValueError("<Class> '<name>': <message>")``."""
    return ValueError(f"{type(layer).__name__} '{layer.name}': {message}")


def is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def int_tuple(layer, value, n, name, allow_zero=False):
    """``value`` (an int, or ``n`` ints) as a tuple of ``n`` Python ints, each ``> 0``
    (``>= 0`` with ``allow_zero``)."""
    if is_int(value):
        items = (value,) * n
    else:
        try:
            items = tuple(value)
        except TypeError:
            items = ()
        if len(items) != n or not all(is_int(v) for v in items):
            raise layer_error(
                layer, f"`{name}` must be an int or a tuple of {n} ints, received {name}={value!r}."
            )
    lowest = 0 if allow_zero else 1
    if any(v < lowest for v in items):
        kind = "non-negative" if allow_zero else "positive"
        raise layer_error(layer, f"`{name}` must be {kind}, received {name}={value!r}.")
    return tuple(int(v) for v in items)


def pair_per_dim(layer, value, n, name):
    """``value`` as ``n`` ``(before, after)`` pairs of non-negative ints.

    Accepts an int (same on every side), ``n`` ints (symmetric per dimension) or ``n``
    pairs, as Keras' ``ZeroPadding2D/3D`` and ``Cropping2D/3D`` do.
    """
    if is_int(value):
        pair = int_tuple(layer, value, 2, name, allow_zero=True)
        return (pair,) * n
    try:
        entries = tuple(value)
    except TypeError:
        entries = ()
    if len(entries) != n:
        raise layer_error(
            layer,
            f"`{name}` must be an int, a tuple of {n} ints or a tuple of {n} (before, after)"
            f" pairs, received {name}={value!r}.",
        )
    return tuple(
        int_tuple(layer, entry, 2, f"{_ORDINALS[i]} entry of {name}", allow_zero=True)
        for i, entry in enumerate(entries)
    )


def standardize_data_format(layer, value) -> str:
    """``"channels_last"`` or ``"channels_first"``; None means the global default."""
    if value is None:
        return config.image_data_format()
    fmt = str(value).lower()
    if fmt not in ("channels_last", "channels_first"):
        raise layer_error(
            layer,
            "`data_format` must be 'channels_last' or 'channels_first', received"
            f" data_format={value!r}.",
        )
    return fmt


def spatial_axes(data_format_value, rank):
    """The spatial axes of a ``(batch, ..., channels)`` or ``(batch, channels, ...)`` input."""
    if data_format_value == "channels_last":
        return tuple(range(1, rank - 1))
    return tuple(range(2, rank))
