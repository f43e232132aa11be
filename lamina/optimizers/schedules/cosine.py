"""Cosine schedules: one cosine decay (with optional linear warmup) and warm restarts (SGDR).

Each equals ``keras.optimizers.schedules`` of the same name at every step, in float32.
"""

import math

import jax.numpy as jnp
import numpy as np

from lamina.optimizers.schedules.base import (
    LearningRateSchedule,
    as_float,
    check_positive_steps,
    floor_ratio,
)


class CosineDecay(LearningRateSchedule):
    """A linear warmup (optional), then half a cosine from the peak down to ``alpha * peak``.

    Without ``warmup_target`` the rate is
    ``initial_learning_rate * ((1 - alpha) * 0.5 * (1 + cos(pi * s / decay_steps)) + alpha)``
    with ``s = min(step, decay_steps)``. With ``warmup_target`` it first rises linearly
    from ``initial_learning_rate`` to ``warmup_target`` over ``warmup_steps`` steps,
    then decays from ``warmup_target`` as above over the next ``decay_steps`` steps.

    Args:
      initial_learning_rate: the rate at step 0.
      decay_steps: positive length of the cosine decay.
      alpha: the final rate as a fraction of the decay's start (default ``0.0``).
      name: a label kept in the config (default ``"CosineDecay"``).
      warmup_target: the rate reached at the end of warmup; None (default) means no
        warmup.
      warmup_steps: length of the warmup (default ``0``).

    Example: ``CosineDecay(0.1, decay_steps=100)(50)`` → 0.05.
    """

    def __init__(
        self,
        initial_learning_rate,
        decay_steps,
        alpha=0.0,
        name=None,
        warmup_target=None,
        warmup_steps=0,
    ):
        check_positive_steps(decay_steps, "decay_steps")
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.alpha = alpha
        self.name = name or "CosineDecay"
        self.warmup_target = warmup_target
        self.warmup_steps = warmup_steps

    def _decay(self, step, decay_steps, peak):
        fraction = step / decay_steps
        cosine = 0.5 * (1.0 + jnp.cos(jnp.asarray(math.pi, peak.dtype) * fraction))
        return peak * ((1 - self.alpha) * cosine + self.alpha)

    def __call__(self, step):
        initial = as_float(self.initial_learning_rate)
        dtype = initial.dtype
        decay_steps = jnp.asarray(self.decay_steps, dtype)
        step = jnp.asarray(step).astype(dtype)
        if self.warmup_target is None:
            return self._decay(jnp.minimum(step, decay_steps), decay_steps, initial)
        target = jnp.asarray(self.warmup_target, dtype)
        warmup_steps = jnp.asarray(self.warmup_steps, dtype)
        step = jnp.minimum(step, decay_steps + warmup_steps)
        warming = (target - initial) * (step / warmup_steps) + initial
        decaying = self._decay(step - warmup_steps, decay_steps, target)
        return jnp.where(step < warmup_steps, warming, decaying)

    def get_config(self) -> dict:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "alpha": self.alpha,
            "name": self.name,
            "warmup_target": self.warmup_target,
            "warmup_steps": self.warmup_steps,
        }


class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decay with warm restarts (SGDR, Loshchilov & Hutter 2017).

    The first period lasts ``first_decay_steps`` steps; each later period is
    ``t_mul`` times longer than the previous one and starts from ``m_mul`` times the
    previous peak. Within a period the rate follows
    ``peak * ((1 - alpha) * 0.5 * (1 + cos(pi * fraction)) + alpha)``.

    Args:
      initial_learning_rate: the rate at step 0.
      first_decay_steps: positive length of the first period.
      t_mul: growth factor of the period length (default ``2.0``).
      m_mul: factor on the peak at each restart (default ``1.0``).
      alpha: the floor as a fraction of the peak (default ``0.0``).
      name: a label kept in the config (default ``"SGDRDecay"``).

    Example: ``CosineDecayRestarts(0.1, first_decay_steps=10)(10)`` → 0.1 (a restart).
    """

    def __init__(
        self,
        initial_learning_rate,
        first_decay_steps,
        t_mul=2.0,
        m_mul=1.0,
        alpha=0.0,
        name=None,
    ):
        check_positive_steps(first_decay_steps, "first_decay_steps")
        self.initial_learning_rate = initial_learning_rate
        self.first_decay_steps = first_decay_steps
        self.t_mul = t_mul
        self.m_mul = m_mul
        self.alpha = alpha
        self.name = name or "SGDRDecay"

    def __call__(self, step):
        initial = as_float(self.initial_learning_rate)
        dtype = initial.dtype
        alpha = jnp.asarray(self.alpha, dtype)
        t_mul = jnp.asarray(self.t_mul, dtype)
        fraction = jnp.asarray(step).astype(dtype) / jnp.asarray(self.first_decay_steps, dtype)
        if np.float32(self.t_mul) == 1.0:
            restart = floor_ratio(step, self.first_decay_steps, dtype)
            fraction = fraction - restart
        else:
            # Periods grow geometrically: restart i begins at (1 - t_mul**i) / (1 - t_mul).
            restart = jnp.floor(jnp.log(1.0 - fraction * (1.0 - t_mul)) / jnp.log(t_mul))
            elapsed = (1.0 - jnp.power(t_mul, restart)) / (1.0 - t_mul)
            fraction = (fraction - elapsed) / jnp.power(t_mul, restart)
        peak = jnp.power(jnp.asarray(self.m_mul, dtype), restart)
        cosine = 0.5 * peak * (1.0 + jnp.cos(jnp.asarray(math.pi, dtype) * fraction))
        return initial * ((1 - alpha) * cosine + alpha)

    def get_config(self) -> dict:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "first_decay_steps": self.first_decay_steps,
            "t_mul": self.t_mul,
            "m_mul": self.m_mul,
            "alpha": self.alpha,
            "name": self.name,
        }
