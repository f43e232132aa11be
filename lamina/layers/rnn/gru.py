"""``GRUCell`` and ``GRU`` (Cho et al., 2014), Keras' gate order z, r, h."""

import jax.numpy as jnp

from lamina import activations
from lamina.layers.rnn.cell import RecurrentCell, check_implementation
from lamina.layers.rnn.cell_layer import CellLayer
from lamina.layers.rnn.recurrence import gates


class GRUCell(RecurrentCell):
    """One GRU step.

    Input ``(batch, features)`` and state ``h`` (or ``[h]``), ``(batch, units)`` →
    ``(h_new, h_new)`` (or ``[h_new]``). Weights: ``kernel (features, 3*units)``,
    ``recurrent_kernel (units, 3*units)``, blocks in the order update (z), reset (r),
    candidate (h); ``bias`` ``(2, 3*units)`` (input and recurrent biases) with
    ``reset_after=True``, else ``(3*units,)``::

        z = σ(x W_z + h U_z + b_z);  r = σ(x W_r + h U_r + b_r)
        reset_after:  h̃ = tanh(x W_h + b_h + r * (h U_h + b'_h))
        otherwise:    h̃ = tanh(x W_h + b_h + (r * h) U_h)
        h_new = z * h + (1 - z) * h̃

    Args:
      units: positive int.
      activation: default ``"tanh"``; recurrent_activation: default ``"sigmoid"``.
      use_bias: default True.
      kernel_initializer, recurrent_initializer, bias_initializer: default
        ``"glorot_uniform"``, ``"orthogonal"``, ``"zeros"``.
      kernel_regularizer, recurrent_regularizer, bias_regularizer,
        kernel_constraint, recurrent_constraint, bias_constraint: default None.
      dropout, recurrent_dropout: as :class:`LSTMCell` (one mask per gate with
        ``recurrent_dropout``); default 0.
      reset_after: apply the reset gate after the recurrent matmul (default True,
        the cuDNN-compatible variant).
      seed: int seed of the dropout masks (default None).

    Example::

        y = RNN(GRUCell(8), return_sequences=True)(jnp.ones((2, 5, 3)))   # (2, 5, 8)
    """

    gates = 3

    def __init__(
        self,
        units,
        activation="tanh",
        recurrent_activation="sigmoid",
        reset_after=True,
        implementation=2,
        **kwargs,
    ):
        super().__init__(units, activation=activation, **kwargs)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.reset_after = bool(reset_after)
        self.implementation = check_implementation(self, implementation)
        if self.recurrent_dropout:
            self.implementation = 1
        self.state_size = self.units
        self.output_size = self.units

    def _mask_count(self):
        return 3 if self.implementation == 1 else None

    def build(self, input_shape):
        self._add_kernels(input_shape[-1])
        self._add_bias((2, 3 * self.units) if self.reset_after else (3 * self.units,))

    def input_projection(self, inputs, training=False):
        masks, _ = self.dropout_masks(inputs.shape[-2], training)
        z = self._masked_matmul(inputs, masks, self.kernel.value)
        if self.bias is None:
            return z
        return z + (self.bias.value[0] if self.reset_after else self.bias.value)

    def recurrent_step(self, projected, states, training=False):
        nested = isinstance(states, list | tuple)
        h = states[0] if nested else states
        _, masks = self.dropout_masks(h.shape[0], training)
        u = self.units
        kernel = self.recurrent_kernel.value
        x_z, x_r, x_h = jnp.split(gates(projected), 3, axis=-1)
        gate = self.recurrent_activation
        if self.reset_after:
            inner = self._masked_matmul(h, masks, kernel)
            if self.bias is not None:
                inner = inner + self.bias.value[1]
            h_z, h_r, h_h = jnp.split(gates(inner), 3, axis=-1)
            z, r = gate(x_z + h_z), gate(x_r + h_r)
            candidate = self.activation(x_h + r * h_h)
        else:
            hs = (h, h, h) if masks is None else tuple(h * m for m in masks)
            if masks is None:
                h_z, h_r = jnp.split(jnp.matmul(h, kernel[:, : 2 * u]), 2, axis=-1)
            else:
                h_z, h_r = jnp.matmul(hs[0], kernel[:, :u]), jnp.matmul(hs[1], kernel[:, u : 2 * u])
            h_z, h_r = gates(h_z), gates(h_r)
            z, r = gate(x_z + h_z), gate(x_r + h_r)
            candidate = self.activation(x_h + gates(jnp.matmul(r * hs[2], kernel[:, 2 * u :])))
        h = z * h + (1.0 - z) * candidate
        return h, [h] if nested else h

    def get_config(self):
        config = super().get_config()
        config["recurrent_activation"] = activations.serialize(self.recurrent_activation)
        config["reset_after"] = self.reset_after
        return config


class GRU(CellLayer):
    """Gated Recurrent Unit over a sequence (``RNN(GRUCell(units, ...))``).

    Input ``(batch, timesteps, features)``; output ``(batch, units)``, or ``(batch,
    timesteps, units)`` with ``return_sequences``; with ``return_state`` the tuple
    ``(output, h)``. Weights: those of :class:`GRUCell`, under ``cell``.

    Args:
      units, activation, recurrent_activation, use_bias, initializers,
        regularizers, constraints, dropout, recurrent_dropout, reset_after, seed:
        as :class:`GRUCell`.
      activity_regularizer: penalty on the outputs (default None).
      return_sequences, return_state, go_backwards, stateful, unroll,
        zero_output_for_mask: as :class:`RNN` (all default False).
      use_cudnn: accepted for Keras compatibility; the XLA scan always runs.

    Example::

        y = GRU(16, reset_after=False)(jnp.ones((2, 5, 3)))    # (2, 16)
    """

    cell_class = GRUCell
    cell_name = "gru_cell"

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", **kwargs):
        super().__init__(
            units=units,
            activation=activation,
            recurrent_activation=recurrent_activation,
            **kwargs,
        )
