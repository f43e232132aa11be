"""EinsumDense against Keras 3: equation analysis, outputs, configs, gradients, errors."""

import jax.numpy as jnp
import keras
import numpy as np
import pytest
from layer_checks import (
    assert_config_matches_keras,
    assert_gradients_match_finite_differences,
    assert_jit_apply_matches_eager,
    assert_matches_keras,
    random_inputs,
)

import lamina
from lamina import layers

# (equation, output_shape, bias_axes, input_shape): every equation form, biases on
# leading / trailing / several output axes, None sizes taken from the input.
CASES = [
    ("ab,b->a", (), None, (2, 6)),
    ("ab,bc->ac", 5, "c", (3, 4)),
    ("abc,cde->abde", (7, 3, 4), "be", (2, 7, 2)),
    ("abc,cd->abd", (None, 4), "d", (2, 5, 3)),
    ("BFNH,NHD->BFD", (1, 4), None, (2, 1, 2, 3)),
    ("...bc,bc->...b", (3,), None, (2, 3, 4)),
    ("...c,cde->...de", (3, 4), "d", (2, 1, 2)),
    ("bc...,cde->bde...", (3, 4), "d", (2, 1, 2)),
]


@pytest.mark.parametrize("equation,output_shape,bias_axes,input_shape", CASES)
def test_outputs_weights_and_output_shape_match_keras(
    equation, output_shape, bias_axes, input_shape
):
    x = random_inputs(input_shape)
    kwargs = dict(output_shape=output_shape, bias_axes=bias_axes, activation="tanh")
    ours = layers.EinsumDense(equation, **kwargs)
    theirs = keras.layers.EinsumDense(equation, **kwargs)
    # Also checks kernel and bias shapes against Keras' own build.
    assert_matches_keras(ours, theirs, x)
    assert_config_matches_keras(layers.EinsumDense(equation, **kwargs), theirs)


@pytest.mark.parametrize("equation,output_shape,bias_axes,input_shape", CASES[1:6:2])
def test_gradients_and_jit(equation, output_shape, bias_axes, input_shape):
    layer = layers.EinsumDense(equation, output_shape, bias_axes=bias_axes, activation="tanh")
    x = random_inputs(input_shape, seed=3)
    assert_gradients_match_finite_differences(layer, x)
    assert_jit_apply_matches_eager(layer, x)


def _regularized(lib):
    return dict(
        output_shape=(7, 3, 4),
        bias_axes="be",
        kernel_initializer="he_uniform",
        bias_initializer="ones",
        # Factors exact in float32: Keras stores them as float32.
        kernel_regularizer=lib.regularizers.L2(0.25),
        bias_regularizer=lib.regularizers.L1(0.5),
        activity_regularizer=lib.regularizers.L2(0.125),
        kernel_constraint="non_neg",
        bias_constraint="unit_norm",
    )


def test_regularizers_constraints_and_initializers_match_keras():
    x = random_inputs((2, 7, 2))
    ours = layers.EinsumDense("abc,cde->abde", **_regularized(lamina))
    theirs = keras.layers.EinsumDense("abc,cde->abde", **_regularized(keras))
    assert_matches_keras(ours, theirs, x)
    assert_config_matches_keras(layers.EinsumDense("abc,cde->abde", **_regularized(lamina)), theirs)
    assert len(ours.losses) == len(theirs.losses) == 3
    for a, b in zip(ours.losses, theirs.losses):
        np.testing.assert_allclose(a, b, rtol=1e-5)


def test_variance_scaling_fans_follow_the_equation_as_in_keras():
    # Kernel (16, 4, 32): fan_in 16, fan_out 128 (Keras' input/output axes), not the
    # convolution rule (64, 512). Glorot uniform's bound is sqrt(6 / (16 + 128)).
    x = np.zeros((1, 16), np.float32)
    ours = layers.EinsumDense("ab,bcd->acd", (4, 32))
    theirs = keras.layers.EinsumDense("ab,bcd->acd", (4, 32))
    ours(x)
    theirs(x)
    keras_max = float(np.max(np.abs(theirs.kernel.numpy())))
    our_max = float(np.max(np.abs(ours.kernel.numpy())))
    assert keras_max <= np.sqrt(6 / 144) and our_max <= np.sqrt(6 / 144)
    np.testing.assert_allclose(our_max, keras_max, rtol=0.05)


