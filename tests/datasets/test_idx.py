"""IDX reading: the real MNIST test split decodes exactly; damaged files are errors."""

import gzip
import os
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lamina.datasets import DatasetError, load_split, read_idx

MNIST = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "mnist"


def decode_by_hand(path, header):
    """An independent decode: gunzip, skip the fixed MNIST header, take the bytes."""
    with gzip.open(path, "rb") as handle:
        return np.frombuffer(handle.read()[header:], np.uint8)


def test_the_real_mnist_test_split_matches_an_independent_decode():
    x, y = load_split(str(MNIST), "t10k")
    assert x.shape == (10000, 28, 28) and x.dtype == np.uint8
    assert y.shape == (10000,) and y.dtype == np.uint8
    images = decode_by_hand(MNIST / "t10k-images-idx3-ubyte.gz", 16).reshape(10000, 28, 28)
    labels = decode_by_hand(MNIST / "t10k-labels-idx1-ubyte.gz", 8)
    np.testing.assert_array_equal(x, images)
    np.testing.assert_array_equal(y, labels)
    # Known facts of MNIST's test split (also in ../shared/data/mnist/README.md).
    assert y[0] == 7 and list(y[:5]) == [7, 2, 1, 0, 4]
    counts = np.bincount(y, minlength=10)
    assert counts.sum() == 10000
    assert list(counts) == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def test_load_split_reads_one_split_when_the_other_is_absent():
    # The shared folder has no training split; the test split alone still loads.
    assert not any(name.startswith("train") for name in os.listdir(MNIST))
    x, _ = load_split(str(MNIST), "t10k", count=10000)
    assert len(x) == 10000
    with pytest.raises(DatasetError, match="missing train-images-idx3-ubyte"):
        load_split(str(MNIST), "train")


@pytest.fixture
def plain_and_gz(tmp_path, write_dataset):
    write_dataset(tmp_path / "gz", fill=5)
    write_dataset(tmp_path / "plain", fill=5, gz=False)
    return tmp_path


def test_plain_and_gzipped_idx_read_the_same(plain_and_gz):
    gz = load_split(str(plain_and_gz / "gz"), "train")
    plain = load_split(str(plain_and_gz / "plain"), "train")
    for a, b in zip(gz, plain):
        np.testing.assert_array_equal(a, b)


def test_a_truncated_plain_idx_file_is_an_error_naming_it(plain_and_gz):
    path = plain_and_gz / "plain" / "train-images-idx3-ubyte"
    path.write_bytes(path.read_bytes()[:-1])
    with pytest.raises(DatasetError, match=f"{path}.*truncated or corrupt"):
        load_split(str(plain_and_gz / "plain"), "train")


def test_a_truncated_gz_file_is_an_error_naming_it(plain_and_gz):
    path = plain_and_gz / "gz" / "t10k-labels-idx1-ubyte.gz"
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(DatasetError, match=f"{path}.*truncated"):
        load_split(str(plain_and_gz / "gz"), "t10k")


def test_a_truncated_real_gz_file_is_an_error_naming_it(tmp_path):
    path = tmp_path / "t10k-images-idx3-ubyte.gz"
    path.write_bytes((MNIST / path.name).read_bytes()[:500_000])
    with pytest.raises(DatasetError, match=str(path)):
        read_idx(str(path))


def test_a_corrupt_gz_body_is_an_error_naming_it(plain_and_gz):
    path = plain_and_gz / "gz" / "train-images-idx3-ubyte.gz"
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    path.write_bytes(bytes(raw))
    with pytest.raises(DatasetError, match=str(path)):
        read_idx(str(path))


def test_a_file_that_is_not_idx_is_an_error(tmp_path):
    path = tmp_path / "train-images-idx3-ubyte"
    path.write_bytes(b"<html>not found</html>")
    with pytest.raises(DatasetError, match="not an IDX file"):
        read_idx(str(path))


def test_labels_out_of_range_or_mismatched_counts_are_errors(tmp_path, write_dataset):
    write_dataset(tmp_path, fill=1, gz=False)
    labels = tmp_path / "train-labels-idx1-ubyte"
    raw = bytearray(labels.read_bytes())
    raw[-1] = 10
    labels.write_bytes(bytes(raw))
    with pytest.raises(DatasetError, match=r"a label is 10; labels must lie in \[0, 9\]"):
        load_split(str(tmp_path), "train")
    labels.write_bytes(bytes([0, 0, 8, 1, 0, 0, 0, 2, 0, 1]))  # a valid file of 2 labels
    with pytest.raises(DatasetError, match="3 images but 2 labels"):
        load_split(str(tmp_path), "train")
    with pytest.raises(DatasetError, match="2 examples; this dataset has 10000"):
        load_split(str(tmp_path), "t10k", count=10000)


SMALL_GZ = gzip.compress(bytes([0, 0, 8, 1, 0, 0, 0, 40]) + bytes(range(40)), mtime=0)


@settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(st.data())
def test_a_damaged_gz_file_never_yields_a_silently_wrong_array(tmp_path, data):
    # Truncate it or flip a bit: either the original array comes back (the bit was in a
    # gzip header field that does not touch the data) or DatasetError; nothing else.
    raw = bytearray(SMALL_GZ)
    if data.draw(st.booleans()):
        raw = raw[: data.draw(st.integers(0, len(raw) - 1))]
    else:
        raw[data.draw(st.integers(0, len(raw) - 1))] ^= 1 << data.draw(st.integers(0, 7))
    path = tmp_path / "labels.gz"
    path.write_bytes(bytes(raw))
    try:
        array = read_idx(str(path))
    except DatasetError:
        return
    np.testing.assert_array_equal(array, np.arange(40, dtype=np.uint8))
