"""The pure face of every layer: ``init``, ``split``, ``apply``, ``merge``.

``params`` (trainable variables) and ``state`` (the rest: statistics, seed-generator
keys, frozen weights) are nested dicts keyed by attribute path. ``apply`` runs the
same ``call`` as the façade inside a scope seeded from them, so it is a pure
function that ``jax.jit``, ``jax.grad`` and ``jax.vmap`` take as it is.
"""

import contextlib

import jax
import jax.numpy as jnp

from lamina.core import statics, tracking
from lamina.core.calling import detach_variables
from lamina.core.random import path_key
from lamina.core.scope import Scope, activate

_MAX_LISTED = 10


class PureMixin:
    """The ``(params, state)`` half of :class:`~lamina.core.layer.Layer`."""

    def init(self, key, *args, **kwargs):
        """Fresh ``(params, state)`` drawn from ``key``; the layer's boxes are untouched.

        ``args``/``kwargs`` are example inputs (arrays or ``jax.ShapeDtypeStruct``)
        used only for their shapes, to build the layer if needed. Each variable is
        drawn from ``key`` folded with its path, so ``jax.vmap(lambda k:
        layer.init(k, x))(keys)`` gives an ensemble. Values are the initial ones:
        ``call`` is not run on the inputs.
        """
        self._ensure_built(args, kwargs)
        fresh = [
            (path, var, var.initial_value(path_key(key, "/".join(path))))
            for path, var in tracking.cached_walk(self)[0]
        ]
        params = _nest((p, x) for p, v, x in fresh if v.trainable)
        state = _nest((p, x) for p, v, x in fresh if not v.trainable)
        return params, state

    def split(self):
        """The façade's current ``(params, state)``, as nested dicts of arrays."""
        variables = tracking.cached_walk(self)[0]
        params = _nest((p, v._value) for p, v in variables if v.trainable)
        state = _nest((p, v._value) for p, v in variables if not v.trainable)
        return params, state

    def merge(self, params, state) -> None:
        """Write ``params`` and ``state`` into the variables (all checked before any write)."""
        variables = tracking.cached_walk(self)[0]
        values = _bind(self, variables, params, state, "merge")
        for _, var in variables:
            value = values[id(var)]
            if isinstance(value, jax.core.Tracer):
                raise ValueError(
                    f"Layer '{self.name}'.merge: '{var.path}' is a traced value; merge"
                    " concrete arrays outside jax.jit/grad/vmap."
                )
            var._value = jnp.asarray(value, var.dtype)

    def apply(self, params, state, *args, return_losses=False, **kwargs):
        """Run ``call`` as a pure function of ``(params, state)``.

        Returns ``(outputs, new_state)``, or ``(outputs, new_state, losses)`` with
        ``return_losses=True``: the ``add_loss`` values of this call followed by
        the weight-regularizer penalties, computed from ``params`` so gradients flow.
        The façade (variable boxes, ``layer.losses``) is left as it was.
        """
        self._ensure_built(args, kwargs)
        with self.bind(params, state) as bound:
            outputs = self._call_in(bound.scope, args, kwargs)
            outputs, _ = detach_variables(outputs)
            if return_losses:
                losses = self._losses_in(bound.scope)
        new_state = bound.state()
        return (outputs, new_state, losses) if return_losses else (outputs, new_state)

    @contextlib.contextmanager
    def bind(self, params, state):
        """Within the block, calls of this (built) layer read ``params``/``state``.

        Yields a :class:`Bound` whose ``state()`` is the new state after the calls
        made in the block; inside it ``layer.losses`` are that block's losses. This
        is ``apply`` opened up, for code that needs more than one forward call or
        ``self.losses`` (a custom ``train_step`` or ``compute_loss``).

        Example::

            with model.bind(params, state) as bound:
                y = model(x, training=True)
                loss = jnp.mean((y - t) ** 2) + sum(model.losses)
            new_state = bound.state()
        """
        if not self.built:
            raise ValueError(
                f"Layer '{self.name}'.bind needs a built layer: call `init` or the layer first."
            )
        variables = tracking.cached_walk(self)[0]
        scope = Scope(
            values=_bind(self, variables, params, state, "bind"),
            writable={id(v) for _, v in variables if not v.trainable},
            owner=self,
        )
        with activate(scope):
            yield Bound(scope, variables)

    def compute_output_spec(self, *args, **kwargs):
        """The outputs' shapes and dtypes (``jax.ShapeDtypeStruct``s), computed abstractly."""
        self._ensure_built(args, kwargs)
        return self._abstract_call(args, kwargs)

    def _ensure_built(self, args, kwargs):
        if not self.built:
            self._abstract_call(args, kwargs)

    def _abstract_call(self, args, kwargs):
        arrays, spec = statics.split(args, kwargs)
        if spec is None:
            raise TypeError(
                f"Layer '{self.name}': non-array arguments must be hashable Python values."
            )

        def run(arrays):
            a, k = statics.merge(arrays, spec)
            variables = tracking.cached_walk(self)[0]
            scope = Scope(writable={id(v) for _, v in variables if not v.trainable}, owner=self)
            with activate(scope):
                return detach_variables(self._call_in(scope, a, k))[0]

        return jax.eval_shape(run, arrays)


