"""Parity of lamina.ops' neural-network ops with keras.ops (Keras 3, JAX backend)."""

import jax
import jax.numpy as jnp
import keras
import numpy as np
import pytest

import lamina  # noqa: F401 - sets up lamina (Variables need it)
from lamina import ops
from lamina.core.variable import Variable

rng = np.random.default_rng(1)


def f32(*shape, low=-2.0, high=2.0):
    return rng.uniform(low, high, shape).astype(np.float32)


# Activation inputs include the kinks: 0, +-1, +-3 and 6.
X = np.concatenate([f32(6, low=-4, high=7), [0.0, -3.0, 3.0, 6.0, -1.0, 1.0]])
X = X.astype(np.float32).reshape(3, 4)
LOGITS = f32(4, 5, low=-3, high=3)
PROBS = np.asarray(jax.nn.softmax(LOGITS), np.float32)
ONE_HOT = np.eye(5, dtype=np.float32)[[0, 3, 4, 1]]
BIN_TARGET = (rng.uniform(size=(4, 5)) > 0.5).astype(np.float32)
EDGE_PROBS = np.where(BIN_TARGET > 0, 1.0, 0.0).astype(np.float32)  # exercises the clipping


def assert_same(actual, expected, tol=1e-6):
    """Same structure, shapes, dtypes and (within ``tol``) values."""
    if isinstance(expected, tuple | list):
        assert isinstance(actual, tuple | list) and len(actual) == len(expected)
        for a, e in zip(actual, expected):
            assert_same(a, e, tol)
        return
    assert isinstance(actual, jax.Array), type(actual)
    expected = np.asarray(expected)
    assert actual.shape == expected.shape
    assert actual.dtype == expected.dtype, (actual.dtype, expected.dtype)
    np.testing.assert_allclose(np.asarray(actual), expected, rtol=tol, atol=tol)


ACTIVATIONS = [
    *(
        pytest.param(name, {}, id=name)
        for name in (
            "relu relu6 sigmoid softplus softsign silu swish log_sigmoid leaky_relu hard_sigmoid"
            " hard_silu hard_swish elu selu gelu celu glu softmax log_softmax"
        ).split()
    ),
    pytest.param("leaky_relu", {"negative_slope": 0.1}, id="leaky_relu-0.1"),
    pytest.param("elu", {"alpha": 0.5}, id="elu-alpha"),
    pytest.param("gelu", {"approximate": False}, id="gelu-exact"),
    pytest.param("softmax", {"axis": 0}, id="softmax-axis0"),
    pytest.param("softmax", {"axis": (0, 1)}, id="softmax-axis01"),
    pytest.param("log_softmax", {"axis": 0}, id="log_softmax-axis0"),
    pytest.param("logsumexp", {}, id="logsumexp"),
    pytest.param("logsumexp", {"axis": 1, "keepdims": True}, id="logsumexp-axis1"),
]


# Activations with kinks, where the gradient convention matters.
KINKED = {"relu", "relu6", "leaky_relu", "elu", "selu", "celu", "hard_sigmoid", "hard_silu"}


@pytest.mark.parametrize("name, kwargs", ACTIVATIONS)
def test_activation_values_and_gradients_match_keras(name, kwargs):
    expected = getattr(keras.ops, name)(X, **kwargs)
    assert_same(getattr(ops, name)(X, **kwargs), expected)
    assert_same(getattr(ops, name)(Variable(X), **kwargs), expected)
    if name in KINKED:
        weights = jnp.arange(X.size, dtype=jnp.float32).reshape(X.shape) - 5

        def grad(module):
            return jax.grad(lambda x: jnp.sum(getattr(module, name)(x, **kwargs) * weights))

        ours, theirs = jax.jit(lambda x: (grad(ops)(x), grad(keras.ops)(x)))(X)
        assert_same(ours, theirs)


def test_relu_gradient_at_zero_is_zero_like_keras():
    g = jax.grad(lambda x: ops.relu(x))(0.0)
    assert g == jax.grad(lambda x: keras.ops.relu(x))(0.0) == 0.0


