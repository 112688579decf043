"""Random streams per lead and purpose, drawn in blocks.

Common random numbers need each lead to see the same draws for the same purpose whatever
the strategy does with it. A per-lead :class:`numpy.random.Generator` would give that but costs
tens of microseconds to build; instead each purpose lays out uniforms for a *chunk* of
``CHUNK`` consecutive leads on one stream, from a :class:`~numpy.random.SeedSequence` child keyed
by ``(purpose, 0, chunk)``: lead ``i`` owns row ``i % CHUNK`` of a ``(CHUNK, width)`` block of
that stream. A lead that needs more draws than its row holds continues on its own stream keyed
by ``(purpose, 1, lead, block)``. Which draws a lead gets depends only on the seed, its id and
the purpose, never on other leads, the strategy, the worker or the executor.

The block is never drawn whole. A lead holds a few of its row's numbers at a time
(:data:`HELD`) and reads the next few straight from its row's place in the chunk's stream
(PCG64 jumps to it in constant time), so a lead in its window costs a few hundred bytes of
draws, not its whole row, and the numbers are exactly those of the block.
"""

from __future__ import annotations

from array import array

import numpy as np

#: Purposes with their own streams, and how many uniforms a lead's row holds for each.
PURPOSES: dict[str, int] = {"traits": 4, "journey": 12, "email": 96, "sales": 24}
PURPOSE_INDEX = {name: i for i, name in enumerate(PURPOSES)}
#: How many of its row's uniforms a lead holds at once, per purpose (about what a lead uses
#: between two reads: a read costs about 2 microseconds).
HELD: dict[str, int] = {"traits": 4, "journey": 12, "email": 48, "sales": 12}
#: Rows read at once when a lead's first draws are not among those already read.
AHEAD = 64
#: The arrival stream (times and sources) is keyed after the per-lead purposes.
ARRIVALS_KEY = len(PURPOSES)
#: Leads per block of draws.
CHUNK = 1024


def as_seed_sequence(seed: int | np.random.SeedSequence) -> np.random.SeedSequence:
    """Accept an int or a SeedSequence (e.g. a replication's child)."""
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if isinstance(seed, (int, np.integer)) and seed >= 0:
        return np.random.SeedSequence(int(seed))
    raise ValueError(f"seed must be a non-negative integer, got {seed!r}")


def child(root: np.random.SeedSequence, *key: int) -> np.random.Generator:
    """A generator for the sub-stream ``key`` of ``root`` (independent for distinct keys)."""
    ss = np.random.SeedSequence(root.entropy, spawn_key=(*root.spawn_key, *key))
    return np.random.Generator(np.random.PCG64(ss))


class Draws:
    """Uniforms in [0, 1) for one lead and purpose, read in order with :meth:`next`.

    Built from a fixed ``row`` (then the lead's overflow stream), or by :class:`LeadStreams`
    from its row's place in a chunk's stream.

    >>> streams = LeadStreams(7)
    >>> a, b = streams.draws(3, "email"), streams.draws(3, "email")
    >>> [a.next() for _ in range(200)] == [b.next() for _ in range(200)]
    True
    """

    __slots__ = ("_at", "_block", "_i", "_key", "_lead", "_pos", "_root", "_row", "_src", "_width")

    def __init__(
        self,
        row: np.ndarray,
        root: np.random.SeedSequence,
        key: int,
        lead: int,
        *,
        width: int | None = None,
        source: _ChunkStream | None = None,
        at: int = 0,
    ):
        # array.array: 8 bytes a draw and indexing that returns a Python float several times
        # faster than numpy scalar access.
        self._row = array("d", row.tobytes())
        self._i = 0
        self._root = root
        self._key = key
        self._lead = lead
        self._block = 0
        #: The row's length in the layout; ``_pos`` of its numbers have been read into _row.
        self._width = len(self._row) if width is None else width
        self._pos = len(self._row)
        self._src = source  # where the rest of the row is, at offset ``_at`` of its stream
        self._at = at

    def next(self) -> float:
        i = self._i
        try:
            value = self._row[i]
        except IndexError:
            self._refill()
            i = 0
            value = self._row[0]
        self._i = i + 1
        return value

    def _refill(self) -> None:
        pos, width = self._pos, self._width
        if pos < width:  # the next numbers of this lead's row
            n = min(len(self._row), width - pos)
            fresh = self._src.read(self._at + pos, n)
            self._pos = pos + n
        else:  # row used up: this lead's own overflow stream, block by block
            fresh = child(self._root, self._key, 1, self._lead, self._block).random(width)
            self._block += 1
        self._row = array("d", fresh.tobytes())


class _ChunkStream:
    """One purpose's stream for one chunk, read anywhere with :meth:`read`."""

    __slots__ = ("_bits", "_gen", "_pos")

    def __init__(self, root: np.random.SeedSequence, key: int, chunk: int) -> None:
        ss = np.random.SeedSequence(root.entropy, spawn_key=(*root.spawn_key, key, 0, chunk))
        self._bits = np.random.PCG64(ss)
        self._gen = np.random.Generator(self._bits)
        self._pos = 0  # uniforms drawn so far: one 64-bit step each

    def read(self, at: int, n: int) -> np.ndarray:
        """``n`` uniforms from position ``at``: as ``random((CHUNK, width)).ravel()[at:at+n]``."""
        # An LCG jumps any distance, backwards too (modulo its period, 2^128).
        self._bits.advance((at - self._pos) % _PERIOD)
        self._pos = at + n
        return self._gen.random(n)


_PERIOD = 1 << 128


class LeadStreams:
    """Hands out each lead's :class:`Draws` for every purpose."""

    def __init__(self, seed: int | np.random.SeedSequence):
        self.root = as_seed_sequence(seed)
        self._chunks: dict[tuple[int, int], _ChunkStream] = {}
        #: Per purpose, the held part of the next few rows, read at once: leads ask for their
        #: draws in about arrival order, and one read of many rows is far cheaper than many.
        self._ahead: dict[int, tuple[int, int, int, np.ndarray]] = {}

    def draws(self, lead_id: int, purpose: str) -> Draws:
        key = PURPOSE_INDEX[purpose]
        chunk, row = divmod(lead_id, CHUNK)
        source = self._chunks.get((key, chunk))
        if source is None:
            source = _ChunkStream(self.root, key, chunk)
            self._chunks[(key, chunk)] = source
        width = PURPOSES[purpose]
        ahead = self._ahead.get(key)
        if ahead is None or ahead[0] != chunk or not ahead[1] <= row < ahead[2]:
            hi = min(row + AHEAD, CHUNK)
            block = source.read(row * width, (hi - row) * width).reshape(hi - row, width)
            ahead = self._ahead[key] = (chunk, row, hi, block[:, : HELD[purpose]].copy())
        first = ahead[3][row - ahead[1]]
        return Draws(first, self.root, key, lead_id, width=width, source=source, at=row * width)

    def release_before(self, lead_id: int) -> None:
        """Forget chunks wholly before ``lead_id`` (their leads hold what they still need)."""
        last = lead_id // CHUNK
        for k in [k for k in self._chunks if k[1] < last]:
            del self._chunks[k]

    def arrivals(self) -> np.random.Generator:
        """Generator for arrival times and sources (exogenous: the same in every arm)."""
        return child(self.root, ARRIVALS_KEY)
