"""Reading an ``EinsumDense`` equation: the shapes of its kernel, bias and output.

An equation ``"<input>,<kernel>-><output>"`` names each axis with a letter. It has
one of three forms (Keras' rule):

* ``"abc,cd->abd"``: every input axis is named; the first output axis is the batch;
* ``"...b,bc->...c"``: leading axes (the batch among them) are elided on both sides;
* ``"ab...,bc->ac..."``: trailing axes are elided on both sides; ``a`` is the batch.

The user's ``output_shape`` gives the sizes of the named output axes except the
batch (in the first and third forms); ``None`` entries mean "as the input".
"""

import re
from dataclasses import dataclass

_FORMS = (
    (re.compile(r"([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)"), None),
    (re.compile(r"\.\.\.([a-zA-Z]+),([a-zA-Z]+)->\.\.\.([a-zA-Z]+)"), "left"),
    (re.compile(r"([a-zA-Z]{2,})\.\.\.,([a-zA-Z]+)->([a-zA-Z]+)\.\.\."), "right"),
)


@dataclass(frozen=True)
class EinsumSpec:
    """The three axis strings of an equation and where its ellipsis stands."""

    inputs: str
    kernel: str
    outputs: str
    ellipsis: str | None  # None, "left" or "right"

    @property
    def named_output_sizes(self) -> int:
        """How many entries ``output_shape`` has: the named output axes, batch excluded."""
        return len(self.outputs) - (0 if self.ellipsis == "left" else 1)


@dataclass(frozen=True)
class EinsumShapes:
    """What an equation implies for one input shape."""

    kernel: tuple
    bias: tuple | None
    output: tuple
    kernel_input_axes: list  # kernel axes sized by the input (fan-in)
    kernel_output_axes: list  # kernel axes sized by the output (fan-out)
    kernel_input_dims: dict  # input axis (negative index) -> size, for the InputSpec


def parse_equation(equation, bias_axes, where: str) -> EinsumSpec:
    """Check ``equation`` and ``bias_axes`` (no shapes needed); ``where`` starts errors."""
    if not isinstance(equation, str):
        raise ValueError(f"{where}: `equation` must be a string, received equation={equation!r}.")
    spec = None
    for pattern, ellipsis in _FORMS:
        match = pattern.fullmatch(equation.replace(" ", ""))
        if match:
            spec = EinsumSpec(*match.groups(), ellipsis)
            break
    if spec is None:
        raise ValueError(
            f"{where}: invalid einsum equation {equation!r}. Equations must be of the form"
            " 'X,Y->Z', '...X,Y->...Z' or 'X...,Y->Z...' (X, Y, Z: axis letters)."
        )
    for axis in spec.outputs:
        if axis not in spec.inputs and axis not in spec.kernel:
            raise ValueError(
                f"{where}: in equation {equation!r}, output axis {axis!r} appears in neither"
                f" the input {spec.inputs!r} nor the kernel {spec.kernel!r}."
            )
    for axis in spec.kernel:
        if axis not in spec.inputs and axis not in spec.outputs:
            raise ValueError(
                f"{where}: in equation {equation!r}, kernel axis {axis!r} appears in neither"
                f" the input {spec.inputs!r} nor the output {spec.outputs!r}, so its size"
                " is unknown."
            )
    if bias_axes is not None:
        if not isinstance(bias_axes, str) or not bias_axes:
            raise ValueError(
                f"{where}: `bias_axes` must be a string of output axis letters or None,"
                f" received bias_axes={bias_axes!r}."
            )
        for axis in bias_axes:
            if axis not in spec.outputs:
                raise ValueError(
                    f"{where}: bias axis {axis!r} is not an axis of the output"
                    f" {spec.outputs!r} of equation {equation!r}."
                )
    return spec


def check_output_shape(spec: EinsumSpec, output_shape: tuple, where: str) -> None:
    """``output_shape`` must size each named output axis (batch excluded)."""
    if len(output_shape) != spec.named_output_sizes:
        raise ValueError(
            f"{where}: `output_shape` must give {spec.named_output_sizes} size(s) for output"
            f" axes {spec.outputs!r} (the batch axis and '...' excluded), received"
            f" output_shape={output_shape!r}."
        )


def analyze(spec: EinsumSpec, bias_axes, input_shape, output_shape, where: str) -> EinsumShapes:
    """Kernel, bias and output shapes of ``spec`` applied to ``input_shape``."""
    input_shape = tuple(input_shape)
    rank, named = len(input_shape), len(spec.inputs)
    fits = rank == named if spec.ellipsis is None else rank >= named
    if not fits:
        expected = f"rank {named}" if spec.ellipsis is None else f"rank >= {named}"
        raise ValueError(
            f"{where}: the input axes {spec.inputs!r} of the equation need inputs of"
            f" {expected}, received an input of shape {input_shape}."
        )
    elided = rank - named
    offset = elided if spec.ellipsis == "left" else 0
    in_sizes = {axis: input_shape[offset + i] for i, axis in enumerate(spec.inputs)}
    in_index = {axis: offset + i - rank for i, axis in enumerate(spec.inputs)}

    given = list(output_shape) if spec.ellipsis == "left" else [input_shape[0], *output_shape]
    out_given = dict(zip(spec.outputs, given))
    for axis, size in out_given.items():
        if axis in in_sizes and size is not None and size != in_sizes[axis]:
            raise ValueError(
                f"{where}: input and output disagree on the size of shared axis {axis!r}:"
                f" the input (shape {input_shape}) has {in_sizes[axis]}, `output_shape`"
                f" gives {size}."
            )
    # The size of each output axis: as given, else as the input.
    out_sizes = {a: s if s is not None else in_sizes.get(a) for a, s in out_given.items()}

    kernel, input_axes, output_axes, kernel_dims = [], [], [], {}
    for i, axis in enumerate(spec.kernel):
        size = out_sizes.get(axis) if axis in out_sizes else in_sizes[axis]
        if size is None:
            raise ValueError(
                f"{where}: the size of kernel axis {axis!r} is unknown: give it in"
                f" `output_shape` (received {tuple(output_shape)!r}) or in the input shape"
                f" (received {input_shape})."
            )
        kernel.append(size)
        (output_axes if axis in out_sizes else input_axes).append(i)
        if axis in in_sizes:
            kernel_dims[in_index[axis]] = in_sizes[axis]

    bias = None
    if bias_axes is not None:
        first = min(spec.outputs.index(axis) for axis in bias_axes)
        bias = [out_sizes[a] if a in bias_axes else 1 for a in spec.outputs[first:]]
        if spec.ellipsis == "right":
            bias += [1] * elided
        bias = tuple(bias)

    if spec.ellipsis == "left":
        output = (*input_shape[:elided], *output_shape)
    else:
        output = (input_shape[0], *output_shape, *input_shape[named:])
    return EinsumShapes(tuple(kernel), bias, output, input_axes, output_axes, kernel_dims)
