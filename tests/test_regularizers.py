import lamina  # noqa: F401, I001  (imported first, before the modules under test)

import math

import jax
import jax.numpy as jnp
import keras
import numpy as np
import pytest

import lamina.regularizers as regularizers
from lamina.core import registry

CASES = [
    ("L1", {}),
    ("L1", {"l1": 0.3}),
    ("L2", {}),
    ("L2", {"l2": 0.5}),
    ("L1L2", {}),
    ("L1L2", {"l1": 0.1, "l2": 0.2}),
    ("L1L2", {"l2": 0.1}),
    ("OrthogonalRegularizer", {}),
    ("OrthogonalRegularizer", {"factor": 0.5, "mode": "columns"}),
]
IDS = [f"{name}-{kwargs}" for name, kwargs in CASES]
X = np.random.default_rng(0).normal(size=(6, 4)).astype(np.float32)


def ours(name, **kwargs):
    return getattr(regularizers, name)(**kwargs)


def theirs(name, **kwargs):
    return getattr(keras.regularizers, name)(**kwargs)


def same_config(got, want):
    """Equal configs; Keras stores L1 and OrthogonalRegularizer factors as float32."""
    assert got.keys() == want.keys()
    for key, value in want.items():
        if isinstance(value, float):
            assert got[key] == pytest.approx(value, rel=1e-7), key
        else:
            assert got[key] == value, key


INPUTS = {"tall": X, "wide": X.T, "rank3": X.reshape(2, 3, 4)}
VALUE_CASES = [
    (name, kwargs, shape)
    for name, kwargs in CASES
    for shape in (["tall", "wide"] if name == "OrthogonalRegularizer" else ["tall", "rank3"])
]


@pytest.mark.parametrize(
    "name,kwargs,shape", VALUE_CASES, ids=[f"{n}-{k}-{s}" for n, k, s in VALUE_CASES]
)
def test_value_equals_keras(name, kwargs, shape):
    x = INPUTS[shape]
    got = ours(name, **kwargs)(jnp.asarray(x))
    want = theirs(name, **kwargs)(jnp.asarray(x))
    assert got.shape == () and got.dtype == jnp.float32
    np.testing.assert_allclose(got, want, rtol=1e-6)


def test_formulas():
    x = jnp.asarray(X)
    assert float(regularizers.L2(0.01)(x)) == pytest.approx(0.01 * float(np.sum(X**2)), rel=1e-6)
    assert float(regularizers.L1(0.01)(x)) == pytest.approx(0.01 * float(np.abs(X).sum()), rel=1e-6)
    assert float(regularizers.L1L2()(x)) == 0.0
    q = np.linalg.qr(X)[0]  # orthonormal columns: no penalty in "columns" mode
    assert float(regularizers.OrthogonalRegularizer(mode="columns")(q)) == pytest.approx(
        0, abs=1e-7
    )
    assert float(regularizers.Regularizer()(x)) == 0.0


def test_jit_and_grad():
    regs = [ours(name, **kwargs) for name, kwargs in CASES]
    total = jax.jit(lambda w: sum(r(w) for r in regs))
    eager = sum(float(r(jnp.asarray(X))) for r in regs)
    assert float(total(jnp.asarray(X))) == pytest.approx(eager, rel=1e-5)
    grad = jax.grad(lambda w: regularizers.L2(0.5)(w))(jnp.asarray(X))
    np.testing.assert_allclose(grad, X, rtol=1e-6)  # d/dw 0.5 * sum(w^2) = w


def test_bfloat16_input_keeps_dtype():
    assert regularizers.L2()(jnp.asarray(X, jnp.bfloat16)).dtype == jnp.bfloat16


@pytest.mark.parametrize("name,kwargs", CASES, ids=IDS)
def test_config_equals_keras_and_round_trips(name, kwargs):
    reg = ours(name, **kwargs)
    config = reg.get_config()
    same_config(config, theirs(name, **kwargs).get_config())
    assert type(reg).from_config(config).get_config() == config
    serialized = regularizers.serialize(reg)
    assert serialized == {
        "module": "lamina.regularizers",
        "class_name": name,
        "config": config,
        "registered_name": None,
    }
    assert regularizers.deserialize(serialized).get_config() == config
    from_keras = regularizers.deserialize(keras.regularizers.serialize(theirs(name, **kwargs)))
    assert type(from_keras) is type(reg)
    same_config(from_keras.get_config(), config)


def test_none_factors_mean_defaults_like_keras():
    assert regularizers.L1(None).l1 == 0.01
    assert regularizers.L2(None).l2 == 0.01
    assert regularizers.L1L2(None, None).get_config() == {"l1": 0.0, "l2": 0.0}


@pytest.mark.parametrize(
    "name,kwargs",
    [
        ("L1", {"l1": -0.1}),
        ("L2", {"l2": "0.1"}),
        ("L2", {"l2": math.nan}),
        ("L1L2", {"l1": math.inf}),
        ("L1L2", {"l2": -1}),
        ("OrthogonalRegularizer", {"factor": -0.5}),
        ("OrthogonalRegularizer", {"mode": "diagonal"}),
    ],
)
def test_invalid_factors_raise_like_keras(name, kwargs):
    with pytest.raises(ValueError) as info:
        ours(name, **kwargs)
    with pytest.raises(ValueError):
        theirs(name, **kwargs)
    argument = next(iter(kwargs))
    assert argument in str(info.value)


def test_orthogonal_needs_rank_2():
    with pytest.raises(ValueError, match="rank 2"):
        regularizers.OrthogonalRegularizer()(jnp.ones((2, 2, 2)))


@pytest.mark.parametrize(
    "identifier,cls",
    [
        ("l1", "L1"),
        ("l2", "L2"),
        ("l1_l2", "L1L2"),
        ("l1l2", "L1L2"),
        ("L2", "L2"),
        ("L1L2", "L1L2"),
        ("orthogonal_regularizer", "OrthogonalRegularizer"),
        ("OrthogonalRegularizer", "OrthogonalRegularizer"),
        ({"class_name": "L2", "config": {"l2": 0.1}}, "L2"),
        (regularizers.L1, "L1"),
    ],
)
def test_get(identifier, cls):
    got = regularizers.get(identifier)
    assert type(got) is getattr(regularizers, cls)


def test_get_passthrough_and_aliases():
    reg = regularizers.L2(0.3)
    assert regularizers.get(None) is None
    assert regularizers.get(reg) is reg

    def fn(x):
        return jnp.sum(x)

    assert regularizers.get(fn) is fn
    assert regularizers.l1 is regularizers.L1 and regularizers.l2 is regularizers.L2
    assert regularizers.l1_l2 is regularizers.L1L2
    assert regularizers.orthogonal_regularizer is regularizers.OrthogonalRegularizer
    assert keras.regularizers.l2.__name__ == "L2"  # Keras: the lowercase name is the class
    assert isinstance(registry.resolve("regularizer", "l2"), regularizers.L2)


@pytest.mark.parametrize("bad", ["l3", {"class_name": "L3", "config": {}}, 0.01])
def test_get_rejects_unknown(bad):
    with pytest.raises(ValueError) as info:
        regularizers.get(bad)
    message = str(info.value)
    assert "regularizer" in message and "l1_l2" in message
    if isinstance(bad, str):
        assert repr(bad) in message
