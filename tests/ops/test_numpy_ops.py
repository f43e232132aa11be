"""Parity of lamina.ops' NumPy-style ops with keras.ops (Keras 3, JAX backend)."""

import collections

import jax
import jax.numpy as jnp
import keras
import numpy as np
import pytest

import lamina
from lamina import ops
from lamina.core.variable import Variable

rng = np.random.default_rng(0)


def f32(*shape, low=-2.0, high=2.0):
    return rng.uniform(low, high, shape).astype(np.float32)


def i32(*shape, low=-5, high=6):
    return rng.integers(low, high, shape).astype(np.int32)


A = f32(3, 4)
B = f32(3, 4)
V = f32(4)
C3 = f32(2, 3, 4)
P = f32(3, 4, low=0.1, high=3.0)  # positive
U = f32(3, 4, low=-0.9, high=0.9)  # inside (-1, 1)
INT = i32(3, 4)
POS_INT = i32(3, 4, low=1, high=4)
M = (rng.uniform(size=(3, 4)) > 0.5).astype(bool)
SPECIAL = np.array([np.inf, -np.inf, np.nan, 0.0, -0.0, 1.5, -2.5], np.float32)
TIES = np.array([[1.0, 3.0, 3.0, -0.0], [0.0, -0.0, 2.0, 2.0]], np.float32)

_ids = collections.Counter()


def C(name, *args, **kwargs):
    """One parity case: ``ops.<name>(*args, **kwargs)`` against ``keras.ops.<name>``."""
    label = "-".join([name] + [f"{k}={v}" for k, v in kwargs.items()])
    _ids[label] += 1
    return pytest.param(name, args, kwargs, id=f"{label}-{_ids[label]}")


UNARY = [
    *(C(n, A) for n in "abs absolute negative sign square exp expm1 sin cos arctan".split()),
    *(C(n, A) for n in "sinh cosh tanh ceil floor conj real copy ravel logical_not".split()),
    *(C(n, P) for n in "sqrt reciprocal log log10 log1p log2".split()),
    *(C(n, U) for n in "arcsin arccos tan".split()),
    *(C(n, SPECIAL) for n in "isfinite isinf isnan".split()),
    *(C(n, INT) for n in "abs sin sqrt floor".split()),  # integers: float results
    C("round", A * 10, decimals=1),
    C("round", INT * 37, decimals=-1),
    C("clip", A, -0.5, 0.5),
    C("clip", INT, -2, 3),
    C("clip", M, 0, 0),
]

# Each binary op runs on one of these operand pairs (in turn): same shapes,
# broadcasting, a Python scalar, integers.
PAIRS = [(A, B), (A, V), (A, 0.5), (INT, POS_INT)]
BINARY_NAMES = (
    "add subtract multiply divide true_divide maximum minimum arctan2 logaddexp"
    " equal not_equal greater greater_equal less less_equal isclose"
).split()
BINARY = [
    *(C(n, *PAIRS[i % 4]) for i, n in enumerate(BINARY_NAMES)),
    *(C(n, x, y) for n in "floor_divide mod".split() for x, y in ((A, P), (INT, 3))),
    C("power", P, A),
    C("power", POS_INT, 2),
    *(C(n, M, M.T.reshape(3, 4)) for n in "logical_and logical_or logical_xor".split()),
    C("isclose", SPECIAL, SPECIAL, equal_nan=True),
]

# (axis, keepdims) configurations, cycled through the reductions.
AXES = [(None, False), (0, True), (-1, False), ((0, 2), True), (1, False)]
REDUCTION_NAMES = "sum mean max min amax amin prod std var all any median".split()
REDUCTIONS = [
    *(
        C(n, C3, axis=AXES[(i + j) % 5][0], keepdims=AXES[(i + j) % 5][1])
        for i, n in enumerate(REDUCTION_NAMES)
        for j in (0, 2)
    ),
    *(C(n, INT, axis=1) for n in "mean std median".split()),
    C("max", A, axis=0, initial=1.0),
    C("min", C3, axis=[0, 1]),
    *(C(n, x, axis=axis) for n in ("argmax", "argmin") for x, axis in ((C3, None), (TIES, 1))),
    C("argmax", C3, axis=-1, keepdims=True),
    *(C(n, x, axis=axis) for n in ("sort", "argsort") for x, axis in ((C3, 0), (TIES, -1))),
    C("argsort", np.float32(3.0)),
    C("sort", C3, axis=None),
    C("count_nonzero", INT),
    C("count_nonzero", INT, axis=1),
    C("cumsum", C3),
    C("cumprod", C3, axis=1),
    C("cumsum", INT, axis=0, dtype="float32"),
    C("diff", C3, n=2, axis=1),
    C("quantile", C3, np.array([0.1, 0.5, 0.9], np.float32), axis=1, keepdims=True),
    C("quantile", INT, 0.5, axis=(0, 1), method="nearest"),
    C("average", C3),
    C("average", C3, axis=1, weights=f32(3, low=0.1)),
]

