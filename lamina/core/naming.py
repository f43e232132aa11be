"""Automatic layer names: the class name in snake_case plus a per-name counter."""

import re
from collections import defaultdict

_COUNTS: defaultdict[str, int] = defaultdict(int)


def to_snake_case(name: str) -> str:
    """``"MLPBlock"`` → ``"mlp_block"``, ``"Linear"`` → ``"linear"`` (Keras' rule)."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    name = re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()
    return "private" + name if name.startswith("_") else name


def unique_name(base: str) -> str:
    """``base`` the first time, then ``base_1``, ``base_2``, ... within this process."""
    count = _COUNTS[base]
    _COUNTS[base] += 1
    return base if count == 0 else f"{base}_{count}"


def reset_names() -> None:
    """Forget all counters (tests and notebooks that want ``linear`` again)."""
    _COUNTS.clear()
