"""Embedding and Masking against Keras 3, including the masks they produce."""

import keras
import numpy as np
import pytest

from lamina import layers


@pytest.mark.parametrize("mask_zero", [False, True])
def test_embedding_matches_keras(mask_zero):
    ids = np.array([[1, 4, 0], [3, 0, 0]])
    ours = layers.Embedding(6, 3, mask_zero=mask_zero)
    out = ours(ids)
    theirs = keras.layers.Embedding(6, 3, mask_zero=mask_zero)
    theirs.build(ids.shape)
    theirs.set_weights([ours.embeddings.numpy()])
    np.testing.assert_allclose(out, theirs(ids), rtol=1e-6)
    mask = ours.compute_mask(ids)
    keras_mask = theirs.compute_mask(ids)
    assert (mask is None) == (keras_mask is None)
    if mask is not None:
        np.testing.assert_array_equal(mask, keras_mask)
    config = ours.get_config()
    for key in ("input_dim", "output_dim", "mask_zero"):
        assert config[key] == theirs.get_config()[key]


def test_masking_matches_keras():
    x = np.array([[[1.0, 2.0], [0.0, 0.0], [0.0, 3.0]]], np.float32)
    ours = layers.Masking(0.0)
    theirs = keras.layers.Masking(0.0)
    np.testing.assert_allclose(ours(x), theirs(x))
    np.testing.assert_array_equal(ours.compute_mask(x), theirs.compute_mask(x))


def test_bad_embedding_arguments_are_refused():
    with pytest.raises(ValueError, match="`input_dim` must be a positive int"):
        layers.Embedding(0, 3)
