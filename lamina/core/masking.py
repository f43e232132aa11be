"""Where masks live between layers: a table from a tensor's identity to its mask.

JAX arrays and tracers take no extra attributes, so a produced mask cannot ride on
its tensor as in Keras. Inside a call the active scope keeps the table (holding the
tensors alive, so their ids stay unique); outputs of an outermost eager call are
entered in a process-wide table of weak references.
"""

import weakref

import jax

from lamina.core.scope import current_scope

_EAGER: dict[int, tuple] = {}


def set_mask(tensor, mask) -> None:
    """Attach ``mask`` to ``tensor`` unless it already has one (Keras' rule)."""
    if mask is None or get_mask(tensor) is not None:
        return
    scope = current_scope()
    if scope is not None:
        scope.masks[id(tensor)] = (tensor, mask)
        return
    key = id(tensor)
    try:
        ref = weakref.ref(tensor, lambda _, key=key: _EAGER.pop(key, None))
    except TypeError:
        return
    _EAGER[key] = (ref, mask)


def get_mask(tensor):
    """The mask attached to ``tensor``, or None."""
    scope = current_scope()
    if scope is not None:
        entry = scope.masks.get(id(tensor))
        if entry is not None and entry[0] is tensor:
            return entry[1]
    entry = _EAGER.get(id(tensor))
    if entry is not None and entry[0]() is tensor:
        return entry[1]
    return None


def masks_of(structure):
    """``structure`` with each array leaf replaced by its mask; None if it has none."""
    masks = jax.tree.map(get_mask, structure, is_leaf=_is_tensor)
    return masks if any(m is not None for m in jax.tree.leaves(masks, is_leaf=_is_none)) else None


def attach(structure, masks) -> None:
    """Attach each mask in ``masks`` to the matching tensor of ``structure``."""
    if masks is None:
        return
    tensors = jax.tree.leaves(structure, is_leaf=_is_tensor)
    mask_leaves = jax.tree.leaves(masks, is_leaf=_is_none)
    if len(tensors) == len(mask_leaves):
        for tensor, mask in zip(tensors, mask_leaves):
            set_mask(tensor, mask)
    elif len(mask_leaves) == 1:
        for tensor in tensors:
            set_mask(tensor, mask_leaves[0])


def _is_tensor(x):
    return isinstance(x, jax.Array)


def _is_none(x):
    return x is None
