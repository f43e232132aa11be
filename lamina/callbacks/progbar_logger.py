"""``ProgbarLogger``: the ``fit``/``evaluate``/``predict`` progress bar, one per epoch."""

from lamina.callbacks._logs import print_msg
from lamina.callbacks.callback import Callback
from lamina.callbacks.progbar import Progbar


class ProgbarLogger(Callback):
    """Shows a ``Progbar`` per epoch (and for ``evaluate``/``predict``), as Keras 3.

    Reads ``epochs``, ``steps`` and ``verbose`` (``"auto"`` means 1) from the
    params. With more than one epoch, ``Epoch 3/10`` is printed before each
    epoch's bar. Batch ends update the bar with step ``batch + 1`` (so a block of
    K steps reported at its last step moves it by K); the epoch end draws the
    final line with the epoch's logs, validation results included. Inside
    ``fit``, validation draws no bar of its own. The logs' values are shown as
    given (they are running means already) and read from the device only when
    the bar redraws.

    Example: ``model.fit(x, y, epochs=2, callbacks=[ProgbarLogger()])`` prints
    ``Epoch 1/2`` then ``157/157 ━━━━━━━━━━━━━━━━━━━━ 1s 2ms/step - loss: 0.0695``.
    """

    def __init__(self):
        self.seen = 0
        self.progbar = None
        self.target = None
        self.verbose = 1
        self.epochs = 1
        self._called_in_fit = False

    def set_params(self, params):
        self.params = params
        verbose = params.get("verbose", 1)
        self.verbose = 1 if verbose == "auto" else verbose
        self.epochs = params.get("epochs", 1)
        self.target = params.get("steps")

    def on_train_begin(self, logs=None):
        self._called_in_fit = True  # Validation inside fit stays silent.

    def on_test_begin(self, logs=None):
        if not self._called_in_fit:
            self._reset_progbar()
            self._maybe_init_progbar()

    def on_predict_begin(self, logs=None):
        self._reset_progbar()
        self._maybe_init_progbar()

    def on_epoch_begin(self, epoch, logs=None):
        self._reset_progbar()
        self._maybe_init_progbar()
        if self.verbose and self.epochs > 1:
            print_msg(f"Epoch {epoch + 1}/{self.epochs}")

    def on_train_batch_end(self, batch, logs=None):
        self._update_progbar(batch, logs)

    def on_test_batch_end(self, batch, logs=None):
        if not self._called_in_fit:
            self._update_progbar(batch, logs)

    def on_predict_batch_end(self, batch, logs=None):
        self._update_progbar(batch, None)  # Outputs are not shown.

    def on_epoch_end(self, epoch, logs=None):
        self._finalize_progbar(logs)

    def on_test_end(self, logs=None):
        if not self._called_in_fit:
            self._finalize_progbar(logs)

    def on_predict_end(self, logs=None):
        self._finalize_progbar(logs)

    def _reset_progbar(self):
        self.seen = 0
        self.progbar = None

    def _maybe_init_progbar(self):
        if self.progbar is None:
            self.progbar = Progbar(target=self.target, verbose=self.verbose, unit_name="step")

    def _update_progbar(self, batch, logs=None):
        self._maybe_init_progbar()
        self.seen = batch + 1  # One-based.
        if self.verbose == 1:
            self.progbar.update(self.seen, list((logs or {}).items()), finalize=False)

    def _finalize_progbar(self, logs):
        self._maybe_init_progbar()
        if self.target is None:
            self.target = self.seen
            self.progbar.target = self.target
        self.progbar.update(self.target, list((logs or {}).items()), finalize=True)
