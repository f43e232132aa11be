"""Layouts: how one array is split over a mesh, and rules that give them by path."""

import collections.abc
import re

import jax
from jax.sharding import NamedSharding, PartitionSpec


class TensorLayout:
    """Which mesh axis (if any) splits each dimension of an array (Keras 3's ``TensorLayout``).

    Args:
      axes: one entry per dimension of the array: a mesh axis name, None (that
        dimension is not split: every device along the other axes holds all of it)
        or a tuple of names (split over several mesh axes at once).
      device_mesh: the :class:`DeviceMesh`; a :class:`LayoutMap` fills it in.

    ``layout.partition_spec`` is the ``jax.sharding.PartitionSpec`` and
    ``layout.backend_layout`` the ``jax.sharding.NamedSharding``.

    Example: ``TensorLayout((None, "model"), mesh)`` splits a ``(in, out)`` kernel's
    output columns over the ``model`` axis.
    """

    def __init__(self, axes, device_mesh=None):
        if isinstance(axes, PartitionSpec):
            axes = tuple(axes)
        if isinstance(axes, str) or not isinstance(axes, tuple | list):
            raise ValueError(
                f"TensorLayout: `axes` must be a tuple with one mesh-axis name (or None)"
                f" per dimension, e.g. (None, 'model'); received {axes!r}."
            )
        self._axes = tuple(tuple(a) if isinstance(a, list) else a for a in axes)
        self._device_mesh = None
        if device_mesh is not None:
            self.device_mesh = device_mesh

    axes = property(lambda self: self._axes, doc="One mesh-axis name (or None) per dimension.")

    @property
    def device_mesh(self):
        """The mesh the axes refer to (None until set)."""
        return self._device_mesh

    @device_mesh.setter
    def device_mesh(self, device_mesh):
        if self._device_mesh is not None and self._device_mesh is not device_mesh:
            raise ValueError(
                f"TensorLayout{self._axes}: its device mesh is already {self._device_mesh};"
                f" cannot change it to {device_mesh}."
            )
        names = set()
        for entry in self._axes:
            names.update(entry if isinstance(entry, tuple) else (entry,))
        unknown = sorted(n for n in names - {None} if n not in device_mesh.axis_names)
        if unknown:
            raise ValueError(
                f"TensorLayout{self._axes}: axis name(s) {unknown} are not axes of"
                f" {device_mesh}; valid names are {list(device_mesh.axis_names)} (or None"
                " for a dimension that is not split)."
            )
        self._device_mesh = device_mesh

    @property
    def partition_spec(self) -> PartitionSpec:
        """The axes as a ``jax.sharding.PartitionSpec``."""
        return PartitionSpec(*self._axes)

    @property
    def backend_layout(self) -> NamedSharding:
        """The ``jax.sharding.NamedSharding`` over the mesh."""
        if self._device_mesh is None:
            raise ValueError(f"TensorLayout{self._axes} has no device mesh yet.")
        return NamedSharding(self._device_mesh.backend_mesh, self.partition_spec)

    def __eq__(self, other):
        return (
            isinstance(other, TensorLayout)
            and self._axes == other._axes
            and self._device_mesh is other._device_mesh
        )

    __hash__ = object.__hash__

    def __repr__(self):
        return f"<TensorLayout axes={self._axes}, device_mesh={self._device_mesh}>"


class LayoutMap(collections.abc.MutableMapping):
    """Rules from variable paths to layouts: regex keys, :class:`TensorLayout` values.

    Looking a path up (``layout_map["encoder/dense_proj/kernel"]``) returns the
    layout stored under that exact key, else the one whose key, as a regular
    expression, is found in the path by ``re.search``; None when no rule matches
    (the variable is then replicated). A path matched by several rules is an error.
    Since ``re.search`` finds a pattern anywhere, Keras' anchored-looking rules
    (``".*dense.*kernel"``) work as they are; write ``"^...$"`` to match a whole path.
    Paths are ``variable.path``: attribute paths such as ``"dense_1/kernel"`` or
    ``"encoder/dense_proj/kernel"`` (print ``[v.path for v in model.variables]``).

    Values may be given as tuples (or ``PartitionSpec``): they become
    ``TensorLayout``s over this map's mesh.

    Args:
      device_mesh: the :class:`DeviceMesh` every layout refers to.

    Example::

        layout_map = LayoutMap(DeviceMesh((2, 4), ("batch", "model")))
        layout_map["dense.*kernel"] = (None, "model")   # split output columns
        layout_map["dense.*bias"] = ("model",)
        layout_map["dense_1/kernel"].axes               # (None, 'model')
    """

    def __init__(self, device_mesh):
        self._device_mesh = device_mesh
        self._layouts = collections.OrderedDict()
        self._patterns = {}

    device_mesh = property(lambda self: self._device_mesh, doc="The :class:`DeviceMesh`.")

    def __getitem__(self, key):
        if key in self._layouts:
            return self._layouts[key]
        found = [k for k, pattern in self._patterns.items() if pattern.search(key)]
        if len(found) > 1:
            raise ValueError(
                f"LayoutMap: path '{key}' matches several rules {found}; make each variable"
                " path match at most one rule (anchor them, e.g. '^encoder/.*kernel$')."
            )
        return self._layouts[found[0]] if found else None

    def __setitem__(self, key, layout):
        if not isinstance(key, str):
            raise TypeError(f"LayoutMap: keys are regex strings, received {key!r}.")
        if key in self._layouts:
            raise ValueError(
                f"LayoutMap: the rule {key!r} is already set (to {self._layouts[key]});"
                " delete it first to replace it."
            )
        try:
            pattern = re.compile(key)
        except re.error as err:
            raise ValueError(f"LayoutMap: the key {key!r} is not a valid regex: {err}.") from err
        if isinstance(layout, tuple | list | PartitionSpec):
            layout = TensorLayout(tuple(layout))
        if not isinstance(layout, TensorLayout):
            raise TypeError(
                f"LayoutMap[{key!r}]: expected a TensorLayout or a tuple of mesh-axis names"
                f" (None for an unsplit dimension), received {layout!r}."
            )
        if layout.device_mesh is None:
            layout.device_mesh = self._device_mesh
        self._layouts[key] = layout
        self._patterns[key] = pattern

    def __delitem__(self, key):
        del self._layouts[key]
        del self._patterns[key]

    def __len__(self):
        return len(self._layouts)

    def __iter__(self):
        return iter(self._layouts)

    def __repr__(self):
        rules = ", ".join(f"{k!r}: {v.axes}" for k, v in self._layouts.items())
        return f"<LayoutMap {{{rules}}} on {self._device_mesh}>"


def distribute_tensor(tensor, layout):
    """``tensor`` laid out as ``layout`` (a :class:`TensorLayout` or a ``jax.sharding.Sharding``).

    Inside a traced function (a layer's ``call`` under ``fit`` or ``jax.jit``) it is
    a sharding constraint that steers XLA's partitioner for an intermediate value;
    outside, the array is moved (``jax.device_put``). As Keras 3's function.

    Example: ``x = distribute_tensor(x, TensorLayout(("batch", None, "model"), mesh))``.
    """
    sharding = layout.backend_layout if isinstance(layout, TensorLayout) else layout
    if isinstance(tensor, jax.core.Tracer):
        return jax.lax.with_sharding_constraint(tensor, sharding)
    return jax.device_put(tensor, sharding)
