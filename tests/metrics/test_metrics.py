"""Metric parity with ``keras.metrics`` (JAX backend): numbers, configs, lookups, errors.

Every case feeds the same three seeded batches to Keras and to lamina, through the
stateful ``update_state`` and through the pure ``update`` under ``jax.jit``.
"""

import inspect

import jax
import jax.numpy as jnp
import keras
import numpy as np
import pytest
from keras.src.trainers import compile_utils

import lamina
from lamina import metrics
from lamina.core import masking

BATCH = 8
CLASSES = 5


# --------------------------------------------------------------------------- data
def _softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def _batch(kind, rng):
    """One ``(y_true, y_pred)`` batch of ``kind``."""
    n, c = BATCH, CLASSES
    if kind == "regression":
        return rng.normal(size=(n, 3)), rng.normal(size=(n, 3))
    if kind == "regression_3d":
        return rng.normal(size=(n, 2, 3)), rng.normal(size=(n, 2, 3))
    if kind == "regression_flat":
        return rng.normal(size=(n,)), rng.normal(size=(n, 1))
    if kind == "positive":
        return rng.uniform(0.1, 2, size=(n, 3)), rng.uniform(0.1, 2, size=(n, 3))
    if kind == "exact":
        y = rng.integers(0, 3, size=(n, 1))
        return y, np.where(rng.uniform(size=(n, 1)) < 0.6, y, rng.integers(0, 3, size=(n, 1)))
    if kind == "binary":
        return rng.integers(0, 2, size=(n, 1)).astype("float32"), rng.uniform(size=(n, 1))
    if kind == "binary_flat":
        return rng.integers(0, 2, size=(n,)), rng.uniform(size=(n,))
    if kind == "binary_edges":  # predictions sitting exactly on thresholds
        pred = rng.choice([0.0, 0.25, 0.5, 0.75, 1.0], size=(n, 3))
        pred = np.where(rng.uniform(size=(n, 3)) < 0.3, rng.uniform(size=(n, 3)), pred)
        return rng.integers(0, 2, size=(n, 3)), pred
    if kind == "logits":
        return rng.integers(0, 2, size=(n, 3)), rng.normal(scale=2, size=(n, 3))
    if kind == "multilabel":
        return rng.integers(0, 2, size=(n, 3)), rng.uniform(size=(n, 3))
    if kind == "categorical":
        labels = rng.integers(0, c, size=(n,))
        return np.eye(c)[labels], _softmax(rng.normal(size=(n, c)))
    if kind == "categorical_3d":
        labels = rng.integers(0, c, size=(n, 2))
        return np.eye(c)[labels], _softmax(rng.normal(size=(n, 2, c)))
    if kind == "sparse":
        return rng.integers(0, c, size=(n,)), _softmax(rng.normal(size=(n, c)))
    if kind == "sparse_column":
        return rng.integers(0, c, size=(n, 1)), _softmax(rng.normal(size=(n, c)))
    if kind == "sorted_ids":
        return rng.integers(0, c, size=(n,)), np.argsort(-rng.normal(size=(n, c)), -1)
    raise AssertionError(kind)


def _weight(kind, rng):
    if kind == "samples":
        return rng.uniform(0, 2, size=(BATCH,))
    if kind == "column":
        return rng.uniform(0, 2, size=(BATCH, 1))
    if kind == "scalar":
        return 0.7
    if kind == "full3":  # one weight per label of a (batch, 3) input
        return rng.uniform(0, 2, size=(BATCH, 3))
    return None


def _batches(kind, weight, seed=0):
    rng = np.random.default_rng(seed)
    return [(*_batch(kind, rng), _weight(weight, rng)) for _ in range(3)]


