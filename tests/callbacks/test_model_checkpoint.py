"""ModelCheckpoint in real fits: file names, best-only choices, what the files hold."""

import os

import numpy as np
import pytest

import lamina
from lamina import layers
from lamina.callbacks import Callback, ModelCheckpoint

X = np.random.default_rng(0).normal(size=(32, 4)).astype("float32")
Y = (X[:, :1] > 0).astype("float32")
SCORES = [0.5, 0.3, 0.4, 0.2, 0.6, 0.1]  # up and down, so "best" is not "last"


def model(compiled=True):
    inputs = lamina.Input((4,))
    x = layers.Dense(8, activation="relu")(inputs)
    x = layers.Dropout(0.25, seed=1)(x)
    net = lamina.Model(inputs, layers.Dense(1)(x))
    if compiled:
        net.compile(optimizer=lamina.optimizers.Adam(1e-2), loss="mse", metrics=["mae"])
    return net


@pytest.fixture(scope="module")
def trained_once():
    """One compiled model for the module (compiling its step is most of a test's time)."""
    net = model()
    return net, [np.asarray(v.value) for v in net.variables]


@pytest.fixture
def net(trained_once):
    """The module's model with its initial weights and no optimizer state: a fresh run."""
    net, initial = trained_once
    for var, value in zip(net.variables, initial, strict=True):
        var.assign(value)
    net.optimizer.state = None
    return net


def fit(net, callbacks, epochs=3, batch_size=32, **kwargs):
    return net.fit(X, Y, batch_size=batch_size, epochs=epochs, verbose=0, callbacks=callbacks,
                   **kwargs)  # fmt: skip


class Inject(Callback):
    """Puts ``name: SCORES[epoch]`` into the epoch logs that the callbacks after it
    (and History) see, and records every variable's value at each epoch end."""

    def __init__(self, name):
        self.name, self.values = name, {}

    def on_epoch_end(self, epoch, logs=None):
        logs[self.name] = SCORES[epoch]
        self.values[epoch] = [np.asarray(v.value) for v in self.model.variables]


def names(folder):
    return sorted(os.listdir(folder))


def assert_variables_equal(net, values):
    for var, want in zip(net.variables, values, strict=True):
        np.testing.assert_array_equal(np.asarray(var.value), want)


def test_one_file_per_epoch_named_from_epoch_and_logs(tmp_path, net):
    pattern = str(tmp_path / "ckpt" / "{epoch:02d}-{loss:.4f}.lamina")
    history = fit(net, [ModelCheckpoint(pattern)])
    losses = history.history["loss"]
    assert names(tmp_path / "ckpt") == [f"{e:02d}-{loss:.4f}.lamina" for e, loss in
                                         zip([1, 2, 3], losses)]  # fmt: skip


@pytest.mark.parametrize(
    "monitor,mode",
    [("score", "min"), ("score", "max"), ("val_loss", "auto"), ("val_accuracy", "auto")],
)
def test_save_best_only_writes_only_improving_epochs(tmp_path, monitor, mode, net):
    inject = Inject(monitor)
    best = ModelCheckpoint(
        tmp_path / "{epoch:02d}.weights.safetensors",
        monitor=monitor,
        mode=mode,
        save_best_only=True,
        save_weights_only=True,
    )
    history = fit(net, [inject, best], epochs=len(SCORES))
    seen = history.history[monitor]
    larger = mode == "max" or monitor == "val_accuracy"
    expected, running = [], None
    for epoch, value in enumerate(seen):
        if running is None or (value > running if larger else value < running):
            running = value
            expected.append(f"{epoch + 1:02d}.weights.safetensors")
    assert names(tmp_path) == expected
    assert best.best == running


def test_initial_value_threshold_must_be_beaten_first(tmp_path, net):
    best = ModelCheckpoint(
        tmp_path / "{epoch}.lamina", monitor="score", mode="min", save_best_only=True,
        initial_value_threshold=0.35,
    )  # fmt: skip
    fit(net, [Inject("score"), best], epochs=len(SCORES))
    assert names(tmp_path) == ["2.lamina", "4.lamina", "6.lamina"]  # 0.3, 0.2, 0.1


def test_save_best_only_with_a_fixed_name_keeps_the_best_epochs_weights(tmp_path, net):
    inject = Inject("score")
    path = tmp_path / "best.weights.safetensors"
    fit(net, [inject, ModelCheckpoint(path, "score", mode="max", save_best_only=True,
                                          save_weights_only=True)], epochs=len(SCORES))  # fmt: skip
    fresh = model(compiled=False)
    fresh(X[:1])  # built, with other initial weights
    fresh.load_weights(path)
    assert_variables_equal(fresh, inject.values[SCORES.index(max(SCORES))])


