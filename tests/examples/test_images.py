"""The dependency-free PNG writer: files that PNG readers decode to the same pixels."""

import struct
import zlib

import numpy as np
import pytest

from lamina.examples import images


def decode_grayscale_png(data: bytes) -> np.ndarray:
    """A minimal reader for 8-bit grayscale, filter-0 PNGs, checking every CRC."""
    assert data[:8] == images.PNG_SIGNATURE
    pos, chunks = 8, []
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert crc == zlib.crc32(kind + body) & 0xFFFFFFFF, kind
        chunks.append((kind, body))
        pos += 12 + length
    assert [k for k, _ in chunks] == [b"IHDR", b"IDAT", b"IEND"]
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
    assert (depth, colour, interlace) == (8, 0, 0)
    rows = np.frombuffer(zlib.decompress(chunks[1][1]), np.uint8).reshape(height, width + 1)
    assert not rows[:, 0].any()  # filter type 0 on every scanline
    return rows[:, 1:]


def test_png_round_trips_through_a_reader_that_checks_every_crc(tmp_path):
    image = np.random.default_rng(0).integers(0, 256, (7, 13), dtype=np.uint8)
    path = images.write_png(tmp_path / "sub" / "a.png", image)
    with open(path, "rb") as f:
        np.testing.assert_array_equal(decode_grayscale_png(f.read()), image)


def test_png_decodes_with_pillow_and_matplotlib(tmp_path):
    image = np.random.default_rng(1).integers(0, 256, (28, 30), dtype=np.uint8)
    path = images.write_png(tmp_path / "b.png", image)
    pil = pytest.importorskip("PIL.Image")
    with pil.open(path) as opened:
        assert opened.mode == "L" and opened.size == (30, 28)
        np.testing.assert_array_equal(np.asarray(opened), image)
    mpl_image = pytest.importorskip("matplotlib.image")
    np.testing.assert_allclose(mpl_image.imread(path), image / 255, atol=1e-6)


def test_floats_are_read_as_intensities_and_clipped():
    pixels = images.to_uint8(np.array([[-0.5, 0.0, 0.5, 1.0, 2.0, np.nan]]))
    np.testing.assert_array_equal(pixels, [[0, 0, 128, 255, 255, 0]])


def test_tile_lays_images_out_in_rows_with_padding():
    digits = np.stack([np.full((2, 3), 10 * (i + 1), np.uint8) for i in range(5)])
    grid = images.tile(digits, cols=3, pad=1)
    assert grid.shape == (2 * 3 + 1, 3 * 4 + 1)
    assert grid[1, 1] == 10 and grid[1, 5] == 20 and grid[1, 9] == 30
    assert grid[4, 1] == 40 and grid[4, 5] == 50 and grid[4, 9] == 0  # blank last cell
    assert not grid[0].any() and not grid[:, 0].any()  # border


def test_stack_pads_narrower_grids_and_separates_them():
    out = images.stack([np.ones((2, 4)), np.ones((3, 2))], gap=1)
    assert out.shape == (6, 4)
    assert not out[2].any() and not out[3:, 2:].any() and out[3:, :2].all()


def test_a_non_2d_image_is_refused_with_its_shape():
    with pytest.raises(ValueError, match=r"\(2, 2, 3\)"):
        images.encode_png(np.zeros((2, 2, 3)))


def test_vae_picture_stacks_inputs_reconstructions_and_samples():
    from lamina.examples import vae

    model = vae.VariationalAutoEncoder(784, 16, 4)
    x = np.random.default_rng(2).random((30, 784), dtype=np.float32)
    grid = vae.picture(model, x, cols=5, rows=2)
    cell, section = 28 + 2, 2 * (28 + 2) + 2
    assert grid.shape == (3 * section + 2 * 6, 5 * cell + 2)
    # The top rows are the inputs themselves.
    np.testing.assert_array_equal(grid[2:30, 2:30], images.to_uint8(x[0].reshape(28, 28)))
