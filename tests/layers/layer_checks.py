"""Shared checks for built-in layers: Keras 3 parity, config, gradients, jit.

Every layer test uses the same yardsticks so that "matches Keras" means one thing:
copy lamina's weights into the Keras twin, call both on the same inputs, and compare
outputs, output shapes and masks; compare ``get_config`` key by key; check gradients
against central finite differences; check ``jit(apply)`` against the eager call.
"""

import jax
import jax.numpy as jnp
import numpy as np

# Keys Keras 3 adds to some configs for features lamina does not have (LoRA,
# quantization); everything else must be present on both sides.
KERAS_ONLY_KEYS = {"lora_rank", "lora_alpha", "quantization_config"}


def random_inputs(shape, seed=0, dtype="float32"):
    """A reproducible standard-normal NumPy array of ``shape``."""
    return np.random.default_rng(seed).normal(size=shape).astype(dtype)


def copy_weights_to_keras(ours, theirs, order=None):
    """Set the (built) Keras layer's weights to lamina's, checking shapes.

    ``order``: optional list giving, for each Keras weight in turn, the index of the
    lamina weight that fills it (for layers whose weight orders differ).
    """
    our_weights = [np.asarray(w.numpy()) for w in ours.weights]
    if order is not None:
        our_weights = [our_weights[i] for i in order]
    their_weights = theirs.get_weights()
    assert len(our_weights) == len(their_weights), (
        f"{ours.name}: lamina has {len(our_weights)} weights "
        f"{[w.path for w in ours.weights]}, Keras has {len(their_weights)} "
        f"{[w.path for w in theirs.weights]}"
    )
    for index, (a, b) in enumerate(zip(our_weights, their_weights)):
        assert a.shape == b.shape, (
            f"weight {index}: lamina {ours.weights[index].path} {a.shape} vs Keras "
            f"{theirs.weights[index].path} {b.shape}"
        )
    theirs.set_weights(our_weights)


def assert_matches_keras(
    ours, theirs, *inputs, call_kwargs=None, order=None, atol=1e-5, rtol=1e-5, mask=None
):
    """Call ``ours`` (builds it), build ``theirs`` on the same inputs, copy the weights
    over, call again, and compare outputs, output shapes and output masks.

    ``mask``: passed to both calls as ``mask=`` (and to ``compute_mask``).
    Returns lamina's outputs.
    """
    call_kwargs = dict(call_kwargs or {})
    if mask is not None:
        call_kwargs["mask"] = mask
    out = ours(*inputs, **call_kwargs)
    theirs(*inputs, **call_kwargs)  # builds the Keras layer
    copy_weights_to_keras(ours, theirs, order=order)
    expected = theirs(*inputs, **call_kwargs)
    assert_trees_close(out, expected, atol=atol, rtol=rtol)
    if hasattr(theirs, "compute_output_shape") and len(inputs) == 1:
        try:
            keras_shape = theirs.compute_output_shape(_shape_tree(inputs[0]))
        except (NotImplementedError, TypeError, AttributeError):
            keras_shape = None
        if keras_shape is not None:
            ours_shape = ours.compute_output_shape(_shape_tree(inputs[0]))
            assert _norm_shapes(ours_shape) == _norm_shapes(keras_shape), (
                ours_shape,
                keras_shape,
            )
    if theirs.supports_masking or mask is not None:
        first = inputs[0] if len(inputs) == 1 else list(inputs)
        their_mask = theirs.compute_mask(first, mask)
        our_mask = ours.compute_mask(first, mask)
        assert (their_mask is None) == (our_mask is None), (our_mask, their_mask)
        if their_mask is not None:
            assert_trees_close(our_mask, their_mask, atol=0, rtol=0)
    return out


def assert_trees_close(ours, theirs, atol=1e-5, rtol=1e-5):
    """Same structure (lists/tuples interchangeable) and values within tolerance."""
    a = jax.tree.leaves(_listify(ours))
    b = jax.tree.leaves(_listify(theirs))
    assert len(a) == len(b), f"{len(a)} outputs vs {len(b)}"
    for x, y in zip(a, b):
        x, y = np.asarray(x), np.asarray(y)
        assert x.shape == y.shape, f"shape {x.shape} vs Keras {y.shape}"
        np.testing.assert_allclose(x, y, atol=atol, rtol=rtol)


