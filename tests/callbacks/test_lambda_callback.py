import lamina  # noqa: F401, I001  (imported first, before the modules under test)

from lamina.callbacks import CallbackList, LambdaCallback


def test_given_hooks_run_and_others_do_nothing(fake_model):
    calls = []
    callback = LambdaCallback(
        on_epoch_begin=lambda epoch, logs: calls.append(("epoch_begin", epoch)),
        on_epoch_end=lambda epoch, logs: calls.append(("epoch_end", epoch, logs["loss"])),
        on_train_begin=lambda logs: calls.append(("train_begin",)),
        on_train_end=lambda logs: calls.append(("train_end",)),
        on_train_batch_begin=lambda batch, logs: calls.append(("batch_begin", batch)),
        on_train_batch_end=lambda batch, logs: calls.append(("batch_end", batch)),
        on_test_end=lambda logs: calls.append(("test_end",)),  # Any other hook, by keyword.
    )
    callbacks = CallbackList([callback], model=fake_model)
    callbacks.on_train_begin()
    callbacks.on_epoch_begin(0)
    callbacks.on_train_batch_begin(0)
    callbacks.on_train_batch_end(3, {"loss": 1.0})
    callbacks.on_test_begin()
    callbacks.on_test_end()
    callbacks.on_epoch_end(0, {"loss": 0.5})
    callbacks.on_predict_end()
    callbacks.on_train_end()
    assert calls == [
        ("train_begin",),
        ("epoch_begin", 0),
        ("batch_begin", 0),
        ("batch_end", 3),
        ("test_end",),
        ("epoch_end", 0, 0.5),
        ("train_end",),
    ]
    assert callback.model is fake_model


def test_empty_lambda_callback_is_a_no_op():
    callback = LambdaCallback()
    callback.on_epoch_end(0, {})
    callback.on_train_batch_end(0, {})
