import lamina  # noqa: F401, I001  (imported first, before the modules under test)

import math

import jax
import jax.numpy as jnp
import keras
import numpy as np
import pytest

import lamina.initializers as initializers
from lamina.core import random as core_random
from lamina.core import registry

TRUNC = 0.87962566103423978
# Few distinct shapes: every new shape costs XLA compilations.
SHAPE_A = (3, 4, 5)  # kernel-like fans; Orthogonal flattens to 12 rows > 5 cols
SHAPE_B = (5, 12)  # a matrix; Orthogonal has rows < cols

# (class name, constructor kwargs) of every seeded initializer, with a spread of arguments.
RANDOM_CASES = [
    ("RandomNormal", {}),
    ("RandomNormal", {"mean": 1.5, "stddev": 0.3}),
    ("RandomUniform", {}),
    ("RandomUniform", {"minval": -2.0, "maxval": 3.0}),
    ("TruncatedNormal", {}),
    ("TruncatedNormal", {"mean": -1.0, "stddev": 2.0}),
    ("VarianceScaling", {}),
    ("VarianceScaling", {"scale": 2.0, "mode": "fan_out", "distribution": "uniform"}),
    ("VarianceScaling", {"scale": 0.5, "mode": "fan_avg", "distribution": "untruncated_normal"}),
    ("VarianceScaling", {"mode": "fan_avg", "distribution": "normal"}),
    ("VarianceScaling", {"input_axes": [0], "output_axes": [-1]}),
    ("GlorotNormal", {}),
    ("GlorotUniform", {}),
    ("HeNormal", {}),
    ("HeUniform", {}),
    ("LecunNormal", {}),
    ("LecunUniform", {}),
    ("Orthogonal", {}),
    ("Orthogonal", {"gain": 2.5}),
]
RANDOM_IDS = [f"{name}-{kw}" for name, kw in RANDOM_CASES]
DETERMINISTIC_CASES = [
    ("Zeros", {}),
    ("Ones", {}),
    ("Constant", {}),
    ("Constant", {"value": 3.5}),
    ("Identity", {}),
    ("Identity", {"gain": 2.0}),
]


def ours(name, **kwargs):
    return getattr(initializers, name)(**kwargs)


def theirs(name, **kwargs):
    return getattr(keras.initializers, name)(**kwargs)


def keras_key(seed):
    """The raw key Keras' JAX backend draws from for an int ``seed``."""
    return jnp.array([seed, 0], jnp.uint32)


# ----------------------------------------------------------------- values vs Keras


@pytest.mark.parametrize("name,kwargs", DETERMINISTIC_CASES)
@pytest.mark.parametrize("shape,dtype", [((3, 3), None), (SHAPE_B, None), ((12, 5), "bfloat16")])
def test_deterministic_equal_keras(name, kwargs, shape, dtype):
    got = ours(name, **kwargs)(shape, dtype)
    want = theirs(name, **kwargs)(shape, dtype)
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(np.asarray(got, np.float32), np.asarray(want, np.float32))


@pytest.mark.parametrize("name", ["Zeros", "Ones", "Constant"])
@pytest.mark.parametrize("shape", [(), (4,), (2, 3, 4)])
def test_deterministic_int_dtype_and_any_rank(name, shape):
    kwargs = {"value": 2.7} if name == "Constant" else {}
    got = ours(name, **kwargs)(shape, "int32")
    want = theirs(name, **kwargs)(shape, "int32")
    assert got.dtype == jnp.int32 and got.shape == shape
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("name,kwargs", RANDOM_CASES, ids=RANDOM_IDS)
@pytest.mark.parametrize("shape", [SHAPE_A, SHAPE_B])
def test_sample_from_keras_key_equals_keras(name, kwargs, shape):
    # Keras' JAX backend draws from the raw key [seed, 0]; given that key, `sample`
    # must compute exactly what Keras computes (distribution, fans, stddev, QR).
    got = ours(name, **kwargs).sample(keras_key(7), shape)
    want = theirs(name, seed=7, **kwargs)(shape)
    assert got.shape == shape and got.dtype == jnp.float32
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize(
    "shape,input_axes,output_axes",
    [
        ((), None, None),
        ((7,), None, None),
        ((3, 4), None, None),
        ((2, 3, 4, 5), None, None),
        ((3, 4, 5), [0, 1], [2]),
        ((3, 4, 5), [0], [1, 2]),
    ],
)
def test_compute_fans_equal_keras(shape, input_axes, output_axes):
    from keras.src.initializers.random_initializers import compute_fans

    assert initializers.compute_fans(shape, input_axes, output_axes) == compute_fans(
        shape, input_axes, output_axes
    )


# ----------------------------------------------------------------- statistics

