"""Bidirectional against Keras 3: merge modes, states, masks, configs, gradients."""

import keras
import numpy as np
import pytest
from layer_checks import (
    assert_config_matches_keras,
    assert_gradients_match_finite_differences,
    assert_jit_apply_matches_eager,
    assert_matches_keras,
    assert_trees_close,
    copy_weights_to_keras,
    random_inputs,
)

from lamina import layers

X = random_inputs((2, 5, 3))
MASK = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], bool)


def pair(inner, merge_mode="concat", **config):
    """The same Bidirectional in lamina and Keras (inner layers named alike)."""
    return (
        layers.Bidirectional(getattr(layers, inner)(3, name="rnn", **config), merge_mode),
        keras.layers.Bidirectional(
            getattr(keras.layers, inner)(3, name="rnn", **config), merge_mode
        ),
    )


@pytest.mark.parametrize(
    "inner, merge_mode, config, mask",
    [
        ("LSTM", "concat", {}, None),
        ("GRU", "sum", dict(return_sequences=True), MASK),
        ("SimpleRNN", "mul", dict(return_sequences=True), MASK),
        ("GRU", "ave", dict(reset_after=False), MASK),
        ("LSTM", None, dict(return_sequences=True), MASK),
    ],
)
def test_merge_modes_match_keras(inner, merge_mode, config, mask):
    ours, theirs = pair(inner, merge_mode, **config)
    assert_matches_keras(ours, theirs, X, mask=mask)
    if inner != "SimpleRNN":  # Keras' SimpleRNN config drops `seed` (lamina keeps it)
        assert_config_matches_keras(*pair(inner, merge_mode, **config))


@pytest.mark.parametrize("merge_mode", [None])
def test_returned_states_match_keras(merge_mode):
    """Keras' ``compute_mask`` gives a single mask for the several outputs of a
    non-stateful ``return_state`` Bidirectional; lamina gives one per output (the
    sequence mask(s), then None for each state), so outputs are compared here."""
    ours, theirs = pair("LSTM", merge_mode, return_sequences=True, return_state=True)
    h = [random_inputs((2, 3), seed=i) for i in range(4)]
    out = ours(X, initial_state=h, mask=MASK)
    theirs(X, initial_state=h, mask=MASK)
    copy_weights_to_keras(ours, theirs)
    assert_trees_close(out, theirs(X, initial_state=h, mask=MASK))
    assert len(out) == (6 if merge_mode is None else 5)
    masks = ours.compute_mask(X, MASK)
    n_outputs = 2 if merge_mode is None else 1
    assert len(masks) == len(out) and all(m is None for m in masks[n_outputs:])
    for m in masks[:n_outputs]:
        np.testing.assert_array_equal(m, MASK)
    expected_shapes = theirs.compute_output_shape(X.shape)
    assert [tuple(s) for s in ours.compute_output_shape(X.shape)] == [
        tuple(s) for s in expected_shapes
    ]


def test_backward_layer_weights_and_gradients():
    forward = layers.GRU(3, return_sequences=True, name="f")
    backward = layers.LSTM(3, return_sequences=True, go_backwards=True, name="b")
    ours = layers.Bidirectional(forward, backward_layer=backward)
    theirs = keras.layers.Bidirectional(
        keras.layers.GRU(3, return_sequences=True, name="f"),
        backward_layer=keras.layers.LSTM(3, return_sequences=True, go_backwards=True, name="b"),
    )
    assert_matches_keras(ours, theirs, X, mask=MASK)
    assert [w.path for w in ours.weights][:3] == [
        "forward_layer/cell/kernel",
        "forward_layer/cell/recurrent_kernel",
        "forward_layer/cell/bias",
    ]
    assert_config_matches_keras(ours, theirs)
    assert_gradients_match_finite_differences(ours, X)
    assert_jit_apply_matches_eager(ours, X, call_kwargs={"mask": MASK})

    weights = [w.numpy() + 1.0 for w in ours.weights]
    preset = layers.Bidirectional(
        layers.GRU(3, return_sequences=True),
        weights=weights,
        backward_layer=layers.LSTM(3, return_sequences=True, go_backwards=True),
    )
    preset(X)
    for mine, given in zip(preset.weights, weights):
        np.testing.assert_array_equal(mine.numpy(), given)


def test_stateful_bidirectional_resets_both_directions():
    layer = layers.Bidirectional(layers.LSTM(3, stateful=True))
    first = layer(X)
    assert len(layer.states) == 4
    assert not np.allclose(layer(X), first)
    layer.reset_states()
    np.testing.assert_allclose(layer(X), first, atol=1e-6)
    with pytest.raises(AttributeError, match="Bidirectional 'b': the layer is not stateful"):
        layers.Bidirectional(layers.LSTM(3), name="b").reset_states()


def test_bad_arguments_name_the_layer_and_values():
    with pytest.raises(ValueError, match=r"Bidirectional 'b': `merge_mode` must be one of.*'max'"):
        layers.Bidirectional(layers.LSTM(2), merge_mode="max", name="b")
    with pytest.raises(ValueError, match=r"Bidirectional 'b': `layer` must be a recurrent layer"):
        layers.Bidirectional(layers.Dense(2), name="b")
    with pytest.raises(ValueError, match=r"different `go_backwards`, received True for both"):
        layers.Bidirectional(layers.LSTM(2, go_backwards=True), name="b")
    with pytest.raises(ValueError, match=r"same `return_sequences`, received False .* True"):
        layers.Bidirectional(
            layers.LSTM(2), backward_layer=layers.LSTM(2, go_backwards=True, return_sequences=True)
        )
    layer = layers.Bidirectional(layers.LSTM(3), name="b")
    with pytest.raises(ValueError, match=r"Bidirectional 'b': `initial_state` .* received 3"):
        layer(X, initial_state=[np.zeros((2, 3), "float32")] * 3)
    with pytest.raises(ValueError, match=r"layer 'b'.*expected ndim=3.*shape \(2, 5\)"):
        layer(X[..., 0])
