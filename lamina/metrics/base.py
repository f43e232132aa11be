"""``Metric``: a pure state pytree (``init_state``/``update``/``compute``) with Keras' face on top.

Every metric keeps its running totals in a plain ``dict`` of arrays so that a compiled
training step can carry them::

    state = m.init_state()                       # {"total": 0., "count": 0.}
    state = jax.jit(m.update)(state, y_true, y_pred, sample_weight)
    value = m.compute(state)                     # a jax.Array

Keras' stateful methods (``update_state``, ``result``, ``reset_state``) run the same
three functions on ``m.state``. Keras-style subclasses get the pure trio for free: a
class that overrides ``update_state`` (or ``result``) without writing ``update`` (or
``compute``) has its code run against the given state, with each ``add_variable``
variable mapped to a state entry through a scope and ``self.state`` standing for the
rest, so ``super().update_state(...)`` into a built-in stays pure as well.
"""

import functools

import jax
import jax.numpy as jnp

from lamina.core import config, naming
from lamina.core.scope import Scope, activate
from lamina.core.variable import Variable

#: Metric functions ``MeanMetricWrapper`` can serialize by name (filled by ``metric_function``).
FUNCTIONS: dict = {}


def metric_function(fn):
    """Register ``fn`` under its ``__name__`` so a wrapper around it can be deserialized."""
    FUNCTIONS[fn.__name__] = fn
    return fn


def as_array(x, dtype=None) -> jax.Array:
    """``x`` (array, NumPy, list or ``lamina.Variable``) as a ``jax.Array`` of ``dtype``."""
    if isinstance(x, Variable):
        x = x.value
    return jnp.asarray(x, dtype=dtype)


def squeeze_or_expand_to_same_rank(x1, x2, expand_rank_1=True):
    """Keras' rank alignment: when ranks differ by one and the longer ends in 1, match them.

    The longer one loses its trailing 1, except that a rank-1 partner of a rank-2
    ``(n, 1)`` array gains a trailing axis instead when ``expand_rank_1``.
    """
    r1, r2 = x1.ndim, x2.ndim
    if r1 == r2 + 1 and x1.shape[-1] == 1:
        if r2 == 1 and expand_rank_1:
            x2 = jnp.expand_dims(x2, -1)
        else:
            x1 = jnp.squeeze(x1, -1)
    if r2 == r1 + 1 and x2.shape[-1] == 1:
        if r1 == 1 and expand_rank_1:
            x1 = jnp.expand_dims(x1, -1)
        else:
            x2 = jnp.squeeze(x2, -1)
    return x1, x2


def divide_no_nan(x, y):
    """``x / y`` with 0 where ``y == 0``."""
    safe = jnp.where(y == 0, 1, y)
    return jnp.where(y == 0, 0, x / safe)


