"""Recurrent layers: masks (explicit and propagated), padding, initial and stateful
states, seeded dropout, and the errors they raise."""

import jax
import keras
import numpy as np
import pytest
from layer_checks import (
    assert_config_matches_keras,
    assert_matches_keras,
    copy_weights_to_keras,
    random_inputs,
)

from lamina import layers

X = random_inputs((2, 5, 3))
MASK = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], bool)
LENGTHS = (3, 5)  # MASK as right padding


@pytest.mark.parametrize(
    "name, config",
    [
        ("LSTM", dict(return_sequences=True, return_state=True)),
        ("GRU", dict(reset_after=False, go_backwards=True, return_sequences=True)),
        ("SimpleRNN", dict(return_state=True)),
    ],
)
def test_explicit_masks_match_keras(name, config):
    # A hole in the middle too: masking is per step, not only padding.
    mask = MASK.copy()
    mask[1, 1] = False
    assert_matches_keras(
        getattr(layers, name)(3, **config), getattr(keras.layers, name)(3, **config), X, mask=mask
    )


def test_rnn_masks_with_zero_output_and_stacked_cells_match_keras():
    config = dict(return_sequences=True, zero_output_for_mask=True)
    cells = lambda m: [m.LSTMCell(3), m.GRUCell(3)]  # noqa: E731
    out = assert_matches_keras(
        layers.RNN(cells(layers), **config),
        keras.layers.RNN(cells(keras.layers), **config),
        X,
        mask=MASK,
    )
    np.testing.assert_array_equal(out[0, 3:], 0.0)


def test_zero_output_for_mask_leaves_the_last_output_alone():
    """Keras zeroes the *last* output too when the last step is padding, although its
    docs say the flag only affects returned sequences; lamina follows the docs, so its
    last output equals Keras' with the flag off."""
    ours = layers.RNN(layers.GRUCell(3), zero_output_for_mask=True)
    theirs = keras.layers.RNN(keras.layers.GRUCell(3), zero_output_for_mask=False)
    out = assert_matches_keras(ours, theirs, X, mask=MASK)
    assert np.all(np.abs(out[0]) > 0)


def test_masks_from_embedding_and_masking_layers_match_keras():
    ids = np.array([[4, 2, 7, 0, 0], [1, 3, 5, 8, 9]])
    embed = layers.Embedding(10, 3, mask_zero=True)
    lstm = layers.LSTM(3, return_sequences=True)
    out = lstm(embed(ids))
    k_embed = keras.layers.Embedding(10, 3, mask_zero=True)
    k_embed.build(ids.shape)
    k_embed.set_weights([embed.embeddings.numpy()])
    k_lstm = keras.layers.LSTM(3, return_sequences=True)
    k_lstm(k_embed(ids))
    copy_weights_to_keras(lstm, k_lstm)
    np.testing.assert_allclose(out, k_lstm(k_embed(ids)), atol=1e-5)
    np.testing.assert_allclose(out[0, 3:], np.broadcast_to(out[0, 2], (2, 3)))  # repeated

    padded = np.where(MASK[..., None], X, 0.0).astype("float32")
    gru = layers.GRU(3)
    out = gru(layers.Masking()(padded))
    k_gru = keras.layers.GRU(3)
    k_gru(keras.layers.Masking()(padded))
    copy_weights_to_keras(gru, k_gru)
    np.testing.assert_allclose(out, k_gru(keras.layers.Masking()(padded)), atol=1e-5)


