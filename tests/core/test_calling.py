"""__call__: training propagation, masks, losses, and the compiled eager path."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import lamina
from lamina import layers, ops


class Probe(lamina.Layer):
    """Records the training value its call received."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seen = []

    def call(self, inputs, training=None):
        self.seen.append(training)
        return inputs


class NoTrainingArg(lamina.Layer):
    def __init__(self):
        super().__init__()
        self.probe = Probe()

    def call(self, inputs):
        return self.probe(inputs)


class Pair(lamina.Layer):
    def __init__(self):
        super().__init__()
        self.a = Probe()
        self.b = Probe()

    def call(self, inputs, training=None):
        return self.b(self.a(inputs), training=False)


def test_training_reaches_nested_layers_even_through_calls_without_the_argument():
    outer = NoTrainingArg()
    x = jnp.ones((1, 2))
    lamina.config.set_run_eagerly(True)  # op by op: every call runs call() once
    try:
        outer(x, training=True)
        outer(x)
        outer(x, training=False)
    finally:
        lamina.config.set_run_eagerly(False)
    assert outer.probe.seen == [True, None, False]


def test_explicit_training_in_a_nested_call_wins_and_does_not_leak_to_siblings():
    pair = Pair()
    with_config = lamina.config.run_eagerly()
    lamina.config.set_run_eagerly(True)
    try:
        pair(jnp.ones((1, 2)), training=True)
    finally:
        lamina.config.set_run_eagerly(with_config)
    assert pair.a.seen == [True] and pair.b.seen == [False]


def test_apply_passes_training_to_nested_layers():
    class Drop(lamina.Layer):
        def __init__(self):
            super().__init__()
            self.seed_generator = lamina.random.SeedGenerator(0)

        def call(self, inputs, training=None):
            if training:
                return lamina.random.dropout(inputs, 0.5, seed=self.seed_generator)
            return inputs

    class Wrap(lamina.Layer):
        def __init__(self):
            super().__init__()
            self.drop = Drop()

        def call(self, inputs):
            return self.drop(inputs)

    layer = Wrap()
    x = jnp.ones((64,))[None]
    params, state = layer.init(jax.random.key(0), x)
    y_eval, s_eval = layer.apply(params, state, x)
    assert np.array_equal(y_eval, x)
    np.testing.assert_array_equal(
        s_eval["drop"]["seed_generator"]["state"], state["drop"]["seed_generator"]["state"]
    )
    y1, s1 = jax.jit(lambda p, s: layer.apply(p, s, x, training=True))(params, state)
    y2, _ = jax.jit(lambda p, s: layer.apply(p, s, x, training=True))(params, s1)
    y1_again, _ = layer.apply(params, state, x, training=True)
    assert 0 < int((y1 == 0).sum()) < 64
    assert not np.array_equal(y1, y2)  # threading state gives fresh randomness
    np.testing.assert_array_equal(y1, y1_again)  # replaying state replays it


class MaskedSum(lamina.Layer):
    def call(self, inputs, mask=None):
        if mask is None:
            return ops.sum(inputs, axis=1)
        return ops.sum(inputs * ops.cast(mask, inputs.dtype)[..., None], axis=1)


class Passthrough(lamina.Layer):
    def __init__(self):
        super().__init__()
        self.supports_masking = True

    def call(self, inputs):
        return inputs * 1.0


class Encoder(lamina.Layer):
    def __init__(self, producer):
        super().__init__()
        self.producer = producer
        self.middle = Passthrough()
        self.pool = MaskedSum()

    def call(self, inputs):
        return self.pool(self.middle(self.producer(inputs)))


def test_embedding_mask_reaches_the_next_layer_eagerly_and_under_jit():
    encoder = Encoder(layers.Embedding(10, 4, mask_zero=True))
    ids = np.array([[3, 1, 4, 0, 0], [2, 0, 0, 0, 0]])
    eager = encoder(ids)
    table = encoder.producer.embeddings.numpy()
    expected = np.stack([table[[3, 1, 4]].sum(0), table[[2]].sum(0)])
    np.testing.assert_allclose(eager, expected, rtol=1e-6)
    np.testing.assert_allclose(encoder(ids), expected, rtol=1e-6)  # compiled eager path
    params, state = encoder.split()
    jitted, _ = jax.jit(encoder.apply)(params, state, ids)
    np.testing.assert_allclose(jitted, expected, rtol=1e-6)
    # Same result as the sequences with the masked steps removed.
    short = encoder(np.array([[3, 1, 4]]))
    np.testing.assert_allclose(short[0], eager[0], rtol=1e-6)


def test_masking_layer_mask_reaches_the_next_layer():
    encoder = Encoder(layers.Masking(mask_value=0.0))
    x = np.array([[[1.0, 2.0], [0.0, 0.0], [3.0, 1.0]]], np.float32)
    np.testing.assert_allclose(encoder(x), [[4.0, 3.0]])


def test_masks_travel_between_outermost_eager_calls():
    emb = layers.Embedding(10, 4, mask_zero=True)
    x = emb(np.array([[1, 0]]))
    pooled = MaskedSum()(x)
    np.testing.assert_allclose(pooled[0], emb.embeddings.numpy()[1], rtol=1e-6)


