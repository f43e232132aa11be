"""docs/custom_train_step.md's GAN runs, and its generator learns the data's mean."""

import re
from pathlib import Path

import jax
import numpy as np

DOC = Path(__file__).resolve().parents[2] / "docs" / "custom_train_step.md"


def test_the_documented_gan_trains():
    code = re.search(r"```python\n(.*?)```", DOC.read_text(), re.S).group(1)
    namespace = {}
    exec(compile(code, str(DOC), "exec"), namespace)  # noqa: S102 - our own documentation
    gan = namespace["gan"]
    z = jax.random.normal(jax.random.key(7), (4096, gan.latent_dim))
    samples = np.asarray(gan.generator(z))
    assert abs(samples.mean() - 3.0) < 1.0, samples.mean()
    history = gan.history.history
    assert set(history) == {"d_loss", "g_loss"} and len(history["d_loss"]) == 30
