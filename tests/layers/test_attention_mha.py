"""MultiHeadAttention against Keras 3: projections, masks, axes, dropout, errors."""

import re

import jax
import jax.numpy as jnp
import keras
import numpy as np
import pytest
from keras.src.backend import get_keras_mask
from layer_checks import (
    assert_config_matches_keras,
    assert_gradients_match_finite_differences,
    assert_jit_apply_matches_eager,
    assert_matches_keras,
    assert_trees_close,
    copy_weights_to_keras,
    random_inputs,
)

import lamina
from lamina import layers
from lamina.core import masking

QUERY = random_inputs((2, 4, 6), seed=1)
VALUE = random_inputs((2, 5, 6), seed=2)
KEY = random_inputs((2, 5, 3), seed=3)
# Row 1 of sample 0 sees no key at all (Keras' fully masked row behaviour).
ATTENTION_MASK = np.random.default_rng(4).random((2, 4, 5)) > 0.4
ATTENTION_MASK[0, 1] = False
SUBLAYERS = ("query_dense", "key_dense", "value_dense", "output_dense")

# One set of sizes (2 heads of 3) throughout: XLA compiles once per shape.
CONFIGS = [
    dict(num_heads=2, key_dim=3),
    dict(num_heads=2, key_dim=3, use_bias=False, sliding_window=2),
    dict(num_heads=2, key_dim=3, use_gate=True, bias_initializer="ones"),
]
CONFIG_ONLY = [
    dict(num_heads=3, key_dim=2, value_dim=4, dropout=0.1, output_shape=(2, 3), seed=5),
    dict(num_heads=1, key_dim=4, attention_axes=-2, kernel_initializer="he_normal"),
    dict(num_heads=2, key_dim=2, kernel_constraint="non_neg", bias_constraint="unit_norm"),
]
CALLS = [
    ((QUERY, VALUE), {}),
    ((QUERY, VALUE, KEY), dict(attention_mask=ATTENTION_MASK)),
    ((QUERY, QUERY), dict(use_causal_mask=True, return_attention_scores=True)),
    ((QUERY, VALUE, KEY), dict(value_mask=ATTENTION_MASK[:, 0], return_attention_scores=True)),
]


def pair(**config):
    return layers.MultiHeadAttention(**config), keras.layers.MultiHeadAttention(**config)


@pytest.mark.parametrize("config", CONFIGS)
def test_outputs_scores_and_config_match_keras(config):
    for inputs, call_kwargs in CALLS:
        ours, theirs = pair(**config)
        assert_matches_keras(ours, theirs, *inputs, call_kwargs=call_kwargs)
    assert ours.weights[0].path == "query_dense/kernel"
    assert_config_matches_keras(*pair(**config))


@pytest.mark.parametrize("config", CONFIG_ONLY)
def test_config_matches_keras_and_round_trips(config):
    assert_config_matches_keras(*pair(**config))


def test_value_dim_differs_from_key_dim():
    # Keras' fused path (jax.nn.dot_product_attention) refuses value_dim != key_dim;
    # its explicit path (taken with return_attention_scores) is the reference.
    ours, theirs = pair(num_heads=2, key_dim=3, value_dim=5, output_shape=(2, 4))
    out, scores = assert_matches_keras(
        ours, theirs, QUERY, VALUE, call_kwargs=dict(return_attention_scores=True)
    )
    assert out.shape == (2, 4, 2, 4) and scores.shape == (2, 2, 4, 5)
    np.testing.assert_allclose(ours(QUERY, VALUE), out, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    "axes,mask_shape",
    # Mask layout: (batch, <other axes>, <query attention axes>, <key attention axes>).
    [((1, 2), (2, 3, 2, 3, 2)), ((2,), (2, 3, 2, 2)), ((-3,), (2, 2, 3, 3))],
)
def test_attention_over_other_axes_matches_keras(axes, mask_shape):
    query = random_inputs((2, 3, 2, 6), seed=5)
    value = random_inputs((2, 3, 2, 6), seed=6)
    mask = np.random.default_rng(7).random(mask_shape) > 0.3
    ours, theirs = pair(num_heads=2, key_dim=3, attention_axes=axes)
    for call_kwargs in ({}, dict(attention_mask=mask, return_attention_scores=True)):
        assert_matches_keras(ours, theirs, query, value, call_kwargs=call_kwargs)
    assert_config_matches_keras(*pair(num_heads=2, key_dim=3, attention_axes=axes))


