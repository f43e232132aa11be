"""One process of a two-process data-parallel fit (run by test_multi_process.py).

Each process has two emulated CPU devices and feeds only its own half of every
global batch, as on a multi-host job; ``jax.distributed.initialize`` is all it adds.
Prints its losses and final weights as JSON.
"""

import json
import os
import sys

process_id, port, root = int(sys.argv[1]), sys.argv[2], sys.argv[3]
os.environ["XLA_FLAGS"] = "--xla_force_host_platform_device_count=2"
os.environ["JAX_PLATFORMS"] = "cpu"
sys.path.insert(0, root)

import jax  # noqa: E402

jax.config.update("jax_cpu_collectives_implementation", "gloo")
jax.distributed.initialize(f"127.0.0.1:{port}", num_processes=2, process_id=process_id)

import numpy as np  # noqa: E402

from lamina import distribution  # noqa: E402

sys.path.insert(0, os.path.dirname(__file__))
from multi_process_model import BATCH, data, make_model  # noqa: E402

x, y = data()
# Global batch i is rows [BATCH*i, BATCH*(i+1)); this process feeds its half of each.
half = BATCH // 2
rows = np.concatenate(
    [np.arange(i, i + half) + process_id * half for i in range(0, len(x), BATCH)]
)
distribution.set_distribution(distribution.DataParallel())
model = make_model()
history = model.fit(x[rows], y[rows], batch_size=half, epochs=2, shuffle=False, verbose=0)
weights = [np.asarray(v.value.addressable_shards[0].data).tolist() for v in model.weights]
report = {
    "processes": jax.process_count(),
    "devices": jax.device_count(),
    "loss": history.history["loss"],
    "weights": weights,
}
print("REPORT " + json.dumps(report), flush=True)
