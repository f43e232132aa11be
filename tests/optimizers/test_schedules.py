"""lamina's learning-rate schedules against keras.optimizers.schedules."""

import jax
import jax.numpy as jnp
import keras
import numpy as np
import optax
import pytest

from lamina.optimizers import schedules

CASES = [
    ("ExponentialDecay", (0.1, 100, 0.96), {}),
    ("ExponentialDecay", (0.01, 7, 0.5), {"staircase": True}),
    ("PiecewiseConstantDecay", ([100, 200], [1.0, 0.5, 0.1]), {}),
    ("PiecewiseConstantDecay", ([10], [0.3, 0.2]), {}),
    ("PolynomialDecay", (0.1, 100), {}),
    ("PolynomialDecay", (0.1, 100), {"end_learning_rate": 0.01, "power": 0.5}),
    ("PolynomialDecay", (0.1, 60), {"power": 2.0, "cycle": True}),
    ("InverseTimeDecay", (0.1, 10, 0.5), {}),
    ("InverseTimeDecay", (0.1, 10, 0.5), {"staircase": True}),
    ("CosineDecay", (0.1, 100), {}),
    ("CosineDecay", (0.1, 100), {"alpha": 0.2}),
    ("CosineDecay", (0.0, 100), {"warmup_target": 0.5, "warmup_steps": 50}),
    ("CosineDecay", (0.01, 80), {"alpha": 0.1, "warmup_target": 0.1, "warmup_steps": 30}),
    ("CosineDecayRestarts", (0.1, 20), {}),
    ("CosineDecayRestarts", (0.1, 20), {"t_mul": 1.0, "m_mul": 0.8}),
    ("CosineDecayRestarts", (0.1, 25), {"t_mul": 1.5, "m_mul": 0.9, "alpha": 0.1}),
]
IDS = [f"{name}-{args}-{kwargs}" for name, args, kwargs in CASES]
STEPS = jnp.concatenate([jnp.arange(0, 400, 6), jnp.asarray([10, 11, 20, 60, 100, 101, 200, 201])])


def pair(name, args, kwargs):
    ours = getattr(schedules, name)(*args, **kwargs)
    theirs = getattr(keras.optimizers.schedules, name)(*args, **kwargs)
    return ours, theirs


def keras_values(schedule, steps):
    """Keras' values step by step and op by op: its exact eager arithmetic.

    (Batched or compiled, XLA may divide by a rounded reciprocal instead; see
    test_jit_keeps_boundaries_where_keras_under_jit_moves_them.)
    """
    with jax.disable_jit():
        return np.asarray([schedule(int(step)) for step in steps], dtype=np.float32)


@pytest.mark.parametrize("name,args,kwargs", CASES, ids=IDS)
def test_values_equal_keras_at_many_steps(name, args, kwargs):
    ours, theirs = pair(name, args, kwargs)
    want = keras_values(theirs, STEPS)
    assert ours(3).dtype == np.float32
    np.testing.assert_allclose(keras_values(ours, STEPS), want, rtol=1e-6, atol=1e-9)
    # Under jit (as inside an optimizer step) XLA multiplies by rounded reciprocals,
    # so values move by ulps, but boundaries stay exact (see test_jit_keeps_boundaries).
    compiled = np.asarray(jax.jit(jax.vmap(ours))(STEPS))
    np.testing.assert_allclose(compiled, want, rtol=1e-5, atol=1e-8)


def test_jit_keeps_boundaries_where_keras_under_jit_moves_them():
    cyclic = schedules.PolynomialDecay(0.1, 60, power=2.0, cycle=True)
    ends = jnp.arange(60, 400, 60)
    np.testing.assert_allclose(jax.jit(jax.vmap(cyclic))(ends), 1e-4, rtol=1e-6)
    keras_cyclic = keras.optimizers.schedules.PolynomialDecay(0.1, 60, power=2.0, cycle=True)
    assert np.max(np.asarray(jax.jit(jax.vmap(keras_cyclic))(ends))) > 1e-3  # Keras' jit bug
    past_end = schedules.PolynomialDecay(0.1, 100, end_learning_rate=0.01, power=0.5)
    np.testing.assert_allclose(jax.jit(past_end)(jnp.int32(101)), 0.01, rtol=1e-7)
    stairs = schedules.ExponentialDecay(1.0, 7, 0.5, staircase=True)
    drops = jnp.arange(7, 700, 7)
    got = np.asarray(jax.jit(jax.vmap(stairs))(drops))
    np.testing.assert_allclose(got, 0.5 ** np.arange(1, 100, dtype=np.float32), rtol=1e-6)
    restarts = schedules.CosineDecayRestarts(0.1, 7, t_mul=1.0)
    np.testing.assert_allclose(jax.jit(jax.vmap(restarts))(drops), 0.1, rtol=1e-5)


@pytest.mark.parametrize("name,args,kwargs", CASES, ids=IDS)
def test_config_equals_keras_and_round_trips(name, args, kwargs):
    ours, theirs = pair(name, args, kwargs)
    assert ours.get_config() == theirs.get_config()
    assert type(ours).from_config(ours.get_config()).get_config() == ours.get_config()
    clone = schedules.deserialize(schedules.serialize(ours))
    assert type(clone) is type(ours) and clone.get_config() == ours.get_config()
    from_keras = schedules.deserialize(keras.optimizers.schedules.serialize(theirs))
    assert type(from_keras) is type(ours) and from_keras.get_config() == ours.get_config()


def test_a_schedule_is_an_optax_schedule():
    sched = schedules.PiecewiseConstantDecay([2], [0.5, 0.1])
    opt = optax.inject_hyperparams(optax.sgd)(learning_rate=sched)
    params = jnp.zeros(2)
    state = opt.init(params)
    rates = []
    for _ in range(4):
        _, state = jax.jit(opt.update)(jnp.ones(2), state, params)
        rates.append(float(state.hyperparams["learning_rate"]))
    assert rates == pytest.approx([0.5, 0.5, 0.5, 0.1])


def test_invalid_arguments_name_the_argument():
    with pytest.raises(ValueError, match="decay_steps=0"):
        schedules.ExponentialDecay(0.1, 0, 0.9)
    with pytest.raises(ValueError, match="first_decay_steps=-1"):
        schedules.CosineDecayRestarts(0.1, -1)
    with pytest.raises(ValueError, match="1 less than the length of values"):
        schedules.PiecewiseConstantDecay([1, 2], [0.1, 0.2])
    with pytest.raises(ValueError, match="Unknown learning rate schedule 'Nope'"):
        schedules.deserialize({"class_name": "Nope", "config": {}})
    with pytest.raises(NotImplementedError, match="must override"):
        schedules.LearningRateSchedule()(0)


def test_default_names_and_repr_follow_keras():
    assert schedules.CosineDecay(0.1, 10).name == "CosineDecay"
    assert schedules.CosineDecayRestarts(0.1, 10).name == "SGDRDecay"
    assert schedules.PiecewiseConstantDecay([1], [0.1, 0.2]).name == "PiecewiseConstant"
    assert repr(schedules.InverseTimeDecay(0.1, 10, 0.5)).startswith(
        "InverseTimeDecay(initial_learning_rate=0.1"
    )
