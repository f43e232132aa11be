"""``TimeDistributed``: one layer, with one set of weights, applied at every time step."""

import jax
import jax.numpy as jnp

from lamina.core.call_signature import call_signature
from lamina.core.input_spec import InputSpec
from lamina.layers.wrappers.wrapper import Wrapper


class TimeDistributed(Wrapper):
    """Apply ``layer`` to every slice ``inputs[:, t]`` along axis 1, with shared weights.

    Input ``(batch, steps, *rest)`` (rank ≥ 3) → output ``(batch, steps, *out)``,
    where ``layer`` maps ``(n, *rest)`` to ``(n, *out)``. The steps are folded
    into the batch (``(batch * steps, *rest)``), ``layer`` runs once on that, and
    the result is unfolded: one call, one set of weights, ``params["layer"][...]``.

    ``training`` reaches ``layer``. A mask ``(batch, steps, ...)`` on the input is
    folded the same way and given to ``layer`` when its ``call`` takes ``mask``;
    the output keeps the input's mask.

    Layers that mix samples of a batch (``BatchNormalization`` in training) see
    ``batch * steps`` samples at once, as in Keras 2; Keras 3 calls the layer
    once per step instead.

    Args:
      layer: a lamina ``Layer`` instance.

    Example::

        td = TimeDistributed(Dense(8))
        y = td(jnp.ones((32, 10, 16)))    # (32, 10, 8); td.weights == td.layer.weights
    """

    def __init__(self, layer, **kwargs):
        super().__init__(layer, **kwargs)
        self.supports_masking = True
        self.input_spec = InputSpec(min_ndim=3)

    def _child_shape(self, input_shape):
        if not isinstance(input_shape, list | tuple) or len(input_shape) < 3:
            raise ValueError(
                f"TimeDistributed '{self.name}' expects inputs of rank >= 3"
                f" (batch, steps, ...), received input_shape={input_shape}."
            )
        batch, steps = input_shape[:2]
        folded = None if batch is None or steps is None else batch * steps
        return (folded, *input_shape[2:])

    def build(self, input_shape):
        super().build(self._child_shape(input_shape))

    def call(self, inputs, training=None, mask=None):
        batch, steps = jnp.shape(jax.tree.leaves(inputs)[0])[:2]
        fold = lambda x: jnp.reshape(x, (batch * steps, *jnp.shape(x)[2:]))
        kwargs = {} if training is None else {"training": training}
        if mask is not None:
            mask = jnp.asarray(mask)
            if mask.ndim < 2 or mask.shape[:2] != (batch, steps):
                raise ValueError(
                    f"TimeDistributed '{self.name}': the mask of shape {mask.shape} does not"
                    f" fit the input: expected a mask of shape ({batch}, {steps}, ...)."
                )
            if call_signature(type(self.layer)).has_mask:
                kwargs["mask"] = fold(mask)
        outputs = self.layer(jax.tree.map(fold, inputs), **kwargs)
        return jax.tree.map(lambda y: jnp.reshape(y, (batch, steps, *jnp.shape(y)[1:])), outputs)

    def compute_output_shape(self, input_shape):
        child = self._child_shape(input_shape)
        if hasattr(self.layer, "compute_output_shape"):
            out = self.layer.compute_output_shape(child)
        else:
            probe = jax.ShapeDtypeStruct(
                tuple(1 if d is None else d for d in child), self.compute_dtype
            )
            out = self.layer.compute_output_spec(probe).shape
            out = (child[0], *out[1:])
        return (input_shape[0], input_shape[1], *tuple(out)[1:])
