import lamina  # noqa: F401, I001  (imported first, before the modules under test)

import jax.numpy as jnp
import keras
import numpy as np
import optax
import pytest

from lamina.callbacks import LearningRateScheduler

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # Keras, NumPy 2.


def step_decay(epoch, lr):
    return lr if epoch < 2 else lr * 0.5


def by_epoch(epoch):  # Keras' older one-argument form.
    return 0.1 / (epoch + 1)


@pytest.mark.parametrize("schedule", [step_decay, by_epoch, lambda e, lr: np.float32(lr + e)])
def test_learning_rates_match_keras(schedule, fake_model, keras_model, helpers):
    ours_rates, theirs_rates, ours_logged = [], [], []

    def record_ours(_):
        ours_rates.append(helpers.learning_rate(fake_model))

    ours = LearningRateScheduler(schedule)
    theirs = keras.callbacks.LearningRateScheduler(schedule)
    ours.set_model(fake_model)
    for epoch in range(5):
        ours.on_epoch_begin(epoch, {})
        logs = {"loss": 1.0}
        ours.on_epoch_end(epoch, logs)
        ours_logged.append(logs["learning_rate"])
        record_ours(epoch)
    helpers.run_epochs(
        theirs,
        keras_model,
        [{"loss": 1.0}] * 5,
        on_epoch=lambda _: theirs_rates.append(helpers.learning_rate(keras_model)),
    )
    assert ours_rates == pytest.approx(theirs_rates, rel=1e-6)
    assert ours_logged == ours_rates
    assert all(type(lr) is float for lr in ours_rates)


@pytest.mark.parametrize("bad", [1, True, "0.1", None, np.array([0.1, 0.2]), jnp.int32(1)])
def test_schedule_must_return_a_float(bad, fake_model):
    scheduler = LearningRateScheduler(lambda epoch, lr: bad)
    scheduler.set_model(fake_model)
    with pytest.raises(ValueError, match="should be a float. Got: "):
        scheduler.on_epoch_begin(0)


def test_an_optax_schedule_works_as_it_is(fake_model):
    scheduler = LearningRateScheduler(optax.exponential_decay(0.1, 1, 0.5))
    scheduler.set_model(fake_model)
    scheduler.on_epoch_begin(2)
    assert fake_model.optimizer.learning_rate == pytest.approx(0.025)
    assert type(fake_model.optimizer.learning_rate) is float


def test_verbose_message(fake_model, capsys):
    scheduler = LearningRateScheduler(lambda epoch, lr: 0.25, verbose=1)
    scheduler.set_model(fake_model)
    scheduler.on_epoch_begin(2)
    assert capsys.readouterr().out == (
        "\nEpoch 3: LearningRateScheduler setting learning rate to 0.25.\n"
    )
