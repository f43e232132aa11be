"""``BatchNormalization``: normalize with batch statistics in training, moving ones after."""

import jax
import jax.numpy as jnp

from lamina import constraints, initializers, regularizers
from lamina.core import config as core_config
from lamina.core.input_spec import InputSpec
from lamina.core.layer import Layer
from lamina.layers.normalization import _checks, _renorm


class BatchNormalization(Layer):
    """Normalize each feature over the batch (Ioffe & Szegedy, 2015).

    Input of any rank, output the same shape. The features live on ``axis``; the
    statistics are taken over every other axis. With ``training=True`` (as in
    ``fit``) the layer uses the batch's ``mean``/``variance`` and moves its
    non-trainable ``moving_mean``/``moving_variance`` towards them::

        moving = moving * momentum + batch_statistic * (1 - momentum)

    Otherwise it normalizes with the moving statistics. The output is
    ``gamma * (x - mean) / sqrt(variance + epsilon) + beta``. A frozen layer
    (``trainable=False``) always runs in inference mode and never updates its
    statistics, as in Keras. In ``apply`` the updated statistics come back in the
    returned ``state``.

    Weights (in order): ``gamma`` (if ``scale``), ``beta`` (if ``center``),
    ``moving_mean``, ``moving_variance``, then, with ``renorm``, ``moving_stddev``,
    ``renorm_mean``, ``renorm_stddev``; each of shape ``(input_shape[axis],)``.

    Args:
      axis: the feature axis (default -1; ``axis=1`` for channels-first data). A list
        of axes is also accepted (lamina extension): weights then have the shape of
        those axes.
      momentum: moving-average momentum in [0, 1] (default 0.99).
      epsilon: non-negative number added to the variance (default 1e-3).
      center, scale: learn ``beta`` / ``gamma`` (default True).
      beta_initializer, gamma_initializer: default ``"zeros"``, ``"ones"``.
      moving_mean_initializer, moving_variance_initializer: default ``"zeros"``,
        ``"ones"``.
      beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint: as Dense.
      renorm: use Batch Renormalization (Ioffe, 2017) in training (default False).
      renorm_clipping: dict with optional ``"rmax"``, ``"rmin"``, ``"dmax"`` bounds
        on the renorm corrections ``r`` and ``d``.
      renorm_momentum: momentum of the renorm statistics (default 0.99).
      synchronized: kept for Keras compatibility. Under ``jax.jit`` a batch sharded
        over devices is one global array, so its statistics are always global.

    Call arguments: ``inputs``; ``training`` (bool); ``mask``: bool array of rank
    ``inputs.ndim - 1``, aligned with the leading axes of ``inputs``; masked
    positions are left out of the batch statistics. The mask passes through.

    Example::

        bn = BatchNormalization()
        y = bn(jnp.ones((8, 4)), training=True)     # moving statistics move
        params, state = bn.split()
        y, state = bn.apply(params, state, x, training=True)   # new state returned
    """

    def __init__(
        self,
        axis=-1,
        momentum=0.99,
        epsilon=1e-3,
        center=True,
        scale=True,
        beta_initializer="zeros",
        gamma_initializer="ones",
        moving_mean_initializer="zeros",
        moving_variance_initializer="ones",
        beta_regularizer=None,
        gamma_regularizer=None,
        beta_constraint=None,
        gamma_constraint=None,
        renorm=False,
        renorm_clipping=None,
        renorm_momentum=0.99,
        synchronized=False,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.axis = _checks.axis_argument(self, axis)
        self.momentum = _checks.fraction(self, "momentum", momentum)
        self.epsilon = _checks.non_negative(self, "epsilon", epsilon)
        self.center = bool(center)
        self.scale = bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.renorm = bool(renorm)
        # As Keras: with renorm, a missing clipping dict becomes {} (and is serialized so).
        self.renorm_clipping = (
            _renorm.check_clipping(self, renorm_clipping) if self.renorm else renorm_clipping
        )
        self.renorm_momentum = _checks.fraction(self, "renorm_momentum", renorm_momentum)
        self.synchronized = bool(synchronized)
        self.supports_masking = True
        self.gamma = self.beta = None

    def build(self, input_shape):
        self._axes = tuple(_checks.resolve_axes(self, self.axis, input_shape))
        shape = _checks.defined_dims(self, self._axes, input_shape)
        if self.scale:
            self.gamma = self.add_weight(
                name="gamma",
                shape=shape,
                initializer=self.gamma_initializer,
                regularizer=self.gamma_regularizer,
                constraint=self.gamma_constraint,
                autocast=False,
            )
        if self.center:
            self.beta = self.add_weight(
                name="beta",
                shape=shape,
                initializer=self.beta_initializer,
                regularizer=self.beta_regularizer,
                constraint=self.beta_constraint,
                autocast=False,
            )
        self.moving_mean = self.add_weight(
            name="moving_mean",
            shape=shape,
            initializer=self.moving_mean_initializer,
            trainable=False,
            autocast=False,
        )
        self.moving_variance = self.add_weight(
            name="moving_variance",
            shape=shape,
            initializer=self.moving_variance_initializer,
            trainable=False,
            autocast=False,
        )
        if self.renorm:
            _renorm.add_weights(self, shape)
        self._reduction_axes = tuple(i for i in range(len(input_shape)) if i not in self._axes)
        self._broadcast = tuple(_checks.broadcast_shape(self._axes, input_shape))
        self.input_spec = InputSpec(
            ndim=len(input_shape), axes={a: input_shape[a] for a in self._axes}
        )
        # Also when build() is called directly (Keras users do), so a call never rebuilds.

    def call(self, inputs, training=None, mask=None):
        if mask is not None and jnp.ndim(mask) != inputs.ndim - 1:
            _checks.fail(
                self,
                "the mask must have one dimension less than the inputs, received"
                f" mask.shape={tuple(jnp.shape(mask))}, inputs.shape={tuple(inputs.shape)}.",
            )
        # Statistics of float16/bfloat16 batches overflow easily: compute in float32.
        dtype = jnp.result_type(inputs.dtype, jnp.float32)
        x = inputs.astype(dtype)
        gamma = self.gamma.value.astype(dtype) if self.scale else None
        beta = self.beta.value.astype(dtype) if self.center else None
        moving_mean = self.moving_mean.value.astype(dtype)
        moving_variance = self.moving_variance.value.astype(dtype)
        if training and self.trainable:
            mean, variance = self._moments(x, mask)
            if self.renorm:
                gamma, beta = _renorm.corrected_transform(self, mean, variance, gamma, beta)
            else:
                self.moving_mean.assign(moving_mean * self.momentum + mean * (1.0 - self.momentum))
                self.moving_variance.assign(
                    moving_variance * self.momentum + variance * (1.0 - self.momentum)
                )
        else:
            mean, variance = moving_mean, moving_variance
        return self._normalize(x, mean, variance, gamma, beta).astype(self.compute_dtype)

    def _moments(self, x, mask):
        """Batch mean and variance over the reduction axes, in the weights' shape."""
        if mask is None:
            mean = jnp.mean(x, axis=self._reduction_axes)
            variance = jnp.var(x, axis=self._reduction_axes)
            return mean.reshape(self.moving_mean.shape), variance.reshape(self.moving_mean.shape)
        keep = jnp.broadcast_to(jnp.expand_dims(jnp.asarray(mask, bool), -1), x.shape)
        # Keras' floor under the count keeps an all-masked batch finite (0, not NaN).
        count = jnp.sum(keep, self._reduction_axes, keepdims=True, dtype=x.dtype)
        count = count + core_config.epsilon()
        mean = jnp.sum(jnp.where(keep, x, 0), self._reduction_axes, keepdims=True) / count
        spread = jnp.square(jnp.where(keep, x - mean, 0))
        variance = jnp.sum(spread, self._reduction_axes, keepdims=True) / count
        return mean.reshape(self.moving_mean.shape), variance.reshape(self.moving_mean.shape)

    def _normalize(self, x, mean, variance, gamma, beta):
        def expand(v):
            return jnp.reshape(v, self._broadcast)

        inv = jax.lax.rsqrt(expand(variance) + self.epsilon)
        if gamma is not None:
            inv = inv * expand(gamma)
        shift = -expand(mean) * inv
        if beta is not None:
            shift = shift + expand(beta)
        return x * inv + shift

    def compute_output_shape(self, input_shape):
        return _checks.same_shape(self, self.axis, input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "axis": self.axis,
                "momentum": self.momentum,
                "epsilon": self.epsilon,
                "center": self.center,
                "scale": self.scale,
                "beta_initializer": initializers.serialize(self.beta_initializer),
                "gamma_initializer": initializers.serialize(self.gamma_initializer),
                "moving_mean_initializer": initializers.serialize(self.moving_mean_initializer),
                "moving_variance_initializer": initializers.serialize(
                    self.moving_variance_initializer
                ),
                "beta_regularizer": regularizers.serialize(self.beta_regularizer),
                "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
                "beta_constraint": constraints.serialize(self.beta_constraint),
                "gamma_constraint": constraints.serialize(self.gamma_constraint),
                "synchronized": self.synchronized,
                "renorm": self.renorm,
                "renorm_clipping": self.renorm_clipping,
                "renorm_momentum": self.renorm_momentum,
            }
        )
        return config
