"""Metrics that average a loss function, against Keras 3's metrics of the same names."""

import keras
import numpy as np
import pytest

import lamina

RNG = np.random.default_rng(0)
PROBS = RNG.uniform(0.05, 0.95, size=(6, 4)).astype("float32")
LOGITS = RNG.normal(size=(6, 4)).astype("float32")
ONE_HOT = np.eye(4, dtype="float32")[RNG.integers(0, 4, size=6)]
LABELS = RNG.integers(0, 4, size=(6,))
BINARY = RNG.integers(0, 2, size=(6, 4)).astype("float32")
REAL = RNG.normal(size=(6, 4)).astype("float32")
WEIGHTS = RNG.uniform(0, 2, size=(6,)).astype("float32")

CASES = [
    ("BinaryCrossentropy", {}, BINARY, PROBS),
    ("BinaryCrossentropy", {"from_logits": True, "label_smoothing": 0.1}, BINARY, LOGITS),
    ("CategoricalCrossentropy", {}, ONE_HOT, PROBS / PROBS.sum(1, keepdims=True)),
    ("CategoricalCrossentropy", {"from_logits": True, "label_smoothing": 0.2}, ONE_HOT, LOGITS),
    ("SparseCategoricalCrossentropy", {"from_logits": True}, LABELS, LOGITS),
    ("KLDivergence", {}, PROBS, PROBS[::-1]),
    ("Poisson", {}, np.abs(REAL), PROBS),
    ("Hinge", {}, BINARY, REAL),
    ("SquaredHinge", {}, BINARY, REAL),
    ("CategoricalHinge", {}, ONE_HOT, REAL),
    ("LogCoshError", {}, REAL, REAL[::-1]),
    ("CosineSimilarity", {"axis": -1}, REAL, REAL[::-1] + REAL),
]


@pytest.mark.parametrize("name, config, y_true, y_pred", CASES)
def test_values_and_configs_match_keras(name, config, y_true, y_pred):
    ours = getattr(lamina.metrics, name)(**config)
    theirs = getattr(keras.metrics, name)(**config)
    for weights in (None, WEIGHTS):
        ours.reset_state()
        theirs.reset_state()
        for half in (slice(0, 3), slice(3, 6)):
            w = None if weights is None else weights[half]
            ours.update_state(y_true[half], y_pred[half], sample_weight=w)
            theirs.update_state(y_true[half], y_pred[half], sample_weight=w)
        np.testing.assert_allclose(ours.result(), theirs.result(), rtol=1e-5, atol=1e-6)
    mine, keras_config = ours.get_config(), theirs.get_config()
    # Keras 3.15 drops `axis` from CosineSimilarity's config, so a round trip loses
    # it; lamina keeps it (its config is a superset there).
    extra = {"axis"} if name == "CosineSimilarity" else set()
    assert set(mine) - extra == set(keras_config)
    assert {k: v for k, v in mine.items() if k not in extra | {"dtype"}} == {
        k: v for k, v in keras_config.items() if k != "dtype"
    }
    assert type(ours).from_config(mine).get_config() == mine


def test_loss_names_work_in_compile():
    model = lamina.Sequential([lamina.Input((4,)), lamina.layers.Dense(4)])
    model.compile(
        loss=lamina.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["sparse_categorical_crossentropy"],
    )
    logs = model.evaluate(LOGITS, LABELS, verbose=0, return_dict=True)
    # Without regularization the metric equals the loss (from_logits=False there: the
    # string gives Keras' default, probabilities; so compare with the function).
    logits = np.asarray(model.predict(LOGITS, verbose=0))
    expected = lamina.losses.sparse_categorical_crossentropy(LABELS, logits)
    np.testing.assert_allclose(
        logs["sparse_categorical_crossentropy"], np.mean(expected), rtol=1e-5
    )