SHAPE = (400, 500)  # fan_in 400, fan_out 500, fan_avg 450
FANS = {"fan_in": 400, "fan_out": 500, "fan_avg": 450}


def check_stats(x, std, bound=None, mean=0.0):
    x = np.asarray(x, np.float64)
    assert abs(x.mean() - mean) < 0.02 * std + 1e-9
    assert x.std() == pytest.approx(std, rel=0.02)
    if bound is not None:
        assert np.all(np.abs(x - mean) <= bound * (1 + 1e-6))
        assert np.abs(x - mean).max() > 0.95 * bound  # the support really reaches the bound


@pytest.mark.parametrize("mode", ["fan_in", "fan_out", "fan_avg"])
@pytest.mark.parametrize("distribution", ["truncated_normal", "untruncated_normal", "uniform"])
@pytest.mark.parametrize("scale", [1.0, 2.0])
def test_variance_scaling_statistics(mode, distribution, scale):
    x = initializers.VarianceScaling(scale, mode, distribution, seed=3)(SHAPE)
    variance = scale / FANS[mode]
    if distribution == "truncated_normal":
        check_stats(x, math.sqrt(variance), bound=2 * math.sqrt(variance) / TRUNC)
    elif distribution == "untruncated_normal":
        check_stats(x, math.sqrt(variance))
    else:
        check_stats(x, math.sqrt(variance), bound=math.sqrt(3 * variance))


@pytest.mark.parametrize(
    "name,scale,mode,distribution",
    [
        ("GlorotNormal", 1.0, "fan_avg", "truncated_normal"),
        ("GlorotUniform", 1.0, "fan_avg", "uniform"),
        ("HeNormal", 2.0, "fan_in", "truncated_normal"),
        ("HeUniform", 2.0, "fan_in", "uniform"),
        ("LecunNormal", 1.0, "fan_in", "truncated_normal"),
        ("LecunUniform", 1.0, "fan_in", "uniform"),
    ],
)
def test_presets_are_variance_scaling(name, scale, mode, distribution):
    init = ours(name, seed=5)
    assert (init.scale, init.mode, init.distribution) == (scale, mode, distribution)
    want = initializers.VarianceScaling(scale, mode, distribution, seed=5)(SHAPE)
    np.testing.assert_array_equal(init(SHAPE), want)
    std = math.sqrt(scale / FANS[mode])
    bound = math.sqrt(3) * std if distribution == "uniform" else 2 * std / TRUNC
    check_stats(init(SHAPE), std, bound=bound)


def test_random_normal_uniform_truncated_statistics():
    check_stats(initializers.RandomNormal(1.0, 0.5, seed=0)(SHAPE), 0.5, mean=1.0)
    check_stats(
        initializers.RandomUniform(-1.0, 3.0, seed=0)(SHAPE), 4 / math.sqrt(12), bound=2.0, mean=1.0
    )
    x = initializers.TruncatedNormal(-2.0, 0.5, seed=0)(SHAPE)
    check_stats(x, 0.5 * TRUNC, bound=1.0, mean=-2.0)
    defaults = initializers.TruncatedNormal(seed=1)(SHAPE)
    check_stats(defaults, 0.05 * TRUNC, bound=0.1)


@pytest.mark.parametrize("shape", [SHAPE_A, SHAPE_B])
@pytest.mark.parametrize("gain", [1.0, 2.5])
def test_orthogonal_is_orthonormal(shape, gain):
    q = np.asarray(initializers.Orthogonal(gain=gain, seed=2)(shape), np.float64)
    assert q.shape == shape
    q = q.reshape(-1, shape[-1])
    rows, cols = q.shape
    gram = q @ q.T if rows <= cols else q.T @ q
    np.testing.assert_allclose(gram, gain**2 * np.eye(min(rows, cols)), atol=1e-5 * gain**2)


def test_orthogonal_half_precision():
    q = initializers.Orthogonal(seed=0)(SHAPE_B, "bfloat16")
    assert q.dtype == jnp.bfloat16
    q = np.asarray(q, np.float32)
    np.testing.assert_allclose(q @ q.T, np.eye(5), atol=0.05)


# ----------------------------------------------------------------- seeds and keys


@pytest.mark.parametrize("name,kwargs", RANDOM_CASES, ids=RANDOM_IDS)
def test_seed_semantics(name, kwargs):
    shape = SHAPE_A
    seeded = ours(name, seed=11, **kwargs)
    first = seeded(shape)
    np.testing.assert_array_equal(first, seeded(shape))
    np.testing.assert_array_equal(first, ours(name, seed=11, **kwargs)(shape))
    np.testing.assert_array_equal(first, seeded.sample(jax.random.key(11), shape))
    assert not np.array_equal(first, ours(name, seed=12, **kwargs)(shape))
    unseeded = ours(name, **kwargs)
    assert not np.array_equal(unseeded(shape), unseeded(shape))