class Bound:
    """What :meth:`PureMixin.bind` yields: the scope, and the state it ends with."""

    def __init__(self, scope, variables):
        self.scope = scope
        self._variables = variables

    def state(self) -> dict:
        """The non-trainable values as they stand now (after the block's calls)."""
        values = self.scope.values
        return _nest((p, values[id(v)]) for p, v in self._variables if not v.trainable)


def _nest(pairs) -> dict:
    """``((path_tuple, value), ...)`` → nested dicts."""
    tree = {}
    for path, value in pairs:
        node = tree
        for key in path[:-1]:
            node = node.setdefault(key, {})
        node[path[-1]] = value
    return tree


def _flatten(tree, prefix=()):
    if hasattr(tree, "items") and not hasattr(tree, "shape"):
        for key, value in tree.items():
            yield from _flatten(value, (*prefix, str(key)))
    else:
        yield prefix, tree


def _bind(layer, variables, params, state, method):
    """``id(variable) -> value`` from ``params``/``state``, or one error listing every mismatch."""
    given = {}
    for group, tree in (("params", params), ("state", state)):
        if tree is None:
            tree = {}
        if not hasattr(tree, "items"):
            raise TypeError(
                f"Layer '{layer.name}'.{method}: `{group}` must be a nested dict keyed by"
                f" attribute path (as returned by init/split), got {type(tree).__name__}."
            )
        for path, value in _flatten(tree):
            given[path] = (group, value)
    problems, values = [], {}
    for path, var in variables:
        group = "params" if var.trainable else "state"
        found = given.pop(path, None)
        name = "/".join(path)
        if found is None:
            problems.append(f"missing {group}['{name}'] (shape {var.shape})")
        elif found[0] != group:
            problems.append(
                f"'{name}' is in {found[0]} but the variable is"
                f" {'trainable' if var.trainable else 'non-trainable'} (call split() again"
                " after changing `trainable`)"
            )
        elif tuple(jnp.shape(found[1])) != var.shape:
            problems.append(
                f"{group}['{name}'] has shape {tuple(jnp.shape(found[1]))}, expected {var.shape}"
            )
        else:
            values[id(var)] = found[1]
    problems += [f"unexpected {g}['{'/'.join(p)}']" for p, (g, _) in given.items()]
    if problems:
        listed = "\n  ".join(problems[:_MAX_LISTED])
        more = (
            f"\n  ... and {len(problems) - _MAX_LISTED} more" if len(problems) > _MAX_LISTED else ""
        )
        raise ValueError(
            f"Layer '{layer.name}'.{method}: params/state do not match the layer's variables:"
            f"\n  {listed}{more}"
        )
    return values