# -------------------------------------------------------------------------- cases
# (class name, constructor kwargs, data kind, sample_weight kinds to try)
CASES = [
    ("MeanSquaredError", {}, "regression", ["samples"]),
    ("MeanSquaredError", {}, "regression_3d", ["samples", "column"]),
    ("MeanSquaredError", {}, "regression_flat", ["samples"]),
    ("MeanAbsoluteError", {}, "regression", ["scalar"]),
    ("MeanAbsolutePercentageError", {}, "positive", ["samples"]),
    ("MeanSquaredLogarithmicError", {}, "positive", ["samples"]),
    ("RootMeanSquaredError", {}, "regression", ["column"]),
    ("RootMeanSquaredError", {}, "regression_3d", ["samples"]),
    ("Accuracy", {}, "exact", ["samples"]),
    ("BinaryAccuracy", {}, "binary", ["samples", "column"]),
    ("BinaryAccuracy", {"threshold": 0.3}, "binary_flat", ["samples"]),
    ("BinaryAccuracy", {}, "multilabel", ["full3", "scalar"]),
    ("CategoricalAccuracy", {}, "categorical", ["samples"]),
    ("CategoricalAccuracy", {}, "categorical_3d", ["samples"]),
    ("SparseCategoricalAccuracy", {}, "sparse", ["samples"]),
    ("SparseCategoricalAccuracy", {}, "sparse_column", ["column"]),
    ("TopKCategoricalAccuracy", {}, "categorical", ["samples"]),
    ("TopKCategoricalAccuracy", {"k": 2}, "categorical_3d", ["samples"]),
    ("SparseTopKCategoricalAccuracy", {"k": 2}, "sparse", ["samples"]),
    ("SparseTopKCategoricalAccuracy", {"k": 3}, "sparse_column", ["samples"]),
    ("SparseTopKCategoricalAccuracy", {"k": 2, "from_sorted_ids": True}, "sorted_ids", ["samples"]),
    ("Precision", {}, "binary", ["samples"]),
    ("Precision", {"thresholds": [0.3, 0.7]}, "multilabel", ["full3", "samples"]),
    ("Precision", {"thresholds": [0.0, 0.25, 0.5, 0.75, 1.0]}, "binary_edges", ["samples"]),
    ("Precision", {"top_k": 2}, "multilabel", ["samples"]),
    ("Precision", {"class_id": 1}, "multilabel", ["samples"]),
    ("Precision", {"top_k": 2, "class_id": 2, "thresholds": 0.2}, "multilabel", ["samples"]),
    ("Recall", {}, "binary_flat", ["samples"]),
    ("Recall", {"thresholds": [0.3, 0.5, 0.9]}, "binary_edges", ["full3"]),
    ("Recall", {"thresholds": [0.0, 0.25, 0.5, 0.75, 1.0]}, "binary_edges", ["samples"]),
    ("Recall", {"top_k": 1}, "multilabel", ["samples"]),
    ("Recall", {"class_id": 0}, "multilabel", ["samples"]),
    ("AUC", {}, "binary", ["samples"]),
    ("AUC", {"num_thresholds": 5}, "binary_edges", ["samples", "full3"]),
    ("AUC", {"curve": "PR"}, "multilabel", ["samples"]),
    ("AUC", {"curve": "PR", "summation_method": "minoring"}, "multilabel", ["samples"]),
    ("AUC", {"summation_method": "majoring"}, "multilabel", ["samples"]),
    ("AUC", {"curve": "PRGAIN"}, "multilabel", ["samples"]),
    ("AUC", {"thresholds": [0.1, 0.4, 0.8]}, "binary_edges", ["samples"]),
    ("AUC", {"thresholds": [0.25, 0.5, 0.75]}, "binary_edges", ["samples"]),
    ("AUC", {"multi_label": True}, "multilabel", ["samples"]),
    ("AUC", {"multi_label": True, "num_labels": 3, "curve": "PR"}, "multilabel", ["full3"]),
    ("AUC", {"multi_label": True, "label_weights": [1.0, 2.0, 0.5]}, "multilabel", ["samples"]),
    ("AUC", {"label_weights": [1.0, 2.0, 0.5]}, "multilabel", ["samples"]),
    ("AUC", {"from_logits": True}, "logits", ["samples"]),
    ("AUC", {"multi_label": True, "thresholds": [0.2, 0.6]}, "multilabel", ["samples"]),
]


def _case_id(case):
    name, kwargs, kind, _ = case
    args = ",".join(f"{k}={v}" for k, v in kwargs.items())
    return f"{name}({args})-{kind}"


def _tolerance(name):
    return {"rtol": 1e-4, "atol": 1e-5} if name == "AUC" else {"rtol": 1e-5, "atol": 1e-6}


def _keras_result(metric, batches):
    for y_true, y_pred, weight in batches:
        metric.update_state(y_true, y_pred, sample_weight=weight)
    return np.asarray(metric.result())


def _stateful_result(metric, batches):
    for y_true, y_pred, weight in batches:
        metric.update_state(y_true, y_pred, sample_weight=weight)
    return np.asarray(metric.result())


