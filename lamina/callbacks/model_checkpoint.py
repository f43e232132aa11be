"""``ModelCheckpoint``: save the model or its weights during ``fit``."""

import contextlib
import os
import warnings

from lamina.callbacks._logs import as_float, print_msg
from lamina.callbacks.monitor_callback import MonitorCallback

MODEL_SUFFIX, WEIGHTS_SUFFIX = ".lamina", ".safetensors"


class ModelCheckpoint(MonitorCallback):
    """Saves the model (``model.save``) or its weights (``model.save_weights``) during ``fit``.

    Each save is atomic (a temporary file in the same folder, flushed, renamed into
    place): a process killed mid-save leaves the previous file loadable.

    Args:
      filepath: where to save (str or ``os.PathLike``). It may hold ``str.format``
        fields filled at save time: ``{epoch}`` (1-based), ``{batch}`` (1-based, when
        saving every N batches) and any key of the logs, e.g.
        ``"ckpt/{epoch:02d}-{val_loss:.2f}.lamina"``. Full models end in ``.lamina``
        (reload with ``lamina.models.load_model``); with ``save_weights_only=True`` the
        name ends in ``.safetensors`` (``.weights.safetensors`` by convention; reload
        with ``model.load_weights``). Missing folders are created.
      monitor: the log name that decides "best" (default ``"val_loss"``).
      verbose: 1 prints a line when it saves or skips (default 0).
      save_best_only: save only when ``logs[monitor]`` improves on the best so far; a
        name without format fields is then overwritten by each better model. If the
        monitor is missing from the logs it warns and saves anyway, as Keras does.
      save_weights_only: save the weights only (default False: the whole model, with
        its optimizer state).
      mode: ``"auto"`` (default), ``"min"`` or ``"max"``: which way is better for
        ``monitor``; see ``MonitorCallback``.
      save_freq: ``"epoch"`` (default) saves at each epoch end; an int N saves after
        every N training batches (counted across epochs; with ``steps_per_execution``
        checked at each block's end), with the epoch's running means as logs.
      initial_value_threshold: a value of the monitor to beat before the first save
        with ``save_best_only`` (default None: the first value saves).
      max_to_keep: keep only the last N files this callback wrote (lamina's
        addition; default None keeps all). Older ones are deleted only after the new
        one is completely in place; rewriting a kept name counts as the newest.
      checkpointer: a ``lamina.saving.orbax_io.OrbaxCheckpointer`` (lamina's
        addition): each save goes through it as step ``epoch + 1`` (or the number of
        batches run, with an int ``save_freq``), sharded and asynchronous, with its
        own ``max_to_keep``; ``filepath`` may then be None. ``fit``'s end waits for
        the last write.

    Example::

        checkpoint = ModelCheckpoint(
            "ckpt/{epoch:02d}.weights.safetensors", save_weights_only=True, max_to_keep=3
        )
        model.fit(x, y, epochs=10, validation_split=0.1, callbacks=[checkpoint])
        # ckpt/ holds 08-, 09- and 10.weights.safetensors
    """

    def __init__(
        self,
        filepath,
        monitor="val_loss",
        verbose=0,
        save_best_only=False,
        save_weights_only=False,
        mode="auto",
        save_freq="epoch",
        initial_value_threshold=None,
        max_to_keep=None,
        checkpointer=None,
    ):
        super().__init__(monitor, mode, baseline=initial_value_threshold)
        self.checkpointer = checkpointer
        if checkpointer is not None and filepath is None:
            filepath = os.path.join(checkpointer.directory, "{epoch}")
        self.filepath = os.fspath(filepath)
        self.verbose = verbose
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.save_freq = save_freq
        self.max_to_keep = max_to_keep
        _check_save_freq(save_freq)
        if checkpointer is None:
            _check_suffix(self.filepath, save_weights_only)
        if max_to_keep is not None and (
            not isinstance(max_to_keep, int) or isinstance(max_to_keep, bool) or max_to_keep < 1
        ):
            raise ValueError(
                f"ModelCheckpoint: `max_to_keep` must be None or a positive int, "
                f"received max_to_keep={max_to_keep!r}."
            )
        self._current_epoch = 0
        self._batches_since_save = 0
        self._last_batch = None
        self._written = []  # this callback's files, oldest first, for max_to_keep
        self._batches_run = 0  # across epochs: the step number of an orbax save

    # ------------------------------------------------------------------ hooks
    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self._due_on_batch(batch):
            self._save(self._current_epoch, batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            self._save(epoch, None, logs)

    # ------------------------------------------------------------------ saving
    def _due_on_batch(self, batch):
        """Whether ``save_freq`` batches have run since the last save (``batch`` is the
        index of a block's last step, so several steps may have run since the last call)."""
        if self.save_freq == "epoch":
            return False
        if self._last_batch is None or batch <= self._last_batch:
            ran = batch + 1  # a new epoch: batches count from 0 again
        else:
            ran = batch - self._last_batch
        self._last_batch = batch
        self._batches_since_save += ran
        self._batches_run += ran
        if self._batches_since_save >= self.save_freq:
            self._batches_since_save = 0
            return True
        return False

    def on_train_end(self, logs=None):
        if self.checkpointer is not None:
            self.checkpointer.wait_until_finished()

    def _save(self, epoch, batch, logs):
        logs = logs or {}
        if self.checkpointer is not None:
            step = epoch + 1 if batch is None else self._batches_run
            if self._should_save(epoch, logs, f"{self.checkpointer.directory}/{step}"):
                self.checkpointer.save(self.model, step)
            return
        filepath = self._format_path(epoch, batch, logs)
        if not self._should_save(epoch, logs, filepath):
            return
        folder = os.path.dirname(filepath)
        if folder:
            os.makedirs(folder, exist_ok=True)
        if os.path.isdir(filepath):
            raise IsADirectoryError(
                f"ModelCheckpoint: the checkpoint path {filepath} is an existing folder; "
                "pass a file path such as 'ckpt/{epoch:02d}.lamina'."
            )
        if self.save_weights_only:
            self.model.save_weights(filepath, overwrite=True)
        else:
            self.model.save(filepath, overwrite=True)
        if self.verbose > 0:
            print_msg(f"\nEpoch {epoch + 1}: finished saving model to {filepath}")
        self._forget_old_files(filepath)

    def _should_save(self, epoch, logs, filepath):
        if not self.save_best_only:
            if self.verbose > 0:
                print_msg(f"\nEpoch {epoch + 1}: saving model to {filepath}")
            return True
        if logs.get(self.monitor) is None:
            warnings.warn(f"Can save best model only with {self.monitor} available.", stacklevel=4)
            return True
        current = as_float(logs[self.monitor])
        if not isinstance(current, float):  # Not a scalar: Keras saves every time then.
            warnings.warn(
                f"Can save best model only when `monitor` is a scalar value. Received: "
                f"{current}. Falling back to `save_best_only=False`.",
                stacklevel=4,
            )
            return True
        if self.monitor_op is None:
            self._set_monitor_op()  # Late: the model's metrics exist by now.
        best = "None" if self.best is None else f"{self.best:.5f}"
        if self._is_improvement(current, self.best):
            if self.verbose > 0:
                print_msg(
                    f"\nEpoch {epoch + 1}: {self.monitor} improved from {best} to "
                    f"{current:.5f}, saving model to {filepath}"
                )
            self.best = current
            return True
        if self.verbose > 0:
            print_msg(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {best}")
        return False

    def _format_path(self, epoch, batch, logs):
        # Device scalars become floats so that "{val_loss:.2f}" formats them.
        values = {key: as_float(value) for key, value in logs.items()}
        values["epoch"] = epoch + 1
        if batch is not None and "batch" not in logs:
            values["batch"] = batch + 1
        try:
            return self.filepath.format(**values)
        except KeyError as err:
            raise KeyError(
                f'ModelCheckpoint: failed to format the filepath "{self.filepath}": no value '
                f"for {err}. Available: epoch, {'batch, ' if 'batch' in values else ''}"
                f"{', '.join(logs)}."
            ) from None

    def _forget_old_files(self, newest):
        """Record ``newest``; beyond ``max_to_keep``, delete the oldest files (it is in
        place already, so a crash here never leaves fewer than the last one)."""
        key = os.path.abspath(newest)
        if key in self._written:
            self._written.remove(key)
        self._written.append(key)
        if self.max_to_keep is None:
            return
        while len(self._written) > self.max_to_keep:
            with contextlib.suppress(FileNotFoundError):
                os.remove(self._written.pop(0))


def _check_save_freq(save_freq):
    if save_freq == "epoch":
        return
    if not isinstance(save_freq, int) or isinstance(save_freq, bool) or save_freq < 1:
        raise ValueError(
            f"ModelCheckpoint: unrecognized save_freq={save_freq!r}; expected 'epoch' or a "
            "positive int (a number of batches)."
        )


def _check_suffix(filepath, save_weights_only):
    if save_weights_only and not filepath.endswith(WEIGHTS_SUFFIX):
        raise ValueError(
            "ModelCheckpoint: with save_weights_only=True the filepath must end in "
            f"'{WEIGHTS_SUFFIX}' (lamina's weights format; e.g. "
            f"'ckpt/{{epoch:02d}}.weights.safetensors'), received filepath={filepath!r}."
        )
    if not save_weights_only and not filepath.endswith(MODEL_SUFFIX):
        hint = ""
        if filepath.endswith(WEIGHTS_SUFFIX):
            hint = " To save weights only, pass save_weights_only=True."
        elif filepath.endswith((".keras", ".h5")):
            hint = " (Keras' '.keras'/'.h5' names become '.lamina'/'.weights.safetensors'.)"
        raise ValueError(
            "ModelCheckpoint: the filepath must end in "
            f"'{MODEL_SUFFIX}' (lamina's model archive; e.g. 'ckpt/{{epoch:02d}}.lamina'), "
            f"received filepath={filepath!r}.{hint}"
        )
