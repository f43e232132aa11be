"""lamina's optimizers against Keras 3 on JAX: same params, same gradients, same result."""

import re
import warnings

import jax
import jax.numpy as jnp
import keras
import numpy as np
import optax
import pytest

import lamina.optimizers as optimizers
from lamina.optimizers import schedules

# Keras' own Variable.numpy() trips NumPy 2's copy-keyword deprecation; not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")

KEYS = ("kernel", "bias")
SHAPES = {"kernel": (5, 3), "bias": (3,)}
_rng = np.random.default_rng(0)
PARAMS = {k: _rng.normal(size=s).astype(np.float32) for k, s in SHAPES.items()}
GRADS = [{k: _rng.normal(size=s).astype(np.float32) for k, s in SHAPES.items()} for _ in range(100)]


def exp_decay(lib):
    return lib.ExponentialDecay(0.05, decay_steps=10, decay_rate=0.8)


def cosine(lib):
    # No warmup here: Keras' warmup branch is an ops.cond, which eager JAX recompiles
    # on every call (test_schedules checks the warmup values under jit instead).
    return lib.CosineDecay(0.02, decay_steps=60, alpha=0.1)


def piecewise(lib):
    return lib.PiecewiseConstantDecay([30, 70], [0.03, 0.01, 0.003])


# (class name, kwargs, schedule factory or None); the schedule becomes learning_rate.
CASES = [
    ("SGD", {}, None),
    ("SGD", {"learning_rate": 0.05, "momentum": 0.9}, None),
    ("SGD", {"learning_rate": 0.05, "momentum": 0.9, "nesterov": True}, None),
    ("SGD", {"learning_rate": 0.05, "weight_decay": 0.1, "clipnorm": 1.0}, None),
    ("SGD", {"momentum": 0.5}, exp_decay),
    ("Adam", {}, None),
    ("Adam", {"learning_rate": 0.01, "amsgrad": True}, None),
    ("Adam", {"learning_rate": 0.01, "clipnorm": 0.5}, None),
    ("Adam", {"learning_rate": 0.01, "clipvalue": 0.3}, None),
    ("Adam", {"learning_rate": 0.01, "global_clipnorm": 1.0}, None),
    ("Adam", {"learning_rate": 0.01, "weight_decay": 0.05}, None),
    ("Adam", {"beta_1": 0.8, "epsilon": 1e-3}, cosine),
    ("AdamW", {"learning_rate": 0.01}, None),
    ("AdamW", {"learning_rate": 0.01, "weight_decay": 0.1, "amsgrad": True}, None),
    ("AdamW", {"weight_decay": 0.2}, piecewise),
    ("RMSprop", {"learning_rate": 0.01}, None),
    ("RMSprop", {"learning_rate": 0.01, "momentum": 0.9}, None),
    ("RMSprop", {"learning_rate": 0.01, "centered": True, "rho": 0.8}, None),
    ("RMSprop", {"centered": True, "momentum": 0.5, "global_clipnorm": 2.0}, exp_decay),
    ("Adagrad", {"learning_rate": 0.05}, None),
    ("Adagrad", {"learning_rate": 0.05, "initial_accumulator_value": 0.0, "clipvalue": 1.0}, None),
    ("Adagrad", {"weight_decay": 0.1}, piecewise),
    ("Adamax", {"learning_rate": 0.01}, None),
    ("Adamax", {"learning_rate": 0.01, "beta_2": 0.9, "clipnorm": 0.5}, None),
    ("Adamax", {"weight_decay": 0.1}, cosine),
    ("Nadam", {"learning_rate": 0.01}, None),
    ("Nadam", {"learning_rate": 0.01, "weight_decay": 0.1, "global_clipnorm": 1.0}, None),
    ("Nadam", {"beta_1": 0.95}, exp_decay),
    ("Lion", {"learning_rate": 0.01}, None),
    ("Lion", {"learning_rate": 0.01, "beta_1": 0.5, "weight_decay": 0.5}, None),
    ("Lion", {"clipvalue": 0.5}, piecewise),
]
IDS = [f"{n}-{kw}-{s.__name__ if s else 'const'}" for n, kw, s in CASES]


