"""Sharded checkpoints through orbax-checkpoint (the optional extra ``lamina[orbax]``).

``model.save`` gathers every weight into one archive on one host; for a model
sharded over a pod that is the wrong tool. An :class:`OrbaxCheckpointer` writes each
array's shards from the processes that hold them (orbax with tensorstore), in the
background (training goes on while the files are written), keeps the last N steps,
and restores onto whatever layout the model has now: another mesh shape, another
number of devices, or one device.

What is saved: ``params`` and ``state`` (nested dicts keyed by attribute path) and
the optimizer's state when the model has one. The model's config is not: rebuild
the model in code (or from a ``model.save`` archive), then ``restore``.
"""

import os

import jax

from lamina.saving.errors import LoadError

_MISSING = (
    "lamina.saving.orbax_io needs orbax-checkpoint: pip install 'lamina[orbax]'"
    " (or orbax-checkpoint)."
)


def _orbax():
    try:
        import orbax.checkpoint as ocp
    except ImportError as err:  # the extra is optional
        raise ImportError(_MISSING) from err
    return ocp


class OrbaxCheckpointer:
    """Save and restore a model's sharded values at numbered steps, with orbax.

    Args:
      directory: the checkpoint folder (created if missing); each step is a
        sub-folder named by its number. Give every process the same path (a shared
        file system or a bucket) in a multi-host job.
      max_to_keep: keep only the newest N steps (default None keeps all); older
        ones are deleted after a newer one is complete.
      async_save: write in a background thread (default True). ``save`` returns
        once the values are copied off the devices, so training may go on and
        donate its buffers; ``wait_until_finished()`` (or ``close()``) waits for
        the files.

    Example::

        ckpt = OrbaxCheckpointer("/ckpt/run1", max_to_keep=3)
        ckpt.save(model, step=1000)
        ...
        model = make_model()            # under any distribution, any mesh shape
        model.compile(...)
        step = ckpt.restore(model)      # the newest step, laid out as `model` is now
    """

    def __init__(self, directory, max_to_keep=None, async_save=True):
        ocp = _orbax()
        self.directory = os.path.abspath(os.fspath(directory))
        options = ocp.CheckpointManagerOptions(
            max_to_keep=max_to_keep, enable_async_checkpointing=bool(async_save)
        )
        self._manager = ocp.CheckpointManager(
            self.directory, options=options, item_handlers=ocp.PyTreeCheckpointHandler()
        )

    # ------------------------------------------------------------------ save
    def save(self, model, step: int) -> None:
        """Start writing ``model``'s values (those of a running ``fit`` included) as ``step``."""
        sync = getattr(model, "_sync_from_training", None)
        if sync is not None:
            sync()
        if not model.built:
            raise ValueError(
                f"OrbaxCheckpointer.save: model '{model.name}' is not built, so it has no"
                " values to save; call it on a batch (or fit it) first."
            )
        ocp = _orbax()
        self._manager.save(int(step), args=ocp.args.PyTreeSave(_values(model)))

    # --------------------------------------------------------------- restore
    def restore(self, model, step=None) -> int:
        """Load ``step`` (default: the newest) into ``model``; returns the step.

        Every array lands with the layout it has in ``model`` now: the active
        distribution's when there is one (so a checkpoint written on a 2x4 mesh
        restores onto a 4x2 or an 8-device mesh), else the current values'. The
        model must be built (and compiled, to restore the optimizer state).
        Raises ``LoadError`` naming the folder when the checkpoint does not fit.
        """
        ocp = _orbax()
        self._manager.wait_until_finished()
        if step is None:
            step = self._manager.latest_step()
            if step is None:
                raise FileNotFoundError(f"{self.directory}: no checkpoint to restore.")
        if int(step) not in self._manager.all_steps():
            raise FileNotFoundError(
                f"{self.directory}: no checkpoint for step {step}; steps are"
                f" {sorted(self._manager.all_steps())}."
            )
        if not model.built:
            raise ValueError(
                f"OrbaxCheckpointer.restore: model '{model.name}' is not built; build it"
                " (call it on a batch, or start it with lamina.Input) first."
            )
        target = _values(model, for_restore=True)
        saved = self._manager.item_metadata(int(step))
        saved = getattr(saved, "tree", saved) or {}
        if "optimizer" in target and "optimizer" not in saved:
            del target["optimizer"]  # saved from an uncompiled model: weights only
        abstract = jax.tree.map(_abstract, target, _shardings(model, target))
        # partial: an uncompiled model takes the weights and leaves the optimizer state.
        args = ocp.args.PyTreeRestore(
            item=abstract,
            restore_args=ocp.checkpoint_utils.construct_restore_args(abstract),
            partial_restore=True,
        )
        try:
            restored = self._manager.restore(int(step), args=args)
        except (ValueError, KeyError, TypeError) as err:
            raise LoadError(
                self.directory, f"step {step} does not fit model '{model.name}': {err}"
            ) from err
        missing = [
            jax.tree_util.keystr(path)
            for path, leaf in jax.tree_util.tree_leaves_with_path(restored)
            if isinstance(leaf, jax.ShapeDtypeStruct)
        ]
        if missing:
            # partial_restore leaves what the checkpoint lacks as the abstract target.
            raise LoadError(
                self.directory,
                f"step {step} does not fit model '{model.name}': it has no values for"
                f" {missing[:10]}{' ...' if len(missing) > 10 else ''} (functional and"
                " Sequential models key their layers by name: give the layers the same"
                " `name=`s as in the saved model)",
            )
        model.merge(restored["params"], restored["state"])
        if "optimizer" in restored:
            model.optimizer.state = restored["optimizer"]
        return int(step)

    # ------------------------------------------------------------- bookkeeping
    def latest_step(self):
        """The newest saved step, or None."""
        return self._manager.latest_step()

    def all_steps(self) -> list:
        """Every kept step, ascending."""
        return sorted(self._manager.all_steps())

    def wait_until_finished(self) -> None:
        """Block until every started save is on disk."""
        self._manager.wait_until_finished()

    def close(self) -> None:
        """Finish pending saves and release the manager."""
        self._manager.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _values(model, for_restore=False) -> dict:
    params, state = model.split()
    tree = {"params": params, "state": state}
    optimizer = getattr(model, "optimizer", None) if getattr(model, "compiled", False) else None
    if optimizer is not None:
        opt_state = getattr(optimizer, "state", None)
        if opt_state is None and for_restore:
            opt_state = optimizer.init(params)  # the structure to restore into
        if opt_state is not None:
            tree["optimizer"] = opt_state
    return tree


def _shardings(model, tree):
    """Target shardings: the active distribution's layouts, else the values' own."""
    from lamina.distribution import distribution, placement

    active = distribution()
    if active is None:
        return jax.tree.map(lambda a: a.sharding, tree)
    out = {
        "params": placement.tree_shardings(active, tree["params"]),
        "state": placement.tree_shardings(active, tree["state"]),
    }
    if "optimizer" in tree:
        out["optimizer"] = placement.optimizer_state_shardings(
            active, tree["optimizer"], tree["params"], out["params"]
        )
    return out


def _abstract(value, sharding):
    return jax.ShapeDtypeStruct(value.shape, value.dtype, sharding=sharding)
