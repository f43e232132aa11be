"""What the façade and the pure face cost over plain JAX (one process, same arrays).

1. An eager ``Dense`` call against the same ``jax.jit``-ed ``jax.numpy`` expression
   (target: within 3x), and the op-by-op eager call for reference.
2. ``jax.jit(model.apply)`` against a hand-written pure function of the same math,
   for a compute-bound MLP and the guide's VAE (target: within 2 %).

Run: ``python benchmarks/engine_overhead.py [--repeats N]``. Prints medians over
interleaved repeats and ratios to the plain-JAX baseline.
"""

import argparse
import os
import platform
import sys

import jax
import jax.numpy as jnp
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import compiled_ops, interleaved_medians, report  # noqa: E402

import lamina  # noqa: E402
from lamina import layers  # noqa: E402
from lamina.examples.vae import VariationalAutoEncoder  # noqa: E402


def eager_dense(repeats, batch, features, units):
    x = jnp.asarray(np.random.default_rng(0).normal(size=(batch, features)), jnp.float32)
    dense = layers.Dense(units, activation="relu")
    dense(x)
    w, b = dense.kernel.value, dense.bias.value
    expression = jax.jit(lambda x, w, b: jax.nn.relu(x @ w + b))

    def op_by_op():
        lamina.config.set_run_eagerly(True)
        try:
            return dense(x).block_until_ready()
        finally:
            lamina.config.set_run_eagerly(False)

    medians = interleaved_medians(
        {
            "jax.jit(relu(x @ w + b))": lambda: expression(x, w, b).block_until_ready(),
            "lamina Dense eager call (compiled)": lambda: dense(x).block_until_ready(),
            "lamina Dense eager call (run_eagerly)": op_by_op,
        },
        calls=300,
        repeats=repeats,
    )
    report(
        f"Eager Dense({units}, relu) on ({batch}, {features})", medians, "jax.jit(relu(x @ w + b))"
    )
    return medians


class MLP(lamina.Layer):
    def __init__(self, sizes):
        super().__init__()
        self.hidden = [layers.Dense(n, activation="relu") for n in sizes[:-1]]
        self.out = layers.Dense(sizes[-1])

    def call(self, x):
        for layer in self.hidden:
            x = layer(x)
        return self.out(x)


def mlp_by_hand(params, x):
    for i in range(len(params["hidden"])):
        p = params["hidden"][str(i)]
        x = jax.nn.relu(x @ p["kernel"] + p["bias"])
    return x @ params["out"]["kernel"] + params["out"]["bias"]


def vae_by_hand(params, state, x):
    """The guide's VAE forward pass and KL term, written against its params dict."""
    dense = lambda p, v: v @ p["kernel"] + p["bias"]
    enc, dec = params["encoder"], params["decoder"]
    h = jax.nn.relu(dense(enc["dense_proj"], x))
    z_mean, z_log_var = dense(enc["dense_mean"], h), dense(enc["dense_log_var"], h)
    key = jax.random.wrap_key_data(state["encoder"]["sampling"]["seed_generator"]["state"])
    new_key, sub = jax.random.split(key)
    z = z_mean + jnp.exp(0.5 * z_log_var) * jax.random.normal(sub, z_mean.shape)
    kl = -0.5 * jnp.mean(z_log_var - jnp.square(z_mean) - jnp.exp(z_log_var) + 1)
    out = jax.nn.sigmoid(dense(dec["dense_output"], jax.nn.relu(dense(dec["dense_proj"], z))))
    new_state = {
        "encoder": {"sampling": {"seed_generator": {"state": jax.random.key_data(new_key)}}}
    }
    return out, new_state, [kl]


def jit_apply(repeats):
    results = {}
    x = jnp.asarray(np.random.default_rng(0).normal(size=(256, 784)), jnp.float32)
    mlp = MLP([1024, 1024, 10])
    params, state = mlp.init(jax.random.key(0), x)
    lamina_fn = jax.jit(lambda p, s, x: mlp.apply(p, s, x)[0])
    hand_fn = jax.jit(lambda p, s, x: mlp_by_hand(p, x))
    np.testing.assert_allclose(
        lamina_fn(params, state, x), hand_fn(params, state, x), rtol=1e-4, atol=1e-4
    )
    medians = interleaved_medians(
        {
            "hand-written jit (MLP 784-1024-1024-10, b256)": lambda: hand_fn(
                params, state, x
            ).block_until_ready(),
            "jax.jit(model.apply) (same MLP)": lambda: lamina_fn(
                params, state, x
            ).block_until_ready(),
        },
        calls=20,
        repeats=repeats,
    )
    same = compiled_ops(lamina_fn, params, state, x) == compiled_ops(hand_fn, params, state, x)
    print(f"  identical compiled XLA programs: {same}")
    report(
        "Forward pass, compute-bound MLP",
        medians,
        "hand-written jit (MLP 784-1024-1024-10, b256)",
        1e-3,
        "ms",
    )
    results["mlp"] = medians

    xb = x[:64]
    vae = VariationalAutoEncoder(784, 64, 32)
    params, state = vae.init(jax.random.key(0), xb)

    def lamina_loss(p, s, x):
        y, s, losses = vae.apply(p, s, x, training=True, return_losses=True)
        return jnp.mean((y - x) ** 2) + sum(losses), s

    def hand_loss(p, s, x):
        y, s, losses = vae_by_hand(p, s, x)
        return jnp.mean((y - x) ** 2) + sum(losses), s

    lamina_step = jax.jit(jax.value_and_grad(lamina_loss, has_aux=True))
    hand_step = jax.jit(jax.value_and_grad(hand_loss, has_aux=True))
    (l1, _), _ = lamina_step(params, state, xb)
    (l2, _), _ = hand_step(params, state, xb)
    np.testing.assert_allclose(l1, l2, rtol=1e-5)
    medians = interleaved_medians(
        {
            "hand-written jit value_and_grad (VAE, b64)": lambda: jax.block_until_ready(
                hand_step(params, state, xb)
            ),
            "jit(value_and_grad(model.apply)) (same VAE)": lambda: jax.block_until_ready(
                lamina_step(params, state, xb)
            ),
        },
        calls=200,
        repeats=repeats,
    )
    same = compiled_ops(lamina_step, params, state, xb) == compiled_ops(
        hand_step, params, state, xb
    )
    print(f"  identical compiled XLA programs: {same}")
    report(
        "Loss and gradients, the guide's VAE", medians, "hand-written jit value_and_grad (VAE, b64)"
    )
    results["vae"] = medians
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores,"
        f" jax {jax.__version__} on {jax.devices()[0].platform}"
    )
    eager_dense(args.repeats, 8, 16, 16)  # dispatch-bound: the façade's cost shows
    eager_dense(args.repeats, 32, 128, 64)
    jit_apply(args.repeats)


if __name__ == "__main__":
    main()
