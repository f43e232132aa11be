"""CTC (connectionist temporal classification) loss for unaligned label sequences."""

import jax.numpy as jnp
import optax

from lamina.losses._common import to_tensor
from lamina.losses.base import BuiltinLoss


def ctc(y_true, y_pred):
    """The CTC loss of each sequence (negative log-likelihood); shape ``(batch,)``.

    Args:
      y_true: integer labels of shape ``(batch, max_label_length)``; 0 is the
        blank and pads the end of shorter label sequences (it is never a class).
      y_pred: unnormalized logits of shape ``(batch, time, classes)``, every
        time step counting.

    Example: ``ctc(jnp.array([[1, 2, 0]]), logits)`` with ``logits.shape == (1, 6, 3)``.
    """
    y_true = jnp.asarray(y_true)
    y_pred = to_tensor(y_pred)
    if y_true.ndim != 2:
        raise ValueError(
            "ctc: `y_true` must be integer labels of shape (batch_size, max_length). "
            f"Received: y_true.shape={tuple(y_true.shape)}"
        )
    if y_pred.ndim != 3:
        raise ValueError(
            "ctc: `y_pred` must be logits of shape (batch_size, max_length, num_classes). "
            f"Received: y_pred.shape={tuple(y_pred.shape)}"
        )
    labels = y_true.astype(jnp.int32)
    y_pred = y_pred.astype(jnp.result_type(y_pred.dtype, jnp.float32))
    label_length = jnp.sum(labels != 0, axis=-1)
    label_paddings = (jnp.arange(labels.shape[1]) >= label_length[:, None]).astype(y_pred.dtype)
    logit_paddings = jnp.zeros(y_pred.shape[:2], y_pred.dtype)
    return optax.ctc_loss(y_pred, logit_paddings, labels, label_paddings, blank_id=0)


class CTC(BuiltinLoss):
    """CTC loss, reduced.

    Args:
      reduction: as ``Loss`` (default ``"sum_over_batch_size"``).
      name: default ``"ctc"``.
      dtype: computation dtype (default floatx, float32).

    Example: ``CTC()(labels, logits)`` with shapes ``(b, max_label)`` and ``(b, time, classes)``.
    """

    def __init__(self, reduction="sum_over_batch_size", name="ctc", dtype=None):
        super().__init__(ctc, reduction=reduction, name=name, dtype=dtype)
