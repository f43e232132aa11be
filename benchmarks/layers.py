"""Built-in layers against Keras 3 (JAX backend), one compiled training step each.

For every case: loss and gradients w.r.t. the parameters,
``jax.jit(jax.value_and_grad(loss))``, where the loss is the mean square of the
layer's output; lamina runs ``layer.apply(params, state, x)``, Keras its
``stateless_call`` on the same weights (copied over, and the two losses checked
equal first). Timed in alternation in one process; prints medians and the
lamina/Keras ratio (target: ≤ 1).

A case is one :class:`Case` in ``CASES``: a name, an input shape, and two
builders returning the (unbuilt) lamina and Keras layers with the same weights
layout. Run: ``python benchmarks/layers.py [--repeats N] [--only SUBSTRING]``.
"""

import argparse
import inspect
import os
import platform
import sys
from collections.abc import Callable
from dataclasses import dataclass

os.environ.setdefault("KERAS_BACKEND", "jax")

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import keras  # noqa: E402
from common import interleaved_medians  # noqa: E402

from lamina import layers  # noqa: E402


@dataclass
class Case:
    """One layer benchmarked against its Keras twin.

    ``lamina``/``keras`` build the two layers (unbuilt); their weights must list in
    the same order and shapes (lamina's are copied into Keras). ``calls`` is the
    number of steps per timed sample.
    """

    name: str
    input_shape: tuple
    lamina: Callable
    keras: Callable
    calls: int = 5


CASES = [
    Case(
        "LSTM(128), batch 64, 100 steps, 128 features",
        (64, 100, 128),
        lambda: layers.LSTM(128),
        lambda: keras.layers.LSTM(128),
    ),
    Case(
        "LSTM(128, return_sequences=True), same input",
        (64, 100, 128),
        lambda: layers.LSTM(128, return_sequences=True),
        lambda: keras.layers.LSTM(128, return_sequences=True),
    ),
    Case(
        "Conv2D(64, 3, same, relu), batch 64, 32x32x32",
        (64, 32, 32, 32),
        lambda: layers.Conv2D(64, 3, padding="same", activation="relu"),
        lambda: keras.layers.Conv2D(64, 3, padding="same", activation="relu"),
    ),
    Case(
        "Conv2D(32, 3, strides 2), batch 64, 28x28x1 (MNIST-sized)",
        (64, 28, 28, 1),
        lambda: layers.Conv2D(32, 3, strides=2),
        lambda: keras.layers.Conv2D(32, 3, strides=2),
        calls=20,
    ),
]


def mean_square(outputs):
    return sum(jnp.mean(jnp.square(y)) for y in jax.tree.leaves(outputs))


def lamina_step(layer, x):
    """The compiled step and its arguments, for a lamina layer."""
    params, state = layer.init(jax.random.key(0), x)

    def loss(params, state, x):
        y, _ = layer.apply(params, state, x, training=True)
        return mean_square(y)

    return jax.jit(jax.value_and_grad(loss)), (params, state, x)


def keras_step(layer, x, weights):
    """The compiled step and its arguments, for a Keras layer given lamina's weights."""
    layer.build(x.shape)
    layer.set_weights(weights)
    trainable = [v.value for v in layer.trainable_variables]
    non_trainable = [v.value for v in layer.non_trainable_variables]
    # Keras passes `training` only to layers whose call takes it (its Conv does not).
    kwargs = {"training": True} if "training" in inspect.signature(layer.call).parameters else {}

    def loss(trainable, non_trainable, x):
        y, _ = layer.stateless_call(trainable, non_trainable, x, **kwargs)
        return mean_square(y)

    return jax.jit(jax.value_and_grad(loss)), (trainable, non_trainable, x)


def run_case(case, repeats):
    x = jnp.asarray(np.random.default_rng(0).normal(size=case.input_shape), jnp.float32)
    ours = case.lamina()
    ours_step, ours_args = lamina_step(ours, x)
    ours.merge(*ours_args[:2])
    weights = [np.asarray(w.numpy()) for w in ours.weights]
    theirs_step, theirs_args = keras_step(case.keras(), x, weights)
    (ours_loss, _), (theirs_loss, _) = ours_step(*ours_args), theirs_step(*theirs_args)
    np.testing.assert_allclose(ours_loss, theirs_loss, rtol=1e-4)
    medians = interleaved_medians(
        {
            "lamina": lambda: jax.block_until_ready(ours_step(*ours_args)),
            "keras": lambda: jax.block_until_ready(theirs_step(*theirs_args)),
        },
        calls=case.calls,
        repeats=repeats,
    )
    ratio = medians["lamina"] / medians["keras"]
    print(f"\n{case.name}: forward + backward, jit(value_and_grad)")
    print(f"  lamina layer.apply            {medians['lamina'] * 1e3:9.2f} ms")
    print(f"  keras stateless_call          {medians['keras'] * 1e3:9.2f} ms")
    print(f"  lamina / keras                {ratio:9.2f}")
    return medians


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--only", default="", help="run the cases whose name contains this")
    args = parser.parse_args()
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores,"
        f" jax {jax.__version__} on {jax.devices()[0].platform}, keras {keras.__version__}"
    )
    for case in CASES:
        if args.only in case.name:
            run_case(case, args.repeats)


if __name__ == "__main__":
    main()
