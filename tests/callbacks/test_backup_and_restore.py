"""BackupAndRestore: a fit killed (SIGKILL) or stopped by an exception, then run again,
ends bit-identical to a fit never interrupted; a bad backup is an error, never a restart.

The killed runs are child processes running ``SCRIPT``: a model with Dropout (so the
random stream must resume too), Adam (so must its moments), shuffled batches (so must
the shuffling) and a last partial batch.
"""

import json
import os
import signal
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

import lamina
from lamina import layers
from lamina.callbacks import BackupAndRestore, Callback
from lamina.callbacks.backup_and_restore import read_backup
from lamina.saving import LoadError, load_arrays

REPO = Path(__file__).resolve().parents[2]
EPOCHS = 6

SCRIPT = """
import json, os, signal, sys
import numpy as np
import lamina
from lamina import layers
from lamina.callbacks import BackupAndRestore, Callback

X = np.random.default_rng(1).normal(size=(36, 4)).astype("float32")  # 5 batches of 8: the
Y = (X[:, :1] - X[:, 1:2]).astype("float32")                         # last one holds 4


def build():
    lamina.utils.set_random_seed(0)  # initial weights, dropout seed and fit's shuffling
    net = lamina.Sequential(
        [layers.Dense(16, activation="relu", name="hidden"), layers.Dropout(0.3, name="drop"),
         layers.Dense(1, name="out")],
        name="net",
    )
    net.compile(optimizer="adam", loss="mse")
    return net


class Kill(Callback):
    # SIGKILL: no Python cleanup, no on_train_end; only the files on disk survive.
    def __init__(self, epoch, batch):
        self.epoch, self.batch, self.current = epoch, batch, None

    def on_epoch_begin(self, epoch, logs=None):
        self.current = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.batch is not None and (self.current, batch) == (self.epoch, self.batch):
            os.kill(os.getpid(), signal.SIGKILL)

    def on_epoch_end(self, epoch, logs=None):
        if self.batch is None and epoch == self.epoch:
            os.kill(os.getpid(), signal.SIGKILL)


def run(backup_dir, weights, kill_epoch=None, kill_batch=None):
    net = build()
    callbacks = [BackupAndRestore(backup_dir)]  # first: its backup precedes the kill
    if kill_epoch is not None:
        callbacks.append(Kill(kill_epoch, kill_batch))
    history = net.fit(X, Y, batch_size=8, epochs=EPOCHS, shuffle=True, verbose=0,
                      callbacks=callbacks)
    net.save_weights(weights)
    return len(history.history.get("loss", []))


EPOCHS = int(sys.argv[1])
print(json.dumps([run(**spec) for spec in json.loads(sys.argv[2])]))
"""


