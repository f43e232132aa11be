"""``Model.summary()``'s table, as lines of text."""

import textwrap

import jax
import numpy as np


def _shape_text(layer) -> str:
    """The layer's last output shape(s), with the batch axis shown as None."""
    shape = getattr(layer, "_last_output_shape", None)
    if shape is None:
        return "?"

    def batchless(s):
        return (None, *s[1:]) if s else s

    is_shape = lambda s: isinstance(s, tuple) and all(isinstance(d, int) for d in s)
    return str(jax.tree.map(batchless, shape, is_leaf=is_shape))


def _count(variables) -> int:
    return int(sum(np.prod(v.shape, dtype=np.int64) for v in variables))


def summary_lines(model, line_length=None) -> list:
    """Keras-like summary: one row per direct sub-layer, then parameter totals."""
    width = line_length or 84
    cols = (int(width * 0.45), int(width * 0.33), width - int(width * 0.45) - int(width * 0.33))
    rule_heavy, rule = "━" * width, "─" * width

    def row(*cells):
        # A cell too long for its column wraps onto more lines, as in Keras.
        wrapped = [textwrap.wrap(str(c), w - 1) or [""] for c, w in zip(cells, cols)]
        height = max(len(parts) for parts in wrapped)
        line = lambda i: "".join(
            (parts[i] if i < len(parts) else "").ljust(w) for parts, w in zip(wrapped, cols)
        )
        return [line(i).rstrip() for i in range(height)]

    lines = [f'Model: "{model.name}"', rule_heavy, *row("Layer (type)", "Output Shape", "Param #")]
    lines.append(rule_heavy)
    layers = model.layers
    for i, layer in enumerate(layers):
        params = _count(layer.weights) if layer.built or layer.weights else 0
        lines += row(f"{layer.name} ({type(layer).__name__})", _shape_text(layer), f"{params:,}")
        if i < len(layers) - 1:
            lines.append(rule)
    lines.append(rule_heavy)
    trainable, frozen = _count(model.trainable_weights), _count(model.non_trainable_weights)
    total = trainable + frozen

    def size(n):
        nbytes = n * 4
        return f"{nbytes / 1024:.2f} KB" if nbytes < 1024**2 else f"{nbytes / 1024**2:.2f} MB"

    lines += [
        f" Total params: {total:,} ({size(total)})",
        f" Trainable params: {trainable:,} ({size(trainable)})",
        f" Non-trainable params: {frozen:,} ({size(frozen)})",
    ]
    return lines
