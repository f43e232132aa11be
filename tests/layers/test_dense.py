"""Dense against Keras 3 (JAX backend), finite differences, and its errors."""

import jax
import jax.numpy as jnp
import keras
import numpy as np
import pytest

import lamina
from lamina import layers

CONFIGS = [
    dict(units=4),
    dict(units=3, activation="relu"),
    dict(units=5, activation="sigmoid", use_bias=False),
    dict(units=2, activation="tanh", kernel_regularizer="l2", bias_regularizer="l1"),
]


def keras_twin(config, input_shape, lamina_layer):
    twin = keras.layers.Dense(**config)
    twin.build(input_shape)
    twin.set_weights([w.numpy() for w in lamina_layer.weights])
    return twin


@pytest.mark.parametrize("config", CONFIGS)
@pytest.mark.parametrize("input_shape", [(4, 3), (2, 5, 3)])
def test_outputs_and_regularization_match_keras(config, input_shape):
    x = np.random.default_rng(0).normal(size=input_shape).astype("float32")
    layer = layers.Dense(**config)
    y = layer(x)
    twin = keras_twin(config, input_shape, layer)
    np.testing.assert_allclose(y, twin(x), rtol=1e-5, atol=1e-6)
    assert len(layer.losses) == len(twin.losses)
    for ours, theirs in zip(layer.losses, twin.losses):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5)


@pytest.mark.parametrize("config", CONFIGS)
def test_config_keys_match_keras_and_round_trip(config):
    ours = layers.Dense(**config).get_config()
    theirs = keras.layers.Dense(**config).get_config()
    assert set(theirs) - set(ours) <= {"lora_rank", "lora_alpha", "quantization_config"}
    for key in ("units", "activation", "use_bias", "trainable", "dtype"):
        if key == "dtype":
            assert ours[key] == "float32"
        else:
            assert ours[key] == theirs[key], key
    for key in ("kernel_initializer", "bias_initializer", "kernel_regularizer"):
        if theirs[key] is None:
            assert ours[key] is None
        else:
            assert ours[key]["class_name"] == theirs[key]["class_name"]
            assert ours[key]["config"] == theirs[key]["config"]
    clone = layers.Dense.from_config(ours)
    assert clone.get_config() == ours


def test_gradients_match_finite_differences():
    layer = layers.Dense(3, activation="tanh")
    x = jnp.asarray(np.random.default_rng(1).normal(size=(4, 2)), jnp.float32)
    params, state = layer.init(jax.random.key(0), x)
    loss = lambda p: jnp.sum(layer.apply(p, state, x)[0] ** 2)
    grads = jax.grad(loss)(params)
    for name in ("kernel", "bias"):
        flat = np.asarray(params[name]).ravel()
        for i in range(flat.size):
            eps = 1e-3
            up, down = flat.copy(), flat.copy()
            up[i] += eps
            down[i] -= eps
            shape = params[name].shape
            numeric = (
                loss({**params, name: up.reshape(shape)})
                - loss({**params, name: down.reshape(shape)})
            ) / (2 * eps)
            np.testing.assert_allclose(
                np.asarray(grads[name]).ravel()[i], numeric, rtol=2e-2, atol=1e-3
            )


def test_jit_apply_equals_eager_call():
    layer = layers.Dense(6, activation="relu")
    x = jnp.ones((3, 4))
    eager = layer(x)
    params, state = layer.split()
    np.testing.assert_allclose(jax.jit(layer.apply)(params, state, x)[0], eager, rtol=1e-6)


@pytest.mark.parametrize("units", [0, -3, 2.5, "8"])
def test_bad_units_are_refused(units):
    with pytest.raises(
        ValueError, match=f"units` must be a positive int, received units={units!r}"
    ):
        layers.Dense(units)


def test_wrong_input_rank_and_last_dimension_name_the_layer():
    layer = layers.Dense(2, name="head")
    with pytest.raises(ValueError, match=r"layer 'head'.*min_ndim=2.*shape \(3,\)"):
        layer(jnp.ones((3,)))
    layer(jnp.ones((1, 3)))
    with pytest.raises(ValueError, match=r"layer 'head'.*axis -1 of input shape to have value 3"):
        layer(jnp.ones((1, 4)))


def test_unknown_activation_is_refused():
    with pytest.raises(ValueError, match="nonexistent"):
        layers.Dense(2, activation="nonexistent")


def test_constraint_and_initializer_objects_are_kept():
    layer = layers.Dense(
        2,
        kernel_constraint=lamina.constraints.NonNeg(),
        kernel_initializer=lamina.initializers.Ones(),
    )
    layer(jnp.ones((1, 2)))
    assert isinstance(layer.kernel.constraint, lamina.constraints.NonNeg)
    np.testing.assert_array_equal(layer.kernel.numpy(), np.ones((2, 2)))
