"""Data and model parallelism on 8 emulated CPU devices.

JAX fixes its device count when it starts, so the checks run once in a subprocess
(``multi_device_checks.py``, with ``--xla_force_host_platform_device_count=8``)
and report JSON; each test below asserts one behaviour from that report. The
references: a plain-JAX training loop (Keras' SGD with momentum, written out),
and the same model trained on one device.
"""

import fcntl
import json
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

HERE = pathlib.Path(__file__).parent
ROOT = HERE.parent.parent
TOL = 1e-5


@pytest.fixture(scope="session")
def report(tmp_path_factory):
    """The child's JSON report, computed once per test session.

    Under pytest-xdist several workers may run tests of this module: the first to
    take the lock runs the child, the others read its report from the shared
    base temporary folder.
    """
    if "PYTEST_XDIST_WORKER" not in os.environ:
        return run_child()
    shared = tmp_path_factory.getbasetemp().parent / "multi_device_report.json"
    with open(f"{shared}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not shared.exists():
            shared.write_text(json.dumps(run_child()))
        return json.loads(shared.read_text())


def run_child():
    env = dict(os.environ)
    env.update(
        XLA_FLAGS="--xla_force_host_platform_device_count=8",
        JAX_PLATFORMS="cpu",
        KERAS_BACKEND="jax",
        PYTHONPATH=str(ROOT),
    )
    done = subprocess.run(
        [sys.executable, str(HERE / "multi_device_checks.py")],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return json.loads(done.stdout)


def assert_same_training(run, single):
    np.testing.assert_allclose(run["loss"], single["loss"], rtol=TOL, atol=TOL)
    for path, value in single["weights"].items():
        np.testing.assert_allclose(run["weights"][path], value, rtol=TOL, atol=TOL, err_msg=path)
    np.testing.assert_allclose(run["predict"], single["predict"], rtol=TOL, atol=TOL)
    np.testing.assert_allclose(run["evaluate"], single["evaluate"], rtol=TOL, atol=TOL)


def test_the_subprocess_sees_eight_devices(report):
    assert report["devices"] == 8


def test_single_device_fit_matches_a_plain_jax_loop(report):
    single, reference = report["single"], report["reference"]
    np.testing.assert_allclose(single["loss"], reference["loss"], rtol=TOL, atol=TOL)
    for path, value in reference["weights"].items():
        np.testing.assert_allclose(single["weights"][path], value, rtol=TOL, atol=TOL)


def test_data_parallel_fit_over_8_devices_equals_one_device(report):
    run = report["data_parallel"]
    assert run["devices"] == 8
    assert set(run["specs"].values()) == {"()"}  # replicated
    assert run["initial"] == report["single"]["initial"]
    assert_same_training(run, report["single"])


def test_batches_are_split_over_the_data_axis(report):
    assert report["errors"]["batch_shards"] == [[2, 8]]  # 16 rows on 8 devices
    assert report["errors"]["batch_size"] == 16


def test_model_parallel_splits_dense_kernels_and_trains_the_same(report):
    run = report["model_parallel"]  # mesh (1, 8): kernels split 8 ways
    expected = {
        "dense/kernel": "(None, 'model')",
        "dense/bias": "()",
        "dense_1/kernel": "(None, 'model')",
        "dense_1/bias": "()",
    }
    assert run["specs"] == expected
    assert run["shards"]["dense/kernel"] == [[8, 2]]
    assert run["shards"]["dense_1/kernel"] == [[16, 1]]
    # The momentum of each kernel follows the kernel's layout.
    assert run["opt_specs"] == ["(None, 'model')", "(None, 'model')"]
    assert_same_training(run, report["single"])


def test_variables_are_created_with_their_sharding(report):
    for name, block in (("model_parallel", [8, 2]), ("mesh_2x4", [8, 4])):
        run = report[name]
        assert run["created_specs"]["dense/kernel"] == "(None, 'model')"
        # Each device holds only its block: no whole copy was placed anywhere.
        assert run["created_shards"]["dense/kernel"] == [block]
        assert run["initial"] == report["single"]["initial"]


def test_a_2x4_mesh_combines_data_and_model_parallelism(report):
    run = report["mesh_2x4"]
    assert run["shards"] == {
        "dense/kernel": [[8, 4]],
        "dense/bias": [[16]],
        "dense_1/kernel": [[16, 2]],
        "dense_1/bias": [[8]],
    }
    assert run["opt_specs"] == ["(None, 'model')", "(None, 'model')"]
    assert_same_training(run, report["single"])


def test_a_model_built_before_the_distribution_is_placed_when_fit_starts(report):
    run = report["placed_at_fit"]
    assert run["specs"]["dense/kernel"] == "(None, 'model')"
    assert run["shards"]["dense/kernel"] == [[8, 4]]
    assert_same_training(run, report["single"])


def test_apply_under_a_users_jit_keeps_the_layouts(report):
    run = report["apply_under_jit"]
    assert run["param_in_specs"] == run["param_specs"]
    assert "(None, 'model')" in run["param_specs"]
    assert run["moving_mean_spec"] == "('model',)"
    assert run["output_error"] < TOL
    assert run["state_error"] < TOL


def test_a_batch_the_data_axis_does_not_divide_is_a_clear_error(report):
    message = report["errors"]["indivisible_batch"]
    assert "12 samples" in message and "8 devices" in message and "'batch'" in message


def test_a_callbacks_learning_rate_change_reaches_the_distributed_step(report):
    run = report["callbacks"]
    assert run["devices"] == 8
    np.testing.assert_allclose(run["learning_rates"], [0.1, 0.05, 0.025], rtol=1e-6)


def test_orbax_checkpoint_restores_onto_another_mesh_shape(report):
    run = report["orbax"]
    if "skipped" in run:
        pytest.skip(f"orbax-checkpoint is not installed: {run['skipped']}")
    assert run["steps"] == [2, 3]  # max_to_keep=2
    assert run["restored_step"] == 3
    assert run["mesh"] == [4, 2]
    assert run["specs"]["dense/kernel"] == "(None, 'model')"
    assert run["shards"]["dense/kernel"] == [[8, 8]]  # 16 columns over 2 devices
    assert run["weights_equal"] and run["optimizer_equal"]
    assert run["single_device_equal"] and run["single_device_count"] == 1
