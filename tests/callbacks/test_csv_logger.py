import lamina  # noqa: F401, I001  (imported first, before the modules under test)

import jax.numpy as jnp
import keras
import numpy as np
import pytest

from lamina.callbacks import CSVLogger

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # Keras, NumPy 2.

WITH_VAL = [
    {"loss": 0.5, "accuracy": 0.25, "val_loss": 0.75},
    {"loss": 0.25, "accuracy": 0.5},
    {"loss": 0.125, "accuracy": 0.75, "val_loss": 0.5, "extra": 3.0},
]
WITHOUT_VAL = [{"loss": 0.1, "note": "ok"}, {"loss": 0.2, "note": "fine"}]


def write(callback, model, epochs):
    callback.set_model(model)
    callback.on_train_begin()
    for epoch, logs in enumerate(epochs):
        callback.on_epoch_begin(epoch)
        callback.on_epoch_end(epoch, logs)
    callback.on_train_end()


def device(logs):
    return {k: jnp.float32(v) if isinstance(v, float) else v for k, v in logs.items()}


def host(logs):  # What Keras' callbacks get for the same device logs.
    return {k: float(v) if not isinstance(v, str) else v for k, v in device(logs).items()}


@pytest.mark.parametrize("epochs", [WITH_VAL, WITHOUT_VAL], ids=["with_val", "without_val"])
@pytest.mark.parametrize("separator", [",", ";"])
@pytest.mark.parametrize("append", [False, True])
def test_file_matches_keras(epochs, separator, append, tmp_path, fake_model, keras_model):
    ours_path, theirs_path = tmp_path / "ours.csv", tmp_path / "theirs.csv"
    for _ in range(2):  # The second run overwrites, or appends without a header.
        write(
            CSVLogger(ours_path, separator, append), fake_model, [device(logs) for logs in epochs]
        )
        write(
            keras.callbacks.CSVLogger(str(theirs_path), separator, append),
            keras_model,
            [host(logs) for logs in epochs],
        )
    assert ours_path.read_bytes() == theirs_path.read_bytes()
    assert ours_path.read_bytes().count(b"epoch") == 1


def test_rows_are_flushed_as_they_go(tmp_path, fake_model):
    path = tmp_path / "log.csv"
    logger = CSVLogger(path)
    logger.set_model(fake_model)
    logger.on_train_begin()
    logger.on_epoch_end(0, {"loss": jnp.float32(0.5), "val_loss": np.float64(0.25)})
    assert path.read_bytes() == b"epoch,loss,val_loss\r\n0,0.5,0.25\r\n"
    logger.on_epoch_end(1, {"loss": 0.125, "val_loss": jnp.array([1.0, 2.0])})
    assert path.read_text().splitlines()[-1] == '1,0.125,"""[1.0, 2.0]"""'
    logger.on_train_end()
    assert logger.csv_file.closed