def test_global_seed_makes_unseeded_calls_reproducible():
    init = initializers.GlorotUniform()
    core_random.set_global_seed(123)
    a = [init(SHAPE_B), init(SHAPE_B)]
    core_random.set_global_seed(123)
    b = [init(SHAPE_B), init(SHAPE_B)]
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[0], a[1])


def test_sample_is_pure_under_jit_and_vmap():
    # One compiled function for one case of each code path keeps this fast.
    cases = [RANDOM_CASES[i] for i in (1, 3, 5, 13, 18)]
    inits = [ours(name, seed=1, **kwargs) for name, kwargs in cases]
    keys = jax.random.split(jax.random.key(42), 3)
    batched = jax.jit(jax.vmap(lambda k: [init.sample(k, SHAPE_A) for init in inits]))
    # Raw uint32[2] key data here (what a vmapped `init` carries); typed keys below.
    for (name, kwargs), init, batch in zip(cases, inits, batched(jax.random.key_data(keys))):
        case = f"{name}{kwargs}"
        assert batch.shape == (3, *SHAPE_A), case
        assert not np.array_equal(batch[0], batch[1]), case  # different keys, different values
        assert not np.array_equal(batch[1], batch[2]), case
        eager = init.sample(keys[1], SHAPE_A)
        np.testing.assert_allclose(batch[1], eager, rtol=1e-5, atol=1e-6, err_msg=case)
        np.testing.assert_array_equal(init.sample(keys[1], SHAPE_A), eager, err_msg=case)
        # `sample` draws from the key alone: the seed plays no part.
        other = ours(name, seed=2, **kwargs).sample(keys[1], SHAPE_A)
        np.testing.assert_array_equal(other, eager, err_msg=case)
    uniform = initializers.RandomUniform()
    typed = jax.jit(jax.vmap(lambda k: uniform.sample(k, SHAPE_A)))(keys)
    np.testing.assert_array_equal(typed[2], uniform.sample(jax.random.key_data(keys[2]), SHAPE_A))


@pytest.mark.parametrize("name,kwargs", DETERMINISTIC_CASES)
def test_deterministic_sample_ignores_key(name, kwargs):
    init = ours(name, **kwargs)
    want = init(SHAPE_B)
    np.testing.assert_array_equal(init.sample(jax.random.key(0), SHAPE_B), want)
    keys = jax.random.split(jax.random.key(0), 2)
    batch = jax.jit(jax.vmap(lambda k: init.sample(k, SHAPE_B)))(keys)
    np.testing.assert_array_equal(batch, jnp.stack([want, want]))


def test_dtypes():
    assert initializers.RandomNormal(seed=0)((2, 2)).dtype == jnp.float32
    assert initializers.GlorotUniform(seed=0)(SHAPE_B, "bfloat16").dtype == jnp.bfloat16
    sample = initializers.RandomNormal().sample(jax.random.key(0), SHAPE_B, "float16")
    assert sample.dtype == jnp.float16
    with pytest.raises(ValueError, match="floating-point"):
        initializers.RandomNormal()((2, 2), "int32")


def test_keras_style_subclass_overriding_call_gets_sample():
    class Halves(initializers.Initializer):
        def __call__(self, shape, dtype=None):
            return jnp.full(shape, 0.5, dtype or "float32")

    np.testing.assert_array_equal(Halves().sample(jax.random.key(0), (2,)), [0.5, 0.5])
    with pytest.raises(NotImplementedError, match="sample"):
        initializers.Initializer()((2,))


# ----------------------------------------------------------------- validation


@pytest.mark.parametrize(
    "make",
    [
        lambda m: m.VarianceScaling(scale=0.0),
        lambda m: m.VarianceScaling(scale=-1.0),
        lambda m: m.VarianceScaling(mode="fan_sum"),
        lambda m: m.VarianceScaling(distribution="gamma"),
        lambda m: m.RandomNormal(seed="abc"),
        lambda m: m.Identity()((2, 2, 2)),
        lambda m: m.Orthogonal()((4,)),
    ],
)
def test_invalid_arguments_raise_like_keras(make):
    with pytest.raises(ValueError):
        make(initializers)
    with pytest.raises(ValueError):
        make(keras.initializers)


# ----------------------------------------------------------------- configs


CONFIG_CASES = [(n, kw) for n, kw in DETERMINISTIC_CASES + RANDOM_CASES] + [
    ("RandomNormal", {"seed": 3}),
    ("GlorotUniform", {"seed": 9}),
    ("Orthogonal", {"gain": 0.5, "seed": 4}),
    ("VarianceScaling", {"scale": 3.0, "mode": "fan_out", "seed": 2}),
]


