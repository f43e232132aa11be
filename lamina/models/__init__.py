"""Models: ``Model`` (subclassed or functional), ``Sequential`` and ``Input``."""

from lamina.models.functional import Functional
from lamina.models.model import Model
from lamina.models.sequential import Sequential
from lamina.models.symbolic import Input, SymbolicTensor
