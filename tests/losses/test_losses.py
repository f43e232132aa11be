"""lamina.losses against keras.losses (Keras 3 on its JAX backend) as the reference."""

import dataclasses
import functools

import jax
import jax.numpy as jnp
import keras
import numpy as np
import pytest
from keras.src import backend as keras_backend
from keras.src.losses import ALL_OBJECTS_DICT as KERAS_OBJECTS
from keras.src.losses.losses import LossFunctionWrapper as KerasLossFunctionWrapper

import lamina
from lamina import losses
from lamina.core.masking import set_mask

B, T, C = 6, 4, 5
REDUCTIONS = ["sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none", None]
TOL = {"rtol": 1e-5, "atol": 1e-6}

# Constructor arguments Keras 3 drops from get_config (so its configs do not round-trip);
# lamina keeps them.
CONFIG_EXTRAS = {
    "Huber": {"delta": 1.0},
    "CosineSimilarity": {"axis": -1},
    "SparseCategoricalCrossentropy": {"axis": -1},
}


@dataclasses.dataclass(frozen=True)
class Case:
    cls: str
    fn: str
    kwargs: tuple = ()
    data: str = "regression"
    ranks: tuple = (2, 3)

    @property
    def kw(self):
        return dict(self.kwargs)

    def __str__(self):
        args = ",".join(f"{k}={v}" for k, v in self.kwargs)
        return f"{self.cls}({args})-{self.data}"


CASES = [
    Case("MeanSquaredError", "mean_squared_error"),
    Case("MeanAbsoluteError", "mean_absolute_error"),
    Case("MeanAbsolutePercentageError", "mean_absolute_percentage_error", data="mape"),
    Case("MeanSquaredLogarithmicError", "mean_squared_logarithmic_error"),
    Case("MeanSquaredLogarithmicError", "mean_squared_logarithmic_error", data="positive"),
    Case("Huber", "huber"),
    Case("Huber", "huber", (("delta", 0.5),)),
    Case("Huber", "huber", (("delta", 2.5),)),
    Case("LogCosh", "log_cosh"),
    Case("CosineSimilarity", "cosine_similarity"),
    Case("CosineSimilarity", "cosine_similarity", (("axis", -2),), ranks=(3,)),
    Case("BinaryCrossentropy", "binary_crossentropy", data="binary"),
    Case("BinaryCrossentropy", "binary_crossentropy", (("from_logits", True),), "binary"),
    Case("BinaryCrossentropy", "binary_crossentropy", (("label_smoothing", 0.2),), "binary"),
    Case(
        "BinaryCrossentropy",
        "binary_crossentropy",
        (("from_logits", True), ("label_smoothing", 0.1)),
        "binary",
    ),
    Case("BinaryCrossentropy", "binary_crossentropy", (("axis", -2),), "binary", (3,)),
    Case("CategoricalCrossentropy", "categorical_crossentropy", data="categorical"),
    Case(
        "CategoricalCrossentropy",
        "categorical_crossentropy",
        (("from_logits", True),),
        "categorical",
    ),
    Case(
        "CategoricalCrossentropy",
        "categorical_crossentropy",
        (("label_smoothing", 0.3),),
        "categorical",
    ),
    Case(
        "CategoricalCrossentropy",
        "categorical_crossentropy",
        (("from_logits", True), ("label_smoothing", 0.1)),
        "categorical",
    ),
    Case(
        "CategoricalCrossentropy",
        "categorical_crossentropy",
        (("from_logits", True), ("axis", -2)),
        "categorical",
        (3,),
    ),
    Case("SparseCategoricalCrossentropy", "sparse_categorical_crossentropy", data="sparse"),
    Case(
        "SparseCategoricalCrossentropy",
        "sparse_categorical_crossentropy",
        (("from_logits", True),),
        "sparse",
    ),
    Case(
        "SparseCategoricalCrossentropy",
        "sparse_categorical_crossentropy",
        (("ignore_class", -1),),
        "sparse",
    ),
    Case(
        "SparseCategoricalCrossentropy",
        "sparse_categorical_crossentropy",
        (("from_logits", True), ("ignore_class", 2)),
        "sparse",
    ),
    Case("KLDivergence", "kl_divergence", data="distribution"),
    Case("Poisson", "poisson", data="positive"),
    Case("Hinge", "hinge", data="plus_minus_one"),
    Case("Hinge", "hinge", data="zero_one"),
    Case("SquaredHinge", "squared_hinge", data="plus_minus_one"),
    Case("SquaredHinge", "squared_hinge", data="zero_one"),
    Case("CategoricalHinge", "categorical_hinge", data="one_hot"),
    Case("BinaryFocalCrossentropy", "binary_focal_crossentropy", data="binary"),
    Case(
        "BinaryFocalCrossentropy",
        "binary_focal_crossentropy",
        (("apply_class_balancing", True), ("from_logits", True)),
        "binary",
    ),
    Case(
        "BinaryFocalCrossentropy",
        "binary_focal_crossentropy",
        (("alpha", 0.4), ("gamma", 0.5), ("label_smoothing", 0.1), ("apply_class_balancing", True)),
        "binary",
    ),
    Case("CategoricalFocalCrossentropy", "categorical_focal_crossentropy", data="categorical"),
    Case(
        "CategoricalFocalCrossentropy",
        "categorical_focal_crossentropy",
        (("alpha", 0.5), ("gamma", 1.0), ("from_logits", True), ("label_smoothing", 0.1)),
        "categorical",
    ),
    Case("Dice", "dice", data="soft_mask"),
    Case("Dice", "dice", (("axis", (1,)),), "soft_mask", (2,)),
    Case("Dice", "dice", (("axis", (1, 2)),), "soft_mask", (3,)),
    Case("Tversky", "tversky", data="soft_mask"),
    Case("Tversky", "tversky", (("alpha", 0.7), ("beta", 0.3), ("axis", (1,))), "soft_mask", (2,)),
    Case("Circle", "circle", data="embeddings", ranks=(2,)),
    Case(
        "Circle",
        "circle",
        (("gamma", 10.0), ("margin", 0.25), ("remove_diagonal", False)),
        "embeddings",
        (2,),
    ),
    Case("CTC", "ctc", data="ctc", ranks=(3,)),
]
BY_ID = {str(case): case for case in CASES}
CASE_RANKS = [(case, rank) for case in CASES for rank in case.ranks]
CASE_RANK_IDS = [f"{case}-{rank}d" for case, rank in CASE_RANKS]


