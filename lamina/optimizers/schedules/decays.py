"""Step-decay schedules: exponential, inverse-time, polynomial and piecewise constant.

Each equals ``keras.optimizers.schedules`` of the same name at every step, in float32.
"""

import jax.numpy as jnp

from lamina.optimizers.schedules.base import (
    LearningRateSchedule,
    as_float,
    as_tensor,
    ceil_ratio,
    check_positive_steps,
    step_ratio,
)


class ExponentialDecay(LearningRateSchedule):
    """``initial_learning_rate * decay_rate ** (step / decay_steps)``.

    Args:
      initial_learning_rate: the rate at step 0.
      decay_steps: positive number of steps per factor of ``decay_rate``.
      decay_rate: the factor applied every ``decay_steps`` steps.
      staircase: if True, ``step / decay_steps`` is floored, so the rate drops in
        discrete jumps (default False).
      name: a label kept in the config (default ``"ExponentialDecay"``).

    Example: ``ExponentialDecay(0.1, decay_steps=1000, decay_rate=0.96)(2000)`` → 0.09216.
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False, name=None):
        check_positive_steps(decay_steps, "decay_steps")
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name or "ExponentialDecay"

    def __call__(self, step):
        initial = as_float(self.initial_learning_rate)
        dtype = initial.dtype
        p = step_ratio(step, self.decay_steps, self.staircase, dtype)
        return initial * jnp.power(jnp.asarray(self.decay_rate, dtype), p)

    def get_config(self) -> dict:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "decay_rate": self.decay_rate,
            "staircase": self.staircase,
            "name": self.name,
        }


class InverseTimeDecay(LearningRateSchedule):
    """``initial_learning_rate / (1 + decay_rate * step / decay_steps)``.

    Args:
      initial_learning_rate: the rate at step 0.
      decay_steps: positive number of steps per unit of decay.
      decay_rate: how fast the rate falls.
      staircase: if True, ``step / decay_steps`` is floored (default False).
      name: a label kept in the config (default ``"InverseTimeDecay"``).

    Example: ``InverseTimeDecay(0.1, decay_steps=1.0, decay_rate=0.5)(2)`` → 0.05.
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False, name=None):
        check_positive_steps(decay_steps, "decay_steps")
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name or "InverseTimeDecay"

    def __call__(self, step):
        initial = as_float(self.initial_learning_rate)
        dtype = initial.dtype
        p = step_ratio(step, self.decay_steps, self.staircase, dtype)
        return initial / (jnp.asarray(1, dtype) + jnp.asarray(self.decay_rate, dtype) * p)

    def get_config(self) -> dict:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "decay_rate": self.decay_rate,
            "staircase": self.staircase,
            "name": self.name,
        }


class PolynomialDecay(LearningRateSchedule):
    """From ``initial_learning_rate`` to ``end_learning_rate`` along ``(1 - p) ** power``.

    ``p = min(step, decay_steps) / decay_steps``; the rate stays at
    ``end_learning_rate`` after ``decay_steps``. With ``cycle=True`` the horizon
    grows to the next multiple of ``decay_steps`` instead, so the decay restarts.

    Args:
      initial_learning_rate: the rate at step 0.
      decay_steps: positive length of the decay.
      end_learning_rate: the final rate (default ``0.0001``).
      power: the exponent of the polynomial (default ``1.0``, linear).
      cycle: whether to restart past ``decay_steps`` (default False).
      name: a label kept in the config (default ``"PolynomialDecay"``).

    Example: ``PolynomialDecay(0.1, decay_steps=100, end_learning_rate=0.0)(50)`` → 0.05.
    """

    def __init__(
        self,
        initial_learning_rate,
        decay_steps,
        end_learning_rate=0.0001,
        power=1.0,
        cycle=False,
        name=None,
    ):
        check_positive_steps(decay_steps, "decay_steps")
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.end_learning_rate = end_learning_rate
        self.power = power
        self.cycle = cycle
        self.name = name or "PolynomialDecay"

    def __call__(self, step):
        initial = as_float(self.initial_learning_rate)
        dtype = initial.dtype
        end = jnp.asarray(self.end_learning_rate, dtype)
        horizon = jnp.asarray(self.decay_steps, dtype)
        if self.cycle:
            multiplier = ceil_ratio(step, self.decay_steps, dtype)
            horizon = horizon * jnp.where(multiplier == 0, 1.0, multiplier)
            p = jnp.asarray(step).astype(dtype) / horizon
        else:
            # min(step / h, 1) equals Keras' min(step, h) / h, and stays exactly 1 past
            # the horizon under jit, where XLA multiplies by a rounded 1 / h instead.
            p = jnp.minimum(jnp.asarray(step).astype(dtype) / horizon, 1.0)
        return (initial - end) * jnp.power(1 - p, jnp.asarray(self.power, dtype)) + end

    def get_config(self) -> dict:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "end_learning_rate": self.end_learning_rate,
            "power": self.power,
            "cycle": self.cycle,
            "name": self.name,
        }


class PiecewiseConstantDecay(LearningRateSchedule):
    """``values[0]`` up to ``boundaries[0]``, ``values[1]`` up to ``boundaries[1]``, ...

    The rate is ``values[i]`` for ``boundaries[i-1] < step <= boundaries[i]`` and
    ``values[-1]`` past the last boundary. Boundaries are cast to the step's dtype;
    the result has the dtype of ``values[0]`` (float32 for Python floats).

    Args:
      boundaries: increasing step boundaries, one fewer than ``values``.
      values: the rate on each interval.
      name: a label kept in the config (default ``"PiecewiseConstant"``).

    Example: ``PiecewiseConstantDecay([100, 200], [1.0, 0.5, 0.1])(150)`` → 0.5.
    """

    def __init__(self, boundaries, values, name=None):
        if len(boundaries) != len(values) - 1:
            raise ValueError(
                "The length of boundaries should be 1 less than the length of values. "
                f"Received: boundaries={boundaries} of length {len(boundaries)}, and "
                f"values={values} of length {len(values)}."
            )
        self.boundaries = boundaries
        self.values = values
        self.name = name or "PiecewiseConstant"

    def __call__(self, step):
        step = as_tensor(step)
        bounds = [as_tensor(b).astype(step.dtype) for b in self.boundaries]
        values = [as_tensor(v) for v in self.values]
        dtype = values[0].dtype
        # One indicator per interval; exactly one is 1, as in Keras' formula.
        result = (step <= bounds[0]).astype(dtype) * values[0]
        result = result + (step > bounds[-1]).astype(dtype) * values[-1]
        for low, high, value in zip(bounds[:-1], bounds[1:], values[1:-1]):
            result = result + ((step > low) & (step <= high)).astype(dtype) * value
        return result

    def get_config(self) -> dict:
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}
