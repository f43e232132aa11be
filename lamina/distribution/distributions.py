"""``DataParallel`` and ``ModelParallel``: where variables and batches live on a mesh."""

import contextlib
import math
import warnings

import jax
from jax.sharding import NamedSharding, PartitionSpec

from lamina.distribution import context
from lamina.distribution.device_mesh import DeviceMesh, list_devices
from lamina.distribution.layout import LayoutMap, TensorLayout

DEFAULT_BATCH_DIM_NAME = "batch"


class Distribution:
    """Base class: a mesh, the axis that splits batches, and a layout per variable path.

    Activate one with ``lamina.distribution.set_distribution(d)`` or ``with
    d.scope():``. While it is active, variables are created with their layout, and
    ``fit``/``evaluate``/``predict`` place every batch split over the batch axis and
    compile their steps so that parameters and optimizer state keep their layouts.

    Args:
      device_mesh: the :class:`DeviceMesh`.
      batch_dim_name: the mesh axis that splits the batch (the data axis).
    """

    def __init__(self, device_mesh, batch_dim_name=None):
        if not isinstance(device_mesh, DeviceMesh):
            raise ValueError(
                f"{type(self).__name__}: `device_mesh` must be a lamina.distribution.DeviceMesh,"
                f" received {device_mesh!r} (of type {type(device_mesh).__name__})."
            )
        if batch_dim_name is not None and batch_dim_name not in device_mesh.axis_names:
            raise ValueError(
                f"{type(self).__name__}: batch_dim_name={batch_dim_name!r} is not an axis of"
                f" {device_mesh}; choose one of {list(device_mesh.axis_names)}."
            )
        self._device_mesh = device_mesh
        self._batch_dim_name = batch_dim_name

    device_mesh = property(lambda self: self._device_mesh, doc="The :class:`DeviceMesh`.")
    batch_dim_name = property(lambda self: self._batch_dim_name, doc="The data axis's name.")
    num_processes = property(lambda self: jax.process_count(), doc="Processes in the job.")
    process_id = property(lambda self: jax.process_index(), doc="This process's index.")

    @property
    def data_parallel_size(self) -> int:
        """How many ways a batch is split: the size of the batch axis."""
        return self._device_mesh.axis_size(self._batch_dim_name)

    # ------------------------------------------------------------ Keras' names
    def get_data_layout(self, data_shape) -> TensorLayout:
        """The layout of an input array of ``data_shape``: split on its first dimension."""
        axes = [None] * len(data_shape)
        axes[0] = self._batch_dim_name
        return TensorLayout(tuple(axes), self._device_mesh)

    def get_tensor_layout(self, path):
        """The layout the rules give ``path``, or None (replicated)."""
        return None

    def get_variable_layout(self, variable) -> TensorLayout:
        """The layout of ``variable`` (anything with ``.path`` and ``.shape``)."""
        layout = self.get_tensor_layout(variable.path)
        if layout is None:
            return TensorLayout((None,) * len(variable.shape), self._device_mesh)
        return layout

    @contextlib.contextmanager
    def scope(self):
        """Within the block this distribution is active (the previous one after it)."""
        previous = context.distribution()
        context.set_distribution(self)
        try:
            yield self
        finally:
            context.set_distribution(previous)

    # ----------------------------------------------------- shardings for lamina
    def sharding_for(self, path: str, shape) -> NamedSharding:
        """The ``NamedSharding`` of the array at ``path`` with ``shape``, checked.

        Raises ``ValueError`` naming the path when the matched layout has another
        rank than the array, or splits a dimension that the axis size does not divide.
        """
        layout = self.get_tensor_layout(path)
        shape = tuple(shape)
        if layout is None:
            return NamedSharding(self._device_mesh.backend_mesh, PartitionSpec())
        if len(layout.axes) != len(shape):
            raise ValueError(
                f"The layout {layout.axes} that the LayoutMap gives '{path}' has"
                f" {len(layout.axes)} entries, but that array has shape {shape}"
                f" ({len(shape)} dimensions): give one mesh axis (or None) per dimension,"
                " or anchor the rule so that it does not match this path."
            )
        for dim, entry in zip(shape, layout.axes):
            names = entry if isinstance(entry, tuple) else (entry,)
            ways = math.prod(self._device_mesh.axis_size(n) for n in names if n is not None)
            if dim % ways:
                raise ValueError(
                    f"'{path}' has shape {shape}; the layout {layout.axes} splits a"
                    f" dimension of size {dim} over {entry!r} ({ways} devices), which does"
                    f" not divide it. Choose sizes divisible by {ways} or another layout."
                )
        return layout.backend_layout

    def data_sharding(self, leading: int = 0) -> NamedSharding:
        """The sharding of batches: the first dimension after ``leading`` ones is split
        over the batch axis (``leading=1`` for blocks of stacked batches)."""
        spec = PartitionSpec(*([None] * leading), self._batch_dim_name)
        return NamedSharding(self._device_mesh.backend_mesh, spec)

    def __repr__(self):
        return (
            f"<{type(self).__name__} device_mesh={self._device_mesh},"
            f" batch_dim_name={self._batch_dim_name!r}>"
        )


