"""Merging layers against Keras 3 (JAX backend): outputs, shapes, masks, configs, errors."""

import re

import jax
import jax.numpy as jnp
import keras
import numpy as np
import pytest
from keras.src.backend.common.masking import get_keras_mask
from layer_checks import (
    assert_config_matches_keras,
    assert_jit_apply_matches_eager,
    assert_matches_keras,
    assert_trees_close,
    random_inputs,
)

from lamina import layers
from lamina.core import masking

ELEMENTWISE = ["Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"]

# Shapes of the inputs of one call: equal, broadcasting, unequal ranks, rank 2.
SHAPE_CASES = {
    "same": [(2, 3, 4), (2, 3, 4), (2, 3, 4)],
    "broadcast": [(2, 1, 4), (2, 3, 4), (2, 3, 1)],
    "ranks": [(2, 4), (2, 3, 4), (2, 3, 4)],
    "rank2": [(3, 5), (3, 5), (3, 5)],
}


def inputs_for(name, shapes, seed=0):
    shapes = shapes[:2] if name == "Subtract" else shapes
    return [random_inputs(s, seed=seed + i) for i, s in enumerate(shapes)]


@pytest.mark.parametrize("case", sorted(SHAPE_CASES))
@pytest.mark.parametrize("name", ELEMENTWISE)
def test_elementwise_merges_match_keras(name, case):
    xs = inputs_for(name, SHAPE_CASES[case])
    ours = getattr(layers, name)()
    assert_matches_keras(ours, getattr(keras.layers, name)(), xs)
    if case in ("same", "ranks"):  # one compile per code path keeps the run short
        assert_jit_apply_matches_eager(ours, xs)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_functional_forms_match_keras(name):
    xs = inputs_for(name, SHAPE_CASES["same"], seed=3)
    fn = name.lower()
    ours = getattr(layers, fn)(xs, name=f"merge_{fn}")
    assert_trees_close(ours, getattr(keras.layers, fn)(xs))


def test_single_input_list_is_returned_unchanged_as_in_keras():
    x = random_inputs((2, 3))
    assert_matches_keras(layers.Add(), keras.layers.Add(), [x])


CONCAT_CASES = [
    (dict(), [(2, 3, 4), (2, 3, 2), (2, 3, 1)]),
    (dict(axis=1), [(2, 3, 4), (2, 1, 4)]),
    (dict(axis=-2), [(2, 2, 4), (2, 5, 4)]),
    (dict(axis=0), [(2, 3), (1, 3)]),
    (dict(axis=1), [(3, 2), (3, 4), (3, 1)]),
]


@pytest.mark.parametrize("config,shapes", CONCAT_CASES)
def test_concatenate_matches_keras(config, shapes):
    xs = [random_inputs(s, seed=i) for i, s in enumerate(shapes)]
    ours = layers.Concatenate(**config)
    out = assert_matches_keras(ours, keras.layers.Concatenate(**config), xs)
    np.testing.assert_array_equal(out, np.concatenate(xs, axis=config.get("axis", -1)))
    assert_jit_apply_matches_eager(ours, xs)


def test_concatenate_function_matches_keras():
    xs = [random_inputs((2, 3)), random_inputs((2, 4), seed=1)]
    assert_trees_close(layers.concatenate(xs, axis=1), keras.layers.concatenate(xs, axis=1))


DOT_CASES = [
    (dict(axes=-1), [(4, 5), (4, 5)]),
    (dict(axes=1, normalize=True), [(4, 5), (4, 5)]),
    (dict(axes=(1, 2)), [(2, 3, 5), (2, 4, 3)]),
    (dict(axes=[2, 1]), [(2, 3, 5), (2, 5)]),
    (dict(axes=(1, 1)), [(2, 5), (2, 5, 3)]),
    (dict(axes=(-1, -2), normalize=True), [(2, 3, 4), (2, 4, 6)]),
    (dict(axes=(3, 1)), [(2, 3, 2, 4), (2, 4, 5, 2)]),
]


def numpy_batch_dot(x, y, a0, a1):
    """Reference: per sample, tensordot over one axis of each; (batch,) → (batch, 1)."""
    out = np.stack([np.tensordot(x[i], y[i], axes=(a0 - 1, a1 - 1)) for i in range(len(x))])
    return out.reshape(len(x), 1) if out.ndim == 1 else out


