"""Shared fixtures: an isolated home and cache, no real network, small fake datasets."""

import gzip
import hashlib
import http.server
import os
import threading

import numpy as np
import pytest

from lamina.datasets import download

# Nothing listens on the discard port of the loopback: a connection there fails at once.
DEAD = "http://127.0.0.1:9/"
SMALL = {"train": 3, "t10k": 2}


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """Every test gets its own ``~`` (so its own cache), no ``$LAMINA_DATASETS``, and
    mirrors that cannot reach the internet: no test ever downloads for real."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("LAMINA_DATASETS", raising=False)
    for name in download.MIRRORS:
        monkeypatch.setitem(download.MIRRORS, name, (DEAD,))
    return home


def idx_bytes(array: np.ndarray) -> bytes:
    """``array`` (uint8) as an IDX file."""
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(
        int(d).to_bytes(4, "big") for d in array.shape
    )
    return header + array.tobytes()


def fake_split(n: int, fill: int):
    """Images all ``fill`` (so a test can tell sources apart) and labels 0, 1, 2, ..."""
    images = np.full((n, 28, 28), fill, np.uint8)
    labels = (np.arange(n) % 10).astype(np.uint8)
    return images, labels


@pytest.fixture
def write_dataset():
    """``write_dataset(folder, fill, gz=True)``: four small IDX files (3 train, 2 test)
    in ``folder``; returns ``((x_train, y_train), (x_test, y_test))``."""

    def write(folder, fill, gz=True):
        os.makedirs(folder, exist_ok=True)
        data = []
        for split, n in SMALL.items():
            images, labels = fake_split(n, fill)
            for kind, array in (("images-idx3", images), ("labels-idx1", labels)):
                name = os.path.join(folder, f"{split}-{kind}-ubyte")
                raw = idx_bytes(array)
                with open(name + ".gz", "wb") if gz else open(name, "wb") as out:
                    out.write(gzip.compress(raw, mtime=0) if gz else raw)
            data.append((images, labels))
        return tuple(data)

    return write


@pytest.fixture
def small_counts(monkeypatch):
    """Let the real loaders accept the 3 + 2 example fakes."""
    from lamina.datasets import fashion_mnist, mnist

    for module in (mnist, fashion_mnist):
        monkeypatch.setattr(module, "COUNTS", dict(SMALL))


@pytest.fixture
def digests():
    """``digests(folder)``: ``{file name: (size, sha256)}`` of the ``.gz`` files there."""

    def compute(folder):
        out = {}
        for name in sorted(os.listdir(folder)):
            if name.endswith(".gz"):
                raw = open(os.path.join(folder, name), "rb").read()
                out[name] = (len(raw), hashlib.sha256(raw).hexdigest())
        return out

    return compute


class _Quiet(http.server.SimpleHTTPRequestHandler):
    requests = None  # set per server

    def log_message(self, *args):  # keep pytest output clean
        pass

    def do_GET(self):
        self.requests.append(self.path)
        super().do_GET()


@pytest.fixture
def serve(tmp_path):
    """``serve(folder)``: an HTTP server on 127.0.0.1 in a thread serving ``folder``;
    returns ``(base_url, requests)`` where ``requests`` lists the paths asked for."""
    servers = []

    def start(folder):
        requests = []
        handler = type("Handler", (_Quiet,), {"requests": requests})
        server = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), lambda *a: handler(*a, directory=str(folder))
        )
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/", requests

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()
