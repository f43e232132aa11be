"""Layers to Keras-style dicts and back, without importing anything named in the dict."""

import pytest

from lamina import layers
from lamina.layers import serialization


def test_round_trip_keeps_class_and_config():
    original = layers.Dense(3, activation="relu", use_bias=False, name="head")
    data = serialization.serialize(original)
    assert data["class_name"] == "Dense" and data["module"] == "lamina.layers"
    clone = serialization.deserialize(data)
    assert type(clone) is layers.Dense and clone is not original
    assert clone.get_config() == original.get_config()


def test_unknown_class_is_refused_and_custom_objects_are_consulted():
    class Custom(layers.Layer):
        def call(self, x):
            return x

    data = serialization.serialize(Custom(name="c"))
    assert data["registered_name"] == "Custom"
    with pytest.raises(ValueError, match="Could not interpret layer identifier: 'Custom'"):
        serialization.deserialize(data)
    assert type(serialization.deserialize(data, {"Custom": Custom})) is Custom
    with pytest.raises(ValueError, match="os.system"):
        serialization.deserialize({"class_name": "os.system", "config": {}})
