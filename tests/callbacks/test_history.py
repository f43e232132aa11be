import lamina  # noqa: F401, I001  (imported first, before the modules under test)

import jax.numpy as jnp
import keras
import pytest

from lamina.callbacks import CallbackList, History

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # Keras, NumPy 2.

EPOCHS = [
    {"loss": 0.9, "accuracy": 0.5, "val_loss": 1.0},
    {"loss": 0.7, "accuracy": 0.6, "val_loss": 0.8},
    {"loss": 0.5, "accuracy": 0.7, "val_loss": 0.9},
]


def fit_logs(callbacks, epochs, wrap):
    callbacks.on_train_begin()
    for epoch, logs in enumerate(epochs):
        callbacks.on_epoch_begin(epoch)
        callbacks.on_epoch_end(epoch, {k: wrap(v) for k, v in logs.items()})
    callbacks.on_train_end()


def test_history_matches_keras_and_holds_floats(fake_model, keras_model):
    ours = CallbackList(add_history=True, model=fake_model, epochs=3, steps=5, verbose=0)
    theirs = keras.callbacks.CallbackList(
        add_history=True, model=keras_model, epochs=3, steps=5, verbose=0
    )
    fit_logs(ours, EPOCHS, jnp.float32)
    fit_logs(theirs, EPOCHS, lambda v: float(jnp.float32(v)))

    assert isinstance(fake_model.history, History)
    assert fake_model.history.history == keras_model.history.history
    assert fake_model.history.epoch == keras_model.history.epoch == [0, 1, 2]
    assert all(type(v) is float for values in fake_model.history.history.values() for v in values)
    assert list(fake_model.history.history) == ["accuracy", "loss", "val_loss"]


def test_reused_history_keeps_accumulating_like_keras(fake_model):
    history = History()
    callbacks = CallbackList([history], model=fake_model)
    fit_logs(callbacks, EPOCHS[:2], float)
    fit_logs(callbacks, EPOCHS[2:], float)
    assert history.epoch == [0]
    assert history.history["loss"] == [0.9, 0.7, 0.5]
