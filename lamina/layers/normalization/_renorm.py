"""Batch Renormalization (Ioffe, 2017), the ``renorm=True`` mode of BatchNormalization.

In training, the batch-normalized values are corrected towards what the moving
statistics would give, ``x_hat * r + d`` with ``r = std_batch / std_moving`` and
``d = (mean_batch - mean_moving) / std_moving`` (clipped, and treated as constants by
the gradient). The corrections fold into ``gamma``/``beta``. Inference is unchanged.
"""

import jax
import jax.numpy as jnp

from lamina import initializers
from lamina.layers.normalization import _checks

_CLIPPING_KEYS = ("rmax", "rmin", "dmax")


class _SqrtOf(initializers.Initializer):
    """The square root of another initializer's values (standard deviations from
    a variance initializer)."""

    def __init__(self, inner):
        self.inner = inner

    def sample(self, key, shape, dtype=None):
        if hasattr(self.inner, "sample"):
            return jnp.sqrt(self.inner.sample(key, shape, dtype))
        return jnp.sqrt(self.inner(shape, dtype=dtype))


def check_clipping(layer, clipping) -> dict:
    """``clipping`` (None → ``{}``) after checking its keys and bounds."""
    clipping = {} if clipping is None else clipping
    if not isinstance(clipping, dict) or set(clipping) - set(_CLIPPING_KEYS):
        _checks.fail(
            layer,
            f"`renorm_clipping` must be a dict with keys among {list(_CLIPPING_KEYS)},"
            f" received renorm_clipping={clipping!r}.",
        )
    rmax, rmin, dmax = (clipping.get(k) for k in _CLIPPING_KEYS)
    if rmax is not None and rmin is not None and rmax < rmin:
        _checks.fail(
            layer, f"`renorm_clipping` needs rmax >= rmin, received rmax={rmax}, rmin={rmin}."
        )
    if dmax is not None and dmax < 0:
        _checks.fail(layer, f"`renorm_clipping` needs dmax >= 0, received dmax={dmax}.")
    return dict(clipping)


def add_weights(layer, shape) -> None:
    """The three extra statistics, after ``moving_variance`` (Keras' order)."""
    sqrt_variance = _SqrtOf(layer.moving_variance_initializer)
    for name, initializer in (
        ("moving_stddev", sqrt_variance),
        ("renorm_mean", layer.moving_mean_initializer),
        ("renorm_stddev", sqrt_variance),
    ):
        setattr(
            layer,
            name,
            layer.add_weight(
                name=name, shape=shape, initializer=initializer, trainable=False, autocast=False
            ),
        )


def corrected_transform(layer, mean, variance, gamma, beta):
    """Update every statistic from the batch's; return the ``(gamma, beta)`` that carry
    the clipped corrections ``r`` and ``d``."""
    dtype = mean.dtype
    stddev = jnp.sqrt(variance + layer.epsilon)
    renorm_mean = layer.renorm_mean.value.astype(dtype)
    renorm_stddev = layer.renorm_stddev.value.astype(dtype)
    # The floor keeps the first steps finite while renorm_stddev may still be ~0.
    floor_stddev = jnp.maximum(renorm_stddev, jnp.sqrt(jnp.asarray(layer.epsilon, dtype)))
    r = stddev / floor_stddev
    d = (mean - renorm_mean) / floor_stddev
    clip = layer.renorm_clipping
    if clip.get("rmin") is not None:
        r = jnp.maximum(r, clip["rmin"])
    if clip.get("rmax") is not None:
        r = jnp.minimum(r, clip["rmax"])
    if clip.get("dmax") is not None:
        d = jnp.clip(d, -clip["dmax"], clip["dmax"])
    r, d = jax.lax.stop_gradient(r), jax.lax.stop_gradient(d)

    def moved(current, batch, momentum):
        return current * momentum + batch * (1.0 - momentum)

    layer.renorm_mean.assign(moved(renorm_mean, mean, layer.renorm_momentum))
    layer.renorm_stddev.assign(moved(renorm_stddev, stddev, layer.renorm_momentum))
    layer.moving_mean.assign(moved(layer.moving_mean.value.astype(dtype), mean, layer.momentum))
    moving_stddev = moved(layer.moving_stddev.value.astype(dtype), stddev, layer.momentum)
    layer.moving_stddev.assign(moving_stddev)
    # The variance is derived from the tracked stddev; rounding must not make it negative.
    layer.moving_variance.assign(jax.nn.relu(moving_stddev * moving_stddev - layer.epsilon))

    new_gamma = r if gamma is None else r * gamma
    new_beta = d if gamma is None else d * gamma
    if beta is not None:
        new_beta = new_beta + beta
    return new_gamma, new_beta
