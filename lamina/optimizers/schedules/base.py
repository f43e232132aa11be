"""The ``LearningRateSchedule`` base class and the dtype helpers its subclasses share."""

import jax.numpy as jnp

from lamina.core import config


def as_float(value) -> jnp.ndarray:
    """``value`` as a float array: Python numbers become ``floatx()`` (Keras' rule)."""
    if isinstance(value, int | float):
        return jnp.asarray(value, dtype=config.floatx())
    array = jnp.asarray(value)
    return array if jnp.issubdtype(array.dtype, jnp.floating) else array.astype(config.floatx())


def as_tensor(value) -> jnp.ndarray:
    """``value`` as an array: Python floats become ``floatx()``, ints ``int32`` (Keras' rule)."""
    if isinstance(value, float):
        return jnp.asarray(value, dtype=config.floatx())
    if isinstance(value, int) and not isinstance(value, bool):
        return jnp.asarray(value, dtype=jnp.int32)
    return jnp.asarray(value)


def _integral(step, period) -> bool:
    return jnp.issubdtype(step.dtype, jnp.integer) and float(period).is_integer()


def floor_ratio(step, period, dtype) -> jnp.ndarray:
    """``floor(step / period)`` as ``dtype``, exact for integer steps and whole periods.

    Under ``jax.jit`` XLA turns a division by a constant into a multiplication by its
    rounded reciprocal, so ``floor(float(k * period) / period)`` can miss ``k`` by one:
    the step at which a staircase drops or a cosine restarts would move. Integer steps
    (what optimizers pass) and whole ``period``s therefore use integer division.
    """
    step = jnp.asarray(step)
    if _integral(step, period):
        return (step // int(period)).astype(dtype)
    return jnp.floor(step.astype(dtype) / jnp.asarray(period, dtype))


def step_ratio(step, period, staircase, dtype) -> jnp.ndarray:
    """``step / period`` as ``dtype``, floored (exactly) when ``staircase``."""
    if staircase:
        return floor_ratio(step, period, dtype)
    return jnp.asarray(step).astype(dtype) / jnp.asarray(period, dtype)


def ceil_ratio(step, period, dtype) -> jnp.ndarray:
    """``ceil(step / period)`` as ``dtype``, exact as ``floor_ratio`` is."""
    step = jnp.asarray(step)
    if _integral(step, period):
        return (-(-step // int(period))).astype(dtype)
    return jnp.ceil(step.astype(dtype) / jnp.asarray(period, dtype))


def check_positive_steps(value, name: str) -> None:
    """ValueError unless ``value`` (a step count) is > 0, as Keras checks it."""
    if value <= 0:
        raise ValueError(f"Argument `{name}` must be > 0. Received: {name}={value!r}")


class LearningRateSchedule:
    """Base class of learning-rate schedules: ``schedule(step) -> learning rate``.

    ``step`` is the number of optimizer updates already applied (an int or an integer
    array, possibly a tracer): it is what ``optax.inject_hyperparams`` passes, so every
    schedule is also an optax schedule. Subclasses implement ``__call__`` with
    ``jax.numpy`` and ``get_config``; ``from_config`` passes the config to the
    constructor.

    Example::

        class Halving(lamina.optimizers.schedules.LearningRateSchedule):
            def __call__(self, step):
                return 0.1 * 0.5 ** (jnp.asarray(step) // 100)
    """

    def __call__(self, step):
        raise NotImplementedError(
            f"Learning rate schedule '{type(self).__name__}' must override `__call__(self, step)`."
        )

    def get_config(self) -> dict:
        """The constructor arguments, as a JSON-serializable dict."""
        raise NotImplementedError(
            f"Learning rate schedule '{type(self).__name__}' must override `get_config()` "
            "in order to be serializable."
        )

    @classmethod
    def from_config(cls, config: dict):
        """A new instance from the output of ``get_config()``."""
        return cls(**config)

    def __repr__(self):
        try:
            args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        except NotImplementedError:
            args = ""
        return f"{type(self).__name__}({args})"
