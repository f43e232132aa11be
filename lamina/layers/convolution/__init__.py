"""Built-in convolution layers, with Keras 3's names, arguments and weight layouts.

- :mod:`~lamina.layers.convolution.conv`: ``Conv1D``, ``Conv2D``, ``Conv3D``
- :mod:`~lamina.layers.convolution.conv_transpose`: ``Conv1DTranspose``,
  ``Conv2DTranspose``, ``Conv3DTranspose``
- :mod:`~lamina.layers.convolution.depthwise_conv`: ``DepthwiseConv1D``, ``DepthwiseConv2D``
- :mod:`~lamina.layers.convolution.separable_conv`: ``SeparableConv1D``, ``SeparableConv2D``
"""

from lamina.layers.convolution.conv import Conv1D, Conv2D, Conv3D
from lamina.layers.convolution.conv_transpose import (
    Conv1DTranspose,
    Conv2DTranspose,
    Conv3DTranspose,
)
from lamina.layers.convolution.depthwise_conv import DepthwiseConv1D, DepthwiseConv2D
from lamina.layers.convolution.separable_conv import SeparableConv1D, SeparableConv2D

__all__ = [
    "Conv1D",
    "Conv2D",
    "Conv3D",
    "Conv1DTranspose",
    "Conv2DTranspose",
    "Conv3DTranspose",
    "DepthwiseConv1D",
    "DepthwiseConv2D",
    "SeparableConv1D",
    "SeparableConv2D",
]