def _pure_result(metric, batches):
    if hasattr(metric, "build"):
        metric.build(np.shape(batches[0][1]))
    update = jax.jit(metric.update)
    state = metric.init_state()
    for y_true, y_pred, weight in batches:
        state = update(state, jnp.asarray(y_true), jnp.asarray(y_pred), weight)
    return np.asarray(metric.compute(state))


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_matches_keras_with_and_without_sample_weight(case):
    name, kwargs, kind, weights = case
    tol = _tolerance(name)
    for weight in [None, *weights]:
        batches = _batches(kind, weight)
        want = _keras_result(getattr(keras.metrics, name)(**kwargs), batches)
        stateful = _stateful_result(getattr(metrics, name)(**kwargs), batches)
        pure = _pure_result(getattr(metrics, name)(**kwargs), batches)
        np.testing.assert_allclose(stateful, want, **tol, err_msg=f"update_state, {weight=}")
        np.testing.assert_allclose(pure, want, **tol, err_msg=f"jit(update), {weight=}")


@pytest.mark.parametrize("case", CASES[::3], ids=_case_id)
def test_reset_state_starts_over(case):
    name, kwargs, kind, weights = case
    batches = _batches(kind, weights[0], seed=1)
    metric = getattr(metrics, name)(**kwargs)
    fresh = _stateful_result(getattr(metrics, name)(**kwargs), batches[:1])
    _stateful_result(metric, batches)
    metric.reset_state()
    assert jax.tree.all(
        jax.tree.map(lambda a, b: bool(jnp.all(a == b)), metric.state, metric.init_state())
    )
    np.testing.assert_allclose(_stateful_result(metric, batches[:1]), fresh, rtol=1e-6)


def _normalized(config):
    config = dict(config)
    if config.get("label_weights") is not None:  # Keras keeps an array, lamina a list
        config["label_weights"] = np.asarray(config["label_weights"]).tolist()
    return config


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_config_equals_keras_and_round_trips(case):
    name, kwargs, _, _ = case
    ours = getattr(metrics, name)(name="m", **kwargs)
    theirs = getattr(keras.metrics, name)(name="m", **kwargs)
    assert _normalized(ours.get_config()) == _normalized(theirs.get_config())
    again = type(ours).from_config(ours.get_config())
    assert again.get_config() == ours.get_config()
    revived = metrics.deserialize(metrics.serialize(ours))
    assert type(revived) is type(ours) and revived.get_config() == ours.get_config()


def test_default_names_follow_keras():
    for name in [
        "Mean",
        "Sum",
        "MeanSquaredError",
        "Accuracy",
        "BinaryAccuracy",
        "SparseTopKCategoricalAccuracy",
        "RootMeanSquaredError",
    ]:
        assert getattr(metrics, name)().name == getattr(keras.metrics, name)().name
    assert metrics.Precision().name.startswith("precision")
    assert metrics.AUC().name.startswith("auc")
    first, second = metrics.Recall(), metrics.Recall()
    assert first.name != second.name


# ----------------------------------------------------------------- Mean and Sum
@pytest.mark.parametrize("cls", ["Mean", "Sum"])
@pytest.mark.parametrize("weight_shape", [None, (), (BATCH,), (BATCH, 1), (BATCH, 3)], ids=str)
def test_reductions_match_keras(cls, weight_shape):
    rng = np.random.default_rng(3)
    batches = [
        (
            rng.normal(size=(BATCH, 3)),
            None if weight_shape is None else rng.uniform(0, 2, size=weight_shape),
        )
        for _ in range(3)
    ]
    theirs, ours = getattr(keras.metrics, cls)(), getattr(metrics, cls)()
    for values, weight in batches:
        theirs.update_state(values, sample_weight=weight)
        ours.update_state(values, sample_weight=weight)
    update = jax.jit(ours.update)
    state = ours.init_state()
    for values, weight in batches:
        state = update(state, values, weight)
    np.testing.assert_allclose(ours.result(), theirs.result(), rtol=1e-5)
    np.testing.assert_allclose(ours.compute(state), theirs.result(), rtol=1e-5)
    assert ours.get_config() == theirs.get_config()


def test_mean_state_is_a_pytree_of_scalars():
    mean = metrics.Mean()
    assert set(mean.init_state()) == {"total", "count"}
    assert float(mean.result()) == 0.0
    assert float(mean([1, 3, 5, 7], sample_weight=[1, 1, 0, 0])) == 2.0


