"""``Attention``: dot-product (Luong-style) attention over a list of inputs."""

import jax
import jax.numpy as jnp

from lamina import random
from lamina.core.layer import Layer
from lamina.layers.attention import _arguments, _masking

_SCORE_MODES = ("dot", "concat")


class Attention(Layer):
    """Dot-product attention: ``softmax(scores(query, key)) @ value``.

    Called on ``[query, value]`` or ``[query, value, key]`` (``key`` defaults to
    ``value``), with ``query`` ``(batch, Tq, dim)``, ``value`` ``(batch, Tv, dim_v)``,
    ``key`` ``(batch, Tv, dim)``. Output ``(batch, Tq, dim_v)``; with
    ``return_attention_scores=True`` also the attention weights ``(batch, Tq, Tv)``
    (after masking, softmax and dropout).

    Scores: ``"dot"`` is ``query @ key.T`` (times ``scale``); ``"concat"`` is
    ``concat_score_weight * sum(tanh(scale * (query_i + key_j)))`` over features.

    Args:
      use_scale: learn a scalar ``scale`` for the scores (default False).
      score_mode: ``"dot"`` (default) or ``"concat"``.
      dropout: fraction of attention weights dropped in training (default 0.0).
      seed: int seed of the dropout (default None).

    Call arguments:
      inputs: the list ``[query, value]`` or ``[query, value, key]``.
      mask: list ``[query_mask, value_mask]`` of bool ``(batch, Tq)`` / ``(batch, Tv)``
        (or None entries); masks attached to the inputs (``Embedding(mask_zero=True)``)
        arrive here by themselves. Masked values get no weight; masked query
        steps output zeros. The output's mask is the query mask.
      training: apply dropout (default False).
      return_attention_scores: also return the weights (default False).
      use_causal_mask: query step ``i`` sees only value steps ``j <= i`` (default False).

    Example::

        query, value = jnp.ones((2, 4, 8)), jnp.ones((2, 6, 8))
        out = Attention()([query, value])                     # (2, 4, 8)
    """

    def __init__(self, use_scale=False, score_mode="dot", dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        if score_mode not in _SCORE_MODES:
            raise ValueError(
                f"{self._where}: `score_mode` must be one of {_SCORE_MODES}, received"
                f" score_mode={score_mode!r}."
            )
        self.use_scale = bool(use_scale)
        self.score_mode = score_mode
        self.dropout = _arguments.check_rate(dropout, self._where)
        self.seed = seed
        if dropout > 0:
            self.seed_generator = random.SeedGenerator(seed)
        self.supports_masking = True

    @property
    def _where(self):
        return f"{type(self).__name__} '{self.name}'"

    def build(self, input_shape):
        self._check_inputs(input_shape)
        self.scale = None
        self.concat_score_weight = None
        if self.use_scale:
            self.scale = self.add_weight(name="scale", shape=(), initializer="ones")
        if self.score_mode == "concat":
            self.concat_score_weight = self.add_weight(
                name="concat_score_weight", shape=(), initializer="ones"
            )

    def _scores(self, query, key):
        """``(batch, Tq, Tv)`` unnormalized scores."""
        if self.score_mode == "dot":
            scores = jnp.matmul(query, jnp.swapaxes(key, -2, -1))
            return scores * self.scale.value if self.scale is not None else scores
        pairs = query[..., :, None, :] + key[..., None, :, :]
        if self.scale is not None:
            pairs = self.scale.value * pairs
        return self.concat_score_weight.value * jnp.sum(jnp.tanh(pairs), axis=-1)

    def call(
        self,
        inputs,
        mask=None,
        training=False,
        return_attention_scores=False,
        use_causal_mask=False,
    ):
        self._check_inputs([jnp.shape(x) for x in _as_list(inputs, self._where)], mask)
        query, value = inputs[0], inputs[1]
        key = inputs[2] if len(inputs) > 2 else value
        query_mask = mask[0] if mask else None
        value_mask = mask[1] if mask else None
        scores = self._scores(query, key)

        keep = None
        if value_mask is not None:
            keep = jnp.asarray(value_mask, bool)[..., None, :]
        if use_causal_mask:
            causal = _masking.causal_mask(scores.shape[-2], scores.shape[-1])
            keep = causal if keep is None else keep & causal
        if keep is not None:
            # Subtracting (rather than replacing) keeps Keras' numbers in fully masked rows.
            offset = 65504.0 if scores.dtype == jnp.float16 else 1.0e9
            scores = jnp.where(keep, scores, scores - offset)
        weights = jax.nn.softmax(scores, axis=-1)
        weights = _masking.attention_dropout(
            weights, self.dropout, getattr(self, "seed_generator", None), training
        )
        outputs = jnp.matmul(weights, value)
        if query_mask is not None:
            outputs = jnp.where(jnp.asarray(query_mask, bool)[..., None], outputs, 0.0)
        return (outputs, weights) if return_attention_scores else outputs

    def compute_mask(self, inputs, previous_mask=None):
        if previous_mask is None or previous_mask[0] is None:
            return None
        return jnp.asarray(previous_mask[0])

    def compute_output_shape(self, input_shape):
        query_shape, value_shape = input_shape[0], input_shape[1]
        return (*tuple(query_shape)[:-1], value_shape[-1])

    def _check_inputs(self, shapes, mask=None):
        """Inputs ``[query, value(, key)]`` of one rank >= 3 whose axes line up."""
        shapes = [tuple(s) for s in _as_list(shapes, self._where)]
        names = ("query", "value", "key")
        described = ", ".join(f"{n}={s}" for n, s in zip(names, shapes))
        if len({len(s) for s in shapes}) != 1 or len(shapes[0]) < 3:
            raise ValueError(
                f"{self._where}: query, value and key must have the same rank, at least 3"
                f" (batch, steps, features); received {described}."
            )
        query, value = shapes[0], shapes[1]
        key = shapes[2] if len(shapes) > 2 else value
        if query[-1] != key[-1]:
            raise ValueError(
                f"{self._where}: query and key must have the same feature size (last axis)"
                f" to be scored; received {described}."
            )
        if value[-2] != key[-2]:
            raise ValueError(
                f"{self._where}: value and key must have the same number of steps (axis -2);"
                f" received {described}."
            )
        if mask is not None and (not isinstance(mask, list | tuple) or not 2 <= len(mask) <= 3):
            raise ValueError(
                f"{self._where}: `mask` must be a list [query_mask, value_mask], received"
                f" mask={mask!r}."
            )

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "use_scale": self.use_scale,
                "score_mode": self.score_mode,
                "dropout": self.dropout,
                "seed": self.seed,
            }
        )
        return config


def _as_list(inputs, where):
    """``inputs`` (arrays or shapes) as a list, refusing anything but 2 or 3 of them."""
    ok = isinstance(inputs, list | tuple) and 2 <= len(inputs) <= 3
    if ok and not all(hasattr(x, "shape") or isinstance(x, list | tuple) for x in inputs):
        ok = False
    if not ok:
        raise ValueError(
            f"{where} must be called on a list [query, value] or [query, value, key],"
            f" received {_describe(inputs)}."
        )
    return list(inputs)


def _describe(inputs):
    if hasattr(inputs, "shape"):
        return f"a single input of shape {tuple(inputs.shape)}"
    if isinstance(inputs, tuple) and all(isinstance(d, int | None) for d in inputs):
        return f"a single input of shape {inputs}"
    if isinstance(inputs, list | tuple):
        return f"{len(inputs)} inputs"
    return repr(inputs)
