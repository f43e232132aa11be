"""Global settings (Keras' ``keras.config`` names)."""

from lamina.core.config import (
    dtype_policy,
    epsilon,
    floatx,
    image_data_format,
    run_eagerly,
    set_dtype_policy,
    set_epsilon,
    set_floatx,
    set_image_data_format,
    set_run_eagerly,
    standardize_dtype,
)

__all__ = [
    "dtype_policy",
    "epsilon",
    "floatx",
    "image_data_format",
    "run_eagerly",
    "set_dtype_policy",
    "set_epsilon",
    "set_floatx",
    "set_image_data_format",
    "set_run_eagerly",
    "standardize_dtype",
]
