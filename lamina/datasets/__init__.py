"""Datasets: ``mnist.load_data()``, ``fashion_mnist.load_data()`` (Keras' API).

Local copies are found first; missing ones are downloaded and verified by SHA-256
(:mod:`lamina.datasets.download`). ``load_split(folder, "t10k")`` reads one split alone.
"""

from lamina.datasets import download, fashion_mnist, mnist
from lamina.datasets.download import DownloadError
from lamina.datasets.idx import DatasetError, load_split, read_idx
