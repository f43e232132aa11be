"""``InputSpec``: what a built layer accepts, checked on every call."""


class InputSpec:
    """Constraints on one input of a layer (Keras' ``InputSpec``).

    Args:
      dtype: expected dtype name, or None.
      shape: full expected shape (None entries are free), or None.
      ndim, min_ndim, max_ndim: expected rank bounds.
      axes: ``{axis: size}`` for axes whose size is fixed (e.g. ``{-1: 64}``).

    Example: ``Dense`` sets ``InputSpec(min_ndim=2, axes={-1: input_dim})`` in build.
    """

    def __init__(
        self,
        dtype=None,
        shape=None,
        ndim=None,
        max_ndim=None,
        min_ndim=None,
        axes=None,
        allow_last_axis_squeeze=False,
        name=None,
        optional=False,
    ):
        self.dtype = dtype
        self.shape = None if shape is None else tuple(shape)
        self.ndim = len(self.shape) if self.shape is not None else ndim
        self.max_ndim = max_ndim
        self.min_ndim = min_ndim
        self.axes = {int(k): v for k, v in (axes or {}).items()}
        self.name = name
        self.optional = optional

    def __repr__(self):
        fields = {k: v for k, v in vars(self).items() if v not in (None, {}, False)}
        return "InputSpec(" + ", ".join(f"{k}={v!r}" for k, v in fields.items()) + ")"


def check_input(
    layer_path: str, spec: InputSpec, shape: tuple, index: int = 0, kind: str = ""
) -> None:
    """Raise a ValueError naming the layer (its class ``kind`` and path), the input and
    both shapes if ``shape`` breaks ``spec``."""
    where = f"Input {index} of {kind + ' ' if kind else ''}layer '{layer_path}'"
    rank = len(shape)

    def fail(expected):
        raise ValueError(
            f"{where} is incompatible with the layer: expected {expected},"
            f" received input with shape {tuple(shape)}."
        )

    if spec.ndim is not None and rank != spec.ndim:
        fail(f"ndim={spec.ndim}")
    if spec.min_ndim is not None and rank < spec.min_ndim:
        fail(f"min_ndim={spec.min_ndim}")
    if spec.max_ndim is not None and rank > spec.max_ndim:
        fail(f"max_ndim={spec.max_ndim}")
    for axis, size in spec.axes.items():
        if size is None:
            continue
        if -rank <= axis < rank:
            if shape[axis] is not None and shape[axis] != size:
                fail(f"axis {axis} of input shape to have value {size}")
        else:
            fail(f"an input with a dimension at axis {axis}")
    if spec.shape is not None:
        for want, got in zip(spec.shape, shape):
            if want is not None and got is not None and want != got:
                fail(f"shape {spec.shape}")
