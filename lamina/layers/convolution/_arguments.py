"""Constructor-argument checks shared by the convolution layers.

Each check raises a ``ValueError`` that starts with the layer's class and name
(``Conv2D 'conv2d_3': ...``), names the argument and repeats the value received.
"""

import operator

from lamina.core import config

_PADDINGS = ("valid", "same")
_DATA_FORMATS = ("channels_last", "channels_first")


def fail(layer, message):
    """A ``ValueError`` prefixed with ``layer``'s class and name."""
    return ValueError(f"{type(layer).__name__} '{layer.name}': {message}")


def _as_int(value):
    if isinstance(value, bool):
        raise TypeError
    return operator.index(value)


def positive_int(layer, name, value):
    """``value`` as an int, refused unless it is a positive integer."""
    try:
        number = _as_int(value)
    except TypeError:
        number = None
    if number is None or number <= 0:
        raise fail(layer, f"`{name}` must be a positive int, received {name}={value!r}.")
    return number


def int_tuple(layer, name, value, rank, allow_zero=False):
    """``value`` (an int, or ``rank`` ints) as a tuple of ``rank`` ints, each > 0
    (or >= 0 with ``allow_zero``)."""
    bound = "non-negative" if allow_zero else "positive"
    expected = f"`{name}` must be a {bound} int or a tuple of {rank} {bound} ints"
    try:
        values = (_as_int(value),) * rank if not hasattr(value, "__iter__") else tuple(value)
        values = tuple(_as_int(v) for v in values)
    except TypeError:
        values = ()
    if len(values) != rank or any(v < 0 or (v == 0 and not allow_zero) for v in values):
        raise fail(layer, f"{expected}, received {name}={value!r}.")
    return values


def padding(layer, value, allow_causal=False):
    """``value`` lower-cased; one of ``"valid"``, ``"same"`` (and ``"causal"`` if allowed)."""
    allowed = _PADDINGS + (("causal",) if allow_causal else ())
    if not isinstance(value, str) or value.lower() not in allowed:
        choices = ", ".join(repr(p) for p in allowed)
        raise fail(layer, f"`padding` must be one of {choices}, received padding={value!r}.")
    return value.lower()


def data_format(layer, value):
    """``value`` lower-cased, or ``lamina.config.image_data_format()`` for None."""
    if value is None:
        return config.image_data_format()
    if not isinstance(value, str) or value.lower() not in _DATA_FORMATS:
        raise fail(
            layer,
            "`data_format` must be 'channels_last' or 'channels_first', received"
            f" data_format={value!r}.",
        )
    return value.lower()


def no_strided_dilation(layer, strides, dilation_rate):
    """Refuse ``strides > 1`` together with ``dilation_rate > 1`` (as Keras does)."""
    if max(strides) > 1 and max(dilation_rate) > 1:
        raise fail(
            layer,
            "`strides > 1` cannot be combined with `dilation_rate > 1`, received"
            f" strides={strides} and dilation_rate={dilation_rate}.",
        )
