"""Devices and meshes: which chips a distribution runs on, and the names of their axes."""

import math

import jax
import numpy as np
from jax.sharding import Mesh


def list_devices(device_type=None) -> list:
    """Every device of the whole job (all processes), as ``jax.Device`` objects.

    Args:
      device_type: ``"cpu"``, ``"gpu"`` or ``"tpu"``; None (default) means the
        default backend's devices (``jax.devices()``).

    Example: ``lamina.distribution.list_devices()`` → 8 devices on a v4-8 TPU host.
    """
    if device_type is None:
        return list(jax.devices())
    return list(jax.devices(device_type.lower()))


def initialize(coordinator_address=None, num_processes=None, process_id=None, **kwargs) -> None:
    """Join a multi-process job: ``jax.distributed.initialize`` with the same arguments.

    Call it once per process, before anything else touches JAX. On Cloud TPU and
    under SLURM or Open MPI, JAX finds all three arguments itself; elsewhere pass
    ``coordinator_address="host0:1234"``, ``num_processes`` and ``process_id``.
    See ``docs/distribution.md`` for a complete launch.
    """
    jax.distributed.initialize(
        coordinator_address=coordinator_address,
        num_processes=num_processes,
        process_id=process_id,
        **kwargs,
    )


class DeviceMesh:
    """A grid of devices whose axes have names (Keras 3's ``DeviceMesh``).

    It wraps a ``jax.sharding.Mesh`` (``device_mesh.backend_mesh``): the axis names
    are what layouts refer to, e.g. ``("batch", "model")`` for data parallelism
    over the first axis and model parallelism over the second.

    Args:
      shape: the grid's shape, e.g. ``(8,)`` or ``(2, 4)``; its product must equal
        the number of devices.
      axis_names: one distinct name per axis, e.g. ``("batch", "model")``.
      devices: the devices to arrange (default: ``list_devices()``, all of them),
        in the order they fill the grid (row-major).

    Example::

        mesh = DeviceMesh((2, 4), ("batch", "model"))   # on 8 devices
        mesh.backend_mesh                                 # jax.sharding.Mesh
    """

    def __init__(self, shape, axis_names, devices=None):
        if isinstance(axis_names, str):
            axis_names = (axis_names,)
        if not shape or not axis_names:
            raise ValueError(
                f"DeviceMesh: `shape` and `axis_names` must be non-empty; received"
                f" shape={shape!r}, axis_names={axis_names!r}."
            )
        shape = tuple(shape)
        axis_names = tuple(axis_names)
        if len(shape) != len(axis_names):
            raise ValueError(
                f"DeviceMesh: `shape` and `axis_names` must have the same length; received"
                f" shape={shape} ({len(shape)} axes), axis_names={axis_names}"
                f" ({len(axis_names)} names)."
            )
        if any(not isinstance(d, int | np.integer) or d < 1 for d in shape):
            raise ValueError(f"DeviceMesh: `shape` must hold positive ints, received {shape}.")
        if any(not isinstance(a, str) or not a for a in axis_names):
            raise ValueError(
                f"DeviceMesh: `axis_names` must be non-empty strings, received {axis_names}."
            )
        if len(set(axis_names)) != len(axis_names):
            raise ValueError(f"DeviceMesh: `axis_names` must be distinct, received {axis_names}.")
        devices = np.array(list_devices() if devices is None else devices, dtype=object)
        if math.prod(shape) != devices.size:
            raise ValueError(
                f"DeviceMesh: shape {shape} needs {math.prod(shape)} devices but"
                f" {devices.size} were given (devices=None means all"
                f" {len(jax.devices())} of `lamina.distribution.list_devices()`)."
            )
        self._shape = tuple(int(d) for d in shape)
        self._axis_names = axis_names
        self._devices = devices.reshape(self._shape)
        self._mesh = Mesh(self._devices, self._axis_names)

    shape = property(lambda self: self._shape, doc="The grid's shape, a tuple of ints.")
    axis_names = property(lambda self: self._axis_names, doc="One name per axis.")
    devices = property(lambda self: self._devices, doc="The devices, a NumPy array of `shape`.")
    backend_mesh = property(lambda self: self._mesh, doc="The ``jax.sharding.Mesh``.")

    def axis_size(self, name: str) -> int:
        """The number of devices along the axis called ``name``."""
        return self._shape[self._axis_names.index(name)]

    def __repr__(self):
        return f"<DeviceMesh shape={self._shape}, axis_names={self._axis_names}>"
