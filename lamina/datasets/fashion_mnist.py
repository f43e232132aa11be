"""Fashion-MNIST clothes: ``load_data(path=None)`` as in Keras."""

from lamina.datasets._loader import load

DEBIAN_FOLDER = "/usr/share/datasets/fashion-mnist"


def load_data(path=None):
    """``((x_train, y_train), (x_test, y_test))``: uint8 arrays (n, 28, 28) and (n,).

    Looked for in ``path``, ``$LAMINA_DATASETS/fashion_mnist``,
    ``~/.lamina/datasets/fashion_mnist``, then Debian's ``dataset-fashion-mnist``
    package (``/usr/share/datasets/fashion-mnist``).
    """
    return load("fashion_mnist", path, extra=(DEBIAN_FOLDER,))
