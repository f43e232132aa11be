import lamina  # noqa: F401, I001  (imported first, before the modules under test)

import jax.numpy as jnp
import keras
import pytest

from lamina.callbacks import CallbackList, TerminateOnNaN

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # Keras, NumPy 2.


def first_stop(callbacks, model, losses):
    """The batch after which ``model.stop_training`` turns on, driving batch ends."""
    model.stop_training = False
    for batch, loss in enumerate(losses):
        callbacks.on_train_batch_end(batch, {"loss": loss})
        if model.stop_training:
            return batch
    return None


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
def test_stops_at_the_same_batch_as_keras(bad, fake_model, keras_model, capsys):
    losses = [1.0, 0.9, bad, 0.8]
    ours = first_stop(CallbackList([TerminateOnNaN()], model=fake_model), fake_model,
                      [jnp.float32(v) for v in losses])  # fmt: skip
    ours_out = capsys.readouterr().out
    theirs = first_stop(
        keras.callbacks.CallbackList([keras.callbacks.TerminateOnNaN()], model=keras_model),
        keras_model,
        losses,
    )
    assert ours == theirs == 2
    assert ours_out == capsys.readouterr().out == "Batch 2: Invalid loss, terminating training\n"


def test_finite_losses_and_missing_loss_do_not_stop(fake_model):
    callbacks = CallbackList([TerminateOnNaN()], model=fake_model)
    assert first_stop(callbacks, fake_model, [jnp.float32(1.0), 2.0]) is None
    callbacks.on_train_batch_end(0, {"accuracy": float("nan")})
    assert not fake_model.stop_training


def test_raise_error(fake_model):
    callback = TerminateOnNaN(raise_error=True)
    callback.set_model(fake_model)
    with pytest.raises(RuntimeError, match="NaN or Inf loss encountered at batch 4"):
        callback.on_train_batch_end(4, {"loss": jnp.float32(float("nan"))})
