"""Autocast under mixed policies: inputs and variables in the compute dtype inside
``call``, float32 variables, params and gradients; checked against Keras 3 and plain JAX."""

import jax
import jax.numpy as jnp
import keras
import numpy as np
import pytest

from lamina import Layer, layers, ops

BF16 = jnp.bfloat16


def normal(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape).astype("float32")


def keras_twin(ours, theirs, x):
    """``theirs`` built on ``x`` with ``ours``' weights."""
    theirs(x)
    theirs.set_weights([np.asarray(w.numpy()) for w in ours.weights])
    return theirs


@pytest.mark.parametrize(
    "make, shape",
    [
        (lambda k, **kw: k.layers.Dense(16, activation="relu", **kw), (8, 32)),
        (lambda k, **kw: k.layers.Conv2D(6, 3, padding="same", **kw), (2, 9, 9, 4)),
    ],
    ids=["Dense", "Conv2D"],
)
def test_mixed_bfloat16_forward_matches_keras(make, shape):
    import lamina

    x = normal(*shape)
    ours = make(lamina, dtype="mixed_bfloat16")
    y = ours(x)
    theirs = keras_twin(ours, make(keras, dtype="mixed_bfloat16"), x)
    want = np.asarray(theirs(x))
    assert y.dtype == BF16 and want.dtype == BF16
    assert all(w.dtype == "float32" and w.value.dtype == jnp.float32 for w in ours.weights)
    np.testing.assert_allclose(
        np.asarray(y, "float32"), want.astype("float32"), rtol=2e-2, atol=2e-2
    )


def test_params_and_gradients_stay_float32_and_equal_a_plain_jax_bf16_computation():
    layer = layers.Dense(5, dtype="mixed_bfloat16")
    x = normal(4, 3)
    params, state = layer.init(jax.random.key(0), x)
    assert {a.dtype for a in jax.tree.leaves(params)} == {jnp.dtype("float32")}

    def loss(params):
        y, _ = layer.apply(params, state, x)
        assert y.dtype == BF16
        return jnp.sum(y.astype(jnp.float32) ** 2)

    def reference(params):
        k, b = params["kernel"].astype(BF16), params["bias"].astype(BF16)
        return jnp.sum((x.astype(BF16) @ k + b).astype(jnp.float32) ** 2)

    grads = jax.jit(jax.grad(loss))(params)
    want = jax.grad(reference)(params)
    for name in ("kernel", "bias"):
        assert grads[name].dtype == jnp.float32
        np.testing.assert_array_equal(np.asarray(grads[name]), np.asarray(want[name]))


def test_integer_inputs_are_not_cast_and_outputs_take_the_compute_dtype():
    class Echo(Layer):
        def call(self, ids, values):
            return ids, values

    ids, values = Echo(dtype="mixed_bfloat16")(jnp.arange(3), jnp.ones(3))
    assert ids.dtype == jnp.int32 and values.dtype == BF16
    ours = layers.Embedding(10, 4, dtype="mixed_bfloat16")
    tokens = np.array([[1, 2, 3]], "int32")
    y = ours(tokens)
    theirs = keras_twin(ours, keras.layers.Embedding(10, 4, dtype="mixed_bfloat16"), tokens)
    assert y.dtype == BF16 == np.asarray(theirs(tokens)).dtype
    assert ours.embeddings.dtype == "float32"


def test_float32_layers_cast_low_precision_inputs_up_like_keras():
    x = normal(2, 3).astype("float16")
    ours = layers.Dense(2)
    y = ours(x)
    theirs = keras_twin(ours, keras.layers.Dense(2), x)
    assert y.dtype == jnp.float32 == np.asarray(theirs(x)).dtype
    np.testing.assert_allclose(np.asarray(y), np.asarray(theirs(x)), rtol=1e-6, atol=1e-6)


