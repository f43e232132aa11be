"""``ReduceLROnPlateau``: divide the learning rate when a monitored value stalls."""

import numpy as np

from lamina.callbacks._logs import print_msg
from lamina.callbacks.monitor_callback import MonitorCallback


class ReduceLROnPlateau(MonitorCallback):
    """Multiplies the learning rate by ``factor`` after ``patience`` epochs without progress.

    At each epoch end it writes the current rate into ``logs["learning_rate"]``,
    reads ``logs[monitor]`` (a ``float``, waiting for the device) and compares it
    with the best so far (an improvement beats it by more than ``min_delta`` in
    the ``mode``'s direction). After ``patience`` epochs without one it sets
    ``model.optimizer.learning_rate = max(lr * factor, min_lr)`` (if ``lr`` is
    still above ``min_lr``, compared in float32 as Keras stores it), then waits
    ``cooldown`` epochs before counting again. A missing monitor only warns.

    Args:
      monitor: the log name to watch (default ``"val_loss"``).
      factor: the multiplier, below 1 (default 0.1).
      patience: epochs without improvement before reducing (default 10).
      verbose: 1 prints each reduction (default 0).
      mode: ``"auto"`` (default), ``"min"`` or ``"max"``; see ``MonitorCallback``.
      min_delta: the least change that counts as an improvement (default 1e-4).
      cooldown: epochs after a reduction during which none is counted (default 0).
      min_lr: the floor of the learning rate (default 0.0).

    Example::

        reduce_lr = ReduceLROnPlateau(monitor="val_loss", factor=0.2, patience=5, min_lr=1e-3)
        model.fit(x, y, validation_split=0.2, callbacks=[reduce_lr])
    """

    def __init__(
        self,
        monitor="val_loss",
        factor=0.1,
        patience=10,
        verbose=0,
        mode="auto",
        min_delta=1e-4,
        cooldown=0,
        min_lr=0.0,
    ):
        super().__init__(monitor, mode, min_delta=min_delta)
        if factor >= 1.0:
            raise ValueError(
                f"ReduceLROnPlateau does not support a factor >= 1.0. Received factor={factor}"
            )
        self.factor = factor
        self.patience = patience
        self.verbose = verbose
        self.cooldown = cooldown
        self.min_lr = min_lr
        self._reset()

    def _reset(self):
        self.best = None
        self.cooldown_counter = 0
        self.wait = 0

    def in_cooldown(self):
        """Whether a recent reduction still blocks counting."""
        return self.cooldown_counter > 0

    def on_train_begin(self, logs=None):
        self._reset()

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()
        logs = {} if logs is None else logs
        logs["learning_rate"] = float(self.model.optimizer.learning_rate)
        current = self._read_monitor(logs, "Learning rate reduction is conditioned on metric")
        if current is None:
            return
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self._is_improvement(current, self.best):
            self.best = current
            self.wait = 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience and self._reduce_lr(epoch):
                self.cooldown_counter = self.cooldown
                self.wait = 0

    def _reduce_lr(self, epoch):
        optimizer = self.model.optimizer
        old_lr = float(optimizer.learning_rate)
        if np.float32(old_lr) <= np.float32(self.min_lr):
            return False
        new_lr = max(old_lr * self.factor, self.min_lr)
        optimizer.learning_rate = new_lr
        if self.verbose > 0:
            print_msg(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {new_lr}.")
        return True
