"""``LambdaCallback``: a callback made of plain functions."""

from lamina.callbacks.callback import Callback


class LambdaCallback(Callback):
    """A callback whose hooks are the functions given (the others do nothing).

    ``on_epoch_begin``/``on_epoch_end`` take ``(epoch, logs)``; ``on_train_begin``/
    ``on_train_end`` take ``(logs)``; ``on_train_batch_begin``/``on_train_batch_end``
    take ``(batch, logs)``. Any other keyword (``on_test_end=f``, ...) is set as an
    attribute, so it replaces that hook too, as in Keras.

    Example::

        LambdaCallback(on_epoch_end=lambda epoch, logs: print(epoch, float(logs["loss"])))
    """

    def __init__(
        self,
        on_epoch_begin=None,
        on_epoch_end=None,
        on_train_begin=None,
        on_train_end=None,
        on_train_batch_begin=None,
        on_train_batch_end=None,
        **kwargs,
    ):
        self.__dict__.update(kwargs)
        hooks = {
            "on_epoch_begin": on_epoch_begin,
            "on_epoch_end": on_epoch_end,
            "on_train_begin": on_train_begin,
            "on_train_end": on_train_end,
            "on_train_batch_begin": on_train_batch_begin,
            "on_train_batch_end": on_train_batch_end,
        }
        for name, function in hooks.items():
            if function is not None:
                setattr(self, name, function)