class DataParallel(Distribution):
    """Every device holds all variables; each batch is split over the devices.

    Args:
      device_mesh: a :class:`DeviceMesh`; its first axis is the data axis (a mesh
        of several axes is accepted with a warning, as in Keras).
      devices: the devices of a 1-D mesh with the axis ``"batch"`` (when no mesh).
        With neither, all devices (``list_devices()``).

    Example::

        lamina.distribution.set_distribution(lamina.distribution.DataParallel())
        model.fit(x, y, batch_size=64)   # each of 8 devices gets 8 rows per step
    """

    def __init__(self, device_mesh=None, devices=None):
        if device_mesh is not None and devices is not None:
            raise ValueError("DataParallel: pass `device_mesh` or `devices`, not both.")
        if device_mesh is None:
            chosen = list_devices() if devices is None else list(devices)
            device_mesh = DeviceMesh((len(chosen),), (DEFAULT_BATCH_DIM_NAME,), chosen)
        elif not isinstance(device_mesh, DeviceMesh):
            raise ValueError(
                f"DataParallel: `device_mesh` must be a DeviceMesh, received {device_mesh!r}."
            )
        elif len(device_mesh.shape) != 1:
            warnings.warn(
                f"DataParallel expects a 1-D mesh, received {device_mesh}; its first axis"
                f" {device_mesh.axis_names[0]!r} splits the batch, the others replicate.",
                stacklevel=2,
            )
        super().__init__(device_mesh, device_mesh.axis_names[0])


class ModelParallel(Distribution):
    """Variables split by a :class:`LayoutMap`; batches split over the batch axis.

    Args:
      layout_map: the rules from variable paths to layouts; its mesh is the mesh.
        Variables no rule matches are replicated.
      batch_dim_name: the mesh axis that splits batches (default: the mesh's first).

    Example::

        mesh = DeviceMesh((2, 4), ("batch", "model"))
        layout_map = LayoutMap(mesh)
        layout_map["dense.*kernel"] = (None, "model")
        lamina.distribution.set_distribution(
            ModelParallel(layout_map=layout_map, batch_dim_name="batch")
        )
        # Dense kernels: columns over 4 devices; batches: rows over 2.
    """

    def __init__(self, *, layout_map=None, batch_dim_name=None, **kwargs):
        kwargs.pop("device_mesh", None)  # Keras 3 accepts and ignores it
        if kwargs:
            raise TypeError(f"ModelParallel got unexpected keyword argument(s) {sorted(kwargs)}.")
        if not isinstance(layout_map, LayoutMap):
            raise ValueError(
                "ModelParallel: `layout_map` must be a lamina.distribution.LayoutMap,"
                f" received {layout_map!r}."
            )
        mesh = layout_map.device_mesh
        super().__init__(mesh, batch_dim_name or mesh.axis_names[0])
        self._layout_map = layout_map

    layout_map = property(lambda self: self._layout_map, doc="The :class:`LayoutMap`.")

    def get_tensor_layout(self, path):
        return self._layout_map[path]
