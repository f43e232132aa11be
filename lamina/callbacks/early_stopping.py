"""``EarlyStopping``: stop ``fit`` when a monitored value stops improving."""

from lamina.callbacks._logs import print_msg
from lamina.callbacks.monitor_callback import MonitorCallback


class EarlyStopping(MonitorCallback):
    """Stops training once ``logs[monitor]`` has not improved for ``patience`` epochs.

    At each epoch end (from ``start_from_epoch`` on) the monitored value is read
    (a ``float``, waiting for the device) and compared with the best so far: an
    improvement is a change beyond ``min_delta`` in the ``mode``'s direction. After
    ``patience`` epochs without one (and never at epoch 0) it sets
    ``model.stop_training = True``. A missing monitor only warns.

    Args:
      monitor: the log name to watch (default ``"val_loss"``).
      min_delta: the least change that counts as an improvement (default 0).
      patience: epochs without improvement before stopping (default 0).
      verbose: 1 prints when it stops and restores (default 0).
      mode: ``"auto"`` (default), ``"min"`` or ``"max"``; see ``MonitorCallback``.
      baseline: a value to beat: until the monitor beats it, the patience count is
        not reset, so training stops after ``patience`` epochs (default None).
      restore_best_weights: at the end of training, put back the weights of the
        best epoch (``model.get_weights``/``set_weights``); if no epoch improved,
        those of the first monitored epoch (default False).
      start_from_epoch: epochs of warm-up before monitoring starts (default 0).

    After training, ``stopped_epoch`` (0 if it did not stop), ``best`` and
    ``best_epoch`` say what happened.

    Example::

        stop = EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True)
        model.fit(x, y, validation_split=0.2, epochs=100, callbacks=[stop])
    """

    def __init__(
        self,
        monitor="val_loss",
        min_delta=0,
        patience=0,
        verbose=0,
        mode="auto",
        baseline=None,
        restore_best_weights=False,
        start_from_epoch=0,
    ):
        super().__init__(monitor, mode, min_delta=min_delta)
        self.patience = patience
        self.verbose = verbose
        self.baseline = baseline
        self.restore_best_weights = restore_best_weights
        self.start_from_epoch = start_from_epoch
        self._reset()

    def _reset(self):
        self.wait = 0
        self.stopped_epoch = 0
        self.best = None
        self.best_weights = None
        self.best_epoch = 0

    def on_train_begin(self, logs=None):
        self._reset()  # The same instance can serve several fits.

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()  # Late: the model's metrics exist by now.
        current = self._read_monitor(logs, "Early stopping conditioned on metric")
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = self.model.get_weights()  # Nothing better seen yet.
            self.best_epoch = epoch

        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            # Patience restarts only when the baseline is beaten too.
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            print_msg(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print_msg(
                    "Restoring model weights from the end of the best epoch: "
                    f"{self.best_epoch + 1}."
                )
            self.model.set_weights(self.best_weights)
