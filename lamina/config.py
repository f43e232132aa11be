"""Global settings (Keras' ``keras.config`` names)."""

from lamina.core.config import floatx, run_eagerly, set_floatx, set_run_eagerly, standardize_dtype

__all__ = ["floatx", "run_eagerly", "set_floatx", "set_run_eagerly", "standardize_dtype"]
