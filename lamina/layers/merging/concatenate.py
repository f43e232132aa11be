"""``Concatenate``: join a list of tensors along one axis; and ``concatenate(inputs)``."""

import jax.numpy as jnp

from lamina.layers.merging.base_merge import Merge, layer_error


class Concatenate(Merge):
    """Concatenate a list of tensors along ``axis``.

    Input: tensors of one rank whose shapes agree except on ``axis``. Output: the
    same rank, with ``axis`` the sum of the inputs' sizes there.

    Masks (as Keras 3): each input's mask (``None`` counting as all-True) is
    spread over the input's shape, the spread masks are concatenated along
    ``axis``, and the output mask is their ``any`` over the last axis. So with
    ``(batch, steps, features)`` inputs, ``axis=1`` concatenates the step masks
    and ``axis=-1`` ORs them.

    Args:
      axis: int, the axis to concatenate along (default -1).

    Example::

        x, y = jnp.ones((2, 2, 5)), jnp.zeros((2, 1, 5))
        z = Concatenate(axis=1)([x, y])        # (2, 3, 5)
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(axis, int) or isinstance(axis, bool):
            raise layer_error(self, f"`axis` must be an int, received axis={axis!r}.")
        self.axis = axis

    def _check_shapes(self, shapes):
        """The positive concatenation axis, after checking ranks and the other sizes."""
        self._check_list(shapes)
        known = [tuple(s) for s in shapes if s is not None]
        if not known:
            return None
        listed = [None if s is None else tuple(s) for s in shapes]
        ranks = {len(s) for s in known}
        if len(ranks) > 1:
            raise layer_error(
                self,
                f"inputs must all have the same rank; received shapes {listed}.",
            )
        rank = ranks.pop()
        if not -rank <= self.axis < rank:
            raise layer_error(
                self,
                f"axis={self.axis} is out of range for inputs of rank {rank}; received"
                f" shapes {listed}.",
            )
        axis = self.axis % rank
        for dim in range(rank):
            sizes = {s[dim] for s in known} - {None}
            if dim != axis and len(sizes) > 1:
                raise layer_error(
                    self,
                    "inputs must have matching shapes except on the concatenation axis"
                    f" {self.axis}; received shapes {listed} (they differ on axis {dim}).",
                )
        return axis

    def build(self, input_shape):
        self._check_shapes(input_shape)

    def call(self, inputs, mask=None):
        if not isinstance(inputs, list | tuple):
            raise layer_error(
                self,
                f"expects a list of input tensors, received one of shape {jnp.shape(inputs)}.",
            )
        inputs = [jnp.asarray(x) for x in inputs]
        self._check_shapes([x.shape for x in inputs])
        return jnp.concatenate(inputs, axis=self.axis)

    def compute_output_shape(self, input_shape):
        self._check_shapes(input_shape)
        out = list(input_shape[0])
        sizes = [s[self.axis] for s in input_shape]
        out[self.axis] = None if None in sizes else sum(sizes)
        return tuple(out)

    def compute_mask(self, inputs, previous_mask=None):
        if previous_mask is None:
            return None
        self._check_masks(inputs, previous_mask)
        if all(m is None for m in previous_mask):
            return None
        spread = []
        for x, mask in zip(inputs, previous_mask):
            shape = jnp.shape(x)
            if mask is None:
                mask = jnp.ones(shape, bool)
            else:
                mask = jnp.asarray(mask).astype(bool)
                if mask.ndim < len(shape):
                    mask = jnp.broadcast_to(jnp.expand_dims(mask, -1), shape)
            spread.append(mask)
        return jnp.any(jnp.concatenate(spread, axis=self.axis), axis=-1)

    def get_config(self):
        config = super().get_config()
        config.update({"axis": self.axis})
        return config


def concatenate(inputs, axis=-1, **kwargs):
    """``Concatenate(axis=axis, **kwargs)(inputs)``: join a list of tensors along ``axis``."""
    return Concatenate(axis=axis, **kwargs)(inputs)
