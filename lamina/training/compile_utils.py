"""What ``compile`` turns its ``loss`` and ``metrics`` arguments into."""

import jax
import jax.numpy as jnp

from lamina import losses as losses_module
from lamina import metrics as metrics_module


class CompiledLoss:
    """``loss(y, y_pred, sample_weight) -> scalar`` for one or several outputs.

    ``loss`` is a loss object, function or name, or a list/dict of them matching the
    model's outputs; ``loss_weights`` (same structure, or None) scales each term.
    A single loss with several outputs applies to each output.
    """

    def __init__(self, loss, loss_weights=None):
        self.spec = loss
        self.weights = loss_weights
        self.losses = jax.tree.map(_resolve_loss, loss, is_leaf=_is_loss_leaf)

    def __call__(self, y_true, y_pred, sample_weight=None):
        if isinstance(self.losses, dict):
            keys = list(self.losses)
            terms = [
                self._term(
                    self.losses[k],
                    _pick(y_true, k, i),
                    _pick(y_pred, k, i),
                    sample_weight,
                    _weight(self.weights, k, i),
                )
                for i, k in enumerate(keys)
            ]
        elif isinstance(self.losses, list | tuple):
            terms = [
                self._term(
                    fn,
                    _pick(y_true, None, i),
                    _pick(y_pred, None, i),
                    sample_weight,
                    _weight(self.weights, None, i),
                )
                for i, fn in enumerate(self.losses)
            ]
        else:
            trues = jax.tree.leaves(y_true)
            preds = jax.tree.leaves(y_pred)
            if len(preds) > 1 and len(trues) != len(preds):
                raise ValueError(
                    f"The model has {len(preds)} outputs but `y` has {len(trues)} arrays."
                )
            terms = [
                self._term(self.losses, t, p, sample_weight, None) for t, p in zip(trues, preds)
            ]
        return sum(terms[1:], terms[0])

    @staticmethod
    def _term(fn, y_true, y_pred, sample_weight, weight):
        value = (
            fn(y_true, y_pred, sample_weight=sample_weight)
            if isinstance(fn, losses_module.Loss)
            else _mean_loss(fn, y_true, y_pred, sample_weight)
        )
        value = jnp.asarray(value, jnp.float32)
        return value if weight is None else value * weight


def _mean_loss(fn, y_true, y_pred, sample_weight):
    return losses_module.LossFunctionWrapper(fn)(y_true, y_pred, sample_weight=sample_weight)


def _is_loss_leaf(x):
    return not isinstance(x, list | tuple | dict)


def _resolve_loss(spec):
    loss = losses_module.get(spec)
    if loss is None:
        raise ValueError(f"Unknown loss {spec!r}.")
    return loss


def _pick(structure, key, index):
    if isinstance(structure, dict):
        return structure[key] if key in structure else list(structure.values())[index]
    if isinstance(structure, list | tuple):
        return structure[index]
    if index == 0:
        return structure
    raise ValueError(f"Expected several targets/outputs, got one array for output {index}.")


def _weight(weights, key, index):
    if weights is None:
        return None
    if isinstance(weights, dict):
        return weights.get(key)
    return weights[index]


class CompiledMetrics:
    """The ``metrics`` of ``compile`` as ``(name, metric)`` pairs, built on first data.

    ``"accuracy"``/``"acc"`` become the accuracy that fits the targets' and
    predictions' shapes, as in Keras. Metrics apply to the first output unless given
    as a dict keyed by output name.
    """

    def __init__(self, metrics, weighted_metrics=None):
        self.spec = metrics or []
        self.weighted_spec = weighted_metrics or []
        self.entries = None  # [(name, metric, weighted)]

    def build(self, y_true, y_pred):
        entries = []
        for specs, weighted in ((self.spec, False), (self.weighted_spec, True)):
            if isinstance(specs, dict):
                raise NotImplementedError("Per-output metric dicts are not supported yet.")
            for spec in specs if isinstance(specs, list | tuple) else [specs]:
                y_t, y_p = _first(y_true), _first(y_pred)
                if spec in ("accuracy", "acc"):
                    metric = metrics_module.accuracy_for(y_t, y_p, name=spec)
                else:
                    metric = metrics_module.get(spec)
                name = spec if isinstance(spec, str) else metric.name
                entries.append((name, metric, weighted))
        names = [n for n, _, _ in entries]
        if len(set(names)) != len(names):
            raise ValueError(f"compile(metrics=...) has duplicate metric names: {names}.")
        self.entries = entries

    def init_states(self) -> dict:
        return {name: metric.init_state() for name, metric, _ in self.entries}

    def update(self, states, y_true, y_pred, sample_weight):
        y_t, y_p = _first(y_true), _first(y_pred)
        return {
            name: metric.update(
                states[name], y_t, y_p, sample_weight=sample_weight if weighted else None
            )
            for name, metric, weighted in self.entries
        }

    def results(self, states) -> dict:
        return {name: metric.compute(states[name]) for name, metric, _ in self.entries}


def _first(structure):
    leaves = jax.tree.leaves(structure)
    return leaves[0] if leaves else structure
