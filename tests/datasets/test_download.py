"""Downloads, served from 127.0.0.1 or ``file://``: verified, atomic, mirrors in order."""

import hashlib
import os
import re

import numpy as np
import pytest

from lamina.datasets import DatasetError, DownloadError, download, mnist

DEAD = "http://127.0.0.1:9/"  # nothing listens there: refused at once


@pytest.fixture
def upstream(tmp_path, write_dataset, digests, serve, monkeypatch, small_counts):
    """A fake MNIST served over HTTP, with its true sizes and digests registered."""
    folder = tmp_path / "upstream"
    data = write_dataset(folder, fill=7)
    monkeypatch.setitem(download.FILES, "mnist", digests(folder))
    url, requests = serve(folder)
    return data, url, requests, folder


def cache_of(home):
    return home / ".lamina" / "datasets" / "mnist"


def test_a_verified_download_is_cached_and_loaded(upstream, isolated, monkeypatch):
    data, url, requests, _ = upstream
    monkeypatch.setitem(download.MIRRORS, "mnist", (url,))
    loaded = mnist.load_data()
    for want, got in zip(data, loaded):
        np.testing.assert_array_equal(want[0], got[0])
        np.testing.assert_array_equal(want[1], got[1])
    cached = sorted(os.listdir(cache_of(isolated)))
    assert cached == sorted(download.FILES["mnist"])  # no temporary files left
    for name, (_, sha) in download.FILES["mnist"].items():
        assert hashlib.sha256((cache_of(isolated) / name).read_bytes()).hexdigest() == sha
    assert len(requests) == 4
    mnist.load_data()  # the second time comes from the cache
    assert len(requests) == 4


def test_only_the_missing_files_are_downloaded(upstream, isolated, monkeypatch):
    _, url, requests, folder = upstream
    monkeypatch.setitem(download.MIRRORS, "mnist", (url,))
    cache = cache_of(isolated)
    cache.mkdir(parents=True)
    name = "t10k-labels-idx1-ubyte.gz"
    (cache / name).write_bytes((folder / name).read_bytes())
    mnist.load_data()
    assert sorted(requests) == sorted(
        "/" + f for f in download.FILES["mnist"] if f != "t10k-labels-idx1-ubyte.gz"
    )


def test_a_wrong_digest_is_refused_and_nothing_is_cached(upstream, isolated, monkeypatch):
    _, url, _, _ = upstream
    monkeypatch.setitem(download.MIRRORS, "mnist", (url,))
    size, _ = download.FILES["mnist"]["train-images-idx3-ubyte.gz"]
    monkeypatch.setitem(download.FILES["mnist"], "train-images-idx3-ubyte.gz", (size, "0" * 64))
    with pytest.raises(DatasetError, match="SHA-256 mismatch") as caught:
        mnist.load_data()
    assert isinstance(caught.value.__cause__, DownloadError)
    assert not cache_of(isolated).exists()


def test_a_wrong_size_is_refused_and_only_verified_files_stay(upstream, isolated, monkeypatch):
    _, url, _, _ = upstream
    monkeypatch.setitem(download.MIRRORS, "mnist", (url,))
    _, sha = download.FILES["mnist"]["t10k-images-idx3-ubyte.gz"]
    monkeypatch.setitem(download.FILES["mnist"], "t10k-images-idx3-ubyte.gz", (10, sha))
    with pytest.raises(DatasetError, match="larger than the expected 10 bytes"):
        mnist.load_data()
    # The two train files came first and were verified; the bad one left no trace.
    assert sorted(os.listdir(cache_of(isolated))) == [
        "train-images-idx3-ubyte.gz",
        "train-labels-idx1-ubyte.gz",
    ]


def test_when_the_first_mirror_fails_the_second_is_used(upstream, monkeypatch, tmp_path):
    data, url, requests, _ = upstream
    monkeypatch.setitem(download.MIRRORS, "mnist", (DEAD, url))
    (x_train, _), _ = mnist.load_data()
    np.testing.assert_array_equal(x_train, data[0][0])
    assert len(requests) == 4


def test_a_file_url_mirror_works(upstream, monkeypatch, tmp_path):
    data, _, _, folder = upstream
    missing = (tmp_path / "nowhere").as_uri() + "/"
    monkeypatch.setitem(download.MIRRORS, "mnist", (missing, folder.as_uri() + "/"))
    (_, _), (x_test, y_test) = mnist.load_data()
    np.testing.assert_array_equal(y_test, data[1][1])


def test_offline_the_error_lists_every_place_and_mirror_and_says_what_to_do(
    upstream, isolated, monkeypatch, tmp_path
):
    _, url, _, _ = upstream
    monkeypatch.setitem(download.MIRRORS, "mnist", (DEAD, url + "missing/"))
    monkeypatch.setenv("LAMINA_DATASETS", str(tmp_path / "env"))
    with pytest.raises(DatasetError) as caught:
        mnist.load_data(tmp_path / "given")
    message = str(caught.value)
    for place in (tmp_path / "given", tmp_path / "env" / "mnist", cache_of(isolated)):
        assert f"{place} (" in message
    assert f"{DEAD}train-images-idx3-ubyte.gz: URLError" in message
    assert f"{url}missing/train-images-idx3-ubyte.gz: HTTPError: HTTP Error 404" in message
    assert re.search(r"put the four IDX files \(train-images-idx3-ubyte\[\.gz\]", message)
    assert f"in {cache_of(isolated)} or in $LAMINA_DATASETS/mnist" in message
    assert "load_data(path=" in message


UPSTREAM_SIZES = {
    "mnist": {
        "train-images": 9912422,
        "train-labels": 28881,
        "t10k-images": 1648877,
        "t10k-labels": 4542,
    },
    "fashion_mnist": {
        "train-images": 26421880,
        "train-labels": 29515,
        "t10k-images": 4422102,
        "t10k-labels": 5148,
    },
}


def test_every_upstream_file_has_its_known_size_and_a_sha256():
    # Not a download: the module's own table, against the sizes the mirrors serve.
    for name, sizes in UPSTREAM_SIZES.items():
        files = download.FILES[name]
        assert {f[: f.index("-idx")]: size for f, (size, _) in files.items()} == sizes
        for _, sha in files.values():
            assert re.fullmatch("[0-9a-f]{64}", sha)


def test_a_file_without_a_known_digest_is_never_downloaded(upstream, monkeypatch):
    _, url, requests, _ = upstream
    monkeypatch.setitem(download.MIRRORS, "mnist", (url,))
    monkeypatch.setitem(download.FILES["mnist"], "train-images-idx3-ubyte.gz", (100, None))
    with pytest.raises(DatasetError, match="no trusted SHA-256 .* will not download it"):
        mnist.load_data()
    assert requests == []
