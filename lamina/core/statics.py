"""Separating a call's arrays (traced) from its Python values (static).

``layer(x, training=True)`` under ``jax.jit`` or ``jax.eval_shape`` must trace ``x``
but keep ``True`` a Python bool. ``split`` flattens ``(args, kwargs)`` into the
array leaves and a hashable spec holding the rest; ``merge`` reverses it.
"""

import jax
import numpy as np

_ARRAY_TYPES = (jax.Array, np.ndarray, np.generic, jax.ShapeDtypeStruct)


def is_array(leaf) -> bool:
    """True for leaves that are traced: JAX and NumPy arrays, and shape structs."""
    return isinstance(leaf, _ARRAY_TYPES)


def split(args, kwargs):
    """``(arrays, spec)``; ``spec`` is None when a Python leaf is unhashable."""
    leaves, treedef = jax.tree.flatten((args, kwargs))
    arrays, static, positions = [], [], []
    for i, leaf in enumerate(leaves):
        if is_array(leaf):
            arrays.append(leaf)
            positions.append(i)
        else:
            static.append((i, leaf))
    spec = (treedef, tuple(static), tuple(positions))
    try:
        hash(spec)
    except TypeError:
        return arrays, None
    return arrays, spec


def merge(arrays, spec):
    """``(args, kwargs)`` rebuilt from ``split``'s output."""
    treedef, static, positions = spec
    leaves = [None] * (len(static) + len(positions))
    for i, leaf in static:
        leaves[i] = leaf
    for i, array in zip(positions, arrays):
        leaves[i] = array
    return jax.tree.unflatten(treedef, leaves)
