"""``Callback``: the hooks ``fit``, ``evaluate`` and ``predict`` call, all doing nothing."""


class Callback:
    """Base class of the objects that hook into training, evaluation and prediction.

    Subclass it and override the hooks you need; every hook does nothing by default.
    The loop calls ``set_model`` and ``set_params`` first, so inside a hook:

    * ``self.model`` is the model being trained: ``model.stop_training = True`` ends
      ``fit`` after the current block of steps or epoch; ``model.optimizer.learning_rate``
      (a Python float) can be read and set; ``model.get_weights()`` /
      ``model.set_weights(arrays)`` copy the weights out and in.
    * ``self.params`` is a dict with ``epochs``, ``steps`` (per epoch, None if
      unknown) and ``verbose``; None before ``set_params``.

    ``logs`` is a dict of the current losses and metrics (running means over the
    epoch at batch ends, the epoch's results at epoch end, with ``val_``-prefixed
    validation results). Its values may be **JAX scalar arrays** still on the
    device: call ``float(value)`` only where you need the number, since it waits
    for the device.

    The loop may run several steps per call (``steps_per_execution``) and call the
    batch hooks once per block: ``batch`` is then the index of the block's last step.

    ``on_train_batch_begin``/``end`` also call Keras' older names ``on_batch_begin``/
    ``end``, so overriding either works.

    Example::

        class PrintLoss(Callback):
            def on_epoch_end(self, epoch, logs=None):
                print(f"epoch {epoch}: loss {float(logs['loss']):.4f}")
    """

    model = None
    params = None

    def set_params(self, params):
        """Store ``params`` (``{"epochs", "steps", "verbose"}``) as ``self.params``."""
        self.params = params

    def set_model(self, model):
        """Store ``model`` as ``self.model``."""
        self.model = model

    # Keras' older names for the training batch hooks.
    def on_batch_begin(self, batch, logs=None):
        """Alias of ``on_train_batch_begin`` (called by it)."""

    def on_batch_end(self, batch, logs=None):
        """Alias of ``on_train_batch_end`` (called by it)."""

    def on_epoch_begin(self, epoch, logs=None):
        """At the start of epoch ``epoch`` (0-based) of ``fit``; ``logs`` is empty."""

    def on_epoch_end(self, epoch, logs=None):
        """At the end of epoch ``epoch``; ``logs`` has the epoch's and validation results."""

    def on_train_batch_begin(self, batch, logs=None):
        """Before training step (or block of steps) ``batch``; ``logs`` is empty."""
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch, logs=None):
        """After training step ``batch`` (a block's last step); ``logs`` has running means."""
        self.on_batch_end(batch, logs=logs)

    def on_test_batch_begin(self, batch, logs=None):
        """Before evaluation step ``batch`` (in ``evaluate`` and ``fit``'s validation)."""

    def on_test_batch_end(self, batch, logs=None):
        """After evaluation step ``batch``; ``logs`` has running means."""

    def on_predict_batch_begin(self, batch, logs=None):
        """Before prediction step ``batch``."""

    def on_predict_batch_end(self, batch, logs=None):
        """After prediction step ``batch``; ``logs["outputs"]`` may hold the batch's outputs."""

    def on_train_begin(self, logs=None):
        """At the start of ``fit``."""

    def on_train_end(self, logs=None):
        """At the end of ``fit``; ``logs`` has the last epoch's results."""

    def on_test_begin(self, logs=None):
        """At the start of ``evaluate`` or of ``fit``'s validation."""

    def on_test_end(self, logs=None):
        """At the end of ``evaluate`` or of ``fit``'s validation; ``logs`` has the results."""

    def on_predict_begin(self, logs=None):
        """At the start of ``predict``."""

    def on_predict_end(self, logs=None):
        """At the end of ``predict``."""
