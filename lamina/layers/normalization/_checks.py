"""Argument and axis checks shared by the normalization layers.

Every message names the layer class, the layer, the argument and what came, so a
bad configuration is found at construction (or at build, when it depends on the
input's shape) rather than as a shape error deep inside ``call``.
"""

import math
import numbers


def fail(layer, message: str):
    """Raise ``ValueError("<Class> '<name>': <message>")``."""
    raise ValueError(f"{type(layer).__name__} '{layer.name}': {message}")


def _is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def axis_argument(layer, axis, allow_list=True):
    """``axis`` as given (an int, or a list of distinct ints when ``allow_list``)."""
    if _is_int(axis):
        return int(axis)
    if allow_list and isinstance(axis, list | tuple) and axis and all(map(_is_int, axis)):
        if len(set(axis)) != len(axis):
            fail(layer, f"`axis` lists the same axis twice, received axis={axis!r}.")
        return [int(a) for a in axis]
    expected = "an int or a non-empty list of ints" if allow_list else "an int"
    fail(layer, f"`axis` must be {expected}, received axis={axis!r}.")


def resolve_axes(layer, axis, input_shape) -> list[int]:
    """``axis`` (int or list) as sorted non-negative axes of an input of ``input_shape``."""
    rank = len(input_shape)
    axes = [axis] if _is_int(axis) else list(axis)
    if any(not -rank <= a < rank for a in axes):
        fail(
            layer,
            f"`axis`={axis!r} is out of range for an input of rank {rank} (shape"
            f" {tuple(input_shape)}); valid axes are {-rank}..{rank - 1}.",
        )
    resolved = sorted(a % rank for a in axes)
    if len(set(resolved)) != len(resolved):
        fail(layer, f"`axis`={axis!r} names the same dimension of shape {input_shape} twice.")
    return resolved


def defined_dims(layer, axes, input_shape) -> tuple[int, ...]:
    """The sizes of ``axes`` in ``input_shape``; they hold weights, so must be known."""
    dims = tuple(input_shape[a] for a in axes)
    if any(d is None for d in dims):
        fail(
            layer,
            f"the normalized axes {axes} must have a known size, received input shape"
            f" {tuple(input_shape)}.",
        )
    return dims


def non_negative(layer, name: str, value) -> float:
    """``value`` as a float; it must be a finite number >= 0 (epsilon)."""
    if (
        not isinstance(value, numbers.Real)
        or isinstance(value, bool)
        or not math.isfinite(value)
        or value < 0
    ):
        fail(layer, f"`{name}` must be a non-negative number, received {name}={value!r}.")
    return float(value)


def fraction(layer, name: str, value) -> float:
    """``value`` as a float in [0, 1] (a moving-average momentum)."""
    if (
        not isinstance(value, numbers.Real)
        or isinstance(value, bool)
        or not math.isfinite(value)
        or not 0 <= value <= 1
    ):
        fail(layer, f"`{name}` must be a number in [0, 1], received {name}={value!r}.")
    return float(value)


def broadcast_shape(axes, input_shape) -> list[int]:
    """``input_shape`` with every axis outside ``axes`` set to 1 (for per-axis weights)."""
    return [input_shape[i] if i in axes else 1 for i in range(len(input_shape))]


def same_shape(layer, axis, input_shape):
    """``compute_output_shape`` of a shape-preserving layer: check ``axis``, echo the shape."""
    resolve_axes(layer, axis, input_shape)
    return tuple(input_shape)
