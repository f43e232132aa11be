"""A functional model's graph as JSON-plain data, and the model rebuilt from it.

The config lists the inputs (shape, dtype, name), every layer (serialized, once
even when shared), and every recorded call in order: which layer, its arguments
with symbolic tensors written as ``{"tensor": i}``, and the numbers given to the
tensors it produced. Rebuilding replays those calls on fresh ``lamina.Input``
tensors, so the rebuilt model is the same graph over new layers.
"""

import jax

from lamina.layers import serialization
from lamina.models.symbolic import Input, SymbolicTensor

_is_sym = lambda x: isinstance(x, SymbolicTensor)


def graph_config(model) -> dict:
    """``{"inputs", "layers", "nodes", "outputs"}`` for a functional ``model``."""
    numbers = {}

    def number(tensor):
        numbers.setdefault(id(tensor), len(numbers))
        return {"tensor": numbers[id(tensor)]}

    flat_inputs = jax.tree.leaves(model._inputs_struct, is_leaf=_is_sym)
    inputs = [
        {"shape": list(t.shape), "dtype": t.dtype, "name": t.name, **number(t)}
        for t in flat_inputs
    ]
    nodes = []
    for node in model._graph_nodes:
        args = _encode(tuple(node.args), numbers, model)
        kwargs = _encode(dict(node.kwargs), numbers, model)
        outputs = _encode(node.outputs, None, model, number)
        nodes.append(
            {"layer": node.layer.name, "args": args, "kwargs": kwargs, "outputs": outputs}
        )
    return {
        "inputs": inputs,
        "input_structure": _encode(model._inputs_struct, numbers, model),
        "layers": [serialization.serialize(layer) for layer in model._graph_layers],
        "nodes": nodes,
        "outputs": _encode(model._outputs_struct, numbers, model),
    }


def rebuild_graph(config, custom_objects=None):
    """``(inputs, outputs)`` symbolic structures replaying ``graph_config``'s calls."""
    tensors = {}
    for spec in config["inputs"]:
        tensors[spec["tensor"]] = Input(
            batch_shape=tuple(spec["shape"]), dtype=spec["dtype"], name=spec["name"]
        )
    layers = {}
    for data in config["layers"]:
        layer = serialization.deserialize(data, custom_objects)
        layers[layer.name] = layer
    for node in config["nodes"]:
        if node["layer"] not in layers:
            raise ValueError(f"Model config: a call names the unknown layer {node['layer']!r}.")
        args = _decode(node["args"], tensors)
        kwargs = _decode(node["kwargs"], tensors)
        produced = layers[node["layer"]](*args, **kwargs)
        expected = _tensor_numbers(node["outputs"])
        got = jax.tree.leaves(produced, is_leaf=_is_sym)
        if len(got) != len(expected):
            raise ValueError(
                f"Model config: layer {node['layer']!r} produced {len(got)} tensors where"
                f" the config records {len(expected)}."
            )
        tensors.update(zip(expected, got))
    return _decode(config["input_structure"], tensors), _decode(config["outputs"], tensors)


def _encode(value, numbers, model, number=None):
    if _is_sym(value):
        if number is not None:
            return number(value)
        return {"tensor": numbers[id(value)]}
    if isinstance(value, dict):
        return {"dict": {str(k): _encode(v, numbers, model, number) for k, v in value.items()}}
    if isinstance(value, list | tuple):
        kind = "list" if isinstance(value, list) else "tuple"
        return {kind: [_encode(v, numbers, model, number) for v in value]}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    raise TypeError(
        f"Model '{model.name}' cannot be serialized: a layer call in its graph takes the"
        f" argument {value!r} ({type(value).__name__}); only symbolic tensors and plain"
        " values (numbers, strings, lists, dicts) can be saved."
    )


def _decode(data, tensors):
    if isinstance(data, dict):
        if "tensor" in data:
            if data["tensor"] not in tensors:
                raise ValueError(f"Model config: tensor {data['tensor']} is used before it exists.")
            return tensors[data["tensor"]]
        if "dict" in data:
            return {k: _decode(v, tensors) for k, v in data["dict"].items()}
        if "list" in data:
            return [_decode(v, tensors) for v in data["list"]]
        if "tuple" in data:
            return tuple(_decode(v, tensors) for v in data["tuple"])
        raise ValueError(f"Model config: cannot read the value {data!r}.")
    return data


def _tensor_numbers(data) -> list:
    if isinstance(data, dict):
        if "tensor" in data:
            return [data["tensor"]]
        inner = next(iter(data.values()))
        # jax.tree.leaves orders dict entries by sorted key; so must this.
        items = [inner[k] for k in sorted(inner)] if isinstance(inner, dict) else inner
        return [n for item in items for n in _tensor_numbers(item)]
    return []
