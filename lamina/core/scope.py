"""The bridge between the façade and the pure function.

While a scope is active, reading a :class:`~lamina.core.variable.Variable` returns the
value the scope holds for it (possibly a tracer), writing records the new value in
the scope instead of the variable's box, and ``add_loss`` appends to the scope. One
scope spans one outermost layer call; nested calls share it.
"""

import contextvars
from dataclasses import dataclass, field

_ACTIVE: contextvars.ContextVar["Scope | None"] = contextvars.ContextVar(
    "lamina_scope", default=None
)


@dataclass(eq=False)
class Scope:
    """Values, writes, losses and call context of one outermost call.

    Attributes:
      values: ``id(variable) -> value`` for the variables this call reads from the
        scope; a variable absent here is read from its box.
      writable: ids of the variables ``call`` may assign (non-trainable variables
        of the called tree, plus those created during the scope).
      written: ``id(variable) -> variable`` for each variable assigned so far.
      losses: ``(layer, value)`` for each ``add_loss`` in call order.
      masks: ``id(tensor) -> (tensor, mask)``, the masks produced during the call;
        the tensor is kept alive so its id cannot be reused while the scope lives.
      training: the ``training`` value nested layers inherit (None: not set).
      owner: the outermost layer, for error messages.
      autocast: the dtype (a NumPy dtype) float variables read as in the running
        ``call`` (None: their own dtype); each layer sets it around its ``call``.
    """

    values: dict = field(default_factory=dict)
    writable: set = field(default_factory=set)
    written: dict = field(default_factory=dict)
    losses: list = field(default_factory=list)
    masks: dict = field(default_factory=dict)
    training: bool | None = None
    owner: object = None
    autocast: object = None


def current_scope() -> Scope | None:
    """The active scope, or None outside any layer call."""
    return _ACTIVE.get()


def activate(scope: Scope) -> "_Activation":
    """Context manager making ``scope`` the active one (restoring the previous)."""
    return _Activation(scope)


class _Activation:
    __slots__ = ("scope", "_token")

    def __init__(self, scope: Scope):
        self.scope = scope

    def __enter__(self) -> Scope:
        self._token = _ACTIVE.set(self.scope)
        return self.scope

    def __exit__(self, *exc) -> None:
        _ACTIVE.reset(self._token)
