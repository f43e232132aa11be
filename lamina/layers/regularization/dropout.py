"""``Dropout``: zero random entries during training, scale the rest up."""

from lamina import random
from lamina.core.layer import Layer
from lamina.layers.regularization._checks import check_noise_shape, check_rate


class Dropout(Layer):
    """Zero each entry with probability ``rate`` in training; scale kept ones by ``1/(1-rate)``.

    Input: any shape. Output: the same shape. Outside training (``training`` False or
    not given, and not inherited from an outer call or ``fit``) it is the identity.
    Masks pass through.

    Args:
      rate: fraction of entries to drop, a number in ``[0, 1)``.
      noise_shape: shape of the keep/drop draw, broadcast against the input; a 1 shares
        one draw along that axis, None takes the input's size. E.g. for inputs
        ``(batch, steps, features)``, ``noise_shape=(None, 1, None)`` drops the same
        features at every step. Default None: one draw per entry.
      seed: int seed of the layer's ``SeedGenerator`` (None: from the global seed).
        The generator's key is in ``state``, so threading ``state`` through ``apply``
        gives fresh draws and replaying a ``state`` replays them.

    Example::

        layer = Dropout(0.5, seed=0)
        y = layer(jnp.ones((2, 4)), training=True)    # entries are 0.0 or 2.0
        y = layer(jnp.ones((2, 4)))                   # unchanged
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        check_rate(self, rate)
        self.rate = rate
        self.seed = seed
        self.noise_shape = check_noise_shape(self, noise_shape)
        # As in Keras, a layer that never drops holds no generator (and no state).
        if rate > 0:
            self.seed_generator = random.SeedGenerator(seed)
        self.supports_masking = True

    def call(self, inputs, training=False, mask=None):
        # `mask` is unused here (compute_mask passes it on). Taking it makes the engine
        # hand the input's mask over on compiled eager calls too, which it otherwise loses.
        if not training or self.rate == 0:
            return inputs
        return random.dropout(
            inputs, self.rate, noise_shape=self._noise_shape(inputs), seed=self.seed_generator
        )

    def _noise_shape(self, inputs):
        """The noise shape for ``inputs``, with None entries filled in, checked to broadcast."""
        if self.noise_shape is None:
            return None
        shape = tuple(inputs.shape)
        fits = len(self.noise_shape) == len(shape) and all(
            d is None or d in (1, n) for d, n in zip(self.noise_shape, shape)
        )
        if not fits:
            raise ValueError(
                f"{type(self).__name__} '{self.name}': `noise_shape` {self.noise_shape} does"
                f" not broadcast to the input shape {shape}: it needs one entry per input axis,"
                " each None, 1 or the input's size."
            )
        return tuple(n if d is None else d for d, n in zip(self.noise_shape, shape))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"rate": self.rate, "seed": self.seed, "noise_shape": self.noise_shape})
        return config
