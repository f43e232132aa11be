"""Dtype policies (Keras 3's ``keras.dtype_policies``): a layer's variable and compute dtypes.

``DTypePolicy("mixed_bfloat16")`` keeps variables in float32 and computes in
bfloat16; pass a policy (or its name) as a layer's ``dtype=``, or set the global one
with ``lamina.mixed_precision.set_dtype_policy``. See
:class:`~lamina.core.dtype_policy.DTypePolicy`.
"""

from lamina.core.dtype_policy import DTypePolicy, FloatDTypePolicy, get


def serialize(policy) -> dict:
    """``policy`` as Keras' serialized dict (``{"class_name": "DTypePolicy", ...}``)."""
    policy = get(policy)
    return {
        "module": "lamina.dtype_policies",
        "class_name": "DTypePolicy",
        "config": policy.get_config(),
        "registered_name": None,
    }


def deserialize(config, custom_objects=None) -> DTypePolicy:
    """A policy from ``serialize``'s dict, Keras' dict, or a policy name."""
    return get(config)


__all__ = ["DTypePolicy", "FloatDTypePolicy", "deserialize", "get", "serialize"]
