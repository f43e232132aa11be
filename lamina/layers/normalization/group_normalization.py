"""``GroupNormalization``: normalize each example over groups of channels."""

import jax
import jax.numpy as jnp

from lamina import constraints, initializers, regularizers
from lamina.core.input_spec import InputSpec
from lamina.core.layer import Layer
from lamina.layers.normalization import _checks


class GroupNormalization(Layer):
    """Normalize each example over groups of channels (Wu & He, 2018).

    Input ``(batch, ..., channels, ...)`` of rank ≥ 2 with the channels on ``axis``;
    output the same shape. The channels are split into ``groups`` consecutive
    groups; each example's mean and variance are taken per group, over the group's
    channels and every non-batch axis. Then ``gamma``/``beta`` (shape
    ``(channels,)``) scale and shift per channel. ``groups=1`` normalizes all of an
    example at once; ``groups=channels`` (or ``-1``) is instance normalization.
    Masks pass through unchanged (as Keras, they do not enter the statistics).

    Args:
      groups: positive int dividing the number of channels, or -1 for one group per
        channel (default 32). ``-1`` becomes the channel count at build, as in Keras.
      axis: int, the channel axis (default -1); not the batch axis 0.
      epsilon: non-negative number added to the variance (default 1e-3).
      center, scale: learn ``beta`` / ``gamma`` (default True).
      beta_initializer, gamma_initializer: default ``"zeros"``, ``"ones"``.
      beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint: as Dense.

    Example::

        gn = GroupNormalization(groups=2)
        y = gn(jnp.ones((2, 5, 5, 8)))              # 2 groups of 4 channels
    """

    def __init__(
        self,
        groups=32,
        axis=-1,
        epsilon=1e-3,
        center=True,
        scale=True,
        beta_initializer="zeros",
        gamma_initializer="ones",
        beta_regularizer=None,
        gamma_regularizer=None,
        beta_constraint=None,
        gamma_constraint=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        valid = isinstance(groups, int) and not isinstance(groups, bool)
        if not valid or (groups <= 0 and groups != -1):
            _checks.fail(
                self,
                "`groups` must be a positive int (or -1 for one group per channel),"
                f" received groups={groups!r}.",
            )
        self.groups = groups
        self.axis = _checks.axis_argument(self, axis, allow_list=False)
        self.epsilon = _checks.non_negative(self, "epsilon", epsilon)
        self.center = bool(center)
        self.scale = bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.supports_masking = True
        # As Keras: inputs are not cast to a mixed compute dtype (statistics in float32).
        self.autocast = False
        self.gamma = self.beta = None

    def build(self, input_shape):
        (axis,) = _checks.resolve_axes(self, self.axis, input_shape)
        if axis == 0:
            _checks.fail(
                self,
                f"`axis`={self.axis} is the batch axis of input shape {tuple(input_shape)};"
                " the channels must be on another axis.",
            )
        (channels,) = _checks.defined_dims(self, (axis,), input_shape)
        if self.groups == -1:
            self.groups = channels
        if self.groups > channels or channels % self.groups:
            _checks.fail(
                self,
                f"`groups`={self.groups} must divide the number of channels, received"
                f" {channels} channels on axis {self.axis} of input shape {tuple(input_shape)}.",
            )
        if self.scale:
            self.gamma = self.add_weight(
                name="gamma",
                shape=(channels,),
                initializer=self.gamma_initializer,
                regularizer=self.gamma_regularizer,
                constraint=self.gamma_constraint,
                autocast=False,
            )
        if self.center:
            self.beta = self.add_weight(
                name="beta",
                shape=(channels,),
                initializer=self.beta_initializer,
                regularizer=self.beta_regularizer,
                constraint=self.beta_constraint,
                autocast=False,
            )
        self._axis = axis
        self.input_spec = InputSpec(ndim=len(input_shape), axes={self.axis: channels})
        # Also when build() is called directly (Keras users do), so a call never rebuilds.

    def call(self, inputs):
        dtype = jnp.result_type(inputs.dtype, jnp.float32)
        shape, axis = inputs.shape, self._axis
        # Split the channel axis into (groups, channels_per_group).
        grouped_shape = (*shape[:axis], self.groups, shape[axis] // self.groups, *shape[axis + 1 :])
        x = inputs.astype(dtype).reshape(grouped_shape)
        reduce = tuple(i for i in range(1, x.ndim) if i != axis)
        mean = jnp.mean(x, axis=reduce, keepdims=True)
        variance = jnp.var(x, axis=reduce, keepdims=True)
        per_channel = [1] * x.ndim
        per_channel[axis : axis + 2] = grouped_shape[axis : axis + 2]
        inv = jax.lax.rsqrt(variance + self.epsilon)
        if self.gamma is not None:
            inv = inv * self.gamma.value.astype(dtype).reshape(per_channel)
        shift = -mean * inv
        if self.beta is not None:
            shift = shift + self.beta.value.astype(dtype).reshape(per_channel)
        return (x * inv + shift).reshape(shape).astype(self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return _checks.same_shape(self, self.axis, input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "groups": self.groups,
                "axis": self.axis,
                "epsilon": self.epsilon,
                "center": self.center,
                "scale": self.scale,
                "beta_initializer": initializers.serialize(self.beta_initializer),
                "gamma_initializer": initializers.serialize(self.gamma_initializer),
                "beta_regularizer": regularizers.serialize(self.beta_regularizer),
                "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
                "beta_constraint": constraints.serialize(self.beta_constraint),
                "gamma_constraint": constraints.serialize(self.gamma_constraint),
            }
        )
        return config
