"""Symbolic tensors: ``lamina.Input`` and the graph nodes layers record on them.

Calling a layer on a :class:`SymbolicTensor` runs nothing: the output shapes are
inferred abstractly (``jax.eval_shape``, which also builds the layer) and each output
remembers the call that made it, so ``Model(inputs, outputs)`` can replay the graph.
"""

import itertools
from dataclasses import dataclass

import jax
import jax.numpy as jnp

from lamina.core import config, naming, registry
from lamina.core.call_signature import call_signature
from lamina.core.layer import Layer

_BATCH_PROBES = (2, 3)  # two batch sizes: dims that follow them are the batch (None)
_ids = itertools.count()


@dataclass(eq=False)
class Node:
    """One recorded layer call: ``layer(*args, **kwargs)`` produced ``outputs``."""

    layer: object
    args: tuple
    kwargs: dict
    outputs: object  # the structure of SymbolicTensors the call returned


class SymbolicTensor:
    """A placeholder with a shape (``None`` for the batch axis) and a dtype.

    Returned by :func:`Input` and by layers called on symbolic tensors. ``node`` is
    the call that produced it (None for an input).
    """

    _lamina_symbolic = True

    def __init__(self, shape, dtype="float32", name=None, node=None, mask=None):
        self.shape = tuple(shape)
        self.dtype = config.standardize_dtype(dtype)
        self.name = name or f"tensor_{next(_ids)}"
        self.node = node
        self.mask = mask  # a SymbolicTensor of booleans when a layer produced a mask

    @property
    def ndim(self):
        return len(self.shape)

    def spec(self, batch: int) -> jax.ShapeDtypeStruct:
        """A concrete abstract value, with ``None`` dims set to ``batch``."""
        return jax.ShapeDtypeStruct(
            tuple(batch if d is None else d for d in self.shape), jnp.dtype(self.dtype)
        )

    def __repr__(self):
        return f"<SymbolicTensor shape={self.shape}, dtype={self.dtype}, name={self.name}>"

    def __bool__(self):
        raise TypeError(
            "A symbolic tensor (from lamina.Input) has no value: it cannot be used in a"
            " Python condition. Put the computation in a layer's call()."
        )


_OPERATIONS = {
    "add": jnp.add,
    "subtract": jnp.subtract,
    "multiply": jnp.multiply,
    "divide": jnp.true_divide,
    "power": jnp.power,
    "matmul": jnp.matmul,
    "negative": jnp.negative,
}
_DUNDERS = {
    "add": "add",
    "subtract": "sub",
    "multiply": "mul",
    "divide": "truediv",
    "power": "pow",
    "matmul": "matmul",
}


class Operation(Layer):
    """A weightless layer for arithmetic on symbolic tensors (``a + b``, ``-a``,
    ``a[:, 0]`` in a graph).

    Args:
      op: one of ``add``, ``subtract``, ``multiply``, ``divide``, ``power``,
        ``matmul``, ``negative``, or ``get_item`` (then ``index`` is the index, as
        returned by :func:`encode_index`: ints, None, ``{"slice": [a, b, c]}``,
        ``{"ellipsis": True}``, or a list of those).

    Named ops (never a Python function) keep the graph serializable.
    """

    def __init__(self, op, index=None, **kwargs):
        super().__init__(**kwargs)
        if op != "get_item" and op not in _OPERATIONS:
            raise ValueError(
                f"Operation '{self.name}': unknown op {op!r}; known: "
                f"{sorted(_OPERATIONS) + ['get_item']}."
            )
        self.op = op
        self.index = index

    def call(self, *args):
        if self.op == "get_item":
            return args[0][decode_index(self.index)]
        return _OPERATIONS[self.op](*args)

    def get_config(self):
        return {**super().get_config(), "op": self.op, "index": self.index}


def encode_index(index):
    """A ``__getitem__`` index as JSON-plain data (ints, None, slices, ``...``)."""
    if isinstance(index, tuple):
        return [encode_index(i) for i in index]
    if isinstance(index, slice):
        return {"slice": [index.start, index.stop, index.step]}
    if index is Ellipsis:
        return {"ellipsis": True}
    if index is None or (isinstance(index, int) and not isinstance(index, bool)):
        return index
    raise TypeError(
        f"Indexing a symbolic tensor takes ints, slices, None and ..., received {index!r};"
        " use a layer for other indexing."
    )


