"""Functional and Sequential models serialize their graph and rebuild it exactly."""

import json

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import lamina
from lamina import layers
from lamina.layers import serialization


def same_outputs(model, clone, *inputs):
    clone.set_weights(model.get_weights())
    np.testing.assert_allclose(clone(*inputs), model(*inputs), rtol=1e-6)


def json_round_trip(config):
    return json.loads(json.dumps(config))


def test_functional_graph_with_shared_layers_arithmetic_and_indexing_round_trips():
    a, b = lamina.Input((3,), name="a"), lamina.Input((3,), name="b")
    shared = layers.Dense(4, activation="tanh", name="shared")
    x = shared(a) + 2.0 * shared(b)
    x = -x[:, 1:3]
    out = layers.Dense(1, name="head")(x)
    model = lamina.Model({"a": a, "b": b}, [out, x], name="two_heads")
    config = json_round_trip(model.get_config())
    clone = lamina.Model.from_config(config)
    names = [layer.name for layer in model.layers]
    assert clone.name == "two_heads" and [layer.name for layer in clone.layers] == names
    inputs = {"a": jnp.ones((2, 3)), "b": jnp.arange(6.0).reshape(2, 3)}
    clone.set_weights(model.get_weights())
    for ours, theirs in zip(clone(inputs), model(inputs)):
        np.testing.assert_allclose(ours, theirs, rtol=1e-6)
    assert clone.get_config() == model.get_config()


def test_sequential_round_trips_with_and_without_input():
    built = lamina.Sequential([lamina.Input((5,)), layers.Dense(3), layers.Dense(2)])
    clone = serialization.deserialize(json_round_trip(serialization.serialize(built)))
    assert type(clone) is lamina.Sequential and clone.built
    same_outputs(built, clone, jnp.ones((4, 5)))
    lazy = lamina.Sequential([layers.Dense(3)])
    assert lamina.Sequential.from_config(lazy.get_config()).get_config() == lazy.get_config()


def test_nested_models_and_custom_layers_need_custom_objects():
    class Scale(layers.Layer):
        def __init__(self, factor=2.0, **kwargs):
            super().__init__(**kwargs)
            self.factor = factor

        def call(self, x):
            return x * self.factor

    inner = lamina.Sequential([lamina.Input((2,)), layers.Dense(2), Scale(3.0)], name="inner")
    inputs = lamina.Input((2,))
    model = lamina.Model(inputs, layers.Dense(1)(inner(inputs)))
    config = json_round_trip(model.get_config())
    with pytest.raises(ValueError, match="Could not interpret layer identifier: 'Scale'"):
        lamina.Model.from_config(config)
    clone = lamina.Model.from_config(config, custom_objects={"Scale": Scale})
    same_outputs(model, clone, jnp.ones((3, 2)))


def test_graph_with_unserializable_argument_is_refused_by_name():
    class Shift(layers.Layer):
        def call(self, x, offset):
            return x + offset

    inputs = lamina.Input((2,))
    model = lamina.Model(inputs, Shift(name="shift")(inputs, offset=np.ones(2, np.float32)))
    with pytest.raises(TypeError, match="argument .* \\(ndarray\\)"):
        model.get_config()


def test_jit_of_rebuilt_model_equals_eager():
    inputs = lamina.Input((3,))
    model = lamina.Model(inputs, layers.Dense(2)(inputs) * inputs[:, :2])
    clone = lamina.Model.from_config(model.get_config())
    same_outputs(model, clone, jnp.ones((2, 3)))
    params, state = clone.split()
    np.testing.assert_allclose(
        jax.jit(clone.apply)(params, state, jnp.ones((2, 3)))[0], clone(jnp.ones((2, 3)))
    )
