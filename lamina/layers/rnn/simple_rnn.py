"""``SimpleRNNCell`` and ``SimpleRNN``: ``h_t = activation(x_t @ W + h_{t-1} @ U + b)``."""

from lamina.layers.rnn.cell import RecurrentCell
from lamina.layers.rnn.cell_layer import CellLayer
from lamina.layers.rnn.recurrence import gates


class SimpleRNNCell(RecurrentCell):
    """One step of a fully connected RNN whose output is fed back as its state.

    Input ``(batch, features)`` and states ``[h]`` with ``h`` ``(batch, units)`` →
    ``(h_new, [h_new])``. Weights: ``kernel (features, units)``, ``recurrent_kernel
    (units, units)``, ``bias (units,)``.

    Args:
      units: positive int, the size of the output and state.
      activation: default ``"tanh"`` (None: linear).
      use_bias: default True.
      kernel_initializer, recurrent_initializer, bias_initializer: default
        ``"glorot_uniform"``, ``"orthogonal"``, ``"zeros"``.
      kernel_regularizer, recurrent_regularizer, bias_regularizer: default None.
      kernel_constraint, recurrent_constraint, bias_constraint: default None.
      dropout, recurrent_dropout: fraction of input / state units dropped (one mask
        per sequence) when ``training=True``; default 0.
      seed: int seed of the dropout masks (default None).

    Example::

        rnn = RNN(SimpleRNNCell(8), return_sequences=True)
        y = rnn(jnp.ones((4, 10, 3)))          # (4, 10, 8)
    """

    def __init__(self, units, activation="tanh", **kwargs):
        super().__init__(units, activation=activation, **kwargs)
        self.state_size = self.units
        self.output_size = self.units

    def build(self, input_shape):
        self._add_kernels(input_shape[-1])
        self._add_bias((self.units,))

    def recurrent_step(self, projected, states, training=False):
        nested = isinstance(states, list | tuple)
        h = states[0] if nested else states
        _, masks = self.dropout_masks(h.shape[0], training)
        z = gates(projected + self._masked_matmul(h, masks, self.recurrent_kernel.value))
        out = self.activation(z)
        return out, [out] if nested else out


class SimpleRNN(CellLayer):
    """A fully connected RNN over a sequence (``RNN(SimpleRNNCell(units, ...))``).

    Input ``(batch, timesteps, features)``; output ``(batch, units)``, or ``(batch,
    timesteps, units)`` with ``return_sequences``; with ``return_state`` also the
    final state ``(batch, units)``. Weights: those of :class:`SimpleRNNCell`.

    Args:
      units, activation, use_bias, initializers, regularizers, constraints,
        dropout, recurrent_dropout, seed: as :class:`SimpleRNNCell`.
      activity_regularizer: penalty on the outputs (default None).
      return_sequences, return_state, go_backwards, stateful, unroll,
        zero_output_for_mask: as :class:`RNN` (all default False).

    Example::

        y = SimpleRNN(16)(jnp.ones((2, 5, 3)))          # (2, 16)
    """

    cell_class = SimpleRNNCell
    cell_name = "simple_rnn_cell"

    def __init__(self, units, activation="tanh", use_bias=True, **kwargs):
        super().__init__(units=units, activation=activation, use_bias=use_bias, **kwargs)