def make(lib, name, kwargs, schedule):
    """The optimizer ``name`` of ``lib`` (lamina's or Keras' optimizers module)."""
    kwargs = dict(kwargs)
    if schedule is not None:
        kwargs["learning_rate"] = schedule(
            schedules if lib is optimizers else keras.optimizers.schedules
        )
    return getattr(lib, name)(**kwargs)


def run_keras(opt, grads=GRADS, lr_changes=None):
    """Keras' eager ``apply_gradients`` on fresh variables; returns the final params."""
    variables = [keras.Variable(PARAMS[k]) for k in KEYS]
    for i, g in enumerate(grads):
        if lr_changes and i in lr_changes:
            opt.learning_rate = lr_changes[i]
        opt.apply_gradients(zip([g[k] for k in KEYS], variables))
    return {k: np.asarray(v.value) for k, v in zip(KEYS, variables)}


def jitted_step(opt):
    @jax.jit
    def step(params, opt_state, grads):
        updates, opt_state = opt.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state

    return step


def run_lamina(opt, grads=GRADS, lr_changes=None, step=None):
    """What the training loop does: jitted update, state stored on ``opt`` after each step."""
    params = jax.tree.map(jnp.asarray, PARAMS)
    step = step or jitted_step(opt)
    opt.state = opt.init(params)
    for i, g in enumerate(grads):
        if lr_changes and i in lr_changes:
            opt.learning_rate = lr_changes[i]
        params, opt.state = step(params, opt.state, g)
    return {k: np.asarray(v) for k, v in params.items()}


def assert_same_params(got, want):
    for key in KEYS:
        np.testing.assert_allclose(got[key], want[key], rtol=1e-5, atol=1e-6, err_msg=key)
    assert any(np.abs(want[k] - PARAMS[k]).max() > 1e-3 for k in KEYS), "params did not move"


@pytest.mark.parametrize("name,kwargs,schedule", CASES, ids=IDS)
def test_100_steps_match_keras(name, kwargs, schedule):
    ours = make(optimizers, name, kwargs, schedule)
    got = run_lamina(ours)
    want = run_keras(make(keras.optimizers, name, kwargs, schedule))
    assert_same_params(got, want)
    assert ours.iterations == len(GRADS)


@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop", "Lion"])
def test_setting_learning_rate_between_steps_matches_keras_without_recompiling(name):
    kwargs = {"momentum": 0.9} if name in ("SGD", "RMSprop") else {}
    changes = {30: 0.03, 60: 0.002}
    ours = getattr(optimizers, name)(learning_rate=0.01, **kwargs)
    step = jitted_step(ours)
    got = run_lamina(ours, lr_changes=changes, step=step)
    want = run_keras(
        getattr(keras.optimizers, name)(learning_rate=0.01, **kwargs), lr_changes=changes
    )
    assert_same_params(got, want)
    assert step._cache_size() == 1
    assert ours.learning_rate == pytest.approx(0.002, rel=1e-7)
    assert ours.iterations == len(GRADS)


def test_learning_rate_setter_writes_a_new_state_and_is_kept_for_init():
    opt = optimizers.Adam(learning_rate=0.01)
    assert opt.state is None and opt.iterations == 0
    assert opt.learning_rate == float(np.float32(0.01))
    opt.state = old = opt.init(PARAMS)
    opt.learning_rate = 0.5
    assert opt.state is not old
    assert float(old.hyperparams["learning_rate"]) == pytest.approx(0.01)
    new_lr = opt.state.hyperparams["learning_rate"]
    assert new_lr.dtype == old.hyperparams["learning_rate"].dtype and new_lr.shape == ()
    assert opt.state.inner_state is old.inner_state
    assert opt.learning_rate == 0.5
    assert float(opt.init(PARAMS).hyperparams["learning_rate"]) == 0.5
    assert opt.get_config()["learning_rate"] == 0.5


