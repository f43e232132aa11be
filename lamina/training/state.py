"""``TrainState``: everything a training step reads and returns, as one pytree."""

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp


class TrainState(NamedTuple):
    """The carried state of training.

    Attributes:
      params: trainable values, nested dicts keyed by attribute path (``model.split()[0]``).
      state: non-trainable values (statistics, seed-generator keys, frozen weights).
      opt_state: the optimizer's (optax) state.
      metrics: ``{metric_name: metric_state}`` for the loss tracker and compiled metrics.
    """

    params: Any
    state: Any
    opt_state: Any
    metrics: Any


def copy_tree(tree):
    """A copy of every array in ``tree``: steps donate their inputs, so values the façade
    (or a caller) keeps must not be the buffers a step receives."""
    return jax.tree.map(jnp.copy, tree)
