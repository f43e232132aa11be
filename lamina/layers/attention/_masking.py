"""Pieces the attention layers share: masks, the masked softmax, attention dropout."""

import jax
import jax.numpy as jnp

from lamina import random


def large_negative(dtype) -> float:
    """A logit that softmax turns into an exact zero (Keras' values; float16 has no 1e9)."""
    return -3.0e4 if jnp.dtype(dtype) == jnp.float16 else -1.0e9


def causal_mask(query_length: int, key_length: int) -> jax.Array:
    """``(1, Tq, Tk)`` bool: query ``i`` sees keys ``j <= i``."""
    rows = jnp.arange(query_length)[:, None]
    cols = jnp.arange(key_length)[None, :]
    return (rows >= cols)[None]


def band_mask(query_length: int, key_length: int, window: int) -> jax.Array:
    """``(1, Tq, Tk)`` bool: query ``i`` sees keys ``j`` with ``|i - j| < window``."""
    rows = jnp.arange(query_length)[:, None]
    cols = jnp.arange(key_length)[None, :]
    return (jnp.abs(rows - cols) < window)[None]


def masked_softmax(scores, mask, axes, zero_fully_masked):
    """Softmax of ``scores`` over ``axes`` where ``mask`` (broadcastable bool) is True.

    Masked logits are replaced by a large negative number, so masked positions get
    exactly zero weight whenever a row has an unmasked position. A row with none
    comes out uniform, or all zeros with ``zero_fully_masked``.
    """
    if mask is not None:
        scores = jnp.where(mask, scores, large_negative(scores.dtype))
    weights = jax.nn.softmax(scores, axis=axes)
    if mask is not None and zero_fully_masked:
        weights = jnp.where(mask, weights, 0.0)
    return weights


def attention_dropout(weights, rate, seed_generator, training):
    """Dropout of attention weights, only when ``training`` and ``rate > 0``."""
    if not training or rate == 0:
        return weights
    if rate == 1:
        return jnp.zeros_like(weights)
    return random.dropout(weights, rate, seed=seed_generator)
