import lamina  # noqa: F401, I001  (imported first, before the modules under test)

import jax
import jax.numpy as jnp
import pytest

from lamina.callbacks import Callback, CallbackList, History, ProgbarLogger

HOOKS_WITH_INDEX = [
    "on_batch_begin",
    "on_batch_end",
    "on_epoch_begin",
    "on_epoch_end",
    "on_train_batch_begin",
    "on_train_batch_end",
    "on_test_batch_begin",
    "on_test_batch_end",
    "on_predict_batch_begin",
    "on_predict_batch_end",
]
HOOKS = [
    "on_train_begin",
    "on_train_end",
    "on_test_begin",
    "on_test_end",
    "on_predict_begin",
    "on_predict_end",
]


class Recorder(Callback):
    """Records every hook call (name, index, logs) into a shared list."""

    def __init__(self, name, calls):
        self.name, self.calls = name, calls

    def __getattribute__(self, attribute):
        if attribute in HOOKS_WITH_INDEX:
            return lambda index, logs=None: self.calls.append((self.name, attribute, index, logs))
        if attribute in HOOKS:
            return lambda logs=None: self.calls.append((self.name, attribute, None, logs))
        return super().__getattribute__(attribute)


class CountingScalar:
    """A stand-in device value that counts how often it is read as a number."""

    reads = 0

    def __init__(self, value):
        self.value = value

    def __float__(self):
        CountingScalar.reads += 1
        return self.value


@pytest.mark.parametrize("hook", HOOKS_WITH_INDEX + HOOKS)
def test_every_hook_reaches_every_callback_in_order(hook):
    calls = []
    callbacks = CallbackList([Recorder("a", calls), [Recorder("b", calls)]])
    logs = {"z": jnp.float32(1.0), "a": 2.0, "nested": {"m": 3.0}}
    args = (7,) if hook in HOOKS_WITH_INDEX else ()
    getattr(callbacks, hook)(*args, logs)
    index = 7 if args else None
    assert [(name, h, i) for name, h, i, _ in calls] == [("a", hook, index), ("b", hook, index)]
    seen = calls[0][3]
    assert seen is calls[1][3]  # One dict for the whole list, so additions flow on.
    assert list(seen) == ["a", "m", "z"] and isinstance(seen["z"], jax.Array)
    assert list(logs) == ["z", "a", "nested"]  # The caller's dict is untouched.


def test_logs_are_not_read_on_the_way_through():
    CountingScalar.reads = 0
    callbacks = CallbackList([Callback(), Callback()])
    callbacks.on_train_batch_end(0, {"loss": CountingScalar(1.0)})
    callbacks.on_epoch_end(0, {"loss": CountingScalar(1.0)})
    assert CountingScalar.reads == 0


def test_base_callback_batch_hooks_call_keras_aliases():
    seen = []

    class Old(Callback):
        def on_batch_begin(self, batch, logs=None):
            seen.append(("begin", batch))

        def on_batch_end(self, batch, logs=None):
            seen.append(("end", batch))

    callbacks = CallbackList([Old()])
    callbacks.on_train_batch_begin(0)
    callbacks.on_train_batch_end(3, {})
    callbacks.on_test_batch_end(4, {})  # Not an alias.
    assert seen == [("begin", 0), ("end", 3)]


def test_defaults_are_added_once(fake_model):
    history = History()
    callbacks = CallbackList(
        [history], add_history=True, add_progbar=True, model=fake_model, epochs=2, steps=3,
        verbose=1,
    )  # fmt: skip
    assert callbacks.callbacks[0] is history
    assert [type(c) for c in callbacks.callbacks] == [History, ProgbarLogger]
    assert fake_model.history is history
    assert all(c.model is fake_model for c in callbacks.callbacks)
    assert callbacks.callbacks[1].params == {"epochs": 2, "steps": 3, "verbose": 1}
    assert callbacks.callbacks[1].target == 3 and callbacks.callbacks[1].epochs == 2
    assert CallbackList().callbacks == []


def test_params_and_model_are_optional():
    callback = Callback()
    CallbackList([callback])
    assert callback.model is None and callback.params is None
