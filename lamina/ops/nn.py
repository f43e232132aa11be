"""Neural-network ops: activations, one-hot, cross-entropies and statistics.

Signatures and defaults follow ``keras.ops`` (note ``gelu``'s ``approximate=True``
here, while ``lamina.activations.gelu`` defaults to the exact form, as in Keras).
Convolutions and pooling live in :mod:`lamina.ops.conv`.
"""

import warnings

import jax
import jax.numpy as jnp
from jax import lax

from lamina.core import config
from lamina.ops.core import convert_to_tensor as _t


def _epsilon():
    """The fuzz factor clipping probabilities in the cross-entropies (Keras' ``1e-7``)."""
    return config.epsilon()


# -------------------------------------------------------------- activations
def relu(x):
    """``max(x, 0)``; the gradient at 0 is 0."""
    return jax.nn.relu(_t(x))


def relu6(x):
    """``min(max(x, 0), 6)``."""
    return jax.nn.relu6(_t(x))


def leaky_relu(x, negative_slope=0.2):
    """``x`` if ``x >= 0`` else ``negative_slope * x``."""
    return jax.nn.leaky_relu(_t(x), negative_slope=negative_slope)


def elu(x, alpha=1.0):
    """``x`` if ``x > 0`` else ``alpha * (exp(x) - 1)``."""
    return jax.nn.elu(_t(x), alpha=alpha)


def selu(x):
    """Scaled ELU with the self-normalizing constants (``scale * elu(x, alpha)``)."""
    return jax.nn.selu(_t(x))


def celu(x, alpha=1.0):
    """``max(x, 0) + min(alpha * (exp(x / alpha) - 1), 0)``."""
    return jax.nn.celu(_t(x), alpha=alpha)


def gelu(x, approximate=True):
    """Gaussian error linear unit ``x * Phi(x)`` (``approximate``: the tanh form)."""
    return jax.nn.gelu(_t(x), approximate=approximate)


def glu(x, axis=-1):
    """Gated linear unit: ``a * sigmoid(b)`` for ``a, b`` the two halves of ``x`` on ``axis``."""
    x = _t(x)
    if x.shape[axis] % 2:
        raise ValueError(f"glu: axis {axis} must have an even size. Received: x.shape={x.shape}")
    return jax.nn.glu(x, axis=axis)


def sigmoid(x):
    """``1 / (1 + exp(-x))``."""
    return jax.nn.sigmoid(_t(x))


def hard_sigmoid(x):
    """Piecewise-linear sigmoid: ``relu6(x + 3) / 6``."""
    return jax.nn.hard_sigmoid(_t(x))


def log_sigmoid(x):
    """``log(sigmoid(x))``, computed stably."""
    return jax.nn.log_sigmoid(_t(x))


def silu(x):
    """``x * sigmoid(x)`` (a.k.a. swish)."""
    return jax.nn.silu(_t(x))


swish = silu


def hard_silu(x):
    """``x * hard_sigmoid(x)`` (a.k.a. hard swish)."""
    return jax.nn.hard_silu(_t(x))


hard_swish = hard_silu


def softplus(x):
    """``log(1 + exp(x))``, computed stably."""
    return jax.nn.softplus(_t(x))


def softsign(x):
    """``x / (1 + |x|)``."""
    return jax.nn.soft_sign(_t(x))


def _axis(axis):
    return tuple(axis) if isinstance(axis, list) else axis


def softmax(x, axis=-1):
    """``exp(x) / sum(exp(x))`` over ``axis`` (an int or a tuple of axes)."""
    x = _t(x)
    if isinstance(axis, int) and -x.ndim <= axis < x.ndim and x.shape[axis] == 1:
        warnings.warn(
            f"softmax over axis {axis} of a tensor of shape {x.shape}: that axis has size 1,"
            " so the result is always 1. Did you mean to use a sigmoid instead?",
            stacklevel=2,
        )
    return jax.nn.softmax(x, axis=_axis(axis))


def log_softmax(x, axis=-1):
    """``x - logsumexp(x)`` over ``axis`` (an int or a tuple of axes)."""
    return jax.nn.log_softmax(_t(x), axis=_axis(axis))


def logsumexp(x, axis=None, keepdims=False):
    """``log(sum(exp(x)))`` over ``axis``, computed stably."""
    return jax.scipy.special.logsumexp(_t(x), axis=_axis(axis), keepdims=keepdims)


# ------------------------------------------------------------ categorical
def one_hot(x, num_classes, axis=-1, dtype=None, sparse=False):
    """Integer labels ``x`` as one-hot vectors of length ``num_classes`` on a new ``axis``.

    Out-of-range labels (e.g. negative) give all-zero vectors; ``dtype`` defaults to
    float32.
    """
    if sparse:
        raise ValueError("one_hot: `sparse=True` is not supported; lamina tensors are dense.")
    dtype = config.standardize_dtype(dtype)
    return jax.nn.one_hot(_t(x), num_classes, dtype=dtype, axis=axis)


