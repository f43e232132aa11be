"""compile() wraps the optimizer in dynamic loss scaling under mixed_float16 (Keras' rule)."""

import lamina
from lamina import layers, optimizers


def model(dtype):
    return lamina.Sequential([lamina.Input((3,)), layers.Dense(2, dtype=dtype)], dtype=dtype)


def test_mixed_float16_models_get_a_loss_scale_optimizer_unless_refused():
    scaled = model("mixed_float16")
    scaled.compile(optimizer="sgd", loss="mse")
    assert isinstance(scaled.optimizer, optimizers.LossScaleOptimizer)
    plain = model("mixed_float16")
    plain.compile(optimizer="sgd", loss="mse", auto_scale_loss=False)
    assert not isinstance(plain.optimizer, optimizers.LossScaleOptimizer)
    for dtype in ("float32", "mixed_bfloat16"):
        other = model(dtype)
        other.compile(optimizer="sgd", loss="mse")
        assert not isinstance(other.optimizer, optimizers.LossScaleOptimizer)
