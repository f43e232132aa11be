"""The pure steps of training: ``train_step``, ``test_step``, ``predict_step``.

Each is a pure function of a :class:`TrainState` and a batch, returning
``(logs, new_state)``; the loops compile them. Users override ``train_step`` for
custom training and ``compute_loss`` for a custom objective.

Under a mixed dtype policy the model computes in bfloat16/float16 while ``params``
stay float32; the loss is float32 (losses convert ``y_pred`` to float32), so are the
gradients. The training step differentiates ``optimizer.scale_loss(loss)``: with a
``LossScaleOptimizer`` (``"mixed_float16"``) that is the loss times the dynamic scale
held in the optimizer state, which the optimizer divides out again.
"""

import contextlib

import jax
import jax.numpy as jnp
import optax

from lamina.core import masking, tracking
from lamina.core.scope import Scope, activate
from lamina.optimizers import LossScaleOptimizer
from lamina.training import data as data_module
from lamina.training.state import TrainState


class StepsMixin:
    """The step half of :class:`~lamina.training.trainer.Trainer`."""

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The scalar objective: the compiled loss (if any) plus ``self.losses``.

        Runs inside the step (``self.losses`` are the current call's ``add_loss``
        values and regularization penalties); override it for a custom objective.
        """
        terms = []
        if self._compiled_loss is not None and y is not None:
            terms.append(self._compiled_loss(y, y_pred, sample_weight))
        terms.extend(jnp.asarray(loss, jnp.float32) for loss in self.losses)
        if not terms:
            raise ValueError(
                f"Model '{self.name}' has nothing to minimize: compile() got no `loss`"
                " (or no `y` was given) and the model adds no losses with add_loss()."
            )
        return sum(terms[1:], terms[0])

    def update_metrics(self, metric_states, loss, y, y_pred, sample_weight, batch_size):
        """``(logs, metric_states)`` after one batch: the loss tracker (a running mean
        weighted by batch size, as Keras') and the compiled metrics."""
        states = dict(metric_states)
        states["loss"] = self._loss_tracker.update(states["loss"], loss, sample_weight=batch_size)
        if y is not None:
            states.update(self._compiled_metrics.update(states, y, y_pred, sample_weight))
        logs = {"loss": self._loss_tracker.compute(states["loss"])}
        logs.update(self._compiled_metrics.results(states))
        return logs, states

    def train_step(self, state: TrainState, data):
        """One pure training step: ``(logs, new_state)``. Override for custom training.

        ``state`` is a :class:`~lamina.training.state.TrainState`; ``data`` is the
        batch ``(x, y, sample_weight)``. A custom step typically uses
        ``self.bind(params, state.state)`` (or ``self.apply``) inside
        ``jax.value_and_grad``, ``self.optimizer.update`` and ``optax.apply_updates``,
        and ``self.update_metrics`` for the logs (see the README's GAN-style example).
        """
        x, y, sample_weight = data_module.unpack(data)

        def objective(params):
            with self.bind(params, state.state) as bound:
                y_pred = self(x, training=True)
                loss = self.compute_loss(x, y, y_pred, sample_weight, training=True)
                masks = masking.masks_of(y_pred)
            scaled = scale_loss(self.optimizer, loss, state.opt_state)
            return scaled, (loss, y_pred, bound.state(), masks)

        (_, (loss, y_pred, new_state, masks)), grads = jax.value_and_grad(objective, has_aux=True)(
            state.params
        )
        updates, opt_state = self.optimizer.update(grads, state.opt_state, state.params)
        params = self._constrain(optax.apply_updates(state.params, updates))
        with masks_attached(y_pred, masks):
            logs, metric_states = self.update_metrics(
                state.metrics, loss, y, y_pred, sample_weight, _batch_size(x)
            )
        return logs, TrainState(params, new_state, opt_state, metric_states)

    def test_step(self, state: TrainState, data):
        """One pure evaluation step (``training=False``): ``(logs, new_state)``."""
        x, y, sample_weight = data_module.unpack(data)
        with self.bind(state.params, state.state) as bound:
            y_pred = self(x, training=False)
            loss = self.compute_loss(x, y, y_pred, sample_weight, training=False)
            # Inside the scope the metrics see the mask of y_pred, as Keras' do.
            logs, metric_states = self.update_metrics(
                state.metrics, loss, y, y_pred, sample_weight, _batch_size(x)
            )
        return logs, state._replace(state=bound.state(), metrics=metric_states)

    def predict_step(self, state: TrainState, data):
        """One pure prediction step: ``(y_pred, new_state)``."""
        x, _, _ = data_module.unpack(data)
        y_pred, new_state = self.apply(state.params, state.state, x, training=False)
        return y_pred, state._replace(state=new_state)

    def _constrain(self, params):
        variables = tracking.cached_walk(self)[0]
        for path, var in variables:
            if var.trainable and var.constraint is not None:
                node = params
                for key in path[:-1]:
                    node = node[key]
                node[path[-1]] = var.constraint(node[path[-1]])
        return params


def scale_loss(optimizer, loss, opt_state):
    """The loss to differentiate: ``loss`` times the optimizer's loss scale, if any.

    A ``LossScaleOptimizer`` reads its dynamic scale from ``opt_state`` (the step's,
    not the façade's); a lamina optimizer applies its ``loss_scale_factor``; an optax
    transformation has no scale.
    """
    if isinstance(optimizer, LossScaleOptimizer):
        return optimizer.scale_loss(loss, opt_state)
    scale = getattr(optimizer, "scale_loss", None)
    return loss if scale is None else scale(loss)


@contextlib.contextmanager
def masks_attached(y_pred, masks):
    """A scope in which ``y_pred`` carries ``masks`` again (they were produced in a
    scope that has closed), so mask-aware metrics weigh by them as Keras' do."""
    with activate(Scope()):
        masking.attach(y_pred, masks)
        yield


def _batch_size(x):
    leaves = jax.tree.leaves(x)
    return jnp.asarray(leaves[0].shape[0], jnp.float32) if leaves else 1.0
