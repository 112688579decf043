"""One way to turn a seed into a random generator: never global state."""

from __future__ import annotations

from typing import TypeAlias

import numpy as np

#: What every seeded function of the study layer accepts.
Seed: TypeAlias = int | np.random.SeedSequence | np.random.Generator


def as_generator(seed: Seed) -> np.random.Generator:
    """A :class:`numpy.random.Generator` from an int, a SeedSequence or a Generator.

    A Generator is returned as is (the caller shares its stream on purpose); ``None`` is
    refused, because an unseeded study could not be reproduced.

    Example:
        >>> a = as_generator(7).random()
        >>> b = as_generator(np.random.SeedSequence(7)).random()
        >>> a == b
        True
    """
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or isinstance(seed, bool):
        raise TypeError(
            "seed: give an int, a SeedSequence or a Generator (None is not reproducible)"
        )
    return np.random.default_rng(seed)


def salib_seed(rng: np.random.Generator) -> int:
    """A positive int seed for SALib functions drawn from ``rng``.

    SALib's ``sobol.analyze`` treats a falsy seed (0, None) as "use NumPy's global state", so
    the seed handed to it must be a positive int.

    Example:
        >>> salib_seed(np.random.default_rng(1)) > 0
        True
    """
    return int(rng.integers(1, 2**31 - 1))


def split(seed: Seed, n: int) -> list[np.random.Generator]:
    """``n`` independent generators from one seed (for the stages of a study).

    Example:
        >>> a, b = split(3, 2)
        >>> a.random() != b.random()
        True
    """
    if isinstance(seed, np.random.Generator):
        return seed.spawn(n)
    if seed is None or isinstance(seed, bool):
        raise TypeError(
            "seed: give an int, a SeedSequence or a Generator (None is not reproducible)"
        )
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    return [np.random.default_rng(s) for s in ss.spawn(n)]
