"""Data and model parallelism over ``jax.sharding`` (Keras 3's ``keras.distribution``).

* :class:`DeviceMesh`: devices arranged in a grid with named axes.
* :class:`TensorLayout`, :class:`LayoutMap`: which mesh axes split an array;
  regex rules from variable paths to layouts.
* :class:`DataParallel`, :class:`ModelParallel`: the distributions;
  ``set_distribution(d)`` or ``with d.scope():`` activates one.

While a distribution is active, variables are created directly with their
layout; ``fit``/``evaluate``/``predict`` split each batch over the batch axis and
compile their steps so that parameters and optimizer state keep their layouts.
The model code does not change. See ``docs/distribution.md``.

Example::

    from lamina import distribution as dist

    mesh = dist.DeviceMesh((2, 4), ("batch", "model"))
    layout_map = dist.LayoutMap(mesh)
    layout_map["dense.*kernel"] = (None, "model")
    with dist.ModelParallel(layout_map=layout_map, batch_dim_name="batch").scope():
        model = make_model()
        model.compile("adam", "mse")
        model.fit(x, y, batch_size=64)
"""

from lamina.distribution.context import distribution, set_distribution
from lamina.distribution.device_mesh import DeviceMesh, initialize, list_devices
from lamina.distribution.distributions import DataParallel, Distribution, ModelParallel
from lamina.distribution.layout import LayoutMap, TensorLayout, distribute_tensor

__all__ = [
    "DataParallel",
    "DeviceMesh",
    "Distribution",
    "LayoutMap",
    "ModelParallel",
    "TensorLayout",
    "distribute_tensor",
    "distribution",
    "initialize",
    "list_devices",
    "set_distribution",
]
