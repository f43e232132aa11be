"""The Keras subclassing guide, up to "The Model class", runs on lamina as printed."""

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NUMBER = r"-?\d+\.\d+(?:e-?\d+)?"

# What the guide prints, with its random numbers as patterns.
EXPECTED = [
    rf"\[\[\s*{NUMBER}\s+{NUMBER}\s+{NUMBER}\s+{NUMBER}\s*\]",
    rf"\s*\[\s*{NUMBER}\s+{NUMBER}\s+{NUMBER}\s+{NUMBER}\s*\]\]",
    r"\[2\. 2\.\]",
    r"\[4\. 4\.\]",
    r"weights: 1",
    r"non-trainable weights: 1",
    r"trainable_weights: \[\]",
    r"weights: 6",
    r"trainable weights: 6",
    rf"\[Array\({NUMBER}, dtype=float32\)\]",
    rf"1/1 ━{{20}} \d+s \d+ms/step - loss: {NUMBER}",
    rf"1/1 ━{{20}} \d+s \d+ms/step - loss: {NUMBER}",
    r"\{'units': 64\}",
    r"\{'name': 'linear_7', 'trainable': True, 'dtype': 'float32', 'units': 64\}",
    r"dropout kept: \d+ of 32",
    r"masked mean ignores padding: True",
]


def test_guide_blocks_print_what_the_guide_prints():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.run(
        [sys.executable, "-m", "lamina.examples.guide_layers"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    lines = run.stdout.strip().splitlines()
    assert len(lines) == len(EXPECTED), run.stdout
    for pattern, line in zip(EXPECTED, lines):
        assert re.fullmatch(pattern, line), (pattern, line)


def test_regularization_loss_is_the_l2_of_the_kernel():
    import jax.numpy as jnp
    import numpy as np

    import lamina as keras

    class OuterLayerWithKernelRegularizer(keras.layers.Layer):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(32, kernel_regularizer=keras.regularizers.l2(1e-3))

        def call(self, inputs):
            return self.dense(inputs)

    layer = OuterLayerWithKernelRegularizer()
    layer(jnp.zeros((1, 1)))
    np.testing.assert_allclose(
        layer.losses[0], 1e-3 * np.sum(layer.dense.kernel.numpy() ** 2), rtol=1e-6
    )
