"""``Layer.__call__``: building, ``training``, masks, and the eager fast path.

Every call runs ``call()`` inside a scope (:mod:`lamina.core.scope`). A nested call
joins its caller's scope. An outermost eager call makes its own scope over the
layer's variables and, when done, writes the state updates back into their boxes:
the same code path as ``apply``, with the façade's values. A built layer's
outermost eager call goes through a per-layer ``jax.jit`` of that path (one
dispatch instead of one per op); a ``call`` that cannot be traced (Python control
flow on values) falls back to op-by-op execution, as does
``lamina.config.set_run_eagerly(True)``.

Dtype policies act here too (Keras' rules): a layer with ``autocast=True`` casts its
floating inputs to its compute dtype (integer inputs are left alone), and while its
``call`` runs the scope's autocast dtype makes its float variables read as that
dtype, when its policy is mixed or an enclosing layer already autocasts. Nested
layers set their own and restore their caller's, so a float32 layer inside a
bfloat16 model reads its weights in float32.
"""

import warnings

import jax
import jax.numpy as jnp
import numpy as np

from lamina.core import config, masking, registry, statics, tracking
from lamina.core.call_signature import call_signature
from lamina.core.input_spec import check_input
from lamina.core.scope import Scope, activate, current_scope
from lamina.core.variable import Variable

_NOT_TRACEABLE = (
    jax.errors.ConcretizationTypeError,
    jax.errors.TracerArrayConversionError,
    jax.errors.TracerIntegerConversionError,
)


# The keyword under which an outermost call carries its input's mask into the
# compiled call of a layer whose ``call`` takes no ``mask`` (tracing loses identity).
_CARRIED_MASK = "_lamina_carried_mask"


class InputShapeError(ValueError):
    """A layer received an input whose rank or last dimension differs from its build."""


