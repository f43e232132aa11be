"""Masks reach the compiled loss and metrics, as in Keras: a padded step weighs nothing.

Sequential, functional and subclassed models over ``Embedding(mask_zero=True)`` are
compared with the same Keras model on the same weights (evaluate and one epoch of
SGD), and the masked loss is checked against NumPy over the unpadded steps only.
"""

import keras
import numpy as np
import pytest

import lamina

IDS = np.array([[1, 2, 0, 0], [3, 0, 0, 0], [4, 5, 6, 7], [2, 2, 2, 0]])
Y = np.array([[0, 1, 2, 0], [1, 1, 1, 1], [2, 0, 1, 2], [0, 0, 1, 1]])


def build(lib, kind):
    if kind == "sequential":
        return lib.Sequential([lib.layers.Embedding(10, 4, mask_zero=True), lib.layers.Dense(3)])
    if kind == "functional":
        inp = lib.Input((4,), dtype="int32")
        return lib.Model(inp, lib.layers.Dense(3)(lib.layers.Embedding(10, 4, mask_zero=True)(inp)))

    class Tagger(lib.Model):
        def __init__(self):
            super().__init__()
            self.embed = lib.layers.Embedding(10, 4, mask_zero=True)
            self.head = lib.layers.Dense(3)

        def call(self, x):
            return self.head(self.embed(x))

    return Tagger()


def compiled(lib, kind):
    model = build(lib, kind)
    model.compile(
        optimizer=lib.optimizers.SGD(0.5),
        loss=lib.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    model.predict(IDS, verbose=0)
    return model


@pytest.mark.parametrize("kind", ["sequential", "functional", "subclassed"])
def test_masked_loss_and_accuracy_match_keras(kind):
    ours, theirs = compiled(lamina, kind), compiled(keras, "sequential")
    theirs.set_weights(ours.get_weights())
    loss, accuracy = ours.evaluate(IDS, Y, verbose=0)
    np.testing.assert_allclose([loss, accuracy], theirs.evaluate(IDS, Y, verbose=0), rtol=1e-5)

    logits = np.asarray(ours.predict(IDS, verbose=0))
    log_probs = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    nll = -np.take_along_axis(log_probs, Y[..., None], -1)[..., 0]
    valid = IDS != 0
    np.testing.assert_allclose(loss, nll[valid].mean(), rtol=1e-5)
    np.testing.assert_allclose(accuracy, (logits.argmax(-1) == Y)[valid].mean(), rtol=1e-6)

    # One full batch: the epoch's accuracy is that of the weights before the update.
    history = ours.fit(IDS, Y, batch_size=4, epochs=1, verbose=0).history
    np.testing.assert_allclose(history["accuracy"], [accuracy], rtol=1e-6)
    np.testing.assert_allclose(history["loss"], [loss], rtol=1e-5)

    ours_history = ours.fit(IDS, Y, batch_size=2, epochs=2, shuffle=False, verbose=0)
    theirs.fit(IDS, Y, batch_size=4, epochs=1, verbose=0)
    theirs_history = theirs.fit(IDS, Y, batch_size=2, epochs=2, shuffle=False, verbose=0)
    # Keras' JAX trainer drops the mask of y_pred before its *training* metrics (the
    # loss is masked); its other backends, its evaluate and lamina keep it. So the
    # losses and weights are compared with Keras, the training accuracy above.
    np.testing.assert_allclose(
        ours_history.history["loss"], theirs_history.history["loss"], rtol=1e-4, atol=1e-6
    )
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


def test_evaluate_lists_loss_first_then_metrics_in_compile_order():
    model = compiled(lamina, "sequential")
    model.compile(
        loss=lamina.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["sparse_categorical_accuracy", "accuracy"],
    )
    values = model.evaluate(IDS, Y, verbose=0)
    logs = model.evaluate(IDS, Y, verbose=0, return_dict=True)
    assert list(logs) == ["loss", "sparse_categorical_accuracy", "accuracy"]
    assert values == list(logs.values())