@pytest.mark.parametrize(
    "make",
    [
        lambda: layers.LSTM(3, return_sequences=True, return_state=True),
        lambda: layers.GRU(3, go_backwards=True, return_sequences=True, return_state=True),
        lambda: layers.SimpleRNN(3, return_state=True),
    ],
)
def test_padded_masked_sequence_equals_the_sequence_without_padding(make):
    """Right padding under a mask changes nothing: final states and outputs equal
    those of each sequence cut to its length (checked against NumPy slicing)."""
    layer = make()
    params, state = layer.init(jax.random.key(0), X)
    apply = jax.jit(lambda x, m: layer.apply(params, state, x, mask=m)[0])
    padded = apply(X, MASK)
    for row, length in enumerate(LENGTHS):
        alone = apply(X[row : row + 1, :length], np.ones((1, length), bool))
        for got, want in zip(padded, alone):
            got = got[row : row + 1]
            if got.ndim == 3:  # the sequence: valid steps equal, padding repeats the last
                if layer.go_backwards:  # processing order: the padding comes first
                    got = got[:, got.shape[1] - length :]
                np.testing.assert_allclose(got[:, :length], want, atol=1e-6)
                if not layer.go_backwards:
                    np.testing.assert_allclose(
                        got[:, length:], np.repeat(want[:, -1:], 5 - length, 1), atol=1e-6
                    )
            else:
                np.testing.assert_allclose(got, want, atol=1e-6)


def test_initial_state_matches_keras():
    h, c = random_inputs((2, 3), seed=1), random_inputs((2, 3), seed=2)
    assert_matches_keras(
        layers.LSTM(3, return_state=True),
        keras.layers.LSTM(3, return_state=True),
        X,
        call_kwargs={"initial_state": [h, c]},
    )
    assert_matches_keras(
        layers.GRU(3, return_sequences=True),
        keras.layers.GRU(3, return_sequences=True),
        X,
        call_kwargs={"initial_state": h},
        mask=MASK,
    )


def test_stateful_lstm_matches_keras_across_calls_and_resets():
    first, second = X[:, :3], X[:, 3:]
    ours = layers.LSTM(3, stateful=True, return_sequences=True)
    ours(first)
    theirs = keras.layers.LSTM(3, stateful=True, return_sequences=True)
    theirs(first)
    copy_weights_to_keras(ours, theirs)  # the carried states are not weights, in both
    ours.reset_states()
    theirs.reset_state()
    for part in (first, second):
        np.testing.assert_allclose(ours(part), theirs(part), atol=1e-5)
    # Two stateful calls continue one sequence: the second equals the tail of one call.
    ours.reset_states()
    whole = layers.LSTM(3, return_sequences=True)
    whole(X)
    whole.merge(*ours.split()[:1], whole.split()[1])
    ours(first)
    np.testing.assert_allclose(ours(second), whole(X)[:, 3:], atol=1e-6)


def test_stateful_states_live_in_state_and_thread_through_apply():
    layer = layers.GRU(3, stateful=True)
    layer(X)
    layer.reset_states()
    assert [w.path for w in layer.weights] == ["cell/kernel", "cell/recurrent_kernel", "cell/bias"]
    params, state = layer.split()
    np.testing.assert_array_equal(state["rnn_states"]["0"], np.zeros((2, 3)))
    step = jax.jit(lambda s, x: layer.apply(params, s, x))
    y1, state = step(state, X)
    y2, state = step(state, X)
    np.testing.assert_allclose(y1, layer(X), atol=1e-6)  # the façade moves on too
    np.testing.assert_allclose(y2, layer(X), atol=1e-6)
    np.testing.assert_allclose(state["rnn_states"]["0"], y2, atol=1e-6)
    assert not np.allclose(y1, y2)
    with pytest.raises(ValueError, match=r"GRU '.*' is stateful with batch size 2.*batch of 1"):
        layer(X[:1])


@pytest.mark.parametrize(
    "name, config",
    [
        ("LSTM", dict(dropout=0.3, recurrent_dropout=0.4)),  # one mask per gate
        ("LSTM", dict(dropout=0.3)),  # one shared input mask
        ("GRU", dict(dropout=0.3, recurrent_dropout=0.4, reset_after=False)),
        ("SimpleRNN", dict(dropout=0.3, recurrent_dropout=0.4)),
    ],
)
def test_dropout_masks_are_seeded_state_and_apply_as_in_keras(name, config):
    ours = getattr(layers, name)(3, seed=5, return_sequences=True, **config)
    theirs = getattr(keras.layers, name)(3, seed=5, return_sequences=True, **config)
    inference = assert_matches_keras(ours, theirs, X)  # training=False: no dropout
    params, state = ours.split()
    with ours.bind(params, state):  # the masks the next training call will draw
        input_masks, recurrent_masks = ours.cell.dropout_masks(2, training=True)
    train, new_state = ours.apply(params, state, X, training=True)
    theirs.cell.get_dropout_mask = lambda _: input_masks
    theirs.cell.get_recurrent_dropout_mask = lambda _: recurrent_masks
    np.testing.assert_allclose(train, theirs(X, training=True), atol=1e-5)
    assert not np.allclose(train, inference)
    again, _ = ours.apply(params, new_state, X, training=True)
    assert not np.allclose(again, train)  # threaded state: fresh masks
    np.testing.assert_array_equal(ours.apply(params, state, X, training=True)[0], train)


