"""Grids of grayscale images as PNG files, with nothing but ``zlib``, ``struct`` and NumPy.

The main job (``python -m lamina.examples.vae``) writes its picture with these, so it
needs no plotting library::

    from lamina.examples import images
    grid = images.tile(digits, cols=10)          # (n, 28, 28) -> one 2-D array
    images.write_png("out/digits.png", grid)     # 8-bit grayscale PNG
"""

import os
import struct
import zlib

import numpy as np

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def to_uint8(image) -> np.ndarray:
    """``image`` as uint8: integers are clipped to 0..255, floats read as 0..1 intensities."""
    image = np.asarray(image)
    if image.dtype == np.uint8:
        return image
    if np.issubdtype(image.dtype, np.integer) or image.dtype == bool:
        return np.clip(image, 0, 255).astype(np.uint8)
    return np.round(np.clip(np.nan_to_num(image), 0.0, 1.0) * 255).astype(np.uint8)


def tile(images, cols, pad=2, background=0):
    """One 2-D image of ``images`` ``(n, h, w)`` laid out in rows of ``cols``.

    Each image sits in an ``(h + pad, w + pad)`` cell with a ``pad``-pixel border of
    ``background`` (0..255) around the whole grid; a short last row is left blank on
    the right. Floats are read as 0..1 intensities (see :func:`to_uint8`).
    Returns a uint8 array of shape ``(rows * (h + pad) + pad, cols * (w + pad) + pad)``.
    """
    images = to_uint8(images)
    if images.ndim != 3:
        raise ValueError(f"tile: expected images of shape (n, h, w), got {images.shape}.")
    n, h, w = images.shape
    rows = max(1, -(-n // cols))
    grid = np.full((rows * (h + pad) + pad, cols * (w + pad) + pad), background, np.uint8)
    for i, image in enumerate(images):
        top, left = pad + (i // cols) * (h + pad), pad + (i % cols) * (w + pad)
        grid[top : top + h, left : left + w] = image
    return grid


def stack(grids, gap=6, background=0):
    """Grids (2-D arrays) one under the other, ``gap`` rows of ``background`` apart;
    narrower ones are padded on the right."""
    grids = [to_uint8(g) for g in grids]
    width = max(g.shape[1] for g in grids)
    parts = []
    for i, g in enumerate(grids):
        if i:
            parts.append(np.full((gap, width), background, np.uint8))
        parts.append(np.pad(g, ((0, 0), (0, width - g.shape[1])), constant_values=background))
    return np.concatenate(parts, axis=0)


def _chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def encode_png(image) -> bytes:
    """The bytes of an 8-bit grayscale PNG of the 2-D ``image`` (uint8, or floats in 0..1)."""
    image = to_uint8(image)
    if image.ndim != 2:
        raise ValueError(f"encode_png: expected a 2-D grayscale image, got shape {image.shape}.")
    height, width = image.shape
    # IHDR: width, height, bit depth 8, colour type 0 (grayscale), deflate, no filter
    # method choices, no interlace.
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    # Each scanline starts with its filter type; 0 (None) keeps the writer trivial.
    raw = np.concatenate([np.zeros((height, 1), np.uint8), image], axis=1).tobytes()
    return (
        PNG_SIGNATURE
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(raw, 9))
        + _chunk(b"IEND", b"")
    )


def write_png(path, image) -> str:
    """Write ``image`` (2-D) to ``path`` as a grayscale PNG, creating its folder;
    returns ``path``. The file is written beside and renamed into place."""
    path = os.fspath(path)
    folder = os.path.dirname(path)
    if folder:
        os.makedirs(folder, exist_ok=True)
    partial = path + ".partial"
    with open(partial, "wb") as f:
        f.write(encode_png(image))
    os.replace(partial, path)
    return path
