"""``Dot``: per-sample dot products of two tensors (Keras' ``batch_dot``); and ``dot``."""

import jax.numpy as jnp
from jax import lax

from lamina import ops
from lamina.layers.merging.base_merge import Merge, layer_error


class Dot(Merge):
    """Per-sample dot product of two tensors, summed over one axis of each.

    Input: ``[x, y]`` with ``x`` of shape ``(batch, *xs)`` and ``y`` of shape
    ``(batch, *ys)`` (ranks ≥ 2), where ``x.shape[axes[0]] == y.shape[axes[1]]``.
    Output: ``x``'s shape without ``axes[0]`` followed by ``y``'s shape without its
    batch axis and ``axes[1]``; a result of shape ``(batch,)`` becomes ``(batch, 1)``.
    So ``(b, 3, 5)`` · ``(b, 10, 3)`` with ``axes=(1, 2)`` gives ``(b, 5, 10)``.
    The output has no mask.

    Args:
      axes: int, or a pair of ints (one axis of ``x``, one of ``y``); negative
        values count from the end. The batch axis 0 cannot be summed over.
      normalize: L2-normalize both inputs along the summed axes first, so the
        result is the cosine similarity (default False).

    Example::

        x, y = jnp.ones((4, 8)), jnp.ones((4, 8))
        Dot(axes=1)([x, y])                   # (4, 1)
        Dot(axes=1, normalize=True)([x, y])   # cosine similarity, (4, 1)
    """

    input_count = (2, 2)

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        pair = list(axes) if isinstance(axes, list | tuple) else [axes]
        if len(pair) != (2 if isinstance(axes, list | tuple) else 1) or not all(
            isinstance(a, int) and not isinstance(a, bool) for a in pair
        ):
            raise layer_error(
                self, f"`axes` must be an int or a pair of ints, received axes={axes!r}."
            )
        if 0 in pair:
            raise layer_error(
                self,
                f"`axes` cannot include the batch axis 0, received axes={axes!r}."
                " Add an axis (e.g. with Reshape) if your samples are unbatched.",
            )
        self.axes = axes
        self.normalize = normalize

    def _resolve_axes(self, shape1, shape2):
        """``(axis of x, axis of y)`` as positive ints, checked against both shapes."""
        for shape in (shape1, shape2):
            if len(shape) < 2:
                raise layer_error(
                    self,
                    f"inputs must have rank >= 2 (batch first); received shapes"
                    f" {tuple(shape1)} and {tuple(shape2)}.",
                )
        pair = self.axes if isinstance(self.axes, list | tuple) else (self.axes, self.axes)
        resolved = []
        for axis, shape in zip(pair, (shape1, shape2)):
            if not -len(shape) <= axis < len(shape) or axis % len(shape) == 0:
                raise layer_error(
                    self,
                    f"axes={self.axes!r} is out of range (or names the batch axis) for"
                    f" inputs of shapes {tuple(shape1)} and {tuple(shape2)}.",
                )
            resolved.append(axis % len(shape))
        a0, a1 = resolved
        if shape1[a0] is not None and shape2[a1] is not None and shape1[a0] != shape2[a1]:
            raise layer_error(
                self,
                f"incompatible input shapes {tuple(shape1)} and {tuple(shape2)} for"
                f" axes={self.axes!r}: size {shape1[a0]} (axis {a0} of the first) !="
                f" {shape2[a1]} (axis {a1} of the second).",
            )
        return a0, a1

    def build(self, input_shape):
        self._check_list(input_shape)
        self._check_batch(input_shape)
        self._resolve_axes(*input_shape)

    def call(self, inputs, mask=None):
        if not isinstance(inputs, list | tuple):
            raise layer_error(
                self,
                f"expects a list of 2 input tensors, received one of shape {jnp.shape(inputs)}.",
            )
        x, y = self._pair([jnp.asarray(t) for t in inputs])
        a0, a1 = self._resolve_axes(x.shape, y.shape)
        if self.normalize:
            x = ops.normalize(x, axis=a0)
            y = ops.normalize(y, axis=a1)
        dtype = jnp.result_type(x, y)
        out = lax.dot_general(x.astype(dtype), y.astype(dtype), (((a0,), (a1,)), ((0,), (0,))))
        return out[:, None] if out.ndim == 1 else out

    def _pair(self, inputs):
        shapes = [x.shape for x in inputs]
        self._check_list(shapes)
        self._check_batch(shapes)
        return inputs

    def compute_output_shape(self, input_shape):
        self._check_list(input_shape)
        shape1, shape2 = (list(s) for s in input_shape)
        a0, a1 = self._resolve_axes(shape1, shape2)
        out = [d for i, d in enumerate(shape1) if i != a0]
        out += [d for i, d in enumerate(shape2) if i not in (0, a1)]
        return tuple(out + [1] if len(out) == 1 else out)

    def compute_mask(self, inputs, previous_mask=None):
        return None

    def get_config(self):
        config = super().get_config()
        # A list attribute is held as lamina's tracked list; the config gets a plain one.
        axes = list(self.axes) if isinstance(self.axes, list) else self.axes
        config.update({"axes": axes, "normalize": self.normalize})
        return config


def dot(inputs, axes=-1, normalize=False, **kwargs):
    """``Dot(axes, normalize, **kwargs)(inputs)``: per-sample dot products of two tensors."""
    return Dot(axes=axes, normalize=normalize, **kwargs)(inputs)
