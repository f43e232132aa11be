"""Built-in layers (Keras names), plus the base ``Layer`` and ``InputSpec``."""

from lamina.core.input_spec import InputSpec
from lamina.core.layer import Layer
from lamina.layers.dense import Dense
from lamina.layers.embedding import Embedding
from lamina.layers.masking import Masking
