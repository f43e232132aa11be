"""Compiling steps: one step per call, or K steps fused into one call.

On XLA:CPU a convolution's weight gradient inside a ``lax.scan`` body is many times
slower than outside it (jax-ml/jax#12868), while for dense models a scan compiles K
steps for the price of one. So K steps are fused with ``lax.scan`` unless the step
contains a convolution and runs on CPU, where the K steps are unrolled instead
(``benchmarks/fit_overhead.py`` measures both; see docs/decisions/0004).
"""

import jax


def fuse_mode(step, example_state, example_batch) -> str:
    """``"scan"`` or ``"unroll"`` for ``step`` on the current backend (see module doc)."""
    if jax.default_backend() != "cpu":
        return "scan"
    # The printed jaxpr includes every nested sub-jaxpr (grads, scans, conds).
    text = str(jax.make_jaxpr(step)(example_state, example_batch))
    return "unroll" if "conv_general_dilated" in text else "scan"


def multi_step(step, k: int, mode: str):
    """``fn(carry, blocks) -> (logs, carry)`` running ``step`` on each of ``k`` stacked
    batches (leading axis ``k``); the logs are the last step's."""
    if mode == "unroll":

        def unrolled(carry, blocks):
            logs = None
            for i in range(k):
                logs, carry = step(carry, jax.tree.map(lambda a, i=i: a[i], blocks))
            return logs, carry

        return unrolled

    def scanned(carry, blocks):
        def body(carry, batch):
            logs, carry = step(carry, batch)
            return carry, logs

        carry, logs = jax.lax.scan(body, carry, blocks)
        return jax.tree.map(lambda a: a[-1], logs), carry

    return scanned


def compile_step(fn, jit: bool, donate: bool, layout=None):
    """``fn`` under ``jax.jit`` (donating the carried state) unless ``jit`` is False.

    ``layout(carry) -> carry``, when given (a distribution is active), lays out the
    carried state that ``fn`` returns, typically with sharding constraints: the
    inputs arrive placed (``jax.jit`` takes their shardings as they are), and the
    outputs leave with the same layout, so the next step finds them where they were.
    """
    if layout is not None:
        step = fn

        def fn(carry, batch):
            logs, carry = step(carry, batch)
            return logs, layout(carry)

    if not jit:
        return fn
    return jax.jit(fn, donate_argnums=(0,) if donate else ())
