"""Data-parallel scaling: ``fit`` step time on 1, 2, 4 and 8 devices, global batch fixed.

Each device count runs in its own subprocess (JAX fixes its devices at start-up):
on the CPU with ``--xla_force_host_platform_device_count=N`` emulated host devices,
which all share this machine's cores. So the CPU table shows only the *shape* of
the curve (what splitting the batch and the collectives cost when the work does
not get more hardware), never a speed-up; it is labelled so.

Workloads, under ``lamina.distribution.DataParallel`` (Adam, float32):
  * ``mlp``: 784-512-512-10 MLP, global batch 256;
  * ``transformer``: one encoder block (4-head self-attention, d=128, FFN 256,
    layer norms, residuals) over 64 tokens, mean-pooled into 10 classes, global batch 64.
Per step: the median wall time of ``fit`` epochs (``--steps`` steps each, after a
warm-up epoch), and the step's FLOPs from XLA's cost analysis of the compiled
``value_and_grad`` of the loss (the optimizer's few FLOPs left out).

``--gpu`` runs each workload once on the default accelerator (one device) and
prints the step time and the fraction of the chip's peak FLOP/s it reaches (the
peak comes from a small table by device kind, or ``--peak-tflops``).

Run: ``python benchmarks/scaling.py [--devices 1,2,4,8] [--steps 10] [--repeats 5]``
     ``python benchmarks/scaling.py --gpu``
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Dense peak FLOP/s (tera) for float32 matmuls as XLA runs them on each chip: on
# Ampere and later JAX's default precision uses TF32 tensor cores.
PEAK_TFLOPS = {"H100": 494.7, "H200": 494.7, "A100": 156.0}


# ------------------------------------------------------------------ workloads
def make_workload(name):
    """``(model, x, y, loss, global_batch)`` for ``name``."""
    import numpy as np

    import lamina
    from lamina import layers

    rng = np.random.default_rng(0)
    if name == "mlp":
        batch = 256
        model = lamina.Sequential(
            [
                lamina.Input((784,)),
                layers.Dense(512, activation="relu"),
                layers.Dense(512, activation="relu"),
                layers.Dense(10),
            ]
        )
        x = rng.random((batch, 784), dtype=np.float32)
    else:
        batch, tokens, width = 64, 64, 128
        inputs = lamina.Input((tokens, width))
        attended = layers.MultiHeadAttention(num_heads=4, key_dim=width // 4)(inputs, inputs)
        h = layers.LayerNormalization()(layers.Add()([inputs, attended]))
        ffn = layers.Dense(width)(layers.Dense(2 * width, activation="relu")(h))
        h = layers.LayerNormalization()(layers.Add()([h, ffn]))
        outputs = layers.Dense(10)(layers.GlobalAveragePooling1D()(h))
        model = lamina.Model(inputs, outputs)
        x = rng.normal(size=(batch, tokens, width)).astype(np.float32)
    y = rng.integers(0, 10, size=(batch,))
    loss = lamina.losses.SparseCategoricalCrossentropy(from_logits=True)
    return model, x, y, loss, batch


def step_flops(model, loss, x, y) -> float:
    """FLOPs of one forward and backward pass, from XLA's cost analysis."""
    import jax

    params, state = model.split()

    def objective(p):
        pred, _ = model.apply(p, state, x, training=True)
        return loss(y, pred)

    compiled = jax.jit(jax.value_and_grad(objective)).lower(params).compile()
    cost = compiled.cost_analysis()
    cost = cost[0] if isinstance(cost, list) else cost
    return float(cost.get("flops", float("nan")))


def measure(name, steps, repeats, distributed=True) -> dict:
    """Median seconds per ``fit`` step of workload ``name`` on every visible device."""
    import jax
    import numpy as np

    import lamina
    from lamina import distribution as dist

    lamina.utils.set_random_seed(0)
    scope = dist.DataParallel().scope() if distributed else _Nothing()
    with scope:
        model, x, y, loss, batch = make_workload(name)
        flops = step_flops(model, loss, x, y)
        xs, ys = np.concatenate([x] * steps), np.concatenate([y] * steps)
        model.compile(lamina.optimizers.Adam(1e-3), loss=loss)
        model.fit(xs, ys, batch_size=batch, epochs=1, verbose=0, shuffle=False)  # compile
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            model.fit(xs, ys, batch_size=batch, epochs=1, verbose=0, shuffle=False)
            jax.block_until_ready(model.weights[0].value)
            times.append((time.perf_counter() - start) / steps)
    return {
        "devices": len(jax.devices()),
        "device_kind": jax.devices()[0].device_kind,
        "step_s": statistics.median(times),
        "flops": flops,
        "batch": batch,
    }


class _Nothing:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


# ------------------------------------------------------------------ drivers
def child(args):
    results = {name: measure(name, args.steps, args.repeats) for name in args.workloads}
    print(json.dumps(results))


def run_cpu(args):
    counts = [int(n) for n in args.devices.split(",")]
    print(
        "lamina.distribution.DataParallel fit, global batch fixed; emulated on one CPU:"
        " shape of the curve only."
    )
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, all devices share them"
        f" ({platform.python_implementation()} {platform.python_version()})"
    )
    rows = {}
    for n in counts:
        env = dict(os.environ)
        env.update(
            XLA_FLAGS=f"--xla_force_host_platform_device_count={n}",
            JAX_PLATFORMS="cpu",
            PYTHONPATH=ROOT,
        )
        command = [sys.executable, os.path.abspath(__file__), "--child"]
        command += ["--steps", str(args.steps), "--repeats", str(args.repeats)]
        command += ["--workloads", ",".join(args.workloads)]
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            sys.exit(f"{n} devices failed:\n{done.stderr[-3000:]}")
        rows[n] = json.loads(done.stdout.strip().splitlines()[-1])
    for name in args.workloads:
        base = rows[counts[0]][name]["step_s"]
        batch = rows[counts[0]][name]["batch"]
        gflops = rows[counts[0]][name]["flops"] / 1e9
        print(f"\n{name} (global batch {batch}, {gflops:.2f} GFLOP per forward+backward)")
        print("  devices   ms/step   per-device batch   step time vs 1 device   GFLOP/s")
        for n in counts:
            r = rows[n][name]
            print(
                f"  {n:>7}   {r['step_s'] * 1e3:7.2f}   {batch // n:>16}"
                f"   {r['step_s'] / base:>20.2f}x   {r['flops'] / r['step_s'] / 1e9:7.1f}"
            )


def run_gpu(args):
    import jax

    kind = jax.devices()[0].device_kind
    peak = args.peak_tflops or next((v for k, v in PEAK_TFLOPS.items() if k in kind), None)
    print(f"one {kind} ({jax.default_backend()}), no distribution, float32 (TF32 matmuls)")
    for name in args.workloads:
        r = measure(name, args.steps, args.repeats, distributed=False)
        achieved = r["flops"] / r["step_s"] / 1e12
        share = f"{achieved / peak:.1%} of {peak} TFLOP/s" if peak else "peak unknown"
        print(
            f"  {name:<12} batch {r['batch']:>4}: {r['step_s'] * 1e3:8.3f} ms/step,"
            f" {achieved:8.2f} TFLOP/s = {share}"
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", default="1,2,4,8")
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--workloads", default="mlp,transformer")
    parser.add_argument("--gpu", action="store_true")
    parser.add_argument("--peak-tflops", type=float, default=None)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.workloads = args.workloads.split(",")
    if args.child:
        child(args)
    elif args.gpu:
        run_gpu(args)
    else:
        run_cpu(args)


if __name__ == "__main__":
    main()