class CallingMixin:
    """The ``__call__`` half of :class:`~lamina.core.layer.Layer`."""

    #: Whether ``__call__`` casts floating inputs to the compute dtype (Keras' flag;
    #: a functional model converts its inputs to its ``Input`` dtypes instead).
    _convert_input_args = True

    def __call__(self, *args, **kwargs):
        scope = current_scope()
        if scope is not None:
            return self._call_in(scope, args, kwargs)
        if _has_symbolic(args, kwargs):
            # ``lamina.Input`` tensors: record a graph node (lamina.models.functional).
            return registry.hook("symbolic_call")(self, args, kwargs)
        return self._outermost_call(args, kwargs)

    # ---------------------------------------------------------- any call
    def _call_in(self, scope, args, kwargs):
        """Run ``call`` within ``scope``: resolve training and mask, build, check."""
        sig = call_signature(type(self))
        args = tuple(jnp.asarray(a) if isinstance(a, np.ndarray) else a for a in args)
        kwargs = dict(kwargs)
        training = kwargs.pop("training", None)
        if training is None:
            training = scope.training
        if training is None:
            training = sig.training_default
        if sig.has_training and training is not None:
            kwargs["training"] = training
        first = args[0] if args else kwargs.get(sig.first_arg)
        carried = kwargs.pop(_CARRIED_MASK, None)
        previous_mask = kwargs.get("mask")
        if previous_mask is None:
            previous_mask = masking.masks_of(first) if carried is None else carried
            if sig.has_mask and previous_mask is not None:
                kwargs["mask"] = previous_mask
        _deliver_argument_masks(sig, args, kwargs)
        cast_to = self._dtype_policy._autocast_to if self._autocast else None
        if cast_to is not None and self._convert_input_args:
            args, kwargs = _cast_inputs(args, kwargs, cast_to)
            first = args[0] if args else kwargs.get(sig.first_arg)
        if not self.built:
            # The constructor's spec (rank, ...) speaks before build can fail obscurely.
            if self.input_spec is not None:
                self._check_inputs(first)
            self._build_for(sig, args, kwargs)
        if self.input_spec is not None:
            self._check_inputs(first)
        outer_training, scope.training = scope.training, training
        outer_autocast = scope.autocast
        # Keras' AutocastScope: a mixed layer, or any float layer inside an autocast
        # one, reads its float variables in its compute dtype while its call runs.
        if cast_to is None or (outer_autocast is None and not self._dtype_policy.is_mixed):
            scope.autocast = None
        else:
            scope.autocast = cast_to
        try:
            outputs = self.call(*args, **kwargs)
        except (TypeError, ValueError) as err:
            explained = self._explain_input_error(first, err)
            if explained is err:
                raise
            raise explained from err
        finally:
            scope.training = outer_training
            scope.autocast = outer_autocast
        object.__setattr__(self, "_last_output_shape", _shapes(outputs))
        if self.activity_regularizer is not None:
            for out in jax.tree.leaves(outputs):
                loss = self.activity_regularizer(out)
                if jnp.ndim(out) > 0 and out.shape[0] > 0:
                    # Keras 3: per example, so the strength does not grow with the batch.
                    loss = loss / out.shape[0]
                self.add_loss(loss)
        if self.supports_masking:
            masking.attach(outputs, self.compute_mask(first, previous_mask))
        elif previous_mask is not None:
            outputs = _unmasked(outputs, first)
        return outputs

    def _build_for(self, sig, args, kwargs):
        bound = dict(zip(sig.arg_names, args)) | kwargs
        names = sig.build_shape_args or (sig.first_arg,)
        shapes = [_shapes(bound.get(name)) for name in names]
        # Build creates concrete weights even inside a user's jax.jit trace.
        with jax.ensure_compile_time_eval():
            self.build(*shapes)
        self.built = True
        if isinstance(shapes[0], tuple) and all(isinstance(d, int) for d in shapes[0]):
            object.__setattr__(self, "_build_shape", shapes[0])
        # What the first input looked like, so a saved model can be rebuilt before
        # its weights are loaded (lamina.saving).
        first = bound.get(sig.first_arg)
        leaves = jax.tree.leaves(first)
        if leaves and all(hasattr(x, "shape") and hasattr(x, "dtype") for x in leaves):
            spec = jax.tree.map(lambda x: jax.ShapeDtypeStruct(tuple(x.shape), x.dtype), first)
            object.__setattr__(self, "_build_input", spec)

    def _explain_input_error(self, first, err):
        """``err`` restated with the layer's path and shapes when the input no longer
        matches the shape the layer was built for (rank or last dimension)."""
        built = getattr(self, "_build_shape", None)
        shape = tuple(getattr(first, "shape", ()))
        if isinstance(err, InputShapeError) or built is None or not hasattr(first, "shape"):
            return err
        if len(shape) == len(built) and (not shape or shape[-1] == built[-1]):
            return err
        return InputShapeError(
            f"Layer '{self.path}' was built for inputs of shape {built} and received an"
            f" input of shape {shape}: expected rank {len(built)} with last dimension"
            f" {built[-1] if built else None}. The call failed with: {err}"
        )

    def _check_inputs(self, first):
        specs = self.input_spec
        leaves = [x for x in jax.tree.leaves(first) if hasattr(x, "shape")]
        specs = list(specs) if isinstance(specs, list | tuple) else [specs] * len(leaves)
        if len(specs) != len(leaves):
            raise ValueError(
                f"Layer '{self.path}' expects {len(specs)} input(s), received {len(leaves)}."
            )
        for index, (spec, leaf) in enumerate(zip(specs, leaves)):
            if spec is not None:
                check_input(self.path, spec, tuple(leaf.shape), index, type(self).__name__)

    # ---------------------------------------------------- outermost call
    def _outermost_call(self, args, kwargs):
        sig = call_signature(type(self))
        # Masks of eager tensors are found by identity, which tracing loses.
        if sig.has_mask and kwargs.get("mask") is None:
            mask = masking.masks_of(args[0] if args else kwargs.get(sig.first_arg))
            if mask is not None:
                kwargs = {**kwargs, "mask": mask}
        elif not sig.has_mask and self.supports_masking:
            # ``call`` takes no mask but passes it on: carry it through the compiled call.
            mask = masking.masks_of(args[0] if args else kwargs.get(sig.first_arg))
            if mask is not None:
                kwargs = {**kwargs, _CARRIED_MASK: mask}
        if sig.masked_args:
            kwargs = dict(kwargs)
            _deliver_argument_masks(sig, args, kwargs)
        if self.built and self._eager is not False and not config.run_eagerly():
            arrays, spec = statics.split(args, kwargs)
            if spec is not None and not any(isinstance(a, jax.core.Tracer) for a in arrays):
                try:
                    return self._compiled_call(arrays, spec)
                except _NOT_TRACEABLE:
                    object.__setattr__(self, "_eager", False)
        return self._eager_call(args, kwargs)

    def _eager_call(self, args, kwargs):
        variables, _ = tracking.cached_walk(self)
        scope = Scope(writable={id(v) for _, v in variables if not v.trainable}, owner=self)
        with activate(scope):
            outputs = self._call_in(scope, args, kwargs)
            out_masks = masking.masks_of(outputs)
        for vid, var in scope.written.items():
            value = scope.values[vid]
            if isinstance(value, jax.core.Tracer):
                raise ValueError(
                    f"Layer '{self.name}' updated its state (variable '{var.path}') while"
                    " called inside a JAX transformation (jit/grad/vmap/scan) on the façade:"
                    " the new value is traced and cannot be stored in the variable. Call"
                    " `layer.apply(params, state, ...)` there instead; it returns the new state."
                )
            var._value = value
        self._store_losses(scope.losses)
        masking.attach(outputs, out_masks)
        return outputs

    def _store_losses(self, losses):
        layers = self._flatten_layers()
        for layer in layers:
            layer._call_losses = []
        traced = False
        for layer, loss in losses:
            if isinstance(loss, jax.core.Tracer):
                traced = True
            else:
                layer._call_losses.append(loss)
        if traced:
            warnings.warn(
                f"Layer '{self.name}' was called inside a JAX transformation: the losses it"
                " added are traced values and are not kept in `layer.losses`. Use"
                " `apply(..., return_losses=True)` to get them.",
                stacklevel=4,
            )

    def _compiled_call(self, arrays, spec):
        plan = self._eager_plan()
        outputs, new_state, losses, masks, var_outputs = plan.fn(
            [v._value for v in plan.variables], arrays, spec
        )
        for var, value in zip(plan.state_vars, new_state):
            var._value = value
        for layer in plan.layers:
            layer._call_losses = []
        for index, values in losses.items():
            plan.layers[int(index)]._call_losses = list(values)
        masking.attach(outputs, masks)
        if var_outputs:
            leaves, treedef = jax.tree.flatten(outputs)
            for key in var_outputs:
                leaf, var = map(int, key.split(":"))
                leaves[leaf] = plan.variables[var]
            outputs = jax.tree.unflatten(treedef, leaves)
        return outputs

    def _eager_plan(self):
        plan = self._eager
        if plan is not None and plan.generation == tracking.generation:
            return plan
        fresh = _EagerPlan(self)
        if plan is not None and plan.same_structure(fresh):
            plan.generation = fresh.generation
            return plan
        object.__setattr__(self, "_eager", fresh)
        return fresh


