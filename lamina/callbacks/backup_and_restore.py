"""``BackupAndRestore``: a ``fit`` that was killed resumes where its last backup left it.

A backup holds the weights (``lamina.saving.weights_io``), the optimizer state
(``lamina.saving.optimizer_io``), the epoch and the run's shuffling seed.
"""

import contextlib
import json
import os
import warnings

from lamina.callbacks.callback import Callback
from lamina.saving import optimizer_io, weights_io
from lamina.saving.archive import open_archive, write_archive
from lamina.saving.errors import LoadError, reraise_as_load_error
from lamina.saving.safetensors_format import dump_arrays, load_arrays

FORMAT, FORMAT_VERSION = "lamina.backup", 1
MEMBERS = ("training.json", "model.safetensors", "optimizer.safetensors")
LATEST, PREVIOUS = "latest.backup", "previous.backup"


class BackupAndRestore(Callback):
    """Backs up the training state at each epoch end; a later ``fit`` resumes from it.

    At the end of every epoch one file, ``{backup_dir}/latest.backup``, is written
    atomically (to a temporary file in the same folder, flushed, renamed into place:
    a process killed mid-write leaves the previous backup whole). It holds:

    * every variable of the model, keyed by attribute path, seed-generator state
      included (so ``Dropout`` continues its random stream);
    * the optimizer state (moments, step count, learning rate), keyed by tree path;
    * the epoch just finished and ``model.fit_seed`` (the run's shuffling seed).

    At the start of ``fit``, if a backup exists it is loaded and ``fit`` continues at
    the next epoch with the same per-epoch shuffling, so a run killed (SIGKILL, power
    cut) or stopped by an exception, then started again with the same script, ends
    with the same weights, bit for bit on CPU, as a run never interrupted. A backup
    that cannot be loaded (corrupt, or from another model) raises ``LoadError``
    naming the file: training never silently starts over. When ``fit`` ends normally
    the backup is deleted (``delete_checkpoint=True``).

    What is not backed up: other callbacks' own counters (``EarlyStopping``'s
    patience, ``ReduceLROnPlateau``'s wait), as in Keras. Put ``BackupAndRestore``
    after callbacks that change the model or the learning rate at epoch end, so the
    backup holds their changes.

    Args:
      backup_dir: the folder for the backup (created if missing). Use it for nothing
        else: only this callback's files are deleted from it, and the folder itself
        if that leaves it empty.
      save_freq: ``"epoch"`` only. Keras also takes a number of batches; resuming
        exactly in the middle of an epoch needs ``fit`` to skip the batches already
        run, which it cannot yet, so an int is refused rather than resumed inexactly.
      double_checkpoint: also keep the backup before the latest as
        ``previous.backup``; when the latest cannot be loaded, warn and resume from
        the previous one (default False).
      delete_checkpoint: delete the backup when ``fit`` completes (default True).

    Example::

        backup = BackupAndRestore("/tmp/run1/backup")
        model.fit(x, y, epochs=100, callbacks=[backup])  # killed at epoch 42
        model.fit(x, y, epochs=100, callbacks=[backup])  # runs epochs 43..100
    """

    def __init__(
        self, backup_dir, save_freq="epoch", double_checkpoint=False, delete_checkpoint=True
    ):
        if not backup_dir:
            raise ValueError("BackupAndRestore: `backup_dir` must be a folder path, got empty.")
        if save_freq != "epoch":
            raise ValueError(
                f"BackupAndRestore: save_freq={save_freq!r} is not supported; only "
                "save_freq='epoch' is. A backup every N batches cannot yet be resumed exactly "
                "(fit cannot restart in the middle of an epoch), and an inexact resume is "
                "worse than one that repeats the interrupted epoch."
            )
        self.backup_dir = os.fspath(backup_dir)
        self.save_freq = save_freq
        self.double_checkpoint = double_checkpoint
        self.delete_checkpoint = delete_checkpoint
        self.latest_path = os.path.join(self.backup_dir, LATEST)
        self.previous_path = os.path.join(self.backup_dir, PREVIOUS)

    # ------------------------------------------------------------------ hooks
    def on_train_begin(self, logs=None):
        # fit has built the model and initialised the optimizer state by now.
        restored = self._restore()
        if restored is not None:
            _, epoch, fit_seed = restored
            self.model.request_resume(epoch + 1, fit_seed)

    def on_epoch_end(self, epoch, logs=None):
        os.makedirs(self.backup_dir, exist_ok=True)
        if self.double_checkpoint and os.path.exists(self.latest_path):
            # A rename: the latest is never half copied. If killed before the new
            # latest is in place, the restore falls back to this one.
            os.replace(self.latest_path, self.previous_path)
        write_backup(self.latest_path, self.model, epoch)

    def on_train_end(self, logs=None):
        if not self.delete_checkpoint:
            return
        for path in (self.latest_path, self.previous_path):
            with contextlib.suppress(FileNotFoundError):
                os.remove(path)
        with contextlib.suppress(OSError):  # Not empty: someone else's files stay.
            os.rmdir(self.backup_dir)

    # ---------------------------------------------------------------- restore
    def _restore(self):
        """``(path, epoch, fit_seed)`` of the backup loaded into the model, or None."""
        candidates = [self.latest_path]
        if self.double_checkpoint:
            candidates.append(self.previous_path)
        candidates = [path for path in candidates if os.path.exists(path)]
        for i, path in enumerate(candidates):
            try:
                return (path, *read_backup(path, self.model))
            except LoadError as err:
                if i + 1 == len(candidates):
                    raise
                warnings.warn(
                    f"BackupAndRestore: {err}; resuming from the previous backup instead.",
                    stacklevel=2,
                )
        return None


