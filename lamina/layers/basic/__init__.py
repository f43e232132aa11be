"""Basic layers: ``Activation``, ``Identity`` and ``Lambda``."""

from lamina.layers.basic.activation import Activation
from lamina.layers.basic.identity import Identity
from lamina.layers.basic.lambda_layer import Lambda

__all__ = ["Activation", "Identity", "Lambda"]
