"""Bootstrap intervals for cost per conversion, vectorised and seeded.

Units (leads) are resampled with replacement within each arm, independently across arms, and
the statistic is recomputed from the resampled sums of cost and conversions. Resampling is done
in blocks of resamples as index arrays (``Generator.integers``) gathered from the per-unit
arrays, so there is no Python loop over units or resamples.

Large arms: an arm with more than ``max_units`` units is first split at random into
``max_units`` blocks of (almost) equal size, and the blocks' sums are resampled instead of
single units. Units are independent, so randomly formed blocks are too, and the sum of
resampled block sums has the same mean, variance (up to a factor (B-1)/B versus (n-1)/n) and
skewness as the sum of resampled units; with 50,000 blocks the difference is far below
Monte Carlo error, and it turns 2,000 resamples of a million units from minutes into about a
second (benchmarks/RESULTS-analysis.md). Arms of up to ``max_units`` units are resampled
exactly.

Intervals: ``bootstrap-percentile`` takes the alpha/2 and 1 - alpha/2 quantiles of the
resampled statistic; ``bootstrap-bca`` (Efron 1987) corrects them for bias (z0, from the share
of resamples below the estimate) and skewness (acceleration, from the empirical influence values
of the ratio of means, which for a ratio estimator are exact and cost one pass over the data).
Quantiles are order statistics (``numpy.quantile(method="inverted_cdf")``), which stay defined
when a few resamples have no conversions (an infinite cost per conversion).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy import stats as sps

from sim.analysis.interval import Interval, add_note, check_alpha, finish, notes_array
from sim.errors import InputError

#: Arms larger than this are resampled as this many random blocks of units.
MAX_UNITS = 50_000
# Index arrays are drawn this many elements at a time (bounded memory: ~32 MB of int64).
_CHUNK_ELEMENTS = 4_000_000


def bootstrap_cpc(
    stats: Sequence[Any],
    samples: Sequence[Any],
    *,
    kind: str = "arm",
    alpha: float = 0.05,
    method: str = "bootstrap-bca",
    n_resamples: int = 2000,
    seed: Any = 0,
    max_units: int = MAX_UNITS,
) -> Interval:
    """Bootstrap interval for one arm's cost per conversion, or a ratio/difference of two.

    Args:
        stats: one or two arms' sufficient statistics (only used to check arity).
        samples: per-unit data, one ``(converted, cost)`` pair of arrays per arm (treatment
            first for a ratio or difference).
        kind: ``"arm"``, ``"ratio"`` (treatment / control) or ``"difference"`` (treatment -
            control).
        alpha: 1 - confidence level.
        method: ``bootstrap-percentile`` or ``bootstrap-bca``.
        n_resamples: number of bootstrap resamples.
        seed: ``int``, ``SeedSequence`` or ``numpy.random.Generator``.
        max_units: arms larger than this are resampled as random blocks (see module doc).

    Example:
        >>> rng = np.random.default_rng(5)
        >>> y = rng.random(300) < 0.2
        >>> c = 50 + rng.exponential(30, 300) + 40 * y
        >>> r = bootstrap_cpc([None], [(y, c)], method="bootstrap-bca", seed=1)
        >>> bool(r.lower < r.estimate < r.upper), r.method
        (True, 'bootstrap-bca')
    """
    arms = _check(stats, samples, kind, alpha, method, n_resamples)
    units = [_units(sample) for sample in samples]
    notes = notes_array((1,))
    nan = np.array([np.nan])
    who = ["treatment", "control"] if arms == 2 else [""]
    for (y, c), name in zip(units, who, strict=True):
        reason = _degenerate(y, c, ratio_control=kind == "ratio" and name == "control")
        if reason:
            add_note(notes, [True], f"{name}: {reason}" if name else reason)
    if notes[0]:
        return finish(True, nan, nan, nan, nan, method, notes)

    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    streams = rng.spawn(arms)
    resampled = [
        _resample_sums(y, c, int(n_resamples), stream, max_units)
        for (y, c), stream in zip(units, streams, strict=True)
    ]
    theta_hat = _statistic(kind, [(c.sum(), y.sum()) for y, c in units])
    with np.errstate(divide="ignore", invalid="ignore"):
        theta = _statistic(kind, resampled)
    undefined = np.isnan(theta)
    theta = theta[~undefined]
    if undefined.any():
        add_note(notes, [True], f"{int(undefined.sum())} resamples undefined and dropped")
    if theta.size < 0.5 * n_resamples:
        add_note(notes, [True], "too few conversions for the bootstrap")
        return finish(True, np.array([theta_hat]), nan, nan, nan, method, notes)

    probs = np.array([alpha / 2, 1 - alpha / 2])
    if method == "bootstrap-bca":
        probs = _bca_levels(probs, theta, theta_hat, _acceleration(kind, units))
        if probs is None:
            add_note(notes, [True], "bca: every resample on one side of the estimate")
            return finish(True, np.array([theta_hat]), nan, nan, nan, method, notes)
    lower, upper = np.quantile(theta, probs, method="inverted_cdf")
    return finish(
        True, np.array([theta_hat]), np.array([lower]), np.array([upper]), nan, method, notes
    )


def _check(
    stats: Sequence[Any],
    samples: Sequence[Any],
    kind: str,
    alpha: float,
    method: str,
    n_resamples: int,
) -> int:
    """The number of arms; :class:`InputError` for arguments the bootstrap cannot take."""
    check_alpha(alpha)
    if method not in ("bootstrap-percentile", "bootstrap-bca"):
        raise InputError("cpc_method", f"{method!r} is not a bootstrap method")
    if kind not in ("arm", "ratio", "difference"):
        raise InputError("kind", f"{kind!r} is not allowed: use arm, ratio or difference")
    arms = 1 if kind == "arm" else 2
    if len(samples) != arms or len(stats) != arms:
        raise InputError("samples", f"{kind} needs {arms} arm(s) of per-unit data")
    if any(s is None for s in samples):
        raise InputError(
            "cpc_method",
            f"{method} needs per-unit data (converted and cost arrays per arm); "
            "with sufficient statistics only, use fieller, delta or delta-log",
        )
    if int(n_resamples) < 100:
        raise InputError("n_resamples", f"{n_resamples} is not allowed: use at least 100")
    return arms


def _bca_levels(
    probs: np.ndarray, theta: np.ndarray, theta_hat: float, accel: float
) -> np.ndarray | None:
    """BCa's corrected quantile levels (Efron 1987); ``None`` if every resample is on one side."""
    below = (np.sum(theta < theta_hat) + 0.5 * np.sum(theta == theta_hat)) / theta.size
    if not 0.0 < below < 1.0:
        return None
    z0 = sps.norm.ppf(below)
    zq = sps.norm.ppf(probs)
    return sps.norm.cdf(z0 + (z0 + zq) / (1 - accel * (z0 + zq)))