def _softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def make_data(case, rank, seed=0):
    """(y_true, y_pred) as float32 NumPy arrays (int32 labels for sparse)."""
    rng = np.random.default_rng(seed)
    shape = (B, C) if rank == 2 else (B, T, C)
    kw = case.kw
    logits = kw.get("from_logits", False)
    axis = kw.get("axis", -1)
    normal = lambda: rng.normal(size=shape).astype(np.float32)
    if case.data == "regression":
        y_true, y_pred = normal(), 2.0 * normal()
    elif case.data == "mape":
        y_true = np.sign(normal()) * rng.uniform(0.5, 2.0, shape)
        y_pred = normal()
    elif case.data == "positive":
        y_true, y_pred = rng.uniform(0.0, 3.0, shape), rng.uniform(0.1, 3.0, shape)
    elif case.data == "binary":
        y_true = rng.integers(0, 2, shape)
        y_pred = 2.0 * normal() if logits else rng.uniform(0.02, 0.98, shape)
    elif case.data in ("categorical", "one_hot"):
        labels = rng.integers(0, shape[axis], shape[: axis % rank] + shape[axis % rank + 1 :])
        y_true = np.moveaxis(np.eye(shape[axis])[labels], -1, axis)
        y_pred = 2.0 * normal()
        if case.data == "categorical" and not logits:
            y_pred = _softmax(y_pred, axis)
    elif case.data == "sparse":
        y_true = rng.integers(0, C, shape[:-1])
        if "ignore_class" in kw:
            y_true = np.where(rng.uniform(size=y_true.shape) < 0.3, kw["ignore_class"], y_true)
        y_pred = 2.0 * normal()
        y_pred = y_pred if logits else _softmax(y_pred, -1)
        return y_true.astype(np.int32), y_pred.astype(np.float32)
    elif case.data == "distribution":
        y_true, y_pred = _softmax(normal(), -1), _softmax(normal(), -1)
    elif case.data == "plus_minus_one":
        y_true, y_pred = 2.0 * rng.integers(0, 2, shape) - 1.0, normal()
    elif case.data == "zero_one":
        y_true, y_pred = rng.integers(0, 2, shape), normal()
    elif case.data == "soft_mask":
        y_true, y_pred = rng.integers(0, 2, shape), rng.uniform(0.0, 1.0, shape)
    elif case.data == "embeddings":
        y_true = rng.permutation(np.arange(B) // 2)  # every label twice
        y_pred = normal()
        y_pred /= np.linalg.norm(y_pred, axis=-1, keepdims=True)
    elif case.data == "ctc":
        lengths = rng.integers(1, T, (B,))
        y_true = np.where(np.arange(T - 1) < lengths[:, None], rng.integers(1, C, (B, T - 1)), 0)
        return y_true.astype(np.int32), 2.0 * normal()
    else:
        raise AssertionError(case.data)
    return y_true.astype(np.float32), y_pred.astype(np.float32)


@functools.cache
def loss_shape(case, rank):
    """The shape of the per-sample losses (Keras' reduction=None output)."""
    loss = getattr(keras.losses, case.cls)(**case.kw, reduction=None)
    return tuple(loss(*make_data(case, rank)).shape)


def make_weight(kind, case, rank, seed=1):
    rng = np.random.default_rng(seed)
    if kind is None:
        return None
    shape = loss_shape(case, rank)
    if kind == "per_sample":
        shape = (B,) + (1,) * (len(shape) - 1)
    weight = rng.uniform(0.0, 2.0, shape).astype(np.float32)
    weight.flat[0] = 0.0
    return weight


def both(case, **extra):
    kw = {**case.kw, **extra}
    return getattr(losses, case.cls)(**kw), getattr(keras.losses, case.cls)(**kw)


def assert_close(actual, expected):
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.shape == expected.shape, (actual.shape, expected.shape)
    np.testing.assert_allclose(actual, expected, **TOL)


# ------------------------------------------------------------------------- values
WEIGHTS = [None, "per_sample", "full"]


def check_reductions(case, rank, pairs, compiled=False):
    """Each ``(reduction, weight kind)`` in ``pairs`` gives Keras' value.

    Eager by default: eager ops compile once per shape and are shared between cases
    (and with Keras, whose ops are the same), the cheapest way here; ``compiled``
    runs each library's calls under one ``jax.jit`` instead.
    """
    y_true, y_pred = make_data(case, rank)
    weights = [make_weight(weight, case, rank) for _, weight in pairs]

    def run(module):
        objs = [getattr(module, case.cls)(**case.kw, reduction=r) for r, _ in pairs]

        def all_values(y_true, y_pred):
            return [obj(y_true, y_pred, sample_weight=w) for obj, w in zip(objs, weights)]

        return (jax.jit(all_values) if compiled else all_values)(y_true, y_pred)

    for got, expected in zip(run(losses), run(keras.losses)):
        assert got.dtype == jnp.float32
        assert_close(got, expected)


@pytest.mark.parametrize(("case", "rank"), CASE_RANKS, ids=CASE_RANK_IDS)
def test_loss_values_match_keras_for_every_reduction(case, rank):
    # Each reduction once, with the weight kinds rotating over the cases (the full
    # product of reductions and weights is pinned below on representative losses).
    shift = CASE_RANKS.index((case, rank))
    pairs = [(r, WEIGHTS[(i + shift) % 3]) for i, r in enumerate(REDUCTIONS)]
    # CTC's lax.scan is retraced and recompiled on every eager call: compile once.
    check_reductions(case, rank, pairs, compiled=case.cls == "CTC")


@pytest.mark.parametrize(
    ("case", "rank"),
    [
        (BY_ID["MeanSquaredError()-regression"], 3),
        (BY_ID["BinaryCrossentropy(from_logits=True)-binary"], 2),
        (BY_ID["SparseCategoricalCrossentropy(ignore_class=-1)-sparse"], 3),
        (BY_ID["CategoricalCrossentropy(from_logits=True,axis=-2)-categorical"], 3),
    ],
    ids=["mse-3d", "bce_logits-2d", "scce_ignore-3d", "cce_axis-3d"],
)
def test_every_reduction_with_every_weight_kind_also_under_jit(case, rank):
    pairs = [(r, w) for r in REDUCTIONS for w in WEIGHTS]
    check_reductions(case, rank, pairs)
    check_reductions(case, rank, pairs, compiled=True)


@pytest.mark.parametrize(("case", "rank"), CASE_RANKS, ids=CASE_RANK_IDS)
def test_functions_match_keras_functions(case, rank):
    y_true, y_pred = make_data(case, rank, seed=2)
    ours, theirs = getattr(losses, case.fn), getattr(keras.losses, case.fn)
    assert_close(ours(y_true, y_pred, **case.kw), theirs(y_true, y_pred, **case.kw))


# One rank per configuration, alternating (both ranks are pinned for values above).
GRAD_CASES = [(case, case.ranks[i % len(case.ranks)]) for i, case in enumerate(CASES)]


@pytest.mark.parametrize(("case", "rank"), GRAD_CASES, ids=[f"{c}-{r}d" for c, r in GRAD_CASES])
def test_gradients_are_finite_and_match_keras(case, rank):
    y_true, y_pred = map(jnp.asarray, make_data(case, rank, seed=3))
    sample_weight = make_weight("full", case, rank)
    ours, theirs = both(case)

    def grads(p):  # one compiled program for both libraries
        return [jax.grad(lambda p, f=obj: f(y_true, p, sample_weight))(p) for obj in (ours, theirs)]

    grad, expected = jax.jit(grads)(y_pred)
    assert np.all(np.isfinite(grad))
    assert_close(grad, expected)


JIT_CASES = [
    (BY_ID["MeanSquaredError()-regression"], 2),
    (BY_ID["BinaryCrossentropy(from_logits=True)-binary"], 3),
    (BY_ID["SparseCategoricalCrossentropy(ignore_class=-1)-sparse"], 3),
    (BY_ID["Hinge()-zero_one"], 2),
    (BY_ID["CosineSimilarity(axis=-2)-regression"], 3),
]


@pytest.mark.parametrize(("case", "rank"), JIT_CASES, ids=[str(c) for c, _ in JIT_CASES])
def test_jit_and_vmap_agree_with_eager(case, rank):
    loss, _ = both(case)
    inputs = [
        (*make_data(case, rank, seed), make_weight("full", case, rank, seed)) for seed in (4, 5)
    ]
    eager = [loss(*args) for args in inputs]
    assert_close(jax.jit(loss)(*inputs[0]), eager[0])
    stacked = (np.stack(arrays) for arrays in zip(*inputs))
    assert_close(jax.jit(jax.vmap(loss))(*stacked), np.stack(eager))


# ------------------------------------------------------------------ weights, masks
def test_inputs_may_be_numpy_jax_lists_or_variables():
    y_true, y_pred = make_data(CASES[0], 2)
    loss = losses.MeanSquaredError()
    expected = keras.losses.MeanSquaredError()(y_true, y_pred)
    for t, p in [
        (y_true, y_pred),
        (jnp.asarray(y_true), jnp.asarray(y_pred)),
        (y_true.tolist(), y_pred.tolist()),
        (y_true.astype(np.float64), y_pred.astype(np.float64)),
        (lamina.Variable(y_true), lamina.Variable(y_pred)),
    ]:
        assert_close(loss(t, p), expected)
    weight = lamina.Variable(jnp.arange(B, dtype=jnp.float32))
    assert_close(
        loss(y_true, y_pred, weight), keras.losses.MeanSquaredError()(y_true, y_pred, weight)
    )
    grad = jax.grad(lambda v: loss(y_true, v))(lamina.Variable(y_pred))
    assert_close(grad, jax.grad(lambda p: keras.losses.MeanSquaredError()(y_true, p))(y_pred))
    assert_close(
        losses.mean_squared_error(lamina.Variable(y_true), lamina.Variable(y_pred)),
        keras.losses.mean_squared_error(y_true, y_pred),
    )


def test_integer_labels_and_predictions_compute_in_float32():
    y_true = np.array([[0, 1], [1, 1]])
    y_pred = np.array([[1, 1], [0, 1]])
    got = losses.MeanSquaredError()(y_true, y_pred)
    assert got.dtype == jnp.float32
    assert_close(got, keras.losses.MeanSquaredError()(y_true, y_pred))
    assert losses.mean_squared_error(y_true, y_pred).dtype == jnp.float32


@pytest.mark.parametrize("dtype", ["bfloat16", "float16", "mixed_float16"])
def test_dtype_sets_the_computation_dtype(dtype):
    y_true, y_pred = make_data(CASES[0], 2)
    got = losses.MeanSquaredError(dtype=dtype)(y_true, y_pred)
    expected = keras.losses.MeanSquaredError(dtype=dtype)(y_true, y_pred)
    assert got.dtype == expected.dtype
    np.testing.assert_allclose(np.float32(got), np.float32(expected), rtol=1e-2)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weight", [None, "per_sample", "full"])
def test_mask_of_y_pred_enters_like_keras(reduction, weight):
    case = CASES[0]
    y_true, y_pred = (jnp.asarray(a) for a in make_data(case, 3, seed=5))
    mask = jnp.asarray(np.random.default_rng(6).uniform(size=(B, T)) < 0.6)
    sample_weight = make_weight(weight, case, 3)
    keras_pred = jnp.array(y_pred)
    keras_backend.set_keras_mask(keras_pred, mask)
    expected = keras.losses.MeanSquaredError(reduction=reduction)(y_true, keras_pred, sample_weight)
    set_mask(y_pred, mask)
    got = losses.MeanSquaredError(reduction=reduction)(y_true, y_pred, sample_weight)
    assert_close(got, expected)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_ignore_class_mask_combines_with_the_y_pred_mask(reduction):
    case = BY_ID["SparseCategoricalCrossentropy(ignore_class=-1)-sparse"]
    y_true, y_pred = (jnp.asarray(a) for a in make_data(case, 3, seed=7))
    mask = jnp.asarray(np.random.default_rng(8).uniform(size=(B, T)) < 0.7)
    ours, theirs = both(case, reduction=reduction)
    keras_pred = jnp.array(y_pred)
    keras_backend.set_keras_mask(keras_pred, mask)
    expected = theirs(y_true, keras_pred)
    set_mask(y_pred, mask)
    assert_close(ours(y_true, y_pred), expected)


def test_all_entries_ignored_gives_zero_not_nan():
    loss = losses.SparseCategoricalCrossentropy(ignore_class=0)
    y_true, y_pred = jnp.zeros((B,)), jnp.full((B, C), 1.0 / C)
    assert float(loss(y_true, y_pred)) == 0.0
    grad = jax.jit(jax.grad(lambda p: loss(y_true, p)))(y_pred)
    assert np.all(np.isfinite(grad))


def test_trailing_size_one_axes_are_aligned_like_keras():
    rng = np.random.default_rng(9)
    y_pred = rng.uniform(0.05, 0.95, (B, 1)).astype(np.float32)
    y_true = rng.integers(0, 2, (B,)).astype(np.float32)
    for name in ["BinaryCrossentropy", "MeanSquaredError", "Hinge"]:
        ours, theirs = getattr(losses, name)(), getattr(keras.losses, name)()
        assert_close(ours(y_true, y_pred, y_true), theirs(y_true, y_pred, y_true))
        assert_close(ours(y_true[:, None], y_pred[:, 0]), theirs(y_true[:, None], y_pred[:, 0]))
    labels = rng.integers(0, C, (B, 1))
    probs = _softmax(rng.normal(size=(B, C)), -1).astype(np.float32)
    weight = rng.uniform(size=(B, 1))
    assert_close(
        losses.SparseCategoricalCrossentropy()(labels, probs, weight),
        keras.losses.SparseCategoricalCrossentropy()(labels, probs, weight),
    )


def test_scalar_and_empty_losses_come_back_unreduced():
    loss = losses.MeanSquaredError(reduction="sum")
    assert_close(loss(np.zeros((0, 3)), np.zeros((0, 3))), np.zeros((0,)))
    assert_close(
        loss(np.ones(3), np.zeros(3)), keras.losses.MeanSquaredError("sum")(np.ones(3), np.zeros(3))
    )


def test_custom_subclass_reduces_like_keras():
    class Ours(losses.Loss):
        def call(self, y_true, y_pred):
            return jnp.abs(y_true - y_pred) ** 3

    class Theirs(keras.losses.Loss):
        def call(self, y_true, y_pred):
            return keras.ops.abs(y_true - y_pred) ** 3

    y_true, y_pred = make_data(CASES[0], 3)
    weight = make_weight("per_sample", CASES[0], 3)[..., None]
    for reduction in REDUCTIONS:
        assert_close(
            Ours(reduction=reduction)(y_true, y_pred, weight),
            Theirs(reduction=reduction)(y_true, y_pred, weight),
        )
    assert Ours(name="cube").get_config() == {"name": "cube", "reduction": "sum_over_batch_size"}
    with pytest.raises(NotImplementedError, match="call"):
        losses.Loss()(y_true, y_pred)


def test_loss_function_wrapper_matches_keras_and_round_trips():
    y_true, y_pred = make_data(CASES[0], 2)
    ours = losses.LossFunctionWrapper(losses.huber, name="w", delta=2.0, reduction="sum")
    theirs = KerasLossFunctionWrapper(keras.losses.huber, name="w", delta=2.0, reduction="sum")
    assert_close(ours(y_true, y_pred), theirs(y_true, y_pred))
    config = ours.get_config()
    assert config == theirs.get_config()
    again = losses.LossFunctionWrapper.from_config(config)
    assert again.fn is losses.huber and again.get_config() == config
    assert losses.deserialize(losses.serialize(ours)).get_config() == config


# --------------------------------------------------------------- config and lookup
@pytest.mark.parametrize("case", CASES, ids=[str(c) for c in CASES])
def test_get_config_matches_keras_and_round_trips(case):
    ours, theirs = both(case, reduction="sum", name="my_loss")
    config = ours.get_config()
    extras = {k: case.kw.get(k, v) for k, v in CONFIG_EXTRAS.get(case.cls, {}).items()}
    assert config == {**theirs.get_config(), **extras}
    again = type(ours).from_config(config)
    assert again.get_config() == config
    y_true, y_pred = make_data(case, case.ranks[0])
    assert_close(again(y_true, y_pred), ours(y_true, y_pred))
    serialized = losses.serialize(ours)
    assert serialized["class_name"] == case.cls
    assert losses.deserialize(serialized).get_config() == config
    from_keras = losses.deserialize(keras.losses.serialize(theirs))
    assert {k: v for k, v in from_keras.get_config().items() if k not in extras} == (
        theirs.get_config()
    )


def test_default_names_match_keras():
    for case in CASES:
        ours, theirs = both(case)
        assert ours.name == theirs.name
    assert losses.Loss().name.startswith("loss")


@pytest.mark.parametrize("name", sorted(set(KERAS_OBJECTS) - {"LossFunctionWrapper"}))
def test_get_accepts_every_keras_name(name):
    ours, theirs = losses.get(name), keras.losses.get(name)
    if isinstance(theirs, keras.losses.Loss):
        assert isinstance(ours, losses.Loss)
        assert type(ours).__name__ == type(theirs).__name__
        expected = {**theirs.get_config(), **CONFIG_EXTRAS.get(name, {})}
        if name == "Loss":  # auto-named with a process-wide counter
            expected["name"] = ours.name
        assert ours.get_config() == expected
    else:
        assert callable(ours) and not isinstance(ours, losses.Loss)
        assert ours.__name__ == theirs.__name__
        assert losses.get(losses.serialize(ours)) is ours


def test_get_passes_objects_and_callables_through():
    loss = losses.Huber(delta=3.0)
    assert losses.get(loss) is loss
    assert losses.get(None) is None
    fn = lambda y_true, y_pred: y_pred
    assert losses.get(fn) is fn
    assert isinstance(losses.get(losses.Poisson), losses.Poisson)
    got = losses.get({"class_name": "Huber", "config": {"delta": 3.0}})
    assert isinstance(got, losses.Huber) and got.delta == 3.0
    cce = {"class_name": "CategoricalCrossentropy", "config": {"from_logits": True}}
    assert losses.get(cce).from_logits is True


@pytest.mark.parametrize("identifier", ["nope", "Mse", "logcosh", 3, {"class_name": "Nope"}])
def test_get_rejects_unknown_identifiers_listing_valid_names(identifier):
    with pytest.raises(ValueError, match="Could not interpret loss identifier.*mean_squared_error"):
        losses.get(identifier)


def test_custom_objects_resolve_custom_classes_and_functions():
    class Cube(losses.Loss):
        def call(self, y_true, y_pred):
            return jnp.abs(y_true - y_pred) ** 3

    def my_loss(y_true, y_pred):
        return jnp.mean(y_pred - y_true, axis=-1)

    restored = losses.deserialize(losses.serialize(Cube(name="c")), {"Cube": Cube})
    assert isinstance(restored, Cube) and restored.name == "c"
    assert losses.deserialize(losses.serialize(my_loss), {"my_loss": my_loss}) is my_loss
    with pytest.raises(ValueError, match="custom_objects"):
        losses.deserialize(losses.serialize(my_loss))


# ---------------------------------------------------------------------- bad inputs
@pytest.mark.parametrize("reduction", ["avg", "auto", "SUM", 0])
def test_unknown_reduction_is_rejected(reduction):
    with pytest.raises(ValueError, match="reduction.*Received: reduction="):
        losses.MeanSquaredError(reduction=reduction)


@pytest.mark.parametrize("cls", ["BinaryCrossentropy", "CategoricalCrossentropy"])
@pytest.mark.parametrize("value", [-0.1, 1.5, "0.1"])
def test_label_smoothing_outside_unit_interval_is_rejected(cls, value):
    with pytest.raises(ValueError, match="label_smoothing"):
        getattr(losses, cls)(label_smoothing=value)
    fn = (
        losses.binary_crossentropy
        if cls == "BinaryCrossentropy"
        else losses.categorical_crossentropy
    )
    with pytest.raises(ValueError, match="label_smoothing"):
        fn(np.zeros((2, 3)), np.full((2, 3), 0.5), label_smoothing=value)


@pytest.mark.parametrize(
    ("name", "y_true", "y_pred"),
    [
        ("MeanSquaredError", (4, 3), (4, 5)),
        ("Huber", (4, 3), (5, 3)),
        ("KLDivergence", (4, 3), (4, 2)),
        ("BinaryCrossentropy", (4, 3), (4, 5)),
        ("CategoricalCrossentropy", (4, 3), (4, 4)),
        ("Hinge", (4, 3), (4, 2)),
        ("SparseCategoricalCrossentropy", (5,), (4, 3)),
    ],
)
def test_mismatched_shapes_are_rejected_with_both_shapes(name, y_true, y_pred):
    with pytest.raises(ValueError, match=r"y_true.*y_pred.*Received: y_true\.shape="):
        getattr(losses, name)()(np.zeros(y_true), np.full(y_pred, 0.5))


def test_sample_weight_that_does_not_broadcast_is_rejected():
    y_true, y_pred = make_data(CASES[0], 3)
    with pytest.raises(ValueError, match=r"sample_weight.*\(6,\).*\(6, 4\)"):
        losses.MeanSquaredError()(y_true, y_pred, np.ones(B))
    with pytest.raises(Exception):  # Keras fails here too (a broadcasting error)
        keras.losses.MeanSquaredError()(y_true, y_pred, np.ones(B))


@pytest.mark.parametrize("axis", [True, 1.0, 3])
def test_bad_axis_is_rejected(axis):
    with pytest.raises(ValueError, match="axis"):
        losses.CategoricalCrossentropy(axis=axis)(np.eye(3), np.eye(3))


def test_bad_ignore_class_is_rejected():
    with pytest.raises(ValueError, match="ignore_class"):
        losses.sparse_categorical_crossentropy(np.zeros(3), np.eye(3), ignore_class=1.5)


def test_loss_function_wrapper_needs_a_callable():
    with pytest.raises(ValueError, match="fn"):
        losses.LossFunctionWrapper("mse")
