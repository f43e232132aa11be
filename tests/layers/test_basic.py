"""Activation, Identity and Lambda against Keras 3 (JAX backend), and Lambda's
name-only serialization."""

import json
import sys

import jax
import jax.numpy as jnp
import keras
import numpy as np
import pytest
from layer_checks import (
    assert_config_matches_keras,
    assert_jit_apply_matches_eager,
    assert_matches_keras,
    random_inputs,
)

import lamina
from lamina import layers

X2 = random_inputs((3, 4))
X3 = random_inputs((2, 3, 4), seed=1)
MASK = np.array([[True, True, False], [True, False, False]])


def assert_mask_passes_like_keras(ours, theirs, x, mask):
    """The output mask equals Keras' ``compute_mask`` for an incoming mask, and lamina's
    engine attaches it to the output of a call on a masked tensor. (Keras refuses an
    explicit ``mask=`` for layers whose ``call`` takes none, so the mask rides on ``x``.)"""
    expected = theirs.compute_mask(x, mask)
    np.testing.assert_array_equal(ours.compute_mask(x, mask), expected)
    x = jnp.asarray(x)
    lamina.core.masking.set_mask(x, jnp.asarray(mask))
    np.testing.assert_array_equal(lamina.core.masking.masks_of(ours(x)), expected)


def scale_shift(x, scale=1.0, shift=0.0):
    return x * scale + shift


def first_feature_nonzero(inputs, previous_mask=None):
    return inputs[..., 0] > 0


def scaled_in_training(x, mask=None, training=None):
    """Doubles in training; zeroes masked steps when given a (batch, steps) mask."""
    if mask is not None:
        x = x * mask[..., None]
    return 2 * x if training else x


# ------------------------------------------------------------------ Activation
ACTIVATIONS = [
    ("relu", "relu"),
    ("softmax", "softmax"),
    ("gelu", "gelu"),
    (None, None),
    (lamina.activations.leaky_relu, keras.activations.leaky_relu),
    ({"class_name": "function", "config": "tanh"}, "tanh"),
]


@pytest.mark.parametrize("ours, theirs", ACTIVATIONS)
@pytest.mark.parametrize("x", [X2, X3], ids=["rank2", "rank3"])
def test_activation_matches_keras(ours, theirs, x):
    assert_matches_keras(layers.Activation(ours), keras.layers.Activation(theirs), x)


@pytest.mark.parametrize("ours, theirs", ACTIVATIONS)
def test_activation_config_matches_keras(ours, theirs):
    assert_config_matches_keras(layers.Activation(ours), keras.layers.Activation(theirs))


def test_activation_passes_masks_and_jits():
    assert_mask_passes_like_keras(
        layers.Activation("sigmoid"), keras.layers.Activation("sigmoid"), X3, MASK
    )
    assert_jit_apply_matches_eager(layers.Activation("selu"), X3)


@pytest.mark.parametrize("bad", ["nonexistent", 3])
def test_activation_refuses_unknown_activations(bad):
    with pytest.raises(
        ValueError, match=rf"Activation 'act': `activation` .* received activation={bad!r}"
    ):
        layers.Activation(bad, name="act")


# -------------------------------------------------------------------- Identity
@pytest.mark.parametrize("x", [X2, X3, [X2, X3]], ids=["rank2", "rank3", "list"])
def test_identity_matches_keras(x):
    assert_matches_keras(layers.Identity(), keras.layers.Identity(), x)
    assert_config_matches_keras(layers.Identity(), keras.layers.Identity())


def test_identity_passes_masks_and_jits():
    assert_mask_passes_like_keras(layers.Identity(), keras.layers.Identity(), X3, MASK)
    assert_jit_apply_matches_eager(layers.Identity(), X3)
    assert_jit_apply_matches_eager(layers.Identity(), {"a": X2, "b": X3})