class LaminaEncoder(lamina.Model):
    def __init__(self, **config):
        super().__init__()
        self.embed = layers.Embedding(9, 6, mask_zero=True)
        self.embed_key = layers.Embedding(9, 3, mask_zero=True)
        self.attend = layers.MultiHeadAttention(**config)

    def call(self, query_ids, value_ids, training=None):
        query, value, key = self.embed(query_ids), self.embed(value_ids), self.embed_key(value_ids)
        return self.attend(query, value, key=key, training=training)


class KerasEncoder(keras.Model):
    def __init__(self, **config):
        super().__init__()
        self.embed = keras.layers.Embedding(9, 6, mask_zero=True)
        self.embed_key = keras.layers.Embedding(9, 3, mask_zero=True)
        self.attend = keras.layers.MultiHeadAttention(**config)

    def call(self, query_ids, value_ids, training=None):
        query, value, key = self.embed(query_ids), self.embed(value_ids), self.embed_key(value_ids)
        return self.attend(query, value, key=key, training=training)


QUERY_IDS = np.array([[3, 1, 4, 0], [2, 0, 0, 0]])
VALUE_IDS = np.array([[5, 0, 0, 0, 0], [1, 2, 3, 8, 0]])


@pytest.mark.parametrize(
    "config", [dict(num_heads=2, key_dim=3), dict(num_heads=2, key_dim=3, dropout=0.3)]
)
def test_embedding_masks_flow_through_a_subclassed_model_as_in_keras(config):
    # Padded query steps see no key: uniform weights on Keras' fused path, zeros on its
    # explicit one (dropout > 0); both must match.
    ours, theirs = LaminaEncoder(**config), KerasEncoder(**config)
    out = ours(QUERY_IDS, VALUE_IDS)
    theirs(QUERY_IDS, VALUE_IDS)
    copy_weights_to_keras(ours, theirs)
    expected = theirs(QUERY_IDS, VALUE_IDS)
    assert_trees_close(out, expected)
    np.testing.assert_array_equal(masking.get_mask(out), get_keras_mask(expected))
    np.testing.assert_array_equal(masking.get_mask(out), QUERY_IDS != 0)
    params, state = ours.split()
    applied, _ = jax.jit(lambda p, s: ours.apply(p, s, QUERY_IDS, VALUE_IDS))(params, state)
    assert_trees_close(applied, expected)


def test_explicit_query_mask_is_honoured():
    # Keras reads the query mask only from the tensor and ignores `query_mask=`;
    # lamina applies it, which equals Keras given the same mask as attention_mask.
    query_mask = np.array([[True, True, False, False], [True, True, True, False]])
    ours, theirs = pair(num_heads=2, key_dim=3)
    as_attention_mask = dict(attention_mask=np.broadcast_to(query_mask[:, :, None], (2, 4, 5)))
    assert_matches_keras(ours, theirs, QUERY, VALUE, call_kwargs=as_attention_mask)
    out = ours(QUERY, VALUE, query_mask=query_mask)
    np.testing.assert_allclose(out, theirs(QUERY, VALUE, **as_attention_mask), atol=1e-6)
    np.testing.assert_array_equal(masking.get_mask(out), query_mask)


def test_dropout_only_in_training_and_scores_are_taken_before_it():
    ours, theirs = pair(num_heads=2, key_dim=3, dropout=0.5, seed=1)
    expected, expected_scores = assert_matches_keras(
        ours, theirs, QUERY, VALUE, call_kwargs=dict(return_attention_scores=True)
    )
    params, state = ours.split()
    run = jax.jit(
        lambda s: ours.apply(params, s, QUERY, VALUE, training=True, return_attention_scores=True)
    )
    (out, scores), state_1 = run(state)
    np.testing.assert_allclose(scores, expected_scores, rtol=1e-5, atol=1e-6)
    assert not np.allclose(out, expected, atol=1e-3)
    np.testing.assert_array_equal(run(state)[0][0], out)
    assert not np.allclose(run(state_1)[0][0], out)
    inference, _ = ours.apply(params, state, QUERY, VALUE, training=False)
    np.testing.assert_allclose(inference, expected, rtol=1e-5, atol=1e-6)


def test_regularization_losses_match_keras():
    def config(lib):
        return dict(
            num_heads=2,
            key_dim=3,
            kernel_regularizer=lib.regularizers.L2(0.25),
            bias_regularizer=lib.regularizers.L1(0.5),
            activity_regularizer=lib.regularizers.L2(0.125),
        )

    ours = layers.MultiHeadAttention(**config(lamina))
    theirs = keras.layers.MultiHeadAttention(**config(keras))
    assert_matches_keras(ours, theirs, QUERY, VALUE)
    assert_config_matches_keras(
        layers.MultiHeadAttention(**config(lamina)),
        keras.layers.MultiHeadAttention(**config(keras)),
    )
    ours_losses = sorted(float(x) for x in ours.losses)
    keras_losses = sorted(float(x) for x in theirs.losses)
    assert len(ours_losses) == len(keras_losses) == 12
    np.testing.assert_allclose(ours_losses, keras_losses, rtol=1e-5)


