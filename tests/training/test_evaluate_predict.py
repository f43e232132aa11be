"""evaluate / predict / *_on_batch, metrics in the loop, against NumPy and Keras."""

import keras
import numpy as np
import pytest

import lamina
from lamina import layers


def classifier(seed=0):
    lamina.utils.set_random_seed(seed)
    return lamina.Sequential([lamina.Input((4,)), layers.Dense(3)])


def data(n=50):
    rng = np.random.default_rng(0)
    return rng.normal(size=(n, 4)).astype("float32"), rng.integers(0, 3, n)


def test_evaluate_matches_numpy_over_all_batches_including_the_short_one():
    model = classifier()
    model.compile(
        optimizer="sgd",
        loss=lamina.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    x, y = data()
    result = model.evaluate(x, y, batch_size=16, verbose=0, return_dict=True)
    logits = np.asarray(model.predict(x, batch_size=16, verbose=0))
    shifted = logits - logits.max(1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(1, keepdims=True))
    np.testing.assert_allclose(result["loss"], -log_probs[np.arange(50), y].mean(), rtol=1e-5)
    np.testing.assert_allclose(result["accuracy"], (logits.argmax(1) == y).mean(), rtol=1e-6)
    assert isinstance(model.evaluate(x, y, verbose=0), list)


def test_metrics_in_evaluate_match_keras_on_the_same_weights():
    model = classifier()
    twin = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    twin.set_weights(model.get_weights())
    specs = ["accuracy", "sparse_top_k_categorical_accuracy"]
    model.compile(
        optimizer="sgd",
        loss=lamina.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=specs,
    )
    twin.compile(
        optimizer="sgd",
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=specs,
    )
    x, y = data()
    ours = model.evaluate(x, y, batch_size=8, verbose=0, return_dict=True)
    theirs = twin.evaluate(x, y, batch_size=8, verbose=0, return_dict=True)
    for key in theirs:
        np.testing.assert_allclose(ours[key], theirs[key], rtol=1e-5, err_msg=key)


def test_on_batch_methods():
    model = classifier()
    model.compile(
        optimizer=lamina.optimizers.SGD(0.1),
        loss=lamina.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    x, y = data(8)
    before = model.test_on_batch(x, y)
    model.train_on_batch(x, y)
    after = model.test_on_batch(x, y)
    assert after < before
    np.testing.assert_allclose(model.predict_on_batch(x), model.predict(x, verbose=0), rtol=1e-6)
    assert set(model.train_on_batch(x, y, return_dict=True)) == {"loss"}


def test_evaluate_needs_compile():
    with pytest.raises(RuntimeError, match="compiled"):
        classifier().evaluate(*data())
