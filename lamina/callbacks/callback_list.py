"""``CallbackList``: one object that forwards every hook to a list of callbacks."""

from lamina.callbacks._logs import flatten_logs
from lamina.callbacks.callback import Callback
from lamina.callbacks.history import History
from lamina.callbacks.progbar_logger import ProgbarLogger


def _flatten(callbacks):
    if callbacks is None:
        return []
    if isinstance(callbacks, list | tuple):
        return [c for item in callbacks for c in _flatten(item)]
    return [callbacks]


class CallbackList(Callback):
    """The callbacks of one ``fit``/``evaluate``/``predict`` call, driven as one.

    Each hook is forwarded to every callback in order, all of them seeing the same
    new ``logs`` dict (nested dicts flattened, keys sorted, values left on the
    device; a callback may add entries, such as ``learning_rate``, for the ones
    after it).

    Args:
      callbacks: a ``Callback`` or a (nested) list of them; None for none.
      add_history: append a ``History`` unless one is in ``callbacks`` (default False).
      add_progbar: append a ``ProgbarLogger`` unless one is in ``callbacks`` (default False).
      model: passed to ``set_model`` when given; ``model.history`` becomes the ``History``.
      **params: passed to every callback's ``set_params`` when any are given
        (``epochs``, ``steps``, ``verbose``).

    Example::

        callbacks = CallbackList([EarlyStopping()], add_history=True, add_progbar=True,
                                 model=model, epochs=10, steps=157, verbose=1)
        callbacks.on_train_begin()
    """

    def __init__(self, callbacks=None, add_history=False, add_progbar=False, model=None, **params):
        self.callbacks = _flatten(callbacks)
        self._history = next((c for c in self.callbacks if isinstance(c, History)), None)
        self._progbar = next((c for c in self.callbacks if isinstance(c, ProgbarLogger)), None)
        if self._history is None and add_history:
            self._history = History()
            self.callbacks.append(self._history)
        if self._progbar is None and add_progbar:
            self._progbar = ProgbarLogger()
            self.callbacks.append(self._progbar)
        self.set_model(model)
        self.set_params(params)

    def set_params(self, params):
        self.params = params
        if params:
            for callback in self.callbacks:
                callback.set_params(params)

    def set_model(self, model):
        if model is None:
            return
        self.model = model
        if self._history is not None:
            model.history = self._history
        for callback in self.callbacks:
            callback.set_model(model)

    def on_batch_begin(self, batch, logs=None):
        logs = flatten_logs(logs)
        for callback in self.callbacks:
            callback.on_batch_begin(batch, logs=logs)

    def on_batch_end(self, batch, logs=None):
        logs = flatten_logs(logs)
        for callback in self.callbacks:
            callback.on_batch_end(batch, logs=logs)

    def on_epoch_begin(self, epoch, logs=None):
        logs = flatten_logs(logs)
        for callback in self.callbacks:
            callback.on_epoch_begin(epoch, logs)

    def on_epoch_end(self, epoch, logs=None):
        logs = flatten_logs(logs)
        for callback in self.callbacks:
            callback.on_epoch_end(epoch, logs)

    def on_train_batch_begin(self, batch, logs=None):
        logs = flatten_logs(logs)
        for callback in self.callbacks:
            callback.on_train_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch, logs=None):
        logs = flatten_logs(logs)
        for callback in self.callbacks:
            callback.on_train_batch_end(batch, logs=logs)

    def on_test_batch_begin(self, batch, logs=None):
        logs = flatten_logs(logs)
        for callback in self.callbacks:
            callback.on_test_batch_begin(batch, logs=logs)

    def on_test_batch_end(self, batch, logs=None):
        logs = flatten_logs(logs)
        for callback in self.callbacks:
            callback.on_test_batch_end(batch, logs=logs)

    def on_predict_batch_begin(self, batch, logs=None):
        logs = flatten_logs(logs)
        for callback in self.callbacks:
            callback.on_predict_batch_begin(batch, logs=logs)

    def on_predict_batch_end(self, batch, logs=None):
        logs = flatten_logs(logs)
        for callback in self.callbacks:
            callback.on_predict_batch_end(batch, logs=logs)

    def on_train_begin(self, logs=None):
        logs = flatten_logs(logs)
        for callback in self.callbacks:
            callback.on_train_begin(logs)

    def on_train_end(self, logs=None):
        logs = flatten_logs(logs)
        for callback in self.callbacks:
            callback.on_train_end(logs)

    def on_test_begin(self, logs=None):
        logs = flatten_logs(logs)
        for callback in self.callbacks:
            callback.on_test_begin(logs)

    def on_test_end(self, logs=None):
        logs = flatten_logs(logs)
        for callback in self.callbacks:
            callback.on_test_end(logs)

    def on_predict_begin(self, logs=None):
        logs = flatten_logs(logs)
        for callback in self.callbacks:
            callback.on_predict_begin(logs)

    def on_predict_end(self, logs=None):
        logs = flatten_logs(logs)
        for callback in self.callbacks:
            callback.on_predict_end(logs)