class _EagerPlan:
    """One layer's compiled eager call: its variables in a fixed order, and the jit."""

    def __init__(self, layer):
        variables, _ = tracking.cached_walk(layer)
        self.generation = tracking.generation
        self.variables = [v for _, v in variables]
        self.state_vars = [v for v in self.variables if not v.trainable]
        self.layers = layer._flatten_layers()
        # A call may read ``self.trainable`` (BatchNormalization does): part of the plan.
        self.trainable = tuple(v.trainable for v in self.variables) + tuple(
            x.trainable for x in self.layers
        )
        # The policies are traced into the call too (casts of inputs and variables).
        self.dtypes = tuple((x._dtype_policy, x._autocast) for x in self.layers)
        ids = [id(v) for v in self.variables]
        state_ids = [id(v) for v in self.state_vars]
        layer_index = {id(x): i for i, x in enumerate(self.layers)}
        var_index = dict(zip(ids, range(len(ids))))

        def run(values, arrays, spec):
            args, kwargs = statics.merge(arrays, spec)
            scope = Scope(values=dict(zip(ids, values)), writable=set(state_ids), owner=layer)
            with activate(scope):
                outputs = layer._call_in(scope, args, kwargs)
                masks = masking.masks_of(outputs)
                outputs, var_outputs = detach_variables(outputs, var_index)
            new_state = [scope.values[i] for i in state_ids]
            losses = {}
            for owner, loss in scope.losses:
                losses.setdefault(str(layer_index.get(id(owner), 0)), []).append(loss)
            return outputs, new_state, losses, masks, var_outputs

        self.fn = jax.jit(run, static_argnums=2)

    def same_structure(self, other) -> bool:
        return (
            len(self.variables) == len(other.variables)
            and all(a is b for a, b in zip(self.variables, other.variables))
            and self.trainable == other.trainable
            and self.dtypes == other.dtypes
            and len(self.layers) == len(other.layers)
            and all(a is b for a, b in zip(self.layers, other.layers))
        )


