"""A process killed with SIGKILL while saving leaves the old or the new file, never a mix.

A small server process (which imports only ``lamina.saving``, not JAX, so forking
it is safe and cheap) forks one saver per round; the saver overwrites the same
4 MB file in a loop until the test kills it at a random moment. After each kill
the file must load completely, holding one save's values throughout.
"""

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import lamina.saving
from lamina.saving import load_arrays, save_arrays
from lamina.saving.atomic import ORPHAN_AGE_S

SIZE = 1_000_000  # float32s: 4 MB per save
KILLS = 20

SERVER = """
import os, sys, types
# Import lamina.saving without lamina/__init__.py (and so without JAX).
package = types.ModuleType("lamina")
package.__path__ = [sys.argv[1]]
sys.modules["lamina"] = package
import numpy as np
from lamina.saving import save_arrays

path, size = sys.argv[2], int(sys.argv[3])
for line in sys.stdin:
    first = int(line)
    pid = os.fork()
    if pid == 0:
        try:
            for i in range(first, first + 10**6):
                save_arrays(path, {"x": np.full(size, i, np.float32)}, {"i": str(i)})
        finally:
            os._exit(1)
    print(pid, flush=True)
    print(os.waitpid(pid, 0)[1], flush=True)
"""

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork and SIGKILL")


def orphans(folder: Path):
    return [p for p in folder.iterdir() if ".tmp-" in p.name]


def test_sigkill_at_random_moments_never_leaves_a_partial_file(tmp_path):
    path = tmp_path / "w.safetensors"
    save_arrays(path, {"x": np.full(SIZE, -1, np.float32)}, {"i": "-1"})
    package_dir = str(Path(lamina.saving.__file__).parents[1])
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER, package_dir, str(path), str(SIZE)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "OPENBLAS_NUM_THREADS": "1"},
    )
    rng = random.Random(0)
    values = set()
    try:
        for round_ in range(KILLS):
            server.stdin.write(f"{round_ * 10**6}\n")
            server.stdin.flush()
            pid = int(server.stdout.readline())
            time.sleep(rng.uniform(0.0, 0.3))
            os.kill(pid, signal.SIGKILL)
            status = int(server.stdout.readline())
            assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL

            arrays, metadata = load_arrays(path)
            value = int(metadata["i"])
            assert arrays["x"].shape == (SIZE,)
            assert (arrays["x"] == value).all(), "the file mixes two saves"
            values.add(value)
            # At most one orphan per kill: the temp file of the save it interrupted.
            assert len(orphans(tmp_path)) <= round_ + 1
    finally:
        server.stdin.close()
        server.wait(timeout=30)
    assert len(values) > KILLS // 2, "too few saves completed for the test to mean much"

    # Orphans older than ORPHAN_AGE_S are cleaned by the next save of that name.
    stale = time.time() - ORPHAN_AGE_S - 1
    for orphan in orphans(tmp_path):
        os.utime(orphan, (stale, stale))
    save_arrays(path, {"x": np.zeros(3, np.float32)})
    assert orphans(tmp_path) == []
