"""Checks on 8 emulated CPU devices; run by test_multi_device.py in a subprocess.

The parent sets ``XLA_FLAGS=--xla_force_host_platform_device_count=8`` (it must be
set before JAX starts, hence the subprocess). This script trains one small model
several ways and prints one JSON object of plain numbers, shapes and specs that
the tests compare: to a plain-JAX training loop, and each distributed run to the
single-device one.
"""

import json
import sys
import tempfile

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import NamedSharding
from jax.sharding import PartitionSpec as P

import lamina
from lamina import distribution as dist
from lamina.distribution import placement

N, D_IN, HIDDEN, D_OUT, BATCH, EPOCHS, LR, MOMENTUM = 64, 8, 16, 8, 16, 2, 0.1, 0.9
rng = np.random.default_rng(0)
X = rng.normal(size=(N, D_IN)).astype("float32")
Y = rng.normal(size=(N, D_OUT)).astype("float32")


def make_model():
    lamina.reset_names()
    lamina.utils.set_random_seed(0)
    return lamina.Sequential(
        [
            lamina.Input((D_IN,)),
            lamina.layers.Dense(HIDDEN, activation="relu"),
            lamina.layers.Dense(D_OUT),
        ]
    )


def layouts(mesh):
    layout_map = dist.LayoutMap(mesh)
    layout_map["dense.*kernel"] = (None, "model")
    return layout_map


def spec(array):
    """The partition spec as text; a single-device array has none."""
    sharding = array.sharding
    return repr(tuple(sharding.spec)) if hasattr(sharding, "spec") else "single-device"


def specs(model):
    return {v.path: spec(v.value) for v in model.weights}


def shard_shapes(model):
    return {
        v.path: sorted({s.data.shape for s in v.value.addressable_shards}) for v in model.weights
    }


def weights(model):
    return {v.path: v.numpy().tolist() for v in model.weights}


def train(distribution=None, build_inside=True):
    """Build (inside the distribution's scope or before it), fit, predict, evaluate."""
    out = {}
    model = None if build_inside else make_model()
    with distribution.scope() if distribution else _nothing():
        if model is None:
            model = make_model()
            if distribution is not None:
                out["created_specs"] = specs(model)
                out["created_shards"] = shard_shapes(model)
        out["initial"] = weights(model)
        model.compile(lamina.optimizers.SGD(LR, momentum=MOMENTUM), "mse", steps_per_execution=2)
        history = model.fit(X, Y, batch_size=BATCH, epochs=EPOCHS, shuffle=False, verbose=0)
        out["loss"] = history.history["loss"]
        out["weights"] = weights(model)
        out["specs"] = specs(model)
        out["shards"] = shard_shapes(model)
        out["devices"] = len(model.weights[0].value.sharding.device_set)
        trace = model.optimizer.state.inner_state
        out["opt_specs"] = [
            spec(leaf) for leaf in jax.tree.leaves(trace) if getattr(leaf, "ndim", 0) == 2
        ]
        # 12 rows in batches of 8: the last one (4 rows) is padded on 8 devices.
        out["predict"] = model.predict(X[:12], batch_size=8, verbose=0).tolist()
        out["evaluate"] = model.evaluate(X, Y, batch_size=BATCH, verbose=0)
    return out, model


class _nothing:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


def reference(initial):
    """The same training in plain JAX: Keras' SGD with momentum on the MSE, in order."""
    params = {k: jnp.asarray(v) for k, v in initial.items()}

    def loss_fn(p, x, y):
        h = jax.nn.relu(x @ p["dense/kernel"] + p["dense/bias"])
        return jnp.mean((h @ p["dense_1/kernel"] + p["dense_1/bias"] - y) ** 2)

    grad = jax.jit(jax.value_and_grad(loss_fn))
    velocity = jax.tree.map(jnp.zeros_like, params)
    losses = []
    for _ in range(EPOCHS):
        epoch = []
        for start in range(0, N, BATCH):
            loss, g = grad(params, X[start : start + BATCH], Y[start : start + BATCH])
            velocity = jax.tree.map(lambda v, g: MOMENTUM * v - LR * g, velocity, g)
            params = jax.tree.map(lambda p, v: p + v, params, velocity)
            epoch.append(float(loss))
        losses.append(float(np.mean(epoch)))
    return {"loss": losses, "weights": {k: np.asarray(v).tolist() for k, v in params.items()}}


