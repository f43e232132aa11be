"""Saving and loading 100M float32 parameters: lamina.saving against numpy.savez / numpy.load.

The arrays are shaped like a transformer's (an embedding, 24 blocks of four
dense layers with biases, layer-norm scales). Each candidate runs in alternation
with the others (in a new random order each round), in one process, after an
untimed ``os.sync()``, writing to ``--dir`` (default: the temp folder). lamina's
saves ``fsync`` the data and the folder (durability); ``numpy.savez`` does not,
so it is timed both bare and followed by an ``fsync``. Loads read the files just
written, usually from the page cache, and materialise every array
(``allow_pickle=False`` for NumPy).

    .venv/bin/python benchmarks/saving.py [--dir /path] [--repeats 7]

The last lines compare peak Python-tracked memory of ``write_archive`` given the
weights as bytes against its streaming form.
"""

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import tracemalloc

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import report  # noqa: E402

from lamina.saving import (  # noqa: E402
    dump_arrays,
    dumps_arrays,
    load_arrays,
    open_archive,
    save_arrays,
    write_archive,
)

WIDTH, BLOCKS, VOCAB = 576, 24, 8000


def model_arrays() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    shapes = {"embedding/embeddings": (VOCAB, WIDTH)}
    for b in range(BLOCKS):
        for layer, (n_in, n_out) in {
            "attention/qkv": (WIDTH, 3 * WIDTH),
            "attention/output": (WIDTH, WIDTH),
            "mlp/up": (WIDTH, 4 * WIDTH),
            "mlp/down": (4 * WIDTH, WIDTH),
        }.items():
            shapes[f"blocks/{b}/{layer}/kernel"] = (n_in, n_out)
            shapes[f"blocks/{b}/{layer}/bias"] = (n_out,)
        shapes[f"blocks/{b}/norm/gamma"] = (WIDTH,)
    return {name: rng.standard_normal(shape, np.float32) for name, shape in shapes.items()}


def synced_interleaved_medians(candidates: dict, repeats: int) -> dict:
    """Like ``common.interleaved_medians`` with one call per sample, but every call starts
    after an untimed ``os.sync()`` (on ext4 an ``fsync`` also waits for other files' dirty
    data), and each round runs the candidates in a new random order: on a busy machine
    the call after a large write or free was seen to run up to 3x slower, whichever
    candidate it was."""
    samples = {name: [] for name in candidates}
    for fn in candidates.values():
        fn()  # warm up: allocate the files, fill caches
    order, rng = list(candidates), random.Random(0)
    for _ in range(repeats):
        rng.shuffle(order)
        for name in order:
            fn = candidates[name]
            os.sync()
            start = time.perf_counter()
            fn()
            samples[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in samples.items()}


def fsync_file(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", default=tempfile.gettempdir())
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()

    arrays = model_arrays()
    count = sum(a.size for a in arrays.values())
    print(
        f"{len(arrays)} arrays, {count / 1e6:.1f}M float32 parameters ({count * 4 / 2**20:.0f} MiB)"
    )
    with tempfile.TemporaryDirectory(dir=args.dir) as folder:
        print(f"files in {folder}")
        paths = {k: os.path.join(folder, k) for k in ("st", "npz", "npz_sync", "zip")}
        archive = lambda f: dump_arrays(f, arrays)  # noqa: E731

        def savez_and_fsync():
            np.savez(paths["npz_sync"], **arrays)
            fsync_file(paths["npz_sync"] + ".npz")

        saves = {
            "numpy.savez": lambda: np.savez(paths["npz"], **arrays),
            "numpy.savez + fsync": savez_and_fsync,
            "lamina save_arrays (fsync)": lambda: save_arrays(paths["st"], arrays),
            "lamina write_archive, streamed (fsync)": lambda: write_archive(
                paths["zip"], {"model.safetensors": archive}
            ),
        }
        medians = synced_interleaved_medians(saves, args.repeats)
        report("save (s)", medians, "numpy.savez", unit=1.0, unit_name="s")

        def numpy_load():
            with np.load(paths["npz"] + ".npz", allow_pickle=False) as f:
                return {k: f[k] for k in f.files}

        def archive_load():
            with open_archive(paths["zip"], {"model.safetensors"}) as f:
                return load_arrays(f.open("model.safetensors"))

        loads = {
            "numpy.load (all arrays)": numpy_load,
            "lamina load_arrays": lambda: load_arrays(paths["st"]),
            "lamina open_archive + load_arrays": archive_load,
        }
        for name, load in loads.items():  # the files hold what was saved
            loaded = load()
            loaded = loaded[0] if isinstance(loaded, tuple) else loaded
            assert all(np.array_equal(loaded[k], v) for k, v in arrays.items()), name
        del loaded
        medians = synced_interleaved_medians(loads, args.repeats)
        report("load (s)", medians, "numpy.load (all arrays)", unit=1.0, unit_name="s")

        print("\npeak traced memory of write_archive (MiB)")
        for name, members in {
            "weights as bytes (dumps_arrays)": lambda: {"model.safetensors": dumps_arrays(arrays)},
            "streamed (dump_arrays)": lambda: {"model.safetensors": archive},
        }.items():
            tracemalloc.start()
            write_archive(paths["zip"], members())
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            print(f"  {name:<44} {peak / 2**20:10.1f}")


if __name__ == "__main__":
    main()
