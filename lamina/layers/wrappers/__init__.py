"""Wrapper layers: layers that hold another layer (``TimeDistributed``)."""

from lamina.layers.wrappers.time_distributed import TimeDistributed
from lamina.layers.wrappers.wrapper import Wrapper

__all__ = ["TimeDistributed", "Wrapper"]