def test_gradients_and_jit_with_masks():
    layer = layers.MultiHeadAttention(num_heads=2, key_dim=3)
    call_kwargs = dict(attention_mask=ATTENTION_MASK, use_causal_mask=True)
    assert_gradients_match_finite_differences(layer, QUERY, VALUE, KEY, call_kwargs=call_kwargs)
    assert_jit_apply_matches_eager(layer, QUERY, VALUE, KEY, call_kwargs=call_kwargs)


def test_ensemble_through_vmap_matches_keras_per_member():
    layer = layers.MultiHeadAttention(num_heads=2, key_dim=3)
    keys = jax.random.split(jax.random.key(0), 2)
    params, state = jax.vmap(lambda k: layer.init(k, QUERY, VALUE))(keys)
    outs = jax.vmap(lambda p, s: layer.apply(p, s, QUERY, VALUE)[0])(params, state)
    twin = keras.layers.MultiHeadAttention(num_heads=2, key_dim=3)
    twin(QUERY, VALUE)
    for i in range(2):
        twin.set_weights([params[name][w][i] for name in SUBLAYERS for w in ("kernel", "bias")])
        np.testing.assert_allclose(outs[i], twin(QUERY, VALUE), rtol=1e-5, atol=1e-5)
    assert not np.allclose(outs[0], outs[1])


@pytest.mark.parametrize(
    "kwargs,match",
    [
        (dict(num_heads=0), r"`num_heads` must be a positive int, received num_heads=0"),
        (dict(key_dim=-1), r"`key_dim` must be a positive int, received key_dim=-1"),
        (dict(key_dim=2.5), r"`key_dim` must be a positive int, received key_dim=2.5"),
        (dict(value_dim=0), r"`value_dim` must be a positive int, received value_dim=0"),
        (dict(dropout=-0.1), r"`dropout` must be a float in \[0, 1\], received dropout=-0.1"),
        (dict(output_shape="x"), r"`output_shape` must be an int or a tuple"),
        (dict(attention_axes="x"), r"`attention_axes` must be an int, a tuple of ints or None"),
        (dict(sliding_window=0), r"`sliding_window` must be a positive int"),
    ],
)
def test_bad_arguments_are_refused(kwargs, match):
    config = dict(num_heads=2, key_dim=3, name="mha") | kwargs
    with pytest.raises(ValueError, match=r"MultiHeadAttention 'mha': " + match):
        layers.MultiHeadAttention(**config)


@pytest.mark.parametrize("axes", [(0,), (2,), (-1,), (1, 1)])
def test_attention_axes_outside_the_inner_axes_are_refused(axes):
    layer = layers.MultiHeadAttention(2, 3, attention_axes=axes, name="mha")
    with pytest.raises(
        ValueError, match=rf"'mha': `attention_axes` must be distinct.*{re.escape(str(axes))}"
    ):
        layer(QUERY, VALUE)


def test_mismatched_shapes_are_refused_with_both_shapes():
    layer = layers.MultiHeadAttention(2, 3, name="mha")
    with pytest.raises(ValueError, match=r"'mha': query, value and key must have the same rank"):
        layer(QUERY[0], VALUE[0])
    with pytest.raises(ValueError, match=r"'mha': all axes of `value` and `key` but the last"):
        layer(QUERY, VALUE, KEY[:, :4])
    layer(QUERY, VALUE, KEY)
    with pytest.raises(ValueError, match=r"layer 'mha'.*axis -1 of input shape to have value 6"):
        layer(QUERY[..., :5], VALUE, KEY)
    with pytest.raises(ValueError, match=r"'mha' was built for `value` of rank 3 with 6 features"):
        layer(QUERY, VALUE[..., :4], KEY)
    with pytest.raises(ValueError, match=r"'mha' was built for `key` of rank 3 with 3 features"):
        layer(QUERY, VALUE, VALUE)
    with pytest.raises(ValueError, match=r"'mha': all axes of `value` and `key` but the last"):
        layer(QUERY, VALUE, KEY[:, :4])
    y = layer(QUERY, jnp.asarray(VALUE), KEY)
    assert y.shape == layer.compute_output_shape(QUERY.shape, VALUE.shape, KEY.shape)