def assert_config_matches_keras(ours, theirs, ignore=()):
    """``get_config()`` of a lamina layer and a Keras layer built from the same
    arguments: same keys, same values (serialized objects compared by class name and
    config; ``dtype`` by policy name; ``name`` not compared), and
    ``from_config(get_config())`` round-trips."""
    mine, keras_cfg = ours.get_config(), theirs.get_config()
    skip = set(ignore) | {"name"}
    missing = set(keras_cfg) - set(mine) - KERAS_ONLY_KEYS - skip
    extra = set(mine) - set(keras_cfg) - skip
    assert not missing, f"{type(ours).__name__} config lacks Keras keys {sorted(missing)}"
    assert not extra, f"{type(ours).__name__} config has non-Keras keys {sorted(extra)}"
    for key in set(mine) & set(keras_cfg) - skip:
        assert _norm_config(mine[key]) == _norm_config(keras_cfg[key]), (
            f"{type(ours).__name__} config[{key!r}]: lamina {mine[key]!r} vs Keras "
            f"{keras_cfg[key]!r}"
        )
    clone = type(ours).from_config(mine)
    assert clone.get_config() == mine


def assert_gradients_match_finite_differences(
    layer, *inputs, call_kwargs=None, directions=3, eps=1e-2, rtol=3e-2, atol=1e-3, seed=0
):
    """Directional derivatives of ``sum(w * apply(params, ...))`` along random unit
    directions in parameter space equal central finite differences (float32)."""
    call_kwargs = dict(call_kwargs or {})
    params, state = layer.split() if layer.built else layer.init(jax.random.key(seed), *inputs)
    leaves, treedef = jax.tree.flatten(params)
    assert leaves, f"{layer.name} has no trainable weights to check"
    out, _ = layer.apply(params, state, *inputs, **call_kwargs)
    rng = np.random.default_rng(seed)
    weights = jax.tree.map(lambda o: jnp.asarray(rng.normal(size=np.shape(o)), o.dtype), out)

    def loss(p):
        y, _ = layer.apply(p, state, *inputs, **call_kwargs)
        return sum(jnp.sum(a * w) for a, w in zip(jax.tree.leaves(y), jax.tree.leaves(weights)))

    grads = jax.tree.leaves(jax.jit(jax.grad(loss))(params))
    loss_jit = jax.jit(loss)
    for _ in range(directions):
        direction = [rng.normal(size=leaf.shape).astype(np.float32) for leaf in leaves]
        norm = np.sqrt(sum(float(np.sum(d**2)) for d in direction))
        direction = [d / norm for d in direction]
        analytic = sum(float(np.sum(np.asarray(g) * d)) for g, d in zip(grads, direction))
        up = jax.tree.unflatten(treedef, [p + eps * d for p, d in zip(leaves, direction)])
        down = jax.tree.unflatten(treedef, [p - eps * d for p, d in zip(leaves, direction)])
        numeric = (float(loss_jit(up)) - float(loss_jit(down))) / (2 * eps)
        np.testing.assert_allclose(analytic, numeric, rtol=rtol, atol=atol)


def assert_jit_apply_matches_eager(layer, *inputs, call_kwargs=None, atol=1e-6, rtol=1e-6):
    """``jax.jit(layer.apply)`` with the façade's values equals the eager call."""
    call_kwargs = dict(call_kwargs or {})
    eager = layer(*inputs, **call_kwargs)
    params, state = layer.split()
    jitted, _ = jax.jit(lambda p, s, *xs: layer.apply(p, s, *xs, **call_kwargs))(
        params, state, *inputs
    )
    assert_trees_close(jitted, eager, atol=atol, rtol=rtol)


def _listify(tree):
    if isinstance(tree, tuple | list):
        return [_listify(t) for t in tree]
    if isinstance(tree, dict):
        return {k: _listify(v) for k, v in tree.items()}
    return tree


def _shape_tree(x):
    if isinstance(x, list | tuple):
        return [tuple(np.shape(t)) for t in x]
    return tuple(np.shape(x))


def _norm_shapes(shape):
    if isinstance(shape, list | tuple) and shape and isinstance(shape[0], list | tuple):
        return [tuple(s) for s in shape]
    return tuple(shape)


def _norm_config(value):
    if isinstance(value, dict) and "class_name" in value and "config" in value:
        if value["class_name"] in ("DTypePolicy", "FloatDTypePolicy"):
            return value["config"]["name"]
        return (value["class_name"], _norm_config(value["config"]))
    if isinstance(value, dict):
        return {k: _norm_config(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_norm_config(v) for v in value]
    return value
