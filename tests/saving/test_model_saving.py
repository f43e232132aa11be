"""model.save / load_model and save_weights / load_weights, end to end."""

import io
import json
import os
import zipfile

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import lamina
from lamina import layers
from lamina.saving import LoadError, WeightsMismatchError, register_serializable

X = np.random.default_rng(0).normal(size=(32, 6)).astype("float32")
Y = (X[:, :1] > 0).astype("float32")


@register_serializable(package="tests_saving")
class TwoLayer(lamina.Model):
    """A subclassed model with plain constructor arguments and no get_config."""

    def __init__(self, hidden=8, rate=0.25, **kwargs):
        super().__init__(**kwargs)
        self.hidden = layers.Dense(hidden, activation="relu")
        self.drop = layers.Dropout(rate, seed=3)
        self.out = layers.Dense(1)

    def call(self, x, training=None):
        return self.out(self.drop(self.hidden(x), training=training))


def functional():
    inputs = lamina.Input((6,))
    x = layers.Dense(8, activation="tanh")(inputs)
    x = layers.Dropout(0.25, seed=5)(x)
    return lamina.Model(inputs, layers.Dense(1)(x))


def sequential():
    return lamina.Sequential([lamina.Input((6,)), layers.Dense(8), layers.BatchNormalization(),
                              layers.Dense(1)])


def compiled(model):
    model.compile(
        optimizer=lamina.optimizers.Adam(1e-2),
        loss="binary_crossentropy",
        metrics=["accuracy"],
    )
    return model


BUILDERS = {"functional": functional, "sequential": sequential, "subclassed": TwoLayer}


