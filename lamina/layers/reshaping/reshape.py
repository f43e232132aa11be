"""Layers that rearrange each sample's values: ``Flatten``, ``Reshape``, ``Permute``,
``RepeatVector``. The batch axis is never touched."""

import math

import jax.numpy as jnp

from lamina.core.input_spec import InputSpec
from lamina.core.layer import Layer
from lamina.layers.reshaping._common import is_int, layer_error, standardize_data_format


class Flatten(Layer):
    """Flatten each sample: ``(batch, d1, ..., dk)`` → ``(batch, d1 * ... * dk)``.

    A rank-1 input ``(batch,)`` becomes ``(batch, 1)``. With
    ``data_format="channels_first"`` the channel axis (axis 1) is moved last before
    flattening, so the result is ordered as for the same image in channels-last layout.

    Args:
      data_format: ``"channels_last"`` or ``"channels_first"`` (default None: the
        global ``image_data_format``).

    Example::

        y = Flatten()(jnp.ones((8, 4, 4, 3)))   # shape (8, 48)
    """

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(self, data_format)
        self.input_spec = InputSpec(min_ndim=1)

    def call(self, inputs):
        flat = inputs
        if self.data_format == "channels_first" and inputs.ndim > 2:
            flat = jnp.moveaxis(inputs, 1, -1)
        return jnp.reshape(flat, (inputs.shape[0], math.prod(inputs.shape[1:])))

    def compute_output_shape(self, input_shape):
        rest = tuple(input_shape)[1:]
        return (input_shape[0], None if None in rest else math.prod(rest))

    def get_config(self):
        config = super().get_config()
        config.update({"data_format": self.data_format})
        return config


class Reshape(Layer):
    """Reshape each sample to ``target_shape`` (the batch axis is kept).

    Input ``(batch, *S)`` → output ``(batch, *target_shape)``; ``prod(S)`` must equal
    ``prod(target_shape)``. One entry of ``target_shape`` may be -1: it is inferred.

    Args:
      target_shape: tuple of non-negative ints, with at most one -1.

    Example::

        y = Reshape((-1, 2))(jnp.ones((8, 3, 4)))   # shape (8, 6, 2)
    """

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        try:
            target = tuple(target_shape)
        except TypeError:
            target = None
        if target is None or not all(is_int(d) and d >= -1 for d in target):
            raise layer_error(
                self,
                "`target_shape` must be a tuple of non-negative ints (and at most one -1),"
                f" received target_shape={target_shape!r}.",
            )
        if target.count(-1) > 1:
            raise layer_error(
                self,
                "`target_shape` may hold at most one -1 (an inferred size), received"
                f" target_shape={target_shape!r}.",
            )
        self.target_shape = tuple(int(d) for d in target)

    def _resolve(self, input_shape):
        """``target_shape`` with its -1 filled in for a full input shape (batch first)."""
        sample = tuple(input_shape)[1:]
        target = self.target_shape
        if None in sample:
            return tuple(None if d == -1 else d for d in target)
        size = math.prod(sample)
        known = math.prod(d for d in target if d != -1)
        if -1 in target:
            if known != 0 and size % known == 0:
                return tuple(size // known if d == -1 else d for d in target)
            reason = f"{size} is not a multiple of the {known} values of the given sizes"
        elif known == size:
            return target
        else:
            reason = f"target_shape holds {known} values"
        raise layer_error(
            self,
            f"cannot reshape an input of shape {tuple(input_shape)} ({size} values per"
            f" sample) to target_shape={target}: {reason}.",
        )

    def call(self, inputs):
        return jnp.reshape(inputs, (inputs.shape[0], *self._resolve(inputs.shape)))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], *self._resolve(input_shape))

    def get_config(self):
        config = super().get_config()
        config.update({"target_shape": self.target_shape})
        return config


class Permute(Layer):
    """Permute the non-batch axes: output axis ``i`` is input axis ``dims[i - 1]``.

    Input ``(batch, d1, ..., dk)`` → ``(batch, d_dims[0], ..., d_dims[k-1])``.

    Args:
      dims: a permutation of ``1..k`` (axis 0, the batch, stays first).

    Example::

        y = Permute((2, 1))(jnp.ones((8, 10, 64)))   # shape (8, 64, 10)
    """

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        try:
            dims_tuple = tuple(dims)
        except TypeError:
            dims_tuple = None
        if (
            dims_tuple is None
            or not all(is_int(d) for d in dims_tuple)
            or sorted(dims_tuple) != list(range(1, len(dims_tuple) + 1))
        ):
            raise layer_error(
                self,
                "`dims` must be a permutation of 1..k (the non-batch axes, counted from 1),"
                f" received dims={dims!r}.",
            )
        self.dims = tuple(int(d) for d in dims_tuple)
        self.input_spec = InputSpec(ndim=len(self.dims) + 1)

    def call(self, inputs):
        return jnp.transpose(inputs, (0, *self.dims))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], *(input_shape[d] for d in self.dims))

    def get_config(self):
        config = super().get_config()
        config.update({"dims": self.dims})
        return config


class RepeatVector(Layer):
    """Repeat each sample's vector ``n`` times: ``(batch, features)`` → ``(batch, n, features)``.

    Args:
      n: positive int, the number of repetitions.

    Example::

        y = RepeatVector(3)(jnp.ones((8, 32)))   # shape (8, 3, 32)
    """

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        if not is_int(n) or n <= 0:
            raise layer_error(self, f"`n` must be a positive int, received n={n!r}.")
        self.n = int(n)
        self.input_spec = InputSpec(ndim=2)

    def call(self, inputs):
        return jnp.repeat(inputs[:, None, :], self.n, axis=1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n, input_shape[1])

    def get_config(self):
        config = super().get_config()
        config.update({"n": self.n})
        return config
