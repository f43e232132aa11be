import lamina  # noqa: F401, I001  (imported first, before the modules under test)

import jax.numpy as jnp
import keras
import numpy as np
import pytest

from lamina.callbacks import EarlyStopping

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # Keras, NumPy 2.

LOSSES = [1.0, 0.8, 0.85, 0.79, 0.9, 0.95, 0.7, 0.71, 0.72, 0.73, 0.74]
ACCURACIES = [0.5, 0.6, 0.59, 0.61, 0.6, 0.6, 0.6, 0.7, 0.7]

CASES = [
    ("val_loss", LOSSES, {}),
    ("val_loss", LOSSES, {"patience": 2}),
    ("val_loss", LOSSES, {"patience": 2, "min_delta": 0.02}),
    ("val_loss", LOSSES, {"patience": 1, "restore_best_weights": True}),
    ("val_loss", LOSSES, {"patience": 3, "restore_best_weights": True}),
    ("val_loss", LOSSES, {"patience": 2, "baseline": 0.75}),
    ("val_loss", LOSSES, {"patience": 2, "baseline": 0.5, "restore_best_weights": True}),
    ("val_loss", LOSSES, {"patience": 1, "start_from_epoch": 3}),
    ("loss", LOSSES, {"patience": 1, "mode": "min"}),
    ("val_loss", LOSSES[:4], {"patience": 10, "restore_best_weights": True}),
    ("val_accuracy", ACCURACIES, {"mode": "max", "patience": 1}),
    ("val_accuracy", ACCURACIES, {"mode": "max", "patience": 2, "min_delta": 0.005}),
    ("val_accuracy", ACCURACIES, {"mode": "max", "patience": 3, "restore_best_weights": True}),
]


def logs_for(monitor, values, as_jax=False):
    wrap = jnp.float32 if as_jax else float
    return [{"loss": wrap(v + 0.1), monitor: wrap(v)} for v in values]


@pytest.mark.parametrize("monitor,values,kwargs", CASES, ids=[str(c[2]) for c in CASES])
def test_stops_and_restores_like_keras(monitor, values, kwargs, fake_model, keras_model, helpers):
    ours = EarlyStopping(monitor=monitor, **kwargs)
    theirs = keras.callbacks.EarlyStopping(monitor=monitor, **kwargs)
    ran_ours = helpers.run_epochs(ours, fake_model, logs_for(monitor, values, as_jax=True))
    keras_logs = [
        {k: float(v) for k, v in logs.items()} for logs in logs_for(monitor, values, True)
    ]
    ran_theirs = helpers.run_epochs(theirs, keras_model, keras_logs)

    assert ran_ours == ran_theirs
    assert fake_model.stop_training == keras_model.stop_training
    assert ours.stopped_epoch == theirs.stopped_epoch
    assert ours.wait == theirs.wait
    assert ours.best == pytest.approx(float(theirs.best))
    for got, want in zip(fake_model.get_weights(), keras_model.get_weights(), strict=True):
        np.testing.assert_array_equal(got, want)


def test_instance_reused_across_fits_starts_afresh(fake_model, helpers):
    stop = EarlyStopping(monitor="val_loss", patience=1)
    first = helpers.run_epochs(stop, fake_model, logs_for("val_loss", [1.0, 1.1, 1.2, 1.3]))
    second = helpers.run_epochs(stop, fake_model, logs_for("val_loss", [5.0, 4.0, 3.0, 2.0]))
    assert first == [0, 1]
    assert second == [0, 1, 2, 3] and not fake_model.stop_training


def test_missing_monitor_warns_and_does_not_stop(fake_model, helpers):
    stop = EarlyStopping(monitor="val_missing", mode="min")
    with pytest.warns(UserWarning, match="val_missing.*Available metrics are: loss"):
        ran = helpers.run_epochs(stop, fake_model, [{"loss": 1.0}] * 3)
    assert ran == [0, 1, 2] and not fake_model.stop_training


def test_bad_mode_is_a_value_error():
    with pytest.raises(ValueError, match="`mode` must be 'auto', 'min' or 'max'.*'maximum'"):
        EarlyStopping(mode="maximum")


def test_auto_mode_directions(fake_model):
    def direction(monitor, model=fake_model):
        stop = EarlyStopping(monitor=monitor)
        stop.set_model(model)
        stop._set_monitor_op()
        return stop._is_improvement(2.0, 1.0)  # True: larger is better.

    assert direction("val_accuracy") is True
    assert direction("val_loss") is False
    assert direction("mse") is False
    assert direction("kl_loss") is False

    class Metric:
        def __init__(self, name, direction):
            self.name, self._direction = name, direction

    class Container:  # Like Keras' compiled-metrics wrapper.
        name = "compile_metrics"
        metrics = [Metric("custom_score", "up")]

    fake_model.metrics = [Container()]
    assert direction("val_custom_score") is True
    with pytest.raises(ValueError, match="mode='max'"):
        direction("mystery")


def test_verbose_messages(fake_model, helpers, capsys):
    stop = EarlyStopping(monitor="val_loss", patience=1, verbose=1, restore_best_weights=True)
    helpers.run_epochs(stop, fake_model, logs_for("val_loss", [1.0, 1.1, 1.2]))
    assert capsys.readouterr().out == (
        "Epoch 2: early stopping\nRestoring model weights from the end of the best epoch: 1.\n"
    )
