"""Where one epoch of ``fit`` spends its time (the guide's VAE, batch 64, 60,000 images).

Wraps the pieces of the loop with timers and runs cProfile over one epoch:
compiled-step calls (dispatch, and waiting for the device when the next step needs
its buffers), host batch slicing, callbacks, and the rest of the loop.

Run: ``python benchmarks/profile_fit.py [--steps-per-execution 1]``
"""

import argparse
import cProfile
import os
import pstats
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import lamina  # noqa: E402
from lamina.callbacks import CallbackList  # noqa: E402
from lamina.examples.vae import VariationalAutoEncoder  # noqa: E402
from lamina.training import data as data_module  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps-per-execution", type=int, default=1)
    args = parser.parse_args()
    try:
        (x, _), _ = lamina.datasets.fashion_mnist.load_data()
    except lamina.datasets.DatasetError:
        import numpy as np

        x = (np.random.default_rng(0).random((60000, 28, 28)) * 255).astype("uint8")
    x = x.reshape(-1, 784).astype("float32") / 255
    x = x[: len(x) // 64 * 64]
    model = VariationalAutoEncoder(784, 64, 32)
    model.compile(
        lamina.optimizers.Adam(1e-3),
        loss=lamina.losses.MeanSquaredError(),
        steps_per_execution=args.steps_per_execution,
    )
    model.fit(x, x, batch_size=64, epochs=1, verbose=0)  # compile everything

    totals = {"compiled step calls": 0.0, "host batch slicing": 0.0, "callbacks": 0.0}

    def timed(fn, key):
        def wrapper(*a, **k):
            start = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                totals[key] += time.perf_counter() - start

        return wrapper

    for cache_key, fn in list(model._step_cache.items()):
        model._step_cache[cache_key] = timed(fn, "compiled step calls")
    original_blocks = data_module.ArrayData.blocks

    def blocks(self, k, rng):
        it = original_blocks(self, k, rng)
        while True:
            start = time.perf_counter()
            try:
                item = next(it)
            except StopIteration:
                return
            finally:
                totals["host batch slicing"] += time.perf_counter() - start
            yield item

    data_module.ArrayData.blocks = blocks
    for hook in ("on_train_batch_begin", "on_train_batch_end"):
        setattr(CallbackList, hook, timed(getattr(CallbackList, hook), "callbacks"))

    profile = cProfile.Profile()
    start = time.perf_counter()
    profile.enable()
    model.fit(x, x, batch_size=64, epochs=1, verbose=1)
    profile.disable()
    wall = time.perf_counter() - start
    steps = len(x) // 64
    print(
        f"\none epoch, {steps} steps, steps_per_execution={args.steps_per_execution}:"
        f" {wall:.3f} s wall, {wall / steps * 1e3:.3f} ms/step"
    )
    for key, seconds in totals.items():
        print(f"  {key:<24} {seconds:7.3f} s  {100 * seconds / wall:5.1f} %")
    rest = wall - sum(totals.values())
    print(f"  {'rest of fit':<24} {rest:7.3f} s  {100 * rest / wall:5.1f} %")
    print("\ncProfile, top functions by own time:")
    pstats.Stats(profile).sort_stats("tottime").print_stats(8)


if __name__ == "__main__":
    main()
