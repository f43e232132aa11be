"""``History``: every epoch's logs, as floats, in ``model.history``."""

from lamina.callbacks._logs import as_float
from lamina.callbacks.callback import Callback


class History(Callback):
    """Records each epoch's logs; ``fit`` adds one and returns it.

    ``history.history`` maps each log name to a list with one Python float per
    epoch (device arrays are read at epoch end; a value that is not a scalar is
    kept as it is), and ``history.epoch`` lists the epoch indices. After every
    epoch ``model.history`` is this object. As in Keras, ``on_train_begin``
    resets ``epoch`` but not ``history``, so a reused ``History`` accumulates.

    Example::

        history = model.fit(x, y, epochs=3)
        history.history["loss"]   # [0.71, 0.42, 0.30]
    """

    def __init__(self):
        self.history = {}
        self.epoch = []

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(as_float(value))
        if self.model is not None:
            self.model.history = self
