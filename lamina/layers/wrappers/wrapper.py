"""``Wrapper``: the base of layers that hold one other layer and change how it runs."""

from lamina.core.layer import Layer
from lamina.layers import serialization


class Wrapper(Layer):
    """Base class of ``TimeDistributed`` (and other wrappers): holds ``layer``.

    The wrapped layer is the attribute ``layer``, so its weights appear under the
    wrapper as ``params["layer"][...]``; the config stores it serialized
    (``{"module", "class_name", "config", "registered_name"}``) under ``"layer"``.

    Args:
      layer: a lamina ``Layer`` instance.
    """

    def __init__(self, layer, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(layer, Layer):
            raise ValueError(
                f"{type(self).__name__} '{self.name}': `layer` must be a lamina Layer"
                f" instance, received layer={layer!r}."
            )
        self.layer = layer

    def build(self, input_shape=None):
        if not self.layer.built:
            self.layer.build(input_shape)
            self.layer.built = True

    def get_config(self):
        config = super().get_config()
        config["layer"] = serialization.serialize(self.layer)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        layer = serialization.deserialize(config.pop("layer"), custom_objects=custom_objects)
        return cls(layer, **config)