def test_weights_files_hold_the_weights_of_their_epoch(tmp_path, net):
    inject = Inject("score")
    checkpoint = ModelCheckpoint(tmp_path / "{epoch}.weights.safetensors", save_weights_only=True)
    fit(net, [inject, checkpoint], epochs=3)
    for epoch in range(3):
        fresh = model(compiled=False)
        fresh(X[:1])
        fresh.load_weights(tmp_path / f"{epoch + 1}.weights.safetensors")
        assert_variables_equal(fresh, inject.values[epoch])


def test_model_files_load_and_predict_identically(tmp_path, net):
    inject = Inject("score")
    fit(net, [inject, ModelCheckpoint(tmp_path / "{epoch}.lamina")], epochs=2)
    first = lamina.models.load_model(tmp_path / "1.lamina")
    assert_variables_equal(first, inject.values[0])
    last = lamina.models.load_model(tmp_path / "2.lamina")
    assert last.compiled
    np.testing.assert_array_equal(last.predict(X, verbose=0), net.predict(X, verbose=0))


@pytest.mark.parametrize(
    "steps_per_execution,expected",
    [
        (1, ["1-3", "2-2", "3-1", "3-4"]),  # every 3rd of 12 batches
        (2, ["1-4", "2-4", "3-4"]),  # checked at block ends: after 4, 8, 12 batches
    ],
)
def test_save_freq_counts_batches_across_epochs(tmp_path, steps_per_execution, expected):
    net = model(compiled=False)
    net.compile(optimizer="sgd", loss="mse", steps_per_execution=steps_per_execution)
    checkpoint = ModelCheckpoint(
        tmp_path / "{epoch}-{batch}.weights.safetensors", save_weights_only=True, save_freq=3
    )
    fit(net, [checkpoint], epochs=3, batch_size=8)  # 4 batches per epoch
    assert names(tmp_path) == sorted(f"{e}.weights.safetensors" for e in expected)


def test_max_to_keep_keeps_the_newest_files(tmp_path, net):
    keep = ModelCheckpoint(
        tmp_path / "{epoch:02d}.weights.safetensors", save_weights_only=True, max_to_keep=2
    )
    fit(net, [keep], epochs=5)
    assert names(tmp_path) == ["04.weights.safetensors", "05.weights.safetensors"]


def test_max_to_keep_with_one_name_keeps_that_file(tmp_path, net):
    fit(net, [ModelCheckpoint(tmp_path / "m.lamina", max_to_keep=1)], epochs=3)
    assert names(tmp_path) == ["m.lamina"]  # rewritten in place, never deleted
    lamina.models.load_model(tmp_path / "m.lamina")


def test_a_missing_monitor_warns_and_saves(tmp_path, net):
    checkpoint = ModelCheckpoint(tmp_path / "{epoch}.lamina", save_best_only=True)
    with pytest.warns(UserWarning, match="only with val_loss available"):
        fit(net, [checkpoint], epochs=2)  # no validation data: no val_loss
    assert names(tmp_path) == ["1.lamina", "2.lamina"]


def test_a_path_field_missing_from_the_logs_names_it(tmp_path, net):
    with pytest.raises(KeyError, match="val_auc"):
        fit(net, [ModelCheckpoint(tmp_path / "{val_auc:.2f}.lamina")], epochs=1)


@pytest.mark.parametrize(
    "filepath,weights_only,match",
    [
        ("m.keras", False, "must end in '.lamina'.*Keras"),
        ("m.h5", False, "must end in '.lamina'"),
        ("w.weights.safetensors", False, "pass save_weights_only=True"),
        ("w.weights.h5", True, "must end in '.safetensors'"),
        ("m.lamina", True, "must end in '.safetensors'"),
    ],
)
def test_a_wrong_suffix_is_refused_with_the_right_one(filepath, weights_only, match):
    with pytest.raises(ValueError, match=match):
        ModelCheckpoint(filepath, save_weights_only=weights_only)


@pytest.mark.parametrize("kwargs", [{"save_freq": "batch"}, {"save_freq": 0},
                                    {"max_to_keep": 0}, {"mode": "up"}])  # fmt: skip
def test_bad_arguments_are_refused(kwargs):
    with pytest.raises(ValueError):
        ModelCheckpoint("m.lamina", **kwargs)


def test_a_folder_as_the_path_is_refused(tmp_path, net):
    (tmp_path / "1.lamina").mkdir()
    with pytest.raises(IsADirectoryError, match="existing folder"):
        fit(net, [ModelCheckpoint(tmp_path / "{epoch}.lamina")], epochs=1)


def test_no_temporary_files_are_left_behind(tmp_path, net):
    fit(net, [ModelCheckpoint(tmp_path / "m.lamina")], epochs=2)
    assert names(tmp_path) == ["m.lamina"]
