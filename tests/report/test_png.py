"""The PNG reader against images encoded here with every scanline filter."""

from __future__ import annotations

import struct
import zlib

import numpy as np
import pytest
from png_decode import SIGNATURE, _chunk, image_stats, read_png


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else b if pb <= pc else c


def encode_png(pixels: np.ndarray, filters: list[int], color_type: int) -> bytes:
    """A straightforward PNG encoder (spec section 9), one filter type chosen per row."""
    h, w, bpp = pixels.shape
    img = pixels.astype(int)
    raw = bytearray()
    for r in range(h):
        ft = filters[r % len(filters)]
        raw.append(ft)
        for x in range(w):
            for ch in range(bpp):
                v = img[r, x, ch]
                a = img[r, x - 1, ch] if x else 0
                b = img[r - 1, x, ch] if r else 0
                c = img[r - 1, x - 1, ch] if r and x else 0
                pred = (0, a, b, (a + b) // 2, _paeth(a, b, c))[ft]
                raw.append((v - pred) & 0xFF)
    ihdr = struct.pack(">IIBBBBB", w, h, 8, color_type, 0, 0, 0)
    return (SIGNATURE + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", zlib.compress(bytes(raw)))
            + _chunk(b"IEND", b""))  # fmt: skip


@pytest.mark.parametrize(("color_type", "bpp"), [(0, 1), (2, 3), (4, 2), (6, 4)])
def test_every_filter_type_decodes_back_to_the_pixels(color_type, bpp):
    rng = np.random.default_rng(color_type)
    pixels = rng.integers(0, 256, size=(23, 17, bpp), dtype=np.uint8)
    pixels[5:9, 3:12] = 200  # flat patches, where Sub/Up/Paeth predict well
    png = encode_png(pixels, [0, 1, 2, 3, 4, 4, 3, 2, 1], color_type)
    np.testing.assert_array_equal(read_png(png), pixels)


def test_idat_may_be_split_over_several_chunks(tmp_path):
    pixels = np.arange(4 * 5 * 3, dtype=np.uint8).reshape(4, 5, 3)
    png = encode_png(pixels, [4], 2)
    start = png.index(b"IDAT") - 4
    (length,) = struct.unpack(">I", png[start : start + 4])
    body = png[start + 8 : start + 8 + length]
    split = (png[:start] + _chunk(b"IDAT", body[:7]) + _chunk(b"IDAT", body[7:])
             + _chunk(b"IEND", b""))  # fmt: skip
    path = tmp_path / "x.png"
    path.write_bytes(split)
    np.testing.assert_array_equal(read_png(path), pixels)


def test_unsupported_or_broken_files_are_refused():
    with pytest.raises(ValueError, match="signature"):
        read_png(b"GIF89a")
    ihdr16 = struct.pack(">IIBBBBB", 1, 1, 16, 2, 0, 0, 0)
    with pytest.raises(ValueError, match="bit depth 16"):
        read_png(SIGNATURE + _chunk(b"IHDR", ihdr16) + _chunk(b"IDAT", zlib.compress(b"\0" * 7)))
    ihdr = struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)
    with pytest.raises(ValueError, match="shorter"):
        read_png(SIGNATURE + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", zlib.compress(b"\0" * 3)))
    with pytest.raises(ValueError, match="filter"):
        read_png(SIGNATURE + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", zlib.compress(b"\x07" * 14)))


def test_stats_tell_a_blank_image_from_a_drawn_one():
    blank = np.full((50, 80, 3), 255, dtype=np.uint8)
    assert image_stats(blank).looks_blank()
    drawn = blank.copy()
    rng = np.random.default_rng(0)
    drawn[10:40, 10:70] = rng.integers(0, 256, size=(30, 60, 3))
    s = image_stats(drawn)
    assert not s.looks_blank() and s.distinct_colors > 1000 and (s.width, s.height) == (80, 50)
