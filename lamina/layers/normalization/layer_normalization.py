"""``LayerNormalization``: normalize each example over its feature axes."""

import warnings

import jax
import jax.numpy as jnp

from lamina import constraints, initializers, regularizers
from lamina.core.input_spec import InputSpec
from lamina.core.layer import Layer
from lamina.layers.normalization import _checks


class LayerNormalization(Layer):
    """Normalize each example over ``axis`` (Ba et al., 2016).

    Input of any rank, output the same shape. With ``mean``/``variance`` taken over
    ``axis`` for each example separately, the output is
    ``gamma * (x - mean) / sqrt(variance + epsilon) + beta``; ``gamma`` and
    ``beta`` have the shape of the ``axis`` dimensions (``(features,)`` by
    default). Masks pass through unchanged.

    Args:
      axis: int or list of ints, the axes to normalize over (default -1). After
        build it is stored as a sorted list, as in Keras.
      epsilon: non-negative number added to the variance (default 1e-3).
      center, scale: learn ``beta`` / ``gamma`` (default True).
      beta_initializer, gamma_initializer: default ``"zeros"``, ``"ones"``.
      beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint: as Dense.
      rms_scaling: deprecated in Keras 3 and kept for compatibility (default False):
        ``x / sqrt(variance + epsilon) * gamma``, without centering and without
        ``beta``. Use :class:`RMSNormalization` for RMS normalization.

    Example::

        ln = LayerNormalization(axis=[-2, -1])
        y = ln(jnp.ones((2, 5, 4)))                 # gamma, beta: (5, 4)
    """

    def __init__(
        self,
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
        rms_scaling=False,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if rms_scaling:
            warnings.warn(
                f"LayerNormalization '{self.name}': `rms_scaling=True` is deprecated (as in"
                " Keras 3): it divides by the standard deviation, not the root mean square."
                " Use `lamina.layers.RMSNormalization` for RMS normalization.",
                stacklevel=2,
            )
        self.axis = _checks.axis_argument(self, axis)
        self.epsilon = _checks.non_negative(self, "epsilon", epsilon)
        self.center = bool(center)
        self.scale = bool(scale)
        self.rms_scaling = bool(rms_scaling)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.supports_masking = True
        # As Keras: inputs are not cast to a mixed compute dtype; the statistics are
        # computed in float32 and the output comes out in the compute dtype.
        self.autocast = False
        self.gamma = self.beta = None

    def build(self, input_shape):
        given = [self.axis] if isinstance(self.axis, int) else list(self.axis)
        self._axes = tuple(_checks.resolve_axes(self, given, input_shape))
        shape = _checks.defined_dims(self, self._axes, input_shape)
        if self.scale or self.rms_scaling:
            self.gamma = self.add_weight(
                name="gamma",
                shape=shape,
                initializer=self.gamma_initializer,
                regularizer=self.gamma_regularizer,
                constraint=self.gamma_constraint,
                autocast=False,
            )
        if self.center and not self.rms_scaling:
            self.beta = self.add_weight(
                name="beta",
                shape=shape,
                initializer=self.beta_initializer,
                regularizer=self.beta_regularizer,
                constraint=self.beta_constraint,
                autocast=False,
            )
        # Keras keeps the axes as the user wrote them, sorted, from here on.
        self.axis = sorted(given)
        self._broadcast = tuple(_checks.broadcast_shape(self._axes, input_shape))
        # The same layer may see other ranks later (Keras allows it), as long as the
        # axes it normalizes keep their sizes.
        self.input_spec = InputSpec(
            min_ndim=max(a + 1 if a >= 0 else -a for a in given),
            axes={a: input_shape[a] for a in given},
        )
        # Also when build() is called directly (Keras users do), so a call never rebuilds.

    def call(self, inputs):
        dtype = jnp.result_type(inputs.dtype, jnp.float32)
        x = inputs.astype(dtype)
        axes = self._axes_for(x)
        shape = [x.shape[i] if i in axes else 1 for i in range(x.ndim)]
        gamma = None if self.gamma is None else self.gamma.value.astype(dtype).reshape(shape)
        if self.rms_scaling:
            out = x * jax.lax.rsqrt(jnp.var(x, axis=axes, keepdims=True) + self.epsilon)
            return (out if gamma is None else out * gamma).astype(self.compute_dtype)
        mean = jnp.mean(x, axis=axes, keepdims=True)
        variance = jnp.var(x, axis=axes, keepdims=True)
        inv = jax.lax.rsqrt(variance + self.epsilon)
        if gamma is not None:
            inv = inv * gamma
        shift = -mean * inv
        if self.beta is not None:
            shift = shift + self.beta.value.astype(dtype).reshape(shape)
        return (x * inv + shift).astype(self.compute_dtype)

    def _axes_for(self, x):
        """The normalized axes of ``x`` (its rank may differ from the build input's)."""
        if x.ndim == len(self._broadcast):
            return self._axes
        return tuple(_checks.resolve_axes(self, self.axis, x.shape))

    def compute_output_shape(self, input_shape):
        return _checks.same_shape(self, self.axis, input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "axis": self.axis,
                "epsilon": self.epsilon,
                "center": self.center,
                "scale": self.scale,
                "rms_scaling": self.rms_scaling,
                "beta_initializer": initializers.serialize(self.beta_initializer),
                "gamma_initializer": initializers.serialize(self.gamma_initializer),
                "beta_regularizer": regularizers.serialize(self.beta_regularizer),
                "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
                "beta_constraint": constraints.serialize(self.beta_constraint),
                "gamma_constraint": constraints.serialize(self.gamma_constraint),
            }
        )
        return config