CREATION = [
    C("ones", (2, 3)),
    C("zeros", (2, 3), dtype="int32"),
    C("full", (2, 3), 7),
    C("full", (2,), 1.5, dtype="float16"),
    C("ones_like", INT),
    C("zeros_like", A, dtype="int32"),
    C("full_like", A, 2, dtype="bool"),
    C("eye", 3),
    C("eye", 3, 4, k=1, dtype="int32"),
    C("identity", 4),
    C("arange", 5),
    C("arange", 1, 7, 2),
    C("arange", 0.0, 1.0, 0.25),
    C("linspace", 0, 1, 5),
    C("linspace", -1.0, 2.0, num=4, endpoint=False, retstep=True),
    C("meshgrid", V, f32(3)),
    C("meshgrid", V, f32(3), indexing="ij"),
    C("array", [[1, 2], [3, 4]], dtype="float32"),
]

MANIPULATION = [
    C("append", A, B, axis=0),
    C("broadcast_to", V, (2, 3, 4)),
    C("concatenate", [A, B], axis=-1),
    C("stack", [A, B], axis=2),
    C("hstack", [A, B]),
    C("vstack", [A, V]),
    *(C("expand_dims", A, axis) for axis in (-1, (0, 2))),
    C("squeeze", A[:1, None]),
    C("squeeze", A[:1, None], axis=1),
    C("reshape", C3, (-1, 4)),
    C("transpose", C3, axes=(1, 0, 2)),
    C("swapaxes", C3, 0, 2),
    C("moveaxis", C3, (0, 1), (2, 0)),
    C("flip", C3, axis=(0, 2)),
    C("roll", C3, shift=(1, -1), axis=(0, 2)),
    C("repeat", A, 2),
    C("repeat", V, np.array([1, 0, 2, 1])),
    C("tile", A, (2, 1, 3)),
    C("split", C3, [1, 3], axis=-1),
    C("pad", A, (1, 2)),
    C("pad", A, [(0, 1), (2, 0)], constant_values=3.0),
    C("pad", C3, [[1], [2], [0]]),
    C("pad", A, ((1, 1), (2, 2)), mode="reflect"),
    C("take", A, np.array([[0, 2], [3, 1]]), axis=1),
    C("take_along_axis", A, np.argsort(A, axis=1), axis=1),
    C("where", M, A, 0.0),
    C("where", M),
    C("nonzero", INT),
]

MATRIX = [
    C("matmul", A, B.T),
    C("matmul", C3, f32(4, 5)),
    C("matmul", i32(2, 3).astype(np.int8), i32(3, 2).astype(np.int8)),
    C("dot", C3, V),
    C("vdot", A, B),
    C("outer", V, f32(3)),
    C("tensordot", C3, f32(3, 4, 2)),
    C("tensordot", C3, f32(4, 2), axes=([2], [0])),
    C("einsum", "ij,jk->ik", A, B.T),
    C("cross", f32(4, 3), f32(4, 3)),
    C("trace", C3, offset=1, axis1=1, axis2=2),
    C("diag", V, k=-1),
    C("diag", A, k=1),
    C("diagonal", C3, offset=1, axis1=1, axis2=2),
    C("tril", C3, k=-1),
    C("triu", A, k=1),
]

ALL_CASES = UNARY + BINARY + REDUCTIONS + CREATION + MANIPULATION + MATRIX


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


