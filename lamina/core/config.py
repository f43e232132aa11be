"""Process-wide settings the engine consults: the default float dtype and eager mode.

Keras names: ``floatx``/``set_floatx``; ``run_eagerly``/``set_run_eagerly`` decides
whether an eager ``layer(x)`` call is compiled (the default) or runs op by op.
"""

import jax.numpy as jnp
import numpy as np

_FLOATX = "float32"
_RUN_EAGERLY = False


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
    if hasattr(dtype, "name") and not isinstance(dtype, str | np.dtype):
        dtype = getattr(dtype, "dtype", dtype)
    try:
        return jnp.dtype(dtype).name
    except TypeError as err:
        raise ValueError(f"Unknown dtype {dtype!r}") from err
