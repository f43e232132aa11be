"""NumPy-style ops, part 1: array creation, shape manipulation and indexing.

Names, signatures and defaults follow ``keras.ops`` (creation ops default to
``floatx()``, i.e. float32). Elementwise math lives in :mod:`lamina.ops.math`,
comparisons in :mod:`lamina.ops.logic`, products in :mod:`lamina.ops.matrix` and
reductions in :mod:`lamina.ops.reductions`; :mod:`lamina.ops` re-exports them all.
"""

import jax.numpy as jnp
import numpy as np

from lamina.core import config
from lamina.ops.core import _value
from lamina.ops.core import convert_to_tensor as _t

_PAD_MODES = (
    "constant edge linear_ramp maximum mean median minimum reflect symmetric wrap empty".split()
)


def _dtype(dtype):
    """A dtype name, ``floatx()`` when None."""
    return config.standardize_dtype(dtype)


def _maybe_dtype(dtype):
    return None if dtype is None else config.standardize_dtype(dtype)


# ---------------------------------------------------------------- creation
def array(x, dtype=None):
    """A new tensor holding a copy of ``x``."""
    return jnp.array(_value(x), dtype=_maybe_dtype(dtype))


def arange(start, stop=None, step=None, dtype=None):
    """Evenly spaced values in ``[start, stop)``; the dtype is inferred from the arguments."""
    return jnp.arange(_value(start), _value(stop), _value(step), dtype=_maybe_dtype(dtype))


def empty(shape, dtype=None):
    """An uninitialized (in practice zero) tensor of ``shape``; float32 by default."""
    return jnp.empty(shape, dtype=_dtype(dtype))


def eye(N, M=None, k=0, dtype=None):
    """An ``N x M`` matrix with ones on the ``k``-th diagonal; float32 by default."""
    for name, value in (("N", N), ("M", M)):
        if isinstance(value, float) or jnp.issubdtype(getattr(value, "dtype", int), jnp.floating):
            raise TypeError(f"eye: argument `{name}` must be an integer. Received: {value!r}")
    return jnp.eye(N, M=M, k=k, dtype=_dtype(dtype))


def identity(n, dtype=None):
    """The ``n x n`` identity matrix; float32 by default."""
    return jnp.identity(n, dtype=_dtype(dtype))


def full(shape, fill_value, dtype=None):
    """A tensor of ``shape`` filled with ``fill_value``; float32 by default."""
    return jnp.full(shape, _value(fill_value), dtype=_dtype(dtype))


def full_like(x, fill_value, dtype=None):
    """A tensor shaped like ``x`` filled with ``fill_value`` (``x``'s dtype by default)."""
    return jnp.full_like(_t(x), _value(fill_value), dtype=_maybe_dtype(dtype))


def ones(shape, dtype=None):
    """A tensor of ones; float32 by default."""
    return jnp.ones(shape, dtype=_dtype(dtype))


def ones_like(x, dtype=None):
    """Ones shaped like ``x`` (``x``'s dtype by default)."""
    return jnp.ones_like(_t(x), dtype=_maybe_dtype(dtype))


def zeros(shape, dtype=None):
    """A tensor of zeros; float32 by default."""
    return jnp.zeros(shape, dtype=_dtype(dtype))


def zeros_like(x, dtype=None):
    """Zeros shaped like ``x`` (``x``'s dtype by default)."""
    return jnp.zeros_like(_t(x), dtype=_maybe_dtype(dtype))


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    """``num`` evenly spaced samples over ``[start, stop]`` (``retstep``: also the step)."""
    return jnp.linspace(
        _t(start),
        _t(stop),
        num=num,
        endpoint=endpoint,
        retstep=retstep,
        dtype=_maybe_dtype(dtype),
        axis=axis,
    )


def meshgrid(*x, indexing="xy"):
    """Coordinate grids from 1-D coordinate vectors (``indexing`` ``"xy"`` or ``"ij"``)."""
    if indexing not in ("xy", "ij"):
        raise ValueError(f"meshgrid: indexing must be 'xy' or 'ij'. Received: {indexing!r}")
    return jnp.meshgrid(*(_t(v) for v in x), indexing=indexing)


def copy(x):
    """A copy of ``x``."""
    return jnp.copy(_t(x))


# ------------------------------------------------------ shape manipulation
def append(x1, x2, axis=None):
    """``x2`` appended to ``x1`` along ``axis`` (both flattened when ``axis`` is None)."""
    return jnp.append(_t(x1), _t(x2), axis=axis)


def broadcast_to(x, shape):
    """``x`` broadcast to ``shape``."""
    return jnp.broadcast_to(_t(x), shape)


def concatenate(xs, axis=0):
    """The tensors ``xs`` joined along an existing ``axis``."""
    return jnp.concatenate([_t(x) for x in xs], axis=axis)


def stack(x, axis=0):
    """The same-shaped tensors ``x`` joined along a new ``axis``."""
    return jnp.stack([_t(v) for v in x], axis=axis)


def hstack(xs):
    """The tensors ``xs`` joined column-wise (axis 1, or 0 for 1-D inputs)."""
    return jnp.hstack([_t(x) for x in xs])