def run_script(tmp_path, *runs):
    """Start ``SCRIPT`` doing ``runs`` (dicts of ``run``'s arguments), one after another."""
    script = tmp_path / "train.py"
    script.write_text(SCRIPT)
    env = {**os.environ, "PYTHONPATH": str(REPO), "KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu"}
    specs = [{k: str(v) if isinstance(v, Path) else v for k, v in r.items()} for r in runs]
    return subprocess.Popen(
        [sys.executable, str(script), str(EPOCHS), json.dumps(specs)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process, timeout=120):
    out, err = process.communicate(timeout=timeout)
    return process.returncode, out, err


def test_killed_fit_resumes_bit_identical_to_an_uninterrupted_one(tmp_path):
    at_epoch_end = tmp_path / "backup_a"  # killed right after epoch 3's backup
    mid_epoch = tmp_path / "backup_b"  # killed at batch 2 of epoch 4
    killed = [
        run_script(tmp_path, {"backup_dir": at_epoch_end, "weights": tmp_path / "x",
                              "kill_epoch": 2}),
        run_script(tmp_path, {"backup_dir": mid_epoch, "weights": tmp_path / "x",
                              "kill_epoch": 3, "kill_batch": 2}),
    ]  # fmt: skip
    for process in killed:
        code, _, err = finish(process)
        assert code == -signal.SIGKILL, err
    assert not (tmp_path / "x").exists()
    for folder in (at_epoch_end, mid_epoch):  # both hold epoch 3's backup (index 2)
        assert os.listdir(folder) == ["latest.backup"]
        with zipfile.ZipFile(folder / "latest.backup") as archive:
            assert json.loads(archive.read("training.json"))["epoch"] == 2

    # The same script again, without the killer; then a run never interrupted.
    code, out, err = finish(
        run_script(
            tmp_path,
            {"backup_dir": at_epoch_end, "weights": tmp_path / "a.safetensors"},
            {"backup_dir": mid_epoch, "weights": tmp_path / "b.safetensors"},
            {"backup_dir": tmp_path / "backup_c", "weights": tmp_path / "c.safetensors"},
        )
    )
    assert code == 0, err
    assert json.loads(out) == [3, 3, EPOCHS]  # epochs each fit ran
    reference, _ = load_arrays(tmp_path / "c.safetensors")
    assert any("seed_generator" in name for name in reference)
    for resumed in ("a", "b"):
        arrays, _ = load_arrays(tmp_path / f"{resumed}.safetensors")
        assert arrays.keys() == reference.keys()
        for name, value in reference.items():
            np.testing.assert_array_equal(arrays[name], value, err_msg=f"{resumed}: {name}")
    for folder in ("backup_a", "backup_b", "backup_c"):  # deleted once fit completed
        assert not (tmp_path / folder).exists()


# ------------------------------------------------------------- in process

X = np.random.default_rng(2).normal(size=(24, 3)).astype("float32")  # 3 batches of 8
Y = X.sum(axis=1, keepdims=True)


def model():
    inputs = lamina.Input((3,))
    x = layers.Dropout(0.2)(layers.Dense(8, activation="tanh")(inputs))
    net = lamina.Model(inputs, layers.Dense(1)(x))
    net.compile(optimizer=lamina.optimizers.Adam(1e-2), loss="mse")
    return net


@pytest.fixture(scope="module")
def compiled_once():
    """One compiled model for the module (compiling its step is most of a test's time)."""
    lamina.utils.set_random_seed(5)
    net = model()
    return net, values(net)


@pytest.fixture
def fresh(compiled_once):
    """``fresh()``: the module's model back at its initial state (weights, dropout
    stream, no optimizer state, the global seed fit draws from), as if just built."""
    net, initial = compiled_once

    def reset():
        for var, value in zip(net.variables, initial, strict=True):
            var.assign(value)
        net.optimizer.state = None
        lamina.utils.set_random_seed(5)
        return net

    return reset


def fit(net, callbacks, epochs=4):
    return net.fit(X, Y, batch_size=8, epochs=epochs, verbose=0, callbacks=callbacks)


class Raise(Callback):
    """Raises in the middle of epoch ``epoch``: weights, optimizer state and dropout
    stream have moved on from the last backup by then."""

    def __init__(self, epoch):
        self.epoch, self.current = epoch, None

    def on_epoch_begin(self, epoch, logs=None):
        self.current = epoch

    def on_train_batch_end(self, batch, logs=None):
        if (self.current, batch) == (self.epoch, 1):
            raise KeyboardInterrupt  # what Ctrl-C raises; not caught by fit


def values(net):
    return [np.asarray(v.value) for v in net.variables]


def test_a_fit_stopped_by_an_exception_resumes_the_same_way(tmp_path, fresh):
    reference = values(fit(fresh(), []).model)
    net, backup = fresh(), BackupAndRestore(tmp_path / "backup")
    with pytest.raises(KeyboardInterrupt):
        fit(net, [backup, Raise(2)])
    lamina.utils.set_random_seed(123)  # the resumed fit takes its shuffling from the backup
    history = fit(net, [backup])  # weights have moved on since the backup: restored
    assert len(history.history["loss"]) == 2
    for got, want in zip(values(net), reference, strict=True):
        np.testing.assert_array_equal(got, want)
    assert not (tmp_path / "backup").exists()


def test_the_backup_holds_the_last_epoch_and_the_fit_seed(tmp_path, fresh):
    net = fresh()
    fit(net, [BackupAndRestore(tmp_path, delete_checkpoint=False)], epochs=2)
    trained, seed = values(net), net.fit_seed
    other = model()  # same architecture, other layer names
    other(X[:1])
    assert read_backup(tmp_path / "latest.backup", other) == (1, seed)
    for got, want in zip(values(other), trained, strict=True):
        np.testing.assert_array_equal(got, want)
    assert other.optimizer.iterations == net.optimizer.iterations == 6


def test_a_backup_of_the_last_epoch_resumes_to_the_finished_weights(tmp_path, fresh):
    net = fresh()
    fit(net, [BackupAndRestore(tmp_path, delete_checkpoint=False)], epochs=2)
    finished = values(net)
    history = fit(fresh(), [BackupAndRestore(tmp_path)], epochs=2)  # killed before the end
    assert history.history == {}  # no epoch left to run
    for got, want in zip(values(net), finished, strict=True):
        np.testing.assert_array_equal(got, want)
    assert net.optimizer.iterations == 6
    assert not tmp_path.exists()


def test_only_its_own_files_are_deleted(tmp_path, fresh):
    (tmp_path / "notes.txt").write_text("mine")
    fit(fresh(), [BackupAndRestore(tmp_path)], epochs=1)
    assert os.listdir(tmp_path) == ["notes.txt"]


def corrupt(path):
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped byte inside the weights
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    "damage",
    [corrupt, lambda p: p.write_bytes(p.read_bytes()[:200]), lambda p: p.write_text("no zip")],
    ids=["flipped-byte", "truncated", "garbage"],
)
def test_a_corrupt_backup_is_a_load_error_naming_the_file(tmp_path, fresh, damage):
    net = fresh()
    fit(net, [BackupAndRestore(tmp_path, delete_checkpoint=False)], epochs=1)
    damage(tmp_path / "latest.backup")
    before = values(net)
    with pytest.raises(LoadError, match="latest.backup") as caught:
        fit(net, [BackupAndRestore(tmp_path)])
    assert caught.value.path == str(tmp_path / "latest.backup")
    for got, want in zip(values(net), before, strict=True):  # untouched, not restarted
        np.testing.assert_array_equal(got, want)


