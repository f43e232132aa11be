"""Evaluation and prediction loops, and the ``*_on_batch`` methods."""

import jax
import numpy as np

from lamina.callbacks import CallbackList
from lamina.training import data as data_module
from lamina.training.state import TrainState
from lamina.training.state import copy_tree as _copy


class InferenceMixin:
    """``evaluate`` / ``predict`` / ``*_on_batch`` for :class:`~lamina.training.trainer.Trainer`."""

    # ------------------------------------------------------------- helpers
    def _loop_callbacks(self, callbacks, verbose, steps):
        verbose = 1 if verbose == "auto" else verbose
        return CallbackList(
            callbacks, add_progbar=verbose != 0, model=self, steps=steps, verbose=verbose, epochs=1
        )

    def _test_pass(self, params, state, data, hooks):
        """``(logs, new_state)`` of ``test_step`` over ``data`` with fresh metrics."""
        ts = TrainState(params, state, None, self._fresh_metrics())
        logs, ts, _ = self._run_blocks(
            "test",
            ts,
            data,
            hooks.on_test_batch_begin,
            hooks.on_test_batch_end,
            self.steps_per_execution,
            None,
        )
        return logs or {}, ts.state

    def _evaluate(self, params, state, validation_data, batch_size, steps):
        """Logs of ``validation_data`` under ``params``/``state`` (fit's validation)."""
        if isinstance(validation_data, tuple) and data_module.is_array_data(validation_data[0]):
            x, y, sw = data_module.unpack(validation_data)
            data = data_module.make_data(x, y, sw, batch_size, False, steps)
        else:
            data = data_module.make_data(validation_data, steps_per_epoch=steps)
        self._prepare(data.first_batch())
        return self._test_pass(params, state, data, CallbackList())[0]

    # -------------------------------------------------------------- evaluate
    def _log_order(self) -> list:
        """``loss``, then the compiled metrics' names in compile order."""
        metrics = getattr(self, "_compiled_metrics", None)
        return ["loss"] + [name for name, _, _ in (getattr(metrics, "entries", None) or [])]

    def evaluate(
        self,
        x=None,
        y=None,
        batch_size=None,
        verbose="auto",
        sample_weight=None,
        steps=None,
        callbacks=None,
        return_dict=False,
    ):
        """Loss and metrics over the data (``training=False``); a scalar, a list, or a
        dict with ``return_dict=True``."""
        self._assert_compiled("evaluate")
        data = data_module.make_data(x, y, sample_weight, batch_size, False, steps)
        self._prepare(data.first_batch())
        hooks = self._loop_callbacks(callbacks, verbose, data.steps)
        hooks.on_test_begin()
        params, state = self.split()
        logs, new_state = self._test_pass(_copy(params), _copy(state), data, hooks)
        self.merge(params, new_state)  # state moves on (seed generators), params do not
        logs = {k: float(v) for k, v in logs.items()}
        hooks.on_test_end(logs)
        return _format(logs, return_dict, self._log_order())

    # --------------------------------------------------------------- predict
    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """Outputs for every sample of ``x`` (``training=False``), as NumPy arrays."""
        data = data_module.make_data(x, None, None, batch_size, False, steps)
        if not self.built:
            self._ensure_built((data_module.unpack(data.first_batch())[0],), {})
        hooks = self._loop_callbacks(callbacks, verbose, data.steps)
        hooks.on_predict_begin()
        params, state = self.split()
        ts = TrainState(_copy(params), _copy(state), None, None)
        _, ts, outputs = self._run_blocks(
            "predict", ts, data, hooks.on_predict_batch_begin, hooks.on_predict_batch_end, 1, None
        )
        self.merge(params, ts.state)
        hooks.on_predict_end()
        return jax.tree.map(lambda *parts: np.concatenate([_to_host(p) for p in parts]), *outputs)

    # ------------------------------------------------------------ on batches
    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict=False):
        """One training step on one batch; the batch's loss and metrics."""
        self._assert_compiled("train_on_batch")
        batch = jax.tree.map(np.asarray, (x, y, sample_weight))
        self._prepare(batch)
        ts = self._placed(self._start_state())
        logs, ts = self._run_step("train", 1, ts, batch)
        self.merge(ts.params, ts.state)
        self.optimizer.state = ts.opt_state
        return _format(logs, return_dict, self._log_order())

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        """Loss and metrics of one batch (``training=False``)."""
        self._assert_compiled("test_on_batch")
        batch = jax.tree.map(np.asarray, (x, y, sample_weight))
        self._prepare(batch)
        params, state = self.split()
        ts = self._placed(TrainState(_copy(params), _copy(state), None, self._fresh_metrics()))
        logs, _ = self._run_step("test", 1, ts, batch)
        return _format(logs, return_dict, self._log_order())

    def predict_on_batch(self, x):
        """Outputs of one batch (``training=False``), as NumPy arrays."""
        y, _ = self.apply(*self.split(), x, training=False)
        return jax.tree.map(np.asarray, y)


def _to_host(array) -> np.ndarray:
    """``array`` as NumPy; in a multi-process run, gathered from every process."""
    if getattr(array, "is_fully_addressable", True):
        return np.asarray(array)
    from jax.experimental import multihost_utils

    return np.asarray(multihost_utils.process_allgather(array, tiled=True))


def _format(logs, return_dict, order=()):
    """Keras' return value: the dict, or its one value, or the list of values in
    Keras' order (``loss`` first, then the compiled metrics in compile order; a
    compiled step returns its logs with sorted keys)."""
    rank = {name: i for i, name in enumerate(order)}
    keys = sorted(logs, key=lambda k: (k != "loss", rank.get(k, len(rank)), k))
    logs = {k: float(logs[k]) for k in keys}
    if return_dict:
        return logs
    values = list(logs.values())
    return values[0] if len(values) == 1 else values
