"""The einsum equations of multi-head attention (the same axis layout as Keras).

After projection, query, key and value have the layout
``(batch, <other axes>, <attention axes>, heads, features)``: the input's layout
with its feature axis replaced by ``(heads, features)``. Scores have the layout
``(batch, <other axes>, heads, <query attention axes>, <key attention axes>)``.
"""

import string

_LETTERS = string.ascii_lowercase


def projection_equation(free_dims: int, bound_dims: int, output_dims: int):
    """``("abc,cde->abde", "de", 4)`` for ``(2, 1, 2)``: keep ``free_dims`` axes,
    contract ``bound_dims`` with the kernel, append ``output_dims`` new axes.

    Returns ``(equation, bias_axes, output_rank)``.
    """
    free = _LETTERS[:free_dims]
    bound = _LETTERS[free_dims : free_dims + bound_dims]
    new = _LETTERS[free_dims + bound_dims : free_dims + bound_dims + output_dims]
    return f"{free}{bound},{bound}{new}->{free}{new}", new, free_dims + output_dims


def attention_equations(rank: int, attention_axes: tuple):
    """``(dot_equation, combine_equation, scores_rank)`` for projected tensors of ``rank``.

    ``dot_equation`` takes ``(key, query)`` to scores; ``combine_equation`` takes
    ``(weights, value)`` back to the query's layout. Key axes that are attention axes
    get their own letters; all others are shared with the query.
    """
    target = _LETTERS[:rank]
    fresh = iter(_LETTERS[rank:])
    source = "".join(next(fresh) if i in attention_axes else target[i] for i in range(rank))
    batch = [i for i in range(rank - 1) if i not in attention_axes]
    product = (
        "".join(target[i] for i in batch)
        + "".join(target[i] for i in attention_axes)
        + "".join(source[i] for i in attention_axes)
    )
    return f"{source},{target}->{product}", f"{product},{source}->{target}", len(product)


def normalize_attention_axes(attention_axes, input_rank: int, where: str) -> tuple:
    """Axes of the input (not batch, not features) as non-negative ints; None: all of them."""
    if attention_axes is None:
        return tuple(range(1, input_rank - 1))
    axes = tuple(a if a >= 0 else input_rank + a for a in attention_axes)
    if any(not 1 <= a <= input_rank - 2 for a in axes) or len(set(axes)) != len(axes):
        raise ValueError(
            f"{where}: `attention_axes` must be distinct axes of the query other than the"
            f" batch (0) and feature (-1) axes, i.e. within [1, {input_rank - 2}] or"
            f" [{-(input_rank - 1)}, -2] for inputs of rank {input_rank}; received"
            f" attention_axes={attention_axes!r}."
        )
    return axes
