"""Shared fixtures: a fake model for lamina's callbacks, a small Keras model for Keras',
a fake clock for progress bars, and a driver that runs the epoch hooks by hand."""

import types

import keras
import numpy as np
import pytest

import lamina.callbacks.progbar as lamina_progbar


class FakeOptimizer:
    def __init__(self, learning_rate):
        self.learning_rate = learning_rate


class FakeModel:
    """What lamina's callbacks may touch: stop_training, optimizer.learning_rate, weights."""

    def __init__(self, learning_rate=0.1):
        self.stop_training = False
        self.optimizer = FakeOptimizer(learning_rate)
        self._weights = [np.zeros((2, 1), np.float32), np.zeros((1,), np.float32)]

    def get_weights(self):
        return [w.copy() for w in self._weights]

    def set_weights(self, weights):
        self._weights = [np.array(w) for w in weights]


@pytest.fixture
def fake_model():
    return FakeModel()


@pytest.fixture
def keras_model():
    model = keras.Sequential([keras.layers.Dense(1)])
    model.build((None, 2))
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mse")
    return model


def epoch_weights(epoch):
    """Weights that name their epoch, so a restore shows which epoch it came from."""
    return [np.full((2, 1), epoch, np.float32), np.full((1,), epoch, np.float32)]


def learning_rate(model):
    return float(np.asarray(model.optimizer.learning_rate))


def run_epochs(callback, model, epoch_logs, on_epoch=None):
    """Drive ``callback`` through ``fit``'s epoch hooks; return the epochs run.

    Before each epoch end the model's weights become ``epoch_weights(epoch)``;
    ``on_epoch(epoch)`` (if given) records state after the epoch end.
    """
    callback.set_model(model)
    model.stop_training = False
    callback.on_train_begin({})
    ran = []
    for epoch, logs in enumerate(epoch_logs):
        callback.on_epoch_begin(epoch, {})
        model.set_weights(epoch_weights(epoch))
        callback.on_epoch_end(epoch, dict(logs))
        ran.append(epoch)
        if on_epoch is not None:
            on_epoch(epoch)
        if model.stop_training:
            break
    callback.on_train_end({})
    return ran


@pytest.fixture
def helpers():
    """``run_epochs``, ``epoch_weights``, ``learning_rate`` and ``FakeModel``, for tests."""
    return types.SimpleNamespace(
        run_epochs=run_epochs,
        epoch_weights=epoch_weights,
        learning_rate=learning_rate,
        FakeModel=FakeModel,
    )


class FakeClock:
    def __init__(self, start=1000.0):
        self.now = start

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += seconds


@pytest.fixture
def clock(monkeypatch):
    """One fake clock read by both progress bars (lamina's monotonic, Keras' time)."""
    import keras.src.utils.progbar as keras_progbar

    fake = FakeClock()
    monkeypatch.setattr(lamina_progbar, "time", types.SimpleNamespace(monotonic=fake))
    monkeypatch.setattr(keras_progbar, "time", types.SimpleNamespace(time=fake))
    return fake