@pytest.mark.parametrize("config,shapes", DOT_CASES)
def test_dot_matches_keras_and_numpy(config, shapes):
    x, y = (random_inputs(s, seed=i) for i, s in enumerate(shapes))
    ours = layers.Dot(**config)
    out = assert_matches_keras(ours, keras.layers.Dot(**config), [x, y])
    axes = config["axes"]
    a0, a1 = (axes, axes) if isinstance(axes, int) else axes
    if config.get("normalize"):
        x = x / np.linalg.norm(x, axis=a0, keepdims=True)
        y = y / np.linalg.norm(y, axis=a1, keepdims=True)
    expected = numpy_batch_dot(x, y, a0 % x.ndim, a1 % y.ndim)
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5)
    assert_jit_apply_matches_eager(ours, [x, y])


def test_dot_function_matches_keras():
    xs = [random_inputs((3, 4)), random_inputs((3, 4), seed=1)]
    assert_trees_close(layers.dot(xs, axes=1), keras.layers.dot(xs, axes=1))


CONFIG_CASES = [(name, {}) for name in ELEMENTWISE] + [
    ("Concatenate", {}),
    ("Concatenate", dict(axis=1)),
    ("Dot", dict(axes=1)),
    ("Dot", dict(axes=(1, 2), normalize=True)),
    ("Dot", dict(axes=[-1, 1])),
]


@pytest.mark.parametrize("name,config", CONFIG_CASES)
def test_config_matches_keras_and_round_trips(name, config):
    ours = getattr(layers, name)(**config, trainable=False)
    assert_config_matches_keras(ours, getattr(keras.layers, name)(**config, trainable=False))


# ------------------------------------------------------------------- masks
def with_padding(shape, pad, seed):
    """Random values with the steps ``pad`` (list of (sample, step)) set to zero."""
    x = random_inputs(shape, seed=seed)
    for sample, step in pad:
        x[sample, step] = 0.0
    return x


PADS = [[(0, 1), (1, 2)], [(0, 1), (1, 0), (1, 2)], [(0, 1), (1, 1)]]


def masked_inputs(arrays, masked):
    """The same inputs for lamina and for Keras; those flagged in ``masked`` go
    through ``Masking(0.0)``, which attaches the mask of their all-zero steps."""
    ours, theirs = [], []
    for x, flag in zip(arrays, masked):
        ours.append(layers.Masking(0.0)(x) if flag else jnp.asarray(x))
        theirs.append(keras.layers.Masking(0.0)(x) if flag else x)
    return ours, theirs


def assert_masked_call_matches_keras(ours, theirs, arrays, masked):
    """Outputs and output masks of calls on masked inputs agree with Keras."""
    a, b = masked_inputs(arrays, masked)
    out, expected = ours(a), theirs(b)
    assert_trees_close(out, expected)
    our_mask, their_mask = masking.get_mask(out), get_keras_mask(expected)
    assert (our_mask is None) == (their_mask is None), (our_mask, their_mask)
    if their_mask is not None:
        np.testing.assert_array_equal(our_mask, their_mask)
    return out


MASK_PATTERNS = [(True, True, True), (True, False, True), (False, True, False)]


@pytest.mark.parametrize("masked", MASK_PATTERNS)
@pytest.mark.parametrize("name", ELEMENTWISE)
def test_elementwise_masks_match_keras(name, masked):
    count = 2 if name == "Subtract" else 3
    arrays = [with_padding((2, 3, 4), PADS[i], seed=i) for i in range(count)]
    assert_masked_call_matches_keras(
        getattr(layers, name)(), getattr(keras.layers, name)(), arrays, masked[:count]
    )


def test_masked_steps_do_not_compete_in_maximum():
    # Unmasked values are all negative: a masked step's zero must not win.
    x = -np.abs(random_inputs((1, 2, 3)))
    y = -np.abs(random_inputs((1, 2, 3), seed=1))
    y[0, 0] = 0.0
    out = assert_masked_call_matches_keras(
        layers.Maximum(), keras.layers.Maximum(), [x, y], (False, True)
    )
    np.testing.assert_array_equal(out[0, 0], x[0, 0])


@pytest.mark.parametrize("axis", [1, -1])
@pytest.mark.parametrize("masked", [(True, True), (True, False), (False, True)])
def test_concatenate_masks_match_keras(axis, masked):
    arrays = [with_padding((2, 3, 4), PADS[0], 0), with_padding((2, 3, 4), PADS[2], 1)]
    layer_kw = dict(axis=axis)
    assert_masked_call_matches_keras(
        layers.Concatenate(**layer_kw), keras.layers.Concatenate(**layer_kw), arrays, masked
    )


