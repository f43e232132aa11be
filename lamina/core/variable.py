"""``Variable``: an array-like box that a scope can redirect.

Outside any layer call, a variable reads and writes its own box. Inside one (see
:mod:`lamina.core.scope`), reads return the scope's value for it and writes are
recorded in the scope, which is how one ``call()`` serves both the façade and the
pure ``apply``.

Under a mixed dtype policy the scope also names an autocast dtype while a layer's
``call`` runs: a float variable created with ``autocast=True`` then reads as that
dtype (a cast of its float32 value, so gradients reach the float32 value).
"""

import jax
import jax.numpy as jnp
import numpy as np

from lamina.core import config, registry, tracking
from lamina.core.scope import current_scope


class Variable:
    """A named, shaped, typed value owned by a layer.

    Args:
      initializer: an initial array (or anything ``jnp.asarray`` takes), or an
        initializer (string, object, or callable ``(shape, dtype) -> array``).
      shape: required with an initializer; taken from the value otherwise.
      dtype: defaults to ``lamina.config.floatx()`` for initializers.
      trainable: trainable variables form ``params``; the others form ``state``.
      name: the variable's own name; ``path`` is its attribute path in the tree.
      regularizer: ``f(value) -> scalar`` penalty reported in ``layer.losses``.
      constraint: ``f(value) -> value`` projection applied after optimizer updates.
      autocast: inside the ``call`` of a layer with a mixed dtype policy, a float
        variable with ``autocast=True`` reads as the layer's compute dtype (its
        ``value`` and ``dtype``); False keeps it in its own dtype there (for
        statistics that must stay float32).

    A variable works wherever an array does: ``ops.*`` and ``jax.numpy`` functions,
    arithmetic, comparisons and indexing all use its current value, and
    ``np.asarray(v)`` / ``v.numpy()`` give NumPy.

    Example::

        v = lamina.Variable(jnp.zeros((2,)), trainable=False)
        v.assign_add(jnp.ones((2,)))     # v.numpy() == [1., 1.]
    """

    def __init__(
        self,
        initializer,
        shape=None,
        dtype=None,
        trainable=True,
        name=None,
        regularizer=None,
        constraint=None,
        autocast=True,
        aggregation="none",
        synchronization="auto",
    ):
        self.name = name or "variable"
        self.trainable = bool(trainable)
        self.regularizer = registry.resolve("regularizer", regularizer)
        self.constraint = registry.resolve("constraint", constraint)
        self.autocast = autocast
        self.aggregation = aggregation
        self._owner = None  # the layer or seed generator that tracks this variable
        if isinstance(initializer, str) or (
            callable(initializer) and not _is_arraylike(initializer)
        ):
            if shape is None:
                raise ValueError(
                    f"Variable {self.name!r}: an initializer needs `shape`; got shape=None."
                )
            self._initializer = registry.resolve("initializer", initializer)
            self._shape = tuple(int(d) for d in shape)
            self._dtype = config.standardize_dtype(dtype)
            # Build-time values are concrete even when the first call happens inside
            # a user's jax.jit trace: weights must never become tracers.
            with jax.ensure_compile_time_eval():
                value = self._initializer(self._shape, dtype=self._dtype)
            value = jnp.asarray(value, dtype=self._dtype)
        else:
            value = initializer.value if isinstance(initializer, Variable) else initializer
            value = jnp.asarray(value, dtype=None if dtype is None else jnp.dtype(dtype))
            self._initializer = None
            self._shape = tuple(value.shape)
            self._dtype = value.dtype.name
        _refuse_tracer(value, self.name, "created from")
        if tuple(value.shape) != self._shape:
            raise ValueError(
                f"Variable {self.name!r}: initializer returned shape {tuple(value.shape)},"
                f" expected {self._shape}."
            )
        self._value = value
        self._floating = bool(jnp.issubdtype(value.dtype, jnp.floating))
        if self._initializer is None:
            self._constant = value
        scope = current_scope()
        if scope is not None and not self.trainable:
            scope.writable.add(id(self))  # state created during a call (lazy build)
        tracking.bump()

    # ----------------------------------------------------------------- reading
    @property
    def value(self) -> jax.Array:
        """The current value: the active scope's, else the box's; inside the ``call``
        of a layer with a mixed policy, cast to its compute dtype (see ``autocast``)."""
        scope = current_scope()
        if scope is None:
            return self._value
        found = scope.values.get(id(self))
        value = self._value if found is None else found
        cast = scope.autocast
        if cast is not None and self.autocast and self._floating and value.dtype != cast:
            return value.astype(cast)
        return value

    def _stored(self) -> jax.Array:
        """The current value in the variable's own dtype (never autocast)."""
        scope = current_scope()
        if scope is not None:
            found = scope.values.get(id(self))
            if found is not None:
                return found
        return self._value

    shape = property(lambda self: self._shape, doc="The static shape, a tuple.")

    @property
    def dtype(self) -> str:
        """The dtype's name, e.g. ``'float32'``; the autocast dtype where reads are cast."""
        scope = current_scope()
        if scope is not None and scope.autocast is not None and self.autocast and self._floating:
            return scope.autocast.name
        return self._dtype

    ndim = property(lambda self: len(self._shape), doc="Number of dimensions.")
    size = property(lambda self: int(np.prod(self._shape)), doc="Number of elements.")

    @property
    def path(self) -> str:
        """Attribute path from the outermost owning layer, e.g. ``encoder/dense_proj/kernel``."""
        return tracking.path_of(self)

    def numpy(self) -> np.ndarray:
        """The current value as a NumPy array."""
        return np.asarray(self.value)

    def __array__(self, dtype=None, copy=None):
        out = np.asarray(self.value)
        return out if dtype is None else out.astype(dtype)

    def __jax_array__(self):
        return self.value

    # ----------------------------------------------------------------- writing
    def assign(self, value):
        """Set the value; shape must match and the dtype kind must agree. Returns the value."""
        value = self._checked(value, "assign")
        scope = current_scope()
        if scope is None:
            _refuse_tracer(value, self.path, "assigned")
            self._value = value
        else:
            if id(self) not in scope.writable:
                raise _scope_write_error(self, scope)
            scope.values[id(self)] = value
            scope.written[id(self)] = self
        return value

    # Accumulating reads the stored value, not an autocast one: a float32 counter
    # updated inside a bfloat16 computation must not be rounded to bfloat16.
    def assign_add(self, value):
        """``self.assign(self + value)``."""
        return self.assign(self._stored() + self._checked(value, "assign_add", same_shape=False))

    def assign_sub(self, value):
        """``self.assign(self - value)``."""
        return self.assign(self._stored() - self._checked(value, "assign_sub", same_shape=False))

    def _checked(self, value, method, same_shape=True):
        value = value.value if isinstance(value, Variable) else value
        value = jnp.asarray(value)
        want = jnp.dtype(self._dtype)
        if _dtype_kind(value.dtype) != _dtype_kind(want) and not (
            _dtype_kind(want) == "f" and _dtype_kind(value.dtype) in "iub"
        ):
            raise TypeError(
                f"Variable '{self.path}'.{method}: expected a value of dtype {self._dtype},"
                f" received {value.dtype.name}."
            )
        if same_shape and tuple(value.shape) != self._shape:
            raise ValueError(
                f"Variable '{self.path}'.{method}: expected shape {self._shape},"
                f" received {tuple(value.shape)}."
            )
        if not same_shape and not _broadcasts_to(tuple(value.shape), self._shape):
            raise ValueError(
                f"Variable '{self.path}'.{method}: a value of shape {tuple(value.shape)}"
                f" does not broadcast to the variable's shape {self._shape}."
            )
        return value.astype(want)

    # ----------------------------------------------------------- fresh values
    def initial_value(self, key) -> jax.Array:
        """A fresh value for ``init``: the initializer drawn with ``key`` (pure, vmap-able)."""
        init = self._initializer
        if init is None:
            return self._constant
        if hasattr(init, "sample"):
            return jnp.asarray(init.sample(key, self._shape, self._dtype), self._dtype)
        return jnp.asarray(init(self._shape, dtype=self._dtype), self._dtype)

    def __repr__(self):
        value = self.value
        # A few values, not a 784-long dump; a traced value has none to show.
        shown = (
            "<traced>"
            if isinstance(value, jax.core.Tracer)
            else np.array2string(
                np.asarray(value), threshold=10, edgeitems=2, precision=4, separator=", "
            )
        )
        return (
            f"<Variable path={self.path}, shape={self._shape}, dtype={self._dtype},"
            f" trainable={self.trainable}, value={shown}>"
        )

    __hash__ = object.__hash__

    # Array protocol: ``len``, ``bool``, indexing and the operators all act on the value.
    def __len__(self):
        return self._shape[0]

    def __bool__(self):
        return bool(self.value)

    def __getitem__(self, index):
        return self.value[index]

    def astype(self, dtype):
        return self.value.astype(dtype)

    @property
    def T(self):
        return self.value.T


