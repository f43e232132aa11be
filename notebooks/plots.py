"""Small matplotlib helpers shared by the notebooks (images, loss curves, latent maps)."""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator

FASHION_NAMES = [
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
]  # fmt: skip


def image_rows(rows, size=1.0, title=None):
    """One row of 28x28 images per ``(label, images)`` pair in ``rows``.

    ``images`` is ``(n, 784)`` or ``(n, 28, 28)``, floats in 0..1 or uint8; every row
    shows as many images as the first one has.
    """
    cols = len(rows[0][1])
    fig, axes = plt.subplots(
        len(rows), cols, figsize=(size * cols, size * len(rows) + 0.3), squeeze=False
    )
    for (label, images), line in zip(rows, axes):
        images = np.asarray(images).reshape(-1, 28, 28)
        for ax, image in zip(line, images):
            ax.imshow(image, cmap="gray", vmin=0, vmax=255 if image.dtype == np.uint8 else 1)
        for ax in line:
            ax.set_xticks([])
            ax.set_yticks([])
        line[0].set_ylabel(label, rotation=0, ha="right", va="center")
    if title:
        fig.suptitle(title)
    fig.tight_layout(pad=0.2)
    plt.show()


def loss_curves(history, keys=("loss", "val_loss"), title="Loss per epoch", ylabel="loss"):
    """``history.history[key]`` against the epoch, for each ``key`` present."""
    fig, ax = plt.subplots(figsize=(5, 3))
    for key in keys:
        values = history.history.get(key)
        if values:
            ax.plot(range(1, len(values) + 1), values, marker="o", label=key)
    ax.set_xlabel("epoch")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    plt.show()


def curve(values, xlabel="step", ylabel="loss", title=None, labels=None):
    """One curve, or one per column of a 2-D ``values`` (named by ``labels``)."""
    values = np.asarray(values)
    fig, ax = plt.subplots(figsize=(5, 3))
    lines = ax.plot(values)
    if labels is not None:
        ax.legend(lines, labels)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    plt.show()


def principal_axes(points, k=2):
    """``points`` ``(n, d)`` projected on their ``k`` principal axes (PCA by SVD)."""
    centred = np.asarray(points, np.float64) - np.mean(points, axis=0)
    _, _, axes = np.linalg.svd(centred, full_matrices=False)
    return centred @ axes[:k].T


def latent_scatter(points, labels, names=None, title="Latent means, first two principal axes"):
    """A scatter of 2-D ``points`` coloured by integer ``labels`` (named by ``names``)."""
    points, labels = np.asarray(points), np.asarray(labels)
    fig, ax = plt.subplots(figsize=(6, 5))
    cmap = plt.get_cmap("tab10")
    for label in np.unique(labels):
        chosen = labels == label
        name = names[label] if names is not None else str(label)
        ax.scatter(*points[chosen].T, s=6, alpha=0.6, color=cmap(label % 10), label=name)
    ax.legend(markerscale=3, fontsize=8, loc="center left", bbox_to_anchor=(1.0, 0.5))
    ax.set_title(title)
    fig.tight_layout()
    plt.show()
