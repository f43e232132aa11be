"""Circle loss (Sun et al., 2020) for metric learning on L2-normalized embeddings.

Pairs with equal labels are pulled together and pairs with different labels
pushed apart, each pair weighted by how far it is from its optimum. Entries
whose loss is 0 are masked out, so ``"sum_over_batch_size"`` averages over the
entries with a positive loss only (as Keras).
"""

import jax
import jax.numpy as jnp

from lamina.core.masking import set_mask
from lamina.losses._common import to_tensor
from lamina.losses.base import BuiltinLoss


def _pos_neg_masks(query_labels, key_labels, remove_diagonal=True):
    query_labels = query_labels.reshape(-1, 1) if query_labels.ndim == 1 else query_labels
    key_labels = key_labels.reshape(-1, 1) if key_labels.ndim == 1 else key_labels
    positive = query_labels == key_labels.T
    negative = jnp.logical_not(positive)
    if remove_diagonal:
        positive = positive & ~jnp.eye(query_labels.size, key_labels.size, dtype=bool)
    return positive, negative


def circle(
    y_true, y_pred, ref_labels=None, ref_embeddings=None, remove_diagonal=True, gamma=80, margin=0.4
):
    """Circle loss of each embedding against the references; shape ``(batch,)``.

    Args:
      y_true: integer labels, shape ``(batch,)``.
      y_pred: L2-normalized embeddings, shape ``(batch, dim)``.
      ref_labels, ref_embeddings: the references (default: ``y_true``/``y_pred``).
      remove_diagonal: leave out each embedding's pair with itself (default True).
      gamma: the scale (default ``80``).
      margin: the relaxation margin (default ``0.4``).

    Example: ``circle(labels, embeddings / jnp.linalg.norm(embeddings, axis=1, keepdims=True))``.
    """
    y_pred = to_tensor(y_pred)
    y_true = jnp.asarray(y_true).astype(jnp.int32)
    if y_pred.ndim != 2:
        raise ValueError(
            "circle: `y_pred` must be embeddings of shape (batch, dim). "
            f"Received: y_pred.shape={tuple(y_pred.shape)}"
        )
    ref_embeddings = y_pred if ref_embeddings is None else to_tensor(ref_embeddings)
    ref_labels = y_true if ref_labels is None else jnp.asarray(ref_labels).astype(jnp.int32)

    distances = jnp.maximum(1 - jnp.matmul(y_pred, ref_embeddings.T), 0.0)
    positive, negative = _pos_neg_masks(y_true, ref_labels, remove_diagonal)
    positive_f, negative_f = positive.astype(distances.dtype), negative.astype(distances.dtype)

    pos_weights = jnp.maximum((margin + distances) * positive_f, 0.0)
    neg_weights = jnp.maximum((1 + margin - distances) * negative_f, 0.0)
    pos_wdists = -1 * gamma * pos_weights * (margin - distances)
    neg_wdists = gamma * neg_weights * ((1 - margin) - distances)

    p_loss = jax.scipy.special.logsumexp(jnp.where(positive, pos_wdists, -jnp.inf), axis=1)
    n_loss = jax.scipy.special.logsumexp(jnp.where(negative, neg_wdists, -jnp.inf), axis=1)
    loss = jax.nn.softplus(p_loss + n_loss)
    set_mask(loss, loss > 0)
    return loss


class Circle(BuiltinLoss):
    """Circle loss over a batch of labelled, L2-normalized embeddings, reduced.

    Args:
      gamma: the scale (default ``80.0``).
      margin: the relaxation margin (default ``0.4``).
      remove_diagonal: leave out self-pairs (default True).
      reduction: as ``Loss`` (default ``"sum_over_batch_size"``).
      name: default ``"circle"``.
      dtype: computation dtype (default floatx, float32).

    Example: ``Circle()(labels, normalized_embeddings)`` with shapes ``(b,)`` and ``(b, d)``.
    """

    def __init__(
        self,
        gamma=80.0,
        margin=0.4,
        remove_diagonal=True,
        reduction="sum_over_batch_size",
        name="circle",
        dtype=None,
    ):
        super().__init__(
            circle,
            reduction=reduction,
            name=name,
            dtype=dtype,
            gamma=gamma,
            margin=margin,
            remove_diagonal=remove_diagonal,
        )
        self.gamma = gamma
        self.margin = margin
        self.remove_diagonal = remove_diagonal