# ------------------------------------------------------------ backup file


def write_backup(path, model, epoch: int) -> None:
    """Write ``model``'s variables, optimizer state, ``epoch`` and ``fit_seed`` to ``path``."""
    arrays = weights_io.model_arrays(model)  # the running fit's values
    optimizer = optimizer_io.state_arrays(model.optimizer.state)
    training = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "epoch": int(epoch),
        "fit_seed": int(model.fit_seed),
    }
    write_archive(
        path,
        {
            "training.json": json.dumps(training).encode(),
            "model.safetensors": lambda f: dump_arrays(
                f, arrays, weights_io.weights_metadata(arrays)
            ),
            "optimizer.safetensors": lambda f: dump_arrays(f, optimizer),
        },
    )


def read_backup(path, model):
    """Load the backup at ``path`` into ``model``; its ``(epoch, fit_seed)``.

    Everything is read and checked before the model changes: on a ``LoadError`` the
    model and its optimizer are as they were.
    """
    with open_archive(path, MEMBERS) as archive:
        missing = [name for name in MEMBERS if name not in archive.names]
        if missing:
            raise LoadError(path, f"not a lamina training backup: no {missing[0]!r} member")
        epoch, fit_seed = _read_training(archive, path)
        weights, metadata = load_arrays(archive.open("model.safetensors"))
        optimizer, _ = load_arrays(archive.open("optimizer.safetensors"))
    order = weights_io.saved_order(metadata, path)
    pairs = weights_io.positional_pairs(weights_io.model_variables(model), weights, order)
    optimizer = optimizer_io.renamed(optimizer, pairs)
    template = model.optimizer.init(model.split()[0])
    opt_state = optimizer_io.state_from_arrays(
        template, optimizer, path, member="optimizer.safetensors"
    )
    try:
        weights_io.assign_arrays(model, weights, f"{path}: member 'model.safetensors'", order=order)
    except (weights_io.WeightsMismatchError, ValueError) as err:
        raise LoadError(path, str(err), member="model.safetensors") from err
    model.optimizer.state = opt_state
    return epoch, fit_seed


def _read_training(archive, path):
    with reraise_as_load_error(path, member="training.json", doing="parsing"):
        training = json.loads(archive.read("training.json").decode("utf-8"))
    if not isinstance(training, dict) or training.get("format") != FORMAT:
        raise LoadError(path, "not a lamina training backup", member="training.json")
    if training.get("format_version") != FORMAT_VERSION:
        raise LoadError(
            path,
            f"format version {training.get('format_version')!r}; this lamina reads version"
            f" {FORMAT_VERSION}",
            member="training.json",
        )
    epoch, fit_seed = training.get("epoch"), training.get("fit_seed")
    if not _is_int(epoch) or epoch < 0 or not _is_int(fit_seed):
        raise LoadError(
            path,
            f"expected a non-negative int 'epoch' and an int 'fit_seed', found "
            f"epoch={epoch!r}, fit_seed={fit_seed!r}",
            member="training.json",
        )
    return epoch, fit_seed


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
