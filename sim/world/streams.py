"""Random streams per lead and purpose, drawn in blocks.

Common random numbers need each lead to see the same draws for the same purpose whatever
the strategy does with it. A per-lead :class:`numpy.random.Generator` would give that but costs
tens of microseconds to build; instead each purpose draws uniforms for a *chunk* of
``CHUNK`` consecutive leads at once, from a :class:`~numpy.random.SeedSequence` child keyed by
``(purpose, 0, chunk)``. Lead ``i`` reads row ``i % CHUNK`` of its chunk. A lead that needs more
draws than its row holds continues on its own stream keyed by ``(purpose, 1, lead, block)``.
Which draws a lead gets depends only on the seed, its id and the purpose, never on other
leads, the strategy, the worker or the executor.
"""

from __future__ import annotations

from array import array

import numpy as np

#: Purposes with their own streams, and how many uniforms a lead's row holds for each.
PURPOSES: dict[str, int] = {"traits": 4, "journey": 12, "email": 96, "sales": 24}
PURPOSE_INDEX = {name: i for i, name in enumerate(PURPOSES)}
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

    >>> streams = LeadStreams(7)
    >>> a, b = streams.draws(3, "email"), streams.draws(3, "email")
    >>> [a.next() for _ in range(60)] == [b.next() for _ in range(60)]
    True
    """

    __slots__ = ("_block", "_i", "_key", "_lead", "_root", "_row")

    def __init__(self, row: np.ndarray, root: np.random.SeedSequence, key: int, lead: int):
        # array.array: 8 bytes a draw (a world may hold 10^5 leads at once) and indexing
        # that returns a Python float several times faster than numpy scalar access.
        self._row = array("d", row.tobytes())
        self._i = 0
        self._root = root
        self._key = key
        self._lead = lead
        self._block = 0

    def next(self) -> float:
        i = self._i
        try:
            value = self._row[i]
        except IndexError:
            # Row used up: continue on this lead's own overflow stream, block by block.
            fresh = child(self._root, self._key, 1, self._lead, self._block).random(len(self._row))
            self._row = array("d", fresh.tobytes())
            self._block += 1
            i = 0
            value = self._row[0]
        self._i = i + 1
        return value


class LeadStreams:
    """Hands out each lead's :class:`Draws` for every purpose."""

    def __init__(self, seed: int | np.random.SeedSequence):
        self.root = as_seed_sequence(seed)
        self._chunks: dict[tuple[int, int], np.ndarray] = {}

    def draws(self, lead_id: int, purpose: str) -> Draws:
        key = PURPOSE_INDEX[purpose]
        chunk, row = divmod(lead_id, CHUNK)
        block = self._chunks.get((key, chunk))
        if block is None:
            block = child(self.root, key, 0, chunk).random((CHUNK, PURPOSES[purpose]))
            self._chunks[(key, chunk)] = block
        return Draws(block[row], self.root, key, lead_id)

    def release_before(self, lead_id: int) -> None:
        """Forget blocks of chunks wholly before ``lead_id`` (their leads hold their rows)."""
        last = lead_id // CHUNK
        for k in [k for k in self._chunks if k[1] < last]:
            del self._chunks[k]

    def arrivals(self) -> np.random.Generator:
        """Generator for arrival times and sources (exogenous: the same in every arm)."""
        return child(self.root, ARRIVALS_KEY)
