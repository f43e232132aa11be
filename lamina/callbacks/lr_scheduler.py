"""``LearningRateScheduler``: set the learning rate from a function of the epoch."""

import inspect

import numpy as np

from lamina.callbacks._logs import print_msg
from lamina.callbacks.callback import Callback


def _takes_two_arguments(schedule):
    try:
        inspect.signature(schedule).bind(0, 0.0)
    except TypeError:
        return False
    except ValueError:  # No signature to inspect (some builtins): assume the new form.
        return True
    return True


def _is_float(value):
    """A Python/NumPy float, or a 0-d floating JAX/NumPy array (an optax schedule's output)."""
    if isinstance(value, float | np.floating):
        return True
    dtype, shape = getattr(value, "dtype", None), getattr(value, "shape", None)
    return shape == () and dtype is not None and np.issubdtype(dtype, np.floating)


class LearningRateScheduler(Callback):
    """Sets ``model.optimizer.learning_rate = schedule(epoch, lr)`` before each epoch.

    ``schedule(epoch, lr)`` gets the 0-based epoch and the current rate (a Python
    float) and returns the new rate as a float; Keras' older one-argument form
    ``schedule(epoch)`` works too, so an optax schedule can serve as it is. The
    result must be a float, a NumPy float or a 0-d floating array (stored as a
    Python float); anything else is a ``ValueError``. At each epoch end the rate is written into
    ``logs["learning_rate"]``, so ``History`` and ``CSVLogger`` record it.

    Args:
      schedule: the function above.
      verbose: 1 prints each new rate (default 0).

    Example::

        def schedule(epoch, lr):
            return lr if epoch < 10 else lr * 0.9

        model.fit(x, y, epochs=15, callbacks=[LearningRateScheduler(schedule)])
    """

    def __init__(self, schedule, verbose=0):
        self.schedule = schedule
        self.verbose = verbose

    def on_epoch_begin(self, epoch, logs=None):
        optimizer = self.model.optimizer
        if not hasattr(optimizer, "learning_rate"):
            raise ValueError(
                "LearningRateScheduler: the model's optimizer must have a `learning_rate` "
                f"attribute; {type(optimizer).__name__} has none."
            )
        if _takes_two_arguments(self.schedule):
            learning_rate = self.schedule(epoch, float(optimizer.learning_rate))
        else:
            learning_rate = self.schedule(epoch)
        if not _is_float(learning_rate):
            raise ValueError(
                f"The output of the `schedule` function should be a float. Got: {learning_rate!r}"
            )
        optimizer.learning_rate = float(learning_rate)
        if self.verbose > 0:
            print_msg(
                f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to "
                f"{learning_rate}."
            )

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = float(self.model.optimizer.learning_rate)
