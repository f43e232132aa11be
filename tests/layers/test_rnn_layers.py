"""SimpleRNN, LSTM, GRU, their cells and RNN against Keras 3 (JAX backend):
outputs, states, configs, regularization, gradients, jit and vmap."""

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
    assert_trees_close,
    copy_weights_to_keras,
    random_inputs,
)

import lamina
from lamina import layers
from lamina.layers.rnn import recurrence

X = random_inputs((2, 5, 3))

LAYER_CONFIGS = [
    ("SimpleRNN", dict(units=3, activation="relu", return_sequences=True, return_state=True)),
    ("SimpleRNN", dict(units=3, use_bias=False, go_backwards=True, unroll=True)),
    ("LSTM", dict(units=3, return_sequences=True, return_state=True, unroll=True)),
    (
        "LSTM",
        dict(
            units=3,
            activation="relu",
            recurrent_activation="hard_sigmoid",
            use_bias=False,
            unit_forget_bias=False,
            go_backwards=True,
        ),
    ),
    ("GRU", dict(units=3, return_sequences=True)),
    (
        "GRU",
        dict(
            units=3,
            reset_after=False,
            activation="relu",
            recurrent_activation="hard_sigmoid",
            go_backwards=True,
            return_state=True,
        ),
    ),
]


def _ids(configs):
    return [f"{name}-{i}" for i, (name, _) in enumerate(configs)]


@pytest.mark.parametrize("name, config", LAYER_CONFIGS, ids=_ids(LAYER_CONFIGS))
def test_layers_match_keras(name, config):
    assert_matches_keras(getattr(layers, name)(**config), getattr(keras.layers, name)(**config), X)


CONFIG_ONLY = LAYER_CONFIGS + [
    (
        "LSTM",
        dict(
            units=3,
            dropout=0.2,
            recurrent_dropout=0.1,
            seed=7,
            stateful=True,
            kernel_regularizer="l2",
            recurrent_constraint="non_neg",
            bias_initializer="ones",
            activity_regularizer="l2",
        ),
    ),
    ("GRU", dict(units=3, dropout=1.5, recurrent_initializer="glorot_normal", trainable=False)),
    ("GRU", dict(units=3, reset_after=False, unroll=True, go_backwards=True)),
    ("SimpleRNN", dict(units=3, recurrent_dropout=-0.5, bias_regularizer="l2", dtype="float64")),
]


@pytest.mark.parametrize("name, config", CONFIG_ONLY, ids=_ids(CONFIG_ONLY))
def test_configs_match_keras(name, config):
    # Keras' SimpleRNN drops `seed` from its config (its cell keeps it); lamina keeps it.
    ignore = ("seed",) if name == "SimpleRNN" else ()
    ours, theirs = getattr(layers, name)(**config), getattr(keras.layers, name)(**config)
    assert_config_matches_keras(ours, theirs, ignore=ignore)


CELL_CONFIGS = [
    ("SimpleRNNCell", dict(units=3, activation="relu")),
    ("LSTMCell", dict(units=3, use_bias=False, recurrent_activation="hard_sigmoid")),
    ("GRUCell", dict(units=3, reset_after=False)),
]


@pytest.mark.parametrize("name, config", CELL_CONFIGS, ids=_ids(CELL_CONFIGS))
def test_cells_match_keras_one_step_and_gradients(name, config):
    ours = getattr(layers, name)(**config)
    sizes = ours.state_size if isinstance(ours.state_size, list) else [ours.state_size]
    states = [random_inputs((2, size), seed=i + 1) for i, size in enumerate(sizes)]
    assert_matches_keras(ours, getattr(keras.layers, name)(**config), X[:, 0], states)
    assert_config_matches_keras(ours, getattr(keras.layers, name)(**config))
    assert_gradients_match_finite_differences(ours, X[:, 0], states)
    assert_jit_apply_matches_eager(ours, X[:, 0], states)


def test_stacked_cells_match_keras_one_step():
    cells = lambda m: [m.LSTMCell(3, name="a"), m.GRUCell(3, name="b")]  # noqa: E731
    ours = layers.StackedRNNCells(cells(layers), name="s")
    theirs = keras.layers.StackedRNNCells(cells(keras.layers), name="s")
    states = [[random_inputs((2, 3), seed=1), random_inputs((2, 3), seed=2)], [X[:, 1]]]
    assert_matches_keras(ours, theirs, X[:, 0], states)
    assert_config_matches_keras(ours, keras.layers.StackedRNNCells(cells(keras.layers), name="s"))
    assert_jit_apply_matches_eager(ours, X[:, 0], states)
    assert ours.state_size == [[3, 3], 3] and ours.output_size == 3


