"""Finding a 28x28 dataset: local places first, then a verified download into the cache.

Places, in order: ``path`` (a folder, or a Keras ``.npz`` file), ``$LAMINA_DATASETS/<name>``,
the cache ``~/.lamina/datasets/<name>``, then dataset-specific folders (Debian's). A folder
holds the data when it has the four IDX files (each gzipped or not) or ``<name>.npz``.
A folder that lacks files is skipped; a file that is present but wrong is an error that
names it, never skipped, so a damaged copy is not silently shadowed by another.
"""

import os
import zipfile

import numpy as np

from lamina.datasets import download as _download
from lamina.datasets.idx import (
    SPLITS,
    DatasetError,
    check_split,
    find_file,
    load_split,
    split_stems,
)

ENV = "LAMINA_DATASETS"
NPZ_KEYS = ("x_train", "y_train", "x_test", "y_test")
STEMS = tuple(stem for split in SPLITS for stem in split_stems(split))


def cache_folder(name: str) -> str:
    """``~/.lamina/datasets/<name>``: where downloads go."""
    return os.path.join(os.path.expanduser("~"), ".lamina", "datasets", name)


def places(name: str, path=None, extra=()):
    """``[(location or None, why it is looked at)]`` in search order."""
    env = os.environ.get(ENV)
    return [
        *([(os.fspath(path), "path=")] if path is not None else []),
        (os.path.join(env, name), f"${ENV}") if env else (None, f"${ENV} is not set"),
        (cache_folder(name), "the cache"),
        *[(folder, "system-wide") for folder in extra],
    ]


def missing_files(folder: str):
    """The IDX file names (without ``.gz``) that ``folder`` lacks."""
    return [stem for stem in STEMS if find_file(folder, stem) is None]


def load_npz(file: str, counts):
    """Keras' layout: ``x_train, y_train, x_test, y_test`` in one ``.npz``, no pickles."""
    try:
        with np.load(file, allow_pickle=False) as archive:
            absent = [key for key in NPZ_KEYS if key not in archive.files]
            if absent:
                raise DatasetError(f"{file}: no {', '.join(absent)} (expected keys {NPZ_KEYS}).")
            x_train, y_train, x_test, y_test = (archive[key] for key in NPZ_KEYS)
    except (OSError, EOFError, ValueError, zipfile.BadZipFile) as err:
        if isinstance(err, DatasetError):
            raise
        raise DatasetError(f"{file}: not a readable .npz ({type(err).__name__}: {err}).") from err
    check_split(x_train, y_train, f"{file} (train)", counts["train"])
    check_split(x_test, y_test, f"{file} (test)", counts["t10k"])
    return (x_train, y_train), (x_test, y_test)


def load_folder(folder: str, counts):
    """``((x_train, y_train), (x_test, y_test))`` from the IDX files in ``folder``."""
    return tuple(load_split(folder, split, counts[split]) for split in SPLITS)


def load(name: str, path=None, extra=(), counts=None, title=None):
    """``((x_train, y_train), (x_test, y_test))`` of dataset ``name`` (uint8, ``(n, 28, 28)``
    and ``(n,)``) from the first place that holds it, else downloaded, verified, into the
    cache. ``counts`` maps ``"train"``/``"t10k"`` to the number of examples each must have.
    """
    counts = counts or {split: None for split in SPLITS}
    looked = []
    for where, why in places(name, path, extra):
        if where is None:
            looked.append(why)
        elif os.path.isfile(where):
            if not where.endswith(".npz"):
                raise DatasetError(f"{where}: expected a folder or a Keras .npz file.")
            return load_npz(where, counts)
        elif not os.path.isdir(where):
            looked.append(f"{where} ({why}): no such folder")
        elif os.path.isfile(os.path.join(where, f"{name}.npz")):
            return load_npz(os.path.join(where, f"{name}.npz"), counts)
        elif missing := missing_files(where):
            looked.append(f"{where} ({why}): missing {', '.join(s + '[.gz]' for s in missing)}")
        else:
            return load_folder(where, counts)
    cache = cache_folder(name)
    try:
        for stem in missing_files(cache):
            _download.download(name, stem + ".gz", cache)
    except DatasetError as err:
        raise DatasetError(_offline_message(name, title or name, looked, err)) from err
    return load_folder(cache, counts)


def _offline_message(name, title, looked, err):
    files = _download.FILES.get(name, {})
    digests = "".join(f"\n  {f}  {size} bytes  sha256 {sha}" for f, (size, sha) in files.items())
    return (
        f"{title} is not on this machine and could not be downloaded.\n"
        "Looked in:\n  " + "\n  ".join(looked) + f"\nDownload failed: {err}\n"
        "To provide the files, put the four IDX files"
        f" ({', '.join(stem + '[.gz]' for stem in STEMS)}), or a Keras {name}.npz,"
        f" in {cache_folder(name)} or in ${ENV}/{name}, or pass load_data(path=FOLDER_OR_NPZ)."
        + (f"\nThe upstream .gz files are:{digests}" if digests else "")
    )
