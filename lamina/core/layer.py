"""``Layer``: state (variables) plus a computation (``call``).

The class is assembled from small mixins, one concern each:

* this file: construction, attribute tracking, ``add_weight``, weight lists,
  ``trainable``, losses and config;
* :mod:`lamina.core.calling`: ``__call__`` (build, ``training``, masks, eager compile);
* :mod:`lamina.core.pure`: the pure face ``init`` / ``split`` / ``apply`` / ``merge``.
"""

import functools

import numpy as np

from lamina.core import config, naming, registry, tracking
from lamina.core import dtype_policy as dtype_policies
from lamina.core.calling import CallingMixin
from lamina.core.init_args import capture_init_args
from lamina.core.pure import PureMixin
from lamina.core.scope import current_scope
from lamina.core.variable import Variable

_BASE_KWARGS = ("name", "dtype", "trainable", "autocast", "activity_regularizer")
_SHAPE_KWARGS = ("input_shape", "input_dim", "batch_input_shape", "batch_size")
# Bookkeeping attributes: never tracked, whatever they hold.
_INTERNAL = frozenset(
    (
        "_tracked_names",
        "_own_vars",
        "_owner",
        "_call_losses",
        "_extra_losses",
        "built",
        "_trainable",
        "_eager",
        "input_spec",
        "_auto_config",
        "_walk_cache",
        "_shape_kwargs",
        "_dtype_policy",
        "_autocast",
        "_build_shape",
    )
)


