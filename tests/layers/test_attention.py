"""Attention and AdditiveAttention against Keras 3: scores, masks, dropout, errors."""

import jax
import jax.numpy as jnp
import keras
import numpy as np
import pytest
from layer_checks import (
    assert_config_matches_keras,
    assert_gradients_match_finite_differences,
    assert_jit_apply_matches_eager,
    assert_matches_keras,
    random_inputs,
)

from lamina import layers
from lamina.core import masking

QUERY = random_inputs((2, 3, 4), seed=1)
VALUE = random_inputs((2, 5, 4), seed=2)
KEY = random_inputs((2, 5, 4), seed=3)
QUERY_MASK = np.array([[True, True, False], [True, False, True]])
# The second sample masks every value step: Keras' numbers for fully masked rows.
VALUE_MASK = np.array([[True, True, True, False, False], [False] * 5])

LAYERS = [
    ("Attention", {}),
    ("Attention", dict(use_scale=True)),
    ("Attention", dict(score_mode="concat")),
    ("Attention", dict(use_scale=True, score_mode="concat")),
    ("AdditiveAttention", {}),
    ("AdditiveAttention", dict(use_scale=False)),
]
CALLS = [
    ([QUERY, VALUE], {}),
    ([QUERY, VALUE, KEY], dict(return_attention_scores=True)),
    ([QUERY, VALUE], dict(use_causal_mask=True, return_attention_scores=True)),
]


def pair(name, config):
    return getattr(layers, name)(**config), getattr(keras.layers, name)(**config)


@pytest.mark.parametrize("name,config", LAYERS)
def test_outputs_scores_and_config_match_keras(name, config):
    for inputs, call_kwargs in CALLS:
        ours, theirs = pair(name, config)
        assert_matches_keras(ours, theirs, inputs, call_kwargs=call_kwargs)
    ours, theirs = pair(name, config)
    assert_config_matches_keras(ours, theirs)


@pytest.mark.parametrize("name,config", LAYERS[1::2])
def test_masks_match_keras_including_fully_masked_rows(name, config):
    ours, theirs = pair(name, config)
    out, weights = assert_matches_keras(
        ours,
        theirs,
        [QUERY, VALUE],
        mask=[QUERY_MASK, VALUE_MASK],
        call_kwargs=dict(return_attention_scores=True, use_causal_mask=True),
    )
    # Masked query steps output zeros; masked (and future) value steps get no weight.
    np.testing.assert_array_equal(np.asarray(out)[~QUERY_MASK], 0.0)
    visible = VALUE_MASK[0][None, :] & np.tri(3, 5, dtype=bool)
    np.testing.assert_array_equal(np.asarray(weights)[0][~visible], 0.0)


def test_masks_of_embedded_inputs_arrive_by_themselves():
    query_ids = np.array([[3, 1, 0], [2, 0, 0]])
    value_ids = np.array([[1, 2, 4, 0, 0], [5, 0, 0, 0, 0]])
    embed = layers.Embedding(6, 4, mask_zero=True)
    query, value = embed(query_ids), embed(value_ids)
    ours = layers.Attention(use_scale=True)
    out = ours([query, value])
    theirs = keras.layers.Attention(use_scale=True)
    masks = [query_ids != 0, value_ids != 0]
    theirs([query, value], mask=masks)
    theirs.set_weights([w.numpy() for w in ours.weights])
    np.testing.assert_allclose(out, theirs([query, value], mask=masks), rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(masking.get_mask(out), query_ids != 0)


def test_dropout_acts_only_in_training_and_scales_kept_weights():
    rate = 0.5
    ours = layers.Attention(dropout=rate, seed=7)
    keras_weights = keras.layers.Attention()([QUERY, VALUE], return_attention_scores=True)[1]
    inference = ours([QUERY, VALUE], return_attention_scores=True)
    np.testing.assert_allclose(inference[1], keras_weights, rtol=1e-5, atol=1e-6)
    params, state = ours.split()
    (out, dropped), state_1 = ours.apply(
        params, state, [QUERY, VALUE], training=True, return_attention_scores=True
    )
    dropped, expected = np.asarray(dropped), np.asarray(keras_weights)
    kept = dropped != 0
    assert 0 < kept.mean() < 1
    np.testing.assert_allclose(dropped[kept], expected[kept] / (1 - rate), rtol=1e-5)
    np.testing.assert_allclose(out, dropped @ VALUE, rtol=1e-5, atol=1e-6)
    (again, _), _ = ours.apply(
        params, state, [QUERY, VALUE], training=True, return_attention_scores=True
    )
    np.testing.assert_array_equal(again, out)
    (fresh, _), _ = ours.apply(
        params, state_1, [QUERY, VALUE], training=True, return_attention_scores=True
    )
    assert not np.allclose(fresh, out)


@pytest.mark.parametrize("name,config", LAYERS[1:5])
def test_gradients_and_jit(name, config):
    layer = getattr(layers, name)(**config)
    inputs = [QUERY, VALUE, KEY]
    call_kwargs = dict(use_causal_mask=True)
    assert_gradients_match_finite_differences(layer, inputs, call_kwargs=call_kwargs)
    assert_jit_apply_matches_eager(layer, inputs, call_kwargs=call_kwargs)


def test_jit_apply_with_masks_and_vmap_over_scales():
    layer = layers.Attention(use_scale=True)
    mask = [QUERY_MASK, VALUE_MASK]
    assert_jit_apply_matches_eager(layer, [QUERY, VALUE], call_kwargs=dict(mask=mask))
    params, state = layer.split()
    scales = jnp.array([0.5, 2.0])
    outs = jax.vmap(lambda s: layer.apply({"scale": s}, state, [QUERY, VALUE])[0])(scales)
    for scale, out in zip(scales, outs):
        scores = QUERY @ VALUE.transpose(0, 2, 1) * float(scale)
        weights = np.exp(scores - scores.max(-1, keepdims=True))
        weights /= weights.sum(-1, keepdims=True)
        np.testing.assert_allclose(out, weights @ VALUE, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    "inputs,match",
    [
        (QUERY, r"Attention 'att' must be called on a list \[query, value\].*single input"),
        ([QUERY], r"Attention 'att' must be called on a list.*received 1 inputs"),
        ([QUERY, VALUE, KEY, KEY], r"received 4 inputs"),
        ([QUERY[0], VALUE[0]], r"'att': query, value and key must have the same rank, at least 3"),
        ([QUERY, VALUE[..., :3]], r"'att': query and key must have the same feature size.*"),
        ([QUERY, VALUE, KEY[:, :4]], r"'att': value and key must have the same number of steps"),
    ],
)
def test_bad_inputs_are_refused(inputs, match):
    with pytest.raises(ValueError, match=match):
        layers.Attention(name="att")(inputs)


def test_bad_arguments_and_masks_are_refused():
    with pytest.raises(ValueError, match=r"Attention 'a': `score_mode` must be one of"):
        layers.Attention(score_mode="sum", name="a")
    with pytest.raises(ValueError, match=r"AdditiveAttention 'b': `dropout` must be a float in"):
        layers.AdditiveAttention(dropout=1.5, name="b")
    with pytest.raises(ValueError, match=r"Attention 'c': `mask` must be a list"):
        layers.Attention(name="c")([QUERY, VALUE], mask=QUERY_MASK)
