"""ModelCheckpoint writing through an OrbaxCheckpointer (single device, in process)."""

import jax
import numpy as np
import pytest

import lamina
from lamina import layers
from lamina.saving import LoadError

orbax_io = pytest.importorskip("lamina.saving.orbax_io", reason="orbax-checkpoint not installed")


def model(names=("hidden", "head")):
    m = lamina.Sequential(
        [lamina.Input((3,)), layers.Dense(4, name=names[0]), layers.Dense(1, name=names[1])]
    )
    m.compile(optimizer="adam", loss="mse")
    return m


def test_each_epoch_is_a_step_and_the_newest_restores(tmp_path):
    x = np.random.default_rng(0).normal(size=(16, 3)).astype("float32")
    y = x.sum(axis=1, keepdims=True)
    trained = model()
    checkpointer = orbax_io.OrbaxCheckpointer(tmp_path / "ckpt", max_to_keep=2)
    callback = lamina.callbacks.ModelCheckpoint(None, checkpointer=checkpointer)
    trained.fit(x, y, batch_size=8, epochs=3, verbose=0, callbacks=[callback])
    assert checkpointer.all_steps() == [2, 3]
    restored = model()
    restored.fit(x, y, batch_size=8, epochs=0, verbose=0)  # builds the optimizer state
    assert checkpointer.restore(restored) == 3
    for a, b in zip(restored.get_weights(), trained.get_weights()):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(restored.optimizer.state, trained.optimizer.state):
        for u, v in zip(jax.tree.leaves(a), jax.tree.leaves(b)):
            np.testing.assert_array_equal(u, v)
    renamed = model(names=("other", "head"))
    renamed.fit(x, y, batch_size=8, epochs=0, verbose=0)
    before = renamed.get_weights()
    with pytest.raises(LoadError, match=r"no values for .*other"):
        checkpointer.restore(renamed)
    for a, b in zip(renamed.get_weights(), before):
        np.testing.assert_array_equal(a, b)
    checkpointer.close()