def as_variables(args):
    """``args`` with every NumPy array argument (also inside lists) replaced by a Variable."""

    def wrap(a):
        if isinstance(a, np.ndarray) and a.ndim:
            return Variable(a)
        if isinstance(a, list) and a and isinstance(a[0], np.ndarray):
            return [wrap(v) for v in a]
        return a

    return [wrap(a) for a in args]


@pytest.mark.parametrize("name, args, kwargs", ALL_CASES)
def test_matches_keras(name, args, kwargs):
    expected = getattr(keras.ops, name)(*args, **kwargs)
    actual = getattr(ops, name)(*args, **kwargs)
    assert_same(actual, expected)
    # Variables work wherever arrays do.
    assert_same(getattr(ops, name)(*as_variables(args), **kwargs), expected)


def test_empty_shape_and_dtype():
    assert ops.empty((2, 3)).shape == (2, 3)
    assert ops.empty((2, 3)).dtype == keras.ops.empty((2, 3)).dtype == jnp.float32
    assert ops.empty(4, dtype="int32").dtype == jnp.int32


def test_creation_defaults_to_float32():
    for x in (ops.ones(2), ops.zeros(2), ops.full(2, 3), ops.eye(2), ops.identity(2)):
        assert x.dtype == jnp.float32
    assert ops.arange(3).dtype == jnp.int32
    assert ops.arange(3.0).dtype == jnp.float32


def test_mean_of_float16_accumulates_in_float32():
    x = np.full((4096,), 60000.0, np.float16)  # the float16 sum overflows
    assert_same(ops.mean(x), keras.ops.mean(x), tol=1e-3)
    assert np.isfinite(np.asarray(ops.mean(x)))
    assert_same(ops.var(x), keras.ops.var(x), tol=1e-3)


@pytest.mark.parametrize(
    "name, args",
    [
        ("abs", (TIES,)),  # includes +0 and -0
        ("sqrt", (P,)),
        ("max", (TIES,)),  # tied maxima
        ("clip", (np.array([-1.0, -0.5, 0.0, 0.5, 1.0], np.float32), -0.5, 0.5)),  # bounds
        ("mean", (C3,)),
        ("median", (TIES,)),
    ],
)
def test_gradients_match_keras(name, args):
    def grad(module):
        weights = jnp.arange(args[0].size, dtype=jnp.float32).reshape(args[0].shape) + 1
        return jax.grad(lambda x: jnp.sum(getattr(module, name)(x, *args[1:]) * weights))

    ours, theirs = jax.jit(lambda x: (grad(ops)(x), grad(keras.ops)(x)))(args[0])
    assert_same(ours, theirs)


def test_ops_work_under_jit_with_traced_inputs():
    f = jax.jit(lambda x, y: ops.sum(ops.matmul(x, ops.transpose(y)), axis=0))
    assert_same(f(A, B), keras.ops.sum(keras.ops.matmul(A, B.T), axis=0), tol=1e-5)


def test_variables_as_inputs_return_arrays():
    v = Variable(np.ones((2, 3), np.float32))
    out = ops.add(v, 1.0)
    assert isinstance(out, jax.Array) and not isinstance(out, Variable)
    assert_same(ops.concatenate([v, v], axis=1), np.ones((2, 6), np.float32))
    assert_same(ops.where(ops.greater(v, 0), v, 0.0), np.ones((2, 3), np.float32))


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: ops.reshape(A, (-1, -1)), ValueError, "-1"),
        (lambda: ops.reshape(A, (-2, 6)), ValueError, "non-negative"),
        (lambda: ops.pad(A, 1, mode="bogus"), ValueError, "mode"),
        (lambda: ops.pad(A, 1, mode="reflect", constant_values=0.0), ValueError, "constant"),
        (lambda: ops.pad(A, [(1, 1), (1, 1), (1, 1)]), ValueError, "dimensions"),
        (lambda: ops.where(M, A), ValueError, "both"),
        (lambda: ops.eye(2.0), TypeError, "integer"),
        (lambda: ops.eye(2, 3.0), TypeError, "integer"),
        (lambda: ops.meshgrid(V, V, indexing="xx"), ValueError, "indexing"),
    ],
)
def test_bad_arguments_raise_clear_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_public_surface_is_lamina():
    assert lamina.ops is ops
