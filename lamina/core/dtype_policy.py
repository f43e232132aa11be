"""``DTypePolicy``: which dtype a layer stores its variables in and computes in.

A policy is a name. A plain dtype name (``"float32"``, ``"bfloat16"``, ...) means
variables and computations both use that dtype. ``"mixed_bfloat16"`` and
``"mixed_float16"`` mean float32 variables and bfloat16 / float16 computations: the
layer casts its floating inputs to the compute dtype, and inside its ``call`` its
float32 variables read as the compute dtype (the engine's autocast, see
:mod:`lamina.core.calling`), so gradients with respect to the float32 ``params`` are
float32 while the matmuls run in low precision.

Every layer has a policy (``layer.dtype_policy``): the one given as ``dtype=``, or
the global policy at the time the layer is created (``lamina.config.set_dtype_policy``,
default: a policy named after ``floatx()``).
"""

import jax.numpy as jnp

from lamina.core import config

_MIXED = {"mixed_float16": "float16", "mixed_bfloat16": "bfloat16"}


class DTypePolicy:
    """A layer's variable dtype and compute dtype, named as in Keras 3.

    Args:
      name: ``"float32"`` (or any dtype name: variables and computations in it),
        ``"mixed_bfloat16"`` (float32 variables, bfloat16 computations),
        ``"mixed_float16"`` (float32 variables, float16 computations; train with
        ``lamina.optimizers.LossScaleOptimizer``, which ``compile`` adds). None: the
        global policy's name.

    Attributes:
      name: the policy's name (plain dtype names are standardized: ``"float32"``).
      compute_dtype: the dtype of the layer's inputs, computations and outputs.
      variable_dtype: the dtype the layer creates its weights in.

    Example::

        layer = lamina.layers.Dense(4, dtype="mixed_bfloat16")
        y = layer(jnp.ones((2, 3)))     # y.dtype == bfloat16
        layer.kernel.dtype              # 'float32'
        layer.dtype_policy              # <DTypePolicy "mixed_bfloat16">
    """

    __slots__ = ("_name", "_compute_dtype", "_variable_dtype", "_autocast_to")

    def __init__(self, name=None):
        if name is None:
            name = global_policy().name
        if not isinstance(name, str):
            raise TypeError(
                f"DTypePolicy: `name` must be a string such as 'mixed_bfloat16', received"
                f" {name!r} (of type {type(name).__name__})."
            )
        if name in _MIXED:
            self._name, self._compute_dtype, self._variable_dtype = name, _MIXED[name], "float32"
        else:
            try:
                dtype = config.standardize_dtype(name)
            except ValueError:
                raise ValueError(
                    f"DTypePolicy: cannot interpret {name!r}. Valid policies are"
                    " 'mixed_float16', 'mixed_bfloat16' and dtype names such as 'float32',"
                    " 'bfloat16' or 'float16'."
                ) from None
            self._name = self._compute_dtype = self._variable_dtype = dtype
        compute = jnp.dtype(self._compute_dtype)
        # What the engine casts to (a NumPy dtype); None for non-float policies ("int32"),
        # whose layers are never autocast.
        self._autocast_to = compute if jnp.issubdtype(compute, jnp.floating) else None

    name = property(lambda self: self._name, doc="The policy's name, e.g. ``'mixed_bfloat16'``.")
    compute_dtype = property(
        lambda self: self._compute_dtype, doc="Dtype of inputs, computations and outputs."
    )
    variable_dtype = property(lambda self: self._variable_dtype, doc="Dtype of new weights.")

    @property
    def is_mixed(self) -> bool:
        """True when variables and computations use different dtypes."""
        return self._compute_dtype != self._variable_dtype

    @property
    def quantization_mode(self):
        """Always None: lamina has no quantized policies (Keras' attribute, for parity)."""
        return None

    def get_config(self) -> dict:
        return {"name": self._name}

    @classmethod
    def from_config(cls, config: dict) -> "DTypePolicy":
        return cls(**config)

    def __eq__(self, other):
        return isinstance(other, DTypePolicy) and other._name == self._name

    def __hash__(self):
        return hash(("DTypePolicy", self._name))

    def __repr__(self):
        return f'<DTypePolicy "{self._name}">'


#: Keras' alias (``keras.FloatDTypePolicy``).
FloatDTypePolicy = DTypePolicy

_KERAS_CLASSES = ("DTypePolicy", "FloatDTypePolicy", "Policy")


def get(identifier) -> DTypePolicy:
    """A :class:`DTypePolicy` from a policy, a name, a dtype or a serialized policy.

    None gives the global policy; a policy is returned as it is; a string is a
    policy name; a NumPy/JAX dtype or Python type is its dtype name; a dict is a
    serialized Keras policy (``{"class_name": "DTypePolicy", "config": {"name": ..}}``).
    Keras' own ``keras.DTypePolicy`` objects are read by name.
    """
    if identifier is None:
        return global_policy()
    if isinstance(identifier, DTypePolicy):
        return identifier
    if isinstance(identifier, str):
        return DTypePolicy(identifier)
    if isinstance(identifier, dict):
        name = identifier.get("class_name")
        inner = identifier.get("config")
        if name not in _KERAS_CLASSES or not isinstance(inner, dict) or "name" not in inner:
            raise ValueError(
                f"Cannot interpret the serialized dtype policy {identifier!r}: lamina reads"
                " {'class_name': 'DTypePolicy', 'config': {'name': ...}} (quantized"
                " policies and DTypePolicyMap are not supported)."
            )
        return DTypePolicy(inner["name"])
    if type(identifier).__name__ in _KERAS_CLASSES and isinstance(
        getattr(identifier, "name", None), str
    ):
        return DTypePolicy(identifier.name)  # a keras.DTypePolicy
    return DTypePolicy(config.standardize_dtype(identifier))


_GLOBAL: DTypePolicy | None = None


def global_policy() -> DTypePolicy:
    """The policy layers created without ``dtype=`` get (default: named ``floatx()``)."""
    if _GLOBAL is not None:
        return _GLOBAL
    return DTypePolicy(config.floatx())


def set_global_policy(policy) -> None:
    """Set the global policy (a policy or its name); None restores the default."""
    global _GLOBAL
    _GLOBAL = None if policy is None else get(policy)
