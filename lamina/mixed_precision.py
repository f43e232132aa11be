"""Mixed precision (Keras 3's ``keras.mixed_precision`` names).

Under ``"mixed_bfloat16"`` or ``"mixed_float16"`` layers keep float32 variables and
compute in bfloat16 / float16: floating inputs are cast to the compute dtype, float
variables read as it inside ``call``, outputs come out in it, and losses are computed
in float32. ``"mixed_float16"`` training needs loss scaling (``LossScaleOptimizer``).

Example::

    from lamina import mixed_precision
    mixed_precision.set_dtype_policy("mixed_bfloat16")
    model = lamina.Sequential([lamina.Input((784,)), Dense(256, activation="relu"),
                               Dense(10, dtype="float32")])   # float32 logits
    mixed_precision.set_dtype_policy(None)                    # back to "float32"
"""

from lamina.core.config import dtype_policy, set_dtype_policy
from lamina.core.dtype_policy import DTypePolicy
from lamina.optimizers.loss_scale_optimizer import LossScaleOptimizer

#: Keras 2's names, kept by Keras 3 as aliases.
Policy = DTypePolicy
global_policy = dtype_policy
set_global_policy = set_dtype_policy

__all__ = [
    "DTypePolicy",
    "LossScaleOptimizer",
    "Policy",
    "dtype_policy",
    "global_policy",
    "set_dtype_policy",
    "set_global_policy",
]
