"""Lookup hooks the outer package fills, so the engine never imports it.

``add_weight(initializer="zeros")`` must turn a string into an initializer, yet
``lamina.core`` may not import ``lamina.initializers``. Each outer module registers
its ``get`` function here when it is imported (``import lamina`` imports them all).
"""

from collections.abc import Callable

_RESOLVERS: dict[str, Callable] = {}


def register_resolver(kind: str, get: Callable) -> None:
    """Register ``get(spec) -> object`` for ``kind`` (``"initializer"``, ...)."""
    _RESOLVERS[kind] = get


def resolve(kind: str, spec):
    """``spec`` as an object of ``kind``: None stays None, callables pass when no resolver."""
    if spec is None:
        return None
    get = _RESOLVERS.get(kind)
    if get is not None:
        return get(spec)
    if callable(spec):
        return spec
    raise ValueError(f"Cannot interpret {kind} {spec!r}: lamina.{kind}s is not imported")


def hook(kind: str):
    """The function registered for ``kind``, or None (e.g. ``"symbolic_call"``)."""
    return _RESOLVERS.get(kind)