LOSSES = [
    ("one_hot", (np.array([0, 2, 1, 4]), 5), {}),
    ("one_hot", (np.array([[0, 2], [1, 3]]), 4), {"axis": 0, "dtype": "int32"}),
    ("one_hot", (np.array([-1, 5, 2]), 5), {}),  # out of range: all zeros
    ("binary_crossentropy", (BIN_TARGET, PROBS), {}),
    ("binary_crossentropy", (BIN_TARGET, EDGE_PROBS), {}),
    ("binary_crossentropy", (BIN_TARGET, LOGITS), {"from_logits": True}),
    ("categorical_crossentropy", (ONE_HOT, PROBS), {}),
    ("categorical_crossentropy", (ONE_HOT, PROBS * 3.0), {}),  # renormalized
    ("categorical_crossentropy", (ONE_HOT, LOGITS), {"from_logits": True}),
    ("categorical_crossentropy", (ONE_HOT.T, LOGITS.T), {"from_logits": True, "axis": 0}),
    ("sparse_categorical_crossentropy", (np.array([0, 3, 4, 1]), PROBS), {}),
    (
        "sparse_categorical_crossentropy",
        (np.array([[0], [3], [4], [1]]), LOGITS),
        {"from_logits": True},
    ),
    ("moments", (LOGITS, [0]), {}),
    ("moments", (f32(2, 3, 4), [0, 2]), {"keepdims": True}),
    ("moments", (LOGITS.astype(np.float16) * 100, [1]), {}),
    ("normalize", (LOGITS,), {}),
    ("normalize", (LOGITS,), {"axis": 0, "order": 1}),
    ("normalize", (LOGITS,), {"order": 3, "epsilon": 1e-3}),
    ("normalize", (np.zeros((2, 3), np.float32),), {}),
]


@pytest.mark.parametrize(
    "name, args, kwargs",
    [pytest.param(*case, id=f"{case[0]}-{i}") for i, case in enumerate(LOSSES)],
)
def test_losses_and_statistics_match_keras(name, args, kwargs):
    expected = getattr(keras.ops, name)(*args, **kwargs)
    tol = 1e-3 if args[0].dtype == np.float16 else 1e-6
    assert_same(getattr(ops, name)(*args, **kwargs), expected, tol=tol)
    variables = [Variable(a) if isinstance(a, np.ndarray) else a for a in args]
    assert_same(getattr(ops, name)(*variables, **kwargs), expected, tol=tol)


@pytest.mark.parametrize("from_logits", [False, True])
def test_crossentropy_gradients_match_keras(from_logits):
    def grad(module):
        return jax.grad(
            lambda out: module.categorical_crossentropy(ONE_HOT, out, from_logits).sum()
        )

    ours, theirs = jax.jit(lambda x: (grad(ops)(x), grad(keras.ops)(x)))(
        LOGITS if from_logits else PROBS
    )
    assert_same(ours, theirs)


CONV = [
    # (op, input shape, kernel shape, kwargs)
    ("conv", (2, 9, 3), (3, 3, 4), {"strides": 2}),
    ("conv", (2, 7, 6, 3), (3, 3, 3, 4), {"padding": "same", "dilation_rate": 2}),
    ("conv", (2, 3, 7, 6), (3, 2, 3, 4), {"strides": (2, 1), "data_format": "channels_first"}),
    ("conv", (1, 5, 4, 4, 2), (2, 3, 2, 2, 3), {"padding": "SAME"}),
    ("conv", (2, 6, 6, 4), (3, 3, 2, 6), {}),  # grouped: 2 groups
    ("depthwise_conv", (2, 7, 6, 3), (3, 3, 3, 2), {"padding": "same"}),
    ("depthwise_conv", (2, 3, 9), (3, 3, 1), {"strides": 2, "data_format": "channels_first"}),
    ("conv_transpose", (2, 5, 4, 3), (3, 3, 4, 3), {"strides": 2, "padding": "same"}),
    ("conv_transpose", (2, 5, 4, 3), (3, 3, 2, 3), {"strides": 2, "output_padding": 1}),
    ("conv_transpose", (2, 6, 3), (3, 2, 3), {"padding": "same", "dilation_rate": 2}),
    (
        "conv_transpose",
        (2, 3, 5, 4),
        (2, 3, 4, 3),
        {"strides": (1, 2), "data_format": "channels_first"},
    ),
]


@pytest.mark.parametrize(
    "name, x_shape, k_shape, kwargs",
    [pytest.param(*case, id=f"{case[0]}-{i}") for i, case in enumerate(CONV)],
)
def test_convolutions_match_keras(name, x_shape, k_shape, kwargs):
    x, kernel = f32(*x_shape), f32(*k_shape)
    expected = getattr(keras.ops, name)(x, kernel, **kwargs)
    assert_same(getattr(ops, name)(x, kernel, **kwargs), expected, tol=1e-5)
    assert_same(getattr(ops, name)(Variable(x), Variable(kernel), **kwargs), expected, tol=1e-5)


