"""Argument checks shared by the attention layers; errors name the layer (``where``)."""


def check_rate(rate, where: str) -> float:
    """``rate`` must be a number in [0, 1]."""
    if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 <= rate <= 1:
        raise ValueError(
            f"{where}: `dropout` must be a float in [0, 1], received dropout={rate!r}."
        )
    return rate


def check_positive(value, name, where):
    """``value`` must be a positive int (not a bool)."""
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"{where}: `{name}` must be a positive int, received {name}={value!r}.")


def standardize_shape(output_shape, where):
    """An ``output_shape`` (int or tuple of positive ints; falsy: None) as a tuple."""
    if not output_shape:
        return None
    if isinstance(output_shape, int) and not isinstance(output_shape, bool):
        return (output_shape,)
    if isinstance(output_shape, list | tuple) and all(
        isinstance(d, int) and not isinstance(d, bool) and d > 0 for d in output_shape
    ):
        return tuple(output_shape)
    raise ValueError(
        f"{where}: `output_shape` must be an int or a tuple of positive ints, received"
        f" output_shape={output_shape!r}."
    )


def standardize_axes(attention_axes, where):
    """``attention_axes`` (int, tuple of ints or None) as a tuple or None."""
    if attention_axes is None:
        return None
    if isinstance(attention_axes, int) and not isinstance(attention_axes, bool):
        return (attention_axes,)
    if isinstance(attention_axes, list | tuple) and all(
        isinstance(a, int) and not isinstance(a, bool) for a in attention_axes
    ):
        return tuple(attention_axes)
    raise ValueError(
        f"{where}: `attention_axes` must be an int, a tuple of ints or None, received"
        f" attention_axes={attention_axes!r}."
    )