class MinimalCell(lamina.Layer):
    """A user cell in the Keras guide's style: the RNN's generic (non built-in) path."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = units

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")
        self.recurrent_kernel = self.add_weight(shape=(self.units, self.units), name="rk")

    def call(self, inputs, states):
        output = jnp.tanh(inputs @ self.kernel + states[0] @ self.recurrent_kernel)
        return output, [output]


class KerasMinimalCell(keras.Layer):
    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = units

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")
        self.recurrent_kernel = self.add_weight(shape=(self.units, self.units), name="rk")

    def call(self, inputs, states):
        output = keras.ops.tanh(inputs @ self.kernel + states[0] @ self.recurrent_kernel)
        return output, [output]


RNN_CASES = [
    (lambda m: [m.LSTMCell(3, name="c")], dict(return_sequences=True)),
    (
        lambda m: [
            m.StackedRNNCells([m.GRUCell(3, name="a"), m.SimpleRNNCell(3, name="b")], name="s")
        ],
        dict(return_sequences=True, return_state=True),
    ),
]


@pytest.mark.parametrize("cells, config", RNN_CASES)
def test_rnn_over_builtin_and_stacked_cells_matches_keras(cells, config):
    ours = layers.RNN(*cells(layers), **config)
    theirs = keras.layers.RNN(*cells(keras.layers), **config)
    assert_config_matches_keras(ours, keras.layers.RNN(*cells(keras.layers), **config))
    assert_matches_keras(ours, theirs, X)


def test_rnn_over_a_user_cell_matches_keras_with_a_mask():
    mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], bool)
    ours = layers.RNN(MinimalCell(3), return_sequences=True, return_state=True)
    theirs = keras.layers.RNN(KerasMinimalCell(3), return_sequences=True, return_state=True)
    assert_matches_keras(ours, theirs, X, mask=mask)


def test_hoisted_input_projection_gives_the_same_outputs_and_gradients(monkeypatch):
    """The accelerator path (``inputs @ kernel`` before the loop), forced on CPU."""
    mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], bool)
    layer = layers.GRU(3, return_sequences=True)  # its own projection: bias row 0 only
    params, state = layer.init(jax.random.key(0), X)

    def loss(p):
        return jnp.sum(layer.apply(p, state, X, mask=mask)[0] ** 2)

    monkeypatch.setattr(recurrence, "HOIST_INPUT_PROJECTION", False)
    expected = jax.jit(jax.value_and_grad(loss))(params)
    monkeypatch.setattr(recurrence, "HOIST_INPUT_PROJECTION", True)
    hoisted = jax.jit(jax.value_and_grad(loss))(params)
    assert_trees_close(hoisted, expected, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize(
    "make",
    [
        lambda: layers.SimpleRNN(3, return_sequences=True),
        lambda: layers.LSTM(3, return_state=True),
        lambda: layers.GRU(3, reset_after=False, go_backwards=True, return_sequences=True),
        lambda: layers.RNN([layers.LSTMCell(3), layers.SimpleRNNCell(3)], return_sequences=True),
    ],
)
def test_gradients_match_finite_differences_and_jit_matches_eager(make):
    layer = make()
    assert_gradients_match_finite_differences(layer, X)
    assert_jit_apply_matches_eager(layer, X)


def test_weight_penalties_and_activity_regularizer_match_keras():
    config = dict(
        units=3,
        kernel_regularizer="l2",
        recurrent_regularizer="l1",
        bias_regularizer="l2",
        activity_regularizer="l2",
    )
    ours = layers.LSTM(**config)
    theirs = keras.layers.LSTM(**config)
    assert_matches_keras(ours, theirs, X)
    assert len(ours.losses) == len(theirs.losses) == 4
    np.testing.assert_allclose(
        sum(float(v) for v in ours.losses), sum(float(v) for v in theirs.losses), rtol=1e-5
    )
    _, state, losses = ours.apply(*ours.split(), X, return_losses=True)
    np.testing.assert_allclose(sum(losses), sum(float(v) for v in theirs.losses), rtol=1e-5)


def test_weights_names_shapes_and_forget_bias_follow_keras():
    lstm = layers.LSTM(3)
    lstm(X)
    assert [w.path for w in lstm.weights] == [
        "cell/kernel",
        "cell/recurrent_kernel",
        "cell/bias",
    ]
    assert [w.shape for w in lstm.weights] == [(3, 12), (3, 12), (12,)]
    np.testing.assert_array_equal(lstm.cell.bias.numpy(), np.repeat([0.0, 1.0, 0.0, 0.0], 3))
    params, _ = lstm.init(jax.random.key(1), X)
    np.testing.assert_array_equal(params["cell"]["bias"], np.repeat([0.0, 1.0, 0.0, 0.0], 3))
    gru = layers.GRU(3)
    gru(X)
    assert [w.shape for w in gru.weights] == [(3, 9), (3, 9), (2, 9)]
    assert lstm.units == 3 and lstm.recurrent_activation is lamina.activations.sigmoid


def test_vmapped_ensemble_members_differ_and_match_keras():
    layer = layers.LSTM(3, return_sequences=True)
    keys = jax.random.split(jax.random.key(0), 2)
    params, state = jax.vmap(lambda k: layer.init(k, X))(keys)
    outputs, _ = jax.jit(jax.vmap(lambda p, s: layer.apply(p, s, X)))(params, state)
    assert outputs.shape == (2, 2, 5, 3)
    assert not np.allclose(outputs[0], outputs[1])
    twin = keras.layers.LSTM(3, return_sequences=True)
    twin.build(X.shape)
    cell = params["cell"]
    twin.set_weights([np.asarray(cell[k][1]) for k in ("kernel", "recurrent_kernel", "bias")])
    np.testing.assert_allclose(outputs[1], twin(X), atol=1e-5, rtol=1e-5)


def test_vmap_over_examples_equals_the_batched_call():
    layer = layers.GRU(3, return_sequences=True)
    batched = layer(X)
    params, state = layer.split()
    one = jax.vmap(lambda x: layer.apply(params, state, x[None])[0][0])(jnp.asarray(X))
    np.testing.assert_allclose(one, batched, atol=1e-6)
    twin = keras.layers.GRU(3, return_sequences=True)
    twin.build(X.shape)
    copy_weights_to_keras(layer, twin)
    np.testing.assert_allclose(one, twin(X), atol=1e-5)
