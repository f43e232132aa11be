"""Every test here starts and ends with lamina's default global dtype policy."""

import pytest

from lamina import mixed_precision


@pytest.fixture(autouse=True)
def default_global_policy():
    mixed_precision.set_dtype_policy(None)
    yield
    mixed_precision.set_dtype_policy(None)
