"""``StackedRNNCells``: several cells run as one, each feeding the next."""

import jax.numpy as jnp

from lamina.core.layer import Layer
from lamina.layers import serialization
from lamina.layers.rnn.cell import base_config, takes_training


class StackedRNNCells(Layer):
    """Cells stacked in one time step: cell ``k``'s output is cell ``k+1``'s input.

    Input ``(batch, features)`` and states ``[states_0, states_1, ...]`` (one entry
    per cell, in that cell's own structure) → ``(output of the last cell,
    new states)``. ``RNN([cell_a, cell_b])`` builds one for you.

    Args:
      cells: a list of cells (objects with ``call(inputs, states)`` and ``state_size``).

    Example::

        stack = StackedRNNCells([LSTMCell(8), GRUCell(4)])
        y = RNN(stack)(jnp.ones((2, 5, 3)))        # (2, 4)
    """

    def __init__(self, cells, **kwargs):
        super().__init__(**kwargs)
        cells = list(cells)
        for cell in cells:
            if (
                not callable(getattr(cell, "call", None))
                or getattr(cell, "state_size", None) is None
            ):
                raise ValueError(
                    f"StackedRNNCells '{self.name}': every cell needs a `call` method and a"
                    f" `state_size` attribute, received {cell!r}."
                )
        if not cells:
            raise ValueError(f"StackedRNNCells '{self.name}': `cells` must not be empty.")
        self.cells = cells

    @property
    def state_size(self):
        return [cell.state_size for cell in self.cells]

    @property
    def output_size(self):
        last = self.cells[-1]
        if getattr(last, "output_size", None) is not None:
            return last.output_size
        size = last.state_size
        return size[0] if isinstance(size, list | tuple) else size

    def get_initial_state(self, batch_size=None):
        """One entry per cell: its ``get_initial_state``, else zeros of its state sizes."""
        states = []
        for cell in self.cells:
            fn = getattr(cell, "get_initial_state", None)
            if fn is not None:
                states.append(fn(batch_size=batch_size))
                continue
            dtype = getattr(cell, "compute_dtype", self.compute_dtype)
            if isinstance(cell.state_size, int):
                states.append(jnp.zeros((batch_size, cell.state_size), dtype))
            else:
                states.append([jnp.zeros((batch_size, d), dtype) for d in cell.state_size])
        return states

    def build(self, input_shape):
        shape = tuple(input_shape)
        for cell in self.cells:
            if isinstance(cell, Layer) and not cell.built:
                cell.build(shape)
                cell.built = True
            size = getattr(cell, "output_size", None)
            if size is None:
                size = cell.state_size[0] if isinstance(cell.state_size, list) else cell.state_size
            shape = (shape[0], size)

    def call(self, inputs, states, training=False):
        new_states = []
        for cell, cell_states in zip(self.cells, states):
            nested = isinstance(cell_states, list | tuple)
            cell_states = list(cell_states) if nested else [cell_states]
            kwargs = {"training": training} if takes_training(cell) else {}
            run = cell if isinstance(cell, Layer) else cell.call
            inputs, cell_states = run(inputs, cell_states, **kwargs)
            if not isinstance(cell_states, list | tuple):
                cell_states = [cell_states]
            new_states.append(list(cell_states) if nested else cell_states[0])
        return inputs, new_states

    def get_config(self):
        return {**base_config(self), "cells": [serialization.serialize(c) for c in self.cells]}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        cells = [serialization.deserialize(c, custom_objects) for c in config.pop("cells")]
        return cls(cells, **config)
