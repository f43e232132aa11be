"""Timing helpers shared by the benchmarks: interleaved repeats, medians."""

import statistics
import time


def per_call_seconds(fn, calls: int) -> float:
    """Wall time of ``calls`` calls of ``fn`` (which must block on its result), per call."""
    start = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - start) / calls


def interleaved_medians(candidates: dict, calls: int, repeats: int) -> dict:
    """Median seconds per call of each candidate, measured in alternation so that the
    machine's drift and noise hit every candidate alike."""
    samples = {name: [] for name in candidates}
    for fn in candidates.values():
        fn()  # warm up: compile and fill caches
    for _ in range(repeats):
        for name, fn in candidates.items():
            samples[name].append(per_call_seconds(fn, calls))
    return {name: statistics.median(values) for name, values in samples.items()}


def report(title: str, medians: dict, baseline: str, unit: float = 1e-6, unit_name="us"):
    """Print each candidate's median and its ratio to ``baseline``."""
    print(f"\n{title}")
    base = medians[baseline]
    for name, seconds in medians.items():
        print(f"  {name:<44} {seconds / unit:10.2f} {unit_name}   x{seconds / base:5.2f}")


def compiled_ops(jitted, *args) -> list:
    """The instructions of ``jitted``'s optimized XLA program, with names, numbering and
    source metadata removed, so two programs doing the same math compare equal."""
    import re

    text = jitted.lower(*args).compile().as_text()
    ops = []
    for line in text.splitlines():
        if " = " not in line:
            continue
        line = re.sub(r", metadata=\{[^}]*\}", "", line)
        ops.append(re.sub(r"\.\d+\b", "", line).strip())
    return ops