@pytest.mark.parametrize("name,kwargs", CONFIG_CASES, ids=[f"{n}-{k}" for n, k in CONFIG_CASES])
def test_config_equals_keras_and_round_trips(name, kwargs):
    init = ours(name, **kwargs)
    config = init.get_config()
    want = theirs(name, **kwargs).get_config()
    if name == "Identity":  # Keras' Identity has no get_config and drops `gain`
        assert want == {} and config == {"gain": kwargs.get("gain", 1.0)}
    else:
        assert config == want
    clone = type(init).from_config(config)
    assert type(clone) is type(init) and clone.get_config() == config
    assert init.clone().get_config() == config

    serialized = initializers.serialize(init)
    assert serialized == {
        "module": "lamina.initializers",
        "class_name": name,
        "config": config,
        "registered_name": None,
    }
    assert initializers.deserialize(serialized).get_config() == config
    # Keras' own serialized form loads into the lamina class.
    from_keras = initializers.deserialize(keras.initializers.serialize(theirs(name, **kwargs)))
    assert type(from_keras) is type(init)
    assert from_keras.get_config() == type(init)(**want).get_config()


def test_seeded_round_trip_reproduces_values():
    init = initializers.Orthogonal(gain=2.0, seed=5)
    clone = initializers.deserialize(initializers.serialize(init))
    np.testing.assert_array_equal(clone(SHAPE_B), init(SHAPE_B))


# ----------------------------------------------------------------- get


def test_get_accepts_every_keras_name():
    from keras.src.initializers import ALL_OBJECTS_DICT as KERAS_NAMES

    names = [n for n in KERAS_NAMES if "stft" not in n.lower()]
    assert sorted(names) == sorted(initializers.ALL_OBJECTS_DICT)
    for name in names:
        got = initializers.get(name)
        assert type(got).__name__ == KERAS_NAMES[name].__name__, name
        assert isinstance(got, initializers.Initializer)


@pytest.mark.parametrize(
    "name",
    [
        "zeros",
        "ones",
        "constant",
        "random_normal",
        "random_uniform",
        "truncated_normal",
        "glorot_uniform",
        "glorot_normal",
        "he_normal",
        "he_uniform",
        "lecun_normal",
        "lecun_uniform",
        "orthogonal",
        "identity",
        "variance_scaling",
    ],
)
def test_lowercase_aliases_are_the_classes(name):
    alias = getattr(initializers, name)
    assert alias is type(initializers.get(name))
    assert alias.__name__ == type(getattr(keras.initializers, name)()).__name__


def test_get_identifiers():
    init = initializers.HeNormal(seed=1)
    assert initializers.get(None) is None
    assert initializers.get(init) is init
    assert isinstance(initializers.get(initializers.Ones), initializers.Ones)
    got = initializers.get(
        {"class_name": "RandomUniform", "config": {"minval": 0.0, "maxval": 1.0}}
    )
    assert isinstance(got, initializers.RandomUniform) and (got.minval, got.maxval) == (0.0, 1.0)
    got = initializers.get(
        {
            "module": "keras.initializers",
            "class_name": "Constant",
            "config": {"value": 4.0},
            "registered_name": None,
        }
    )
    np.testing.assert_array_equal(got((2,)), [4.0, 4.0])

    def fn(shape, dtype=None):
        return jnp.full(shape, 7.0)

    assert initializers.get(fn) is fn
    array = np.arange(6.0).reshape(2, 3)
    from_array = initializers.get(array)
    np.testing.assert_array_equal(from_array((2, 3)), array)
    np.testing.assert_array_equal(from_array.sample(jax.random.key(0), (2, 3), "int32"), array)
    with pytest.raises(ValueError, match="Expected `shape`"):
        from_array((3, 2))


@pytest.mark.parametrize(
    "bad", ["glorot_unifrom", {"class_name": "Nope", "config": {}}, 3, {"config": {}}]
)
def test_get_rejects_unknown(bad):
    with pytest.raises(ValueError) as info:
        initializers.get(bad)
    message = str(info.value)
    if not (isinstance(bad, dict) and "class_name" not in bad):
        assert "glorot_uniform" in message and "he_normal" in message  # lists valid names
    if isinstance(bad, str):
        assert repr(bad) in message


def test_custom_objects_and_registry():
    class MyInit(initializers.Constant):
        pass

    config = initializers.serialize(MyInit(2.0))
    assert config["class_name"] == "MyInit" and config["registered_name"] == "MyInit"
    got = initializers.deserialize(config, custom_objects={"MyInit": MyInit})
    assert isinstance(got, MyInit) and got.value == 2.0
    assert isinstance(registry.resolve("initializer", "glorot_uniform"), initializers.GlorotUniform)