def vstack(xs):
    """The tensors ``xs`` joined row-wise (axis 0, 1-D inputs become rows)."""
    return jnp.vstack([_t(x) for x in xs])


def expand_dims(x, axis):
    """``x`` with a new size-1 axis (or axes) inserted at ``axis``."""
    return jnp.expand_dims(_t(x), axis)


def squeeze(x, axis=None):
    """``x`` without its size-1 axes (only ``axis`` when given)."""
    return jnp.squeeze(_t(x), axis=axis)


def reshape(x, newshape):
    """``x`` with shape ``newshape``; one entry may be ``-1`` (inferred)."""
    try:
        newshape = tuple(newshape)
    except TypeError:
        newshape = (newshape,)
    dims = [d for d in newshape if isinstance(d, int)]
    if any(d < -1 for d in dims) or dims.count(-1) > 1:
        raise ValueError(
            "reshape: each dimension of `newshape` must be a non-negative integer, or -1"
            f" for a single unknown dimension. Received: newshape={newshape}."
        )
    return jnp.reshape(_t(x), newshape)


def ravel(x):
    """``x`` flattened to 1-D."""
    return jnp.ravel(_t(x))


def transpose(x, axes=None):
    """``x`` with its axes permuted by ``axes`` (reversed when None)."""
    return jnp.transpose(_t(x), axes=axes)


def swapaxes(x, axis1, axis2):
    """``x`` with ``axis1`` and ``axis2`` interchanged."""
    return jnp.swapaxes(_t(x), axis1, axis2)


def moveaxis(x, source, destination):
    """``x`` with axes ``source`` moved to positions ``destination``."""
    return jnp.moveaxis(_t(x), source, destination)


def flip(x, axis=None):
    """``x`` reversed along ``axis`` (all axes when None)."""
    return jnp.flip(_t(x), axis=axis)


def roll(x, shift, axis=None):
    """``x`` rolled by ``shift`` along ``axis`` (over the flattened array when None)."""
    return jnp.roll(_t(x), shift, axis=axis)


def repeat(x, repeats, axis=None):
    """Each element of ``x`` repeated ``repeats`` times along ``axis`` (flattened when None).

    ``repeats`` is an int or one count per element along ``axis``.
    """
    repeats = np.asarray(repeats) if isinstance(repeats, list | tuple) else _value(repeats)
    return jnp.repeat(_t(x), repeats, axis=axis)


def tile(x, repeats):
    """``x`` tiled ``repeats`` times per axis."""
    return jnp.tile(_t(x), repeats)


def split(x, indices_or_sections, axis=0):
    """``x`` split along ``axis`` into equal sections or at the given indices; a list."""
    return jnp.split(_t(x), indices_or_sections, axis=axis)


def pad(x, pad_width, mode="constant", constant_values=None):
    """``x`` padded by ``pad_width`` (an int, a ``(before, after)`` pair, or one pair per axis).

    ``mode`` is one of NumPy's pad modes; ``constant_values`` only with ``"constant"``.
    """
    x = _t(x)
    if mode not in _PAD_MODES:
        raise ValueError(f"pad: unknown mode {mode!r}. Expected one of {_PAD_MODES}.")
    if constant_values is not None and mode != "constant":
        raise ValueError(
            "pad: `constant_values` can only be given with mode='constant'."
            f" Received: mode={mode!r}"
        )
    if isinstance(pad_width, int):
        pad_width = ((pad_width, pad_width),)
    elif isinstance(pad_width, tuple | list) and isinstance(pad_width[0], int):
        pad_width = (tuple(pad_width),)
    else:
        pad_width = tuple((p[0], p[0]) if len(p) == 1 else tuple(p) for p in pad_width)
    if len(pad_width) > 1 and len(pad_width) != x.ndim:
        raise ValueError(
            f"pad: `pad_width` has {len(pad_width)} entries but x has {x.ndim} dimensions"
            f" (x.shape={x.shape}, pad_width={pad_width})."
        )
    kwargs = {} if constant_values is None else {"constant_values": _value(constant_values)}
    return jnp.pad(x, pad_width, mode=mode, **kwargs)


# ---------------------------------------------------------------- indexing
def take(x, indices, axis=None):
    """Elements of ``x`` at ``indices`` along ``axis`` (of the flattened ``x`` when None)."""
    return jnp.take(_t(x), _t(indices), axis=axis)


def take_along_axis(x, indices, axis=None):
    """Elements of ``x`` picked by ``indices`` matched along ``axis`` (e.g. from argsort)."""
    return jnp.take_along_axis(_t(x), _t(indices), axis=axis)


def where(condition, x1=None, x2=None):
    """``x1`` where ``condition`` else ``x2``; with neither, the indices where it holds."""
    if (x1 is None) != (x2 is None):
        raise ValueError("where: `x1` and `x2` must both be None or both be given.")
    if x1 is None:
        return jnp.nonzero(_t(condition))
    return jnp.where(_t(condition), _t(x1), _t(x2))


def nonzero(x):
    """A tuple with, per axis, the indices of the non-zero elements of ``x``."""
    return jnp.nonzero(_t(x))
