import lamina  # noqa: F401, I001  (imported first, before the modules under test)

import jax.numpy as jnp
import keras
import pytest

from lamina.callbacks import ReduceLROnPlateau

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # Keras, NumPy 2.

PLATEAU = [1.0, 0.9, 0.9, 0.9, 0.9, 0.89995] + [0.8] * 12
RISING = [0.5, 0.6, 0.6, 0.6, 0.6, 0.7, 0.7, 0.7, 0.7, 0.7]

CASES = [
    ("val_loss", PLATEAU, {}),
    ("val_loss", PLATEAU, {"patience": 1}),
    ("val_loss", PLATEAU, {"patience": 2, "factor": 0.5}),
    ("val_loss", PLATEAU, {"patience": 1, "cooldown": 2}),
    ("val_loss", PLATEAU, {"patience": 1, "min_lr": 0.001}),
    ("val_loss", PLATEAU, {"patience": 1, "min_delta": 0.0}),
    ("val_loss", PLATEAU, {"patience": 2, "min_delta": 0.15, "factor": 0.2, "cooldown": 1}),
    ("val_accuracy", RISING, {"mode": "max", "patience": 1}),
    ("val_accuracy", RISING, {"mode": "max", "patience": 2, "cooldown": 1, "min_lr": 0.005}),
]


@pytest.mark.parametrize("monitor,values,kwargs", CASES, ids=[str(c[2]) for c in CASES])
def test_learning_rates_match_keras(monitor, values, kwargs, fake_model, keras_model, helpers):
    ours = ReduceLROnPlateau(monitor=monitor, **kwargs)
    theirs = keras.callbacks.ReduceLROnPlateau(monitor=monitor, **kwargs)
    ours_rates, theirs_rates = [], []
    helpers.run_epochs(
        ours,
        fake_model,
        [{monitor: jnp.float32(v)} for v in values],
        on_epoch=lambda _: ours_rates.append(helpers.learning_rate(fake_model)),
    )
    helpers.run_epochs(
        theirs,
        keras_model,
        [{monitor: float(jnp.float32(v))} for v in values],
        on_epoch=lambda _: theirs_rates.append(helpers.learning_rate(keras_model)),
    )
    assert ours_rates == pytest.approx(theirs_rates, rel=1e-6)
    assert len(set(ours_rates)) > 1  # The case does reduce.


def test_logs_learning_rate_and_prints(fake_model, capsys):
    reduce = ReduceLROnPlateau(monitor="loss", patience=0, verbose=1)
    reduce.set_model(fake_model)
    reduce.on_train_begin()
    logs = {"loss": jnp.float32(1.0)}
    reduce.on_epoch_end(0, logs)
    assert logs["learning_rate"] == pytest.approx(0.1)
    reduce.on_epoch_end(1, {"loss": 1.0})
    assert fake_model.optimizer.learning_rate == pytest.approx(0.01)
    assert type(fake_model.optimizer.learning_rate) is float
    out = capsys.readouterr().out
    assert out.startswith("\nEpoch 2: ReduceLROnPlateau reducing learning rate to 0.01")


def test_missing_monitor_warns(fake_model):
    reduce = ReduceLROnPlateau(monitor="val_loss")
    reduce.set_model(fake_model)
    reduce.on_train_begin()
    with pytest.warns(UserWarning, match="`val_loss` which is not available.*loss,learning_rate"):
        reduce.on_epoch_end(0, {"loss": 1.0})


def test_bad_arguments():
    with pytest.raises(ValueError, match="factor >= 1.0"):
        ReduceLROnPlateau(factor=1.5)
    with pytest.raises(ValueError, match="`mode` must be"):
        ReduceLROnPlateau(mode="best")
