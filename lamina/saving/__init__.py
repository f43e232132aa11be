"""Saving and loading: safe by construction, durable by construction.

The pieces a model's ``save``/``load`` are built from:

* ``atomic_write``: a file is replaced only by a complete new one.
* ``save_arrays``/``load_arrays`` (and ``dump_arrays``/``dumps_arrays``): named arrays
  in the safetensors format, checked before anything is allocated.
* ``write_archive``/``open_archive``/``read_archive``: zip archives of named members,
  refusing unknown, traversing, linked, duplicated or oversized members.
* ``register_serializable`` and friends: the only way a config's class name
  becomes a class. Nothing is imported or evaluated from a file.

Every problem found in a file is a ``LoadError`` naming the file (and member).
"""

from lamina.saving.archive import Archive, open_archive, read_archive, write_archive
from lamina.saving.atomic import atomic_write
from lamina.saving.errors import LoadError
from lamina.saving.model_io import load_model, save_model
from lamina.saving.registry import (
    CustomObjectScope,
    custom_object_scope,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_serializable,
)
from lamina.saving.safetensors_format import (
    dump_arrays,
    dumps_arrays,
    load_arrays,
    save_arrays,
)
from lamina.saving.weights_io import WeightsMismatchError

__all__ = [
    "Archive",
    "CustomObjectScope",
    "LoadError",
    "WeightsMismatchError",
    "atomic_write",
    "custom_object_scope",
    "dump_arrays",
    "dumps_arrays",
    "get_custom_objects",
    "get_registered_name",
    "get_registered_object",
    "load_arrays",
    "load_model",
    "open_archive",
    "read_archive",
    "register_serializable",
    "save_arrays",
    "save_model",
    "write_archive",
]
