"""VarianceScaling and its named presets (Glorot, He, LeCun)."""

import math
import numbers

from lamina.initializers.base import as_key, draw, float_dtype, standardize_shape
from lamina.initializers.random_initializers import RandomInitializer, truncated_normal

# Standard deviation of a unit normal truncated to [-2, 2]; dividing by it makes the
# truncated samples' variance the requested one.
TRUNCATED_STDDEV = 0.87962566103423978


def compute_fans(shape, input_axes=None, output_axes=None) -> tuple[int, int]:
    """``(fan_in, fan_out)`` of a weight ``shape``, as Keras computes them.

    With both ``input_axes`` and ``output_axes`` given, the fans are the products of
    those axes' sizes. Otherwise: a scalar has fans 1; a vector ``(n,)`` has ``n`` and
    ``n``; a matrix ``(in, out)`` has ``in`` and ``out``; a convolution kernel
    ``(*spatial, in, out)`` multiplies both by ``prod(spatial)``.
    """
    shape = standardize_shape(shape)
    if input_axes is not None and output_axes is not None:
        return (
            math.prod(shape[axis] for axis in input_axes),
            math.prod(shape[axis] for axis in output_axes),
        )
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive_field = math.prod(shape[:-2])
    return shape[-2] * receptive_field, shape[-1] * receptive_field


class VarianceScaling(RandomInitializer):
    """Samples with variance ``scale / n``, ``n`` set by ``mode`` from the weight's fans.

    ``n`` is ``fan_in``, ``fan_out`` or ``(fan_in + fan_out) / 2`` (at least 1), see
    ``compute_fans``. ``distribution="truncated_normal"`` draws a normal truncated at
    two standard deviations with stddev ``sqrt(scale / n) / 0.87962566103423978`` (so the
    truncated samples have variance ``scale / n``); ``"untruncated_normal"`` a normal
    with stddev ``sqrt(scale / n)``; ``"uniform"`` draws from ``[-limit, limit)`` with
    ``limit = sqrt(3 * scale / n)``. ``"normal"`` means ``"truncated_normal"``.

    Args:
      scale: positive scaling factor (default ``1.0``).
      mode: ``"fan_in"`` (default), ``"fan_out"`` or ``"fan_avg"``.
      distribution: ``"truncated_normal"`` (default), ``"untruncated_normal"``,
        ``"uniform"`` or ``"normal"``.
      seed: int or None (default); see ``RandomInitializer``.
      input_axes, output_axes: optional sequences of axes whose sizes multiply into
        ``fan_in``/``fan_out`` (both needed; default None: the standard rule).

    Example: ``lamina.initializers.VarianceScaling(2.0, "fan_out", "uniform")((3, 4))``.
    """

    def __init__(
        self,
        scale=1.0,
        mode="fan_in",
        distribution="truncated_normal",
        seed=None,
        input_axes=None,
        output_axes=None,
    ):
        if not isinstance(scale, numbers.Real) or isinstance(scale, bool) or not scale > 0.0:
            raise ValueError(f"Argument `scale` must be positive float. Received: scale={scale!r}")
        allowed_modes = ("fan_in", "fan_out", "fan_avg")
        if mode not in allowed_modes:
            raise ValueError(
                f"Invalid `mode` argument: {mode!r}. Please use one of {allowed_modes}"
            )
        distribution = str(distribution).lower()
        if distribution == "normal":
            distribution = "truncated_normal"
        allowed = ("uniform", "truncated_normal", "untruncated_normal")
        if distribution not in allowed:
            raise ValueError(
                f"Invalid `distribution` argument: {distribution!r}. Please use one of {allowed}"
            )
        self.scale = scale
        self.mode = mode
        self.distribution = distribution
        self.input_axes = input_axes
        self.output_axes = output_axes
        super().__init__(seed=seed)

    def variance(self, shape) -> float:
        """The target variance ``scale / n`` for a weight of ``shape``."""
        fan_in, fan_out = compute_fans(shape, self.input_axes, self.output_axes)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}
        return self.scale / max(1.0, n[self.mode])

    def sample(self, key, shape, dtype=None):
        dtype = float_dtype(dtype, type(self).__name__)
        shape = standardize_shape(shape)
        key = as_key(key)
        variance = self.variance(shape)
        if self.distribution == "truncated_normal":
            stddev = math.sqrt(variance) / TRUNCATED_STDDEV
            return truncated_normal(key, shape, dtype, 0.0, stddev)
        if self.distribution == "untruncated_normal":
            return draw("normal", key, shape, dtype, 0.0, math.sqrt(variance))
        limit = math.sqrt(3.0 * variance)
        return draw("uniform", key, shape, dtype, -limit, 2.0 * limit)

    def get_config(self):
        return {
            **super().get_config(),
            "scale": self.scale,
            "mode": self.mode,
            "distribution": self.distribution,
            "input_axes": self.input_axes,
            "output_axes": self.output_axes,
        }


