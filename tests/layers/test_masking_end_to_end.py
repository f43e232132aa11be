"""Masks end to end: from ``Embedding(mask_zero=True)`` through recurrent, attention,
pooling and merging layers, in Sequential, functional and subclassed models, eagerly
and under ``jax.jit``.

Two references: Keras 3 running the same model on the same weights, and the same
model run on each sequence with its padded steps removed (a masked step must count
for nothing).
"""

import jax
import keras
import numpy as np
import pytest

import lamina

VOCAB, WIDTH = 12, 4
IDS = np.array([[3, 5, 7, 0, 0], [2, 0, 0, 0, 0], [1, 4, 6, 8, 9]], dtype="int32")


def lengths():
    return (IDS != 0).sum(axis=1)


def recurrent_stack(lib):
    return [
        lib.layers.Embedding(VOCAB, WIDTH, mask_zero=True),
        lib.layers.Bidirectional(lib.layers.LSTM(3, return_sequences=True)),
        lib.layers.GRU(5),
        lib.layers.Dense(2),
    ]


def pooling_stack(lib):
    return [
        lib.layers.Embedding(VOCAB, WIDTH, mask_zero=True),
        lib.layers.SimpleRNN(3, return_sequences=True),
        lib.layers.GlobalAveragePooling1D(),
        lib.layers.Dense(2),
    ]


STACKS = {"recurrent": recurrent_stack, "pooling": pooling_stack}


def build(lib, kind, stack):
    layers = STACKS[stack](lib)
    if kind == "sequential":
        return lib.Sequential(layers)
    if kind == "functional":
        inputs = lib.Input((None,), dtype="int32")
        x = inputs
        for layer in layers:
            x = layer(x)
        return lib.Model(inputs, x)

    class Stack(lib.Model):
        def __init__(self):
            super().__init__()
            self.stack = layers

        def call(self, x):
            for layer in self.stack:
                x = layer(x)
            return x

    return Stack()


@pytest.mark.parametrize("stack", sorted(STACKS))
@pytest.mark.parametrize("kind", ["sequential", "functional", "subclassed"])
def test_masked_models_match_keras_jit_and_unpadded_sequences(kind, stack):
    ours = build(lamina, kind, stack)
    out = np.asarray(ours(IDS))
    theirs = build(keras, "sequential", stack)
    theirs(IDS)
    theirs.set_weights(ours.get_weights())
    np.testing.assert_allclose(out, theirs(IDS), rtol=1e-5, atol=1e-5)

    params, state = ours.split()
    jitted, _ = jax.jit(ours.apply)(params, state, IDS)
    np.testing.assert_allclose(jitted, out, rtol=1e-5, atol=1e-6)

    for row, length in enumerate(lengths()):
        alone = np.asarray(ours(IDS[row : row + 1, :length]))
        np.testing.assert_allclose(out[row : row + 1], alone, rtol=1e-5, atol=1e-6)


class AttentionPooling(lamina.Model):
    """Self-attention over an embedded, padded sequence, then a masked mean."""

    def __init__(self):
        super().__init__()
        self.embed = lamina.layers.Embedding(VOCAB, WIDTH, mask_zero=True)
        self.attend = lamina.layers.MultiHeadAttention(num_heads=2, key_dim=3)
        self.merge = lamina.layers.Add()
        self.pool = lamina.layers.GlobalAveragePooling1D()

    def call(self, ids):
        x = self.embed(ids)
        return self.pool(self.merge([x, self.attend(x, x)]))


def test_attention_with_padding_equals_attention_without_it():
    model = AttentionPooling()
    out = np.asarray(model(IDS))
    params, state = model.split()
    np.testing.assert_allclose(jax.jit(model.apply)(params, state, IDS)[0], out, atol=1e-6)
    for row, length in enumerate(lengths()):
        alone = np.asarray(model(IDS[row : row + 1, :length]))
        np.testing.assert_allclose(out[row : row + 1], alone, rtol=1e-5, atol=1e-6)


def test_concatenated_masked_branches_keep_both_masks():
    """Concatenate over the time axis joins the masks; the pooled mean ignores pads."""
    inputs = lamina.Input((None,), dtype="int32")
    a = lamina.layers.Embedding(VOCAB, WIDTH, mask_zero=True)(inputs)
    b = lamina.layers.Embedding(VOCAB, WIDTH, mask_zero=True)(inputs)
    joined = lamina.layers.Concatenate(axis=1)([a, b])
    model = lamina.Model(inputs, lamina.layers.GlobalAveragePooling1D()(joined))
    out = np.asarray(model(IDS))
    embeddings = [layer for layer in model.layers if isinstance(layer, lamina.layers.Embedding)]
    table_a, table_b = (layer.embeddings.numpy() for layer in embeddings)
    for row, length in enumerate(lengths()):
        ids = IDS[row, :length]
        expected = np.concatenate([table_a[ids], table_b[ids]]).mean(axis=0)
        np.testing.assert_allclose(out[row], expected, rtol=1e-5, atol=1e-6)
