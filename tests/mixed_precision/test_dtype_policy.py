"""DTypePolicy: names, dtypes, the global policy, and how layers hold and save theirs."""

import jax.numpy as jnp
import keras
import numpy as np
import pytest

import lamina
from lamina import dtype_policies, layers, mixed_precision
from lamina.core import config as core_config


@pytest.mark.parametrize(
    "name, compute, variable",
    [
        ("float32", "float32", "float32"),
        ("float16", "float16", "float16"),
        ("bfloat16", "bfloat16", "bfloat16"),
        ("mixed_float16", "float16", "float32"),
        ("mixed_bfloat16", "bfloat16", "float32"),
    ],
)
def test_policy_dtypes_equal_keras(name, compute, variable):
    ours = dtype_policies.DTypePolicy(name)
    theirs = keras.DTypePolicy(name)
    assert (ours.name, ours.compute_dtype, ours.variable_dtype) == (name, compute, variable)
    assert (theirs.compute_dtype, theirs.variable_dtype) == (compute, variable)
    assert ours.is_mixed == (compute != variable)
    assert repr(ours) == f'<DTypePolicy "{name}">' == repr(theirs)
    assert dtype_policies.get(ours.get_config()["name"]) == ours


def test_get_reads_names_dtypes_keras_dicts_and_keras_policies():
    want = dtype_policies.DTypePolicy("mixed_bfloat16")
    assert dtype_policies.get("mixed_bfloat16") == want
    assert dtype_policies.get(keras.DTypePolicy("mixed_bfloat16")) == want
    keras_dict = keras.dtype_policies.serialize(keras.DTypePolicy("mixed_bfloat16"))
    assert dtype_policies.get(keras_dict) == want
    assert dtype_policies.deserialize(dtype_policies.serialize(want)) == want
    assert dtype_policies.get(np.float16).name == "float16"
    assert dtype_policies.get(jnp.bfloat16).name == "bfloat16"
    with pytest.raises(ValueError, match="cannot interpret 'mixed_int8'"):
        dtype_policies.DTypePolicy("mixed_int8")
    with pytest.raises(ValueError, match="quantized"):
        dtype_policies.get({"class_name": "QuantizedDTypePolicy", "config": {"mode": "int8"}})


def test_global_policy_applies_to_layers_created_after_it_and_none_restores_it():
    assert core_config.dtype_policy().name == "float32"
    before = layers.Dense(2)
    mixed_precision.set_dtype_policy("mixed_bfloat16")
    assert mixed_precision.global_policy() == dtype_policies.DTypePolicy("mixed_bfloat16")
    after = layers.Dense(2)
    pinned = layers.Dense(2, dtype="float32")
    assert before.dtype_policy.name == "float32"
    assert after.dtype_policy.name == "mixed_bfloat16"
    assert pinned.dtype_policy.name == "float32"
    mixed_precision.set_global_policy(None)
    assert core_config.dtype_policy().name == "float32"
    with pytest.raises(ValueError, match="cannot interpret"):
        core_config.set_dtype_policy("float_mixed")


def test_layer_dtype_attributes_follow_keras():
    for name in ("float32", "bfloat16", "mixed_bfloat16", "mixed_float16"):
        ours, theirs = layers.Dense(2, dtype=name), keras.layers.Dense(2, dtype=name)
        for attr in ("dtype", "compute_dtype", "variable_dtype", "input_dtype"):
            assert getattr(ours, attr) == getattr(theirs, attr), (name, attr)
        assert ours.dtype_policy.name == theirs.dtype_policy.name
    policy = dtype_policies.DTypePolicy("mixed_float16")
    assert layers.Dense(2, dtype=policy).dtype_policy is policy


def test_config_holds_the_policy_name_and_round_trips():
    for given, saved in (
        (None, "float32"),
        ("float16", "float16"),
        (np.float16, "float16"),
        ("mixed_bfloat16", "mixed_bfloat16"),
        (dtype_policies.DTypePolicy("mixed_float16"), "mixed_float16"),
        ({"class_name": "DTypePolicy", "config": {"name": "mixed_bfloat16"}}, "mixed_bfloat16"),
    ):
        layer = layers.Dense(3, dtype=given)
        config = layer.get_config()
        assert config["dtype"] == saved
        clone = layers.Dense.from_config(config)
        assert clone.dtype_policy == layer.dtype_policy
        assert clone.get_config() == config


def test_model_save_and_load_keep_each_layers_policy(tmp_path):
    model = lamina.Sequential(
        [
            lamina.Input((4,)),
            layers.Dense(8, activation="relu", dtype="mixed_bfloat16"),
            layers.Dense(2, dtype="float32"),
        ]
    )
    x = np.random.default_rng(0).normal(size=(5, 4)).astype("float32")
    path = tmp_path / "mixed.lamina"
    model.save(path)
    loaded = lamina.models.load_model(path)
    assert [layer.dtype_policy.name for layer in loaded.layers] == ["mixed_bfloat16", "float32"]
    assert [w.dtype for w in loaded.weights] == ["float32"] * 4
    np.testing.assert_array_equal(np.asarray(loaded(x)), np.asarray(model(x)))


def test_changing_a_policy_after_a_compiled_call_recompiles_the_call():
    layer = layers.Dense(2)
    x = jnp.ones((1, 3))
    assert layer(x).dtype == jnp.float32
    layer.dtype_policy = "mixed_bfloat16"
    assert layer(x).dtype == jnp.bfloat16
    assert layer.kernel.dtype == "float32"
