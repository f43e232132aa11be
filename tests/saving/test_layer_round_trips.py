"""Every built-in layer survives ``model.save`` / ``load_model``: same config, same
weights, same outputs eagerly and under ``jax.jit``.

Each layer sits in a small functional model; the table below must name every
public layer class, so a new layer without a round trip fails here.
"""

import inspect

import jax
import numpy as np
import pytest

import lamina
from lamina import layers

SEQ = (5, 4)  # (steps, features)
IMG = (6, 6, 3)
VOL = (4, 4, 4, 2)

# name -> (builder, input shapes without the batch axis, input dtype)
CASES = {
    "Dense": (lambda: layers.Dense(3, activation="relu"), [(4,)]),
    "EinsumDense": (lambda: layers.EinsumDense("ab,bc->ac", output_shape=3, bias_axes="c"), [(4,)]),
    "Embedding": (lambda: layers.Embedding(10, 3, mask_zero=True), [(5,)], "int32"),
    "Masking": (lambda: layers.Masking(0.0), [SEQ]),
    "Activation": (lambda: layers.Activation("tanh"), [(4,)]),
    "Identity": (lambda: layers.Identity(), [(4,)]),
    "Lambda": None,  # named Python functions: tests/saving/test_model_saving.py
    "Dropout": (lambda: layers.Dropout(0.3, seed=1), [(4,)]),
    "SpatialDropout1D": (lambda: layers.SpatialDropout1D(0.3), [SEQ]),
    "SpatialDropout2D": (lambda: layers.SpatialDropout2D(0.3), [IMG]),
    "SpatialDropout3D": (lambda: layers.SpatialDropout3D(0.3), [VOL]),
    "GaussianNoise": (lambda: layers.GaussianNoise(0.1), [(4,)]),
    "GaussianDropout": (lambda: layers.GaussianDropout(0.1), [(4,)]),
    "ActivityRegularization": (lambda: layers.ActivityRegularization(l1=0.1), [(4,)]),
    "BatchNormalization": (lambda: layers.BatchNormalization(), [IMG]),
    "LayerNormalization": (lambda: layers.LayerNormalization(), [SEQ]),
    "GroupNormalization": (lambda: layers.GroupNormalization(groups=2), [(6, 4)]),
    "RMSNormalization": (lambda: layers.RMSNormalization(), [SEQ]),
    "UnitNormalization": (lambda: layers.UnitNormalization(), [(4,)]),
    "Conv1D": (lambda: layers.Conv1D(2, 3, padding="causal"), [SEQ]),
    "Conv2D": (lambda: layers.Conv2D(2, 3, strides=2, padding="same"), [IMG]),
    "Conv3D": (lambda: layers.Conv3D(2, 2), [VOL]),
    "Conv1DTranspose": (lambda: layers.Conv1DTranspose(2, 3, strides=2), [SEQ]),
    "Conv2DTranspose": (lambda: layers.Conv2DTranspose(2, 3, strides=2), [IMG]),
    "Conv3DTranspose": (lambda: layers.Conv3DTranspose(2, 2), [VOL]),
    "DepthwiseConv1D": (lambda: layers.DepthwiseConv1D(3, depth_multiplier=2), [SEQ]),
    "DepthwiseConv2D": (lambda: layers.DepthwiseConv2D(3), [IMG]),
    "SeparableConv1D": (lambda: layers.SeparableConv1D(2, 3), [SEQ]),
    "SeparableConv2D": (lambda: layers.SeparableConv2D(2, 3), [IMG]),
    "MaxPooling1D": (lambda: layers.MaxPooling1D(2), [SEQ]),
    "MaxPooling2D": (lambda: layers.MaxPooling2D(2), [IMG]),
    "MaxPooling3D": (lambda: layers.MaxPooling3D(2), [VOL]),
    "AveragePooling1D": (lambda: layers.AveragePooling1D(2, padding="same"), [SEQ]),
    "AveragePooling2D": (lambda: layers.AveragePooling2D(2), [IMG]),
    "AveragePooling3D": (lambda: layers.AveragePooling3D(2), [VOL]),
    "GlobalAveragePooling1D": (lambda: layers.GlobalAveragePooling1D(), [SEQ]),
    "GlobalAveragePooling2D": (lambda: layers.GlobalAveragePooling2D(keepdims=True), [IMG]),
    "GlobalAveragePooling3D": (lambda: layers.GlobalAveragePooling3D(), [VOL]),
    "GlobalMaxPooling1D": (lambda: layers.GlobalMaxPooling1D(), [SEQ]),
    "GlobalMaxPooling2D": (lambda: layers.GlobalMaxPooling2D(), [IMG]),
    "GlobalMaxPooling3D": (lambda: layers.GlobalMaxPooling3D(), [VOL]),
    "Flatten": (lambda: layers.Flatten(), [IMG]),
    "Reshape": (lambda: layers.Reshape((-1, 2)), [SEQ]),
    "Permute": (lambda: layers.Permute((2, 1)), [SEQ]),
    "RepeatVector": (lambda: layers.RepeatVector(3), [(4,)]),
    "UpSampling1D": (lambda: layers.UpSampling1D(2), [SEQ]),
    "UpSampling2D": (lambda: layers.UpSampling2D(2, interpolation="bilinear"), [IMG]),
    "UpSampling3D": (lambda: layers.UpSampling3D(2), [VOL]),
    "ZeroPadding1D": (lambda: layers.ZeroPadding1D(1), [SEQ]),
    "ZeroPadding2D": (lambda: layers.ZeroPadding2D(((1, 0), (0, 2))), [IMG]),
    "ZeroPadding3D": (lambda: layers.ZeroPadding3D(1), [VOL]),
    "Cropping1D": (lambda: layers.Cropping1D((1, 2)), [SEQ]),
    "Cropping2D": (lambda: layers.Cropping2D(1), [IMG]),
    "Cropping3D": (lambda: layers.Cropping3D(1), [VOL]),
    "Add": (lambda: layers.Add(), [(4,), (4,)]),
    "Subtract": (lambda: layers.Subtract(), [(4,), (4,)]),
    "Multiply": (lambda: layers.Multiply(), [(4,), (4,)]),
    "Average": (lambda: layers.Average(), [(4,), (4,)]),
    "Maximum": (lambda: layers.Maximum(), [(4,), (4,)]),
    "Minimum": (lambda: layers.Minimum(), [(4,), (4,)]),
    "Concatenate": (lambda: layers.Concatenate(axis=1), [SEQ, SEQ]),
    "Dot": (lambda: layers.Dot(axes=1, normalize=True), [(4,), (4,)]),
    "SimpleRNN": (lambda: layers.SimpleRNN(3, return_sequences=True), [SEQ]),
    "LSTM": (lambda: layers.LSTM(3, go_backwards=True), [SEQ]),
    "GRU": (lambda: layers.GRU(3, reset_after=False), [SEQ]),
    "RNN": (lambda: layers.RNN(layers.LSTMCell(3)), [SEQ]),
    "SimpleRNNCell": (lambda: layers.RNN(layers.SimpleRNNCell(3)), [SEQ]),
    "LSTMCell": (lambda: layers.RNN([layers.LSTMCell(2), layers.LSTMCell(3)]), [SEQ]),
    "GRUCell": (lambda: layers.RNN(layers.GRUCell(3)), [SEQ]),
    "StackedRNNCells": (lambda: layers.RNN(layers.StackedRNNCells([layers.GRUCell(2)])), [SEQ]),
    "Bidirectional": (lambda: layers.Bidirectional(layers.LSTM(2, return_sequences=True)), [SEQ]),
    "TimeDistributed": (lambda: layers.TimeDistributed(layers.Dense(2)), [SEQ]),
    "Attention": (lambda: layers.Attention(use_scale=True), [SEQ, SEQ]),
    "AdditiveAttention": (lambda: layers.AdditiveAttention(), [SEQ, SEQ]),
    "MultiHeadAttention": (lambda: layers.MultiHeadAttention(2, 3), [SEQ, SEQ]),
}
LIST_INPUT = {
    "Add",
    "Subtract",
    "Multiply",
    "Average",
    "Maximum",
    "Minimum",
    "Concatenate",
    "Dot",
    "Attention",
    "AdditiveAttention",
}