def test_dot_drops_masks_as_keras():
    arrays = [with_padding((2, 3, 4), PADS[0], 0), with_padding((2, 3, 4), PADS[1], 1)]
    assert_masked_call_matches_keras(
        layers.Dot(axes=2), keras.layers.Dot(axes=2), arrays, (True, True)
    )


@pytest.mark.parametrize("name", ["Add", "Maximum", "Concatenate"])
def test_compute_mask_with_explicit_mask_lists_matches_keras(name):
    xs = [random_inputs((2, 3, 4)), random_inputs((2, 3, 4), seed=1)]
    m1 = np.array([[True, False, True], [False, False, True]])
    m2 = np.array([[False, False, True], [True, False, False]])
    ours, theirs = getattr(layers, name)(), getattr(keras.layers, name)()
    for masks in ([m1, m2], [m1, None], [None, None]):
        mine, expected = ours.compute_mask(xs, masks), theirs.compute_mask(xs, masks)
        assert (mine is None) == (expected is None)
        if expected is not None:
            np.testing.assert_array_equal(mine, expected)


def test_explicit_mask_argument_equals_attached_masks():
    arrays = [with_padding((2, 3, 4), PADS[i], seed=i) for i in range(2)]
    masks = [np.any(x != 0, axis=-1) for x in arrays]
    _, theirs = masked_inputs(arrays, (True, True))
    expected = keras.layers.Multiply()(theirs)
    layer = layers.Multiply()
    np.testing.assert_allclose(layer(arrays, mask=masks), expected, rtol=1e-6)
    assert_jit_apply_matches_eager(layer, arrays, call_kwargs={"mask": masks})


def test_masks_flow_through_a_functional_model_as_in_keras():
    import lamina

    def build(lib, lam):
        a = lib.Input(shape=(4,), dtype="int32", name="ids_a")
        b = lib.Input(shape=(4,), dtype="int32", name="ids_b")
        ea = lib.layers.Embedding(7, 3, mask_zero=True, name="emb_a")(a)
        eb = lib.layers.Embedding(7, 3, mask_zero=True, name="emb_b")(b)
        mx = lib.layers.Maximum(name="max")([ea, eb])
        mul = lib.layers.Multiply(name="mul")([ea, eb])
        cat = lib.layers.Concatenate(axis=-1, name="cat")([mx, mul])
        steps = lib.layers.Concatenate(axis=1, name="steps")([cat, lib.layers.Add()([cat, cat])])
        out = lib.layers.Dense(2, name="head")(steps)
        return lam(a, b, out)

    ours = build(lamina, lambda a, b, out: lamina.Model([a, b], out))
    theirs = build(keras, lambda a, b, out: keras.Model([a, b], out))
    ids_a = np.array([[1, 2, 0, 0], [3, 0, 4, 0]], np.int32)
    ids_b = np.array([[5, 0, 0, 0], [0, 6, 1, 0]], np.int32)
    out = ours([ids_a, ids_b])
    for layer in ours.layers:
        if layer.weights:
            keras_layer = theirs.get_layer(layer.name)
            keras_layer.set_weights([np.asarray(w.numpy()) for w in layer.weights])
    expected = theirs([ids_a, ids_b])
    assert out.shape == (2, 8, 2)
    assert_trees_close(out, expected)
    their_mask = get_keras_mask(expected)
    assert their_mask is not None
    np.testing.assert_array_equal(masking.get_mask(out), their_mask)


def test_vmap_over_apply_matches_numpy():
    # A stack of independent problems: vmap maps apply over the leading axis.
    xs = random_inputs((5, 2, 3, 4))
    ys = random_inputs((5, 2, 4, 6), seed=1)
    dot = layers.Dot(axes=(2, 1))
    cat = layers.Concatenate(axis=1)
    params, state = dot.init(jax.random.key(0), [xs[0], ys[0]])
    assert params == {} and state == {}
    run = jax.vmap(lambda x, y: dot.apply(params, state, [x, y])[0])
    np.testing.assert_allclose(run(xs, ys), np.einsum("nbtd,nbde->nbte", xs, ys), rtol=1e-5)
    run = jax.vmap(lambda x, y: cat.apply({}, {}, [x, y])[0], in_axes=(0, None))
    np.testing.assert_array_equal(
        run(xs, xs[0]), np.concatenate([xs, np.broadcast_to(xs[:1], xs.shape)], axis=2)
    )


