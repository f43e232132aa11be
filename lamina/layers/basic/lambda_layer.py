"""``Lambda``: a function of the inputs, wrapped as a layer."""

import inspect

import jax
import numpy as np

from lamina.core.layer import Layer
from lamina.layers.basic._functions import (
    deserialize_function,
    deserialize_value,
    serialize_function,
    serialize_value,
)

# Two sizes stand in for an unknown dimension when the output shape is inferred: an
# output dimension that follows them is unknown too.
_PROBES = (83, 89)


class Lambda(Layer):
    """Wrap ``function(inputs, **arguments)`` as a layer without weights.

    Input: whatever ``function`` takes (an array, or a list/dict of arrays). Output:
    what it returns. ``function`` also receives ``mask=`` and ``training=`` if its
    signature names them. It must be traceable by JAX (it runs under ``jax.jit``).

    Args:
      function: the callable; its first argument is the inputs.
      output_shape: the output shape without the batch axis (a tuple, or a list of
        tuples for several outputs), or a callable from the full input shape to the
        full output shape. Default None: inferred with ``jax.eval_shape``.
      mask: None (outputs carry no mask), a callable ``mask(inputs, previous_mask)``,
        or a constant mask array used for every output.
      arguments: a dict of extra keyword arguments for ``function``.

    Serialization saves functions by name, never as code: ``from_config`` finds a
    named function in ``custom_objects`` or, by name, in ``lamina.activations`` and
    ``lamina.ops``, and refuses a Python ``lambda`` (use a named function).

    Example::

        def scaled(x, factor=1.0):
            return factor * x

        layer = Lambda(scaled, arguments={"factor": 2.0})
        y = layer(jnp.ones((2, 3)))                                   # all 2.0
        clone = Lambda.from_config(layer.get_config(), custom_objects={"scaled": scaled})
    """

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        where = f"Lambda '{self.name}'"
        if not callable(function):
            raise ValueError(
                f"{where}: `function` must be callable, received function={function!r}."
            )
        if output_shape is not None and not callable(output_shape):
            output_shape = _standardize_output_shape(output_shape, where)
        if arguments is not None and not isinstance(arguments, dict):
            raise ValueError(
                f"{where}: `arguments` must be a dict of keyword arguments, received"
                f" arguments={arguments!r}."
            )
        if mask is not None and not callable(mask):
            mask = np.asarray(mask)
        self.function = function
        self._output_shape = output_shape
        self.mask = mask
        self.arguments = dict(arguments or {})
        self.supports_masking = mask is not None
        names = _parameter_names(function)
        self._takes_mask = "mask" in names
        self._takes_training = "training" in names

    def call(self, inputs, mask=None, training=None):
        return self._run(inputs, mask, training)

    def _run(self, inputs, mask=None, training=None):
        kwargs = dict(self.arguments)
        if self._takes_mask:
            kwargs["mask"] = mask
        if self._takes_training:
            kwargs["training"] = training
        return self.function(inputs, **kwargs)

    def compute_mask(self, inputs, previous_mask=None):
        if callable(self.mask):
            return self.mask(inputs, previous_mask)
        return self.mask

    def compute_output_shape(self, input_shape):
        if callable(self._output_shape):
            return self._output_shape(input_shape)
        if self._output_shape is not None:
            batch = _first_dim(input_shape)
            if _is_shape(self._output_shape):
                return (batch, *self._output_shape)
            return [(batch, *shape) for shape in self._output_shape]
        return self._infer_output_shape(input_shape)

    def _infer_output_shape(self, input_shape):
        """Shapes of ``function``'s outputs, from two abstract evaluations."""
        try:
            a, b = (
                jax.eval_shape(self._run, _abstract_inputs(input_shape, size, self.compute_dtype))
                for size in _PROBES
            )
        except Exception as err:
            raise NotImplementedError(
                f"Lambda '{self.name}': could not infer the output shape for input shape"
                f" {input_shape} ({type(err).__name__}: {err}). Pass `output_shape`."
            ) from err
        return jax.tree.map(
            lambda x, y: tuple(m if m == n else None for m, n in zip(x.shape, y.shape)), a, b
        )

    def get_config(self):
        where = f"Lambda '{self.name}'"
        config = super().get_config()
        config["function"] = serialize_function(self.function, f"{where}: `function`")
        if callable(self._output_shape):
            config["output_shape"] = serialize_function(
                self._output_shape, f"{where}: `output_shape`"
            )
        elif self._output_shape is not None:
            config["output_shape"] = self._output_shape
        if self.mask is not None:
            config["mask"] = serialize_value(self.mask, f"{where}: `mask`")
        config["arguments"] = serialize_value(dict(self.arguments), f"{where}: `arguments`")
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """A ``Lambda`` from ``get_config()``'s dict; no code is read from it.

        ``custom_objects``: ``{name: function}`` for named functions that are not in
        ``lamina.activations`` or ``lamina.ops``.
        """
        config = dict(config)
        where = f"Lambda '{config.get('name')}'"
        config["function"] = deserialize_function(
            config["function"], custom_objects, f"{where}: `function`"
        )
        for key in ("output_shape", "mask", "arguments"):
            if config.get(key) is not None:
                config[key] = deserialize_value(config[key], custom_objects, f"{where}: `{key}`")
        return cls(**config)


def _parameter_names(function):
    try:
        return set(inspect.signature(function).parameters)
    except (TypeError, ValueError):
        return set()


def _is_dim(d) -> bool:
    return d is None or (isinstance(d, int | np.integer) and not isinstance(d, bool) and d >= 0)


def _is_shape(value) -> bool:
    return isinstance(value, tuple | list) and all(_is_dim(d) for d in value)


def _standardize_output_shape(value, where):
    """A tuple of dims, or a list of such tuples (several outputs)."""
    if _is_shape(value):
        return tuple(value)
    if isinstance(value, list | tuple) and value and all(_is_shape(s) for s in value):
        return [tuple(s) for s in value]
    raise ValueError(
        f"{where}: `output_shape` must be a tuple of ints (without the batch axis), a list"
        f" of such tuples, or a callable, received output_shape={value!r}."
    )


def _first_dim(input_shape):
    """The batch size of ``input_shape`` (of its first input when there are several)."""
    while isinstance(input_shape, list | tuple | dict) and input_shape:
        if _is_shape(input_shape):
            return input_shape[0]
        input_shape = (
            next(iter(input_shape.values())) if isinstance(input_shape, dict) else input_shape[0]
        )
    return None


def _abstract_inputs(input_shape, size, dtype):
    """``jax.ShapeDtypeStruct``s for ``input_shape`` (a shape, or a structure of them)."""
    if _is_shape(input_shape):
        return jax.ShapeDtypeStruct(tuple(size if d is None else d for d in input_shape), dtype)
    if isinstance(input_shape, dict):
        return {k: _abstract_inputs(v, size, dtype) for k, v in input_shape.items()}
    return [_abstract_inputs(s, size, dtype) for s in input_shape]
