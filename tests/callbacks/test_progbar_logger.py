import lamina  # noqa: F401, I001  (imported first, before the modules under test)

import contextlib
import io
import re

import jax.numpy as jnp
import keras
import pytest

from lamina.callbacks import CallbackList, ProgbarLogger

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # Keras, NumPy 2.

ANSI = re.compile(r"\x1b\[\d+m")


class Terminal(io.StringIO):
    def isatty(self):
        return True


def final_lines(keras_output):
    """Keras' live output reduced to the lines that end with a newline, as last drawn."""
    lines = keras_output.split("\n")[:-1]
    return "".join(ANSI.sub("", line.split("\r")[-1]).rstrip(" ") + "\n" for line in lines)


def batch_logs(step, wrap):
    return {"loss": wrap(1.0 / (step + 1)), "accuracy": wrap(step / 100)}


def fit(callbacks, clock, epochs, steps, block, wrap):
    """Drive ``fit``'s hooks: blocks of ``block`` steps reported at their last step."""
    callbacks.on_train_begin()
    for epoch in range(epochs):
        callbacks.on_epoch_begin(epoch)
        for start in range(0, steps, block):
            last = min(start + block, steps) - 1
            callbacks.on_train_batch_begin(start)
            clock.advance(0.02 * (last - start + 1))
            callbacks.on_train_batch_end(last, batch_logs(last + 10 * epoch, wrap))
        callbacks.on_test_begin()  # Validation: silent inside fit.
        callbacks.on_test_batch_end(0, {"loss": wrap(0.5)})
        callbacks.on_test_end({"loss": wrap(0.5)})
        logs = {**batch_logs(steps + 10 * epoch, wrap), "val_loss": wrap(0.5 - epoch / 10)}
        callbacks.on_epoch_end(epoch, logs)
    callbacks.on_train_end()


def evaluate(callbacks, clock, epochs, steps, block, wrap):
    callbacks.on_test_begin()
    for start in range(0, steps, block):
        last = min(start + block, steps) - 1
        clock.advance(0.01 * (last - start + 1))
        callbacks.on_test_batch_end(last, batch_logs(last, wrap))
    callbacks.on_test_end(batch_logs(steps, wrap))


def predict(callbacks, clock, epochs, steps, block, wrap):
    callbacks.on_predict_begin()
    for step in range(steps):
        clock.advance(0.01)
        callbacks.on_predict_batch_end(step, {"outputs": wrap(1.0)})
    callbacks.on_predict_end()


def outputs(run, clock, model_ours, model_theirs, epochs, steps, block, verbose, stream, known):
    params = {"epochs": epochs, "steps": steps if known else None, "verbose": verbose}
    printed = []
    for library, model, wrap in [
        (lamina.callbacks, model_ours, jnp.float32),
        (keras.callbacks, model_theirs, lambda v: float(jnp.float32(v))),
    ]:
        callbacks = library.CallbackList([library.ProgbarLogger()], model=model, **params)
        out = stream() if library is lamina.callbacks else Terminal()
        with contextlib.redirect_stdout(out):
            run(callbacks, clock, epochs, steps, block, wrap)
        printed.append(out.getvalue())
    return printed


CASES = [
    (fit, 2, 10, 1, 1, True),
    (fit, 2, 10, 3, 1, True),
    (fit, 3, 157, 8, 1, True),
    (fit, 1, 10, 4, 1, True),
    (fit, 2, 10, 3, 2, True),
    (fit, 2, 10, 3, 1, False),
    (fit, 2, 10, 3, 2, False),
    (evaluate, 1, 12, 5, 1, True),
    (evaluate, 1, 12, 5, 2, True),
    (predict, 1, 7, 1, 1, True),
]
IDS = [
    f"{c[0].__name__}-epochs{c[1]}-steps{c[2]}-block{c[3]}-verbose{c[4]}-known{c[5]}" for c in CASES
]


@pytest.mark.parametrize("run,epochs,steps,block,verbose,known", CASES, ids=IDS)
def test_live_output_matches_keras(
    run, epochs, steps, block, verbose, known, clock, fake_model, keras_model
):
    ours, theirs = outputs(
        run, clock, fake_model, keras_model, epochs, steps, block, verbose, Terminal, known
    )
    assert ours == theirs
    assert ours.count("Epoch ") == (epochs if epochs > 1 else 0)


@pytest.mark.parametrize("run,epochs,steps,block,verbose,known", CASES, ids=IDS)
def test_non_live_output_is_keras_final_lines(
    run, epochs, steps, block, verbose, known, clock, fake_model, keras_model
):
    ours, theirs = outputs(
        run, clock, fake_model, keras_model, epochs, steps, block, verbose, io.StringIO, known
    )
    assert ours == final_lines(theirs)
    assert "\r" not in ours and "\x1b" not in ours


def test_fit_output_reads(clock, fake_model):
    out = io.StringIO()
    callbacks = CallbackList(
        [ProgbarLogger()], model=fake_model, epochs=2, steps=157, verbose=1
    )  # fmt: skip
    with contextlib.redirect_stdout(out):
        fit(callbacks, clock, 2, 157, 16, jnp.float32)
    assert out.getvalue().splitlines() == [
        "Epoch 1/2",
        "157/157 ━━━━━━━━━━━━━━━━━━━━ 3s 20ms/step - accuracy: 1.5700 - loss: 0.0063"
        " - val_loss: 0.5000",
        "Epoch 2/2",
        "157/157 ━━━━━━━━━━━━━━━━━━━━ 3s 20ms/step - accuracy: 1.6700 - loss: 0.0060"
        " - val_loss: 0.4000",
    ]
