"""Models: ``Model`` (subclassed or functional), ``Sequential``, ``Input`` and
``load_model``."""

from lamina.models.functional import Functional
from lamina.models.model import Model
from lamina.models.sequential import Sequential
from lamina.models.symbolic import Input, SymbolicTensor


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """The model saved by ``model.save(filepath)``; see ``lamina.saving.load_model``."""
    from lamina.saving.model_io import load_model as load

    return load(filepath, custom_objects=custom_objects, compile=compile, safe_mode=safe_mode)
