"""The headline: what ``fit`` costs over a hand-written ``jax.jit`` + optax loop.

In one process, on the same data (60,000 x 784 float32, batch 64, the guide's VAE,
Adam 1e-3):
  (a) a hand-written loop: one jitted step (optax, donated buffers), batches sliced
      from host NumPy;
  (b) lamina ``fit``;  (c) lamina ``fit`` with ``steps_per_execution=10``;
  (d) Keras 3 ``fit`` on its JAX backend (when installed).
Medians of ms/step over interleaved repeats (one epoch each), the ratios to (a), and
the first-call time (trace + compile + one step; median of 3 fresh instances). Then a
compute-bound MLP (784-1024-1024-10, batch 256) and a small CNN with batch normalization and dropout
(batch 128, steps_per_execution 1 vs 10), where fit gets (a)'s own optax.adam.

Run: ``python benchmarks/fit_overhead.py [--repeats 5] [--skip-keras] [--only vae,mlp,cnn]``
"""

import argparse
import os
import platform
import statistics
import sys
import time

os.environ.setdefault("KERAS_BACKEND", "jax")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import optax  # noqa: E402

import lamina  # noqa: E402
from lamina import layers, ops  # noqa: E402
from lamina.examples.vae import VariationalAutoEncoder  # noqa: E402


def load_x(n=60000):
    try:
        (x, _), _ = lamina.datasets.fashion_mnist.load_data()
        x = x[:n].reshape(-1, 784).astype("float32") / 255
        return x, "Fashion-MNIST train (60,000 x 784)"
    except lamina.datasets.DatasetError:
        rng = np.random.default_rng(0)
        return rng.random((n, 784), dtype=np.float32), "uniform noise (60,000 x 784)"


# ------------------------------------------------------------------ (a) by hand
def hand_loop(make_model, loss_of, x, y, batch, lr=1e-3, optimizer=None):
    """A plain jitted optax step over ``model.apply``'s math, fed from host NumPy."""
    return lambda: _hand_loop(make_model(), loss_of, x, y, batch, lr, optimizer)


