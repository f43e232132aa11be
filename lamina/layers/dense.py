"""``Dense``: ``activation(inputs @ kernel + bias)`` over the last axis."""

import jax.numpy as jnp

from lamina import activations, constraints, initializers, regularizers
from lamina.core.input_spec import InputSpec
from lamina.core.layer import Layer


class Dense(Layer):
    """A densely connected layer: ``activation(dot(inputs, kernel) + bias)``.

    Input ``(..., input_dim)`` → output ``(..., units)``; rank ≥ 2. ``kernel`` has
    shape ``(input_dim, units)``, ``bias`` ``(units,)``.

    Args:
      units: positive int, the output size.
      activation: name or callable (None: linear).
      use_bias: add ``bias`` (default True).
      kernel_initializer, bias_initializer: default ``"glorot_uniform"``, ``"zeros"``.
      kernel_regularizer, bias_regularizer, activity_regularizer: penalties in ``losses``.
      kernel_constraint, bias_constraint: projections applied after optimizer updates.

    Example::

        layer = Dense(32, activation="relu", kernel_regularizer=regularizers.l2(1e-3))
        y = layer(jnp.ones((8, 16)))          # (8, 32)
    """

    def __init__(
        self,
        units,
        activation=None,
        use_bias=True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        **kwargs,
    ):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if not isinstance(units, int) or isinstance(units, bool) or units <= 0:
            raise ValueError(
                f"Dense '{self.name}': `units` must be a positive int, received units={units!r}."
            )
        self.units = units
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(min_ndim=2)
        self.supports_masking = True

    def build(self, input_shape):
        input_dim = input_shape[-1]
        self.kernel = self.add_weight(
            name="kernel",
            shape=(input_dim, self.units),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias",
                shape=(self.units,),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        self.input_spec = InputSpec(min_ndim=2, axes={-1: input_dim})

    def call(self, inputs):
        x = jnp.matmul(inputs, self.kernel.value)
        if self.bias is not None:
            x = x + self.bias.value
        return self.activation(x)

    def compute_output_shape(self, input_shape):
        return (*tuple(input_shape)[:-1], self.units)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "units": self.units,
                "activation": activations.serialize(self.activation),
                "use_bias": self.use_bias,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                "kernel_constraint": constraints.serialize(self.kernel_constraint),
                "bias_constraint": constraints.serialize(self.bias_constraint),
            }
        )
        return config