def _units(sample: Any) -> tuple[np.ndarray, np.ndarray]:
    converted, cost = sample
    y = np.asarray(converted, dtype=np.float64).ravel()
    c = np.asarray(cost, dtype=np.float64).ravel()
    if y.shape != c.shape:
        raise InputError("samples", f"converted has {y.size} units but cost has {c.size}")
    return y, c


def _degenerate(y: np.ndarray, c: np.ndarray, *, ratio_control: bool) -> str:
    if y.size == 0:
        return "empty arm: no units"
    if np.isnan(c).any():
        return "no cost data"
    if y.sum() <= 0:
        return "no conversions: cost per conversion undefined"
    if y.size == 1:
        return "one unit: no variance"
    if ratio_control and c.sum() <= 0:
        return "zero total cost: ratio undefined"
    return ""


def _resample_sums(
    y: np.ndarray, c: np.ndarray, n_resamples: int, rng: np.random.Generator, max_units: int
) -> tuple[np.ndarray, np.ndarray]:
    """Resampled (cost sum, conversion sum) pairs, one per resample."""
    n = y.size
    if n > max_units:
        block = np.empty(n, dtype=np.intp)
        block[rng.permutation(n)] = np.arange(n) % max_units
        c = np.bincount(block, weights=c, minlength=max_units)
        y = np.bincount(block, weights=y, minlength=max_units)
        n = max_units
    cost_sums = np.empty(n_resamples)
    conv_sums = np.empty(n_resamples)
    step = max(1, _CHUNK_ELEMENTS // n)
    for start in range(0, n_resamples, step):
        stop = min(start + step, n_resamples)
        idx = rng.integers(0, n, size=(stop - start, n))
        cost_sums[start:stop] = c[idx].sum(axis=1)
        conv_sums[start:stop] = y[idx].sum(axis=1)
    return cost_sums, conv_sums


def _statistic(kind: str, sums: Sequence[tuple[Any, Any]]) -> Any:
    """Cost per conversion, or the ratio/difference of two, from (cost sum, conversions)."""
    cpc = [np.asarray(c, dtype=float) / np.asarray(y, dtype=float) for c, y in sums]
    if kind == "arm":
        return cpc[0]
    if kind == "ratio":
        return cpc[0] / cpc[1]
    return cpc[0] - cpc[1]


def _acceleration(kind: str, units: Sequence[tuple[np.ndarray, np.ndarray]]) -> float:
    """BCa acceleration from empirical influence values, U = IF / n per arm (Efron 1987)."""
    pieces = []
    for k, (y, c) in enumerate(units):
        n = y.size
        cost_mean, conv_mean = c.mean(), y.mean()
        resid = c - (cost_mean / conv_mean) * y
        # Influence of this arm's cost per conversion; for a ratio take logs (a is invariant).
        scale = cost_mean if kind == "ratio" else conv_mean
        sign = -1.0 if k == 1 else 1.0
        pieces.append(sign * resid / scale / n)
    u = np.concatenate(pieces)
    denom = 6.0 * np.sum(u**2) ** 1.5
    return float(np.sum(u**3) / denom) if denom > 0 else 0.0
