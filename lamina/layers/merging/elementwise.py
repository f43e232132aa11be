"""Element-wise merges: ``Add``, ``Subtract``, ``Multiply``, ``Average``, ``Maximum``,
``Minimum``, and their functional forms ``add(inputs)`` ... ``minimum(inputs)``.

All take a list of tensors of the same shape (or shapes that broadcast, see
:class:`~lamina.layers.merging.base_merge.Merge`) and return one tensor.
"""

import jax.numpy as jnp

from lamina.layers.merging.base_merge import Merge


class Add(Merge):
    """Element-wise sum of a list of tensors.

    Input: a list of tensors ``(batch, ...)`` of one shape, or of shapes that
    broadcast (see :class:`Merge`). Output: one tensor of the broadcast shape; its
    mask is the OR of the input masks when every input has one.

    Example::

        y = Add()([jnp.ones((2, 3, 4)), jnp.full((2, 3, 4), 2.0)])   # (2, 3, 4), all 3.0
    """

    def _merge(self, inputs, masks):
        out = inputs[0]
        for x in inputs[1:]:
            out = out + x
        return out


class Subtract(Merge):
    """``inputs[0] - inputs[1]``: exactly two tensors of one (or a broadcastable) shape.

    Input: ``[a, b]``, each ``(batch, ...)``. Output: ``a - b``; its mask is the OR
    of the two masks when both have one.

    Example::

        y = Subtract()([jnp.ones((2, 4)), jnp.ones((2, 4))])   # (2, 4), all 0.0
    """

    input_count = (2, 2)

    def _merge(self, inputs, masks):
        return inputs[0] - inputs[1]


class Average(Merge):
    """Element-wise mean of a list of tensors.

    Input: a list of tensors ``(batch, ...)`` of one (or a broadcastable) shape.
    Output: their mean; its mask is the OR of the input masks when all have one.

    Example::

        y = Average()([jnp.zeros((2, 4)), jnp.ones((2, 4))])   # (2, 4), all 0.5
    """

    def _merge(self, inputs, masks):
        out = inputs[0]
        for x in inputs[1:]:
            out = out + x
        return out / len(inputs)


class Multiply(Merge):
    """Element-wise product of a list of tensors.

    Input: a list of tensors ``(batch, ...)`` of one (or a broadcastable) shape.
    Output: their product. Masked steps of an input count as 1 (they leave the
    product unchanged); when every input has a mask, steps masked in all of them
    come out as 0 and the output mask is the OR of the masks.

    Example::

        y = Multiply()([jnp.full((2, 4), 2.0), jnp.full((2, 4), 3.0)])   # all 6.0
    """

    def _merge(self, inputs, masks):
        every = all(m is not None for m in masks)
        out, out_mask = None, None
        for x, mask in zip(inputs, masks):
            if mask is not None:
                mask = self._spread(mask, x)
                x = jnp.where(mask, x, jnp.ones((), x.dtype))
                if every:
                    out_mask = mask if out_mask is None else jnp.logical_or(out_mask, mask)
            out = x if out is None else out * x
        if every:
            out = jnp.where(out_mask, out, jnp.zeros((), out.dtype))
        return out


class _Extremum(Merge):
    """``Maximum``/``Minimum``: masked steps of an input do not compete; a step
    masked everywhere takes the value of the inputs as they stand."""

    _op = None

    def _merge(self, inputs, masks):
        out, out_mask = None, None
        for x, mask in zip(inputs, masks):
            mask = None if mask is None else self._spread(mask, x)
            if out is None:
                out, out_mask = x, mask
                continue
            # Where one side is masked, both sides show the other side's value, so
            # the op returns the unmasked value unchanged.
            if mask is not None:
                x = jnp.where(mask, x, out)
            if out_mask is not None:
                out = jnp.where(out_mask, out, x)
            both = mask is not None and out_mask is not None
            out_mask = jnp.logical_or(out_mask, mask) if both else None
            out = type(self)._op(out, x)
        return out


class Maximum(_Extremum):
    """Element-wise maximum of a list of tensors; masked steps do not compete.

    Input: a list of tensors ``(batch, ...)`` of one (or a broadcastable) shape.
    Output: their maximum; its mask is the OR of the masks when all have one.

    Example::

        y = Maximum()([jnp.zeros((2, 4)), -jnp.ones((2, 4))])   # all 0.0
    """

    _op = jnp.maximum


class Minimum(_Extremum):
    """Element-wise minimum of a list of tensors; masked steps do not compete.

    Input: a list of tensors ``(batch, ...)`` of one (or a broadcastable) shape.
    Output: their minimum; its mask is the OR of the masks when all have one.

    Example::

        y = Minimum()([jnp.zeros((2, 4)), -jnp.ones((2, 4))])   # all -1.0
    """

    _op = jnp.minimum


def add(inputs, **kwargs):
    """``Add(**kwargs)(inputs)``: the element-wise sum of a list of tensors."""
    return Add(**kwargs)(inputs)


def subtract(inputs, **kwargs):
    """``Subtract(**kwargs)(inputs)``: ``inputs[0] - inputs[1]``."""
    return Subtract(**kwargs)(inputs)


def multiply(inputs, **kwargs):
    """``Multiply(**kwargs)(inputs)``: the element-wise product of a list of tensors."""
    return Multiply(**kwargs)(inputs)


def average(inputs, **kwargs):
    """``Average(**kwargs)(inputs)``: the element-wise mean of a list of tensors."""
    return Average(**kwargs)(inputs)


def maximum(inputs, **kwargs):
    """``Maximum(**kwargs)(inputs)``: the element-wise maximum of a list of tensors."""
    return Maximum(**kwargs)(inputs)


def minimum(inputs, **kwargs):
    """``Minimum(**kwargs)(inputs)``: the element-wise minimum of a list of tensors."""
    return Minimum(**kwargs)(inputs)
