"""The pure face: init / split / apply / merge under jit, grad and vmap."""

import jax
import jax.flatten_util
import jax.numpy as jnp
import numpy as np
import pytest

import lamina
from lamina import ops


class Affine(lamina.Layer):
    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="random_normal")
        self.b = self.add_weight(shape=(self.units,), initializer="random_normal")

    def call(self, inputs):
        return ops.matmul(inputs, self.w) + self.b


class Counter(lamina.Layer):
    """Non-trainable state updated by call, plus an add_loss."""

    def build(self, input_shape):
        self.total = self.add_weight(shape=(input_shape[-1],), initializer="zeros", trainable=False)

    def call(self, inputs):
        self.total.assign_add(ops.sum(inputs, axis=0))
        self.add_loss(ops.mean(inputs))
        return inputs * 2.0


class Net(lamina.Layer):
    def __init__(self):
        super().__init__()
        self.first = Affine(5)
        self.counter = Counter()
        self.second = Affine(2, name="head")

    def call(self, inputs):
        return self.second(jax.nn.tanh(self.counter(self.first(inputs))))


def hand_written(params, x):
    h = x @ params["first"]["w"] + params["first"]["b"]
    h = jnp.tanh(2.0 * h)
    return h @ params["second"]["w"] + params["second"]["b"]


@pytest.fixture
def x():
    return jnp.asarray(np.random.default_rng(0).normal(size=(4, 3)), jnp.float32)


def test_params_and_state_are_keyed_by_attribute_path(x):
    net = Net()
    params, state = net.init(jax.random.key(0), x)
    assert jax.tree.map(jnp.shape, params) == {
        "first": {"w": (3, 5), "b": (5,)},
        "second": {"w": (5, 2), "b": (2,)},
    }
    assert jax.tree.map(jnp.shape, state) == {"counter": {"total": (5,)}}
    assert net.second.w.path == "second/w"
    assert net.counter.total.path == "counter/total"


def test_init_is_seeded_and_leaves_the_facade_alone(x):
    net = Net()
    net(x)
    before = jax.tree.map(np.asarray, net.split())
    p1, _ = net.init(jax.random.key(1), x)
    p2, _ = net.init(jax.random.key(1), x)
    p3, _ = net.init(jax.random.key(2), x)
    chex_equal = jax.tree.map(lambda a, b: np.array_equal(a, b), p1, p2)
    assert all(jax.tree.leaves(chex_equal))
    assert not np.array_equal(p1["first"]["w"], p3["first"]["w"])
    after = jax.tree.map(np.asarray, net.split())
    assert all(jax.tree.leaves(jax.tree.map(np.array_equal, before, after)))


def test_init_under_vmap_gives_an_ensemble(x):
    net = Net()
    keys = jax.random.split(jax.random.key(0), 3)
    params, state = jax.vmap(lambda k: net.init(k, x))(keys)
    assert params["first"]["w"].shape == (3, 3, 5)
    single, _ = net.init(keys[1], x)
    np.testing.assert_allclose(params["first"]["w"][1], single["first"]["w"], rtol=1e-6)
    assert not np.allclose(params["first"]["w"][0], params["first"]["w"][1])
    ys, _ = jax.vmap(net.apply, in_axes=(0, 0, None))(params, state, x)
    assert ys.shape == (3, 4, 2)


