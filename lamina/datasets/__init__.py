"""Datasets: ``mnist.load_data()``, ``fashion_mnist.load_data()`` (Keras' API)."""

from lamina.datasets import fashion_mnist, mnist
from lamina.datasets.idx import DatasetError, load_split, read_idx
