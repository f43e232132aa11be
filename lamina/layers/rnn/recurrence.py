"""The time loop of every recurrent layer: one ``jax.lax.scan``, masks included."""

import jax
import jax.numpy as jnp
from jax.ad_checkpoint import checkpoint_name

# What a checkpointed step keeps for the backward pass (see ``scan_steps``' ``remat``).
GATES = "lamina_rnn_gates"

# None: decide by platform (see ``hoist_input_projection``); True/False force it.
HOIST_INPUT_PROJECTION = None


def hoist_input_projection() -> bool:
    """Whether a built-in cell's ``inputs @ kernel`` runs for the whole sequence before
    the time loop (one large matmul) rather than inside it (one small one per step).

    Large matmuls usually win on accelerators (cuDNN hoists it too; not measured
    here). On XLA:CPU hoisting gained nothing for LSTM(128) over (64, 100, 128),
    forward + backward: equal on a quiet 2-core machine, up to 3x slower on a busy
    one, where the (timesteps, batch, 4*units) projection and its gradient cost
    more memory traffic than the per-step matmuls they replace
    (``benchmarks/layers.py``).
    """
    if HOIST_INPUT_PROJECTION is not None:
        return HOIST_INPUT_PROJECTION
    return jax.default_backend() != "cpu"


def gates(x):
    """Mark a cell's pre-activations as the values its backward pass keeps."""
    return checkpoint_name(x, GATES)


def scan_steps(
    step,
    inputs,
    states,
    initial_output,
    mask=None,
    *,
    return_sequences=True,
    zero_output_for_mask=False,
    unroll=False,
    remat=False,
    owner="RNN",
):
    """Run ``step(x_t, states) -> (output_t, new_states)`` along axis 0 of ``inputs``.

    Args:
      inputs: time-major ``(timesteps, batch, ...)`` array (or pytree of them).
      states: the starting states, any pytree of ``(batch, ...)`` arrays; the step
        must return new states of the same structure, shapes and dtypes.
      initial_output: ``(batch, output_size)``, what a masked first step outputs.
      mask: ``(timesteps, batch)`` bool or None. At a masked step the states carry
        through unchanged and the output repeats the previous one (zeros in the
        returned sequence with ``zero_output_for_mask``).
      return_sequences: also stack the per-step outputs (else only the last).
      unroll: passed to ``lax.scan`` (True unrolls the loop completely).
      remat: checkpoint each step, keeping for the backward pass only the step's
        inputs and the values its cell marked with :func:`gates`; the rest (the
        activations) is recomputed. Storing a dozen per-step activations costs more
        than recomputing them: LSTM(128) over (64, 100, 128), forward + backward,
        ran 1.3x faster on a quiet 2-core XLA:CPU machine, about 2x on a busy one.
      owner: the layer named in errors.

    Returns ``(last_output, outputs or None, final_states)``; ``outputs`` is
    ``(timesteps, batch, output_size)``.
    """
    structure = jax.tree.structure(states)
    dtypes = [leaf.dtype for leaf in jax.tree.leaves(states)]

    def normalized(new_states):
        # Cells may return a tuple for a list, or a bare array for ``[h]``.
        leaves = jax.tree.leaves(new_states)
        if len(leaves) != len(dtypes):
            raise ValueError(
                f"{owner}: the cell returned {len(leaves)} state tensor(s), expected"
                f" {len(dtypes)} (one per entry of its `state_size`)."
            )
        leaves = [jnp.asarray(x, dtype) for x, dtype in zip(leaves, dtypes)]
        return jax.tree.unflatten(structure, leaves)

    run = jax.checkpoint(step, policy=jax.checkpoint_policies.save_only_these_names(GATES))
    run = run if remat else step

    def body(carry, xs):
        states, previous = carry
        x_t, keep = xs if mask is not None else (xs, None)
        output, new_states = run(x_t, states)
        new_states = normalized(new_states)
        output = jnp.asarray(output, previous.dtype)
        if keep is None:
            return (new_states, output), output if return_sequences else None
        new_states = jax.tree.map(
            lambda new, old: jnp.where(_against(keep, new), new, old), new_states, states
        )
        kept = jnp.where(_against(keep, output), output, previous)
        emitted = jnp.where(_against(keep, output), output, 0) if zero_output_for_mask else kept
        return (new_states, kept), emitted if return_sequences else None

    xs = inputs if mask is None else (inputs, mask)
    (final_states, last_output), outputs = jax.lax.scan(
        body, (states, initial_output), xs, unroll=bool(unroll)
    )
    return last_output, outputs, final_states


def _against(keep, x):
    """The ``(batch,)`` step mask shaped to broadcast against ``x`` ``(batch, ...)``."""
    return keep.reshape(keep.shape + (1,) * (x.ndim - 1))