def test_left_ellipsis_over_several_axes_keeps_their_order():
    # Keras' compute_output_shape reverses the elided axes here ((2, 4, 3, 5)); the
    # tensor it computes has them in order, as ours does.
    x = random_inputs((2, 3, 4, 6))
    ours = layers.EinsumDense("...b,bc->...c", 5, bias_axes="c")
    theirs = keras.layers.EinsumDense("...b,bc->...c", 5, bias_axes="c")
    out = ours(x)
    theirs(x)
    theirs.set_weights([w.numpy() for w in ours.weights])
    expected = np.asarray(theirs(x))
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5)
    assert ours.compute_output_shape(x.shape) == expected.shape == (2, 3, 4, 5)


@pytest.mark.parametrize(
    "equation,match",
    [
        ("ab->b", r"invalid einsum equation 'ab->b'"),
        ("ab,bc,cd->ad", "invalid einsum equation"),
        ("...ab,bc->ac", "invalid einsum equation"),
        ("a...,bc->ac...", "invalid einsum equation"),
        ("ab,bc->ad", r"output axis 'd' appears in neither the input 'ab' nor the kernel 'bc'"),
        ("ab,bcz->ac", r"kernel axis 'z' appears in neither the input 'ab' nor the output"),
        (3, r"`equation` must be a string, received equation=3"),
    ],
)
def test_bad_equations_are_refused(equation, match):
    with pytest.raises(ValueError, match=r"EinsumDense 'bad': .*" + match):
        layers.EinsumDense(equation, 4, name="bad")


def test_bad_bias_axes_and_output_shapes_are_refused():
    with pytest.raises(ValueError, match=r"EinsumDense 'p': bias axis 'x' is not an axis"):
        layers.EinsumDense("ab,bc->ac", 4, bias_axes="x", name="p")
    with pytest.raises(ValueError, match=r"'p': `output_shape` must give 3 size\(s\)"):
        layers.EinsumDense("abc,cde->abde", (4,), name="p")
    with pytest.raises(ValueError, match=r"'p': `output_shape` must be an int or a tuple"):
        layers.EinsumDense("ab,bc->ac", "4", name="p")
    with pytest.raises(ValueError, match=r"'p': `output_shape` must be an int or a tuple"):
        layers.EinsumDense("ab,bc->ac", (-1,), name="p")


def test_shape_problems_at_build_and_call_name_the_layer():
    layer = layers.EinsumDense("abc,cd->abd", (None, 4), name="proj")
    with pytest.raises(ValueError, match=r"EinsumDense 'proj'.*need inputs of rank 3.*\(2, 3\)"):
        layer(jnp.ones((2, 3)))
    shared = layers.EinsumDense("abc,cd->abd", (5, 4), name="shared")
    with pytest.raises(ValueError, match=r"'shared'.*shared axis 'b'.*has 3, `output_shape`"):
        shared(jnp.ones((2, 3, 6)))
    unknown = layers.EinsumDense("ab,bc->ac", (None,), name="unknown")
    with pytest.raises(ValueError, match=r"'unknown': the size of kernel axis 'c' is unknown"):
        unknown(jnp.ones((2, 3)))
    layer(jnp.ones((2, 3, 6)))
    with pytest.raises(ValueError, match=r"layer 'proj'.*axis -1 of input shape to have value 6"):
        layer(jnp.ones((2, 3, 7)))
    with pytest.raises(ValueError, match=r"layer 'proj'.*ndim=3.*\(2, 3, 6, 1\)"):
        layer(jnp.ones((2, 3, 6, 1)))
