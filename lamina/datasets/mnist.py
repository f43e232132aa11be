"""MNIST digits: ``load_data(path=None)`` as in Keras."""

from lamina.datasets._loader import load


def load_data(path=None):
    """``((x_train, y_train), (x_test, y_test))``: uint8 arrays (n, 28, 28) and (n,).

    Looked for in ``path`` (a folder with the four IDX files, or a Keras ``.npz``),
    then ``$LAMINA_DATASETS/mnist``, then ``~/.lamina/datasets/mnist``.
    """
    return load("mnist", path)
