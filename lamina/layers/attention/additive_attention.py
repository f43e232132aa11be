"""``AdditiveAttention``: Bahdanau-style attention, ``Attention`` with tanh scores."""

import jax.numpy as jnp

from lamina.layers.attention.attention import Attention


class AdditiveAttention(Attention):
    """Additive attention: scores ``sum(scale * tanh(query_i + key_j))`` over features.

    Inputs, masks, call arguments and outputs are those of :class:`Attention`:
    ``[query (batch, Tq, dim), value (batch, Tv, dim_v)(, key (batch, Tv, dim))]`` →
    ``(batch, Tq, dim_v)``.

    Args:
      use_scale: learn a per-feature ``scale`` of shape ``(dim,)`` (default True).
      dropout: fraction of attention weights dropped in training (default 0.0).
      seed: int seed of the dropout (default None).

    Example::

        query, value = jnp.ones((2, 4, 8)), jnp.ones((2, 6, 8))
        out = AdditiveAttention()([query, value])             # (2, 4, 8)
    """

    def __init__(self, use_scale=True, dropout=0.0, **kwargs):
        super().__init__(use_scale=use_scale, dropout=dropout, **kwargs)

    def build(self, input_shape):
        self._check_inputs(input_shape)
        self.scale = None
        if self.use_scale:
            self.scale = self.add_weight(
                name="scale", shape=(input_shape[0][-1],), initializer="glorot_uniform"
            )

    def _scores(self, query, key):
        pairs = jnp.tanh(query[..., :, None, :] + key[..., None, :, :])
        if self.scale is not None:
            pairs = self.scale.value * pairs
        return jnp.sum(pairs, axis=-1)

    def get_config(self):
        config = super().get_config()
        del config["score_mode"]
        return config
