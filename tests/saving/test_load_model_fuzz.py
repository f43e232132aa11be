"""Property: ``load_model`` and ``load_weights`` given damaged or hostile model files
raise only ``LoadError`` (or, for weights that do not fit, ``WeightsMismatchError``),
and a model that fails to load weights is left exactly as it was."""

import json
import os
import tempfile
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lamina
from lamina import layers
from lamina.saving import LoadError, WeightsMismatchError

FUZZ = settings(
    max_examples=int(os.environ.get("LAMINA_FUZZ_EXAMPLES", 60)),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def model():
    return lamina.Sequential([lamina.Input((3,)), layers.Dense(2, name="d"), layers.Dropout(0.1)])


def _saved():
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "m.lamina"
        source = model()
        source.compile(optimizer="adam", loss="mse")
        source.fit(np.ones((4, 3)), np.ones((4, 2)), epochs=1, verbose=0)
        source.save(path)
        source.save_weights(Path(folder) / "w.safetensors")
        return path.read_bytes(), (Path(folder) / "w.safetensors").read_bytes()


ARCHIVE, WEIGHTS = _saved()
TARGET = model()
BEFORE = [v.numpy().copy() for v in TARGET.variables]


def mutations(valid):
    flips = st.lists(st.tuples(st.integers(0, len(valid) - 1), st.integers(1, 255)), max_size=8)
    return st.one_of(
        flips.map(lambda fs: _flip(valid, fs)),
        st.integers(0, len(valid) - 1).map(lambda n: valid[:n]),
        st.binary(max_size=300).map(lambda b: valid[:40] + b + valid[40 + len(b) :]),
    )


def _flip(data, flips):
    out = bytearray(data)
    for index, value in flips:
        out[index] ^= value
    return bytes(out)


@FUZZ
@given(mutations(ARCHIVE))
def test_damaged_model_archives_raise_only_load_error(data):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "m.lamina"
        path.write_bytes(data)
        try:
            lamina.models.load_model(path)
        except LoadError as err:
            assert str(path) in str(err)


@FUZZ
@given(mutations(WEIGHTS))
def test_damaged_weight_files_leave_the_model_unchanged(data):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "w.safetensors"
        path.write_bytes(data)
        try:
            TARGET.load_weights(path)
        except (LoadError, WeightsMismatchError):
            for var, value in zip(TARGET.variables, BEFORE):
                np.testing.assert_array_equal(var.numpy(), value)
        else:
            for var, value in zip(TARGET.variables, BEFORE):
                var.assign(value)


@FUZZ
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=8),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
        max_leaves=12,
    )
)
def test_any_json_in_the_config_raises_only_load_error(value):
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(ARCHIVE)) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    config = json.loads(members["config.json"])
    config["model"]["config"]["layers"][0] = value
    members["config.json"] = json.dumps(config).encode()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "m.lamina"
        with zipfile.ZipFile(path, "w") as archive:
            for name, data in members.items():
                archive.writestr(name, data)
        try:
            lamina.models.load_model(path)
        except LoadError as err:
            assert str(path) in str(err)