def detach_variables(outputs, var_index=None):
    """Variables in ``outputs`` replaced by their current values.

    Returns ``(outputs, positions)``; ``positions`` is a dict whose keys
    ``"leaf:variable"`` say where a variable stood (values are None so the keys
    stay static through ``jax.jit``).
    """
    leaves, treedef = jax.tree.flatten(outputs, is_leaf=lambda x: isinstance(x, Variable))
    positions = {}
    for i, leaf in enumerate(leaves):
        if isinstance(leaf, Variable):
            if var_index is not None and id(leaf) in var_index:
                positions[f"{i}:{var_index[id(leaf)]}"] = None
            leaves[i] = leaf.value
    return jax.tree.unflatten(treedef, leaves), positions


def _cast_inputs(args, kwargs, dtype):
    """``(args, kwargs)`` with every floating array leaf cast to ``dtype`` (Keras'
    input conversion); integer and boolean arrays, Python values and variables are
    left alone, and a cast tensor keeps its input's mask."""

    def cast(leaf):
        if (
            isinstance(leaf, jax.Array | np.ndarray)
            and leaf.dtype != dtype
            and jnp.issubdtype(leaf.dtype, jnp.floating)
        ):
            mask = masking.get_mask(leaf)
            leaf = jnp.asarray(leaf).astype(dtype)
            masking.set_mask(leaf, mask)
        return leaf

    leaves = jax.tree.leaves((args, kwargs), is_leaf=_is_variable)
    if all(not isinstance(x, jax.Array | np.ndarray) or x.dtype == dtype for x in leaves):
        return args, kwargs  # the common case: nothing to cast, no tree rebuilt
    return jax.tree.map(cast, (args, kwargs), is_leaf=_is_variable)


def _is_variable(x) -> bool:
    return isinstance(x, Variable)


def _deliver_argument_masks(sig, args, kwargs) -> None:
    """Fill ``kwargs["x_mask"]`` with the mask of argument ``x`` where ``call`` takes one."""
    for index, name in enumerate(sig.arg_names):
        if name not in sig.masked_args or kwargs.get(f"{name}_mask") is not None:
            continue
        value = args[index] if index < len(args) else kwargs.get(name)
        if value is not None:
            mask = masking.masks_of(value)
            if mask is not None:
                kwargs[f"{name}_mask"] = mask


def _unmasked(outputs, inputs):
    """``outputs`` with any leaf that *is* a masked input replaced by a copy: masks are
    found by identity, and a layer that drops masks must not pass one on by returning
    its input unchanged (``jnp.reshape`` to the same shape returns the same array)."""
    ids = {id(x) for x in jax.tree.leaves(inputs)}
    return jax.tree.map(lambda y: jnp.array(y, copy=True) if id(y) in ids else y, outputs)


def _has_symbolic(args, kwargs) -> bool:
    return any(getattr(leaf, "_lamina_symbolic", False) for leaf in jax.tree.leaves((args, kwargs)))


def _shapes(value):
    """The shape tuple of an array, or a matching structure of shape tuples."""
    if value is None:
        return None
    return jax.tree.map(lambda x: tuple(np.shape(x)), value)
