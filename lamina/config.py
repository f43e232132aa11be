"""Global settings (Keras' ``keras.config`` names)."""

from lamina.core.config import (
    epsilon,
    floatx,
    image_data_format,
    run_eagerly,
    set_epsilon,
    set_floatx,
    set_image_data_format,
    set_run_eagerly,
    standardize_dtype,
)

__all__ = [
    "epsilon",
    "floatx",
    "image_data_format",
    "run_eagerly",
    "set_epsilon",
    "set_floatx",
    "set_image_data_format",
    "set_run_eagerly",
    "standardize_dtype",
]
