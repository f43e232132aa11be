"""LoadError: one class, a message that names the file, the member and the problem."""

import json
import pickle
from pathlib import Path

import pytest

from lamina.saving import LoadError
from lamina.saving.errors import reraise_as_load_error, shown


def test_message_names_file_member_and_reason():
    error = LoadError(Path("/tmp/m.lamina"), "tensor 'k' is cut", member="model.safetensors")
    assert str(error) == "/tmp/m.lamina: member 'model.safetensors': tensor 'k' is cut"
    assert (error.path, error.member, error.reason) == (
        "/tmp/m.lamina",
        "model.safetensors",
        "tensor 'k' is cut",
    )
    assert isinstance(error, ValueError)
    assert str(LoadError("w.safetensors", "bad")) == "w.safetensors: bad"


def test_survives_pickling_for_multiprocessing():
    error = pickle.loads(pickle.dumps(LoadError("/f", "bad", member="m")))
    assert (str(error), error.member) == ("/f: member 'm': bad", "m")


@pytest.mark.parametrize(
    "raise_, text",
    [
        (lambda: json.loads("{"), "invalid JSON"),
        (lambda: b"\xff".decode(), "UnicodeDecodeError"),
        (lambda: bytearray(2**62), "cannot be allocated"),
    ],
)
def test_parser_errors_become_load_errors_with_the_cause_kept(raise_, text):
    with pytest.raises(LoadError, match=f"^/f: reading failed: .*{text}") as info:
        with reraise_as_load_error("/f"):
            raise_()
    assert info.value.__cause__ is not None


def test_bugs_are_not_disguised_as_bad_files():
    with pytest.raises(TypeError):
        with reraise_as_load_error("/f"):
            len(3)


def test_long_names_are_cut_in_messages():
    assert shown("abc") == "'abc'"
    assert shown("x" * 10_000).endswith("... (10002 characters)")
