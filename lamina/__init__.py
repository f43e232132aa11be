"""lamina: Keras' subclassing API on JAX, where every layer is also a pure function.

``import lamina as keras`` runs Keras subclassing code; every layer also offers
``init`` / ``apply`` / ``split`` / ``merge`` for plain JAX.
"""

__version__ = "0.1.0"

# Importing these registers their string lookups with the engine (lamina.core.registry).
import importlib as _importlib

for _name in ("activations", "config", "constraints", "initializers", "ops", "random",
              "regularizers", "utils", "layers"):
    try:  # TEMPORARY while modules are being written
        globals()[_name] = _importlib.import_module(f"lamina.{_name}")
    except ImportError as _err:
        print("lamina: could not import", _name, _err)
from lamina.core.input_spec import InputSpec
from lamina.core.layer import Layer
from lamina.core.naming import reset_names
from lamina.core.variable import Variable
