"""Variable: an array-like box that scopes redirect."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import lamina
from lamina import ops


def make(values=((1.0, 2.0), (3.0, 4.0)), **kwargs):
    return lamina.Variable(np.asarray(values, np.float32), **kwargs)


def test_properties_and_numpy_conversion():
    v = make(name="kernel")
    assert v.shape == (2, 2) and v.dtype == "float32" and v.ndim == 2 and v.size == 4
    assert v.trainable and v.name == "kernel" and v.path == "kernel"
    np.testing.assert_array_equal(v.numpy(), [[1, 2], [3, 4]])
    np.testing.assert_array_equal(np.asarray(v), [[1, 2], [3, 4]])
    assert isinstance(v.value, jax.Array)


def test_initializer_form_needs_a_shape_and_uses_floatx():
    v = lamina.Variable("ones", shape=(3,))
    assert v.dtype == "float32"
    np.testing.assert_array_equal(v.numpy(), np.ones(3))
    with pytest.raises(ValueError, match="needs `shape`"):
        lamina.Variable("ones")


@pytest.mark.parametrize(
    "expr",
    [
        lambda v: v + 1,
        lambda v: 1 + v,
        lambda v: v - 1,
        lambda v: 10 - v,
        lambda v: v * 2,
        lambda v: 2 * v,
        lambda v: v / 2,
        lambda v: 2 / v,
        lambda v: v**2,
        lambda v: -v,
        lambda v: abs(-v),
        lambda v: v @ v,
        lambda v: v < 2.5,
        lambda v: v >= 2,
        lambda v: v == 2,
        lambda v: v[0],
        lambda v: v[:, 1],
        lambda v: v.T,
        lambda v: v // 2,
        lambda v: v % 2,
    ],
)
def test_operators_act_on_the_value(expr):
    v = make()
    np.testing.assert_allclose(expr(v), expr(np.asarray(v.numpy())), rtol=1e-6)


@pytest.mark.parametrize(
    "fn",
    [
        jnp.sum,
        jnp.exp,
        lambda v: jnp.matmul(v, v),
        lambda v: jnp.stack([v, v]),
        jax.nn.relu,
        ops.sum,
        ops.exp,
        lambda v: ops.matmul(v, v),
        lambda v: ops.reshape(v, (4,)),
        lambda v: jax.jit(lambda a: a * 2)(v),
    ],
)
def test_usable_in_jax_numpy_ops_and_jit(fn):
    v = make()
    np.testing.assert_allclose(fn(v), fn(jnp.asarray(v.numpy())), rtol=1e-6)


def test_assign_checks_shape_and_dtype():
    v = make(name="w")
    v.assign(jnp.zeros((2, 2)))
    np.testing.assert_array_equal(v.numpy(), np.zeros((2, 2)))
    v.assign_add(jnp.ones((2,)))  # broadcasts
    v.assign_sub(0.5)
    np.testing.assert_array_equal(v.numpy(), np.full((2, 2), 0.5))
    with pytest.raises(ValueError, match=r"'w'\.assign: expected shape \(2, 2\), received \(3,\)"):
        v.assign(jnp.zeros(3))
    counter = lamina.Variable(np.zeros(2, np.int32), name="count")
    with pytest.raises(TypeError, match="expected a value of dtype int32, received float32"):
        counter.assign(jnp.ones(2))
    with pytest.raises(ValueError, match="does not broadcast"):
        v.assign_add(jnp.ones((3, 2)))


def test_assigning_a_tracer_outside_a_layer_call_is_refused():
    v = make(name="w")
    with pytest.raises(ValueError, match="traced value outside any layer call"):
        jax.jit(lambda x: v.assign(x))(jnp.ones((2, 2)))
    np.testing.assert_array_equal(v.numpy(), [[1, 2], [3, 4]])


def test_path_follows_attributes():
    class Inner(lamina.Layer):
        def build(self, shape):
            self.kernel = self.add_weight(shape=(shape[-1], 2), name="kernel")

        def call(self, x):
            return x @ self.kernel

    class Outer(lamina.Layer):
        def __init__(self):
            super().__init__()
            self.dense_proj = Inner()

        def call(self, x):
            return self.dense_proj(x)

    class Model(lamina.Layer):
        def __init__(self):
            super().__init__()
            self.encoder = Outer()

        def call(self, x):
            return self.encoder(x)

    model = Model()
    model(jnp.ones((1, 3)))
    assert model.encoder.dense_proj.kernel.path == "encoder/dense_proj/kernel"
    assert model.encoder.dense_proj.path == "encoder/dense_proj"
    assert "encoder/dense_proj/kernel" in repr(model.encoder.dense_proj.kernel)
