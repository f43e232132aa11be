"""``load_data``: the real Fashion-MNIST from Debian, the search order, ``.npz`` files."""

import os

import numpy as np
import pytest

from lamina.datasets import DatasetError, fashion_mnist, mnist


def test_fashion_mnist_loads_from_the_debian_package():
    assert os.path.isdir(fashion_mnist.DEBIAN_FOLDER), "apt-get install dataset-fashion-mnist"
    (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data()
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    assert y_train.shape == (60000,) and y_test.shape == (10000,)
    for array in (x_train, y_train, x_test, y_test):
        assert array.dtype == np.uint8
    # Fashion-MNIST is balanced: 6000 and 1000 of each of the ten classes.
    assert list(np.bincount(y_train)) == [6000] * 10
    assert list(np.bincount(y_test)) == [1000] * 10
    assert y_train[:3].tolist() == [9, 0, 0] and y_test[:3].tolist() == [9, 2, 1]
    assert x_train.max() == 255 and x_train.min() == 0


def fill_of(data):
    (x_train, _), (x_test, _) = data
    assert len(np.unique(x_train)) == 1 and x_test[0, 0, 0] == x_train[0, 0, 0]
    return int(x_train[0, 0, 0])


def test_the_search_order_is_path_then_env_then_cache_then_debian(
    tmp_path, isolated, write_dataset, small_counts, monkeypatch
):
    given, env, cache = tmp_path / "given", tmp_path / "env", isolated / ".lamina" / "datasets"
    write_dataset(given, fill=1)
    write_dataset(env / "fashion_mnist", fill=2, gz=False)
    write_dataset(cache / "fashion_mnist", fill=3)
    monkeypatch.setenv("LAMINA_DATASETS", str(env))

    assert fill_of(fashion_mnist.load_data(given)) == 1
    assert fill_of(fashion_mnist.load_data(str(tmp_path / "absent"))) == 2
    assert fill_of(fashion_mnist.load_data()) == 2
    monkeypatch.delenv("LAMINA_DATASETS")
    assert fill_of(fashion_mnist.load_data()) == 3
    for name in os.listdir(cache / "fashion_mnist"):
        os.remove(cache / "fashion_mnist" / name)
    monkeypatch.setattr(fashion_mnist, "COUNTS", {"train": 60000, "t10k": 10000})
    (x_train, _), _ = fashion_mnist.load_data()  # Debian's, the real one
    assert len(x_train) == 60000


def test_a_damaged_file_in_an_earlier_place_is_an_error_not_skipped(
    tmp_path, isolated, write_dataset, small_counts
):
    write_dataset(isolated / ".lamina" / "datasets" / "mnist", fill=3)
    write_dataset(tmp_path / "given", fill=1)
    damaged = tmp_path / "given" / "t10k-images-idx3-ubyte.gz"
    damaged.write_bytes(damaged.read_bytes()[:-12])
    with pytest.raises(DatasetError, match=str(damaged)):
        mnist.load_data(tmp_path / "given")


def test_a_folder_with_only_the_test_split_is_passed_over(
    tmp_path, isolated, write_dataset, small_counts
):
    write_dataset(tmp_path / "given", fill=1)
    for name in ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"):
        os.remove(tmp_path / "given" / name)
    write_dataset(isolated / ".lamina" / "datasets" / "mnist", fill=3)
    assert fill_of(mnist.load_data(tmp_path / "given")) == 3


def keras_npz(path, fill, **changes):
    (x_train, y_train) = (np.full((3, 28, 28), fill, np.uint8), np.arange(3, dtype=np.uint8))
    (x_test, y_test) = (np.full((2, 28, 28), fill, np.uint8), np.arange(2, dtype=np.uint8))
    arrays = dict(x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    np.savez(path, **{**arrays, **changes})
    return path


def test_a_keras_npz_loads_as_a_path_or_from_a_folder(tmp_path, isolated, small_counts):
    assert fill_of(mnist.load_data(keras_npz(tmp_path / "mine.npz", fill=4))) == 4
    os.makedirs(isolated / ".lamina" / "datasets" / "mnist")
    keras_npz(isolated / ".lamina" / "datasets" / "mnist" / "mnist.npz", fill=6)
    assert fill_of(mnist.load_data()) == 6


def test_a_wrong_npz_is_an_error_naming_it(tmp_path, small_counts):
    missing_key = tmp_path / "a.npz"
    np.savez(missing_key, x_train=np.zeros((3, 28, 28), np.uint8))
    with pytest.raises(DatasetError, match=f"{missing_key}: no y_train, x_test, y_test"):
        mnist.load_data(missing_key)
    pickled = keras_npz(tmp_path / "b.npz", fill=1, y_test=np.array([object()] * 2))
    with pytest.raises(DatasetError, match=f"{pickled}: not a readable .npz"):
        mnist.load_data(pickled)
    floats = keras_npz(tmp_path / "c.npz", fill=1, x_test=np.zeros((2, 28, 28), np.float32))
    with pytest.raises(DatasetError, match=r"images are float32 \(2, 28, 28\); expected uint8"):
        mnist.load_data(floats)
    truncated = tmp_path / "d.npz"
    truncated.write_bytes(keras_npz(tmp_path / "e.npz", fill=1).read_bytes()[:-40])
    with pytest.raises(DatasetError, match=str(truncated)):
        mnist.load_data(truncated)
    other = tmp_path / "data.txt"
    other.write_text("x")
    with pytest.raises(DatasetError, match="expected a folder or a Keras .npz"):
        mnist.load_data(other)


def test_the_real_counts_are_enforced(tmp_path, write_dataset):
    write_dataset(tmp_path, fill=1)
    with pytest.raises(DatasetError, match="3 examples; this dataset has 60000"):
        mnist.load_data(tmp_path)