def test_schedule_learning_rate_reads_like_keras_and_refuses_a_float():
    ours = optimizers.SGD(learning_rate=exp_decay(schedules))
    theirs = keras.optimizers.SGD(learning_rate=exp_decay(keras.optimizers.schedules))
    run_lamina(ours, grads=GRADS[:25])
    run_keras(theirs, grads=GRADS[:25])
    assert ours.iterations == 25
    assert ours.learning_rate == pytest.approx(float(theirs.learning_rate), rel=1e-6)
    with pytest.raises(TypeError, match="schedule"):
        ours.learning_rate = 0.1
    with pytest.raises(TypeError):
        theirs.learning_rate = 0.1


def test_a_schedule_replaces_a_float_only_before_init():
    opt = optimizers.SGD(learning_rate=0.1)
    opt.learning_rate = schedules.ExponentialDecay(0.1, 10, 0.5)
    assert opt.learning_rate == pytest.approx(0.1)
    opt.state = opt.init(PARAMS)
    with pytest.raises(TypeError, match="before the first `init`"):
        opt.learning_rate = schedules.ExponentialDecay(0.2, 10, 0.5)


def test_optax_schedule_callable_equals_the_schedule_object():
    sched = exp_decay(schedules)
    got = run_lamina(optimizers.Adam(learning_rate=lambda step: sched(step)), grads=GRADS[:20])
    want = run_lamina(optimizers.Adam(learning_rate=sched), grads=GRADS[:20])
    for key in KEYS:
        np.testing.assert_array_equal(got[key], want[key])
    opt = optimizers.SGD(learning_rate=optax.linear_schedule(0.1, 0.0, 10))
    run_lamina(opt, grads=GRADS[:4])
    assert opt.learning_rate == pytest.approx(0.06)


def test_init_and_update_are_pure_and_work_inside_optax_chain():
    opt = optimizers.Adam(learning_rate=0.01, weight_decay=0.1)
    params = {"block": {"w": jnp.ones((2, 2))}, "b": jnp.zeros(3)}
    grads = jax.tree.map(jnp.ones_like, params)
    state = jax.jit(opt.init)(params)
    updates, _ = opt.update(grads, state, params)
    assert jax.tree.structure(updates) == jax.tree.structure(params)
    assert opt.state is None  # only the training loop assigns it
    chained = optax.chain(optax.identity(), opt)
    chained_updates, _ = chained.update(grads, chained.init(params), params)
    jax.tree.map(np.testing.assert_array_equal, chained_updates, updates)
    with pytest.raises(ValueError, match="needs the parameters"):
        opt.update(grads, state)
    with pytest.raises(TypeError, match="expects the state made by this optimizer"):
        opt.update(grads, (state,), params)


def test_config_keys_and_values_equal_keras():
    for cls in optimizers.ALL_OBJECTS_DICT.values():
        ours = cls().get_config()
        theirs = getattr(keras.optimizers, cls.__name__)().get_config()
        assert list(ours) == list(theirs), cls
        unnumbered = lambda name: re.sub(r"_\d+$", "", name)
        assert unnumbered(ours["name"]) == unnumbered(theirs["name"])
        del ours["name"], theirs["name"]
        assert ours == theirs, cls


def test_from_config_round_trips_and_reads_keras_configs():
    opt = optimizers.RMSprop(learning_rate=0.02, rho=0.8, centered=True, clipnorm=1.0)
    clone = optimizers.RMSprop.from_config(opt.get_config())
    assert clone.get_config() == opt.get_config()
    with_schedule = optimizers.Nadam(learning_rate=cosine(schedules))
    config = with_schedule.get_config()
    assert config["learning_rate"]["class_name"] == "CosineDecay"
    clone = optimizers.deserialize(optimizers.serialize(with_schedule))
    assert isinstance(clone, optimizers.Nadam)
    assert clone.get_config() == config
    keras_opt = keras.optimizers.AdamW(
        learning_rate=exp_decay(keras.optimizers.schedules), weight_decay=0.01, amsgrad=True
    )
    ours = optimizers.deserialize(keras.optimizers.serialize(keras_opt))
    assert isinstance(ours, optimizers.AdamW) and ours.amsgrad and ours.weight_decay == 0.01
    assert isinstance(ours._learning_rate, schedules.ExponentialDecay)