# ------------------------------------------------------------------ errors
@pytest.mark.parametrize(
    "cls", ["SimpleRNN", "LSTM", "GRU", "SimpleRNNCell", "LSTMCell", "GRUCell"]
)
@pytest.mark.parametrize("units", [0, -2, 2.5])
def test_bad_units_are_refused_naming_the_layer(cls, units):
    with pytest.raises(
        ValueError, match=rf"{cls} 'x': `units` must be a positive int, received units={units!r}"
    ):
        getattr(layers, cls)(units, name="x")


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match=r"LSTM 'x': `dropout` must be a float.*dropout='a'"):
        layers.LSTM(2, dropout="a", name="x")
    with pytest.raises(ValueError, match=r"GRU 'x': `use_cudnn` must be.*use_cudnn='yes'"):
        layers.GRU(2, use_cudnn="yes", name="x")
    with pytest.raises(ValueError, match=r"GRU 'x': `implementation` must be 1 or 2.*=3"):
        layers.GRU(2, implementation=3, name="x")
    with pytest.raises(ValueError, match=r"RNN 'x': `cell` must have a `call` method.*Dense"):
        layers.RNN(layers.Dense(2), name="x")
    with pytest.raises(TypeError, match="unexpected keyword argument.*'bogus'"):
        layers.LSTM(2, bogus=1)


def test_wrong_rank_and_feature_count_name_the_layer_and_shapes():
    layer = layers.LSTM(3, name="enc")
    with pytest.raises(ValueError, match=r"layer 'enc'.*expected ndim=3.*shape \(2, 5\)"):
        layer(X[..., 0])
    layer(X)
    with pytest.raises(
        ValueError, match=r"layer 'enc'.*axis -1 of input shape to have value 3.*\(2, 5, 4\)"
    ):
        layer(random_inputs((2, 5, 4)))
    with pytest.raises(ValueError, match=r"layer 'rnn_x'.*min_ndim=3.*shape \(2, 5\)"):
        layers.RNN(layers.GRUCell(3), name="rnn_x")(X[..., 0])


def test_wrong_initial_state_and_mask_shapes_name_the_layer_and_shapes():
    layer = layers.LSTM(3, name="enc")
    h = np.zeros((2, 3), "float32")
    with pytest.raises(
        ValueError,
        match=r"LSTM 'enc': `initial_state` must be 2 tensor\(s\) of shape\(s\)"
        r" \[\(2, 3\), \(2, 3\)\].*received 1 of shape\(s\) \[\(2, 3\)\]",
    ):
        layer(X, initial_state=[h])
    with pytest.raises(ValueError, match=r"received 2 of shape\(s\) \[\(2, 3\), \(2, 4\)\]"):
        layer(X, initial_state=[h, np.zeros((2, 4), "float32")])
    with pytest.raises(
        ValueError, match=r"LSTM 'enc': `mask` must have shape .* \(2, 5\), received shape \(2, 4\)"
    ):
        layer(X, mask=MASK[:, :4])


def test_configs_of_rnn_layers_with_masks_round_trip():
    ours = layers.RNN(layers.LSTMCell(3, name="c"), zero_output_for_mask=True, stateful=True)
    theirs = keras.layers.RNN(
        keras.layers.LSTMCell(3, name="c"), zero_output_for_mask=True, stateful=True
    )
    assert_config_matches_keras(ours, theirs)