def test_losses_reset_at_each_outermost_call_and_include_nested_and_regularizers():
    class Act(lamina.Layer):
        def call(self, inputs):
            self.add_loss(ops.sum(inputs))
            return inputs

    class Outer(lamina.Layer):
        def __init__(self):
            super().__init__()
            self.act = Act()
            self.dense = layers.Dense(2, kernel_regularizer=lamina.regularizers.l2(0.1))

        def call(self, inputs):
            return self.dense(self.act(inputs))

    outer = Outer()
    assert outer.losses == []
    outer(jnp.ones((1, 3)))
    kernel = outer.dense.kernel.numpy()
    assert len(outer.losses) == 2
    np.testing.assert_allclose(outer.losses[0], 3.0)
    np.testing.assert_allclose(outer.losses[1], 0.1 * np.sum(kernel**2), rtol=1e-6)
    assert len(outer.act.losses) == 1
    outer(2 * jnp.ones((1, 3)))
    assert len(outer.losses) == 2
    np.testing.assert_allclose(outer.losses[0], 6.0)


def test_activity_regularizer_adds_a_per_example_loss_as_keras():
    import keras

    for batch in (1, 4):
        dense = layers.Dense(
            2, activity_regularizer=lamina.regularizers.l1(0.5), kernel_initializer="ones"
        )
        dense(jnp.ones((batch, 3)))
        np.testing.assert_allclose(dense.losses[0], 0.5 * 6.0)
        twin = keras.layers.Dense(
            2, activity_regularizer=keras.regularizers.l1(0.5), kernel_initializer="ones"
        )
        twin(np.ones((batch, 3), np.float32))
        np.testing.assert_allclose(dense.losses[0], twin.losses[0], rtol=1e-6)


class ValueBranch(lamina.Layer):
    """Python control flow on values: not traceable, must fall back to op by op."""

    def call(self, inputs):
        if float(ops.sum(inputs)) > 0:
            return inputs + 1
        return inputs - 1


def test_untraceable_calls_fall_back_to_op_by_op():
    layer = ValueBranch()
    x = jnp.ones((2,))
    for _ in range(3):
        np.testing.assert_allclose(layer(x), x + 1)
    np.testing.assert_allclose(layer(-x), -x - 1)


def test_compiled_eager_path_equals_op_by_op_and_keeps_state():
    class Sum(lamina.Layer):
        def __init__(self):
            super().__init__()
            self.total = self.add_weight(shape=(2,), initializer="zeros", trainable=False)
            self.dense = layers.Dense(2)

        def call(self, inputs):
            self.total.assign_add(ops.sum(inputs, axis=0))
            self.add_loss(ops.mean(inputs))
            return self.dense(inputs), self.total

    compiled, eager = Sum(), Sum()
    x = jnp.arange(6.0).reshape(3, 2)
    compiled(x)
    eager(x)
    eager.merge(*compiled.split())
    lamina.config.set_run_eagerly(True)
    try:
        expected = [np.asarray(eager(x * i)[0]) for i in range(1, 4)]
        expected_total, expected_losses = eager.total.numpy(), eager.losses
    finally:
        lamina.config.set_run_eagerly(False)
    for i, want in zip(range(1, 4), expected):
        y, total = compiled(x * i)
        np.testing.assert_allclose(y, want, rtol=1e-6)
        assert total is compiled.total
    np.testing.assert_allclose(compiled.total.numpy(), expected_total, rtol=1e-6)
    np.testing.assert_allclose(compiled.losses[0], expected_losses[0], rtol=1e-6)
    assert compiled._eager not in (None, False)  # the compiled path really ran


def test_variable_returned_from_call_is_the_variable_on_every_call():
    class ComputeSum(lamina.Layer):
        def __init__(self):
            super().__init__()
            self.total = self.add_weight(initializer="zeros", shape=(2,), trainable=False)

        def call(self, inputs):
            self.total.assign_add(ops.sum(inputs, axis=0))
            return self.total

    layer = ComputeSum()
    for expected in (2.0, 4.0, 6.0):
        y = layer(jnp.ones((2, 2)))
        assert y is layer.total
        np.testing.assert_array_equal(y.numpy(), [expected, expected])


def test_assigning_a_trainable_variable_inside_call_is_refused():
    class Bad(lamina.Layer):
        def build(self, shape):
            self.w = self.add_weight(shape=(shape[-1],))

        def call(self, inputs):
            self.w.assign(inputs[0])
            return inputs

    with pytest.raises(ValueError, match="assigned the trainable variable 'w'"):
        Bad()(jnp.ones((1, 2)))


