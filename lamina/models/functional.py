"""Functional models: a graph of layer calls recorded on ``lamina.Input`` tensors."""

import jax
import jax.numpy as jnp

from lamina.models.model import Model
from lamina.models.symbolic import SymbolicTensor

_is_sym = lambda x: isinstance(x, SymbolicTensor)


class Functional(Model):
    """A model defined by its inputs and outputs (``lamina.Model(inputs, outputs)``).

    Args:
      inputs: a symbolic tensor from :func:`lamina.Input`, or a list/tuple/dict of them.
      outputs: symbolic tensors computed from ``inputs`` by layer calls (any structure).

    Calling the model replays the recorded layer calls in order inside one call, so
    ``training`` and masks flow through the graph as in a subclassed model. Shared
    layers appear once in ``layers`` and in ``params`` (keyed by layer name); nested
    models are layers like any other.

    Example::

        inputs = lamina.Input(shape=(3,))
        x = lamina.layers.Dense(8, activation="relu")(inputs)
        model = lamina.Model(inputs, lamina.layers.Dense(1)(x))
    """

    # Inputs reach the layers uncast; each layer casts to its own compute dtype (a
    # functional model converts them to its Input dtypes), as in Keras.
    _convert_input_args = False

    def __init__(self, inputs, outputs, name=None, **kwargs):
        if getattr(self, "_graph_nodes", None) is not None:
            return  # Model.__new__ built this instance already
        super().__init__(name=name, **kwargs)
        flat_inputs = jax.tree.leaves(inputs, is_leaf=_is_sym)
        if not flat_inputs or not all(map(_is_sym, flat_inputs)):
            raise TypeError(
                f"Model '{self.name}': `inputs` must be lamina.Input tensors (or a list/dict"
                f" of them); got {inputs!r}."
            )
        flat_outputs = jax.tree.leaves(outputs, is_leaf=_is_sym)
        if not flat_outputs or not all(map(_is_sym, flat_outputs)):
            raise TypeError(
                f"Model '{self.name}': `outputs` must be symbolic tensors computed from the"
                f" inputs by layer calls; got {outputs!r}."
            )
        object.__setattr__(self, "_inputs_struct", inputs)
        object.__setattr__(self, "_outputs_struct", outputs)
        nodes = _topological_nodes(flat_outputs, flat_inputs, self.name)
        object.__setattr__(self, "_graph_nodes", nodes)
        graph_layers = []
        for node in nodes:
            if all(node.layer is not other for other in graph_layers):
                graph_layers.append(node.layer)
        names = [layer.name for layer in graph_layers]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(
                f"Model '{self.name}': layer names must be unique within a model, but"
                f" {duplicates} appear more than once. Pass distinct `name=` arguments."
            )
        self._graph_layers = graph_layers
        self.built = True

    @property
    def inputs(self):
        return self._inputs_struct

    @property
    def outputs(self):
        return self._outputs_struct

    @property
    def layers(self) -> list:
        return list(self._graph_layers)

    def _lamina_children(self):
        return [(layer.name, layer) for layer in self._graph_layers]

    def get_config(self) -> dict:
        """``name``, ``trainable`` and the graph (see :mod:`lamina.models.graph_config`)."""
        from lamina.models.graph_config import graph_config

        return {"name": self.name, "trainable": self.trainable, **graph_config(self)}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """The model rebuilt from ``get_config()``: new layers, same graph."""
        from lamina.models.graph_config import rebuild_graph

        inputs, outputs = rebuild_graph(config, custom_objects)
        model = cls(inputs, outputs, name=config.get("name"))
        model.trainable = config.get("trainable", True)
        return model

    def call(self, inputs, training=None, mask=None):
        flat_inputs = jax.tree.leaves(self._inputs_struct, is_leaf=_is_sym)
        given = _match_inputs(self, inputs, flat_inputs)
        values = {id(t): v for t, v in zip(flat_inputs, given)}
        for node in self._graph_nodes:
            args, kwargs = jax.tree.map(
                lambda t: values[id(t)] if _is_sym(t) else t,
                (node.args, node.kwargs),
                is_leaf=_is_sym,
            )
            out = node.layer(*args, **kwargs)
            for t, v in zip(jax.tree.leaves(node.outputs, is_leaf=_is_sym), jax.tree.leaves(out)):
                values[id(t)] = v
        return jax.tree.map(lambda t: values[id(t)], self._outputs_struct, is_leaf=_is_sym)


def _match_inputs(model, inputs, flat_inputs):
    """The given inputs as a flat list in the order of the model's input tensors."""
    struct = model._inputs_struct
    if isinstance(struct, dict) and isinstance(inputs, dict):
        missing = [k for k in struct if k not in inputs]
        if missing:
            raise ValueError(
                f"Model '{model.name}': missing inputs {missing}; got {sorted(inputs)}."
            )
        given = [inputs[k] for k in struct]
    elif len(flat_inputs) == 1:
        given = [inputs[0] if isinstance(inputs, list | tuple) and len(inputs) == 1 else inputs]
    else:
        given = list(inputs.values()) if isinstance(inputs, dict) else list(inputs)
        if len(given) != len(flat_inputs):
            raise ValueError(
                f"Model '{model.name}' expects {len(flat_inputs)} inputs, received {len(given)}."
            )
    out = []
    for tensor, value in zip(flat_inputs, given):
        shape = tuple(jnp.shape(value))
        if len(shape) != len(tensor.shape) or any(
            want is not None and want != got for want, got in zip(tensor.shape, shape)
        ):
            raise ValueError(
                f"Model '{model.name}': input '{tensor.name}' expects shape {tensor.shape},"
                f" received {shape}."
            )
        dtype = getattr(value, "dtype", None)
        if not isinstance(value, jax.core.Tracer) and dtype != jnp.dtype(tensor.dtype):
            value = jnp.asarray(value, tensor.dtype)
        out.append(value)
    return out


def _topological_nodes(flat_outputs, flat_inputs, model_name):
    """The nodes producing ``flat_outputs``, each after the nodes it depends on."""
    input_ids = {id(t) for t in flat_inputs}
    order, done, active = [], set(), set()

    def visit(tensor):
        if id(tensor) in input_ids:
            return
        node = tensor.node
        if node is None:
            raise ValueError(
                f"Model '{model_name}': graph disconnected: output depends on the input"
                f" {tensor!r}, which is not among the model's inputs."
            )
        if id(node) in done:
            return
        if id(node) in active:
            raise ValueError(f"Model '{model_name}': the graph has a cycle.")
        active.add(id(node))
        for t in jax.tree.leaves((node.args, node.kwargs), is_leaf=_is_sym):
            if _is_sym(t):
                visit(t)
        active.discard(id(node))
        done.add(id(node))
        order.append(node)

    for tensor in flat_outputs:
        visit(tensor)
    return order
