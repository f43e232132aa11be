"""``RecurrentCell``: what the built-in cells share (weights' arguments, dropout masks).

A built-in cell splits one step into two halves so that ``RNN`` can move the first
out of its time loop:

* ``input_projection(inputs, training)``: ``inputs @ kernel (+ input bias)``, with
  input dropout; it takes any leading shape, so ``RNN`` applies it to the whole
  sequence at once (one large matmul instead of one per step);
* ``recurrent_step(projected, states, training)``: the recurrence proper.

``call(inputs, states, training=False)`` is the two halves in turn: the Keras cell
protocol, for cells used on their own or stacked.

Dropout masks are drawn once per sequence (Keras' rule: the same units are dropped
at every step). Inside ``RNN`` they are drawn before the time loop, in
:func:`fixed_dropout_masks`, because a draw advances the seed generator's state and
state cannot be written from inside a ``lax.scan`` body.
"""

import contextlib
import inspect
import numbers

import jax.numpy as jnp

from lamina import activations, constraints, initializers, random, regularizers
from lamina.core.call_signature import call_signature
from lamina.core.layer import Layer


def check_units(owner, units) -> int:
    """``units`` if it is a positive int; else a ValueError naming ``owner``."""
    if not isinstance(units, int) or isinstance(units, bool) or units <= 0:
        raise ValueError(
            f"{type(owner).__name__} '{owner.name}': `units` must be a positive int,"
            f" received units={units!r}."
        )
    return units


def check_rate(owner, name, value) -> float:
    """A dropout rate clipped to [0, 1] as Keras does; non-numbers are refused."""
    if not isinstance(value, numbers.Real) or isinstance(value, bool):
        raise ValueError(
            f"{type(owner).__name__} '{owner.name}': `{name}` must be a float in [0, 1],"
            f" received {name}={value!r}."
        )
    return min(1.0, max(0.0, float(value)))


def check_implementation(owner, implementation) -> int:
    """Keras' ``implementation`` (1: per-gate matmuls and masks, 2: fused)."""
    if implementation not in (1, 2) or isinstance(implementation, bool):
        raise ValueError(
            f"{type(owner).__name__} '{owner.name}': `implementation` must be 1 or 2,"
            f" received implementation={implementation!r}."
        )
    return implementation


def takes_training(cell) -> bool:
    """Whether ``cell.call`` accepts ``training``."""
    if isinstance(cell, Layer):
        return call_signature(type(cell)).has_training
    return "training" in inspect.signature(cell.call).parameters


def base_config(layer) -> dict:
    """``name``, ``trainable`` and ``dtype``: the keys Keras' ``Layer.get_config`` gives."""
    return {"name": layer.name, "trainable": layer.trainable, "dtype": layer.dtype_policy.name}


