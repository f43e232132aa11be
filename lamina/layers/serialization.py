"""Layers as Keras' serialized dicts, for wrappers that hold a layer
(``TimeDistributed``, ``Bidirectional``) and, later, whole models.

``serialize(layer)`` gives ``{"module", "class_name", "config", "registered_name"}``;
``deserialize`` rebuilds a layer from such a dict. Classes are found among
``lamina.layers``' public names or in ``custom_objects``, never imported by a
name read from the dict: rebuilding a layer runs no code the program did not
already hold.
"""

import inspect

from lamina.core.layer import Layer
from lamina.utils.object_table import ObjectTable


def _table() -> ObjectTable:
    import lamina.layers as public
    from lamina.models import functional, model, sequential, symbolic

    names = {
        name: obj
        for name, obj in vars(public).items()
        if isinstance(obj, type) and issubclass(obj, Layer)
    }
    for cls in (model.Model, functional.Functional, sequential.Sequential, symbolic.Operation):
        names[cls.__name__] = cls
    return ObjectTable(
        "layer",
        "lamina.layers",
        names,
        hint=". Pass custom layer classes in `custom_objects={'Name': cls}`.",
    )


def serialize(layer) -> dict:
    """``layer`` as ``{"module", "class_name", "config", "registered_name"}``."""
    from lamina.saving.registry import get_registered_name

    if not isinstance(layer, Layer):
        raise TypeError(f"serialize expects a lamina Layer, received {layer!r}.")
    data = _table().serialize(layer)
    if data["registered_name"] is not None:
        data["registered_name"] = get_registered_name(type(layer))
    return data


def deserialize(config, custom_objects=None) -> Layer:
    """A new layer from ``serialize``'s dict (or an existing ``Layer``, returned as is)."""
    if isinstance(config, Layer):
        return config
    from lamina.saving.registry import get_registered_object

    table = _table()
    if not isinstance(config, dict) or "class_name" not in config:
        return table.deserialize(config, custom_objects)
    cls = None
    registered = config.get("registered_name")
    if isinstance(registered, str):
        cls = get_registered_object(registered, custom_objects)
    if cls is None:
        cls = table.lookup(config["class_name"], custom_objects, table.classes)
    if cls is None:
        raise table.unknown(config["class_name"])
    inner = dict(config.get("config") or {})
    # Models rebuild their sub-layers, which may be custom classes too.
    if "custom_objects" in inspect.signature(cls.from_config).parameters:
        return cls.from_config(inner, custom_objects=custom_objects)
    return cls.from_config(inner)