def test_mean_metric_wrapper_matches_keras_and_passes_kwargs():
    batches = _batches("binary_flat", "samples")
    theirs = keras.metrics.MeanMetricWrapper(keras.metrics.binary_accuracy, threshold=0.3)
    ours = metrics.MeanMetricWrapper(metrics.binary_accuracy, threshold=0.3)
    np.testing.assert_allclose(
        _stateful_result(ours, batches), _keras_result(theirs, batches), rtol=1e-6
    )
    config = ours.get_config()
    assert config["threshold"] == 0.3 and config["fn"]["config"] == "binary_accuracy"
    assert metrics.MeanMetricWrapper.from_config(config).get_config() == config


def test_mask_on_predictions_weights_the_mean():
    y_true = jnp.array([[0.0], [1.0], [1.0], [0.0]])
    y_pred = jnp.array([[0.2], [0.1], [0.9], [0.8]])
    mask = jnp.array([True, True, False, True])
    masking.set_mask(y_pred, mask)
    masked = metrics.BinaryAccuracy()
    masked.update_state(y_true, y_pred)
    weighted = metrics.BinaryAccuracy()
    weighted.update_state(y_true, jnp.array(y_pred), sample_weight=mask)
    np.testing.assert_allclose(masked.result(), weighted.result())
    np.testing.assert_allclose(masked.result(), 1 / 3, rtol=1e-6)


def test_variables_and_numpy_inputs_work():
    y_true = lamina.Variable(jnp.array([[0.0, 1.0], [1.0, 0.0]]), trainable=False)
    y_pred = lamina.Variable(jnp.array([[0.5, 1.0], [0.0, 0.0]]), trainable=False)
    ours = metrics.MeanSquaredError()
    ours.update_state(y_true, y_pred, sample_weight=lamina.Variable(jnp.ones((2,))))
    np.testing.assert_allclose(ours.result(), 0.3125)
    auc = metrics.AUC()
    auc.update_state(y_true, y_pred)
    np.testing.assert_allclose(
        auc.result(), keras.metrics.AUC()(np.asarray(y_true), np.asarray(y_pred)), rtol=1e-4
    )


# ------------------------------------------------------------------- functions
@pytest.mark.parametrize(
    "fn, kind, kwargs",
    [
        ("binary_accuracy", "binary", {"threshold": 0.4}),
        ("categorical_accuracy", "categorical_3d", {}),
        ("sparse_categorical_accuracy", "sparse_column", {}),
        ("top_k_categorical_accuracy", "categorical", {"k": 2}),
        ("sparse_top_k_categorical_accuracy", "sparse", {"k": 3}),
        ("mean_squared_error", "regression_flat", {}),
        ("mean_absolute_error", "regression_3d", {}),
        ("mean_absolute_percentage_error", "positive", {}),
        ("mean_squared_logarithmic_error", "positive", {}),
    ],
)
def test_functions_match_keras(fn, kind, kwargs):
    y_true, y_pred, _ = _batches(kind, None)[0]
    want = getattr(keras.metrics, fn)(y_true, y_pred, **kwargs)
    got = getattr(metrics, fn)(y_true, y_pred, **kwargs)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-6)


# ------------------------------------------------------------------------ lookup
KERAS_ALIASES = [
    "mse",
    "MSE",
    "mae",
    "MAE",
    "mape",
    "MAPE",
    "msle",
    "MSLE",
    "mean_squared_error",
    "mean_absolute_error",
    "root_mean_squared_error",
    "accuracy",
    "binary_accuracy",
    "categorical_accuracy",
    "sparse_categorical_accuracy",
    "top_k_categorical_accuracy",
    "sparse_top_k_categorical_accuracy",
    "auc",
    "AUC",
    "precision",
    "Precision",
    "recall",
    "mean",
    "sum",
    "MeanSquaredError",
    "SparseCategoricalAccuracy",
]


@pytest.mark.parametrize("alias", KERAS_ALIASES)
def test_get_resolves_keras_aliases_to_the_same_class(alias):
    ours, theirs = metrics.get(alias), keras.metrics.get(alias)
    assert type(ours).__name__ == type(theirs).__name__
    assert ours.name.split("_")[0] == theirs.name.split("_")[0]


