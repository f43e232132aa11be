"""Finding a 28x28 dataset on this machine (no download yet: see the datasets issue)."""

import os

import numpy as np

from lamina.datasets.idx import DatasetError, load_split


def candidate_folders(name: str, path, extra=()):
    """Where ``name`` is looked for, in order."""
    folders = []
    if path is not None:
        folders.append(str(path))
    env = os.environ.get("LAMINA_DATASETS")
    if env:
        folders += [os.path.join(env, name), env]
    folders.append(os.path.join(os.path.expanduser("~"), ".lamina", "datasets", name))
    folders += list(extra)
    return folders


def load(name: str, path=None, extra=()):
    """``((x_train, y_train), (x_test, y_test))`` from the first folder holding all four
    IDX files, or a ``.npz`` file with Keras' keys."""
    problems = []
    for folder in candidate_folders(name, path, extra):
        if os.path.isfile(folder) and folder.endswith(".npz"):
            with np.load(folder, allow_pickle=False) as archive:
                return (
                    (archive["x_train"], archive["y_train"]),
                    (archive["x_test"], archive["y_test"]),
                )
        if not os.path.isdir(folder):
            problems.append(f"{folder}: no such folder")
            continue
        try:
            return load_split(folder, "train"), load_split(folder, "t10k")
        except DatasetError as err:
            problems.append(str(err))
    raise DatasetError(
        f"{name} was not found on this machine. Looked in:\n  "
        + "\n  ".join(problems)
        + "\nPut the four IDX files (train/t10k images/labels, .gz or not) in one of these"
        " folders, or pass `path=`."
    )
