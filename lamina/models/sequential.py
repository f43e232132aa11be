"""``Sequential``: a plain stack of layers, each feeding the next."""

import jax

from lamina.core import tracking
from lamina.core.layer import Layer
from lamina.models.model import Model
from lamina.models.symbolic import _BATCH_PROBES, SymbolicTensor


class Sequential(Model):
    """Layers applied one after another: ``y = layers[-1](...layers[0](x))``.

    Args:
      layers: optional list of layers; may start with ``lamina.Input(shape)``, which
        builds the model at once (otherwise it builds on the first call).

    Example::

        model = Sequential([lamina.Input((784,)), Dense(64, activation="relu"), Dense(10)])
        model.add(Dense(10))  # and model.pop()
    """

    # Inputs reach the layers uncast; each layer casts to its own compute dtype (a
    # functional model converts them to its Input dtypes), as in Keras.
    _convert_input_args = False

    def __init__(self, layers=None, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        self._stack = []
        self._input = None
        for layer in layers or []:
            self.add(layer, rebuild=False)
        self._maybe_build()

    def add(self, layer, rebuild=True):
        """Append ``layer`` (or set the input with a ``lamina.Input`` tensor)."""
        if isinstance(layer, SymbolicTensor):
            if self._stack or self._input is not None:
                raise ValueError(
                    f"Sequential '{self.name}': an Input can only be the first element."
                )
            object.__setattr__(self, "_input", layer)
            return
        if not isinstance(layer, Layer):
            raise TypeError(
                f"Sequential '{self.name}'.add expects a Layer or a lamina.Input, got"
                f" {type(layer).__name__}: {layer!r}"
            )
        if any(layer.name == other.name for other in self._stack):
            raise ValueError(
                f"Sequential '{self.name}': a layer named '{layer.name}' is already in the"
                " model; layer names must be unique."
            )
        self._stack.append(layer)
        tracking.adopt(self, layer)
        tracking.bump()
        if rebuild:
            self._maybe_build()

    def pop(self):
        """Remove and return the last layer."""
        if not self._stack:
            raise IndexError(f"Sequential '{self.name}' has no layer to pop.")
        layer = self._stack.pop()
        if layer._owner is self:
            layer._owner = None
        tracking.bump()
        self.built = False
        self._maybe_build()
        return layer

    @property
    def layers(self) -> list:
        return list(self._stack)

    @property
    def inputs(self):
        return self._input

    def _lamina_children(self):
        return [(layer.name, layer) for layer in self._stack]

    def get_config(self) -> dict:
        """``name``, ``trainable``, the serialized ``layers`` and the ``input`` spec."""
        from lamina.layers import serialization

        spec = None
        if self._input is not None:
            spec = {"shape": list(self._input.shape), "dtype": self._input.dtype}
        return {
            "name": self.name,
            "trainable": self.trainable,
            "layers": [serialization.serialize(layer) for layer in self._stack],
            "input": spec,
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """A new Sequential from ``get_config()`` (new layers, built if it had an input)."""
        from lamina.layers import serialization
        from lamina.models.symbolic import Input

        layers = [serialization.deserialize(c, custom_objects) for c in config["layers"]]
        spec = config.get("input")
        if spec is not None:
            layers.insert(0, Input(batch_shape=tuple(spec["shape"]), dtype=spec["dtype"]))
        model = cls(layers, name=config.get("name"))
        model.trainable = config.get("trainable", True)
        return model

    def _maybe_build(self):
        if self._input is not None and self._stack:
            self.built = False
            self._abstract_call((self._input.spec(_BATCH_PROBES[0]),), {})

    def build(self, input_shape=None):
        self.built = True

    def call(self, inputs, training=None, mask=None):
        x = inputs
        for layer in self._stack:
            x = layer(x)
        return x

    def compute_output_shape(self, input_shape):
        spec = jax.ShapeDtypeStruct(tuple(d or 1 for d in input_shape), "float32")
        return tuple(self.compute_output_spec(spec).shape)
