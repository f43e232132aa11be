"""``CSVLogger``: one CSV row of logs per epoch, written as training goes."""

import collections.abc
import csv
import os

import numpy as np

from lamina.callbacks._logs import as_float
from lamina.callbacks.callback import Callback


def _cell(value):
    value = as_float(value)
    if isinstance(value, str):
        return value
    if isinstance(value, collections.abc.Iterable) and not (
        isinstance(value, np.ndarray) and value.ndim == 0
    ):
        return f'"[{", ".join(map(str, value))}]"'
    return value


class CSVLogger(Callback):
    """Appends each epoch's logs to a CSV file, flushed after every row.

    The first row is the header: ``epoch`` then the log names in sorted order
    (fixed at the first epoch; if none starts with ``val_``, ``val_`` columns are
    added for all of them, as Keras does). Missing values are ``NA``; device
    arrays are written as Python floats; a list-like value as ``"[a, b]"``. The
    file is opened at ``on_train_begin`` and closed at ``on_train_end``; rows use
    the ``excel`` dialect (``\\r\\n`` line ends).

    Args:
      filename: the file's path (str or path-like).
      separator: the field separator (default ``","``).
      append: add to an existing file, writing the header only if it is empty
        (default False: overwrite).

    Example::

        model.fit(x, y, epochs=5, callbacks=[CSVLogger("training.log")])
    """

    def __init__(self, filename, separator=",", append=False):
        self.sep = separator
        self.filename = os.fspath(filename)
        self.append = append
        self.writer = None
        self.keys = None
        self.append_header = True
        self.csv_file = None

    def on_train_begin(self, logs=None):
        if self.append and os.path.exists(self.filename):
            with open(self.filename, encoding="utf-8") as existing:
                self.append_header = not existing.readline()
        if self.csv_file is not None and not self.csv_file.closed:
            self.csv_file.close()
        mode = "a" if self.append else "w"
        self.csv_file = open(self.filename, mode, newline="", encoding="utf-8")
        self.writer = None
        self.keys = None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs)
            if self.keys and not any(key.startswith("val_") for key in self.keys):
                self.keys += [f"val_{key}" for key in self.keys]
        if self.writer is None:
            self.writer = csv.writer(self.csv_file, delimiter=self.sep)
            if self.append_header:
                self.writer.writerow(["epoch", *self.keys])
        self.writer.writerow([epoch, *(_cell(logs.get(key, "NA")) for key in self.keys)])
        self.csv_file.flush()

    def on_train_end(self, logs=None):
        if self.csv_file is not None and not self.csv_file.closed:
            self.csv_file.close()
        self.writer = None
