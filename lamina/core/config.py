"""Process-wide settings the engine consults: the default float dtype, the global
dtype policy, and eager mode.

Keras names: ``floatx``/``set_floatx``; ``dtype_policy``/``set_dtype_policy`` (the
policy new layers get, e.g. ``"mixed_bfloat16"``); ``run_eagerly``/``set_run_eagerly``
decides whether an eager ``layer(x)`` call is compiled (the default) or runs op by op.
"""

import jax.numpy as jnp
import numpy as np

_FLOATX = "float32"
_RUN_EAGERLY = False
_EPSILON = 1e-7
_IMAGE_DATA_FORMAT = "channels_last"


def epsilon() -> float:
    """The fuzz factor of numeric ops (cross-entropy clipping), 1e-7 as in Keras."""
    return _EPSILON


def set_epsilon(value: float) -> None:
    """Set the fuzz factor returned by :func:`epsilon`."""
    global _EPSILON
    _EPSILON = float(value)


def image_data_format() -> str:
    """Default layout of image tensors: ``"channels_last"`` (NHWC) or ``"channels_first"``."""
    return _IMAGE_DATA_FORMAT


def set_image_data_format(value: str) -> None:
    """Set the default image layout (``"channels_last"`` or ``"channels_first"``)."""
    global _IMAGE_DATA_FORMAT
    if value not in ("channels_last", "channels_first"):
        raise ValueError(
            f"image data format must be 'channels_last' or 'channels_first', got {value!r}"
        )
    _IMAGE_DATA_FORMAT = value


def floatx() -> str:
    """The default float dtype of new variables, as a string (``"float32"``)."""
    return _FLOATX


def set_floatx(value: str) -> None:
    """Set the default float dtype of new variables (``"float16"``, ``"bfloat16"``, ...)."""
    global _FLOATX
    name = standardize_dtype(value)
    if not jnp.issubdtype(name, jnp.floating):
        raise ValueError(f"set_floatx expects a float dtype, got {value!r}")
    _FLOATX = name


def dtype_policy():
    """The global :class:`~lamina.core.dtype_policy.DTypePolicy`: what layers created
    without ``dtype=`` use (default: the policy named ``floatx()``, i.e. ``"float32"``)."""
    from lamina.core import dtype_policy as policies  # (it imports this module)

    return policies.global_policy()


def set_dtype_policy(policy) -> None:
    """Set the policy of layers created from now on without ``dtype=``.

    ``policy`` is a ``DTypePolicy`` or its name: ``"float32"``, ``"bfloat16"``,
    ``"float16"``, ``"mixed_bfloat16"``, ``"mixed_float16"``; None restores the
    default. Layers already created keep their policy.

    Example::

        lamina.config.set_dtype_policy("mixed_bfloat16")
        model = make_model()            # float32 weights, bfloat16 computations
        lamina.config.set_dtype_policy(None)
    """
    from lamina.core import dtype_policy as policies

    policies.set_global_policy(policy)


def run_eagerly() -> bool:
    """Whether eager ``layer(x)`` calls run op by op instead of through a cached ``jax.jit``."""
    return _RUN_EAGERLY


def set_run_eagerly(value: bool) -> None:
    """Run eager layer calls op by op (for debugging ``call`` with prints or pdb).

    By default an outermost eager call of a built layer runs its ``call`` through a
    per-layer ``jax.jit`` cache, which is several times faster for small layers; a
    ``call`` that cannot be traced falls back to op-by-op execution by itself.
    """
    global _RUN_EAGERLY
    _RUN_EAGERLY = bool(value)


def standardize_dtype(dtype) -> str:
    """A dtype (string, NumPy or JAX dtype, Python type, or None → floatx) as its name."""
    if dtype is None:
        return _FLOATX
    if dtype is float:
        return _FLOATX
    if dtype is int:
        return "int32"
    if dtype is bool:
        return "bool"
    if isinstance(dtype, dict) and isinstance(dtype.get("config"), dict):
        # A serialized Keras DTypePolicy: {"class_name": "DTypePolicy", "config": {"name": ..}}
        dtype = dtype["config"].get("name")
    if hasattr(dtype, "name") and not isinstance(dtype, str | np.dtype):
        dtype = getattr(dtype, "dtype", dtype)
    try:
        return jnp.dtype(dtype).name
    except TypeError as err:
        raise ValueError(f"Unknown dtype {dtype!r}") from err