# ---------------------------------------------------------------------- Lambda
LAMBDAS = [
    (dict(function=lamina.ops.square), dict(function=keras.ops.square)),
    (
        dict(function=lamina.activations.relu, arguments={"max_value": 0.5}),
        dict(function=keras.activations.relu, arguments={"max_value": 0.5}),
    ),
    (
        dict(function=lamina.ops.sum, output_shape=(1,), arguments={"axis": -1, "keepdims": True}),
        dict(function=keras.ops.sum, output_shape=(1,), arguments={"axis": -1, "keepdims": True}),
    ),
    (
        dict(function=lamina.ops.mean, arguments={"axis": (1,)}),
        dict(function=keras.ops.mean, arguments={"axis": (1,)}),
    ),
]


@pytest.mark.parametrize("ours, theirs", LAMBDAS)
def test_lambda_of_library_functions_matches_keras(ours, theirs):
    assert_matches_keras(layers.Lambda(**ours), keras.layers.Lambda(**theirs), X2)
    assert_config_matches_keras(layers.Lambda(**ours), keras.layers.Lambda(**theirs))


def test_lambda_constant_mask_and_array_arguments_match_keras():
    kwargs = dict(mask=np.array([True, False, True]), arguments={"x2": np.ones(4, "float32")})
    ours = layers.Lambda(lamina.ops.add, **kwargs)
    theirs = keras.layers.Lambda(keras.ops.add, **kwargs)
    assert_matches_keras(ours, theirs, X2)
    assert_config_matches_keras(ours, theirs)
    json.dumps(ours.get_config())


@pytest.mark.parametrize(
    "function, output_shape, x",
    [
        (lambda x: x[:, :2], None, X2),
        (lambda x: jnp.reshape(x, (x.shape[0], -1)), None, X3),
        (lambda x: [x, x[..., :1]], None, X3),
        (lambda xs: xs[0] + xs[1], None, [X2, 2 * X2]),
        (lambda x: x[:, :2], (2,), X2),
        (lambda x: x[:, :2], lambda s: (s[0], 2), X2),
    ],
    ids=["slice", "reshape", "two-outputs", "two-inputs", "given-tuple", "given-callable"],
)
def test_lambda_outputs_and_output_shapes_match_keras(function, output_shape, x):
    ours = layers.Lambda(function, output_shape=output_shape)
    theirs = keras.layers.Lambda(function, output_shape=output_shape)
    assert_matches_keras(ours, theirs, x)
    unknown_batch = [(None, *np.shape(t)[1:]) for t in x] if isinstance(x, list) else None
    shape = unknown_batch or (None, *x.shape[1:])
    assert ours.compute_output_shape(shape) == theirs.compute_output_shape(shape)


@pytest.mark.filterwarnings("ignore:.*does not support masking:UserWarning")
def test_lambda_mask_function_and_masked_inputs_match_keras():
    ours = layers.Lambda(scale_shift, mask=first_feature_nonzero, arguments={"scale": 3.0})
    theirs = keras.layers.Lambda(scale_shift, mask=first_feature_nonzero, arguments={"scale": 3.0})
    assert_matches_keras(ours, theirs, X3, mask=MASK)
    # The function receives the incoming mask when it takes `mask`.
    assert_matches_keras(
        layers.Lambda(scaled_in_training), keras.layers.Lambda(scaled_in_training), X3, mask=MASK
    )


def test_lambda_without_mask_drops_incoming_masks_as_keras():
    ours, theirs = layers.Lambda(scale_shift), keras.layers.Lambda(scale_shift)
    assert ours.supports_masking is theirs.supports_masking is False
    assert ours.compute_mask(X3, MASK) is theirs.compute_mask(X3, MASK) is None
    x = jnp.asarray(X3)
    lamina.core.masking.set_mask(x, jnp.asarray(MASK))
    assert lamina.core.masking.masks_of(ours(x)) is None


def test_lambda_receives_training_from_outer_calls_and_apply():
    class Outer(lamina.Layer):
        def __init__(self):
            super().__init__()
            self.inner = layers.Lambda(scaled_in_training)

        def call(self, x):
            return self.inner(x)

    outer = Outer()
    theirs = keras.layers.Lambda(scaled_in_training)
    np.testing.assert_allclose(outer(X2), theirs(X2, training=False))
    np.testing.assert_allclose(outer(X2, training=True), theirs(X2, training=True))
    y, _ = jax.jit(lambda x: outer.apply({}, {}, x, training=True))(X2)
    np.testing.assert_allclose(y, 2 * X2)


