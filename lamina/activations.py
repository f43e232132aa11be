"""Activation functions with Keras 3's names, signatures and defaults.

Each takes a tensor (or Variable) and returns a ``jax.Array`` of the same shape.
``get`` turns an identifier (None, a name, a Keras-style config dict or a
callable) into a function; importing this module registers it as the engine's
``"activation"`` resolver, so ``Dense(3, activation="relu")`` works.
"""

import types

import jax
import jax.numpy as jnp

from lamina import ops
from lamina.core import registry


def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """Rectified linear unit, optionally leaky, capped and/or shifted.

    ``x`` if ``threshold < x < max_value``; ``max_value`` above it; below
    ``threshold``, ``negative_slope * (x - threshold)``. The gradient at the kinks is 0.
    """
    x = ops.convert_to_tensor(x)
    if negative_slope != 0.0 and max_value is None and threshold == 0:
        return ops.leaky_relu(x, negative_slope=negative_slope)
    capped = max_value is not None
    if threshold != 0:
        out = jnp.where(x > threshold, x, jnp.zeros((), x.dtype))
    elif max_value == 6:
        out, capped = ops.relu6(x), False
    else:
        out = ops.relu(x)
    if capped:
        out = jnp.clip(out, jnp.asarray(0, x.dtype), jnp.asarray(max_value, x.dtype))
    if negative_slope != 0.0:
        out = out - negative_slope * ops.relu(threshold - x)
    return out


def relu6(x):
    """``min(max(x, 0), 6)``."""
    return ops.relu6(x)


def leaky_relu(x, negative_slope=0.2):
    """``x`` if ``x >= 0`` else ``negative_slope * x``."""
    return ops.leaky_relu(x, negative_slope=negative_slope)


def elu(x, alpha=1.0):
    """``x`` if ``x > 0`` else ``alpha * (exp(x) - 1)``."""
    return ops.elu(x, alpha=alpha)


def selu(x):
    """Scaled exponential linear unit (self-normalizing constants)."""
    return ops.selu(x)


def celu(x, alpha=1.0):
    """Continuously differentiable ELU: ``max(x, 0) + min(alpha * (exp(x / alpha) - 1), 0)``."""
    return ops.celu(x, alpha=alpha)


def gelu(x, approximate=False):
    """Gaussian error linear unit ``x * Phi(x)``; ``approximate`` uses the tanh form."""
    return ops.gelu(x, approximate=approximate)


def glu(x, axis=-1):
    """Gated linear unit: ``a * sigmoid(b)`` for ``a, b`` the halves of ``x`` along ``axis``."""
    return ops.glu(x, axis=axis)


def silu(x):
    """``x * sigmoid(x)``, also called swish."""
    return ops.silu(x)


swish = silu


def hard_silu(x):
    """``x * hard_sigmoid(x)``, also called hard swish."""
    return ops.hard_silu(x)


hard_swish = hard_silu


def sigmoid(x):
    """``1 / (1 + exp(-x))``."""
    return ops.sigmoid(x)


def hard_sigmoid(x):
    """Piecewise-linear sigmoid: 0 below -3, 1 above 3, ``x / 6 + 0.5`` between."""
    return ops.hard_sigmoid(x)


def log_sigmoid(x):
    """``log(sigmoid(x))``, computed stably."""
    return ops.log_sigmoid(x)


def sparse_sigmoid(x):
    """Piecewise-linear sigmoid: 0 below -1, 1 above 1, ``(x + 1) / 2`` between."""
    return jax.nn.sparse_sigmoid(ops.convert_to_tensor(x))


def softmax(x, axis=-1):
    """``exp(x) / sum(exp(x))`` along ``axis`` (an int or a tuple of axes)."""
    return ops.softmax(x, axis=axis)


def log_softmax(x, axis=-1):
    """``log(softmax(x))`` along ``axis``, computed stably."""
    return ops.log_softmax(x, axis=axis)


def sparsemax(x, axis=-1):
    """Euclidean projection of ``x`` onto the probability simplex along ``axis``.

    Like softmax, but large enough gaps give exact zeros.
    """
    x = ops.convert_to_tensor(x)
    z = jnp.moveaxis(x, axis, -1)
    z_sorted = -jnp.sort(-z, axis=-1)
    cumulative = jnp.cumsum(z_sorted, axis=-1)
    k = jnp.arange(1, z.shape[-1] + 1, dtype=z.dtype)
    in_support = 1 + k * z_sorted > cumulative
    support_size = jnp.sum(in_support, axis=-1, keepdims=True)
    support_sum = jnp.sum(jnp.where(in_support, z_sorted, 0), axis=-1, keepdims=True)
    tau = (support_sum - 1) / support_size
    return jnp.moveaxis(jnp.maximum(z - tau, 0), -1, axis)


def softplus(x):
    """``log(1 + exp(x))``, computed stably."""
    return ops.softplus(x)


