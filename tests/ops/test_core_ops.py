"""lamina.ops' core ops (conversion, control flow, slicing, scatter) against keras.ops."""

import jax
import jax.numpy as jnp
import keras
import numpy as np
import pytest

import lamina  # noqa: F401 - sets up lamina (Variables need it)
from lamina import ops
from lamina.core.variable import Variable

rng = np.random.default_rng(2)
A = rng.normal(size=(4, 5)).astype(np.float32)


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


@pytest.mark.parametrize(
    "value, dtype",
    [
        (A, None),
        ([[1, 2], [3, 4]], None),
        ([1.5, 2.5], None),
        (3, None),
        (True, None),
        (jnp.arange(3), None),
        (A, "float16"),
        (A, "bfloat16"),
        ([1.0, 2.0], "bfloat16"),
        (np.arange(4), "float32"),
    ],
)
def test_convert_to_tensor_matches_keras(value, dtype):
    expected = keras.ops.convert_to_tensor(value, dtype=dtype)
    assert_same(ops.convert_to_tensor(value, dtype=dtype), expected)


def test_convert_to_tensor_accepts_variables():
    v = Variable(np.ones((2, 3), np.float32))
    out = ops.convert_to_tensor(v)
    assert isinstance(out, jax.Array) and not isinstance(out, Variable)
    assert_same(out, np.ones((2, 3), np.float32))
    assert ops.convert_to_tensor(v, dtype="int32").dtype == jnp.int32
    np.testing.assert_array_equal(ops.convert_to_numpy(v), np.ones((2, 3)))
    assert ops.shape(v) == (2, 3)


def test_conversion_helpers():
    x = jnp.ones((2, 3))
    assert ops.shape(x) == keras.ops.shape(x) == (2, 3)
    assert all(type(d) is int for d in ops.shape(np.zeros((4, 1))))
    assert ops.shape([[1, 2, 3]]) == (1, 3)
    assert ops.dtype(x) == keras.ops.dtype(x) == "float32"
    assert_same(ops.cast(A, "int32"), keras.ops.cast(A, "int32"))
    assert_same(ops.cast(A, jnp.float16), keras.ops.cast(A, jnp.float16))
    out = ops.convert_to_numpy(x)
    assert isinstance(out, np.ndarray) and out.shape == (2, 3)
    for value in (x, A, [1.0], 3.0):
        assert ops.is_tensor(value) == keras.ops.is_tensor(value)
    assert not ops.is_tensor(Variable(A))
    with pytest.raises(ValueError, match="ragged"):
        ops.convert_to_tensor(A, ragged=True)


def test_stop_gradient_blocks_gradients():
    g = jax.grad(lambda x: jnp.sum(ops.stop_gradient(x) * x))(A)
    assert_same(g, A)
    assert_same(ops.stop_gradient(Variable(A)), A)


def test_cond_and_switch():
    for pred in (True, False, jnp.array(True)):
        expected = keras.ops.cond(pred, lambda: jnp.ones(2), lambda: jnp.zeros(2))
        assert_same(ops.cond(pred, lambda: jnp.ones(2), lambda: jnp.zeros(2)), expected)
    branches = [lambda x: x + 1, lambda x: x * 10]
    assert_same(ops.switch(1, branches, A), keras.ops.switch(1, branches, A))
    assert_same(ops.switch(0, branches, Variable(A)), A + 1)


def test_scan_map_and_fori_loop_match_keras():
    def step(carry, x):
        return carry + x, carry * x

    for kwargs in ({}, {"reverse": True, "unroll": 2}):
        expected = keras.ops.scan(step, jnp.zeros(5), A, **kwargs)
        assert_same(ops.scan(step, jnp.zeros(5), A, **kwargs), expected)
    assert_same(ops.scan(step, jnp.zeros(5), Variable(A)), keras.ops.scan(step, jnp.zeros(5), A))
    counter = lambda c, _: (c + 1, c)
    assert_same(ops.scan(counter, 0, length=3), keras.ops.scan(counter, 0, length=3))
    assert_same(ops.map(jnp.sum, A), keras.ops.map(jnp.sum, A))
    body = lambda i, v: v * 2 + i
    assert_same(
        ops.fori_loop(0, 4, body, jnp.ones(3)), keras.ops.fori_loop(0, 4, body, jnp.ones(3))
    )
    with pytest.raises(ValueError, match="unroll"):
        ops.scan(step, jnp.zeros(5), A, unroll=0)