class RecurrentCell(Layer):
    """Base of ``SimpleRNNCell``, ``LSTMCell`` and ``GRUCell`` (not used directly).

    Subclasses set ``state_size``, ``output_size`` and ``gates`` (how many blocks of
    ``units`` the kernels hold), create ``kernel``, ``recurrent_kernel`` and ``bias`` in
    ``build``, and define ``input_projection`` and ``recurrent_step``.
    """

    gates = 1

    def __init__(
        self,
        units,
        activation="tanh",
        use_bias=True,
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        bias_initializer="zeros",
        kernel_regularizer=None,
        recurrent_regularizer=None,
        bias_regularizer=None,
        kernel_constraint=None,
        recurrent_constraint=None,
        bias_constraint=None,
        dropout=0.0,
        recurrent_dropout=0.0,
        seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.units = check_units(self, units)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.dropout = check_rate(self, "dropout", dropout)
        self.recurrent_dropout = check_rate(self, "recurrent_dropout", recurrent_dropout)
        self.seed = seed
        self.seed_generator = random.SeedGenerator(seed)

    # ------------------------------------------------------------ weights
    def _add_kernels(self, input_dim):
        width = self.gates * self.units
        self.kernel = self.add_weight(
            name="kernel",
            shape=(input_dim, width),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self.recurrent_kernel = self.add_weight(
            name="recurrent_kernel",
            shape=(self.units, width),
            initializer=self.recurrent_initializer,
            regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint,
        )

    def _add_bias(self, shape, initializer=None):
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias",
                shape=shape,
                initializer=initializer or self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )

    # ------------------------------------------------------------ dropout
    def _mask_count(self):
        """None: one mask shared by all gates; else one mask per gate (Keras'
        ``implementation=1``, which recurrent dropout selects)."""
        return None

    def dropout_masks(self, batch_size, training):
        """``(input_masks, recurrent_masks)`` for this sequence: each None, a
        ``(batch, dim)`` array of 0 and ``1/(1-rate)``, or a tuple of one per gate."""
        fixed = getattr(self, "_fixed_dropout_masks", None)
        if fixed is not None:
            return fixed
        return self._draw_dropout_masks(batch_size, training)

    def _draw_dropout_masks(self, batch_size, training):
        if not training:
            return None, None
        return (
            self._draw_mask(batch_size, self.kernel.shape[0], self.dropout),
            self._draw_mask(batch_size, self.units, self.recurrent_dropout),
        )

    def _draw_mask(self, batch_size, dim, rate):
        if not 0.0 < rate < 1.0:
            return None
        ones = jnp.ones((batch_size, dim), self.compute_dtype)
        count = self._mask_count()
        if count is None:
            return random.dropout(ones, rate, seed=self.seed_generator)
        return tuple(random.dropout(ones, rate, seed=self.seed_generator) for _ in range(count))

    def _masked_matmul(self, x, masks, weight):
        """``x @ weight``, with ``x`` dropped out by ``masks`` (None, one, or one per gate)."""
        if masks is None:
            return jnp.matmul(x, weight)
        if not isinstance(masks, tuple):
            return jnp.matmul(x * masks, weight)
        blocks = jnp.split(weight, len(masks), axis=-1)
        return jnp.concatenate([jnp.matmul(x * m, w) for m, w in zip(masks, blocks)], axis=-1)

    # ---------------------------------------------------------------- call
    def input_projection(self, inputs, training=False):
        """``inputs @ kernel + bias`` (input dropout applied), for any leading shape."""
        masks, _ = self.dropout_masks(inputs.shape[-2], training)
        z = self._masked_matmul(inputs, masks, self.kernel.value)
        return z if self.bias is None else z + self.bias.value

    def call(self, inputs, states, training=False):
        projected = self.input_projection(inputs, training)
        return self.recurrent_step(projected, states, training)

    def get_initial_state(self, batch_size=None):
        """Zeros, one ``(batch_size, size)`` array per entry of ``state_size``."""
        sizes = self.state_size if isinstance(self.state_size, list) else [self.state_size]
        return [jnp.zeros((batch_size, size), self.compute_dtype) for size in sizes]

    def _weights_config(self) -> dict:
        return {
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "recurrent_regularizer": regularizers.serialize(self.recurrent_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "recurrent_constraint": constraints.serialize(self.recurrent_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "dropout": self.dropout,
            "recurrent_dropout": self.recurrent_dropout,
            "seed": self.seed,
        }

    def get_config(self):
        return {**base_config(self), **self._weights_config()}


@contextlib.contextmanager
def fixed_dropout_masks(cell, batch_size, training):
    """Within the block, ``cell`` (and each cell of a stack) reuses one set of
    dropout masks, drawn here, outside any time loop."""
    cells = [c for c in getattr(cell, "cells", [cell]) if isinstance(c, RecurrentCell)]
    for c in cells:
        object.__setattr__(c, "_fixed_dropout_masks", c._draw_dropout_masks(batch_size, training))
    try:
        yield
    finally:
        for c in cells:
            object.__setattr__(c, "_fixed_dropout_masks", None)