def decode_index(data):
    """The inverse of :func:`encode_index`."""
    if isinstance(data, list):
        return tuple(decode_index(i) for i in data)
    if isinstance(data, dict):
        return slice(*data["slice"]) if "slice" in data else Ellipsis
    return data


def _apply(op, *operands, index=None):
    return Operation(op, index=index, name=naming.unique_name(op))(*operands)


def _operator(name, reflected=False):
    def method(self, other):
        operands = (other, self) if reflected else (self, other)
        return _apply(name, *operands)

    return method


for _name, _dunder in _DUNDERS.items():
    setattr(SymbolicTensor, f"__{_dunder}__", _operator(_name))
    setattr(SymbolicTensor, f"__r{_dunder}__", _operator(_name, reflected=True))
SymbolicTensor.__neg__ = lambda self: _apply("negative", self)
SymbolicTensor.__getitem__ = lambda self, index: _apply(
    "get_item", self, index=encode_index(index)
)


def Input(shape=None, batch_size=None, dtype=None, name=None, batch_shape=None, **kwargs):
    """A symbolic model input of shape ``(batch_size, *shape)`` (Keras' ``keras.Input``).

    Example::

        inputs = lamina.Input(shape=(784,))
        outputs = lamina.layers.Dense(10)(inputs)
        model = lamina.Model(inputs, outputs)
    """
    if kwargs:
        raise TypeError(f"Input got unexpected keyword argument(s) {sorted(kwargs)}.")
    if batch_shape is None:
        if shape is None:
            raise ValueError("Input needs `shape` (without the batch axis) or `batch_shape`.")
        batch_shape = (batch_size, *tuple(shape))
    return SymbolicTensor(batch_shape, dtype or config.floatx(), name=name)


def _is_sym(x):
    return isinstance(x, SymbolicTensor)


def _symbolic(first, second, node=None):
    """Symbolic tensors from the specs of two probes: axes that differ are the batch."""

    def one(a, b):
        shape = tuple(None if x != y else x for x, y in zip(a.shape, b.shape))
        return SymbolicTensor(shape, a.dtype.name, node=node)

    return jax.tree.map(one, first, second)


def symbolic_call(layer, args, kwargs):
    """Record ``layer(*args, **kwargs)`` on symbolic tensors; return symbolic outputs.

    Shapes come from ``jax.eval_shape`` at two batch sizes. Masks ride along: the
    input tensors' masks are passed to a ``call`` that takes ``mask``, and the
    outputs carry the mask ``compute_mask`` makes, so the shapes of masked layers
    are inferred as at run time (where masks flow through the scope's table).
    """
    sig = call_signature(type(layer))
    first_arg = args[0] if args else kwargs.get(sig.first_arg)
    in_mask = jax.tree.map(lambda t: t.mask if _is_sym(t) else None, first_arg, is_leaf=_is_sym)
    has_mask = any(m is not None for m in jax.tree.leaves(in_mask, is_leaf=_is_sym))
    extra = {"mask": in_mask} if has_mask and sig.has_mask and kwargs.get("mask") is None else {}
    probes = []
    for batch in _BATCH_PROBES:
        to_spec = lambda t, b=batch: t.spec(b) if _is_sym(t) else t
        a, k = jax.tree.map(to_spec, (args, {**kwargs, **extra}), is_leaf=_is_sym)
        out = layer.compute_output_spec(*a, **k)
        mask = None
        if layer.supports_masking:
            first_spec = a[0] if a else k.get(sig.first_arg)
            prev = jax.tree.map(to_spec, in_mask, is_leaf=_is_sym) if has_mask else None
            mask = jax.eval_shape(lambda f, p: layer.compute_mask(f, p), first_spec, prev)
        probes.append((out, mask))
    node = Node(layer, args, kwargs, None)
    outputs = _symbolic(probes[0][0], probes[1][0], node)
    if probes[0][1] is not None:
        masks = _symbolic(probes[0][1], probes[1][1])
        out_leaves = jax.tree.leaves(outputs, is_leaf=_is_sym)
        mask_leaves = jax.tree.leaves(masks, is_leaf=_is_sym)
        for i, tensor in enumerate(out_leaves):
            tensor.mask = mask_leaves[i] if len(mask_leaves) == len(out_leaves) else mask_leaves[0]
    node.outputs = outputs
    return outputs


registry.register_resolver("symbolic_call", symbolic_call)
