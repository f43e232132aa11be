"""``Embedding``: integer indices → rows of a learned table."""

import jax.numpy as jnp

from lamina import constraints, initializers, regularizers
from lamina.core.layer import Layer


class Embedding(Layer):
    """Look up rows of ``embeddings`` (shape ``(input_dim, output_dim)``).

    Input: integer indices of any shape ``S`` in ``[0, input_dim)``. Output:
    ``S + (output_dim,)``. With ``mask_zero=True`` index 0 is padding: the layer
    produces the mask ``inputs != 0`` (shape ``S``), delivered to the next layer
    that takes a ``mask`` argument, and ``input_dim`` must count index 0.

    Example::

        emb = Embedding(1000, 64, mask_zero=True)
        x = emb(jnp.array([[5, 3, 0, 0]]))    # (1, 4, 64), mask [[T, T, F, F]]
    """

    def __init__(
        self,
        input_dim,
        output_dim,
        embeddings_initializer="uniform",
        embeddings_regularizer=None,
        embeddings_constraint=None,
        mask_zero=False,
        activity_regularizer=None,
        **kwargs,
    ):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        for arg, value in (("input_dim", input_dim), ("output_dim", output_dim)):
            if not isinstance(value, int) or value <= 0:
                raise ValueError(
                    f"Embedding '{self.name}': `{arg}` must be a positive int, got {value!r}."
                )
        self.input_dim = input_dim
        self.output_dim = output_dim
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.mask_zero = bool(mask_zero)
        self.supports_masking = self.mask_zero

    def build(self, input_shape=None):
        self.embeddings = self.add_weight(
            name="embeddings",
            shape=(self.input_dim, self.output_dim),
            initializer=self.embeddings_initializer,
            regularizer=self.embeddings_regularizer,
            constraint=self.embeddings_constraint,
        )

    def call(self, inputs):
        inputs = jnp.asarray(inputs)
        if not jnp.issubdtype(inputs.dtype, jnp.integer):
            inputs = inputs.astype("int32")
        return jnp.take(self.embeddings.value, inputs, axis=0)

    def compute_mask(self, inputs, previous_mask=None):
        if not self.mask_zero:
            return None
        return jnp.not_equal(jnp.asarray(inputs), 0)

    def compute_output_shape(self, input_shape):
        return (*tuple(input_shape), self.output_dim)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "input_dim": self.input_dim,
                "output_dim": self.output_dim,
                "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
                "embeddings_regularizer": regularizers.serialize(self.embeddings_regularizer),
                "embeddings_constraint": constraints.serialize(self.embeddings_constraint),
                "mask_zero": self.mask_zero,
                "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            }
        )
        return config
