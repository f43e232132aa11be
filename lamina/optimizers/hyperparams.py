"""Reading and replacing the learning rate held in an ``optax.inject_hyperparams`` state.

The training loop keeps the optimizer state on the device and compiles its step once.
Changing the learning rate must therefore swap one scalar in the state for another of
the same shape, dtype and placement, so that the compiled step is reused as it is.
"""

import jax
import numpy as np
import optax

InjectState = optax.InjectStatefulHyperparamsState


def learning_rate_in(state) -> float:
    """The learning rate stored in ``state`` (an ``inject_hyperparams`` state) as a float."""
    return float(np.asarray(state.hyperparams["learning_rate"]))


def is_scheduled(state) -> bool:
    """Whether ``state``'s learning rate comes from a schedule (recomputed every step)."""
    return "learning_rate" in state.hyperparams_states


def with_learning_rate(state, value: float):
    """A copy of ``state`` whose learning rate is ``value``; every other leaf is shared.

    The new scalar is built on the host and placed like the old one (same dtype and
    sharding), so a step compiled for ``state`` accepts the result without retracing.
    """
    old = state.hyperparams["learning_rate"]
    new = np.asarray(value, dtype=getattr(old, "dtype", np.float32))
    if isinstance(old, jax.Array):
        new = jax.device_put(new, old.sharding) if old.committed else jax.numpy.asarray(new)
    return state._replace(hyperparams={**state.hyperparams, "learning_rate": new})
