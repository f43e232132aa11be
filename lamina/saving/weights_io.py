"""A model's variables as named arrays, and named arrays back into a model.

Names are attribute paths joined by ``/`` (``encoder/dense/kernel``), the same keys
as ``params``/``state``, so they are stable across processes and instances.
Loading checks every name and shape before it writes anything: a mismatch leaves
the model exactly as it was.
"""

import json
import warnings

import jax.numpy as jnp
import numpy as np

from lamina.core import tracking
from lamina.saving.errors import LoadError
from lamina.saving.safetensors_format import load_arrays, save_arrays

WEIGHTS_FORMAT = "lamina.weights"


class WeightsMismatchError(ValueError):
    """Saved weights that do not fit the model: every differing path is listed."""


def model_variables(model) -> dict:
    """``{"path/to/var": Variable}`` for every variable (seed-generator state included)."""
    if not model.built:
        raise ValueError(
            f"Model '{model.name}' is not built yet, so it has no weights: call it on a batch"
            " (or start it with lamina.Input) before saving or loading weights."
        )
    return {"/".join(path): var for path, var in tracking.cached_walk(model)[0]}


def model_arrays(model) -> dict:
    """``{"path": np.ndarray}``: the current values (a running ``fit``'s included)."""
    sync = getattr(model, "_sync_from_training", None)
    if sync is not None:
        sync()
    return {name: np.asarray(var.value) for name, var in model_variables(model).items()}


def assign_arrays(model, arrays: dict, source, skip_mismatch=False, order=None) -> None:
    """Write ``arrays`` into ``model``'s variables after checking all of them.

    Raises ``WeightsMismatchError`` listing each missing, unexpected or
    differently shaped path (``skip_mismatch=True``: those are skipped with a
    warning, the others loaded). Nothing is written when it raises.

    ``order``: the saved paths in the saving model's variable order. When no saved
    path exists in the model at all but the two orders pair up with equal shapes,
    the arrays load by position: the same functional or Sequential architecture
    built again in one process has other layer names (``dense_3`` for ``dense``).
    """
    variables = model_variables(model)
    arrays = _by_position(variables, arrays, order)
    problems, updates = [], []
    for name, var in variables.items():
        if name not in arrays:
            problems.append(f"  {name}: expected shape {var.shape}, not in the file")
            continue
        value = arrays[name]
        if tuple(value.shape) != tuple(var.shape):
            problems.append(
                f"  {name}: expected shape {var.shape}, found {tuple(value.shape)} in the file"
            )
        elif not _castable(value.dtype, var.dtype):
            problems.append(f"  {name}: expected dtype {var.dtype}, found {value.dtype}")
        else:
            updates.append((var, value))
    for name in arrays:
        if name not in variables:
            problems.append(
                f"  {name}: in the file (shape {tuple(arrays[name].shape)}), not in the model"
            )
    if problems and not skip_mismatch:
        raise WeightsMismatchError(
            f"{source}: the saved weights do not fit model '{model.name}' "
            f"({len(problems)} mismatched path(s)); the model was left unchanged:\n"
            + "\n".join(problems)
        )
    if problems:
        warnings.warn(
            f"{source}: skipped {len(problems)} mismatched weight(s):\n" + "\n".join(problems),
            stacklevel=3,
        )
    for var, value in updates:
        var.assign(np.asarray(value, dtype=var.dtype))
    drop = getattr(model, "_drop_training_state", None)
    if drop is not None:
        drop()


def weights_metadata(arrays) -> dict:
    """The metadata stored with a model's arrays: the format and the paths' order."""
    return {"format": WEIGHTS_FORMAT, "order": json.dumps(list(arrays))}


def save_weights(model, path) -> None:
    """Write all of ``model``'s variables to the safetensors file ``path``, atomically."""
    arrays = model_arrays(model)
    save_arrays(path, arrays, metadata=weights_metadata(arrays))


def load_weights(model, path, skip_mismatch=False) -> None:
    """Load a ``save_weights`` file (or any safetensors file keyed by attribute path),
    or the weights inside a ``model.save`` archive."""
    with open(path, "rb") as file:
        is_archive = file.read(4) == b"PK\x03\x04"
    if is_archive:
        from lamina.saving.archive import open_archive
        from lamina.saving.model_io import MEMBERS

        with open_archive(path, MEMBERS) as archive:
            if "model.safetensors" not in archive.names:
                raise LoadError(path, "an archive without a 'model.safetensors' member")
            arrays, metadata = load_arrays(archive.open("model.safetensors"))
            metadata = {k: v for k, v in metadata.items() if k != "format"}
    else:
        arrays, metadata = load_arrays(path)
    if metadata.get("format") not in (None, WEIGHTS_FORMAT):
        raise LoadError(path, f"holds {metadata.get('format')!r}, not model weights")
    assign_arrays(model, arrays, path, skip_mismatch, saved_order(metadata, path))


def saved_order(metadata, path):
    """The ``order`` list of ``weights_metadata``, or None if absent."""
    if "order" not in metadata:
        return None
    try:
        order = json.loads(metadata["order"])
    except ValueError as err:
        raise LoadError(path, f"unreadable 'order' metadata: {err}") from err
    if not isinstance(order, list) or not all(isinstance(n, str) for n in order):
        raise LoadError(path, "the 'order' metadata is not a list of paths")
    return order


def positional_pairs(variables, arrays, order) -> dict:
    """``{saved path: model path}`` when ``arrays`` should load by position, else ``{}``.

    That is when no saved path exists among ``variables`` but the saved ``order``
    pairs up with them one to one, with equal shapes: the same functional or
    Sequential architecture built again in one process has other layer names.
    """
    if not order or set(order) != set(arrays) or set(arrays) & set(variables):
        return {}
    if len(order) != len(variables):
        return {}
    pairs = dict(zip(order, variables))
    if any(tuple(arrays[saved].shape) != variables[name].shape for saved, name in pairs.items()):
        return {}
    return pairs


def _by_position(variables, arrays, order):
    pairs = positional_pairs(variables, arrays, order)
    return {name: arrays[saved] for saved, name in pairs.items()} if pairs else arrays


def _castable(saved, wanted) -> bool:
    saved, wanted = np.dtype(saved), np.dtype(wanted)
    if saved == wanted:
        return True
    # Floats load into floats of another width (as Keras does); nothing else converts.
    # (jnp.issubdtype knows bfloat16 is a float; NumPy's does not.)
    return jnp.issubdtype(saved, jnp.floating) and jnp.issubdtype(wanted, jnp.floating)
