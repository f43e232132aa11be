"""``CellLayer``: an ``RNN`` that owns one built-in cell (``SimpleRNN``, ``LSTM``, ``GRU``).

The layer takes the cell's arguments and the ``RNN`` arguments in one flat
signature (Keras' API), builds its cell from them, reads the cell's settings
through (``layer.units`` is ``layer.cell.units``), and saves one flat config.
"""

import functools
import inspect

from lamina import regularizers
from lamina.core.layer import Layer
from lamina.layers.rnn.cell import (
    RecurrentCell,
    base_config,
    check_implementation,
    check_rate,
    check_units,
)
from lamina.layers.rnn.rnn import RNN

_RECURRENCE_ARGS = (
    "return_sequences",
    "return_state",
    "go_backwards",
    "stateful",
    "unroll",
    "zero_output_for_mask",
)


class CellLayer(RNN):
    """Base of ``SimpleRNN``, ``LSTM`` and ``GRU``: set ``cell_class`` and ``cell_name``."""

    cell_class = RecurrentCell
    cell_name = "cell"
    _input_ndim = 3

    def __init__(self, activity_regularizer=None, use_cudnn="auto", **kwargs):
        cell_args = _parameters(self.cell_class) | _parameters(RecurrentCell)
        cell_kwargs = {k: kwargs.pop(k) for k in list(kwargs) if k in cell_args}
        rnn_kwargs = {k: kwargs.pop(k) for k in _RECURRENCE_ARGS if k in kwargs}
        Layer.__init__(self, activity_regularizer=activity_regularizer, **kwargs)
        check_units(self, cell_kwargs.get("units"))
        for rate in ("dropout", "recurrent_dropout"):
            if rate in cell_kwargs:
                check_rate(self, rate, cell_kwargs[rate])
        if "implementation" in cell_kwargs:
            check_implementation(self, cell_kwargs["implementation"])
        if use_cudnn not in ("auto", True, False):
            raise ValueError(
                f"{type(self).__name__} '{self.name}': `use_cudnn` must be 'auto', True or"
                f" False, received use_cudnn={use_cudnn!r}."
            )
        # XLA compiles the scan on every platform; cuDNN is never called.
        self.use_cudnn = use_cudnn
        cell = self.cell_class(
            name=self.cell_name, dtype=self.dtype_policy, trainable=self.trainable, **cell_kwargs
        )
        self._set_recurrence(cell, **rnn_kwargs)

    def __getattr__(self, name):
        # Only reached when normal lookup fails: the cell's settings read through.
        cell = self.__dict__.get("cell")
        if cell is not None and name in _parameters(self.cell_class) | _parameters(RecurrentCell):
            return getattr(cell, name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def get_config(self):
        cell = {
            k: v
            for k, v in self.cell.get_config().items()
            if k not in ("name", "trainable", "dtype")
        }
        return {
            **base_config(self),
            **self._recurrence_config(),
            **cell,
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return cls(**config)


@functools.cache
def _parameters(cls) -> frozenset:
    return frozenset(
        name
        for name, p in inspect.signature(cls.__init__).parameters.items()
        if name != "self" and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
    )
