"""What a layer class's ``call`` and ``build`` accept, inspected once per class."""

import functools
import inspect
from dataclasses import dataclass


@dataclass(frozen=True)
class CallSignature:
    """Facts about ``cls.call`` / ``cls.build`` that ``__call__`` needs on every call.

    Attributes:
      has_training: ``call`` takes ``training`` (or ``**kwargs``).
      has_mask: ``call`` takes ``mask``.
      masked_args: the call arguments ``x`` for which ``call`` takes ``x_mask``
        (Keras 3's rule: ``call(query, value, query_mask=None, value_mask=None)``
        receives the masks of ``query`` and ``value``).
      training_default: the default of ``training`` in ``call``'s signature.
      first_arg: name of ``call``'s first parameter (the main input).
      arg_names: names of ``call``'s positional parameters, in order.
      build_shape_args: for ``build(self, a_shape, b_shape)``, the call arguments
        (``a``, ``b``) whose shapes it takes; empty for ``build(self, input_shape)``.
      build_overridden: the class defines its own ``build``.
    """

    has_training: bool
    has_mask: bool
    masked_args: tuple
    training_default: object
    first_arg: str | None
    arg_names: tuple
    build_shape_args: tuple
    build_overridden: bool


@functools.cache
def call_signature(cls) -> CallSignature:
    """The :class:`CallSignature` of layer class ``cls``."""
    params = list(inspect.signature(cls.call).parameters.values())[1:]
    names = {p.name for p in params}
    var_kw = any(p.kind is p.VAR_KEYWORD for p in params)
    positional = [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    training = next((p for p in params if p.name == "training"), None)
    default = (
        None
        if training is None or training.default is inspect.Parameter.empty
        else training.default
    )
    build_params = [
        p.name
        for p in list(inspect.signature(cls.build).parameters.values())[1:]
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    shape_args = ()
    if len(build_params) > 1 or (
        build_params and build_params[0] not in ("input_shape", "inputs_shape")
    ):
        wanted = tuple(n[: -len("_shape")] for n in build_params if n.endswith("_shape"))
        if wanted and all(w in positional for w in wanted):
            shape_args = wanted
    from lamina.core.layer import Layer

    return CallSignature(
        has_training="training" in names or var_kw,
        has_mask="mask" in names,
        masked_args=tuple(n for n in positional if f"{n}_mask" in names),
        training_default=default,
        first_arg=positional[0] if positional else None,
        arg_names=tuple(positional),
        build_shape_args=shape_args,
        build_overridden=cls.build is not Layer.build,
    )