class Metric:
    """Base class of metrics: a pure state pytree plus Keras' stateful methods.

    Args:
      name: the metric's name (default: the class name in snake_case, made unique
        within the process as Keras does, e.g. ``precision_1``).
      dtype: dtype of the totals and the result (default ``lamina.config.floatx()``).

    A subclass implements the pure trio:

    * ``init_state() -> dict`` of arrays (fresh totals),
    * ``update(state, *inputs, sample_weight=None) -> dict`` (pure and ``jax.jit``-able:
      no Python control flow on values),
    * ``compute(state) -> jax.Array`` (the result).

    ``update_state``/``result``/``reset_state`` apply them to ``self.state``;
    ``metric(*inputs)`` updates and returns the result. Keras-style subclasses that
    override ``update_state``/``result`` (keeping totals in ``add_variable`` variables,
    or calling a built-in's ``super().update_state``) work too: their pure ``update``/
    ``compute`` run that code against the given state (variables are keyed by name).

    Example::

        class Count(lamina.metrics.Metric):
            def init_state(self):
                return {"count": jnp.zeros((), self.dtype)}

            def update(self, state, y_true, y_pred, sample_weight=None):
                return {"count": state["count"] + jnp.asarray(y_true).shape[0]}

            def compute(self, state):
                return state["count"]
    """

    def __init__(self, name=None, dtype=None):
        if name is not None and not isinstance(name, str):
            raise TypeError(f"{type(self).__name__}: `name` must be a string, got {name!r}.")
        self.name = name or naming.unique_name(naming.to_snake_case(type(self).__name__))
        self._dtype = config.standardize_dtype(dtype)
        self._variables: dict[str, Variable] = {}
        self._initial: dict[str, jax.Array] = {}
        self._state = None

    @property
    def dtype(self) -> str:
        """The dtype of the totals and the result, e.g. ``'float32'``."""
        return self._dtype

    def __init_subclass__(cls, **kwargs):
        # A Keras-style override of update_state/result (on Metric or on a built-in, e.g.
        # ``super().update_state(y_pred - y_true)`` in a Mean subclass) becomes the pure
        # method too, unless the class also writes that pure method itself.
        super().__init_subclass__(**kwargs)
        if "init_state" in cls.__dict__:  # add_variable totals join the class' own state
            cls.init_state = _with_variables(cls.__dict__["init_state"])
        if "update_state" in cls.__dict__ and "update" not in cls.__dict__:
            cls.update = _update_via_update_state
        if "result" in cls.__dict__ and "compute" not in cls.__dict__:
            cls.compute = _compute_via_result

    # ----------------------------------------------------------------- the pure face
    def init_state(self) -> dict:
        """Fresh totals: a ``dict`` of arrays (for Keras-style subclasses, the variables')."""
        return dict(self._initial)

    def update(self, state: dict, *args, **kwargs) -> dict:
        """The totals after one batch: pure, so ``jax.jit(metric.update)`` works."""
        raise NotImplementedError(
            f"{type(self).__name__} must implement `update(state, ...)` (pure) or, "
            "Keras-style, `update_state(...)` writing `add_variable` variables."
        )

    def compute(self, state: dict) -> jax.Array:
        """The metric's value for ``state``."""
        raise NotImplementedError(
            f"{type(self).__name__} must implement `compute(state)` (pure) or, "
            "Keras-style, `result()` reading `add_variable` variables."
        )

    def _run_stateful(self, state, method, args, kwargs):
        """Run a Keras-style method against ``state`` instead of ``self.state``.

        ``add_variable`` variables read and write ``state`` through a scope; the other
        entries stand in for ``self.state`` during the call. Nothing on ``self`` changes.
        """
        variables = self._variables
        missing = set(variables) - set(state)
        if missing:
            raise ValueError(
                f"Metric {self.name!r}: `state` lacks {sorted(missing)}; expected the keys "
                f"of init_state(), got {sorted(state)}."
            )
        scope = Scope(
            values={id(v): jnp.asarray(state[k]) for k, v in variables.items()},
            writable={id(v) for v in variables.values()},
            owner=self,
        )
        saved, self._state = self._state, {k: v for k, v in state.items() if k not in variables}
        try:
            with activate(scope):
                out = method(*args, **kwargs)
            new_state = {**self._state, **{k: scope.values[id(v)] for k, v in variables.items()}}
        finally:
            self._state = saved
        return new_state, out

    # ------------------------------------------------------------- Keras' stateful face
    @property
    def state(self) -> dict:
        """The current totals (created by ``init_state()`` on first use)."""
        if self._state is None:
            self._state = {k: v for k, v in self.init_state().items() if k not in self._variables}
        return {**self._state, **{k: v.value for k, v in self._variables.items()}}

    @state.setter
    def state(self, value: dict) -> None:
        for k, v in self._variables.items():
            if k in value:  # a parent's pure update returns only its own totals
                v.assign(value[k])
        self._state = {k: v for k, v in value.items() if k not in self._variables}

    def update_state(self, *args, **kwargs) -> None:
        """Accumulate one batch into ``self.state`` (Keras' signature of the subclass)."""
        update = _own(type(self), "update", _update_via_update_state)
        self.state = update(self, self.state, *args, **kwargs)

    def result(self) -> jax.Array:
        """The metric's value for ``self.state``."""
        return _own(type(self), "compute", _compute_via_result)(self, self.state)

    def reset_state(self) -> None:
        """Set ``self.state`` back to ``init_state()``."""
        self.state = self.init_state()

    def __call__(self, *args, **kwargs) -> jax.Array:
        """``update_state(*args, **kwargs)``, then ``result()``."""
        self.update_state(*args, **kwargs)
        return self.result()

    # ------------------------------------------------------------ Keras-style variables
    def add_variable(self, shape=(), initializer="zeros", dtype=None, aggregation="sum", name=None):
        """A non-trainable ``Variable`` holding a total; its name is its ``state`` key."""
        key = name or f"variable_{len(self._variables)}"
        if key in self._variables:
            raise ValueError(
                f"Metric {self.name!r}.add_variable: a variable named {key!r} exists already;"
                " pass a different `name`."
            )
        variable = Variable(
            initializer,
            shape=shape,
            dtype=dtype or self._dtype,
            trainable=False,
            name=key,
            aggregation=aggregation,
        )
        self._variables[key] = variable
        self._initial[key] = variable.value
        return variable

    def add_weight(self, shape=(), initializer=None, dtype=None, name=None):
        """Keras' older name for ``add_variable``."""
        return self.add_variable(
            shape=shape, initializer=initializer or "zeros", dtype=dtype, name=name
        )

    @property
    def variables(self) -> list:
        """The ``add_variable`` variables (empty for metrics that implement the pure trio)."""
        return list(self._variables.values())

    # ----------------------------------------------------------------------- config
    def get_config(self) -> dict:
        """The constructor arguments, as a JSON-serializable dict."""
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config: dict):
        """A new metric from the output of ``get_config()``."""
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"


def _with_variables(init_state):
    """``init_state`` whose result also holds the ``add_variable`` variables' initial values."""

    @functools.wraps(init_state)
    def wrapped(self):
        return {**init_state(self), **self._initial}

    return wrapped


def _update_via_update_state(self, state, *args, **kwargs):
    """The pure ``update`` of a class that overrides ``update_state``."""
    return self._run_stateful(state, self.update_state, args, kwargs)[0]


def _compute_via_result(self, state):
    """The pure ``compute`` of a class that overrides ``result``."""
    return self._run_stateful(state, self.result, (), {})[1]


def _own(cls, attr, bridge):
    """The nearest ``attr`` in ``cls``' MRO that is a pure method, not ``bridge``."""
    for klass in cls.__mro__:
        fn = klass.__dict__.get(attr)
        if fn is not None and fn is not bridge:
            return fn
    raise AttributeError(attr)