def test_get_passes_instances_builds_classes_and_wraps_functions():
    metric = metrics.AUC()
    assert metrics.get(metric) is metric
    assert metrics.get(None) is None
    assert isinstance(metrics.get(metrics.Recall), metrics.Recall)
    assert isinstance(metrics.get("acc"), metrics.Accuracy)

    def squaredDiff(y_true, y_pred):  # noqa: N802 - Keras snake-cases function names
        return jnp.mean((jnp.asarray(y_true) - jnp.asarray(y_pred)) ** 2, axis=-1)

    wrapped = metrics.get(squaredDiff)
    assert isinstance(wrapped, metrics.MeanMetricWrapper) and wrapped.name == "squared_diff"
    batches = _batches("regression", "samples")
    np.testing.assert_allclose(
        _stateful_result(wrapped, batches),
        _keras_result(keras.metrics.MeanSquaredError(), batches),
        rtol=1e-5,
    )
    revived = metrics.deserialize(
        metrics.serialize(wrapped), custom_objects={"squaredDiff": squaredDiff}
    )
    assert revived._fn is squaredDiff
    assert isinstance(metrics.get({"class_name": "AUC", "config": {"curve": "PR"}}), metrics.AUC)


@pytest.mark.parametrize("identifier", ["bogus", "Mse", 3, {"class_name": "Nope", "config": {}}])
def test_get_rejects_unknown_identifiers_listing_valid_names(identifier):
    with pytest.raises(ValueError, match="Could not interpret metric identifier") as info:
        metrics.get(identifier)
    assert "Valid names" in str(info.value) and "mse" in str(info.value)


def test_get_rejects_classes_that_are_not_metrics():
    with pytest.raises(ValueError, match="Could not interpret"):
        metrics.get(dict)


@pytest.mark.parametrize(
    "true_shape, pred_shape",
    [
        ((8, 1), (8, 1)),
        ((8,), (8, 1)),
        ((8,), (8, 5)),
        ((8, 1), (8, 5)),
        ((8, 5), (8, 5)),
        ((8, 3), (8, 3, 5)),
        ((8, 3, 5), (8, 3, 5)),
        ((8, 3), (8, 3)),
    ],
    ids=str,
)
def test_accuracy_for_picks_what_keras_compile_picks(true_shape, pred_shape):
    y_true, y_pred = np.zeros(true_shape), np.zeros(pred_shape)
    theirs = compile_utils.get_metric("accuracy", y_true, y_pred)
    ours = metrics.accuracy_for(y_true, y_pred)
    assert type(ours).__name__ == type(theirs).__name__
    assert ours.name == "accuracy"
    assert type(metrics.accuracy_for(true_shape, pred_shape, name="acc")) is type(ours)
    spec = jax.ShapeDtypeStruct(pred_shape, jnp.float32)
    assert type(metrics.accuracy_for(y_true, spec)) is type(ours)


# ------------------------------------------------------------------------ errors
@pytest.mark.parametrize(
    "make, error, words",
    [
        (lambda: metrics.Precision(thresholds=1.5), ValueError, "thresholds"),
        (lambda: metrics.Recall(thresholds=[0.2, "x"]), ValueError, "thresholds"),
        (lambda: metrics.Precision(top_k=0), ValueError, "top_k"),
        (lambda: metrics.Recall(class_id=-1), ValueError, "class_id"),
        (lambda: metrics.AUC(num_thresholds=1), ValueError, "num_thresholds"),
        (lambda: metrics.AUC(curve="XY"), ValueError, "curve"),
        (lambda: metrics.AUC(summation_method="sideways"), ValueError, "summation_method"),
        (lambda: metrics.AUC(num_labels=3), ValueError, "num_labels"),
        (lambda: metrics.AUC(multi_label=True).init_state(), ValueError, "num_labels"),
        (lambda: metrics.TopKCategoricalAccuracy(k=0), ValueError, "`k`"),
        (lambda: metrics.BinaryAccuracy(threshold="high"), ValueError, "threshold"),
        (lambda: metrics.MeanMetricWrapper(fn=3), TypeError, "fn"),
        (lambda: metrics.Mean(name=3), TypeError, "name"),
        (
            lambda: metrics.Mean()(np.ones((4, 2)), sample_weight=np.ones((3,))),
            ValueError,
            "sample_weight",
        ),
        (lambda: metrics.Precision(class_id=1)([1, 0], [0.3, 0.6]), ValueError, "class_id"),
        (lambda: metrics.AUC(multi_label=True)([1, 0], [0.3, 0.6]), ValueError, "rank 2"),
        (lambda: metrics.Metric().update_state(1, 2), NotImplementedError, "update"),
    ],
)
def test_bad_arguments_raise_clear_errors(make, error, words):
    with pytest.raises(error, match=words):
        make()


