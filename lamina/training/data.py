"""Feeding batches: arrays sliced on the host, or any iterable of batches.

A batch is ``(x, y, sample_weight)`` with None for what is absent; ``x`` and ``y``
may be arrays, tuples/lists or dicts of arrays. With ``steps_per_execution=K``,
full batches are stacked K at a time along a new leading axis, so one compiled
call runs K steps; what is left over runs one batch per call.
"""

import math

import jax
import numpy as np

from lamina.core import statics


def unpack(data):
    """``(x, y, sample_weight)`` from a batch given as ``x``, ``(x,)``, ``(x, y)`` or
    ``(x, y, sample_weight)``."""
    if isinstance(data, tuple):
        if len(data) == 1:
            return data[0], None, None
        if len(data) == 2:
            return data[0], data[1], None
        if len(data) == 3:
            return data
        raise ValueError(
            f"A batch must be x, (x,), (x, y) or (x, y, sample_weight); got a tuple of"
            f" {len(data)} elements."
        )
    return data, None, None


def _num_samples(tree, what):
    leaves = [leaf for leaf in jax.tree.leaves(tree) if hasattr(leaf, "shape")]
    sizes = {int(np.shape(leaf)[0]) for leaf in leaves if np.ndim(leaf) > 0}
    if len(sizes) > 1:
        raise ValueError(
            f"All arrays in `{what}` must have the same length; got lengths {sorted(sizes)}."
        )
    return sizes.pop() if sizes else None


def is_array_data(x) -> bool:
    """True when ``x`` is an array or a (nested) tuple/list/dict of arrays."""
    leaves = jax.tree.leaves(x, is_leaf=lambda v: not isinstance(v, list | tuple | dict))
    return bool(leaves) and all(statics.is_array(leaf) for leaf in leaves)


class ArrayData:
    """Batches sliced from in-memory arrays (NumPy or JAX), reshuffled every epoch."""

    def __init__(
        self, x, y=None, sample_weight=None, batch_size=32, shuffle=False, steps_per_epoch=None
    ):
        self.data = jax.tree.map(np.asarray, (x, y, sample_weight))
        n = _num_samples(self.data[0], "x")
        for tree, what in ((self.data[1], "y"), (self.data[2], "sample_weight")):
            m = _num_samples(tree, what)
            if m is not None and m != n:
                raise ValueError(f"`x` has {n} samples but `{what}` has {m}.")
        if n is None:
            raise ValueError("`x` must contain arrays with a batch axis.")
        if not isinstance(batch_size, int) or batch_size <= 0:
            raise ValueError(f"`batch_size` must be a positive int, got {batch_size!r}.")
        self.num_samples = n
        self.batch_size = batch_size
        # fit(x, x) passes one array twice: slice it once per batch.
        leaves, self._treedef = jax.tree.flatten(self.data)
        self._unique = list({id(a): a for a in leaves}.values())
        self._positions = [next(i for i, u in enumerate(self._unique) if u is a) for a in leaves]
        self.shuffle = shuffle
        full_steps = math.ceil(n / batch_size)
        self.steps = full_steps if steps_per_epoch is None else int(steps_per_epoch)

    def _take(self, idx, shape=None):
        parts = [
            a[idx] if shape is None else a[idx].reshape(shape + a.shape[1:]) for a in self._unique
        ]
        return self._treedef.unflatten([parts[i] for i in self._positions])

    def first_batch(self):
        return self._take(np.arange(min(self.batch_size, self.num_samples)))

    def blocks(self, k: int, rng):
        """Yield ``(n_steps, batch)``: stacked blocks of ``k`` full batches, then singles."""
        n, b = self.num_samples, self.batch_size
        order = rng.permutation(n) if self.shuffle else None
        step = 0
        while step < self.steps:
            start = (step * b) % n
            if k > 1 and step + k <= self.steps and start + k * b <= n:
                span = slice(start, start + k * b)
                yield k, self._take(span if order is None else order[span], (k, b))
                step += k
                continue
            stop = min(start + b, n)
            idx = order[start:stop] if order is not None else slice(start, stop)
            yield 1, self._take(idx)
            step += 1


class IterableData:
    """Batches taken from an iterable (re-iterated each epoch) or a generator."""

    def __init__(self, iterable, steps_per_epoch=None):
        self.iterable = iterable
        try:
            length = len(iterable)
        except TypeError:
            length = None
        self.steps = steps_per_epoch if steps_per_epoch is not None else length
        self._iterator = None
        self._peeked = None

    def first_batch(self):
        if self._peeked is None:
            self._iterator = iter(self.iterable)
            try:
                self._peeked = _as_batch(next(self._iterator))
            except StopIteration:
                raise ValueError("The data iterable produced no batch.") from None
        return self._peeked

    def _epoch_iter(self):
        if self._peeked is not None:
            first, self._peeked = self._peeked, None
            yield first
            yield from (_as_batch(b) for b in self._iterator)
        else:
            yield from (_as_batch(b) for b in iter(self.iterable))

    def blocks(self, k: int, rng):
        it = self._epoch_iter()
        count = 0
        pending = []
        while self.steps is None or count < self.steps:
            try:
                pending.append(next(it))
            except StopIteration:
                break
            count += 1
            if len(pending) == k and k > 1 and _same_shapes(pending):
                yield k, jax.tree.map(lambda *xs: np.stack(xs), *pending)
                pending = []
            elif k == 1 or not _same_shapes(pending):
                for batch in pending:
                    yield 1, batch
                pending = []
        for batch in pending:
            yield 1, batch


def _as_batch(batch):
    x, y, sw = unpack(batch)
    return jax.tree.map(np.asarray, (x, y, sw))


def _same_shapes(batches) -> bool:
    shapes = [jax.tree.map(np.shape, b) for b in batches]
    return all(s == shapes[0] for s in shapes)


def make_data(x, y=None, sample_weight=None, batch_size=None, shuffle=False, steps_per_epoch=None):
    """An :class:`ArrayData` for arrays, an :class:`IterableData` for anything iterable."""
    if is_array_data(x):
        return ArrayData(x, y, sample_weight, batch_size or 32, shuffle, steps_per_epoch)
    if y is not None or sample_weight is not None:
        raise ValueError(
            "When `x` is an iterable of batches, pass `y` and `sample_weight` inside its"
            " batches as (x, y[, sample_weight]), not as separate arguments."
        )
    if batch_size is not None:
        raise ValueError("`batch_size` is for array inputs; an iterable brings its own batches.")
    if not hasattr(x, "__iter__"):
        raise TypeError(
            f"Unsupported data: {type(x).__name__}. Pass NumPy/JAX arrays (or tuples/dicts of"
            " them) or an iterable of (x, y[, sample_weight]) batches."
        )
    return IterableData(x, steps_per_epoch)


def split_validation(x, y, sample_weight, fraction):
    """``(train, validation)`` triples: the last ``fraction`` of the samples validates."""
    if not 0.0 < fraction < 1.0:
        raise ValueError(f"`validation_split` must be in (0, 1), got {fraction}.")
    if not is_array_data(x):
        raise ValueError("`validation_split` needs array inputs; pass `validation_data` instead.")
    n = _num_samples(x, "x")
    cut = int(n * (1.0 - fraction))
    head = jax.tree.map(lambda a: np.asarray(a)[:cut], (x, y, sample_weight))
    tail = jax.tree.map(lambda a: np.asarray(a)[cut:], (x, y, sample_weight))
    return head, tail
