"""NumPy-style ops, part 4: products, contractions and matrix structure."""

import jax.numpy as jnp

from lamina.ops.core import convert_to_tensor as _t


def _int8_accumulator(*xs):
    """``"int32"`` when every operand is int8 (exact, hardware-friendly accumulation)."""
    return "int32" if all(x.dtype == jnp.int8 for x in xs) else None


def matmul(x1, x2):
    """Matrix product of ``x1`` and ``x2``, batched over leading axes (NumPy rules)."""
    x1, x2 = _t(x1), _t(x2)
    return jnp.matmul(x1, x2, preferred_element_type=_int8_accumulator(x1, x2))


def dot(x1, x2):
    """NumPy ``dot``: inner product of vectors, matrix product, or sum over the last axes."""
    return jnp.dot(_t(x1), _t(x2))


def vdot(x1, x2):
    """Dot product of the flattened inputs (conjugating ``x1``)."""
    return jnp.vdot(_t(x1), _t(x2))


def outer(x1, x2):
    """Outer product of the flattened inputs: shape ``(x1.size, x2.size)``."""
    return jnp.outer(_t(x1), _t(x2))


def tensordot(x1, x2, axes=2):
    """Sum of products over ``axes`` (an int: last/first ``axes`` axes; or two axis lists)."""
    return jnp.tensordot(_t(x1), _t(x2), axes=axes)


def einsum(subscripts, *operands, **kwargs):
    """Einstein summation, e.g. ``einsum("ij,jk->ik", a, b)``."""
    operands = [_t(x) for x in operands]
    kwargs.setdefault("preferred_element_type", _int8_accumulator(*operands))
    return jnp.einsum(subscripts, *operands, **kwargs)


def cross(x1, x2, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """Cross product of 2- or 3-vectors along the given axes (``axis`` sets all three)."""
    return jnp.cross(_t(x1), _t(x2), axisa=axisa, axisb=axisb, axisc=axisc, axis=axis)


def trace(x, offset=0, axis1=0, axis2=1):
    """Sum of the ``offset`` diagonal of ``x`` over ``axis1`` and ``axis2``."""
    return jnp.trace(_t(x), offset=offset, axis1=axis1, axis2=axis2)


def diag(x, k=0):
    """The ``k``-th diagonal of a 2-D ``x``, or a 2-D matrix with 1-D ``x`` on it."""
    return jnp.diag(_t(x), k=k)


def diagonal(x, offset=0, axis1=0, axis2=1):
    """The ``offset`` diagonal over ``axis1``/``axis2``, as the last axis of the result."""
    return jnp.diagonal(_t(x), offset=offset, axis1=axis1, axis2=axis2)


def tril(x, k=0):
    """``x`` with the elements above the ``k``-th diagonal zeroed (last two axes)."""
    return jnp.tril(_t(x), k=k)


def triu(x, k=0):
    """``x`` with the elements below the ``k``-th diagonal zeroed (last two axes)."""
    return jnp.triu(_t(x), k=k)