# -------------------------------------------------------- Keras-style subclasses
class BinaryTruePositives(metrics.Metric):
    """Keras' documented subclass, written against lamina."""

    def __init__(self, name="binary_true_positives", **kwargs):
        super().__init__(name=name, **kwargs)
        self.true_positives = self.add_variable(
            shape=(), initializer="zeros", name="true_positives"
        )

    def update_state(self, y_true, y_pred, sample_weight=None):
        values = jnp.logical_and(jnp.asarray(y_true, bool), jnp.asarray(y_pred, bool))
        values = values.astype(self.dtype)
        if sample_weight is not None:
            values = values * jnp.broadcast_to(jnp.asarray(sample_weight, self.dtype), values.shape)
        self.true_positives.assign(self.true_positives + jnp.sum(values))

    def result(self):
        return self.true_positives.value


def test_keras_style_subclass_gets_the_pure_face():
    y_true, y_pred = np.array([1, 1, 0, 1]), np.array([1, 0, 1, 1])
    weight = np.array([1.0, 1.0, 1.0, 0.5])
    metric = BinaryTruePositives()
    assert metric.init_state().keys() == {"true_positives"}
    metric.update_state(y_true, y_pred, sample_weight=weight)
    metric.update_state(y_true, y_pred)
    assert float(metric.result()) == 3.5
    state = jax.jit(metric.update)(metric.init_state(), y_true, y_pred, weight)
    assert float(metric.compute(state)) == 1.5
    assert float(metric.result()) == 3.5  # the pure call left the variables alone
    metric.reset_state()
    assert float(metric.result()) == 0.0


def test_pure_subclass_from_the_docstring():
    class Count(metrics.Metric):
        def init_state(self):
            return {"count": jnp.zeros((), self.dtype)}

        def update(self, state, y_true, y_pred, sample_weight=None):
            return {"count": state["count"] + jnp.asarray(y_true).shape[0]}

        def compute(self, state):
            return state["count"]

    count = Count()
    assert count.name == "count" or count.name.startswith("count_")
    count.update_state(np.zeros(3), np.zeros(3))
    assert float(count([1, 2], [3, 4])) == 5.0


def test_every_public_class_is_documented_with_an_example():
    for name in metrics.__all__:
        obj = getattr(metrics, name)
        if inspect.isclass(obj) and name not in {"Metric"}:
            assert "Example" in (obj.__doc__ or ""), name


class MySquaredError(metrics.Mean):
    """A Keras-style subclass of a built-in: preprocess, then ``super().update_state``."""

    def update_state(self, y_true, y_pred, sample_weight=None):
        squared = jnp.square(jnp.asarray(y_pred) - jnp.asarray(y_true))
        super().update_state(squared, sample_weight=sample_weight)

    def result(self):
        return jnp.sqrt(super().result())


class CountedMean(metrics.Mean):
    """A built-in with one more ``add_variable`` total."""

    def __init__(self):
        super().__init__(name="counted_mean")
        self.batches = self.add_variable(shape=(), initializer="zeros", name="batches")

    def update_state(self, values, sample_weight=None):
        super().update_state(values, sample_weight)
        self.batches.assign_add(1.0)


def test_keras_style_overrides_of_builtins_stay_pure():
    batches = _batches("regression", "samples")
    want = _keras_result(keras.metrics.RootMeanSquaredError(), batches)
    np.testing.assert_allclose(_stateful_result(MySquaredError(), batches), want, rtol=1e-5)
    np.testing.assert_allclose(_pure_result(MySquaredError(), batches), want, rtol=1e-5)

    counted = CountedMean()
    assert set(counted.init_state()) == {"total", "count", "batches"}
    state = jax.jit(counted.update)(counted.init_state(), np.arange(4.0))
    state = jax.jit(counted.update)(state, np.array([1.5, 1.5]))
    assert float(state["batches"]) == 2.0 and float(counted.compute(state)) == 1.5
    assert float(counted.batches.value) == 0.0  # the pure calls left the variable alone
    counted.update_state(np.arange(4.0))
    assert float(counted.batches.value) == 1.0 and float(counted.result()) == 1.5
    counted.reset_state()
    assert float(counted.batches.value) == 0.0 and float(counted.result()) == 0.0
