# ruff: noqa: F403  (star imports until the families settle; replaced by explicit names)
"""Built-in layers (Keras names), plus the base ``Layer`` and ``InputSpec``.

Each family lives in its own subpackage; this file is the flat public surface.
"""

from lamina.core.input_spec import InputSpec
from lamina.core.layer import Layer
from lamina.layers.attention import *
from lamina.layers.basic import *
from lamina.layers.convolution import *
from lamina.layers.dense import Dense
from lamina.layers.embedding import Embedding
from lamina.layers.masking import Masking
from lamina.layers.merging import *
from lamina.layers.normalization import *
from lamina.layers.pooling import *
from lamina.layers.regularization import *
from lamina.layers.reshaping import *
from lamina.layers.rnn import *
from lamina.layers.wrappers import *