def apply_under_jit(model, mesh):
    """A user's jax.jit of apply, with sharded params, state and batch."""
    with dist.ModelParallel(layout_map=_bn_layouts(mesh), batch_dim_name="batch").scope():
        lamina.reset_names()
        net = lamina.Sequential(
            [lamina.Input((D_IN,)), lamina.layers.Dense(HIDDEN), lamina.layers.BatchNormalization()]
        )
    params, state = net.split()
    x = jax.device_put(X[:BATCH], NamedSharding(mesh.backend_mesh, P("batch")))
    fn = jax.jit(lambda p, s, x: net.apply(p, s, x, training=True))
    compiled = fn.lower(params, state, x).compile()
    y, new_state = fn(params, state, x)
    plain = jax.tree.map(np.asarray, (params, state))
    y_ref, state_ref = net.apply(*plain, X[:BATCH], training=True)
    moving = new_state["batch_normalization"]["moving_mean"]
    return {
        "param_in_specs": sorted(
            repr(tuple(s.spec)) for s in jax.tree.leaves(compiled.input_shardings[0][0])
        ),
        "param_specs": sorted(repr(tuple(a.sharding.spec)) for a in jax.tree.leaves(params)),
        "moving_mean_spec": repr(tuple(moving.sharding.spec)),
        "output_error": float(np.max(np.abs(np.asarray(y) - np.asarray(y_ref)))),
        "state_error": float(
            np.max(np.abs(np.asarray(moving) - state_ref["batch_normalization"]["moving_mean"]))
        ),
    }


def _bn_layouts(mesh):
    layout_map = dist.LayoutMap(mesh)
    layout_map["dense.*kernel"] = (None, "model")
    layout_map["moving_(mean|variance)"] = ("model",)
    return layout_map


def errors(data_parallel):
    out = {}
    with data_parallel.scope():
        model = make_model()
        model.compile("sgd", "mse")
        try:
            model.fit(X[:48], Y[:48], batch_size=12, verbose=0)
        except ValueError as err:
            out["indivisible_batch"] = str(err)
    batch, size = placement.distribute_batch(data_parallel, (X[:BATCH], Y[:BATCH], None))
    out["batch_shards"] = sorted({s.data.shape for s in batch[0].addressable_shards})
    out["batch_size"] = size
    return out


def callbacks_in_fit(data_parallel):
    """A learning-rate schedule set by a callback reaches the distributed steps."""
    seen = []
    with data_parallel.scope():
        model = make_model()
        model.compile(lamina.optimizers.SGD(0.1), "mse")
        schedule = lamina.callbacks.LearningRateScheduler(lambda epoch, lr: 0.1 * 0.5**epoch)
        record = lamina.callbacks.LambdaCallback(
            on_epoch_end=lambda epoch, logs: seen.append(float(model.optimizer.learning_rate))
        )
        model.fit(X, Y, batch_size=BATCH, epochs=3, verbose=0, callbacks=[schedule, record])
    return {"learning_rates": seen, "devices": len(model.weights[0].value.sharding.device_set)}


def orbax_round_trip(trained, directory):
    """Save the 2x4-mesh model with orbax; restore onto a 4x2 mesh and onto one device."""
    try:
        from lamina.saving.orbax_io import OrbaxCheckpointer
    except ImportError as err:
        return {"skipped": str(err)}
    saved = weights(trained)
    saved_opt = [np.asarray(a).tolist() for a in jax.tree.leaves(trained.optimizer.state)]
    with OrbaxCheckpointer(directory, max_to_keep=2) as checkpointer:
        for step in (1, 2, 3):
            checkpointer.save(trained, step)
        checkpointer.wait_until_finished()
        steps = checkpointer.all_steps()
    out = {"steps": steps}
    mesh = dist.DeviceMesh((4, 2), ("batch", "model"))
    with dist.ModelParallel(layout_map=layouts(mesh)).scope():
        model = make_model()
        model.compile(lamina.optimizers.SGD(LR, momentum=MOMENTUM), "mse")
        out["restored_step"] = OrbaxCheckpointer(directory).restore(model)
        out["specs"] = specs(model)
        out["mesh"] = list(model.weights[0].value.sharding.mesh.devices.shape)
        out["shards"] = shard_shapes(model)
    out["weights_equal"] = weights(model) == saved
    restored_opt = [np.asarray(a).tolist() for a in jax.tree.leaves(model.optimizer.state)]
    out["optimizer_equal"] = restored_opt == saved_opt
    single = make_model()
    OrbaxCheckpointer(directory).restore(single, step=2)
    out["single_device_equal"] = weights(single) == saved
    out["single_device_count"] = len(single.weights[0].value.sharding.device_set)
    return out


def main():
    results = {"devices": len(jax.devices())}
    single, _ = train(None)
    results["single"] = single
    results["reference"] = reference(single["initial"])
    results["data_parallel"], _ = train(dist.DataParallel())
    mesh_1x8 = dist.DeviceMesh((1, 8), ("batch", "model"))
    results["model_parallel"], _ = train(dist.ModelParallel(layout_map=layouts(mesh_1x8)))
    mesh_2x4 = dist.DeviceMesh((2, 4), ("batch", "model"))
    both = dist.ModelParallel(layout_map=layouts(mesh_2x4), batch_dim_name="batch")
    results["mesh_2x4"], trained = train(both)
    results["placed_at_fit"], _ = train(both, build_inside=False)
    results["apply_under_jit"] = apply_under_jit(trained, mesh_2x4)
    results["errors"] = errors(dist.DataParallel())
    results["callbacks"] = callbacks_in_fit(dist.DataParallel())
    with tempfile.TemporaryDirectory() as directory:
        results["orbax"] = orbax_round_trip(trained, directory + "/ckpt")
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
