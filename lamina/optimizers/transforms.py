"""The gradient processing every Keras optimizer shares, as optax transformations.

Keras clips the gradients (``clipnorm``, ``global_clipnorm`` or ``clipvalue``), then
decays the weights (``w -= w * weight_decay * lr``), then applies its own update rule.
The transforms here reproduce that arithmetic operation by operation; ``keras_clipping``
picks the clipping transform from Keras' arguments.
"""

import jax
import jax.numpy as jnp
import optax


def clip_by_norm(clipnorm) -> optax.GradientTransformation:
    """Scale each gradient leaf on its own to an L2 norm of at most ``clipnorm``.

    This is Keras' ``clipnorm`` (per variable, unlike ``optax.clip_by_global_norm``):
    ``g * clipnorm / max(norm(g), clipnorm)``. Stateless.

    Example: ``optax.chain(clip_by_norm(1.0), optax.sgd(0.1))``.
    """

    def clip(g):
        l2sum = jnp.sum(jnp.square(g), keepdims=True)
        positive = l2sum > 0
        # The two-sided where keeps the gradient of sqrt finite at 0, as Keras does.
        l2norm = jnp.where(positive, jnp.sqrt(jnp.where(positive, l2sum, 1.0)), l2sum)
        return (g * clipnorm) / jnp.maximum(l2norm, clipnorm)

    return optax.stateless_with_tree_map(lambda g, _: clip(g))


def clip_by_global_norm(clipnorm) -> optax.GradientTransformation:
    """Scale all gradients together so that their joint L2 norm is at most ``clipnorm``.

    Keras' ``global_clipnorm``: every leaf is multiplied by
    ``clipnorm * min(1 / norm, 1 / clipnorm)``; a non-finite norm gives NaN gradients.
    Stateless.

    Example: ``optax.chain(clip_by_global_norm(1.0), optax.sgd(0.1))``.
    """

    def update_fn(updates, state, params=None):
        del params
        leaves = jax.tree.leaves(updates)
        norm = jnp.sqrt(jnp.sum(jnp.stack([jnp.sum(jnp.square(g)) for g in leaves])))
        scale = clipnorm * jnp.minimum(1.0 / norm, 1.0 / clipnorm)
        scale = scale + (norm - norm)  # NaN for an infinite or NaN norm
        return jax.tree.map(lambda g: g * scale, updates), state

    return optax.GradientTransformation(optax.init_empty_state, update_fn)


def keras_clipping(clipnorm=None, clipvalue=None, global_clipnorm=None):
    """The clipping transform for Keras' arguments, or None when none is set.

    As in Keras a value of 0 (or None) disables that kind of clipping; at most one kind
    may be set (the optimizer's constructor checks that).

    Example: ``keras_clipping(clipvalue=0.5)`` is ``optax.clip(0.5)``.
    """
    if clipnorm:
        return clip_by_norm(clipnorm)
    if global_clipnorm:
        return clip_by_global_norm(global_clipnorm)
    if clipvalue:
        return optax.clip(clipvalue)
    return None


def unscale_gradients(loss_scale_factor) -> optax.GradientTransformation:
    """Divide every gradient by ``loss_scale_factor`` (Keras' ``loss_scale_factor``). Stateless.

    Example: ``unscale_gradients(1024.0)`` undoes a loss multiplied by 1024.
    """
    return optax.stateless_with_tree_map(lambda g, _: g / loss_scale_factor)


def decoupled_weight_decay(weight_decay, learning_rate) -> optax.GradientTransformation:
    """Add ``-param * weight_decay * learning_rate`` to each update (Keras' ``weight_decay``).

    The decay is decoupled from the gradient (AdamW style) and scaled by the same
    learning rate as the step. Needs ``params`` in ``update``. Stateless.

    Example: ``optax.chain(optax.sgd(0.1), decoupled_weight_decay(0.01, 0.1))``.
    """

    def update_fn(updates, state, params=None):
        if params is None:
            raise ValueError(
                f"weight_decay={weight_decay} needs the parameters: call "
                "`opt.update(grads, opt_state, params)`, not `opt.update(grads, opt_state)`."
            )

        def decay(u, p):
            lr = jnp.asarray(learning_rate).astype(p.dtype)
            return u - p * jnp.asarray(weight_decay, p.dtype) * lr

        return jax.tree.map(decay, updates, params), state

    return optax.GradientTransformation(optax.init_empty_state, update_fn)
