"""Two processes on this machine, joined by ``jax.distributed.initialize``, each with two
CPU devices and its own half of the data: the data-parallel ``fit`` trains exactly as
one process with the whole batch does."""

import json
import os
import socket
import subprocess
import sys

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

from multi_process_model import BATCH, data, make_model  # noqa: E402


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_two_processes_train_like_one():
    port = str(free_port())
    env = {**os.environ, "KERAS_BACKEND": "jax", "PYTHONPATH": ROOT}
    workers = [
        subprocess.Popen(
            [sys.executable, os.path.join(HERE, "multi_process_worker.py"), str(i), port, ROOT],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for i in range(2)
    ]
    reports = []
    for worker in workers:
        try:
            out, err = worker.communicate(timeout=240)
        except subprocess.TimeoutExpired:
            for w in workers:
                w.kill()
            pytest.fail("the two-process fit did not finish in 240 s")
        assert worker.returncode == 0, err[-3000:]
        line = next(line for line in out.splitlines() if line.startswith("REPORT "))
        reports.append(json.loads(line[len("REPORT ") :]))
    assert [r["processes"] for r in reports] == [2, 2]
    assert [r["devices"] for r in reports] == [4, 4]

    x, y = data()
    single = make_model()
    history = single.fit(x, y, batch_size=BATCH, epochs=2, shuffle=False, verbose=0)
    for report in reports:
        np.testing.assert_allclose(report["loss"], history.history["loss"], rtol=1e-5)
        for theirs, ours in zip(report["weights"], single.get_weights()):
            np.testing.assert_allclose(theirs, ours, rtol=1e-5, atol=1e-6)
