"""Functional models: graphs of layer calls on lamina.Input tensors."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import lamina
from lamina import layers, ops


def test_single_input_output_model_matches_its_layers():
    inputs = lamina.Input(shape=(4,))
    hidden = layers.Dense(8, activation="relu", name="hidden")(inputs)
    outputs = layers.Dense(2, name="head")(hidden)
    model = lamina.Model(inputs, outputs)
    assert isinstance(model, lamina.Functional)
    assert [layer.name for layer in model.layers] == ["hidden", "head"]
    assert hidden.shape == (None, 8) and outputs.shape == (None, 2)
    x = np.random.default_rng(0).normal(size=(3, 4)).astype("float32")
    expected = model.layers[1](model.layers[0](x))
    np.testing.assert_allclose(model(x), expected, rtol=1e-6)
    params, state = model.split()
    assert set(params) == {"hidden", "head"}
    np.testing.assert_allclose(jax.jit(model.apply)(params, state, x)[0], expected, rtol=1e-6)


def test_multiple_inputs_and_outputs_as_lists_and_dicts():
    a, b = lamina.Input((3,), name="a"), lamina.Input((2,), name="b")
    joined = layers.Dense(4, name="ja")(a) + layers.Dense(4, name="jb")(b)
    out1, out2 = layers.Dense(1, name="o1")(joined), layers.Dense(2, name="o2")(joined)
    listed = lamina.Model([a, b], [out1, out2])
    named = lamina.Model({"a": a, "b": b}, {"first": out1, "second": out2})
    xa, xb = np.ones((5, 3), "float32"), np.ones((5, 2), "float32")
    y1, y2 = listed([xa, xb])
    d = named({"a": xa, "b": xb})
    np.testing.assert_allclose(y1, d["first"])
    np.testing.assert_allclose(y2, d["second"])
    assert y1.shape == (5, 1) and y2.shape == (5, 2)
    listed.compile(optimizer="sgd", loss=["mse", "mse"], loss_weights=[1.0, 0.5])
    history = listed.fit([xa, xb], [np.zeros((5, 1)), np.zeros((5, 2))], epochs=2, verbose=0)
    assert history.history["loss"][1] < history.history["loss"][0]
    named.compile(optimizer="sgd", loss={"first": "mse", "second": "mae"})
    named.fit(
        {"a": xa, "b": xb}, {"first": np.zeros((5, 1)), "second": np.zeros((5, 2))}, verbose=0
    )


def test_shared_layers_and_nested_models():
    shared = layers.Dense(3, name="shared")
    a, b = lamina.Input((3,)), lamina.Input((3,))
    inner = lamina.Model(a, shared(shared(a)), name="inner")
    x_in = lamina.Input((3,))
    outer = lamina.Model(x_in, inner(x_in) + shared(x_in), name="outer")
    x = np.ones((2, 3), "float32")
    expected = shared(shared(x)) + shared(x)
    np.testing.assert_allclose(outer(x), expected, rtol=1e-6)
    assert len(outer.weights) == 2  # the shared kernel and bias, once
    del b


def test_masks_are_carried_along_the_graph():
    class MaskedSum(layers.Layer):
        def call(self, x, mask=None):
            return ops.sum(x * ops.cast(mask, x.dtype)[..., None], axis=1)

    ids = lamina.Input((4,), dtype="int32")
    emb = layers.Embedding(10, 3, mask_zero=True)
    model = lamina.Model(ids, MaskedSum()(emb(ids)))
    batch = np.array([[1, 2, 0, 0]])
    table = emb.embeddings.numpy()
    np.testing.assert_allclose(model(batch)[0], table[1] + table[2], rtol=1e-6)
    np.testing.assert_allclose(
        jax.jit(model.apply)(*model.split(), batch)[0][0], table[1] + table[2], rtol=1e-6
    )


def test_custom_layers_infer_output_shapes_abstractly():
    class Split(layers.Layer):
        def call(self, x):
            return x[:, :2], jnp.concatenate([x, x], axis=-1)

    inputs = lamina.Input((5,))
    first, second = Split()(inputs)
    assert first.shape == (None, 2) and second.shape == (None, 10)


def test_disconnected_graphs_and_bad_inputs_fail_clearly():
    a, b = lamina.Input((2,)), lamina.Input((2,))
    out = layers.Dense(1)(b)
    with pytest.raises(ValueError, match="graph disconnected"):
        lamina.Model(a, out)
    model = lamina.Model(b, out)
    with pytest.raises(ValueError, match=r"expects shape \(None, 2\), received \(3, 4\)"):
        model(np.ones((3, 4)))
    with pytest.raises(TypeError, match="must be lamina.Input"):
        lamina.Model(np.ones(2), out)


def test_summary_lists_layers_shapes_and_counts(capsys):
    inputs = lamina.Input((4,))
    model = lamina.Model(inputs, layers.Dense(2, name="head")(layers.Dense(8, name="h")(inputs)))
    model.summary()
    text = capsys.readouterr().out
    assert "h (Dense)" in text and "head (Dense)" in text
    assert "(None, 8)" in text and "(None, 2)" in text
    assert "Total params: 58" in text and "Trainable params: 58" in text


def test_summary_wraps_a_long_output_shape_instead_of_cutting_it(capsys):
    class Triple(lamina.Layer):
        def call(self, x):
            return x, x, x

    inputs = lamina.Input((32,))
    model = lamina.Model(inputs, Triple(name="triple")(inputs))
    model.summary()
    text = capsys.readouterr().out
    assert "((None, 32), (None, 32)," in text and "\n" in text
    assert text.count("(None, 32)") == 3
