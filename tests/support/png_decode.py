"""Reading PNG screenshots with the standard library and numpy (no imaging package needed).

Enough of the PNG format (ISO/IEC 15948) for what headless Chromium writes and for checking
that a screenshot is not blank: 8-bit greyscale, grey+alpha, RGB and RGBA, not interlaced.
Scanline filters are undone along anti-diagonals: a byte depends on its left, upper and
upper-left neighbours only, so every pixel on one anti-diagonal can be decoded at once.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path
from typing import NamedTuple

import numpy as np

SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: Channels per colour type (PNG spec table 11.1), for bit depth 8.
CHANNELS = {0: 1, 2: 3, 4: 2, 6: 4}


class ImageStats(NamedTuple):
    """How much is on an image: distinct colours and the spread of its values."""

    width: int
    height: int
    distinct_colors: int
    std: float

    def looks_blank(self, min_colors: int = 16, min_std: float = 2.0) -> bool:
        """True for a flat image (a blank page, a solid colour)."""
        return self.distinct_colors < min_colors or self.std < min_std


def read_png(source: str | Path | bytes) -> np.ndarray:
    """Decode a PNG into a ``(height, width, channels)`` uint8 array.

    Args:
        source: a path or the file's bytes.

    Raises:
        ValueError: not a PNG, or a kind this reader does not handle (bit depth other than 8,
            palette images, interlacing) or a corrupt file.

    Example:
        >>> raw = b"\\x00" + bytes([255, 0, 0, 0, 0, 255])  # one row, filter 0: red, blue
        >>> ihdr = struct.pack(">IIBBBBB", 2, 1, 8, 2, 0, 0, 0)
        >>> png = SIGNATURE + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", zlib.compress(raw))
        >>> read_png(png + _chunk(b"IEND", b"")).tolist()
        [[[255, 0, 0], [0, 0, 255]]]
    """
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    if not data.startswith(SIGNATURE):
        raise ValueError("not a PNG file (bad signature)")
    pos, header, idat = len(SIGNATURE), None, []
    while pos + 8 <= len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        if len(body) != length:
            raise ValueError("truncated PNG chunk")
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
        pos += 12 + length
    if header is None or not idat:
        raise ValueError("PNG without IHDR or IDAT")
    width, height, depth, color, _, _, interlace = header
    if depth != 8 or color not in CHANNELS or interlace:
        raise ValueError(f"unsupported PNG: bit depth {depth}, colour type {color}, "
                         f"interlace {interlace}")  # fmt: skip
    bpp = CHANNELS[color]
    try:
        raw = zlib.decompress(b"".join(idat))
    except zlib.error as exc:
        raise ValueError(f"corrupt PNG data ({exc})") from None
    stride = width * bpp + 1
    if len(raw) < stride * height:
        raise ValueError("PNG data shorter than its header says")
    rows = np.frombuffer(raw, dtype=np.uint8, count=stride * height).reshape(height, stride)
    filters = rows[:, 0]
    if np.any(filters > 4):
        raise ValueError("corrupt PNG: unknown scanline filter")
    return _unfilter(filters, rows[:, 1:].reshape(height, width, bpp))


def _unfilter(filters: np.ndarray, filtered: np.ndarray) -> np.ndarray:
    height, width, bpp = filtered.shape
    # One row and one column of zeros in front: the "outside" neighbours of the spec.
    out = np.zeros((height + 1, width + 1, bpp), dtype=np.int16)
    f = filtered.astype(np.int16)
    for s in range(height + width - 1):
        r = np.arange(max(0, s - width + 1), min(height, s + 1))
        x = s - r
        a = out[r + 1, x]  # left
        b = out[r, x + 1]  # up
        c = out[r, x]  # up-left
        kind = filters[r][:, None]
        p = a + b - c
        pa, pb, pc = np.abs(p - a), np.abs(p - b), np.abs(p - c)
        paeth = np.where((pa <= pb) & (pa <= pc), a, np.where(pb <= pc, b, c))
        pred = np.select(
            [kind == 0, kind == 1, kind == 2, kind == 3],
            [np.zeros_like(a), a, b, (a + b) // 2],
            paeth,
        )
        out[r + 1, x + 1] = (f[r, x] + pred) & 0xFF
    return out[1:, 1:].astype(np.uint8)


def image_stats(pixels: np.ndarray) -> ImageStats:
    """Distinct colours and standard deviation of an image (alpha ignored).

    >>> image_stats(np.zeros((4, 5, 3), dtype=np.uint8))
    ImageStats(width=5, height=4, distinct_colors=1, std=0.0)
    """
    h, w, ch = pixels.shape
    rgb = pixels[:, :, : 3 if ch >= 3 else 1].astype(np.uint32)
    packed = rgb[:, :, 0]
    for i in range(1, rgb.shape[2]):
        packed = (packed << 8) | rgb[:, :, i]
    return ImageStats(w, h, len(np.unique(packed)), float(rgb.std()))


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
