"""Training under mixed policies on the real MNIST test split: the same losses as float32
within 2 %, losses computed in float32, float32 weights throughout."""

from pathlib import Path

import jax
import numpy as np
import pytest

import lamina
from lamina import layers, mixed_precision, optimizers
from lamina.datasets.idx import load_split

MNIST = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "mnist"
EPOCHS = 3


@pytest.fixture(scope="module")
def mnist():
    x, y = load_split(str(MNIST), "t10k")
    return (x.reshape(len(x), -1) / 255.0).astype("float32"), y.astype("int32")


def train(x, y, policy, optimizer):
    """An MLP created under the global ``policy``, trained with ``fit``: its history,
    the model and the loss function."""
    mixed_precision.set_dtype_policy(policy)
    lamina.utils.set_random_seed(0)
    model = lamina.Sequential(
        [
            lamina.Input((784,)),
            layers.Dense(128, activation="relu"),
            layers.Dense(64, activation="relu"),
            layers.Dense(10),
        ]
    )
    mixed_precision.set_dtype_policy(None)
    loss = lamina.losses.SparseCategoricalCrossentropy(from_logits=True)
    model.compile(optimizer=optimizer, loss=loss)
    history = model.fit(x, y, batch_size=128, epochs=EPOCHS, shuffle=False, verbose=0)
    return history.history["loss"], model


@pytest.fixture(scope="module")
def float32_run(mnist):
    return train(*mnist, "float32", optimizers.Adam(1e-3))


def test_mixed_bfloat16_reaches_the_float32_loss_within_2_percent(mnist, float32_run):
    x, y = mnist
    reference, float32_model = float32_run
    losses, model = train(x, y, "mixed_bfloat16", optimizers.Adam(1e-3))
    assert losses[-1] == pytest.approx(reference[-1], rel=0.02)
    assert losses[-1] < 0.5 * losses[0]  # it learned
    assert [w.dtype for w in model.weights] == [w.dtype for w in float32_model.weights]
    assert {w.dtype for w in model.weights} == {"float32"}
    # The loss is computed in float32 from the bfloat16 logits: it equals NumPy's
    # cross-entropy (float64) of the same logits to float32 precision.
    logits = model.predict(x[:512], verbose=0)
    assert logits.dtype == jax.numpy.bfloat16
    value = model.compute_loss(x[:512], y[:512], jax.numpy.asarray(logits))
    z = logits.astype("float64")
    z = z - z.max(1, keepdims=True)
    log_probs = z - np.log(np.exp(z).sum(1, keepdims=True))
    assert value.dtype == np.float32
    assert float(value) == pytest.approx(-log_probs[np.arange(512), y[:512]].mean(), rel=1e-6)


def test_mixed_float16_with_loss_scaling_converges_like_float32(mnist, float32_run):
    x, y = mnist
    reference, _ = float32_run
    opt = optimizers.LossScaleOptimizer(optimizers.Adam(1e-3))
    losses, model = train(x, y, "mixed_float16", opt)
    assert model.layers[0].compute_dtype == "float16"
    assert losses[-1] == pytest.approx(reference[-1], rel=0.02)
    assert np.isfinite(opt.dynamic_scale) and opt.iterations > 0
