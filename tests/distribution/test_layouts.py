"""Meshes, layouts, layout maps and the active distribution, in process (one device).

Layout lookups follow Keras 3's ``LayoutMap`` (exact key first, then regex rules;
several matches are an error), with ``re.search`` as the regex match.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.sharding import NamedSharding, PartitionSpec

import lamina
from lamina import distribution as dist
from lamina.core import registry


@pytest.fixture
def mesh():
    return dist.DeviceMesh((1, 1), ("batch", "model"))


@pytest.fixture(autouse=True)
def no_distribution_left():
    yield
    dist.set_distribution(None)


def test_device_mesh_wraps_a_jax_mesh():
    mesh = dist.DeviceMesh((1,), ("batch",))
    assert mesh.shape == (1,) and mesh.axis_names == ("batch",)
    assert mesh.backend_mesh == jax.sharding.Mesh(np.array(jax.devices()[:1]), ("batch",))
    assert list(mesh.devices.ravel()) == dist.list_devices()[:1]


@pytest.mark.parametrize(
    "shape, names, fragment",
    [
        ((2, 4), ("batch", "model"), "needs 8 devices"),
        ((1,), ("batch", "model"), "same length"),
        ((1, 1), ("batch", "batch"), "distinct"),
        ((), (), "non-empty"),
    ],
)
def test_device_mesh_refuses_bad_arguments(shape, names, fragment):
    with pytest.raises(ValueError, match=fragment):
        dist.DeviceMesh(shape, names)


def test_layout_map_matches_keras_lookup_rules(mesh):
    layout_map = dist.LayoutMap(mesh)
    layout_map["dense.*kernel"] = (None, "model")
    layout_map["dense.*bias"] = ("model",)
    layout_map["encoder/dense_proj/kernel"] = ("model", None)
    assert layout_map["dense_1/kernel"].axes == (None, "model")
    assert layout_map["my_model/dense_3/bias"].axes == ("model",)
    assert layout_map["conv2d/kernel"] is None
    # An exact key wins over the rules that would also match it.
    assert layout_map["encoder/dense_proj/kernel"].axes == ("model", None)
    assert layout_map["dense_1/kernel"].partition_spec == PartitionSpec(None, "model")
    assert layout_map["dense_1/kernel"].backend_layout == NamedSharding(
        mesh.backend_mesh, PartitionSpec(None, "model")
    )
    assert len(layout_map) == 3 and list(layout_map)[0] == "dense.*kernel"
    del layout_map["dense.*bias"]
    assert layout_map["dense/bias"] is None


def test_layout_map_errors_name_the_rule(mesh):
    layout_map = dist.LayoutMap(mesh)
    with pytest.raises(ValueError, match=r"\['modle'\].*valid names are \['batch', 'model'\]"):
        layout_map["kernel"] = (None, "modle")
    with pytest.raises(ValueError, match="not a valid regex"):
        layout_map["dense[("] = (None, "model")
    with pytest.raises(TypeError, match="TensorLayout or a tuple"):
        layout_map["dense"] = "model"
    layout_map["kernel"] = (None, "model")
    with pytest.raises(ValueError, match="already set"):
        layout_map["kernel"] = ("model", None)
    layout_map["dense"] = (None, None)
    with pytest.raises(ValueError, match="matches several rules"):
        layout_map["dense/kernel"]


def test_model_parallel_checks_its_arguments(mesh):
    layout_map = dist.LayoutMap(mesh)
    with pytest.raises(ValueError, match="batch_dim_name='data' is not an axis"):
        dist.ModelParallel(layout_map=layout_map, batch_dim_name="data")
    with pytest.raises(ValueError, match="must be a lamina.distribution.LayoutMap"):
        dist.ModelParallel(layout_map={"kernel": (None, "model")})
    parallel = dist.ModelParallel(layout_map=layout_map)
    assert parallel.batch_dim_name == "batch" and parallel.device_mesh is mesh
    data = dist.DataParallel(devices=jax.devices()[:1])
    assert data.batch_dim_name == "batch" and data.device_mesh.shape == (1,)
    assert data.get_data_layout((16, 3)).axes == ("batch", None)


def test_set_distribution_and_scope_switch_the_creation_hook(mesh):
    parallel = dist.DataParallel(devices=jax.devices()[:1])
    assert dist.distribution() is None and registry.hook("initial_value") is None
    with parallel.scope():
        assert dist.distribution() is parallel
        assert registry.hook("initial_value") is not None
    assert dist.distribution() is None and registry.hook("initial_value") is None
    dist.set_distribution(parallel)
    assert dist.distribution() is parallel
    with pytest.raises(TypeError, match="expects a lamina.distribution.Distribution"):
        dist.set_distribution("data_parallel")


def test_layouts_that_do_not_fit_a_variable_name_its_path(mesh):
    layout_map = dist.LayoutMap(mesh)
    layout_map["dense"] = (None, "model")  # also matches the 1-D bias
    with dist.ModelParallel(layout_map=layout_map).scope():
        with pytest.raises(ValueError, match=r"gives 'dense\w*/bias' has 2 entries.*shape \(4,\)"):
            lamina.layers.Dense(4)(jnp.ones((2, 3)))


def test_variables_under_a_distribution_keep_their_initializers_values(mesh):
    layout_map = dist.LayoutMap(mesh)
    layout_map["kernel"] = (None, "model")
    init = lamina.initializers.GlorotUniform(seed=3)
    expected = np.asarray(init((3, 4)))
    with dist.ModelParallel(layout_map=layout_map).scope():
        layer = lamina.layers.Dense(4, kernel_initializer=lamina.initializers.GlorotUniform(seed=3))
        layer.build((None, 3))
        kernel = layer.kernel.value
        params, _ = jax.jit(layer.init)(jax.random.key(0), jnp.ones((2, 3)))
    np.testing.assert_array_equal(np.asarray(kernel), expected)
    assert kernel.sharding.spec == PartitionSpec(None, "model")
    # The pure init draws from its key (as without a distribution), laid out.
    reference = lamina.initializers.GlorotUniform().sample(
        lamina.core.random.path_key(jax.random.key(0), "kernel"), (3, 4), "float32"
    )
    np.testing.assert_array_equal(np.asarray(params["kernel"]), np.asarray(reference))
    # (on a 1x1 mesh JAX reports the equivalent replicated spec)
    wanted = NamedSharding(mesh.backend_mesh, PartitionSpec(None, "model"))
    assert params["kernel"].sharding.is_equivalent_to(wanted, 2)


def test_distribute_tensor_places_arrays_and_constrains_traced_values(mesh):
    layout = dist.TensorLayout(("batch", None), mesh)
    x = jnp.arange(6.0).reshape(2, 3)
    placed = dist.distribute_tensor(x, layout)
    assert placed.sharding == layout.backend_layout
    np.testing.assert_array_equal(np.asarray(placed), np.asarray(x))
    jaxpr = jax.make_jaxpr(lambda v: dist.distribute_tensor(v * 2, layout))(x)
    assert "sharding_constraint" in str(jaxpr)