def softsign(x):
    """``x / (1 + |x|)``."""
    return ops.softsign(x)


def sparse_plus(x):
    """Piecewise softplus: 0 below -1, ``x`` above 1, ``(x + 1) ** 2 / 4`` between."""
    return jax.nn.sparse_plus(ops.convert_to_tensor(x))


def squareplus(x, b=4):
    """``(x + sqrt(x ** 2 + b)) / 2``, a smooth ReLU."""
    return jax.nn.squareplus(ops.convert_to_tensor(x), b=b)


def tanh(x):
    """Hyperbolic tangent."""
    return ops.tanh(x)


def hard_tanh(x):
    """``x`` clipped to ``[-1, 1]``."""
    return jax.nn.hard_tanh(ops.convert_to_tensor(x))


def tanh_shrink(x):
    """``x - tanh(x)``."""
    x = ops.convert_to_tensor(x)
    return x - jnp.tanh(x)


def soft_shrink(x, threshold=0.5):
    """``x`` moved ``threshold`` towards 0, and 0 within ``[-threshold, threshold]``."""
    x = ops.convert_to_tensor(x)
    return jnp.where(x > threshold, x - threshold, jnp.where(x < -threshold, x + threshold, 0.0))


def hard_shrink(x, threshold=0.5):
    """``x`` where ``|x| > threshold``, else 0."""
    x = ops.convert_to_tensor(x)
    return jnp.where(jnp.abs(x) > threshold, x, 0.0)


def threshold(x, threshold, default_value):
    """``x`` where ``x > threshold``, else ``default_value``."""
    x = ops.convert_to_tensor(x)
    return jnp.where(x > threshold, x, default_value)


def exponential(x):
    """``exp(x)``."""
    return ops.exp(x)


def mish(x):
    """``x * tanh(softplus(x))``."""
    x = ops.convert_to_tensor(x)
    return x * jnp.tanh(jax.nn.softplus(x))


def linear(x):
    """The identity: returns ``x`` unchanged."""
    return x


# Canonical names (what ``serialize`` produces), then the aliases ``get`` also accepts.
_BY_NAME = {
    fn.__name__: fn
    for fn in (
        relu, relu6, leaky_relu, elu, selu, celu, gelu, glu, silu, hard_silu, sigmoid,
        hard_sigmoid, log_sigmoid, sparse_sigmoid, softmax, log_softmax, sparsemax,
        softplus, softsign, sparse_plus, squareplus, tanh, hard_tanh, tanh_shrink,
        soft_shrink, hard_shrink, threshold, exponential, mish, linear,
    )
}  # fmt: skip
_NAME_OF = {fn: name for name, fn in _BY_NAME.items()}
_BY_NAME.update(swish=silu, hard_swish=hard_silu)


def _lookup(name, custom_objects=None):
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    if name not in _BY_NAME:
        raise ValueError(
            f"Unknown activation function {name!r}. Valid names: {', '.join(sorted(_BY_NAME))}."
        )
    return _BY_NAME[name]


def serialize(activation):
    """The config Keras would save for ``activation``.

    A built-in gives its name (``serialize(swish) == "silu"``); another named
    function gives Keras' function dict; an object with ``get_config`` its class dict.
    """
    name = _NAME_OF.get(activation) if isinstance(activation, types.FunctionType) else None
    if name is not None:
        return name
    fn_name = getattr(activation, "__name__", None)
    if callable(activation) and fn_name and fn_name != "<lambda>":
        return {
            "module": "builtins",
            "class_name": "function",
            "config": fn_name,
            "registered_name": "function",
        }
    if hasattr(activation, "get_config"):
        cls = type(activation)
        return {
            "module": cls.__module__,
            "class_name": cls.__name__,
            "config": activation.get_config(),
            "registered_name": cls.__name__,
        }
    raise ValueError(
        f"Cannot serialize activation {activation!r}: use a built-in activation, a named"
        " function, or an object with `get_config()`."
    )


def deserialize(config, custom_objects=None):
    """The activation a name or a Keras config dict refers to (``custom_objects`` first)."""
    if isinstance(config, str):
        return _lookup(config, custom_objects)
    if isinstance(config, dict) and "config" in config:
        inner, class_name = config["config"], config.get("class_name")
        if isinstance(inner, str):
            return _lookup(inner, custom_objects)
        cls = (custom_objects or {}).get(class_name)
        if cls is not None:
            return cls.from_config(inner) if hasattr(cls, "from_config") else cls(**inner)
        raise ValueError(
            f"Cannot deserialize activation {config!r}: class {class_name!r} is not in"
            " `custom_objects`."
        )
    raise ValueError(f"Cannot deserialize activation {config!r}: expected a name or a dict.")


def get(identifier):
    """An activation function: None gives ``linear``; names and config dicts are looked up."""
    if identifier is None:
        return linear
    if isinstance(identifier, str | dict):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret activation function identifier: {identifier!r}")


registry.register_resolver("activation", get)