def test_a_float32_layer_inside_a_mixed_one_reads_its_variables_in_float32():
    class Block(Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.low = layers.Dense(4, dtype="mixed_bfloat16")
            self.high = layers.Dense(2, dtype="float32")

        def call(self, x):
            return self.high(self.low(x))

    block = Block(dtype="mixed_bfloat16")
    x = normal(3, 5)
    y = block(x)
    assert y.dtype == jnp.float32
    low_k, low_b, high_k, high_b = (np.asarray(w.numpy()) for w in block.weights)
    # Plain JAX: bfloat16 first layer, float32 second layer on its float32 weights.
    hidden = jnp.asarray(x, BF16) @ jnp.asarray(low_k, BF16) + jnp.asarray(low_b, BF16)
    want = hidden.astype(jnp.float32) @ high_k + high_b
    np.testing.assert_allclose(np.asarray(y), want, rtol=1e-6, atol=1e-6)


def test_variable_autocast_flag_and_dtype_inside_call():
    seen = {}

    class Probe(Layer):
        def build(self, input_shape):
            self.w = self.add_weight(shape=(3,), initializer="ones")
            self.stat = self.add_weight(shape=(3,), initializer="ones", autocast=False)
            self.count = self.add_weight(shape=(), initializer="ones", trainable=False)

        def call(self, x):
            seen.update(w=(self.w.value.dtype, self.w.dtype), stat=self.stat.value.dtype)
            self.count.assign_add(1e-3)  # a float32 accumulation, not a bfloat16 one
            return x * self.w + self.stat

    probe = Probe(dtype="mixed_bfloat16")
    y = probe(jnp.ones(3))
    assert seen == {"w": (BF16, "bfloat16"), "stat": jnp.float32}
    assert y.dtype == jnp.float32  # bf16 input * bf16 w + float32 stat promotes
    assert probe.w.dtype == "float32" and probe.w.value.dtype == jnp.float32
    assert float(probe.count.numpy()) == float(np.float32(1) + np.float32(1e-3))


def test_autocast_false_leaves_inputs_and_variables_alone():
    layer = layers.Dense(2, dtype="mixed_bfloat16", autocast=False)
    x = normal(2, 3)
    y = layer(x)
    assert y.dtype == jnp.float32
    want = x @ np.asarray(layer.kernel.numpy()) + np.asarray(layer.bias.numpy())
    np.testing.assert_allclose(np.asarray(y), want, rtol=1e-6, atol=1e-6)


def test_cast_inputs_keep_their_masks():
    class SumKept(Layer):
        def call(self, x, mask=None):
            return ops.sum(jnp.where(mask[..., None], x, 0), axis=1)

    class Wrapper(Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.inner = SumKept(dtype="mixed_bfloat16")

        def call(self, x, mask=None):
            return self.inner(x)  # `x` is the cast tensor: its mask must follow it

    x = normal(2, 4, 3)
    x[:, 2:] = 0.0
    masked = layers.Masking(0.0)(x)
    y = Wrapper(dtype="mixed_bfloat16")(masked)
    want = x.astype(BF16)[:, :2].astype("float32").sum(1)
    np.testing.assert_allclose(np.asarray(y, "float32"), want, rtol=1e-2)


def test_batch_normalization_keeps_float32_statistics_and_outputs_the_compute_dtype():
    x = normal(16, 4) * 3 + 1
    ours = layers.BatchNormalization(dtype="mixed_bfloat16", momentum=0.9)
    theirs = keras.layers.BatchNormalization(dtype="mixed_bfloat16", momentum=0.9)
    ours(x)  # builds it; an inference call leaves the statistics alone
    keras_twin(ours, theirs, x)
    mean, var = np.zeros(4, "float32"), np.ones(4, "float32")
    for i in range(3):
        xi = (x + i).astype(BF16).astype("float32")  # the layer sees bfloat16 inputs
        y = ours(x + i, training=True)
        want = np.asarray(theirs(x + i, training=True))
        mean = mean * np.float32(0.9) + xi.mean(0) * np.float32(0.1)
        var = var * np.float32(0.9) + xi.var(0) * np.float32(0.1)
    assert y.dtype == BF16 == want.dtype
    assert ours.moving_mean.dtype == "float32"
    np.testing.assert_allclose(np.asarray(ours.moving_mean.numpy()), mean, rtol=1e-6)
    np.testing.assert_allclose(np.asarray(ours.moving_variance.numpy()), var, rtol=1e-5)
    np.testing.assert_allclose(np.asarray(y, "float32"), want.astype("float32"), atol=2e-2)


def test_lstm_computes_and_outputs_in_the_compute_dtype_like_keras():
    x = normal(2, 5, 3)
    ours = layers.LSTM(4, return_sequences=True, dtype="mixed_bfloat16")
    y = ours(x)
    theirs = keras_twin(
        ours, keras.layers.LSTM(4, return_sequences=True, dtype="mixed_bfloat16"), x
    )
    want = np.asarray(theirs(x))
    assert ours.cell.dtype_policy.name == "mixed_bfloat16"
    assert all(w.dtype == "float32" for w in ours.weights)
    assert y.dtype == BF16 == want.dtype
    np.testing.assert_allclose(np.asarray(y, "float32"), want.astype("float32"), atol=3e-2)