def test_apply_matches_a_hand_written_function_and_threads_state(x):
    net = Net()
    params, state = net.init(jax.random.key(0), x)
    y, state1, losses = net.apply(params, state, x, return_losses=True)
    np.testing.assert_allclose(y, hand_written(params, x), rtol=1e-5, atol=1e-6)
    h = x @ params["first"]["w"] + params["first"]["b"]
    np.testing.assert_allclose(state1["counter"]["total"], h.sum(0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(losses[0], h.mean(), rtol=1e-5, atol=1e-6)
    _, state2 = net.apply(params, state1, x)
    np.testing.assert_allclose(state2["counter"]["total"], 2 * h.sum(0), rtol=1e-5, atol=1e-6)


def test_apply_never_touches_the_facade(x):
    net = Net()
    net(x)
    boxes = [np.asarray(v.value) for v in net.variables]
    losses = [np.asarray(loss) for loss in net.losses]
    params, state = net.init(jax.random.key(5), x)
    jax.jit(net.apply)(params, state, x)
    net.apply(params, state, x)
    assert all(np.array_equal(a, np.asarray(v.value)) for a, v in zip(boxes, net.variables))
    assert [np.asarray(loss) for loss in net.losses] == losses


def test_jit_of_apply_equals_eager_apply_and_the_facade(x):
    net = Net()
    params, state = net.split() if net.built else net.init(jax.random.key(0), x)
    net.merge(params, state)
    eager, eager_state = net.apply(params, state, x)
    jitted, jitted_state = jax.jit(net.apply)(params, state, x)
    np.testing.assert_allclose(eager, jitted, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(eager_state["counter"]["total"], jitted_state["counter"]["total"])
    np.testing.assert_allclose(net(x), eager, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(net.counter.total.value, eager_state["counter"]["total"], rtol=1e-6)


def test_grad_of_apply_matches_finite_differences(x):
    net = Net()
    params, state = net.init(jax.random.key(3), x)

    def loss(p):
        y, _, losses = net.apply(p, state, x, return_losses=True)
        return jnp.sum(y**2) + sum(losses)

    grads = jax.grad(loss)(params)
    flat, unravel = jax.flatten_util.ravel_pytree(params)
    g_flat, _ = jax.flatten_util.ravel_pytree(grads)
    rng = np.random.default_rng(0)
    for i in rng.choice(flat.size, size=8, replace=False):
        eps = 1e-3
        bump = jnp.zeros_like(flat).at[i].set(eps)
        numeric = (loss(unravel(flat + bump)) - loss(unravel(flat - bump))) / (2 * eps)
        np.testing.assert_allclose(g_flat[i], numeric, rtol=2e-2, atol=2e-3)


def test_losses_carry_gradients_to_params(x):
    layer = Affine(3)
    params, state = layer.init(jax.random.key(0), x)

    class Reg(lamina.Layer):
        def __init__(self):
            super().__init__()
            self.inner = layer

        def call(self, inputs):
            out = self.inner(inputs)
            self.add_loss(ops.sum(out))
            return out

    outer = Reg()
    p, s = outer.init(jax.random.key(0), x)
    g = jax.grad(lambda p: outer.apply(p, s, x, return_losses=True)[2][0])(p)
    np.testing.assert_allclose(g["inner"]["b"], np.full(3, x.shape[0]), rtol=1e-6)
    np.testing.assert_allclose(g["inner"]["w"], np.tile(x.sum(0)[:, None], (1, 3)), rtol=1e-5)


def test_split_merge_round_trip(x):
    a, b = Net(), Net()
    a(x)
    b(x)
    b.merge(*a.split())
    np.testing.assert_allclose(a(x), b(x), rtol=1e-6)


def test_mismatched_params_are_refused_with_every_path_named(x):
    net = Net()
    params, state = net.init(jax.random.key(0), x)
    bad = jax.tree.map(lambda v: v, params)
    del bad["first"]["b"]
    bad["second"]["w"] = jnp.zeros((5, 3))
    bad["extra"] = jnp.zeros(1)
    with pytest.raises(ValueError) as err:
        net.apply(bad, state, x)
    message = str(err.value)
    assert "missing params['first/b'] (shape (5,))" in message
    assert "params['second/w'] has shape (5, 3), expected (5, 2)" in message
    assert "unexpected params['extra']" in message
    before = [np.asarray(v.value) for v in net.variables]
    with pytest.raises(ValueError):
        net.merge(bad, state)
    assert all(np.array_equal(a, np.asarray(v.value)) for a, v in zip(before, net.variables))
    with pytest.raises(ValueError, match="is in params but the variable is non-trainable"):
        net.apply({**params, "counter": state["counter"]}, {}, x)


def test_trainable_false_moves_weights_into_state(x):
    net = Net()
    net.first.trainable = False
    params, state = net.init(jax.random.key(0), x)
    assert set(params) == {"second"}
    assert set(state["first"]) == {"w", "b"}
    assert net.first.trainable_weights == []
    assert len(net.non_trainable_weights) == 3
    net.first.trainable = True
    params, _ = net.init(jax.random.key(0), x)
    assert set(params) == {"first", "second"}
    assert not net.counter.total.trainable  # created non-trainable, stays so


def test_apply_on_an_unbuilt_layer_builds_it_abstractly(x):
    net = Net()
    params, state = net.init(jax.random.key(0), jax.ShapeDtypeStruct(x.shape, x.dtype))
    assert net.built and net.first.w.shape == (3, 5)
    assert not isinstance(net.first.w.value, jax.core.Tracer)
    y, _ = jax.jit(net.apply)(params, state, x)
    assert y.shape == (4, 2)


def test_building_inside_a_users_jit_keeps_weights_concrete(x):
    net = Net()
    y = jax.jit(lambda p: Affine(2)(p))(x)
    layer = Affine(2)
    out = jax.jit(lambda v: layer(v))(x)
    assert not isinstance(layer.w.value, jax.core.Tracer)
    np.testing.assert_allclose(out, layer(x), rtol=1e-6, atol=1e-6)
    assert y.shape == (4, 2)
    with pytest.raises(ValueError, match="updated its state .* inside a JAX transformation"):
        jax.jit(lambda v: net(v))(x)


def test_scan_over_a_sublayer_inside_call_works_for_stateless_layers(x):
    class Repeat(lamina.Layer):
        def __init__(self):
            super().__init__()
            self.cell = Affine(3)

        def call(self, inputs):
            def step(h, _):
                return jnp.tanh(self.cell(h)), None

            h, _ = jax.lax.scan(step, inputs, None, length=4)
            return h

    layer = Repeat()
    params, state = layer.init(jax.random.key(0), x)
    y, _ = jax.jit(layer.apply)(params, state, x)
    h = x
    for _ in range(4):
        h = jnp.tanh(h @ params["cell"]["w"] + params["cell"]["b"])
    np.testing.assert_allclose(y, h, rtol=1e-5, atol=1e-6)
    g = jax.grad(lambda p: jnp.sum(layer.apply(p, state, x)[0]))(params)
    assert np.all(np.isfinite(g["cell"]["w"]))


def test_state_updates_inside_scan_fail_loudly(x):
    class ScanCounter(lamina.Layer):
        def __init__(self):
            super().__init__()
            self.counter = Counter()

        def call(self, inputs):
            return jax.lax.scan(lambda c, _: (self.counter(c), None), inputs, None, length=2)[0]

    layer = ScanCounter()
    params, state = layer.init(jax.random.key(0), x)
    with pytest.raises(Exception, match="(?i)tracer"):
        jax.block_until_ready(jax.jit(layer.apply)(params, state, x))
