"""lamina.activations against keras.activations (Keras 3, JAX backend)."""

import jax
import jax.numpy as jnp
import keras
import numpy as np
import pytest

import lamina  # noqa: F401 - sets up lamina (Variables need it)
from lamina import activations
from lamina.core import registry
from lamina.core.variable import Variable

rng = np.random.default_rng(3)
# The kinks of the relu family (0, +-1, +-3, 4, 5, 6) plus random values.
KINKS = [0.0, 1.0, -1.0, 3.0, -3.0, 4.0, 5.0, 6.0]
X = np.concatenate([KINKS, rng.uniform(-7, 8, 4)]).astype(np.float32).reshape(3, 4)


def _keras_names():
    """Every name keras.activations.get accepts (aliases included)."""
    from keras.src.activations import ALL_OBJECTS_DICT

    return sorted(ALL_OBJECTS_DICT)


def assert_same(actual, expected, tol=1e-6):
    assert isinstance(actual, jax.Array), type(actual)
    expected = np.asarray(expected)
    assert actual.shape == expected.shape
    assert actual.dtype == expected.dtype, (actual.dtype, expected.dtype)
    np.testing.assert_allclose(np.asarray(actual), expected, rtol=tol, atol=tol)


# threshold needs arguments (below); linear returns its input as is (also below);
# Keras 3.15's sparsemax is wrong once the support has two or more entries (its
# rows need not sum to 1), so sparsemax is checked against a reference instead.
PARITY_NAMES = [n for n in _keras_names() if n not in ("threshold", "linear", "sparsemax")]


@pytest.mark.parametrize("name", PARITY_NAMES)
def test_every_keras_activation_name_matches(name):
    expected = keras.activations.get(name)(X)
    assert_same(activations.get(name)(X), expected)
    assert_same(getattr(activations, name)(Variable(X)), expected)


def _sparsemax_reference(z):
    """Sparsemax of a 1-D array (Martins & Astudillo, 2016), in NumPy float64."""
    z_sorted = np.sort(z)[::-1]
    k = np.arange(1, z.size + 1)
    support = 1 + k * z_sorted > np.cumsum(z_sorted)
    tau = (z_sorted[support].sum() - 1) / support.sum()
    return np.maximum(z - tau, 0)


@pytest.mark.parametrize("axis", [-1, 0])
def test_sparsemax_matches_the_reference(axis):
    z = np.concatenate([X, [[0.5, 0.4, -2.0, 0.45], [1.0, 1.0, 1.0, 1.0]]]).astype(np.float32)
    expected = np.apply_along_axis(_sparsemax_reference, axis, z.astype(np.float64))
    out = activations.sparsemax(z, axis=axis)
    np.testing.assert_allclose(np.asarray(out), expected, atol=1e-6)
    np.testing.assert_allclose(np.asarray(out).sum(axis=axis), 1.0, atol=1e-6)
    assert_same(activations.get("sparsemax")(Variable(z), axis=axis), out)


@pytest.mark.parametrize(
    "name, kwargs",
    [
        ("relu", {"negative_slope": 0.1}),
        ("relu", {"max_value": 6.0}),
        ("relu", {"max_value": 4.0}),
        ("relu", {"threshold": 1.0}),
        ("relu", {"threshold": -1.0}),
        ("relu", {"negative_slope": 0.1, "max_value": 6}),
        ("relu", {"negative_slope": 0.2, "max_value": 5.0, "threshold": 1.0}),
        ("leaky_relu", {"negative_slope": 0.3}),
        ("elu", {"alpha": 0.5}),
        ("celu", {"alpha": 2.0}),
        ("gelu", {"approximate": True}),
        ("softmax", {"axis": 0}),
        ("log_softmax", {"axis": 0}),
        ("soft_shrink", {"threshold": 1.0}),
        ("hard_shrink", {"threshold": 1.0}),
        ("squareplus", {"b": 1.0}),
        ("threshold", {"threshold": 0.5, "default_value": -1.0}),
    ],
)
def test_arguments_match_keras(name, kwargs):
    expected = getattr(keras.activations, name)(X, **kwargs)
    assert_same(getattr(activations, name)(X, **kwargs), expected)


def test_glu_matches_keras_on_both_axes():
    assert_same(activations.glu(X), keras.activations.glu(X))
    assert_same(activations.glu(X.T, axis=0), keras.activations.glu(X.T, axis=0))


@pytest.mark.parametrize(
    "name, kwargs",
    [
        ("relu", {}),
        ("relu", {"negative_slope": 0.1}),
        ("relu", {"max_value": 6.0}),
        ("relu", {"max_value": 4.0, "threshold": 1.0}),
        ("relu", {"negative_slope": 0.2, "max_value": 5.0, "threshold": -1.0}),
        ("gelu", {}),
        ("mish", {}),
        ("hard_silu", {}),
    ],
)
def test_gradients_match_keras_at_the_kinks(name, kwargs):
    weights = jnp.arange(X.size, dtype=jnp.float32).reshape(X.shape) - 4

    def grad(module):
        return jax.grad(lambda x: jnp.sum(getattr(module, name)(x, **kwargs) * weights))

    ours, theirs = jax.jit(lambda x: (grad(activations)(x), grad(keras.activations)(x)))(X)
    assert_same(ours, theirs)


def test_relu_gradient_at_zero_matches_keras():
    assert jax.grad(activations.relu)(0.0) == jax.grad(keras.activations.relu)(0.0) == 0.0


def test_linear_returns_its_input_like_keras():
    x = jnp.ones(3)
    assert activations.linear(x) is x
    assert activations.get("linear")(X) is X


def test_get_resolves_like_keras():
    assert activations.get(None) is activations.linear
    assert activations.get("swish") is activations.silu
    assert activations.get("hard_swish") is activations.hard_silu
    assert activations.get(activations.tanh) is activations.tanh
    custom = lambda x: x * 2
    assert activations.get(custom) is custom
    for config in (
        {"module": "keras.activations", "class_name": "function", "config": "relu"},
        {
            "module": "builtins",
            "class_name": "function",
            "config": "relu",
            "registered_name": "function",
        },
    ):
        assert activations.get(config) is activations.relu
        assert keras.activations.get(config) is keras.activations.relu


def test_get_rejects_unknown_identifiers():
    with pytest.raises(ValueError, match="Unknown activation function 'rleu'.*relu"):
        activations.get("rleu")
    with pytest.raises(ValueError, match="Could not interpret"):
        activations.get(3)


@pytest.mark.parametrize("name", _keras_names())
def test_serialize_matches_keras(name):
    expected = keras.activations.serialize(keras.activations.get(name))
    assert activations.serialize(activations.get(name)) == expected
    assert activations.deserialize(expected) is activations.get(name)


def test_serialize_custom_function_like_keras():
    def my_activation(x):
        return x

    expected = keras.activations.serialize(my_activation)
    assert activations.serialize(my_activation) == expected
    assert activations.deserialize(expected, {"my_activation": my_activation}) is my_activation
    with pytest.raises(ValueError, match="Cannot serialize"):
        activations.serialize(lambda x: x)


def test_deserialize_errors():
    with pytest.raises(ValueError, match="Unknown activation"):
        activations.deserialize({"class_name": "function", "config": "nope"})
    with pytest.raises(ValueError, match="custom_objects"):
        activations.deserialize({"class_name": "MyAct", "config": {"k": 1}})
    with pytest.raises(ValueError):
        activations.deserialize(3)


def test_registered_with_the_engine():
    assert registry.resolve("activation", "relu") is activations.relu
    assert registry.resolve("activation", None) is None
