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


class Operation(Layer):
    """A weightless layer for arithmetic on symbolic tensors (``a + b`` in a graph)."""

    def __init__(self, fn, **kwargs):
        super().__init__(**kwargs)
        self.fn = fn

    def call(self, *args):
        return self.fn(*args)


def _apply(name, fn, *operands):
    return Operation(fn, name=naming.unique_name(name))(*operands)


def _operator(name, fn, reflected=False):
    def method(self, other):
        operands = (other, self) if reflected else (self, other)
        return _apply(name, fn, *operands)

    return method


for _name, _fn in {
    "add": jnp.add,
    "subtract": jnp.subtract,
    "multiply": jnp.multiply,
    "divide": jnp.true_divide,
    "power": jnp.power,
    "matmul": jnp.matmul,
}.items():
    _dunder = {
        "add": "add",
        "subtract": "sub",
        "multiply": "mul",
        "divide": "truediv",
        "power": "pow",
        "matmul": "matmul",
    }[_name]
    setattr(SymbolicTensor, f"__{_dunder}__", _operator(_name, _fn))
    setattr(SymbolicTensor, f"__r{_dunder}__", _operator(_name, _fn, reflected=True))
SymbolicTensor.__neg__ = lambda self: _apply("negative", jnp.negative, self)
SymbolicTensor.__getitem__ = lambda self, index: _apply("get_item", lambda x: x[index], self)


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
