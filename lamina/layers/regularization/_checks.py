"""Argument checks shared by the regularization layers: one message shape for all."""

import math
import numbers


def _is_real(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def check_rate(layer, value, arg: str = "rate") -> None:
    """Refuse ``value`` unless it is a real number in ``[0, 1)``.

    Keras accepts ``rate=1`` as well, but then every unit is dropped and the kept
    ones would be scaled by ``1/0``: lamina refuses it at construction.
    """
    if not _is_real(value) or math.isnan(value) or not 0 <= value < 1:
        raise ValueError(
            f"{type(layer).__name__} '{layer.name}': `{arg}` must be a number in [0, 1),"
            f" received {arg}={value!r}."
        )


def check_non_negative(layer, value, arg: str) -> None:
    """Refuse ``value`` unless it is a finite real number ``>= 0``."""
    if not _is_real(value) or not math.isfinite(value) or value < 0:
        raise ValueError(
            f"{type(layer).__name__} '{layer.name}': `{arg}` must be a finite number >= 0,"
            f" received {arg}={value!r}."
        )


def check_noise_shape(layer, noise_shape):
    """``noise_shape`` as a tuple of positive ints or None entries (or None itself)."""
    if noise_shape is None:
        return None
    entries = None
    if not isinstance(noise_shape, str | bytes):
        try:
            entries = tuple(noise_shape)
        except TypeError:
            entries = None
    valid = entries is not None and all(
        d is None or (isinstance(d, numbers.Integral) and not isinstance(d, bool) and d > 0)
        for d in entries
    )
    if not valid:
        raise ValueError(
            f"{type(layer).__name__} '{layer.name}': `noise_shape` must be a tuple of positive"
            f" ints or None entries, received noise_shape={noise_shape!r}."
        )
    return tuple(None if d is None else int(d) for d in entries)
