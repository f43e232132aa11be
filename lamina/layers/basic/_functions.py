"""Functions and constants in ``Lambda`` configs, saved by name only, never as code.

A named function is written as Keras writes it,
``{"module", "class_name": "function", "config": name, "registered_name"}``, and
read back from ``custom_objects`` or, by name, from ``lamina.activations`` and
``lamina.ops``. The recorded module is only a hint choosing between those two: no
module named in a config is ever imported. A Python lambda has no name to look
up, so its config records that it was one and rebuilding it is refused.
"""

import inspect

import jax
import numpy as np

LAMBDA = "__lambda__"
_ARRAYS = ("__numpy__", "__tensor__")


def serialize_function(fn, where: str) -> dict:
    """``fn`` as a config dict; ``where`` (e.g. ``"Lambda 'lam': `mask`"``) for errors."""
    name = getattr(fn, "__name__", None)
    module = getattr(fn, "__module__", None) or "builtins"
    if name == "<lambda>":
        return {"class_name": LAMBDA, "config": {"module": module, "name": name}}
    if callable(fn) and isinstance(name, str):
        return {
            "module": module,
            "class_name": "function",
            "config": name,
            "registered_name": "function",
        }
    raise ValueError(
        f"{where}: cannot serialize {fn!r}: lamina saves functions by name only, so it"
        " needs a named function (`def f(x): ...`)."
    )


def deserialize_function(config, custom_objects, where: str):
    """The function a ``serialize_function`` dict (or a bare name) names.

    A callable is returned as it is, which lets a caller put the function into the
    config before ``from_config``.
    """
    if callable(config):
        return config
    custom_objects = custom_objects or {}
    if isinstance(config, dict) and config.get("class_name") == LAMBDA:
        raise ValueError(
            f"{where} was a Python lambda. lamina saves no code, so a lambda cannot be"
            " rebuilt from a config. Define it as a named function (`def my_fn(x): ...`),"
            " build the layer with it, and pass it when loading:"
            " `from_config(config, custom_objects={'my_fn': my_fn})`; or put the function"
            " itself into the config before calling `from_config`."
        )
    if isinstance(config, str):
        name, module = config, None
    elif isinstance(config, dict) and config.get("class_name") == "function":
        name, module = config.get("config"), config.get("module")
    else:
        raise ValueError(f"{where}: expected a function's config, received {config!r}.")
    if name in custom_objects:
        return custom_objects[name]
    fn = _builtin(name, module)
    if fn is None:
        raise ValueError(
            f"{where}: unknown function {name!r} (saved from module {module!r}). lamina looks"
            " functions up by name in `custom_objects`, `lamina.activations` and"
            " `lamina.ops` only, and never imports a module named in a config. Pass it:"
            f" `from_config(config, custom_objects={{{name!r}: {name}}})`."
        )
    return fn


def _builtin(name, module):
    """``lamina.activations.<name>`` or ``lamina.ops.<name>``, the module hint first."""
    from lamina import activations, ops

    def from_activations():
        try:
            return activations.deserialize(name)
        except ValueError:
            return None

    def from_ops():
        fn = None if name.startswith("_") else vars(ops).get(name)
        return fn if callable(fn) and not inspect.isclass(fn) else None

    lookups = (from_activations, from_ops)
    if isinstance(module, str) and module.split(".")[:2] == ["lamina", "ops"]:
        lookups = (from_ops, from_activations)
    for lookup in lookups:
        fn = lookup() if isinstance(name, str) else None
        if fn is not None:
            return fn
    return None


def serialize_value(value, where: str):
    """Plain values as they are; arrays and functions as Keras-style dicts."""
    if isinstance(value, dict):
        return {k: serialize_value(v, f"{where}[{k!r}]") for k, v in value.items()}
    if isinstance(value, list | tuple):
        kind = list if isinstance(value, list) else tuple
        return kind(serialize_value(v, where) for v in value)
    if isinstance(value, np.ndarray | np.generic | jax.Array):
        kind = "__tensor__" if isinstance(value, jax.Array) else "__numpy__"
        array = np.asarray(value)
        return {"class_name": kind, "config": {"value": array.tolist(), "dtype": array.dtype.name}}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if callable(value):
        return serialize_function(value, where)
    raise ValueError(
        f"{where}: cannot serialize {value!r}: expected numbers, strings, lists, dicts,"
        " arrays or named functions."
    )


def deserialize_value(value, custom_objects, where: str):
    """The inverse of :func:`serialize_value` (arrays come back as NumPy arrays)."""
    if isinstance(value, dict) and value.get("class_name") in _ARRAYS:
        inner = value["config"]
        return np.asarray(inner["value"], dtype=inner["dtype"])
    if isinstance(value, dict) and value.get("class_name") in ("function", LAMBDA):
        return deserialize_function(value, custom_objects, where)
    if isinstance(value, dict):
        return {
            k: deserialize_value(v, custom_objects, f"{where}[{k!r}]") for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        kind = list if isinstance(value, list) else tuple
        return kind(deserialize_value(v, custom_objects, where) for v in value)
    return value
