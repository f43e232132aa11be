import lamina  # noqa: F401, I001  (imported first, before the modules under test)

import jax
import jax.numpy as jnp
import keras
import numpy as np
import pytest

import lamina.constraints as constraints
from lamina.core import registry

CASES = [
    ("MaxNorm", {}),
    ("MaxNorm", {"max_value": 1.5, "axis": 1}),
    ("MaxNorm", {"max_value": 3, "axis": [0, 1, 2]}),
    ("MinMaxNorm", {}),
    ("MinMaxNorm", {"min_value": 1.0, "max_value": 2.5, "rate": 0.5, "axis": 1}),
    ("MinMaxNorm", {"min_value": 0.5, "max_value": 4.0, "axis": [0, 1, 2]}),
    ("NonNeg", {}),
    ("UnitNorm", {}),
    ("UnitNorm", {"axis": -1}),
    ("UnitNorm", {"axis": [0, 1, 2]}),
]
IDS = [f"{name}-{kwargs}" for name, kwargs in CASES]
# Norms both below and above the bounds, and one all-zero slice.
W = (np.random.default_rng(0).normal(size=(3, 3, 4, 6)) * np.linspace(0, 2, 6)).astype(np.float32)


def ours(name, **kwargs):
    return getattr(constraints, name)(**kwargs)


def theirs(name, **kwargs):
    return getattr(keras.constraints, name)(**kwargs)


def weights_for(kwargs):
    """A kernel-shaped weight for multi-axis cases, a (4, 6) matrix otherwise."""
    return W if isinstance(kwargs.get("axis"), list) else W[0, 0]


@pytest.mark.parametrize("name,kwargs", CASES, ids=IDS)
def test_equals_keras(name, kwargs):
    w = jnp.asarray(weights_for(kwargs))
    got = ours(name, **kwargs)(w)
    want = theirs(name, **kwargs)(w)
    assert got.shape == w.shape and got.dtype == want.dtype
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)


def test_semantics():
    w = jnp.asarray(W[0, 0])
    norms = lambda x, axis=0: np.linalg.norm(np.asarray(x), axis=axis)
    assert norms(constraints.MaxNorm(1.0)(w)).max() <= 1.0 + 1e-6
    unit = norms(constraints.UnitNorm()(w))
    np.testing.assert_allclose(unit[1:], 1.0, rtol=1e-5)  # column 0 is all zero: stays zero
    assert unit[0] == 0.0
    bounded = norms(constraints.MinMaxNorm(0.5, 1.0)(w))[1:]
    assert bounded.min() >= 0.5 - 1e-5 and bounded.max() <= 1.0 + 1e-5
    assert float(constraints.NonNeg()(w).min()) == 0.0
    assert constraints.Constraint()(w) is w


def test_jit_and_integer_weights():
    cons = [
        ours(name, **kwargs) for name, kwargs in CASES if not isinstance(kwargs.get("axis"), list)
    ]
    w = jnp.asarray(W[0, 0])
    jitted = jax.jit(lambda x: [c(x) for c in cons])(w)
    for c, got in zip(cons, jitted):
        np.testing.assert_allclose(got, c(w), rtol=1e-6, atol=1e-7)
    ints = jnp.arange(-3, 3).reshape(2, 3)
    np.testing.assert_array_equal(constraints.NonNeg()(ints), keras.constraints.NonNeg()(ints))
    np.testing.assert_allclose(constraints.UnitNorm()(ints), keras.constraints.UnitNorm()(ints))


@pytest.mark.parametrize("name,kwargs", CASES, ids=IDS)
def test_config_equals_keras_and_round_trips(name, kwargs):
    con = ours(name, **kwargs)
    config = con.get_config()
    assert config == theirs(name, **kwargs).get_config()
    assert type(con).from_config(config).get_config() == config
    serialized = constraints.serialize(con)
    assert serialized == {
        "module": "lamina.constraints",
        "class_name": name,
        "config": config,
        "registered_name": None,
    }
    assert constraints.deserialize(serialized).get_config() == config
    from_keras = constraints.deserialize(keras.constraints.serialize(theirs(name, **kwargs)))
    assert type(from_keras) is type(con) and from_keras.get_config() == config


@pytest.mark.parametrize(
    "identifier,cls",
    [
        ("max_norm", "MaxNorm"),
        ("MaxNorm", "MaxNorm"),
        ("min_max_norm", "MinMaxNorm"),
        ("non_neg", "NonNeg"),
        ("NonNeg", "NonNeg"),
        ("unit_norm", "UnitNorm"),
        ("constraint", "Constraint"),
        ({"class_name": "MaxNorm", "config": {"max_value": 3, "axis": 1}}, "MaxNorm"),
        (
            {
                "module": "keras.constraints",
                "class_name": "UnitNorm",
                "config": {"axis": 1},
                "registered_name": None,
            },
            "UnitNorm",
        ),
        (constraints.NonNeg, "NonNeg"),
    ],
)
def test_get(identifier, cls):
    got = constraints.get(identifier)
    assert type(got) is getattr(constraints, cls)
    if isinstance(identifier, str):  # the same class Keras resolves the name to
        assert cls == type(keras.constraints.get(identifier)).__name__
    if isinstance(identifier, dict):
        assert got.get_config() == {**type(got)().get_config(), **identifier["config"]}


def test_get_passthrough_and_aliases():
    con = constraints.MaxNorm(3)
    assert constraints.get(None) is None
    assert constraints.get(con) is con

    def fn(w):
        return jnp.clip(w, -1, 1)

    assert constraints.get(fn) is fn
    assert constraints.max_norm is constraints.MaxNorm
    assert constraints.min_max_norm is constraints.MinMaxNorm
    assert constraints.non_neg is constraints.NonNeg
    assert constraints.unit_norm is constraints.UnitNorm
    assert isinstance(registry.resolve("constraint", "non_neg"), constraints.NonNeg)


@pytest.mark.parametrize("bad", ["nonneg", {"class_name": "Clip", "config": {}}, 2])
def test_get_rejects_unknown(bad):
    with pytest.raises(ValueError) as info:
        constraints.get(bad)
    message = str(info.value)
    assert "constraint" in message and "max_norm" in message
    if isinstance(bad, str):
        assert repr(bad) in message