def test_nested_structure_inputs_build_with_shape_structures():
    seen = {}

    class Two(lamina.Layer):
        def build(self, input_shape):
            seen["shape"] = input_shape
            self.w = self.add_weight(shape=(input_shape["a"][-1],))

        def call(self, inputs):
            return inputs["a"] * self.w + inputs["b"]

    layer = Two()
    layer({"a": jnp.ones((2, 3)), "b": jnp.ones((2, 3))})
    assert seen["shape"] == {"a": (2, 3), "b": (2, 3)}

    class Named(lamina.Layer):
        def build(self, query_shape, value_shape):
            seen["named"] = (query_shape, value_shape)

        def call(self, query, value):
            return query + value

    Named()(jnp.ones((1, 2)), jnp.ones((1, 2)))
    assert seen["named"] == ((1, 2), (1, 2))


def test_seed_none_inside_call_is_refused():
    class Unseeded(lamina.Layer):
        def call(self, inputs):
            return inputs + lamina.random.normal(inputs.shape)

    with pytest.raises(ValueError, match="SeedGenerator"):
        Unseeded()(jnp.ones(2))


def test_losses_inside_a_call_are_the_calls_own_and_carry_gradients():
    seen = {}

    class Inner(lamina.Layer):
        def build(self, shape):
            self.w = self.add_weight(
                shape=(shape[-1],), initializer="ones", regularizer=lamina.regularizers.l2(1.0)
            )

        def call(self, inputs):
            self.add_loss(ops.sum(inputs * self.w))
            return inputs

    class Outer(lamina.Layer):
        def __init__(self):
            super().__init__()
            self.inner = Inner()

        def call(self, inputs):
            out = self.inner(inputs)
            seen["count"] = len(self.losses)
            return out + sum(self.losses)

    layer = Outer()
    x = jnp.ones((1, 2))
    params, state = layer.init(jax.random.key(0), x)
    y, _ = layer.apply(params, state, x)
    assert seen["count"] == 2  # the add_loss of this call and the l2 penalty
    np.testing.assert_allclose(y, 1.0 + 2.0 + 2.0)
    grad = jax.grad(lambda p: layer.apply(p, state, x)[0].sum())(params)
    np.testing.assert_allclose(grad["inner"]["w"], 2 * (1.0 + 2.0 * 1.0) * np.ones(2))


def test_masks_of_named_arguments_reach_their_x_mask_parameters():
    """Keras 3's rule: ``call(query, value, query_mask=None, value_mask=None)`` gets the
    masks of ``query`` and ``value``, eagerly, nested and under jit."""
    import jax

    from lamina import layers

    class Pair(layers.Layer):
        def call(self, query, value, query_mask=None, value_mask=None):
            q = query_mask.astype("float32")[..., None] if query_mask is not None else 1.0
            v = value_mask.astype("float32")[..., None] if value_mask is not None else 2.0
            return query * q + value * v

    class Outer(layers.Layer):
        def __init__(self):
            super().__init__()
            self.embed = layers.Embedding(5, 2, mask_zero=True)
            self.pair = Pair()

        def call(self, ids_q, ids_v):
            return self.pair(self.embed(ids_q), self.embed(ids_v))

    ids_q = jnp.array([[1, 0, 2]])
    ids_v = jnp.array([[0, 3, 3]])
    outer = Outer()
    out = outer(ids_q, ids_v)
    table = outer.embed.embeddings.numpy()
    expected = table[ids_q] * (ids_q != 0)[..., None] + table[ids_v] * (ids_v != 0)[..., None]
    np.testing.assert_allclose(out, expected, rtol=1e-6)
    params, state = outer.split()
    jitted, _ = jax.jit(outer.apply)(params, state, ids_q, ids_v)
    np.testing.assert_allclose(jitted, expected, rtol=1e-6)
    pair = Pair()
    q, v = outer.embed(ids_q), outer.embed(ids_v)
    np.testing.assert_allclose(pair(q, v), expected, rtol=1e-6)
    # Without masks the defaults apply.
    np.testing.assert_allclose(pair(q + 0, v + 0), q + 2 * v, rtol=1e-6)


def test_a_layer_without_mask_support_does_not_pass_its_input_mask_on():
    class Same(lamina.Layer):
        def call(self, x):
            return jnp.reshape(x, x.shape)  # the very same array

    class Probe(lamina.Layer):
        def call(self, x, mask=None):
            return jnp.zeros(()) if mask is None else jnp.sum(mask)

    class Stack(lamina.Layer):
        def __init__(self):
            super().__init__()
            self.embed = layers.Embedding(4, 2, mask_zero=True)
            self.same, self.probe = Same(), Probe()

        def call(self, ids):
            return self.probe(self.same(self.embed(ids)))

    import jax

    stack = Stack()
    ids = jnp.array([[1, 0, 2]])
    assert float(stack(ids)) == 0.0
    params, state = stack.split()
    assert float(jax.jit(stack.apply)(params, state, ids)[0]) == 0.0


def test_a_built_layer_without_a_mask_argument_passes_masks_on_every_call():
    from lamina.core import masking

    embed, dense = layers.Embedding(5, 3, mask_zero=True), layers.Dense(2)
    for ids in ([[1, 0, 2]], [[0, 4, 4]], [[3, 3, 0]]):
        ids = jnp.array(ids)
        out = dense(embed(ids))
        np.testing.assert_array_equal(masking.masks_of(out), ids != 0)
