"""``TerminateOnNaN``: stop training at the first NaN or infinite loss."""

import numpy as np

from lamina.callbacks._logs import print_msg
from lamina.callbacks.callback import Callback


class TerminateOnNaN(Callback):
    """Stops training when ``logs["loss"]`` at a batch end is NaN or infinite.

    As in Keras it checks at every batch end the loop reports (each block of
    steps), reading the loss from the device there: that wait is the price of
    stopping promptly. On a bad loss it prints ``Batch 12: Invalid loss,
    terminating training`` and sets ``model.stop_training = True``, or with
    ``raise_error=True`` raises ``RuntimeError`` at once.

    Example: ``model.fit(x, y, callbacks=[TerminateOnNaN()])``.
    """

    def __init__(self, raise_error=False):
        self.raise_error = raise_error

    def on_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is None or np.all(np.isfinite(np.asarray(loss))):
            return
        if self.raise_error:
            raise RuntimeError(
                f"NaN or Inf loss encountered at batch {batch}. "
                f"Loss value: {loss}. Terminating training immediately."
            )
        print_msg(f"Batch {batch}: Invalid loss, terminating training")
        self.model.stop_training = True
