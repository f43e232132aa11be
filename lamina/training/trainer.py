"""``compile`` / ``fit`` / ``evaluate`` / ``predict`` for :class:`lamina.Model`.

The loops are thin: every step is a pure function of a :class:`TrainState`
(``train_step(state, data) -> (logs, state)``) compiled once per input signature
with the carried buffers donated; ``steps_per_execution=K`` runs K steps per
compiled call. Logs stay on the device; callbacks read them when they need to.
"""

import functools

import jax
import numpy as np

from lamina import distribution as distribution_lib
from lamina import metrics as metrics_module
from lamina import optimizers as optimizers_module
from lamina.callbacks import CallbackList
from lamina.core import random as core_random
from lamina.distribution import placement
from lamina.training import data as data_module
from lamina.training import steps
from lamina.training.compile_utils import CompiledLoss, CompiledMetrics
from lamina.training.inference import InferenceMixin
from lamina.training.state import TrainState
from lamina.training.state import copy_tree as _copy
from lamina.training.step_methods import StepsMixin


class Trainer(StepsMixin, InferenceMixin):
    """The training half of :class:`lamina.Model` (mixed in; not used alone)."""

    def __init__(self):
        self.stop_training = False
        # Bookkeeping, set past Layer's attribute tracking.
        for name, value in (
            ("optimizer", None),
            ("history", None),
            ("compiled", False),
            ("_live", None),
            ("_facade_changed", False),
            ("_step_cache", {}),
            ("_jit", True),
            ("steps_per_execution", 1),
            ("loss", None),
            ("fuse_steps", "auto"),
            ("fit_seed", None),
            ("_resume_request", None),
            ("_opt_source", None),
        ):
            object.__setattr__(self, name, value)

    # ------------------------------------------------------------------ compile
    def compile(
        self,
        optimizer="rmsprop",
        loss=None,
        loss_weights=None,
        metrics=None,
        weighted_metrics=None,
        run_eagerly=False,
        steps_per_execution=1,
        jit_compile="auto",
        auto_scale_loss=True,
    ):
        """Configure training (Keras 3's arguments).

        Args:
          optimizer: an ``optax.GradientTransformation``, a name (``"adam"``) or a
            ``lamina.optimizers`` object (Keras' defaults).
          loss: a loss name, object or function, or a list/dict per output; None
            when the model's ``add_loss`` terms are the whole objective.
          loss_weights: scales per output loss (list or dict).
          metrics, weighted_metrics: names, ``lamina.metrics`` objects or functions.
          run_eagerly / jit_compile: ``run_eagerly=True`` or ``jit_compile=False``
            runs steps without ``jax.jit`` (for debugging).
          steps_per_execution: K steps per compiled call (K batches stacked). How
            the K steps are fused is ``model.fuse_steps``: ``"auto"`` (``lax.scan``,
            but unrolled for convolutions on CPU), ``"scan"`` or ``"unroll"``.
        """
        if not isinstance(steps_per_execution, int) or steps_per_execution < 1:
            raise ValueError(
                f"`steps_per_execution` must be a positive int, got {steps_per_execution!r}."
            )
        settings = {
            "optimizer": self._maybe_scaled(optimizers_module.get(optimizer), auto_scale_loss),
            "_compiled_loss": None if loss is None else CompiledLoss(loss, loss_weights),
            "_compiled_metrics": CompiledMetrics(metrics, weighted_metrics),
            "_loss_tracker": metrics_module.Mean(name="loss"),
            "steps_per_execution": steps_per_execution,
            "_jit": not run_eagerly and jit_compile is not False,
            "_step_cache": {},
            "compiled": True,
            "loss": loss,
            "_compile_loss_weights": loss_weights,
        }
        for name, value in settings.items():
            object.__setattr__(self, name, value)

    def _maybe_scaled(self, optimizer, auto_scale_loss):
        """Keras' rule: under ``mixed_float16`` the optimizer gets dynamic loss scaling
        (float16 gradients underflow otherwise) unless ``auto_scale_loss=False``."""
        policy = getattr(self, "dtype_policy", None)
        if (
            auto_scale_loss
            and getattr(policy, "name", None) == "mixed_float16"
            and not isinstance(optimizer, optimizers_module.LossScaleOptimizer)
        ):
            return optimizers_module.LossScaleOptimizer(optimizer)
        return optimizer

    def _assert_compiled(self, method):
        if not self.compiled:
            raise RuntimeError(
                f"Model '{self.name}' must be compiled before `{method}`: call"
                " `model.compile(optimizer, loss, metrics)` first."
            )

    # --------------------------------------------------------- state plumbing
    def _prepare(self, batch):
        """Build the model, the metrics and the optimizer state from a first batch."""
        x, y, _ = data_module.unpack(batch)
        if not self.built:
            self._ensure_built((x,), {})
        metrics = self._compiled_metrics
        if metrics.entries is None:
            wanted = metrics.spec or metrics.weighted_spec  # "accuracy" needs output shapes
            metrics.build(y, self.compute_output_spec(x) if wanted else None)
        if self.optimizer.state is None:
            self.optimizer.state = self.optimizer.init(self.split()[0])

    def _fresh_metrics(self):
        states = self._compiled_metrics.init_states()
        states["loss"] = self._loss_tracker.init_state()
        return states

    def _start_state(self) -> TrainState:
        params, state = self.split()
        # Copies: the steps donate their inputs, the façade must keep valid buffers.
        return TrainState(
            _copy(params), _copy(state), self._copied_opt_state(), self._fresh_metrics()
        )

    def _copied_opt_state(self):
        """A copy of ``optimizer.state`` for a step to donate (``optimizer.state`` must
        stay valid until a step's result replaces it); it remembers what it copied, so
        the same state is not copied again before that."""
        object.__setattr__(self, "_opt_source", self.optimizer.state)
        return _copy(self.optimizer.state)

    def _sync_from_training(self):
        """Write the running fit's values into the façade (copies; the fit goes on)."""
        if self._live is not None:
            live = self._live
            self.merge(_copy(live.params), _copy(live.state))

    def _drop_training_state(self):
        if self._live is not None:
            object.__setattr__(self, "_facade_changed", True)

    def _refresh(self, ts: TrainState) -> TrainState:
        """Pick up what callbacks changed between blocks (weights, learning rate)."""
        if self._facade_changed:
            params, state = self.split()
            ts = ts._replace(params=_copy(params), state=_copy(state))
            object.__setattr__(self, "_facade_changed", False)
        current = self.optimizer.state
        if current is not ts.opt_state and current is not self._opt_source:
            ts = ts._replace(opt_state=self._copied_opt_state())
        return ts

    def _placed(self, ts: TrainState) -> TrainState:
        """``ts`` laid out on the active distribution's mesh (as it is without one)."""
        active = distribution_lib.distribution()
        if active is None:
            return ts
        return placement.place(ts, placement.train_state_shardings(active, ts))

    def _step_fn(self, kind, k, example_state=None, example_batch=None):
        active = distribution_lib.distribution()
        key = _cache_key(kind, k, active)
        fn = self._step_cache.get(key)
        if fn is None:
            step = {"train": self.train_step, "test": self.test_step, "predict": self.predict_step}[
                kind
            ]
            if k > 1:
                mode = self.fuse_steps
                if mode == "auto":
                    mode = steps.fuse_mode(step, example_state, example_batch)
                elif mode not in ("scan", "unroll"):
                    raise ValueError(
                        f"`fuse_steps` must be 'auto', 'scan' or 'unroll', got {mode!r}."
                    )
                step = steps.multi_step(step, k, mode)
            layout = None if active is None else functools.partial(_lay_out, active)
            fn = steps.compile_step(step, self._jit, donate=kind == "train", layout=layout)
            self._step_cache[key] = fn
        return fn

    def _run_step(self, kind, n, ts, batch):
        """One compiled call on one block of ``n`` batches: ``(logs, ts)``.

        Under a distribution the block is first split over the data axis (a
        prediction batch the axis does not divide is padded, its outputs cut back).
        """
        active = distribution_lib.distribution()
        size = None
        if active is not None:
            batch, size = placement.distribute_batch(
                active, batch, leading=int(n > 1), pad=kind == "predict"
            )
        fn = self._step_cache.get(_cache_key(kind, n, active))
        if fn is None:
            example = jax.tree.map(lambda a: a[0], batch) if n > 1 else batch
            fn = self._step_fn(kind, n, ts, example)
        logs, ts = fn(ts, batch)
        if kind == "predict" and size is not None:
            logs = jax.tree.map(lambda a: a if a.shape[0] == size else a[:size], logs)
        return logs, ts

    def _run_blocks(self, kind, ts, data, on_begin, on_end, k, rng):
        """Run one pass over ``data``; returns ``(last_logs, ts, outputs)``."""
        training = kind == "train"
        logs, outputs, step = None, [], 0
        placed = self._placed(ts)
        if training and placed is not ts and self.optimizer.state is ts.opt_state:
            # The placed optimizer state is the current one (unless a callback set another).
            self.optimizer.state = placed.opt_state
        ts = placed
        for n, batch in data.blocks(k, rng):
            on_begin(step)
            if training:
                refreshed = self._refresh(ts)
                if refreshed is not ts:  # a callback changed weights or optimizer state
                    ts = self._placed(refreshed)
            logs, ts = self._run_step(kind, n, ts, batch)
            if training:
                object.__setattr__(self, "_live", ts)
                self.optimizer.state = ts.opt_state
                object.__setattr__(self, "_opt_source", None)  # free the replaced state
            if kind == "predict":
                outputs.append(logs)
                logs = None
            step += n
            on_end(step - 1, logs)
            if training and self.stop_training:
                break
        return logs, ts, outputs

    def request_resume(self, epoch: int, fit_seed: int) -> None:
        """Called from ``on_train_begin`` by a callback that restored a backup: ``fit``
        continues at ``epoch`` with the interrupted run's shuffling seed
        (``model.fit_seed``, set by every ``fit``)."""
        object.__setattr__(self, "_resume_request", (int(epoch), int(fit_seed)))

    # ------------------------------------------------------------------- fit
    def fit(
        self,
        x=None,
        y=None,
        batch_size=None,
        epochs=1,
        verbose="auto",
        callbacks=None,
        validation_split=0.0,
        validation_data=None,
        shuffle=True,
        class_weight=None,
        sample_weight=None,
        initial_epoch=0,
        steps_per_epoch=None,
        validation_steps=None,
        validation_batch_size=None,
        validation_freq=1,
    ):
        """Train for ``epochs`` epochs; returns the ``History`` (Keras 3's semantics)."""
        self._assert_compiled("fit")
        if class_weight is not None:
            raise NotImplementedError("class_weight is not supported yet; use sample_weight.")
        if validation_split and validation_data is None:
            (x, y, sample_weight), validation_data = data_module.split_validation(
                x, y, sample_weight, validation_split
            )
        data = data_module.make_data(x, y, sample_weight, batch_size, shuffle, steps_per_epoch)
        self._prepare(data.first_batch())
        verbose = 1 if verbose == "auto" else verbose
        callbacks = CallbackList(
            callbacks,
            add_history=True,
            add_progbar=verbose != 0,
            model=self,
            epochs=epochs,
            steps=data.steps,
            verbose=verbose,
        )
        seed = core_random.next_global_seed()
        self.stop_training = False
        ts = self._start_state()
        object.__setattr__(self, "_live", ts)
        object.__setattr__(self, "_resume_request", None)
        logs = {}
        try:
            callbacks.on_train_begin()
            # Weights or optimizer state a callback set (BackupAndRestore) start the run.
            ts = self._refresh(ts)
            object.__setattr__(self, "_live", ts)
            if self._resume_request is not None:
                # Restored from a backup: continue at its epoch, with its shuffling seed.
                initial_epoch, seed = self._resume_request
                object.__setattr__(self, "_resume_request", None)
            object.__setattr__(self, "fit_seed", seed)
            for epoch in range(initial_epoch, epochs):
                # One generator per epoch, from (seed, epoch): a run resumed at epoch e
                # shuffles exactly as the uninterrupted run did.
                rng = np.random.default_rng([seed, epoch])
                ts = ts._replace(metrics=self._fresh_metrics())
                callbacks.on_epoch_begin(epoch)
                logs, ts, _ = self._run_blocks(
                    "train",
                    ts,
                    data,
                    callbacks.on_train_batch_begin,
                    callbacks.on_train_batch_end,
                    self.steps_per_execution,
                    rng,
                )
                epoch_logs = dict(logs or {})
                if validation_data is not None and (epoch + 1) % validation_freq == 0:
                    val = self._evaluate(
                        ts.params,
                        ts.state,
                        validation_data,
                        validation_batch_size or batch_size,
                        validation_steps,
                    )
                    epoch_logs.update({f"val_{k}": v for k, v in val.items()})
                self._sync_from_training()
                callbacks.on_epoch_end(epoch, epoch_logs)
                logs = epoch_logs
                if self.stop_training:
                    break
        finally:
            # The last state a step returned (also when a callback or Ctrl-C interrupts).
            last = self._live
            object.__setattr__(self, "_live", None)
            # (optimizer.state is already current: set after each block, and changed
            # since only by callbacks, such as a learning-rate change at epoch end.)
            if not any(leaf.is_deleted() for leaf in jax.tree.leaves(last)):
                self.merge(last.params, last.state)
        callbacks.on_train_end(logs)
        return self.history


def _lay_out(active, ts: TrainState) -> TrainState:
    """``ts`` constrained to the layouts ``active`` gives it (the end of every step)."""
    return placement.constrain(ts, placement.train_state_shardings(active, ts))


def _cache_key(kind, k, active):
    """Steps compile per kind, block size and distribution (the mesh is baked in)."""
    return (kind, k) if active is None else (kind, k, active)
