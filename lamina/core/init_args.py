"""A layer's plain constructor arguments, captured for its default ``get_config``."""

import inspect

_PLAIN = (int, float, str, bool, type(None))


def capture_init_args(cls, args, kwargs, base_init, base_kwargs):
    """``{name: value}`` of ``cls(*args, **kwargs)``'s constructor arguments, defaults
    included, leaving out ``base_kwargs``; None when ``cls`` keeps ``base_init`` or any
    argument is not plain data (numbers, strings, None, lists and dicts of them)."""
    if cls.__init__ is base_init:
        return None
    try:
        bound = inspect.signature(cls.__init__).bind(None, *args, **kwargs)
        bound.apply_defaults()
    except TypeError:
        return None
    captured = {}
    for key, value in list(bound.arguments.items())[1:]:
        param = bound.signature.parameters[key]
        if param.kind is param.VAR_KEYWORD:
            value = {k: v for k, v in value.items() if k not in base_kwargs}
            if not all(is_plain(v) for v in value.values()):
                return None
            captured.update(value)
        elif param.kind is param.VAR_POSITIONAL:
            continue
        elif key not in base_kwargs:
            if not is_plain(value):
                return None
            captured[key] = value
    return captured


def is_plain(value) -> bool:
    """Whether ``value`` is JSON-like data a config can hold as it is."""
    if isinstance(value, list | tuple):
        return all(is_plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and is_plain(v) for k, v in value.items())
    return isinstance(value, _PLAIN)