def _operator(name):
    def method(self, *args):
        return getattr(self.value, name)(*(a.value if isinstance(a, Variable) else a for a in args))

    method.__name__ = name
    return method


for _name in (
    "__add__ __radd__ __sub__ __rsub__ __mul__ __rmul__ __truediv__ __rtruediv__"
    " __floordiv__ __rfloordiv__ __mod__ __rmod__ __pow__ __rpow__ __matmul__ __rmatmul__"
    " __neg__ __pos__ __abs__ __invert__ __and__ __rand__ __or__ __ror__ __xor__ __rxor__"
    " __lt__ __le__ __gt__ __ge__ __eq__ __ne__ __float__ __int__ __complex__"
).split():
    setattr(Variable, _name, _operator(_name))


def _flatten(variable):
    return (variable.value,), None


def _unflatten(_, children):
    # jax.numpy functions flatten their arguments as pytrees: inside them a variable
    # becomes its current value (JAX 0.10 refuses __jax_array__ there).
    return children[0]


jax.tree_util.register_pytree_node(Variable, _flatten, _unflatten)


def _is_arraylike(obj) -> bool:
    return isinstance(obj, np.ndarray | jax.Array | Variable) or hasattr(obj, "__array__")


def _broadcasts_to(shape, target) -> bool:
    if len(shape) > len(target):
        return False
    return all(a in (1, b) for a, b in zip(reversed(shape), reversed(target)))


def _dtype_kind(dtype) -> str:
    dtype = jnp.dtype(dtype)
    if jnp.issubdtype(dtype, jnp.floating):
        return "f"
    return dtype.kind


def _refuse_tracer(value, who, verb):
    if isinstance(value, jax.core.Tracer):
        raise ValueError(
            f"Variable '{who}' was {verb} a traced value outside any layer call: the"
            " box would keep a leaked tracer. Inside jax.jit/grad/vmap use"
            " `layer.apply(params, state, ...)`, which returns the new state instead."
        )


def _scope_write_error(variable, scope):
    owner = getattr(scope.owner, "name", scope.owner)
    if variable.trainable:
        return ValueError(
            f"Layer '{owner}': call() assigned the trainable variable '{variable.path}'."
            " Inside a call only non-trainable variables (state) can be updated, since"
            " `apply` returns state, not params. Create it with trainable=False, or"
            " update it outside the call."
        )
    return ValueError(
        f"Layer '{owner}': call() assigned variable '{variable.path}', which the layer"
        " does not track, so its new value could not be returned. Assign the object"
        " that owns it as an attribute of the layer."
    )
