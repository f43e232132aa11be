"""Verified downloads of the MNIST and Fashion-MNIST files (stdlib ``urllib`` only).

Every file lamina downloads is known in advance by its size and SHA-256. Bytes go to a
temporary file in the destination folder and are renamed into place only after both
match, so a cache never holds an unverified, partial or wrong file, and two processes
downloading at once never see each other's half-written files. A file whose digest is
unknown is never downloaded.

Where each digest comes from (the ``.gz`` files exactly as the mirrors serve them):

* MNIST: ``tensorflow_datasets/url_checksums/mnist.txt`` (tensorflow/datasets), the same
  values as pinned for the ``ossci-datasets`` mirror by ports of torchvision.
* Fashion-MNIST: ``tensorflow_datasets/url_checksums/fashion_mnist.txt``; the same files
  are in zalandoresearch/fashion-mnist under ``data/fashion/`` (that repository's
  README lists their MD5s).

The copies on this project's machines (``../shared/data/mnist``, Debian's
``dataset-fashion-mnist``) are recompressed (other gzip headers), so their digests
differ; they are read as local files, which are checked by structure, not by digest.

``MIRRORS`` and ``FILES`` are module-level so that a site (or a test) can point them
elsewhere, e.g. ``download.MIRRORS["mnist"] = ("http://127.0.0.1:8000/",)``.
"""

import hashlib
import http.client
import os
import sys
import tempfile
import urllib.request

from lamina.datasets.idx import DatasetError

# Base URLs, tried in order; a file's URL is base + file name.
MIRRORS = {
    "mnist": (
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
    ),
    "fashion_mnist": (
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        "https://github.com/zalandoresearch/fashion-mnist/raw/master/data/fashion/",
    ),
}

# file name -> (size in bytes, SHA-256 hex); a None digest means "never download".
FILES = {
    "mnist": {
        "train-images-idx3-ubyte.gz": (
            9912422,
            "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
        ),
        "train-labels-idx1-ubyte.gz": (
            28881,
            "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
        ),
        "t10k-images-idx3-ubyte.gz": (
            1648877,
            "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
        ),
        "t10k-labels-idx1-ubyte.gz": (
            4542,
            "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
        ),
    },
    "fashion_mnist": {
        "train-images-idx3-ubyte.gz": (
            26421880,
            "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
        ),
        "train-labels-idx1-ubyte.gz": (
            29515,
            "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
        ),
        "t10k-images-idx3-ubyte.gz": (
            4422102,
            "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
        ),
        "t10k-labels-idx1-ubyte.gz": (
            5148,
            "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
        ),
    },
}

TIMEOUT_S = 30  # per connection and per read; an unreachable host fails at once anyway
_CHUNK = 1 << 16


class DownloadError(DatasetError):
    """No mirror delivered a verified copy of a file.

    ``attempts`` lists ``(url, reason)`` for every mirror tried, in order.
    """

    def __init__(self, message, attempts=()):
        super().__init__(message)
        self.attempts = list(attempts)


def _fetch_verified(url: str, folder: str, filename: str, size: int, sha256: str) -> str:
    """Download ``url`` into ``folder/filename`` if its size and SHA-256 match; the path.

    Raises ``OSError`` / ``ValueError`` with the reason otherwise, leaving nothing behind.
    """
    handle, tmp = tempfile.mkstemp(prefix=f".{filename}.", suffix=".part", dir=folder)
    try:
        digest, got = hashlib.sha256(), 0
        with os.fdopen(handle, "wb") as out, urllib.request.urlopen(url, timeout=TIMEOUT_S) as r:
            # Read at most one byte past the expected size: a wrong file is refused
            # without downloading all of it.
            while got <= size:
                chunk = r.read(min(_CHUNK, size + 1 - got))
                if not chunk:
                    break
                digest.update(chunk)
                out.write(chunk)
                got += len(chunk)
        if got > size:
            raise ValueError(f"size mismatch: larger than the expected {size} bytes")
        if got < size:
            raise ValueError(f"size mismatch: got {got} bytes, expected {size}")
        if digest.hexdigest() != sha256:
            raise ValueError(f"SHA-256 mismatch: got {digest.hexdigest()}, expected {sha256}")
        final = os.path.join(folder, filename)
        os.replace(tmp, final)  # atomic: readers see no file or the whole verified file
        return final
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def download(name: str, filename: str, folder: str, mirrors=None) -> str:
    """Download ``filename`` of dataset ``name`` into ``folder``, verified; its path.

    Mirrors (default ``MIRRORS[name]``) are tried in order until one delivers a file of
    the expected size and SHA-256 (``FILES[name][filename]``). Raises
    :class:`DownloadError` listing every URL tried and why it failed, or at once when no
    digest is known for the file.

    Example::

        path = download("mnist", "t10k-labels-idx1-ubyte.gz", "/tmp/mnist")
    """
    size, sha256 = FILES[name].get(filename, (None, None))
    if sha256 is None:
        raise DownloadError(
            f"{filename}: lamina knows no trusted SHA-256 for this file of {name}, so it will"
            " not download it unverified; put the file in place yourself."
        )
    mirrors = MIRRORS[name] if mirrors is None else mirrors
    created = not os.path.isdir(folder)
    os.makedirs(folder, exist_ok=True)
    attempts = []
    for base in mirrors:
        url = base + filename
        print(f"lamina: downloading {url}", file=sys.stderr)
        try:
            return _fetch_verified(url, folder, filename, size, sha256)
        # URLError, HTTPError and timeouts are OSErrors; IncompleteRead is an HTTPException.
        except (OSError, ValueError, http.client.HTTPException) as err:
            attempts.append((url, f"{type(err).__name__}: {err}"))
    if created and not os.listdir(folder):
        os.rmdir(folder)  # leave no empty cache folder behind after a failed first download
    tried = "".join(f"\n  {url}: {reason}" for url, reason in attempts) or " (no mirrors)"
    raise DownloadError(f"{filename}: no mirror delivered a verified copy. Tried:{tried}", attempts)
