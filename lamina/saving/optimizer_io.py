"""An optimizer's state (an optax pytree) as named arrays, and back.

Names are ``jax.tree_util.keystr`` paths (``.inner_state[0].mu['dense']['kernel']``),
so a moment's name ends with its parameter's attribute path. ``model.save`` and
``BackupAndRestore`` store the state this way.
"""

import jax
import numpy as np

from lamina.saving.errors import LoadError


def state_arrays(state) -> dict:
    """``{tree path: np.ndarray}`` for every leaf of an optimizer state (an optax pytree).

    Example: ``state_arrays(model.optimizer.state)`` →
    ``{".count": array(3), ".inner_state[0].mu['dense']['kernel']": ..., ...}``.
    """
    if state is None:
        return {}
    leaves = jax.tree_util.tree_flatten_with_path(state)[0]
    return {jax.tree_util.keystr(path): np.asarray(leaf) for path, leaf in leaves}


def state_from_arrays(template, arrays, source, member=None):
    """``template`` (a fresh ``optimizer.init(params)``) with its leaves from ``arrays``.

    Every tree path must be present with the template's shape and dtype, and no
    other path; otherwise a ``LoadError`` naming ``source`` (and ``member``) lists
    the differences. Nothing is cast: the values come back bit for bit.
    """
    leaves, treedef = jax.tree_util.tree_flatten_with_path(template)
    names = [jax.tree_util.keystr(path) for path, _ in leaves]
    problems = [f"{n}: not in the file" for n in names if n not in arrays]
    problems += [f"{n}: in the file, not in the optimizer" for n in arrays if n not in names]
    for name, (_, leaf) in zip(names, leaves):
        if name not in arrays:
            continue
        found, wanted = arrays[name], np.asarray(leaf)
        if tuple(found.shape) != wanted.shape or found.dtype != wanted.dtype:
            problems.append(
                f"{name}: expected {wanted.dtype}{list(wanted.shape)}, "
                f"found {found.dtype}{list(found.shape)}"
            )
    if problems:
        raise LoadError(
            source,
            f"the optimizer state does not fit the optimizer: {problems[:10]}",
            member=member,
        )
    values = [jax.numpy.asarray(arrays[name]) for name in names]
    return jax.tree_util.tree_unflatten(treedef, values)


def renamed(arrays, renames) -> dict:
    """Optimizer-state keys with the saving model's parameter paths replaced by the
    loading model's (``renames``: ``{saved path: model path}``, as from
    ``weights_io.positional_pairs``): a moment's key ends with its parameter's path
    (``.inner_state[0].mu['dense_4']['kernel']``)."""
    if not renames:
        return arrays
    # Longest first: a nested model's ``['outer']['dense']['kernel']`` before ``['dense']...``.
    suffixes = sorted(
        ((_keystr(old), _keystr(new)) for old, new in renames.items()), key=lambda p: -len(p[0])
    )
    renamed = {}
    for key, value in arrays.items():
        for old, new in suffixes:
            if key.endswith(old):
                key = key[: -len(old)] + new
                break
        renamed[key] = value
    return renamed


def _keystr(path: str) -> str:
    # As jax.tree_util.keystr writes a path of dict keys.
    return "".join(f"[{part!r}]" for part in path.split("/"))