def test_lambda_jit_and_vmap_over_apply_match_numpy():
    layer = layers.Lambda(scale_shift, arguments={"scale": -2.0, "shift": 1.0})
    assert_jit_apply_matches_eager(layer, X3)
    batched = jax.vmap(lambda x: layer.apply({}, {}, x)[0])(X3)
    np.testing.assert_allclose(batched, -2.0 * X3 + 1.0, rtol=1e-6)
    act = layers.Activation("softmax")
    rows = jax.vmap(lambda x: act.apply({}, {}, x)[0])(X3)
    expected = np.exp(X3) / np.exp(X3).sum(-1, keepdims=True)
    np.testing.assert_allclose(rows, expected, rtol=1e-5)


# ---------------------------------------------------------- Lambda serialization
def test_named_function_round_trips_through_custom_objects_only():
    layer = layers.Lambda(scale_shift, arguments={"scale": 2.0}, output_shape=(4,), name="lam")
    config = json.loads(json.dumps(layer.get_config()))
    assert config["function"]["config"] == "scale_shift"
    with pytest.raises(ValueError, match=r"Lambda 'lam'.*'scale_shift'.*custom_objects"):
        layers.Lambda.from_config(config)
    clone = layers.Lambda.from_config(config, custom_objects={"scale_shift": scale_shift})
    np.testing.assert_allclose(clone(X2), 2.0 * X2)
    assert clone.get_config() == layer.get_config()


def test_python_lambda_config_holds_no_code_and_is_refused():
    layer = layers.Lambda(lambda x: x + 1, mask=lambda x, m: m, name="anon")
    config = layer.get_config()
    assert config["function"]["class_name"] == "__lambda__"
    text = json.dumps(config)
    assert "code" not in text and "closure" not in text
    with pytest.raises(ValueError, match=r"Lambda 'anon': `function` was a Python lambda.*def"):
        layers.Lambda.from_config(config)
    with pytest.raises(ValueError, match="custom_objects"):
        layers.Lambda.from_config(config, custom_objects={"<lambda>": lambda x: x})
    # Keras' own config of a lambda holds bytecode; lamina refuses it too.
    keras_config = keras.layers.Lambda(lambda x: x + 1).get_config()
    keras_config.pop("dtype")
    with pytest.raises(ValueError, match="Python lambda"):
        layers.Lambda.from_config(keras_config)


def test_module_named_in_a_config_is_never_imported(tmp_path, monkeypatch):
    (tmp_path / "planted_module.py").write_text(
        "import sys\nsys.planted = True\ndef f(x): return x\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    config = layers.Lambda(scale_shift, name="lam").get_config()
    config["function"] = {"module": "planted_module", "class_name": "function", "config": "f"}
    with pytest.raises(ValueError, match="never imports"):
        layers.Lambda.from_config(config)
    assert "planted_module" not in sys.modules and not hasattr(sys, "planted")


def test_keras_config_of_a_library_function_loads_by_name():
    theirs = keras.layers.Lambda(keras.ops.square, arguments={})
    config = theirs.get_config()
    config.pop("dtype")  # a Keras DTypePolicy dict
    ours = layers.Lambda.from_config(config)
    assert ours.function is lamina.ops.square
    np.testing.assert_allclose(ours(X2), theirs(X2), rtol=1e-6)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(function=3), r"`function` must be callable, received function=3"),
        (dict(function=scale_shift, output_shape="4"), r"`output_shape` must be .*'4'"),
        (
            dict(function=scale_shift, output_shape=(2.5,)),
            r"`output_shape` must be .*received output_shape=\(2.5,\)",
        ),
        (dict(function=scale_shift, arguments=[1]), r"`arguments` must be a dict.*\[1\]"),
    ],
)
def test_lambda_refuses_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=rf"Lambda 'lam': {match}"):
        layers.Lambda(name="lam", **kwargs)


def test_lambda_output_shape_inference_failure_asks_for_output_shape():
    layer = layers.Lambda(lambda x: x.reshape(7, -1), name="lam")
    with pytest.raises(NotImplementedError, match=r"Lambda 'lam'.*\(5, 3\).*output_shape"):
        layer.compute_output_shape((5, 3))
