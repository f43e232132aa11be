"""``Optimizer``: a Keras optimizer that is also an optax transformation.

An optimizer object is configured like Keras' (``Adam(learning_rate=1e-3,
clipnorm=1.0)``) and used like optax: ``opt.init(params)`` and
``opt.update(grads, opt_state, params)`` are pure and ``jax.jit``-able, and
``optax.apply_updates(params, updates)`` gives the new params. Underneath,
``opt.transformation`` is ``optax.inject_hyperparams`` around this chain, which is
the order of Keras' ``apply_gradients``::

    unscale (loss_scale_factor) → clip → the optimizer's update rule → weight decay

The learning rate lives inside the state (``state.hyperparams["learning_rate"]``), so
it changes without recompiling; ``state.count`` counts the updates applied.
"""

import numpy as np
import optax

from lamina.core import config
from lamina.core.naming import to_snake_case, unique_name
from lamina.optimizers import hyperparams, schedules
from lamina.optimizers.arguments import (
    as_learning_rate,
    check_common_arguments,
    constructor_arguments,
)
from lamina.optimizers.transforms import (
    decoupled_weight_decay,
    keras_clipping,
    unscale_gradients,
)


class Optimizer:
    """Base class of lamina's Keras-named optimizers (an optax transformation).

    A subclass takes its own hyperparameters, passes the rest to this constructor,
    implements ``update_rule(learning_rate)`` (its update as an optax transformation,
    the learning rate included) and extends ``get_config``.

    Args:
      learning_rate: a float, a ``lamina.optimizers.schedules`` object or any callable
        ``step -> learning rate`` (an optax schedule; ``step`` counts the updates
        already applied).
      weight_decay: if set, each update also subtracts
        ``param * weight_decay * learning_rate`` (decoupled decay). Default None.
      clipnorm: if set, each gradient leaf is scaled to an L2 norm of at most this.
      clipvalue: if set, gradients are clipped elementwise to ``[-clipvalue, clipvalue]``.
      global_clipnorm: if set, all gradients are scaled together to a joint norm of at
        most this. At most one of the three clipping arguments may be set.
      use_ema, ema_momentum, ema_overwrite_frequency, gradient_accumulation_steps:
        accepted at Keras' defaults only, so that Keras configs load; lamina does not
        implement them (a non-default value raises ``ValueError`` saying what to use).
      loss_scale_factor: if set, gradients are divided by it first (see ``scale_loss``).
      name: a label (default: the class name in snake_case, made unique).

    After ``opt.state = opt_state`` (the training loop does this), ``opt.iterations``
    and ``opt.learning_rate`` read that state, and assigning ``opt.learning_rate``
    writes a new state.

    Example::

        opt = lamina.optimizers.Adam(learning_rate=1e-3)
        opt_state = opt.init(params)
        updates, opt_state = jax.jit(opt.update)(grads, opt_state, params)
        params = optax.apply_updates(params, updates)
    """

    def __init__(
        self,
        learning_rate,
        weight_decay=None,
        clipnorm=None,
        clipvalue=None,
        global_clipnorm=None,
        use_ema=False,
        ema_momentum=0.99,
        ema_overwrite_frequency=None,
        loss_scale_factor=None,
        gradient_accumulation_steps=None,
        name=None,
        **kwargs,
    ):
        owner = type(self).__name__
        check_common_arguments(
            owner,
            kwargs,
            constructor_arguments(type(self), Optimizer),
            weight_decay=weight_decay,
            clipnorm=clipnorm,
            clipvalue=clipvalue,
            global_clipnorm=global_clipnorm,
            use_ema=use_ema,
            loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps,
        )
        self.name = name or unique_name(to_snake_case(owner))
        self.weight_decay = weight_decay
        self.clipnorm = clipnorm
        self.clipvalue = clipvalue
        self.global_clipnorm = global_clipnorm
        self.use_ema = use_ema
        self.ema_momentum = ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        self.loss_scale_factor = loss_scale_factor
        self.gradient_accumulation_steps = gradient_accumulation_steps
        self._learning_rate = as_learning_rate(learning_rate, owner)
        #: The latest optimizer state; the training loop assigns it (None before init).
        self.state = None

    # -- the optax face -------------------------------------------------------------

    def update_rule(self, learning_rate) -> optax.GradientTransformation:
        """This optimizer's own update for a (possibly traced) scalar ``learning_rate``.

        Its updates are added to the params, so they point against the gradient.
        """
        raise NotImplementedError(f"{type(self).__name__} must implement update_rule()")

    def _chain(self, learning_rate) -> optax.GradientTransformation:
        parts = []
        if self.loss_scale_factor is not None:
            parts.append(unscale_gradients(self.loss_scale_factor))
        clipping = keras_clipping(self.clipnorm, self.clipvalue, self.global_clipnorm)
        if clipping is not None:
            parts.append(clipping)
        parts.append(self.update_rule(learning_rate))
        if self.weight_decay is not None:
            parts.append(decoupled_weight_decay(self.weight_decay, learning_rate))
        return optax.chain(*parts)

    @property
    def transformation(self) -> optax.GradientTransformationExtraArgs:
        """This optimizer as a plain optax transformation (what ``init``/``update`` run).

        Built from the current attributes on each access, so it is cheap to take and
        always agrees with them.
        """
        inject = optax.inject_hyperparams(self._chain, hyperparam_dtype=config.floatx())
        return inject(learning_rate=self._learning_rate)

    def init(self, params) -> optax.InjectStatefulHyperparamsState:
        """The initial state for ``params`` (any pytree of arrays). Pure; does not set ``state``."""
        return self.transformation.init(params)

    def update(self, grads, state, params=None):
        """``(updates, new_state)`` for ``grads`` (same pytree as params). Pure, jit-able.

        ``params`` is needed when ``weight_decay`` is set. Apply the result with
        ``optax.apply_updates(params, updates)``.
        """
        self._check_state(state, "update")
        return self.transformation.update(grads, state, params)

    # -- the Keras face ---------------------------------------------------------------

    def _check_state(self, state, where: str):
        if not isinstance(state, hyperparams.InjectState):
            raise TypeError(
                f"{type(self).__name__}.{where} expects the state made by this optimizer's "
                f"init/update (an optax InjectStatefulHyperparamsState); got "
                f"{type(state).__name__}. Use `opt.state = new_opt_state` with the state "
                "that `opt.update` returned."
            )
        return state

    @property
    def iterations(self) -> int:
        """How many updates ``state`` has applied (0 before ``init``)."""
        if self.state is None:
            return 0
        return int(self._check_state(self.state, "iterations").count)

    @property
    def learning_rate(self) -> float:
        """The current learning rate: for a schedule, its value at ``iterations``."""
        if callable(self._learning_rate):
            return float(self._learning_rate(self.iterations))
        if self.state is None:
            return float(np.asarray(self._learning_rate, dtype=config.floatx()))
        return hyperparams.learning_rate_in(self._check_state(self.state, "learning_rate"))

    @learning_rate.setter
    def learning_rate(self, value):
        owner = type(self).__name__
        if callable(self._learning_rate) and not callable(value):
            raise TypeError(
                f"{owner} was created with a schedule as its `learning_rate`, hence its "
                "learning rate is not settable. If you need the learning rate to be "
                "settable, create the optimizer with a float `learning_rate`."
            )
        value = as_learning_rate(value, owner)
        if callable(value):
            if self.state is not None:
                raise TypeError(
                    f"{owner}: a schedule can replace the learning rate only before the "
                    "first `init` (opt.state is None): compiled steps have the old rule "
                    "built in. Create a new optimizer with `learning_rate=schedule`."
                )
        elif self.state is not None:
            state = self._check_state(self.state, "learning_rate")
            self.state = hyperparams.with_learning_rate(state, value)
        self._learning_rate = value

    def scale_loss(self, loss):
        """``loss * loss_scale_factor`` when that is set, else ``loss`` (Keras' method)."""
        return loss if self.loss_scale_factor is None else loss * self.loss_scale_factor

    def get_config(self) -> dict:
        """Keras' config keys; a schedule is serialized as a dict, a plain callable kept as is."""
        lr = self._learning_rate
        if hasattr(lr, "get_config"):
            lr = schedules.serialize(lr)
        elif not callable(lr):
            lr = self.learning_rate
        return {
            "name": self.name,
            "learning_rate": lr,
            "weight_decay": self.weight_decay,
            "clipnorm": self.clipnorm,
            "global_clipnorm": self.global_clipnorm,
            "clipvalue": self.clipvalue,
            "use_ema": self.use_ema,
            "ema_momentum": self.ema_momentum,
            "ema_overwrite_frequency": self.ema_overwrite_frequency,
            "loss_scale_factor": self.loss_scale_factor,
            "gradient_accumulation_steps": self.gradient_accumulation_steps,
        }

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None):
        """A new optimizer (without state) from ``get_config()``'s dict, Keras' or lamina's."""
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = schedules.deserialize(
                config["learning_rate"], custom_objects=custom_objects
            )
        return cls(**config)

    def __repr__(self):
        lr = self._learning_rate
        shown = lr if callable(lr) else self.learning_rate
        return f"<{type(self).__name__} name={self.name!r} learning_rate={shown!r}>"
