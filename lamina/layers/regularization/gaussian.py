"""``GaussianNoise`` (additive) and ``GaussianDropout`` (multiplicative) noise in training."""

import math

import jax.numpy as jnp

from lamina import random
from lamina.core.layer import Layer
from lamina.layers.regularization._checks import check_non_negative, check_rate


def _noise_dtype(layer, inputs):
    return inputs.dtype if jnp.issubdtype(inputs.dtype, jnp.floating) else layer.dtype


class GaussianNoise(Layer):
    """Add zero-mean Gaussian noise of standard deviation ``stddev`` during training.

    Input: any shape. Output: the same shape, ``inputs + N(0, stddev²)`` in training,
    ``inputs`` otherwise. Masks pass through.

    Args:
      stddev: the noise's standard deviation, a finite number ``>= 0``.
      seed: int seed of the layer's ``SeedGenerator`` (None: from the global seed).

    Example::

        y = GaussianNoise(0.1, seed=0)(jnp.zeros((2, 3)), training=True)
    """

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(**kwargs)
        check_non_negative(self, stddev, "stddev")
        self.stddev = stddev
        self.seed = seed
        if stddev > 0:
            self.seed_generator = random.SeedGenerator(seed)
        self.supports_masking = True

    def call(self, inputs, training=False, mask=None):
        # `mask` is unused here (compute_mask passes it on). Taking it makes the engine
        # hand the input's mask over on compiled eager calls too, which it otherwise loses.
        if not training or self.stddev == 0:
            return inputs
        noise = random.normal(
            inputs.shape,
            stddev=self.stddev,
            dtype=_noise_dtype(self, inputs),
            seed=self.seed_generator,
        )
        return inputs + noise

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"stddev": self.stddev, "seed": self.seed})
        return config


class GaussianDropout(Layer):
    """Multiply by Gaussian noise of mean 1 and std ``sqrt(rate / (1 - rate))`` in training.

    The noise has the variance of ``Dropout(rate)``'s scaled keep mask, without zeros.
    Input: any shape. Output: the same shape; the identity outside training. Masks
    pass through.

    Args:
      rate: the equivalent drop probability, a number in ``[0, 1)``.
      seed: int seed of the layer's ``SeedGenerator`` (None: from the global seed).

    Example::

        y = GaussianDropout(0.2, seed=0)(jnp.ones((2, 3)), training=True)
    """

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(**kwargs)
        check_rate(self, rate)
        self.rate = rate
        self.seed = seed
        if rate > 0:
            self.seed_generator = random.SeedGenerator(seed)
        self.supports_masking = True

    def call(self, inputs, training=False, mask=None):
        # `mask` is unused here (compute_mask passes it on). Taking it makes the engine
        # hand the input's mask over on compiled eager calls too, which it otherwise loses.
        if not training or self.rate == 0:
            return inputs
        noise = random.normal(
            inputs.shape,
            mean=1.0,
            stddev=math.sqrt(self.rate / (1.0 - self.rate)),
            dtype=_noise_dtype(self, inputs),
            seed=self.seed_generator,
        )
        return inputs * noise

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"rate": self.rate, "seed": self.seed})
        return config
