"""``LSTMCell`` and ``LSTM`` (Hochreiter & Schmidhuber, 1997), Keras' gate order i, f, c, o."""

import jax
import jax.numpy as jnp

from lamina import activations, initializers
from lamina.layers.rnn.cell import RecurrentCell, check_implementation
from lamina.layers.rnn.cell_layer import CellLayer
from lamina.layers.rnn.recurrence import gates


class LSTMCell(RecurrentCell):
    """One LSTM step.

    Input ``(batch, features)`` and states ``[h, c]``, each ``(batch, units)`` →
    ``(h_new, [h_new, c_new])``. Weights: ``kernel (features, 4*units)``,
    ``recurrent_kernel (units, 4*units)``, ``bias (4*units,)``, gate blocks in the
    order input, forget, cell, output::

        i, f, g, o = split(x @ kernel + h @ recurrent_kernel + bias, 4)
        c_new = σ(f) * c + σ(i) * tanh(g);  h_new = σ(o) * tanh(c_new)

    (σ is ``recurrent_activation``, tanh is ``activation``).

    Args:
      units: positive int.
      activation: default ``"tanh"``; recurrent_activation: default ``"sigmoid"``.
      use_bias: default True.
      kernel_initializer, recurrent_initializer, bias_initializer: default
        ``"glorot_uniform"``, ``"orthogonal"``, ``"zeros"``.
      unit_forget_bias: add 1 to the forget gate's bias at initialization (default True).
      kernel_regularizer, recurrent_regularizer, bias_regularizer,
        kernel_constraint, recurrent_constraint, bias_constraint: default None.
      dropout, recurrent_dropout: fraction of the input / state units dropped
        (masks drawn once per sequence, one per gate when ``recurrent_dropout`` is
        set, as Keras) when ``training=True``; default 0.
      seed: int seed of the dropout masks (default None).

    Example::

        y = RNN(LSTMCell(8))(jnp.ones((2, 5, 3)))        # (2, 8)
    """

    gates = 4

    def __init__(
        self,
        units,
        activation="tanh",
        recurrent_activation="sigmoid",
        unit_forget_bias=True,
        implementation=2,
        **kwargs,
    ):
        super().__init__(units, activation=activation, **kwargs)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.unit_forget_bias = bool(unit_forget_bias)
        self.implementation = check_implementation(self, implementation)
        if self.recurrent_dropout:
            self.implementation = 1
        self.state_size = [self.units, self.units]
        self.output_size = self.units

    def _mask_count(self):
        return 4 if self.implementation == 1 else None

    def build(self, input_shape):
        self._add_kernels(input_shape[-1])
        forget = UnitForgetBias(self.bias_initializer, self.units)
        self._add_bias((4 * self.units,), forget if self.unit_forget_bias else None)

    def recurrent_step(self, projected, states, training=False):
        h, c = states[0], states[1]
        _, masks = self.dropout_masks(h.shape[0], training)
        z = gates(projected + self._masked_matmul(h, masks, self.recurrent_kernel.value))
        z_i, z_f, z_c, z_o = jnp.split(z, 4, axis=-1)
        gate = self.recurrent_activation
        c = gate(z_f) * c + gate(z_i) * self.activation(z_c)
        h = gate(z_o) * self.activation(c)
        return h, [h, c]

    def get_config(self):
        config = super().get_config()
        config["recurrent_activation"] = activations.serialize(self.recurrent_activation)
        config["unit_forget_bias"] = self.unit_forget_bias
        return config


class UnitForgetBias(initializers.Initializer):
    """``base`` for the i, c, o blocks of an LSTM bias and ones for the forget block."""

    def __init__(self, base, units):
        self.base = base
        self.units = units

    def sample(self, key, shape, dtype=None):
        u = self.units
        if key is not None and not jnp.issubdtype(jnp.asarray(key).dtype, jax.dtypes.prng_key):
            key = jax.random.wrap_key_data(jnp.asarray(key, jnp.uint32))
        keys = (None, None) if key is None else (key, jax.random.fold_in(key, 1))
        return jnp.concatenate(
            [
                _sample(self.base, keys[0], (u,), dtype),
                jnp.ones((u,), dtype),
                _sample(self.base, keys[1], (2 * u,), dtype),
            ]
        )


def _sample(initializer, key, shape, dtype):
    if key is None or not hasattr(initializer, "sample"):
        return jnp.asarray(initializer(shape, dtype=dtype), dtype)
    return jnp.asarray(initializer.sample(key, shape, dtype), dtype)


class LSTM(CellLayer):
    """Long Short-Term Memory over a sequence (``RNN(LSTMCell(units, ...))``).

    Input ``(batch, timesteps, features)``; output ``(batch, units)``, or ``(batch,
    timesteps, units)`` with ``return_sequences``; with ``return_state`` the tuple
    ``(output, h, c)``. Weights: those of :class:`LSTMCell`, under ``cell``.

    Args:
      units, activation, recurrent_activation, use_bias, kernel_initializer,
        recurrent_initializer, bias_initializer, unit_forget_bias, the
        regularizers and constraints, dropout, recurrent_dropout, seed: as
        :class:`LSTMCell`.
      activity_regularizer: penalty on the outputs (default None).
      return_sequences, return_state, go_backwards, stateful, unroll,
        zero_output_for_mask: as :class:`RNN` (all default False).
      use_cudnn: accepted for Keras compatibility ("auto", True, False); lamina
        always runs the XLA-compiled scan.

    The input half of the gates (``x @ kernel + bias``) is computed for all steps
    in one matmul before the time loop; only ``h @ recurrent_kernel`` runs per step.

    Example::

        seq, h, c = LSTM(32, return_sequences=True, return_state=True)(x)
    """

    cell_class = LSTMCell
    cell_name = "lstm_cell"

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", **kwargs):
        super().__init__(
            units=units,
            activation=activation,
            recurrent_activation=recurrent_activation,
            **kwargs,
        )