@pytest.mark.parametrize(
    "name", ["sgd", "adam", "adamw", "rmsprop", "adagrad", "adamax", "nadam", "lion"]
)
def test_get_accepts_names_in_any_case(name):
    opt = optimizers.get(name.upper())
    assert type(opt).__name__.lower() == name
    want = getattr(keras.optimizers, type(opt).__name__)().get_config()["learning_rate"]
    assert opt.learning_rate == pytest.approx(want)
    assert optimizers.get(opt) is opt


def test_get_wraps_plain_optax_transformations():
    opt = optimizers.get(optax.adam(1e-3))
    assert isinstance(opt, optimizers.OptaxOptimizer) and optimizers.get(opt) is opt
    got = run_lamina(opt, grads=GRADS[:5])
    assert opt.iterations == 5 and got["bias"].shape == (3,)
    with pytest.raises(AttributeError, match="unknown to lamina"):
        _ = opt.learning_rate
    injected = optimizers.get(optax.inject_hyperparams(optax.sgd)(learning_rate=0.1))
    step = jitted_step(injected)
    run_lamina(injected, grads=GRADS[:3], step=step)
    assert injected.learning_rate == pytest.approx(0.1)
    injected.learning_rate = 0.2
    params = jax.tree.map(jnp.asarray, PARAMS)
    new_params, _ = step(params, injected.state, GRADS[0])
    np.testing.assert_allclose(new_params["bias"], PARAMS["bias"] - 0.2 * GRADS[0]["bias"])
    assert step._cache_size() == 1


def test_unknown_identifiers_and_arguments_give_clear_errors():
    with pytest.raises(ValueError, match="adagrad, adam, adamax, adamw, lion, nadam, rmsprop, sgd"):
        optimizers.get("adamm")
    with pytest.raises(ValueError, match="Could not interpret"):
        optimizers.get(3)
    with pytest.raises(ValueError, match=r"not recognized.*`learning_rate` instead of `lr`"):
        optimizers.Adam(lr=0.1)
    with pytest.raises(ValueError, match="`beta_1` instead of `beta1`"):
        optimizers.Adam(beta1=0.1)
    with pytest.raises(ValueError, match="only one of"):
        optimizers.SGD(clipnorm=1.0, clipvalue=1.0)
    with pytest.raises(ValueError):
        keras.optimizers.SGD(clipnorm=1.0, global_clipnorm=1.0)
    with pytest.raises(ValueError, match="global_clipnorm"):
        optimizers.SGD(clipnorm=1.0, global_clipnorm=1.0)
    with pytest.raises(ValueError, match="use_ema"):
        optimizers.Adam(use_ema=True)
    with pytest.raises(ValueError, match="MultiSteps"):
        optimizers.Adam(gradient_accumulation_steps=4)
    with pytest.raises(ValueError, match="weight_decay=None"):
        optimizers.AdamW(weight_decay=None)
    with pytest.raises(ValueError, match="momentum"):
        optimizers.SGD(momentum=1.5)
    with pytest.raises(ValueError, match="beta_1"):
        optimizers.Lion(beta_1=0.0)
    with pytest.raises(ValueError, match="learning_rate='fast'"):
        optimizers.SGD(learning_rate="fast")
    with pytest.raises(ValueError, match="clipnorm=-1"):
        optimizers.SGD(clipnorm=-1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        optimizers.SGD(decay=0.1)
    assert "decay" in str(caught[0].message)


def test_loss_scale_factor_divides_gradients_like_keras():
    ours = optimizers.SGD(learning_rate=0.1, loss_scale_factor=8.0)
    assert float(ours.scale_loss(jnp.asarray(2.0))) == 16.0
    got = run_lamina(ours, grads=GRADS[:10])
    want = run_keras(keras.optimizers.SGD(learning_rate=0.1, loss_scale_factor=8.0), GRADS[:10])
    assert_same_params(got, want)