class _Preset(VarianceScaling):
    """A VarianceScaling with fixed scale/mode/distribution; only the seed is configured."""

    _scale: float
    _mode: str
    _distribution: str

    def __init__(self, seed=None, input_axes=None, output_axes=None):
        super().__init__(
            scale=self._scale,
            mode=self._mode,
            distribution=self._distribution,
            seed=seed,
            input_axes=input_axes,
            output_axes=output_axes,
        )

    def get_config(self):
        return {"seed": self.seed, "input_axes": self.input_axes, "output_axes": self.output_axes}


class GlorotNormal(_Preset):
    """Glorot (Xavier) normal: truncated normal with stddev ``sqrt(2 / (fan_in + fan_out))``.

    ``VarianceScaling(1.0, "fan_avg", "truncated_normal")``.

    Args:
      seed: int or None (default); see ``RandomInitializer``.
      input_axes, output_axes: see ``VarianceScaling`` (default None).

    Example: ``lamina.initializers.GlorotNormal(seed=0)((3, 4))``.
    """

    _scale, _mode, _distribution = 1.0, "fan_avg", "truncated_normal"


class GlorotUniform(_Preset):
    """Glorot (Xavier) uniform: ``U(-limit, limit)``, ``limit = sqrt(6 / (fan_in + fan_out))``.

    ``VarianceScaling(1.0, "fan_avg", "uniform")``; Keras' default kernel initializer.

    Args:
      seed: int or None (default); see ``RandomInitializer``.
      input_axes, output_axes: see ``VarianceScaling`` (default None).

    Example: ``lamina.initializers.GlorotUniform(seed=0)((3, 4))``.
    """

    _scale, _mode, _distribution = 1.0, "fan_avg", "uniform"


class HeNormal(_Preset):
    """He normal: truncated normal with stddev ``sqrt(2 / fan_in)``.

    ``VarianceScaling(2.0, "fan_in", "truncated_normal")``.

    Args:
      seed: int or None (default); see ``RandomInitializer``.
      input_axes, output_axes: see ``VarianceScaling`` (default None).

    Example: ``lamina.initializers.HeNormal(seed=0)((3, 4))``.
    """

    _scale, _mode, _distribution = 2.0, "fan_in", "truncated_normal"


class HeUniform(_Preset):
    """He uniform: ``U(-limit, limit)`` with ``limit = sqrt(6 / fan_in)``.

    ``VarianceScaling(2.0, "fan_in", "uniform")``.

    Args:
      seed: int or None (default); see ``RandomInitializer``.
      input_axes, output_axes: see ``VarianceScaling`` (default None).

    Example: ``lamina.initializers.HeUniform(seed=0)((3, 4))``.
    """

    _scale, _mode, _distribution = 2.0, "fan_in", "uniform"


class LecunNormal(_Preset):
    """LeCun normal: truncated normal with stddev ``sqrt(1 / fan_in)``.

    ``VarianceScaling(1.0, "fan_in", "truncated_normal")``.

    Args:
      seed: int or None (default); see ``RandomInitializer``.
      input_axes, output_axes: see ``VarianceScaling`` (default None).

    Example: ``lamina.initializers.LecunNormal(seed=0)((3, 4))``.
    """

    _scale, _mode, _distribution = 1.0, "fan_in", "truncated_normal"


class LecunUniform(_Preset):
    """LeCun uniform: ``U(-limit, limit)`` with ``limit = sqrt(3 / fan_in)``.

    ``VarianceScaling(1.0, "fan_in", "uniform")``.

    Args:
      seed: int or None (default); see ``RandomInitializer``.
      input_axes, output_axes: see ``VarianceScaling`` (default None).

    Example: ``lamina.initializers.LecunUniform(seed=0)((3, 4))``.
    """

    _scale, _mode, _distribution = 1.0, "fan_in", "uniform"
