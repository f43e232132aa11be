"""Checks of the constructor arguments every Keras optimizer shares, with Keras' errors.

Each check names the optimizer, the argument, what was expected and what came; an
unknown keyword gets the closest accepted name as a hint (``lr`` → ``learning_rate``).
"""

import difflib
import inspect
import warnings

import numpy as np

# Keras arguments lamina accepts only at their defaults: argument → (default, advice).
UNSUPPORTED = {
    "use_ema": (False, "keep a moving average of the params with optax.incremental_update"),
    "gradient_accumulation_steps": (None, "wrap the optimizer: optax.MultiSteps(opt, k)"),
}


def as_learning_rate(value, owner: str):
    """``value`` as a Python float or a schedule (any callable ``step -> rate``)."""
    if callable(value):
        return value
    array = None if isinstance(value, bool | str) else np.asarray(value)
    if array is None or array.ndim != 0 or array.dtype.kind not in "fiu":
        raise ValueError(
            f"{owner}: `learning_rate` must be a float, a "
            "lamina.optimizers.schedules.LearningRateSchedule or a callable "
            f"`step -> learning rate`. Received: learning_rate={value!r}"
        )
    return float(array)


def check_common_arguments(owner: str, kwargs: dict, accepted: list[str], **given) -> None:
    """Raise Keras' errors for the common arguments in ``given`` and unknown ``kwargs``.

    ``kwargs`` are the leftover keywords (Keras' obsolete ``decay`` only warns);
    ``accepted`` lists the constructor's argument names for the error message.
    """
    if kwargs.pop("decay", None) is not None:
        warnings.warn("Argument `decay` is no longer supported and will be ignored.", stacklevel=3)
    if kwargs:
        raise ValueError(unknown_arguments_message(owner, kwargs, accepted))
    for arg, (default, instead) in UNSUPPORTED.items():
        if given[arg] != default:
            raise ValueError(
                f"{owner}: lamina does not implement `{arg}` (received {arg}="
                f"{given[arg]!r}; only {default!r} is accepted). Instead, {instead}."
            )
    for arg in ("weight_decay", "clipnorm", "clipvalue", "global_clipnorm"):
        value = given[arg]
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int | float | np.number) or value < 0
        ):
            raise ValueError(
                f"{owner}: `{arg}` must be None or a non-negative float. Received: {arg}={value!r}"
            )
    clips = [given[arg] for arg in ("clipnorm", "clipvalue", "global_clipnorm")]
    if sum(value is not None for value in clips) > 1:
        raise ValueError(
            f"{owner}: only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set. "
            "Received: clipnorm={}, clipvalue={}, global_clipnorm={}".format(*clips)
        )
    scale = given["loss_scale_factor"]
    if scale is not None and (not isinstance(scale, int | float | np.number) or scale <= 0):
        raise ValueError(
            f"{owner}: `loss_scale_factor` must be None or a positive float. "
            f"Received: loss_scale_factor={scale!r}"
        )


def constructor_arguments(cls, base) -> list[str]:
    """The keyword names ``cls(...)`` accepts: its and its bases' ``__init__`` up to ``base``."""
    named = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    names = []
    for klass in cls.__mro__:
        if "__init__" not in vars(klass) or not issubclass(klass, base):
            continue
        for param in inspect.signature(klass.__init__).parameters.values():
            if param.kind in named and param.name != "self" and param.name not in names:
                names.append(param.name)
    return names


def unknown_arguments_message(owner: str, kwargs: dict, accepted: list[str]) -> str:
    """Keras' "not recognized" error, plus the accepted names and a did-you-mean hint."""
    hints = []
    for key in kwargs:
        close = ["learning_rate"] if key == "lr" else difflib.get_close_matches(key, accepted, 1)
        hints += [f"`{close[0]}` instead of `{key}`"] if close else []
    hint = f" Did you mean {', '.join(hints)}?" if hints else ""
    return (
        f"{owner}: argument(s) not recognized: {kwargs}. "
        f"Accepted arguments: {', '.join(accepted)}.{hint}"
    )
