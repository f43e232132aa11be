"""``Merge``: the base of the layers that combine a list of tensors element by element.

Shapes follow Keras 3: the batch axes must agree, the other axes broadcast from the
right (a size of 1 stretches), and inputs of lower rank gain axes at position 1
until every input has the highest rank. Masks follow Keras 3 as well: an output
step is valid where *any* input step is valid (the OR of the masks), and there is
no output mask unless every input has one.
"""

import jax.numpy as jnp

from lamina.core.layer import Layer


def layer_error(layer, message: str) -> ValueError:
    """A ValueError whose message starts with the layer's class and name."""
    return ValueError(f"{type(layer).__name__} '{layer.name}': {message}")


def broadcast_shapes(layer, shape1, shape2):
    """The shape ``shape1 op shape2`` has (axes aligned from the right), or an error.

    ``None`` stands for an unknown size; either shape may be None (unknown rank).
    """
    if shape1 is None or shape2 is None:
        return None
    long, short = (shape1, shape2) if len(shape1) >= len(shape2) else (shape2, shape1)
    if not short:
        return tuple(long)
    out = list(long[: len(long) - len(short)])
    for a, b in zip(long[len(long) - len(short) :], short):
        if a is None or b is None:
            out.append(None)
        elif a == 1 or b == 1 or a == b:
            out.append(b if a == 1 else a)
        else:
            raise layer_error(
                layer,
                f"inputs have incompatible shapes {tuple(shape1)} and {tuple(shape2)}"
                " (batch axis excluded): sizes must be equal or 1 on every axis.",
            )
    return tuple(out)


class Merge(Layer):
    """Base class of ``Add``, ``Subtract``, ``Multiply``, ``Average``, ``Maximum``,
    ``Minimum``: ``call`` takes a list of tensors and returns one tensor.

    Subclasses define ``_merge(inputs, masks)``: ``inputs`` all have the same rank,
    ``masks`` is one boolean array (or None) per input, shaped like the input
    without its last axis.
    """

    # How many inputs the layer takes: (at least, at most or None).
    input_count = (1, None)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def _check_list(self, shapes):
        """Refuse anything but a list of as many shapes as the layer takes."""
        if not isinstance(shapes, list | tuple) or not all(
            s is None or isinstance(s, list | tuple) for s in shapes
        ):
            raise layer_error(
                self, f"expects a list of input tensors, received one of shape {shapes}."
            )
        low, high = self.input_count
        if len(shapes) < low or (high is not None and len(shapes) > high):
            wanted = f"exactly {low}" if low == high else f"at least {low}"
            raise layer_error(
                self,
                f"expects {wanted} input(s), received {len(shapes)} with shapes"
                f" {[None if s is None else tuple(s) for s in shapes]}.",
            )

    def _check_batch(self, shapes):
        sizes = {s[0] for s in shapes if s} - {None}
        if len(sizes) > 1:
            raise layer_error(
                self,
                "cannot merge tensors with different batch sizes; received shapes"
                f" {[tuple(s) for s in shapes]}.",
            )

    def _merged_shape(self, shapes):
        """The output shape without the batch axis (also the compatibility check)."""
        out = None if shapes[0] is None else tuple(shapes[0][1:])
        for shape in shapes[1:]:
            out = broadcast_shapes(self, out, None if shape is None else tuple(shape[1:]))
        return out

    def build(self, input_shape):
        self._check_list(input_shape)
        self._check_batch(input_shape)
        self._merged_shape(input_shape)

    def call(self, inputs, mask=None):
        if not isinstance(inputs, list | tuple):
            raise layer_error(
                self,
                f"expects a list of input tensors, received one of shape {jnp.shape(inputs)}.",
            )
        inputs = [jnp.asarray(x) for x in inputs]
        shapes = [x.shape for x in inputs]
        self._check_list(shapes)
        self._check_batch(shapes)
        self._merged_shape(shapes)
        masks = list(mask) if isinstance(mask, list | tuple) else [None] * len(inputs)
        masks = [None if m is None else jnp.asarray(m).astype(bool) for m in masks]
        rank = max(x.ndim for x in inputs)
        if any(x.ndim != rank for x in inputs):
            # Keras' rule for unequal ranks: new axes at position 1. The masks no
            # longer line up with the expanded inputs, so (as in Keras) they do
            # not take part in the values.
            inputs = [x.reshape(x.shape[:1] + (1,) * (rank - x.ndim) + x.shape[1:]) for x in inputs]
            masks = [None] * len(inputs)
        return self._merge(inputs, masks)

    def _merge(self, inputs, masks):
        raise NotImplementedError

    def _spread(self, mask, x):
        """``mask`` (shaped like ``x`` without its last axis) broadcast to ``x``'s shape."""
        if mask.ndim != x.ndim - 1 or mask.shape != x.shape[: mask.ndim]:
            raise layer_error(
                self,
                f"a mask of shape {mask.shape} does not fit the input of shape {x.shape}:"
                " expected the input's shape without its last axis.",
            )
        return jnp.broadcast_to(mask[..., None], x.shape)

    def compute_output_shape(self, input_shape):
        self._check_list(input_shape)
        merged = self._merged_shape(input_shape)
        sizes = {s[0] for s in input_shape if s} - {None}
        batch = sizes.pop() if len(sizes) == 1 else None
        return None if merged is None else (batch, *merged)

    def _check_masks(self, inputs, masks):
        """Refuse masks that are not one list entry (mask or None) per input."""
        if not isinstance(masks, list | tuple) or not isinstance(inputs, list | tuple):
            raise layer_error(
                self,
                "`mask` and `inputs` must both be lists (one mask or None per input),"
                f" received mask={masks!r}.",
            )
        if len(masks) != len(inputs):
            raise layer_error(
                self,
                f"received {len(masks)} masks for {len(inputs)} inputs; pass one"
                " mask (or None) per input.",
            )

    def compute_mask(self, inputs, previous_mask=None):
        if previous_mask is None:
            return None
        self._check_masks(inputs, previous_mask)
        if any(m is None for m in previous_mask):
            return None
        out = jnp.asarray(previous_mask[0]).astype(bool)
        for m in previous_mask[1:]:
            out = jnp.logical_or(out, jnp.asarray(m).astype(bool))
        return out
