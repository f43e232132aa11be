"""Layer: names, tracking, weights, trainable, config, and errors."""

import jax.numpy as jnp
import numpy as np
import pytest

import lamina
from lamina import ops


class Linear(lamina.Layer):
    def __init__(self, units=32, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="random_normal")
        self.b = self.add_weight(shape=(self.units,), initializer="zeros")

    def call(self, inputs):
        return ops.matmul(inputs, self.w) + self.b


class MLPBlock(lamina.Layer):
    pass


def test_names_are_snake_case_with_a_counter():
    lamina.reset_names()
    assert [Linear().name for _ in range(3)] == ["linear", "linear_1", "linear_2"]
    assert MLPBlock().name == "mlp_block"
    assert Linear(name="head").name == "head"
    assert Linear().name == "linear_3"


def test_weights_are_tracked_in_assignment_order():
    layer = Linear(4)
    layer(jnp.ones((2, 3)))
    assert layer.weights == [layer.w, layer.b]
    assert layer.trainable_weights == [layer.w, layer.b]
    assert layer.count_params() == 3 * 4 + 4


def test_layers_in_lists_tuples_and_dicts_are_tracked_including_later_appends():
    class Container(lamina.Layer):
        def __init__(self):
            super().__init__()
            self.blocks = [Linear(3), Linear(3)]
            self.pair = (Linear(3),)
            self.heads = {"a": Linear(2)}
            self.late = []

        def call(self, x):
            for block in [*self.blocks, *self.pair, *self.late]:
                x = block(x)
            return self.heads["a"](x)

    layer = Container()
    layer.late.append(Linear(3))
    params, state = layer.init(np.array(0, np.uint32).repeat(2), jnp.ones((1, 3)))
    assert set(params) == {"blocks", "pair", "heads", "late"}
    assert set(params["blocks"]) == {"0", "1"} and set(params["heads"]) == {"a"}
    assert len(layer.weights) == 10
    assert layer.late[0].w.path == "late/0/w"


def test_shared_layers_appear_once():
    shared = Linear(3)

    class Twice(lamina.Layer):
        def __init__(self):
            super().__init__()
            self.a = shared
            self.b = shared

        def call(self, x):
            return self.b(self.a(x))

    layer = Twice()
    layer(jnp.ones((1, 3)))
    assert len(layer.weights) == 2
    params, _ = layer.split()
    assert set(params) == {"a"}


def test_non_trainable_weights_and_trainable_flag():
    class Stats(lamina.Layer):
        def __init__(self):
            super().__init__()
            self.total = self.add_weight(shape=(2,), initializer="zeros", trainable=False)
            self.scale = self.add_weight(shape=(2,), initializer="ones")

        def call(self, x):
            return x * self.scale

    layer = Stats()
    assert layer.weights == [layer.scale, layer.total]  # trainable first, as Keras
    assert layer.non_trainable_weights == [layer.total]
    layer.trainable = False
    assert layer.trainable_weights == [] and len(layer.non_trainable_weights) == 2


def test_add_weight_accepts_initializer_objects_and_callables():
    class Init(lamina.Layer):
        def __init__(self):
            super().__init__()
            self.a = self.add_weight(shape=(2,), initializer=lamina.initializers.Constant(3.0))
            self.b = self.add_weight(
                shape=(2,), initializer=lambda shape, dtype=None: jnp.full(shape, 7.0)
            )
            self.c = self.add_weight(shape=(2,), dtype="int32")

    layer = Init()
    np.testing.assert_array_equal(layer.a.numpy(), [3, 3])
    np.testing.assert_array_equal(layer.b.numpy(), [7, 7])
    assert layer.c.dtype == "int32" and np.all(layer.c.numpy() == 0)
    with pytest.raises(ValueError, match="non-negative integers"):
        lamina.Layer().add_weight(shape=(None, 2))


def test_get_config_and_from_config_round_trip():
    layer = Linear(64, name="proj", trainable=False)
    config = layer.get_config()
    assert config == {"name": "proj", "trainable": False, "dtype": "float32", "units": 64}
    clone = Linear.from_config(config)
    assert (clone.name, clone.units, clone.trainable) == ("proj", 64, False)


def test_unknown_constructor_kwargs_are_refused_clearly():
    with pytest.raises(TypeError, match="unexpected keyword argument.*'unitz'"):
        Linear(4, unitz=3)
    with pytest.raises(TypeError, match="could not rebuild"):
        Linear.from_config({"units": 4, "bogus": 1})


def test_wrong_rank_or_last_dimension_after_build_names_layer_and_shapes():
    class Outer(lamina.Layer):
        def __init__(self):
            super().__init__()
            self.proj = Linear(4)

        def call(self, x):
            return self.proj(x)

    outer = Outer()
    outer(jnp.ones((2, 3)))
    with pytest.raises(ValueError) as err:
        outer(jnp.ones((2, 5)))
    message = str(err.value)
    assert "Layer 'proj' was built for inputs of shape (2, 3)" in message
    assert "received an input of shape (2, 5)" in message and "last dimension 3" in message
    with pytest.raises(ValueError, match=r"'proj' .* rank 2"):
        outer(jnp.ones((2,)))
    # Another batch size or extra leading axes that still work are fine.
    assert outer(jnp.ones((7, 3))).shape == (7, 4)
    dense = lamina.layers.Dense(2)
    with pytest.raises(ValueError, match=r"expected min_ndim=2, received input with shape \(3,\)"):
        dense(jnp.ones((3,)))


def test_count_params_before_build_is_an_error():
    with pytest.raises(ValueError, match="not built"):
        Linear(3).count_params()


def test_a_direct_build_call_marks_the_layer_built():
    layer = lamina.layers.Dense(2)
    layer.build((1, 3))
    assert layer.built
    layer(jnp.ones((1, 3)))
    assert [w.path for w in layer.weights] == ["kernel", "bias"]


def test_the_compiled_eager_call_follows_a_change_of_trainable():
    class Flag(lamina.layers.Layer):
        def call(self, x):
            return x * (1.0 if self.trainable else 0.0)

    class Outer(lamina.layers.Layer):
        def __init__(self):
            super().__init__()
            self.flag = Flag()

        def call(self, x):
            return self.flag(x)

    for layer, target in ((Flag(), None), (Outer(), "flag")):
        x = jnp.ones((2,))
        layer(x)
        layer(x)
        (getattr(layer, target) if target else layer).trainable = False
        np.testing.assert_array_equal(layer(x), jnp.zeros((2,)))


def test_a_keras_dtype_policy_config_is_accepted_as_dtype():
    policy = {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "bfloat16"}}
    assert lamina.layers.Dense(2, dtype=policy).dtype == "bfloat16"


def test_reprs_show_path_shape_dtype_and_parameter_counts():
    class Net(lamina.Model):
        def __init__(self):
            super().__init__(name="net")
            self.head = lamina.layers.Dense(3, name="dense_head")

        def call(self, x):
            return self.head(x)

    net = Net()
    assert repr(net.head) == "<Dense name=dense_head, path=head, built=False>"
    net(jnp.ones((1, 300)))
    assert repr(net) == "<Net name=net, built=True, params=903>"
    text = repr(net.head.kernel)
    assert text.startswith("<Variable path=head/kernel, shape=(300, 3), dtype=float32,")
    assert "..." in text and len(text) < 400  # a few values, not all 900