# ------------------------------------------------------------------ errors
def test_merges_refuse_a_single_tensor():
    with pytest.raises(ValueError, match=r"Add 'plus': expects a list of input tensors.*\(2, 3\)"):
        layers.Add(name="plus")(jnp.ones((2, 3)))


@pytest.mark.parametrize("name,count", [("Subtract", 3), ("Subtract", 1), ("Dot", 3)])
def test_wrong_number_of_inputs_is_refused(name, count):
    layer = getattr(layers, name)(name="m", **({"axes": 1} if name == "Dot" else {}))
    with pytest.raises(
        ValueError, match=rf"{name} 'm': expects exactly 2 input\(s\), received {count}"
    ):
        layer([jnp.ones((2, 3))] * count)


def test_incompatible_shapes_name_the_layer_and_shapes():
    with pytest.raises(
        ValueError, match=r"Add 'add_bad'.*incompatible shapes \(3, 4\) and \(3, 5\)"
    ):
        layers.Add(name="add_bad")([jnp.ones((2, 3, 4)), jnp.ones((2, 3, 5))])
    with pytest.raises(
        ValueError, match=r"Maximum 'mx'.*different batch sizes.*\(2, 3\), \(4, 3\)"
    ):
        layers.Maximum(name="mx")([jnp.ones((2, 3)), jnp.ones((4, 3))])


def test_shapes_are_checked_again_after_build():
    layer = layers.Multiply(name="mul_again")
    layer([jnp.ones((2, 3)), jnp.ones((2, 3))])
    with pytest.raises(ValueError, match=r"'mul_again'.*incompatible shapes \(3,\) and \(4,\)"):
        layer([jnp.ones((2, 3)), jnp.ones((2, 4))])


def test_concatenate_errors_name_the_layer_and_shapes():
    with pytest.raises(
        ValueError, match=r"'cat'.*axis -1.*\(2, 3, 4\), \(2, 5, 4\)\] \(they differ on axis 1\)"
    ):
        layers.Concatenate(name="cat")([jnp.ones((2, 3, 4)), jnp.ones((2, 5, 4))])
    with pytest.raises(ValueError, match=r"'cat2'.*same rank.*\(2, 3\), \(2, 3, 4\)"):
        layers.Concatenate(name="cat2")([jnp.ones((2, 3)), jnp.ones((2, 3, 4))])
    with pytest.raises(ValueError, match=r"'cat3'.*axis=3 is out of range.*rank 3"):
        layers.Concatenate(axis=3, name="cat3")([jnp.ones((2, 3, 4))] * 2)
    with pytest.raises(ValueError, match=r"Concatenate 'cat4': `axis` must be an int.*'1'"):
        layers.Concatenate(axis="1", name="cat4")


@pytest.mark.parametrize("axes", ["1", (1, 2, 3), (1.0, 1), 0, (0, 1), True])
def test_dot_refuses_bad_axes(axes):
    with pytest.raises(
        ValueError, match=rf"Dot 'd': `axes`.*received axes={re.escape(repr(axes))}"
    ):
        layers.Dot(axes=axes, name="d")


def test_dot_errors_name_the_layer_shapes_and_sizes():
    with pytest.raises(ValueError, match=r"Dot 'd1'.*\(2, 3\) and \(2, 4\).*size 3.*!= 4"):
        layers.Dot(axes=1, name="d1")([jnp.ones((2, 3)), jnp.ones((2, 4))])
    with pytest.raises(ValueError, match=r"Dot 'd2'.*rank >= 2.*\(3,\) and \(3,\)"):
        layers.Dot(axes=1, name="d2")([jnp.ones((3,)), jnp.ones((3,))])
    with pytest.raises(ValueError, match=r"Dot 'd3'.*axes=\(1, 3\) is out of range"):
        layers.Dot(axes=(1, 3), name="d3")([jnp.ones((2, 3)), jnp.ones((2, 3))])


def test_mask_list_of_the_wrong_length_is_refused():
    xs = [jnp.ones((2, 3, 4))] * 2
    with pytest.raises(ValueError, match=r"Add 'a': received 1 masks for 2 inputs"):
        layers.Add(name="a").compute_mask(xs, [jnp.ones((2, 3), bool)])
