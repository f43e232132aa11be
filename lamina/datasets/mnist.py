"""MNIST handwritten digits: ``load_data(path=None)`` as in Keras."""

from lamina.datasets._loader import load

# Examples per split; every copy, local or downloaded, must have exactly these.
COUNTS = {"train": 60000, "t10k": 10000}


def load_data(path=None):
    """``((x_train, y_train), (x_test, y_test))``: uint8 arrays of shape ``(n, 28, 28)``
    (pixels 0-255) and ``(n,)`` (digits 0-9), with n = 60000 for train and 10000 for test.

    Looked for, in order, in ``path`` (a folder with the four IDX files, gzipped or not,
    or a Keras ``.npz`` with keys ``x_train, y_train, x_test, y_test``),
    ``$LAMINA_DATASETS/mnist`` and ``~/.lamina/datasets/mnist``. When none holds it, the
    missing files are downloaded into ``~/.lamina/datasets/mnist`` from the mirrors in
    ``lamina.datasets.download.MIRRORS["mnist"]``, each verified by size and SHA-256.
    Raises :class:`~lamina.datasets.DatasetError` when a file is damaged or, offline,
    saying where it looked and which files to put where.

    Example::

        (x_train, y_train), (x_test, y_test) = lamina.datasets.mnist.load_data()
        x_train.shape, y_test[0]  # (60000, 28, 28), 7
    """
    return load("mnist", path, counts=COUNTS, title="MNIST")
