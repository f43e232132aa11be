"""``EinsumDense``: a dense layer whose contraction is any einsum equation."""

import jax.numpy as jnp

from lamina import activations, constraints, initializers, regularizers
from lamina.core.input_spec import InputSpec
from lamina.core.layer import Layer
from lamina.initializers import VarianceScaling
from lamina.layers.attention import _einsum_spec


class EinsumDense(Layer):
    """``activation(einsum(equation, inputs, kernel) + bias)``.

    The equation names every axis with a letter and has one of three forms:
    ``"ab,bc->ac"`` (all axes named, the first is the batch), ``"...b,bc->...c"``
    (leading axes, batch included, elided) or ``"ab...,bc->ac..."`` (trailing axes
    elided). The kernel's shape is read off the equation: each kernel axis takes its
    size from the output (``output_shape``) or, failing that, from the input. The
    bias spans the output axes from the first one named in ``bias_axes`` to the end,
    with size 1 on the axes not named (so it broadcasts).

    Input: rank fixed by the equation (at least that rank with ``...``).
    Output: the input's batch (and elided) axes, then ``output_shape``.

    Args:
      equation: the einsum string, e.g. ``"abc,cd->abd"``.
      output_shape: int or tuple: sizes of the named output axes, excluding the batch
        axis and any ``...``; ``None`` entries mean "same as the input's axis".
      activation: name or callable (default None: linear).
      bias_axes: string of output axis letters that get a bias (default None: no bias).
      kernel_initializer, bias_initializer: default ``"glorot_uniform"``, ``"zeros"``.
        A variance-scaling kernel initializer computes its fans from the kernel axes
        that meet the input (fan-in) and the output (fan-out), as Keras does.
      kernel_regularizer, bias_regularizer, activity_regularizer: penalties in ``losses``.
      kernel_constraint, bias_constraint: projections applied after optimizer updates.

    Example::

        layer = EinsumDense("abc,cde->abde", output_shape=(None, 4, 8), bias_axes="de")
        y = layer(jnp.ones((2, 5, 16)))       # (2, 5, 4, 8); kernel (16, 4, 8), bias (4, 8)
    """

    def __init__(
        self,
        equation,
        output_shape,
        activation=None,
        bias_axes=None,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        where = f"EinsumDense '{self.name}'"
        self._spec = _einsum_spec.parse_equation(equation, bias_axes, where)
        self.equation = equation
        self.partial_output_shape = _standardize_output_shape(output_shape, where)
        _einsum_spec.check_output_shape(self._spec, self.partial_output_shape, where)
        self.bias_axes = bias_axes
        self.activation = activations.get(activation)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)

    def _shapes(self, input_shape):
        return _einsum_spec.analyze(
            self._spec,
            self.bias_axes,
            input_shape,
            self.partial_output_shape,
            f"EinsumDense '{self.name}'",
        )

    def build(self, input_shape):
        shapes = self._shapes(input_shape)
        self.kernel = self.add_weight(
            name="kernel",
            shape=shapes.kernel,
            initializer=self._kernel_initializer_for(shapes),
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self.bias = None
        if shapes.bias is not None:
            self.bias = self.add_weight(
                name="bias",
                shape=shapes.bias,
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        self.input_spec = InputSpec(ndim=len(input_shape), axes=shapes.kernel_input_dims)

    def _kernel_initializer_for(self, shapes):
        """Variance scaling over the kernel's true fan-in/fan-out axes (Keras' rule)."""
        init = self.kernel_initializer
        if isinstance(init, VarianceScaling) and (
            init.input_axes is None or init.output_axes is None
        ):
            config = {
                **init.get_config(),
                "input_axes": shapes.kernel_input_axes,
                "output_axes": shapes.kernel_output_axes,
            }
            return type(init).from_config(config)
        return init

    def call(self, inputs):
        x = jnp.einsum(self.equation, inputs, self.kernel.value)
        if self.bias is not None:
            x = x + self.bias.value
        return self.activation(x)

    def compute_output_shape(self, input_shape):
        return self._shapes(input_shape).output

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "output_shape": self.partial_output_shape,
                "equation": self.equation,
                "activation": activations.serialize(self.activation),
                "bias_axes": self.bias_axes,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                "activity_regularizer": regularizers.serialize(self.activity_regularizer),
                "kernel_constraint": constraints.serialize(self.kernel_constraint),
                "bias_constraint": constraints.serialize(self.bias_constraint),
            }
        )
        return config


def _standardize_output_shape(output_shape, where):
    """An int or a sequence of (non-negative int or None) as a tuple."""
    shape = output_shape
    if isinstance(shape, int) and not isinstance(shape, bool):
        shape = (shape,)
    try:
        shape = tuple(shape)
    except TypeError:
        shape = None
    valid = shape is not None and all(
        d is None or (isinstance(d, int) and not isinstance(d, bool) and d >= 0) for d in shape
    )
    if not valid:
        raise ValueError(
            f"{where}: `output_shape` must be an int or a tuple of ints (None for sizes"
            f" taken from the input), received output_shape={output_shape!r}."
        )
    return shape
