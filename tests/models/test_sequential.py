"""Sequential: add, pop, with and without a leading Input."""

import numpy as np
import pytest

import lamina
from lamina import layers


def test_with_an_input_it_builds_at_once():
    model = lamina.Sequential([lamina.Input((4,)), layers.Dense(3), layers.Dense(1)])
    assert model.built and len(model.weights) == 4
    assert model.count_params() == 4 * 3 + 3 + 3 + 1


def test_without_an_input_it_builds_on_first_call_and_add_pop_work():
    model = lamina.Sequential()
    model.add(layers.Dense(3, name="a"))
    model.add(layers.Dense(2, name="b"))
    x = np.ones((5, 4), "float32")
    assert model(x).shape == (5, 2)
    popped = model.pop()
    assert popped.name == "b" and [layer.name for layer in model.layers] == ["a"]
    assert model(x).shape == (5, 3)
    params, _ = model.split()
    assert set(params) == {"a"}
    with pytest.raises(ValueError, match="already in the model"):
        model.add(layers.Dense(1, name="a"))
    with pytest.raises(TypeError, match="expects a Layer"):
        model.add("dense")


def test_sequential_trains_and_predicts():
    model = lamina.Sequential([layers.Dense(8, activation="relu"), layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    x = np.random.default_rng(0).normal(size=(64, 3)).astype("float32")
    y = x.sum(1, keepdims=True)
    history = model.fit(x, y, epochs=5, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert set(history.history) == {"loss", "mae"}
    assert model.predict(x, verbose=0).shape == (64, 1)