@pytest.mark.parametrize("kind", sorted(BUILDERS))
def test_saved_model_predicts_identically_and_resumes_training_exactly(kind, tmp_path):
    path = tmp_path / "model.lamina"
    reference = compiled(BUILDERS[kind]())
    lamina.utils.set_random_seed(7)
    reference.fit(X, Y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    reference.save(path)
    loaded = lamina.models.load_model(path)
    assert type(loaded) is type(reference)
    np.testing.assert_array_equal(loaded.predict(X, verbose=0), reference.predict(X, verbose=0))
    for a, b in zip(loaded.variables, reference.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    # Same optimizer moments, step count and dropout stream: the same next epoch.
    reference.fit(X, Y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    loaded.fit(X, Y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    for a, b in zip(loaded.get_weights(), reference.get_weights()):
        np.testing.assert_array_equal(a, b)
    with zipfile.ZipFile(path) as archive:
        assert set(archive.namelist()) == {
            "config.json", "metadata.json", "model.safetensors", "optimizer.safetensors"
        }
        metadata = json.loads(archive.read("metadata.json"))
        assert metadata["jax_version"] == jax.__version__ and "saved_at" in metadata


def test_uncompiled_load_and_compile_false(tmp_path):
    model = functional()
    model.save(tmp_path / "m.lamina")
    loaded = lamina.models.load_model(tmp_path / "m.lamina")
    assert not loaded.compiled
    trained = compiled(functional())
    trained.fit(X, Y, epochs=1, verbose=0)
    trained.save(tmp_path / "t.lamina")
    assert not lamina.models.load_model(tmp_path / "t.lamina", compile=False).compiled


def test_a_raw_optax_optimizer_saves_the_model_with_a_warning(tmp_path):
    model = functional()
    model.compile(optimizer=optax.sgd(0.1), loss="mse")
    model.fit(X, Y, epochs=1, verbose=0)
    with pytest.warns(UserWarning, match="compile arguments cannot be saved"):
        model.save(tmp_path / "m.lamina")
    loaded = lamina.models.load_model(tmp_path / "m.lamina")
    assert not loaded.compiled
    np.testing.assert_array_equal(loaded.predict(X, verbose=0), model.predict(X, verbose=0))


def named(hidden):
    inputs = lamina.Input((6,))
    x = layers.Dense(hidden, activation="tanh", name="hidden")(inputs)
    return lamina.Model(inputs, layers.Dense(1, name="head")(x))


def test_weights_round_trip_into_a_renamed_twin(tmp_path):
    source = functional()
    source.save_weights(tmp_path / "w.safetensors")
    target = functional()  # same architecture, other layer names (dense_7 for dense_5)
    assert [v.path for v in target.variables] != [v.path for v in source.variables]
    target.load_weights(tmp_path / "w.safetensors")
    for a, b in zip(target.variables, source.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_a_mismatch_lists_every_path_and_leaves_the_model_unchanged(tmp_path):
    named(8).save_weights(tmp_path / "w.safetensors")
    other = named(4)
    before = [w.copy() for w in other.get_weights()]
    with pytest.raises(WeightsMismatchError) as info:
        other.load_weights(tmp_path / "w.safetensors")
    message = str(info.value)
    for line in (
        "hidden/kernel: expected shape (6, 4), found (6, 8)",
        "hidden/bias: expected shape (4,), found (8,)",
        "head/kernel: expected shape (4, 1), found (8, 1)",
        "3 mismatched path(s)",
    ):
        assert line in message
    for a, b in zip(other.get_weights(), before):
        np.testing.assert_array_equal(a, b)
    with pytest.warns(UserWarning, match="skipped 3 mismatched"):
        other.load_weights(tmp_path / "w.safetensors", skip_mismatch=True)
    np.testing.assert_array_equal(other.get_layer("head").bias.numpy(), np.zeros(1))


def test_load_weights_reads_a_model_archive(tmp_path):
    source = sequential()
    source.save(tmp_path / "m.lamina")
    target = sequential()
    target.load_weights(tmp_path / "m.lamina")
    for a, b in zip(target.get_weights(), source.get_weights()):
        np.testing.assert_array_equal(a, b)


def _rewrite_config(path, edit):
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    config = json.loads(members["config.json"])
    edit(config)
    members["config.json"] = json.dumps(config).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    path.write_bytes(buffer.getvalue())


@pytest.mark.parametrize("name", ["os.system", "builtins.eval", "posix>system", "subprocess"])
def test_an_archive_naming_a_dangerous_callable_is_refused_and_runs_nothing(
    name, tmp_path, monkeypatch
):
    called = []
    monkeypatch.setattr(os, "system", lambda *a: called.append(a))
    path = tmp_path / "evil.lamina"
    functional().save(path)

    def plant(config):
        config["model"]["config"]["layers"][0]["class_name"] = name
        config["model"]["config"]["layers"][0]["registered_name"] = name
        config["model"]["config"]["layers"][0]["module"] = name.split(".")[0]
        config["model"]["config"]["layers"][0]["config"] = {"command": "touch pwned"}

    _rewrite_config(path, plant)
    with pytest.raises(LoadError, match=f"evil.lamina.*{name}"):
        lamina.models.load_model(path)
    assert not called and not (tmp_path / "pwned").exists()


def test_lambda_layers_load_only_with_safe_mode_false(tmp_path):
    inputs = lamina.Input((3,))
    model = lamina.Model(inputs, layers.Lambda(jnp.tanh)(layers.Dense(2)(inputs)))
    model.save(tmp_path / "m.lamina")
    for safe_mode in (True, None):
        with pytest.raises(LoadError, match="Lambda layer.*safe_mode=False"):
            lamina.models.load_model(tmp_path / "m.lamina", safe_mode=safe_mode)
    loaded = lamina.models.load_model(tmp_path / "m.lamina", safe_mode=False)
    x = jnp.ones((2, 3))
    np.testing.assert_allclose(loaded(x), model(x), rtol=1e-6)


def test_truncated_archives_raise_load_error_at_every_offset(tmp_path):
    path = tmp_path / "m.lamina"
    lamina.Sequential([lamina.Input((2,)), layers.Dense(1)]).save(path)
    data = path.read_bytes()
    for cut in range(0, len(data), max(1, len(data) // 60)):
        path.write_bytes(data[:cut])
        with pytest.raises(LoadError, match="m.lamina"):
            lamina.models.load_model(path)


def test_overwrite_false_refuses_an_existing_file(tmp_path):
    path = tmp_path / "m.lamina"
    model = sequential()
    model.save(path)
    with pytest.raises(FileExistsError):
        model.save(path, overwrite=False)