POOLS = [
    ("max_pool", (2, 6, 7, 3), {"pool_size": 2}),
    ("max_pool", (2, 6, 7, 3), {"pool_size": (3, 2), "strides": 1, "padding": "same"}),
    ("max_pool", (2, 3, 9), {"pool_size": 3, "strides": 2, "data_format": "channels_first"}),
    ("average_pool", (2, 6, 7, 3), {"pool_size": 2}),
    ("average_pool", (2, 6, 7, 3), {"pool_size": 3, "strides": (1, 2), "padding": "same"}),
    (
        "average_pool",
        (2, 3, 9),
        {"pool_size": 2, "padding": "same", "data_format": "channels_first"},
    ),
]


@pytest.mark.parametrize(
    "name, x_shape, kwargs",
    [pytest.param(*case, id=f"{case[0]}-{i}") for i, case in enumerate(POOLS)],
)
def test_pooling_matches_keras(name, x_shape, kwargs):
    x = f32(*x_shape)
    # keras.ops' JAX pooling fails when strides is None (3.15.1 wraps the default
    # strides twice), so Keras gets the documented default, strides=pool_size.
    expected = getattr(keras.ops, name)(x, **{"strides": kwargs["pool_size"], **kwargs})
    assert_same(getattr(ops, name)(x, **kwargs), expected)
    assert_same(getattr(ops, name)(Variable(x), **kwargs), expected)


@pytest.mark.parametrize(
    "name, args, kwargs",
    [
        ("conv", ((2, 7, 6, 3), (3, 3, 3, 4)), {"padding": "same", "strides": 2}),
        ("conv_transpose", ((2, 5, 4, 3), (3, 3, 4, 3)), {"strides": 2, "padding": "same"}),
        ("max_pool", ((2, 6, 7, 3),), {"pool_size": 2, "strides": 2}),
        ("average_pool", ((2, 6, 7, 3),), {"pool_size": 3, "strides": 1, "padding": "same"}),
    ],
)
def test_conv_and_pool_gradients_match_keras(name, args, kwargs):
    arrays = [f32(*shape) for shape in args]

    def grads(module):
        loss = lambda *a: jnp.sum(jnp.sin(getattr(module, name)(*a, **kwargs)))
        return jax.grad(loss, argnums=tuple(range(len(arrays))))

    ours, theirs = jax.jit(lambda *a: (grads(ops)(*a), grads(keras.ops)(*a)))(*arrays)
    assert_same(ours, theirs, tol=1e-5)


X2D, K2D = f32(2, 5, 5, 3), f32(3, 3, 3, 4)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: ops.conv(X2D, f32(3, 3, 2, 4)), "channels"),
        (lambda: ops.conv(X2D, K2D, padding="full"), "padding"),
        (lambda: ops.conv(X2D, K2D, padding="causal"), "padding"),
        (lambda: ops.conv(X2D, K2D, data_format="NHWC"), "data_format"),
        (lambda: ops.conv(X2D, f32(3, 3, 4)), "rank"),
        (lambda: ops.conv(X2D, K2D, strides=(1, 1, 1)), "strides"),
        (lambda: ops.conv(f32(1, 2, 2, 3), K2D), "empty"),
        (lambda: ops.depthwise_conv(X2D, f32(3, 3, 4, 1)), "channels"),
        (lambda: ops.conv_transpose(X2D, f32(3, 3, 4, 2)), "channels"),
        (lambda: ops.max_pool(f32(4, 3), 2), "spatial"),
        (lambda: ops.average_pool(X2D, 2, padding="bogus"), "padding"),
        (lambda: ops.binary_crossentropy(BIN_TARGET, PROBS[:2]), "shape"),
        (lambda: ops.categorical_crossentropy(ONE_HOT, PROBS[:, :3]), "shape"),
        (lambda: ops.sparse_categorical_crossentropy(np.zeros(3, int), PROBS), "shape"),
        (lambda: ops.one_hot(np.array([1]), 3, sparse=True), "sparse"),
        (lambda: ops.normalize(LOGITS, order=0), "order"),
        (lambda: ops.glu(f32(2, 3)), "even"),
    ],
)
def test_bad_arguments_raise_clear_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_moments_synchronized_is_not_supported():
    with pytest.raises(NotImplementedError):
        ops.moments(LOGITS, [0], synchronized=True)


def test_softmax_over_a_size_one_axis_warns_like_keras():
    with pytest.warns(UserWarning, match="size 1"):
        ops.softmax(np.ones((3, 1), np.float32))