def binary_crossentropy(target, output, from_logits=False):
    """Elementwise binary cross-entropy between ``target`` and ``output`` (same shapes).

    Probabilities are clipped to ``[epsilon, 1 - epsilon]`` with ``epsilon = 1e-7``.
    """
    target, output = _t(target), _t(output)
    if target.shape != output.shape:
        raise ValueError(
            "binary_crossentropy: `target` and `output` must have the same shape."
            f" Received: target.shape={target.shape}, output.shape={output.shape}"
        )
    if from_logits:
        return -target * jax.nn.log_sigmoid(output) - (1.0 - target) * jax.nn.log_sigmoid(-output)
    eps = _epsilon()
    output = jnp.clip(output, eps, 1.0 - eps)
    return -(target * jnp.log(output) + (1.0 - target) * jnp.log(1.0 - output))


def _log_probs(output, from_logits, axis):
    """Log-probabilities from logits, or from (renormalized, clipped) probabilities."""
    if from_logits:
        return jax.nn.log_softmax(output, axis=axis)
    eps = _epsilon()
    output = output / jnp.sum(output, axis=axis, keepdims=True)
    return jnp.log(jnp.clip(output, eps, 1.0 - eps))


def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Cross-entropy between one-hot/probability ``target`` and ``output`` over ``axis``.

    Without ``from_logits``, ``output`` is renormalized to sum to 1 and clipped.
    Returns a tensor with ``axis`` reduced away.
    """
    target, output = _t(target), _t(output)
    if target.shape != output.shape:
        raise ValueError(
            "categorical_crossentropy: `target` and `output` must have the same shape."
            f" Received: target.shape={target.shape}, output.shape={output.shape}"
        )
    if target.ndim < 1:
        raise ValueError("categorical_crossentropy: inputs must be at least rank 1.")
    return -jnp.sum(target * _log_probs(output, from_logits, axis), axis=axis)


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Cross-entropy between integer labels ``target`` and ``output`` over ``axis``.

    ``target`` has ``output``'s shape without the class axis (a trailing size-1 axis
    is squeezed).
    """
    target, output = _t(target, dtype="int32"), _t(output)
    if target.ndim == output.ndim and target.shape[-1] == 1:
        target = jnp.squeeze(target, axis=-1)
    if output.ndim < 1:
        raise ValueError("sparse_categorical_crossentropy: `output` must be at least rank 1.")
    if target.shape != output.shape[:-1]:
        raise ValueError(
            "sparse_categorical_crossentropy: `target` must have `output`'s shape without"
            f" the last axis. Received: target.shape={target.shape},"
            f" output.shape={output.shape}"
        )
    log_prob = _log_probs(output, from_logits, axis)
    labels = jax.nn.one_hot(target, output.shape[axis], axis=axis, dtype=log_prob.dtype)
    return -jnp.sum(labels * log_prob, axis=axis)


# ------------------------------------------------------------- statistics
def moments(x, axes, keepdims=False, synchronized=False):
    """``(mean, variance)`` of ``x`` over ``axes``; float16/bfloat16 computed in float32."""
    if synchronized:
        raise NotImplementedError("moments: `synchronized=True` is not supported.")
    x = _t(x)
    axes = _axis(axes)
    low_precision = x.dtype in (jnp.float16, jnp.bfloat16)
    data = x.astype(jnp.float32) if low_precision else x
    mean = jnp.mean(data, axis=axes, keepdims=keepdims)
    variance = jnp.var(data, axis=axes, keepdims=keepdims)
    if low_precision:
        limit = jnp.finfo(jnp.float16).max
        mean = jnp.clip(mean, -limit, limit).astype(x.dtype)
        variance = jnp.clip(variance, -limit, limit).astype(x.dtype)
    return mean, variance


def normalize(x, axis=-1, order=2, epsilon=None):
    """``x`` divided by its ``order``-norm over ``axis`` (norms below ``epsilon`` clamped)."""
    if not isinstance(order, int) or order < 1:
        raise ValueError(f"normalize: `order` must be an int >= 1. Received: order={order!r}")
    x = _t(x)
    if x.ndim == 0:
        x = x[None]
    eps = _epsilon() if epsilon is None else epsilon
    if order == 2:
        inv_norm = lax.rsqrt(jnp.sum(jnp.square(x), axis=axis, keepdims=True))
        return x * jnp.minimum(inv_norm, 1.0 / eps)
    norm = jnp.linalg.norm(x, ord=order, axis=axis, keepdims=True)
    return x / jnp.maximum(norm, eps)