def test_the_table_names_every_public_layer():
    public = {
        name
        for name, obj in vars(layers).items()
        if inspect.isclass(obj) and issubclass(obj, layers.Layer) and obj.__name__ == name
    }
    abstract = {"Layer", "Wrapper"}
    assert public - abstract - set(CASES) == set()


def model_for(name):
    build, shapes, *dtype = CASES[name]
    dtype = dtype[0] if dtype else "float32"
    inputs = [lamina.Input(shape, dtype=dtype) for shape in shapes]
    layer = build()
    if name in LIST_INPUT:
        out = layer(inputs)
    else:
        out = layer(*inputs)
    model = lamina.Model(inputs if len(inputs) > 1 else inputs[0], out)
    rng = np.random.default_rng(0)
    if dtype == "int32":
        data = [rng.integers(0, 10, size=(2, *s)).astype(dtype) for s in shapes]
    else:
        data = [rng.normal(size=(2, *s)).astype(dtype) for s in shapes]
    return model, data if len(data) > 1 else data[0]


@pytest.mark.parametrize("name", sorted(n for n, case in CASES.items() if case is not None))
def test_save_and_load_give_the_same_model(name, tmp_path):
    model, x = model_for(name)
    expected = model(x)
    path = tmp_path / f"{name}.lamina"
    model.save(path)
    loaded = lamina.models.load_model(path)
    assert loaded.get_config() == model.get_config()
    for a, b in zip(loaded.variables, model.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    np.testing.assert_allclose(loaded(x), expected, rtol=1e-6, atol=1e-6)
    params, state = loaded.split()
    jitted, _ = jax.jit(loaded.apply)(params, state, x)
    np.testing.assert_allclose(jitted, expected, rtol=1e-5, atol=1e-6)