class Layer(CallingMixin, PureMixin):
    """Base class of all layers: subclass it, create weights, write ``call``.

    Args:
      name: defaults to the class name in snake_case with a counter (``linear_1``).
      dtype: a dtype policy or its name (default: the global policy,
        ``lamina.config.dtype_policy()``): ``"float32"``, ``"bfloat16"``,
        ``"mixed_bfloat16"`` (float32 variables, bfloat16 computations), ...
        See :class:`~lamina.core.dtype_policy.DTypePolicy`.
      trainable: False moves the layer's weights from ``params`` to ``state``.
      autocast: under a mixed policy, cast floating inputs to the compute dtype and
        read float variables as it inside ``call`` (default True).
      activity_regularizer: ``f(outputs) -> scalar`` added with ``add_loss``.

    Subclasses create weights with :meth:`add_weight` in ``__init__`` or, better, in
    ``build(input_shape)`` (run once, before the first ``call``), and define
    ``call(inputs, training=None, mask=None)``. Variables and layers assigned as
    attributes, including inside lists, tuples and dicts, are tracked in order.

    Example::

        class Linear(lamina.Layer):
            def __init__(self, units=32):
                super().__init__()
                self.units = units

            def build(self, input_shape):
                self.w = self.add_weight(shape=(input_shape[-1], self.units))
                self.b = self.add_weight(shape=(self.units,), initializer="zeros")

            def call(self, inputs):
                return ops.matmul(inputs, self.w) + self.b

        y = Linear(4)(jnp.ones((2, 3)))                       # façade: y.shape == (2, 4)
        params, state = layer.init(jax.random.key(0), x)       # pure face
        y, state = layer.apply(params, state, x)
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        build = cls.__dict__.get("build")
        if build is not None and not getattr(build, "_marks_built", False):
            # As in Keras: a layer built by a direct ``layer.build(shape)`` call is built.
            @functools.wraps(build)
            def build_and_mark(self, *args, **kwargs):
                result = build(self, *args, **kwargs)
                self.built = True
                return result

            build_and_mark._marks_built = True
            cls.build = build_and_mark

    def __new__(cls, *args, **kwargs):
        layer = super().__new__(cls)
        internals = {
            "_tracked_names": {},
            "_own_vars": [],
            "_owner": None,
            "_call_losses": [],
            "_extra_losses": [],
            "built": False,
            "_trainable": True,
            "_eager": None,
            "input_spec": None,
        }
        for key, value in internals.items():
            object.__setattr__(layer, key, value)
        captured = capture_init_args(cls, args, kwargs, Layer.__init__, _BASE_KWARGS)
        object.__setattr__(layer, "_auto_config", captured)
        return layer

    def __init__(
        self,
        *,
        activity_regularizer=None,
        trainable=True,
        dtype=None,
        autocast=True,
        name=None,
        **kwargs,
    ):
        unknown = [k for k in kwargs if k not in _SHAPE_KWARGS]
        if unknown:
            raise TypeError(
                f"{type(self).__name__}.__init__ got unexpected keyword argument(s)"
                f" {', '.join(map(repr, unknown))}. Layer accepts {', '.join(_BASE_KWARGS)}"
                f" (and {', '.join(_SHAPE_KWARGS)} for a first layer)."
            )
        if name is not None and not isinstance(name, str):
            raise TypeError(f"{type(self).__name__}: `name` must be a string, got {name!r}")
        self.name = name or naming.unique_name(naming.to_snake_case(type(self).__name__))
        self._dtype_policy = dtype_policies.get(dtype)
        self._autocast = bool(autocast)
        self._trainable = bool(trainable)
        self.activity_regularizer = registry.resolve("regularizer", activity_regularizer)
        self.supports_masking = type(self).compute_mask is not Layer.compute_mask
        self._shape_kwargs = {k: kwargs[k] for k in _SHAPE_KWARGS if k in kwargs}

    # ------------------------------------------------------------- tracking
    def __setattr__(self, name, value):
        if name in _INTERNAL:
            object.__setattr__(self, name, value)
            return
        if (
            name in self.__dict__.get("_tracked_names", ())
            and not tracking.contains_trackables(value)
            and not isinstance(value, list | dict)
        ):
            del self._tracked_names[name]
            tracking.bump()
        if isinstance(value, list | dict) or tracking.contains_trackables(value):
            value = tracking.wrap_container(value)
            for _, leaf in tracking.iter_entries(name, value):
                tracking.adopt(self, leaf)
            self._tracked_names[name] = None
            tracking.bump()
        object.__setattr__(self, name, value)

    def __delattr__(self, name):
        if self._tracked_names.pop(name, False) is None:
            tracking.bump()
        object.__delattr__(self, name)

    def _lamina_children(self):
        """Ordered ``(key, child)``: tracked attributes, then variables made by add_weight only."""
        children = [(name, self.__dict__[name]) for name in self._tracked_names]
        attached = {
            id(leaf) for key, value in children for _, leaf in tracking.iter_entries(key, value)
        }
        taken = set(self._tracked_names)
        for var in self._own_vars:
            if id(var) not in attached:
                key = var.name
                suffix = 1
                while key in taken:
                    key, suffix = f"{var.name}_{suffix}", suffix + 1
                taken.add(key)
                children.append((key, var))
        return children

    # --------------------------------------------------------------- weights
    def add_weight(
        self,
        shape=None,
        initializer=None,
        dtype=None,
        trainable=True,
        autocast=True,
        regularizer=None,
        constraint=None,
        aggregation="none",
        name=None,
    ):
        """Create a variable owned by this layer and return it.

        Args:
          shape: a tuple of ints (default ``()``).
          initializer: string, initializer object or callable ``(shape, dtype)``;
            default ``"glorot_uniform"`` for floats, ``"zeros"`` otherwise.
          dtype: default the layer's variable dtype (float32 under mixed policies).
          trainable: whether it lands in ``params`` (True) or ``state`` (False).
          autocast: whether it reads as the compute dtype inside ``call`` under a
            mixed policy (False for statistics kept in float32).
          regularizer, constraint: string, object or callable.
          name: the variable's name; its ``path`` key is the attribute it is
            assigned to (or this name if it is not assigned).
        """
        shape = () if shape is None else tuple(shape)
        if any(d is None or int(d) < 0 for d in shape):
            raise ValueError(
                f"Layer '{self.name}'.add_weight({name!r}): shape {shape} must contain"
                " only non-negative integers."
            )
        dtype = config.standardize_dtype(dtype or self._dtype_policy.variable_dtype)
        if initializer is None:
            floating = np.issubdtype(np.dtype(dtype), np.floating) if dtype != "bfloat16" else True
            initializer = "glorot_uniform" if floating else "zeros"
        place = registry.hook("initial_value")
        if place is not None:
            # A distribution creates the value directly with its sharding; it sees the
            # path the variable will most likely have (``layer_path/name``).
            where = f"{self.path}/{name}" if self.path else str(name)
            initializer = place(initializer, shape, dtype, where)
        variable = Variable(
            initializer,
            shape=shape,
            dtype=dtype,
            trainable=trainable and self._trainable,
            name=name,
            regularizer=regularizer,
            constraint=constraint,
            autocast=autocast,
            aggregation=aggregation,
        )
        variable._born_trainable = bool(trainable)
        variable._owner = self
        self._own_vars.append(variable)
        tracking.bump()
        return variable

    def _direct(self):
        """Own variables, own seed-generator variables, and direct sublayers, in order."""
        own, seeds, layers = [], [], []
        for key, value in self._lamina_children():
            for _, leaf in tracking.iter_entries(key, value):
                if isinstance(leaf, Variable):
                    own.append(leaf)
                elif isinstance(leaf, Layer):
                    layers.append(leaf)
                else:
                    seeds.extend(v for _, v in tracking.walk(leaf)[0])
        return own, seeds, layers

    def _collect_variables(self, include_seeds):
        own, seeds, layers = self._direct()
        out, seen = [], set()
        ordered = [v for v in own if v.trainable] + [v for v in own if not v.trainable]
        for var in ordered + (seeds if include_seeds else []):
            if id(var) not in seen:
                seen.add(id(var))
                out.append(var)
        for layer in layers:
            for var in layer._collect_variables(include_seeds):
                if id(var) not in seen:
                    seen.add(id(var))
                    out.append(var)
        return out

    @property
    def weights(self) -> list:
        """All weights (trainable first, per layer), excluding seed-generator state."""
        return self._collect_variables(include_seeds=False)

    @property
    def trainable_weights(self) -> list:
        """Weights that land in ``params``; empty when ``trainable`` is False."""
        return [v for v in self.weights if v.trainable] if self.trainable else []

    @property
    def non_trainable_weights(self) -> list:
        """Weights that land in ``state`` (all of them when ``trainable`` is False)."""
        return [v for v in self.weights if not v.trainable] if self.trainable else self.weights

    @property
    def variables(self) -> list:
        """Every variable, seed-generator state included."""
        return self._collect_variables(include_seeds=True)

    trainable_variables = property(lambda self: self.trainable_weights)
    non_trainable_variables = property(lambda self: [v for v in self.variables if not v.trainable])

    def count_params(self) -> int:
        """Total number of scalars in ``weights``; the layer must be built."""
        if not self.built and not self.weights:
            raise ValueError(
                f"Layer '{self.name}' is not built yet, so its weights do not exist:"
                " call it on an input (or `init`) before `count_params()`."
            )
        return int(sum(v.size for v in self.weights))

    @property
    def trainable(self) -> bool:
        """Whether this layer's weights are trained; setting it recurses into sublayers."""
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        value = bool(value)
        self._trainable = value
        own, _, layers = self._direct()
        for var in own:
            if getattr(var, "_born_trainable", var.trainable):
                var.trainable = value
        for layer in layers:
            layer.trainable = value
        tracking.bump()

    # ----------------------------------------------------------------- dtypes
    @property
    def dtype_policy(self) -> dtype_policies.DTypePolicy:
        """The layer's :class:`~lamina.core.dtype_policy.DTypePolicy`; settable (a
        policy or a name) to change the compute dtype of later calls."""
        return self._dtype_policy

    @dtype_policy.setter
    def dtype_policy(self, value):
        self._dtype_policy = dtype_policies.get(value)
        tracking.bump()  # compiled eager calls traced with the old policy are stale

    @property
    def dtype(self) -> str:
        """The dtype of the layer's variables (Keras: ``variable_dtype``), e.g. ``'float32'``."""
        return self._dtype_policy.variable_dtype

    @property
    def variable_dtype(self) -> str:
        """The dtype new weights are created in: float32 under mixed policies."""
        return self._dtype_policy.variable_dtype

    @property
    def compute_dtype(self) -> str:
        """The dtype of the layer's inputs, computations and outputs (``'bfloat16'``
        under ``"mixed_bfloat16"``)."""
        return self._dtype_policy.compute_dtype

    input_dtype = compute_dtype

    @property
    def autocast(self) -> bool:
        """Whether floating inputs and float variables are cast to the compute dtype."""
        return self._autocast

    @autocast.setter
    def autocast(self, value):
        self._autocast = bool(value)
        tracking.bump()

    @property
    def path(self) -> str:
        """This layer's attribute path from its outermost owner (its name if it has none)."""
        root = tracking.root_of(self)
        if root is self:
            return self.name
        for path, found in tracking.cached_walk(root)[1]:
            if found is self:
                return "/".join(path)
        return self.name

    def _flatten_layers(self, include_self=True) -> list:
        """This layer and every layer below it, each once, depth first."""
        layers = [obj for _, obj in tracking.cached_walk(self)[1] if isinstance(obj, Layer)]
        return layers if include_self else layers[1:]

    # ---------------------------------------------------------------- losses
    def add_loss(self, loss) -> None:
        """Add a scalar loss; inside a call it is reported by that call (and ``losses``)."""
        scope = current_scope()
        if scope is not None:
            scope.losses.append((self, loss))
        else:
            self._extra_losses.append(loss)

    @property
    def losses(self) -> list:
        """Losses of the last outermost call (this layer's and its sublayers'), then
        the penalties of every trainable weight regularizer, from current values.

        Inside a call (e.g. in a model's ``compute_loss`` during a pure training
        step) it is the losses added so far in that call, and penalties of the
        values being applied, so gradients flow through them.
        """
        scope = current_scope()
        if scope is not None:
            return self._losses_in(scope)
        losses = []
        for layer in self._flatten_layers():
            losses.extend(layer._call_losses)
            losses.extend(layer._extra_losses)
        return losses + self._regularization_losses(lambda v: v.value)

    def _losses_in(self, scope) -> list:
        """``scope``'s losses from this layer's tree, grouped by layer, then penalties."""
        by_owner = {}
        for owner, loss in scope.losses:
            by_owner.setdefault(id(owner), []).append(loss)
        losses = [loss for layer in self._flatten_layers() for loss in by_owner.get(id(layer), ())]
        return losses + self._regularization_losses(lambda v: v.value)

    def _regularization_losses(self, read) -> list:
        return [v.regularizer(read(v)) for v in self.trainable_weights if v.regularizer is not None]

    # ---------------------------------------------------------------- config
    def get_config(self) -> dict:
        """``name``, ``trainable``, ``dtype``, plus constructor arguments captured at
        construction when they are plain values (numbers, strings, lists, dicts)."""
        # A policy serializes as its name: "float32" as before, "mixed_bfloat16" etc.
        cfg = {"name": self.name, "trainable": self.trainable, "dtype": self._dtype_policy.name}
        reg = self.activity_regularizer
        if reg is not None and hasattr(reg, "get_config"):
            cfg["activity_regularizer"] = {
                "module": "lamina.regularizers",
                "class_name": type(reg).__name__,
                "config": reg.get_config(),
                "registered_name": None,
            }
        for key, value in (self._auto_config or {}).items():
            cfg.setdefault(key, value)
        return cfg

    @classmethod
    def from_config(cls, config: dict):
        """``cls(**config)``; override when the constructor needs objects rebuilt."""
        try:
            return cls(**config)
        except TypeError as err:
            raise TypeError(
                f"{cls.__name__}.from_config could not rebuild the layer from {config!r}: {err}."
                " Override get_config/from_config if the constructor takes other arguments."
            ) from err

    def compute_mask(self, inputs, previous_mask=None):
        """The mask of the outputs; the default passes ``previous_mask`` through."""
        return previous_mask

    def build(self, input_shape):
        """Create weights from the input shape(s); called once before the first call."""
        self.built = True

    def call(self, *args, **kwargs):
        """The forward computation; subclasses must define it."""
        raise NotImplementedError(f"Layer {type(self).__name__} does not define call().")

    def __repr__(self):
        path = self.path
        where = f", path={path}" if path != self.name else ""
        state = f"built=True, params={self.count_params():,}" if self.built else "built=False"
        return f"<{type(self).__name__} name={self.name}{where}, {state}>"
