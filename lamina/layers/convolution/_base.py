"""What every convolution layer shares: window arguments, channel axis, bias,
activation, output-size arithmetic and the common part of ``get_config``."""

import jax.numpy as jnp

from lamina import activations, constraints, initializers, regularizers
from lamina.core.input_spec import InputSpec
from lamina.core.layer import Layer
from lamina.layers.convolution import _arguments as args


class ConvLayerBase(Layer):
    """Private base of the convolution layers; subclasses set ``rank`` (1, 2 or 3)."""

    rank = None
    allow_causal = False

    def _setup_window(self, kernel_size, strides, padding, data_format, dilation_rate, activation):
        if self.rank is None:
            raise TypeError(f"{type(self).__name__} is abstract: use its 1D/2D/3D subclasses.")
        self.kernel_size = args.int_tuple(self, "kernel_size", kernel_size, self.rank)
        self.strides = args.int_tuple(self, "strides", strides, self.rank)
        self.dilation_rate = args.int_tuple(self, "dilation_rate", dilation_rate, self.rank)
        self.padding = args.padding(self, padding, allow_causal=self.allow_causal)
        self.data_format = args.data_format(self, data_format)
        self.activation = activations.get(activation)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    # ------------------------------------------------------------ shapes
    @property
    def _channel_axis(self):
        return -1 if self.data_format == "channels_last" else 1

    def _input_channels(self, input_shape):
        """The channel count of ``input_shape``, checked to be known; fixes the input spec."""
        input_shape = tuple(input_shape)
        if len(input_shape) != self.rank + 2:
            raise args.fail(
                self,
                f"expected inputs of rank {self.rank + 2} (batch, {self.rank} spatial"
                f" dimension(s) and channels), received input shape {input_shape}.",
            )
        channels = input_shape[self._channel_axis]
        if channels is None:
            raise args.fail(
                self,
                f"the channel dimension (axis {self._channel_axis}, data_format="
                f"{self.data_format!r}) must be known, received input shape {input_shape}.",
            )
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={self._channel_axis: channels})
        return channels

    def _spatial(self, input_shape):
        input_shape = tuple(input_shape)
        return input_shape[1:-1] if self.data_format == "channels_last" else input_shape[2:]

    def _with_channels(self, input_shape, spatial, channels):
        batch = tuple(input_shape)[0]
        if self.data_format == "channels_last":
            return (batch, *spatial, channels)
        return (batch, channels, *spatial)

    def _conv_output_shape(self, input_shape, channels):
        """Keras' output shape of a (strided, dilated) convolution with ``channels`` outputs;
        refuses an input too small for a ``"valid"`` window."""
        spatial = []
        for size, kernel, stride, dilation in zip(
            self._spatial(input_shape), self.kernel_size, self.strides, self.dilation_rate
        ):
            if size is None:
                spatial.append(None)
            elif self.padding == "valid":
                spatial.append((size - (kernel - 1) * dilation - 1) // stride + 1)
            else:  # "same" and "causal" both keep ceil(size / stride)
                spatial.append((size - 1) // stride + 1)
        if any(s is not None and s <= 0 for s in spatial):
            raise args.fail(
                self,
                f"the input shape {tuple(input_shape)} is too small for kernel_size="
                f"{self.kernel_size}, dilation_rate={self.dilation_rate}, strides="
                f"{self.strides} and padding='valid': the output would be empty.",
            )
        return self._with_channels(input_shape, spatial, channels)

    # ------------------------------------------------------------- call
    def _build_bias(self, size):
        """``self.bias`` of shape ``(size,)`` when ``use_bias``, else None."""
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias",
                shape=(size,),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )

    def _finish(self, outputs):
        """Add the bias (along the channel axis) and apply the activation."""
        if self.bias is not None:
            bias = self.bias.value
            if self.data_format == "channels_first":
                bias = jnp.reshape(bias, (-1,) + (1,) * self.rank)
            outputs = outputs + bias
        return self.activation(outputs)

    # ----------------------------------------------------------- config
    def _window_config(self):
        """Base keys (name, trainable, dtype) plus the window arguments, in Keras' order."""
        base = super().get_config()
        return {
            "name": base["name"],
            "trainable": base["trainable"],
            "dtype": base["dtype"],
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
        }

    def _tail_config(self):
        return {
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
        }

    def _weights_config(self, *weights):
        """The initializer, regularizer and constraint of each named weight
        (``"kernel"`` → ``kernel_initializer``, ...), serialized in Keras' key order."""
        config = {
            f"{w}_initializer": initializers.serialize(getattr(self, f"{w}_initializer"))
            for w in weights
        }
        config.update(
            {
                f"{w}_regularizer": regularizers.serialize(getattr(self, f"{w}_regularizer"))
                for w in weights
            }
        )
        config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        config.update(
            {
                f"{w}_constraint": constraints.serialize(getattr(self, f"{w}_constraint"))
                for w in weights
            }
        )
        return config
