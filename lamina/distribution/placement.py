"""Shardings of whole trees: parameters by path, optimizer state after its parameters,
batches over the data axis.

These are what ``fit``/``evaluate``/``predict`` use: the carried training state is
placed with :func:`train_state_shardings` before the first step and constrained to
the same shardings at the end of every compiled step, so it keeps its layout from
step to step; every batch goes through :func:`distribute_batch`.
"""

import jax
import numpy as np
from jax.sharding import NamedSharding, PartitionSpec


def tree_shardings(distribution, tree):
    """A ``NamedSharding`` for every array of ``tree``, a nested dict keyed by attribute
    path (``params`` or ``state``): the layout the distribution gives its path."""

    def one(keypath, leaf):
        return distribution.sharding_for(_dict_path(keypath), np.shape(leaf))

    return jax.tree_util.tree_map_with_path(one, tree)


def optimizer_state_shardings(distribution, opt_state, params, param_shardings):
    """Shardings for an optax state: a leaf whose dict-key path is a parameter's path
    and whose shape is that parameter's (Adam's ``mu`` and ``nu``, momentum, ...)
    follows that parameter; every other leaf (step counts, scalars) is replicated."""
    by_path = {}
    for keypath, sharding in jax.tree_util.tree_leaves_with_path(param_shardings):
        by_path[_dict_path(keypath)] = sharding
    shapes = {_dict_path(k): np.shape(v) for k, v in jax.tree_util.tree_leaves_with_path(params)}
    replicated = replicated_sharding(distribution)

    def one(keypath, leaf):
        path = _dict_path(keypath)
        if path in by_path and shapes[path] == np.shape(leaf):
            return by_path[path]
        return replicated

    return jax.tree_util.tree_map_with_path(one, opt_state)


def train_state_shardings(distribution, ts):
    """The shardings of a ``TrainState`` (``params``, ``state``, ``opt_state``,
    ``metrics``), as a ``TrainState`` of the same structure."""
    params = tree_shardings(distribution, ts.params)
    state = tree_shardings(distribution, ts.state)
    opt_state = None
    if ts.opt_state is not None:
        opt_state = optimizer_state_shardings(distribution, ts.opt_state, ts.params, params)
    replicated = replicated_sharding(distribution)
    metrics = jax.tree.map(lambda _: replicated, ts.metrics)
    return type(ts)(params, state, opt_state, metrics)


def place(tree, shardings):
    """``tree`` moved to ``shardings`` (arrays already there are kept as they are)."""
    return jax.device_put(tree, shardings)


def constrain(tree, shardings):
    """Inside a compiled step: ``tree`` laid out as ``shardings`` (outside one: placed)."""
    return jax.lax.with_sharding_constraint(tree, shardings)


def replicated_sharding(distribution) -> NamedSharding:
    """Every device of the mesh holds the whole array."""
    return NamedSharding(distribution.device_mesh.backend_mesh, PartitionSpec())


def distribute_batch(distribution, batch, leading=0, pad=False):
    """``(global_batch, size)``: each array of ``batch`` split over the data axis.

    ``batch`` holds this process's samples (the whole batch in a single-process
    run; in a multi-process run each process passes its own slice and the global
    batch is their concatenation). ``leading`` dimensions come before the batch
    dimension (1 for blocks of stacked batches). ``size`` is the global batch size
    before padding: with ``pad=True`` (prediction) a batch the data axis does not
    divide is padded by repeating its last sample, and the caller cuts the outputs
    to ``size``; otherwise it is a ``ValueError``.
    """
    ways = distribution.data_parallel_size
    processes = jax.process_count()
    leaves = [leaf for leaf in jax.tree.leaves(batch) if np.ndim(leaf) > leading]
    local = int(np.shape(leaves[0])[leading]) if leaves else 0
    size = local * processes
    if size % ways:
        if not pad or processes > 1:
            raise ValueError(
                f"A batch of {size} samples cannot be split evenly over the {ways} devices"
                f" of the mesh axis '{distribution.batch_dim_name}'. Use a batch_size that"
                f" is a multiple of {ways}; the last batch of an epoch must be one too"
                " (choose the number of samples, or set steps_per_epoch to drop it)."
            )
        extra = ways - local % ways
        batch = jax.tree.map(lambda a: _pad(a, leading, extra), batch)
    sharding = distribution.data_sharding(leading)
    if processes == 1:
        return jax.device_put(batch, sharding), size
    return jax.tree.map(
        lambda a: jax.make_array_from_process_local_data(sharding, np.asarray(a)), batch
    ), size


def _pad(array, axis, extra):
    array = np.asarray(array)
    last = np.take(array, [-1], axis=axis)
    return np.concatenate([array, np.repeat(last, extra, axis=axis)], axis=axis)


def _dict_path(keypath) -> str:
    """The dict keys of a pytree key path joined by ``/`` (``"encoder/dense/kernel"``)."""
    return "/".join(str(k.key) for k in keypath if isinstance(k, jax.tree_util.DictKey))
