"""Makes ``layer_checks`` (the shared parity helpers) importable from these tests."""

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