def _hand_loop(model, loss_of, x, y, batch, lr, optimizer):
    optimizer = optimizer or optax.adam(lr, eps=1e-7)

    def step(params, state, opt_state, xb, yb):
        def objective(p):
            pred, new_state, losses = model.apply(p, state, xb, training=True, return_losses=True)
            return loss_of(yb, pred) + sum(losses), new_state

        (loss, new_state), grads = jax.value_and_grad(objective, has_aux=True)(params)
        updates, opt_state = optimizer.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), new_state, opt_state, loss

    step = jax.jit(step, donate_argnums=(0, 1, 2))
    carry = {}
    rng = np.random.default_rng(0)

    def first_call():
        """Like fit's first call: build and initialise the model and optimizer, one step."""
        start = time.perf_counter()
        params, state = model.init(jax.random.key(0), x[:batch])
        out = step(params, state, optimizer.init(params), x[:batch], y[:batch])
        jax.block_until_ready(out)
        carry.update(p=out[0], s=out[1], o=out[2])
        return time.perf_counter() - start

    def epoch():
        order = rng.permutation(len(x))
        loss = None
        for i in range(len(x) // batch):
            idx = order[i * batch : (i + 1) * batch]
            carry["p"], carry["s"], carry["o"], loss = step(
                carry["p"], carry["s"], carry["o"], x[idx], y[idx]
            )
        jax.block_until_ready(loss)
        return len(x) // batch

    return first_call, epoch


def fit_candidate(model, x, y, batch):
    """``(first_call, epoch)`` timers for a compiled Keras-like ``model``."""

    def first_call():
        start = time.perf_counter()
        model.fit(x[:batch], y[:batch], batch_size=batch, epochs=1, verbose=0, shuffle=False)
        return time.perf_counter() - start

    def epoch():
        n = len(x) // batch * batch
        model.fit(x[:n], y[:n], batch_size=batch, epochs=1, verbose=0)
        return n // batch

    return first_call, epoch


def lamina_fit(make_model, loss, x, y, batch, k=1, fuse="auto", optimizer=None):
    def build():
        model = make_model()
        opt = optimizer() if optimizer else lamina.optimizers.Adam(1e-3)
        model.compile(opt, loss=loss, steps_per_execution=k)
        model.fuse_steps = fuse
        return fit_candidate(model, x, y, batch)

    return build


def keras_fit(make_model, loss, x, y, batch):
    import keras

    def build():
        model = make_model()
        model.compile(keras.optimizers.Adam(1e-3), loss=loss)
        return fit_candidate(model, x, y, batch)

    return build


def compare(title, builders, repeats, first_calls=3):
    """Interleaved epochs; median ms/step and ratio to the first candidate; the median
    first-call time (trace + compile + one step) over ``first_calls`` fresh instances."""
    firsts = {
        name: statistics.median(build()[0]() for _ in range(first_calls))
        for name, build in builders.items()
    }
    candidates = {name: build() for name, build in builders.items()}
    for first_call, epoch in candidates.values():
        first_call()
        epoch()  # warm: the short-last-batch compile, caches
    samples = {name: [] for name in candidates}
    for _ in range(repeats):
        for name, (_, epoch) in candidates.items():
            start = time.perf_counter()
            steps = epoch()
            samples[name].append((time.perf_counter() - start) / steps)
    base_name = next(iter(candidates))
    base, base_first = statistics.median(samples[base_name]), firsts[base_name]
    print(f"\n{title}")
    print(f"  {'':<38}{'ms/step':>9}{'ratio':>8}{'first call s':>14}{'ratio':>8}")
    for name in candidates:
        med = statistics.median(samples[name])
        print(
            f"  {name:<38}{med * 1e3:9.3f}{med / base:8.3f}{firsts[name]:14.2f}"
            f"{firsts[name] / base_first:8.2f}"
        )


# ------------------------------------------------------------------------ models
def mse(y, p):
    return jnp.mean(jnp.square(y - p))


def sparse_ce(y, logits):
    return jnp.mean(optax.softmax_cross_entropy_with_integer_labels(logits, y))


class MLP(lamina.Model):
    def __init__(self):
        super().__init__()
        self.h1 = layers.Dense(1024, activation="relu")
        self.h2 = layers.Dense(1024, activation="relu")
        self.out = layers.Dense(10)

    def call(self, x):
        return self.out(self.h2(self.h1(x)))


class Conv(lamina.layers.Layer):
    """3x3 'same' convolution + ReLU, written with lamina.ops (the guide's way)."""

    def __init__(self, filters, **kwargs):
        super().__init__(**kwargs)
        self.filters = filters

    def build(self, shape):
        self.kernel = self.add_weight(shape=(3, 3, shape[-1], self.filters))
        self.bias = self.add_weight(shape=(self.filters,), initializer="zeros")

    def call(self, x):
        return ops.relu(ops.conv(x, self.kernel, padding="same") + self.bias)


class BatchNorm(lamina.layers.Layer):
    def build(self, shape):
        c = shape[-1]
        self.gamma = self.add_weight(shape=(c,), initializer="ones")
        self.beta = self.add_weight(shape=(c,), initializer="zeros")
        self.mean = self.add_weight(shape=(c,), initializer="zeros", trainable=False)
        self.var = self.add_weight(shape=(c,), initializer="ones", trainable=False)

    def call(self, x, training=None):
        if training:
            mean, var = ops.mean(x, axis=(0, 1, 2)), ops.var(x, axis=(0, 1, 2))
            self.mean.assign(0.99 * self.mean + 0.01 * mean)
            self.var.assign(0.99 * self.var + 0.01 * var)
        else:
            mean, var = self.mean, self.var
        return self.gamma * (x - mean) / ops.sqrt(var + 1e-3) + self.beta


class CNN(lamina.Model):
    def __init__(self):
        super().__init__()
        self.conv1, self.bn1 = Conv(16), BatchNorm()
        self.conv2, self.bn2 = Conv(32), BatchNorm()
        self.seed_generator = lamina.random.SeedGenerator(0)
        self.out = layers.Dense(10)

    def call(self, x, training=None):
        x = ops.reshape(x, (-1, 28, 28, 1))
        x = ops.max_pool(self.bn1(self.conv1(x), training=training), 2, 2)
        x = ops.max_pool(self.bn2(self.conv2(x), training=training), 2, 2)
        x = ops.reshape(x, (ops.shape(x)[0], -1))
        if training:
            x = lamina.random.dropout(x, 0.3, seed=self.seed_generator)
        return self.out(x)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--skip-keras", action="store_true")
    parser.add_argument("--only", default="vae,mlp,cnn")
    args = parser.parse_args()
    parts = args.only.split(",")
    x, what = load_x()
    labels = np.random.default_rng(0).integers(0, 10, len(x)).astype("int32")
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, jax {jax.__version__}"
        f" on {jax.devices()[0].platform}; data: {what}"
    )

    if "vae" in parts:
        make = lambda: VariationalAutoEncoder(784, 64, 32)
        candidates = {
            "(a) hand-written jit + optax loop": hand_loop(make, mse, x, x, 64),
            "(a') the same, lamina's (Keras) Adam": hand_loop(
                make, mse, x, x, 64, optimizer=lamina.optimizers.Adam(1e-3)
            ),
            "(b) lamina fit": lamina_fit(make, lamina.losses.MeanSquaredError(), x, x, 64),
            "(c) lamina fit, steps_per_execution=10": lamina_fit(
                make, lamina.losses.MeanSquaredError(), x, x, 64, k=10
            ),
            "(c') the same, forced unrolled fusion": lamina_fit(
                make, lamina.losses.MeanSquaredError(), x, x, 64, k=10, fuse="unroll"
            ),
        }
        if not args.skip_keras:
            import keras

            sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
            from benchmarks_keras_vae import make_keras_vae

            candidates["(d) Keras 3 fit (JAX backend)"] = keras_fit(
                make_keras_vae, keras.losses.MeanSquaredError(), x, x, 64
            )
        compare("The guide's VAE, batch 64", candidates, args.repeats)

    # For the MLP and the CNN, fit gets the very optax.adam of (a): only the loop differs.
    same_adam = lambda: optax.adam(1e-3, eps=1e-7)  # noqa: E731
    if "mlp" in parts:
        loss = lamina.losses.SparseCategoricalCrossentropy(from_logits=True)
        compare(
            "MLP 784-1024-1024-10, batch 256",
            {
                "(a) hand-written jit + optax loop": hand_loop(MLP, sparse_ce, x, labels, 256),
                "(b) lamina fit": lamina_fit(MLP, loss, x, labels, 256, optimizer=same_adam),
            },
            args.repeats,
        )

    if "cnn" in parts:
        loss = lamina.losses.SparseCategoricalCrossentropy(from_logits=True)
        xs, ys = x[:12800], labels[:12800]
        compare(
            "CNN with batch norm and dropout, batch 128",
            {
                "(a) hand-written jit + optax loop": hand_loop(CNN, sparse_ce, xs, ys, 128),
                "(b) lamina fit": lamina_fit(CNN, loss, xs, ys, 128, optimizer=same_adam),
                "(c) lamina fit, steps_per_execution=10": lamina_fit(
                    CNN, loss, xs, ys, 128, k=10, optimizer=same_adam
                ),
                "(c') the same, forced lax.scan fusion": lamina_fit(
                    CNN, loss, xs, ys, 128, k=10, fuse="scan", optimizer=same_adam
                ),
            },
            args.repeats,
        )


if __name__ == "__main__":
    main()