def test_a_backup_of_another_model_is_a_load_error(tmp_path, fresh):
    fit(fresh(), [BackupAndRestore(tmp_path, delete_checkpoint=False)], epochs=1)
    other = lamina.Sequential([lamina.Input((3,)), layers.Dense(2), layers.Dense(1)])
    other.compile(optimizer="adam", loss="mse")
    with pytest.raises(LoadError, match="not fit") as caught:
        fit(other, [BackupAndRestore(tmp_path)])
    assert "latest.backup" in str(caught.value)


def test_double_checkpoint_falls_back_to_the_previous_backup(tmp_path, fresh):
    fit(fresh(), [BackupAndRestore(tmp_path, double_checkpoint=True, delete_checkpoint=False)],
        epochs=3)  # fmt: skip
    assert sorted(os.listdir(tmp_path)) == ["latest.backup", "previous.backup"]
    corrupt(tmp_path / "latest.backup")
    with pytest.warns(UserWarning, match="previous backup"):
        history = fit(fresh(), [BackupAndRestore(tmp_path, double_checkpoint=True)])
    assert len(history.history["loss"]) == 2  # from the end of epoch 2 (index 1)


@pytest.mark.parametrize("save_freq", [10, False, "batch"])
def test_only_per_epoch_backups_are_accepted(save_freq):
    with pytest.raises(ValueError, match="only save_freq='epoch'"):
        BackupAndRestore("/tmp/unused", save_freq=save_freq)