@pytest.mark.parametrize("maximum_iterations", [None, 3])
def test_while_loop_matches_keras(maximum_iterations):
    def cond(i, x):
        return i < 10

    def body(i, x):
        return i + 1, x * 2

    args = (jnp.array(0), jnp.ones(2))
    kwargs = {"maximum_iterations": maximum_iterations}
    expected = keras.ops.while_loop(cond, body, args, **kwargs)
    assert_same(ops.while_loop(cond, body, args, **kwargs), expected)
    single = (lambda x: x < 100, lambda x: x * 3, jnp.array(1))
    assert_same(ops.while_loop(*single, **kwargs), keras.ops.while_loop(*single, **kwargs))
    assert_same(
        ops.while_loop(lambda x: x < 100, lambda x: [x * 3], [jnp.array(1)]),
        keras.ops.while_loop(lambda x: x < 100, lambda x: [x * 3], [jnp.array(1)]),
    )


def test_vectorized_map_matches_keras():
    fn = lambda row: jnp.dot(row, row)
    assert_same(ops.vectorized_map(fn, A), keras.ops.vectorized_map(fn, A))
    pair_fn = lambda pair: pair[0] * pair[1]
    assert_same(ops.vectorized_map(pair_fn, (A, A)), keras.ops.vectorized_map(pair_fn, (A, A)))


@pytest.mark.parametrize("start, shape", [((1, 2), (2, 3)), ((0, 1), (-1, 2)), ((2, 0), (2, -1))])
def test_slice_matches_keras(start, shape):
    assert_same(ops.slice(A, start, shape), keras.ops.slice(A, start, shape))
    assert_same(ops.slice(Variable(A), jnp.array(start), shape), keras.ops.slice(A, start, shape))


def test_slice_update_matches_keras():
    updates = np.full((2, 2), 9.0, np.float32)
    expected = keras.ops.slice_update(A, (1, 2), updates)
    assert_same(ops.slice_update(A, (1, 2), updates), expected)
    assert_same(ops.slice_update(Variable(A), jnp.array([1, 2]), Variable(updates)), expected)


def test_scatter_matches_keras():
    indices = np.array([[0, 1], [2, 3], [0, 1]])
    values = np.array([1.0, 2.0, 3.0], np.float32)
    assert_same(ops.scatter(indices, values, (3, 4)), keras.ops.scatter(indices, values, (3, 4)))
    rows = np.array([[1], [3]])
    row_values = np.ones((2, 5), np.float32)
    assert_same(ops.scatter(rows, row_values, (4, 5)), keras.ops.scatter(rows, row_values, (4, 5)))


@pytest.mark.parametrize("reduction", [None, "add", "max", "min", "mul", "ADD"])
def test_scatter_update_matches_keras(reduction):
    indices = np.array([[0, 1], [2, 3], [3, 0]])
    updates = np.array([5.0, -1.0, 0.5], np.float32)
    expected = keras.ops.scatter_update(A, indices, updates, reduction=reduction)
    assert_same(ops.scatter_update(A, indices, updates, reduction=reduction), expected)
    assert_same(ops.scatter_update(Variable(A), indices, updates, reduction=reduction), expected)


def test_scatter_update_rejects_unknown_reduction():
    with pytest.raises(ValueError, match="reduction"):
        ops.scatter_update(A, np.array([[0, 0]]), np.ones(1), reduction="mean")


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_unstack_matches_keras(axis):
    assert_same(ops.unstack(A, axis=axis), keras.ops.unstack(A, axis=axis))
    assert_same(ops.unstack(Variable(A), axis=axis), keras.ops.unstack(A, axis=axis))
    with pytest.raises(ValueError, match="num"):
        ops.unstack(A, num=A.shape[axis] + 1, axis=axis)


def test_custom_gradient_matches_keras():
    def make(module):
        @module.custom_gradient
        def clipped_identity(x):
            def grad(upstream):
                return jnp.clip(upstream, -0.5, 0.5)

            return x * 1.0, grad

        return clipped_identity

    loss = lambda f: jax.grad(lambda x: jnp.sum(f(x) * jnp.arange(5.0)))
    assert_same(loss(make(ops))(A), loss(make(keras.ops))(A))
    assert_same(make(ops)(Variable(A)), A)


def test_control_flow_under_jit():
    @jax.jit
    def f(x):
        total = ops.fori_loop(0, 3, lambda i, v: v + ops.slice(x, (i, 0), (1, 5))[0], jnp.zeros(5))
        return ops.cond(total.sum() > 0, lambda: total, lambda: -total)

    expected = A[:3].sum(0) if A[:3].sum() > 0 else -A[:3].sum(0)
    assert_same(f(A), expected, tol=1e-5)
