"""Cost per conversion: total cost / conversions per arm, and its change versus the control.

Cost per conversion is a ratio of two means, ``mean(cost) / mean(converted)``, so its
uncertainty comes from both: the spread of costs and, above all when conversions are few, the
chance in the denominator. Methods:

- ``mover-fieller`` (default): Fieller's interval for one arm and for the ratio of two arms
  (below); for the difference of two arms, the two arms' Fieller intervals combined by MOVER
  (Zou and Donner 2008; Zou 2008 for correlated estimates, which a paired design has);
- ``delta``: first-order delta method on the natural scale (symmetric interval);
- ``delta-log``: delta method on the log scale (intervals are ratios, hence asymmetric); for
  a difference between arms, the per-arm log-scale intervals combined by MOVER, with the
  pairing correlation in a paired design;
- ``fieller``: Fieller's theorem, which inverts the normal pivot ``mean(cost) - theta *
  mean(converted)`` instead of linearising the ratio. For the ratio and the difference of two
  arms' costs per conversion the pivot is ``Ct*Yc - theta*Yt*Cc`` (``Ct*Yc - Cc*Yt -
  theta*Yt*Yc``), with its variance from the delta method at each ``theta``. When the
  denominator is not clearly above zero the Fieller set is unbounded: bounds are ``NaN`` with
  a note, which is the honest answer with 3 or 4 conversions;
- ``bootstrap-percentile`` and ``bootstrap-bca``: resampling units (see
  :mod:`sim.analysis.bootstrap`); these need per-unit data (``samples``).

Which to use: docs/analysis-coverage.md measures coverage across four cost models (light
tails, log-normal, a point mass at zero plus a heavy tail, costs correlated with conversion),
10 to 300 conversions per arm, split and paired designs (``docs/cost_coverage.py`` reproduces
it). :data:`DEFAULT_CPC_METHOD` is the method that held 93.5-96.5% in the most cells; no method
holds everywhere, and :func:`coverage_warnings` adds a note to a result that falls where the
default was measured outside that band.

All functions take :class:`~sim.analysis.sufficient.ArmStats` or any object with the same
attribute names holding arrays (e.g. :class:`Sums`), in which case they are vectorised. Two
arms are given treatment first, then control, as everywhere in the analysis layer.

This module is the front; the work is done by :mod:`sim.analysis.cost_moments` (means and
their covariance, the Fieller set), :mod:`sim.analysis.cost_arm` (one arm, coverage notes) and
:mod:`sim.analysis.cost_contrast` (the ratio and difference of two arms), whose names used
elsewhere are importable from here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from sim.analysis.bootstrap import bootstrap_cpc
from sim.analysis.cost_arm import (
    FEW_CONVERSIONS,
    HEAVY_TAIL_CONVERSIONS,
    HEAVY_TAIL_CV,
    arm_cpc_core,
    coverage_warnings,
)
from sim.analysis.cost_contrast import mover, two_arm_core, two_arm_cpc
from sim.analysis.cost_moments import (
    Moments,
    Sums,
    broadcast_moments,
    conversions_of,
    fieller,
    join_independent,
    moments,
)
from sim.analysis.interval import Interval, check_alpha, check_method, finish

__all__ = [
    "BOOTSTRAP_METHODS",
    "CPC_METHODS",
    "CPC_SUFFICIENT_METHODS",
    "DEFAULT_CPC_METHOD",
    "FEW_CONVERSIONS",
    "HEAVY_TAIL_CONVERSIONS",
    "HEAVY_TAIL_CV",
    "Moments",
    "Sums",
    "arm_cpc_core",
    "cost_per_conversion_difference",
    "cost_per_conversion_interval",
    "cost_per_conversion_ratio",
    "coverage_warnings",
    "fieller",
    "join_independent",
    "moments",
    "mover",
    "two_arm_core",
    "two_arm_cpc",
]

#: The methods that work from sufficient statistics alone (no per-unit data).
CPC_SUFFICIENT_METHODS: tuple[str, ...] = ("delta-log", "delta", "fieller", "mover-fieller")
#: The methods that resample units (per-unit data needed; :mod:`sim.analysis.bootstrap`).
BOOTSTRAP_METHODS: tuple[str, ...] = ("bootstrap-percentile", "bootstrap-bca")
CPC_METHODS: tuple[str, ...] = CPC_SUFFICIENT_METHODS + BOOTSTRAP_METHODS
#: The default method: the one whose coverage held 93.5-96.5% in the most cells of
#: docs/analysis-coverage.md. delta-log, the previous default, fell to 0.91-0.93 for paired
#: ratios below 50 conversions and under heavy-tailed costs; joint Fieller differences are
#: often unbounded at 10 conversions.
DEFAULT_CPC_METHOD = "mover-fieller"


def cost_per_conversion_interval(
    stats: Any,
    *,
    alpha: float = 0.05,
    method: str = DEFAULT_CPC_METHOD,
    sample: Any = None,
    n_resamples: int = 2000,
    seed: Any = 0,
) -> Interval:
    """Cost per conversion of one arm with its confidence interval.

    Args:
        stats: :class:`~sim.analysis.sufficient.ArmStats` (or array-valued :class:`Sums`).
        alpha: 1 - confidence level.
        method: one of :data:`CPC_METHODS`.
        sample: per-unit data ``(converted, cost)`` for the bootstrap methods.
        n_resamples: bootstrap resamples.
        seed: seed or ``numpy.random.Generator`` for the bootstrap.

    Example:
        >>> from sim.analysis.sufficient import ArmStats
        >>> s = ArmStats(n=400, conversions=40, cost_sum=24000.0, cost_sq_sum=1.8e6,
        ...              cost_conv_sum=3200.0)
        >>> r = cost_per_conversion_interval(s)
        >>> round(r.estimate, 2), round(r.lower, 2), round(r.upper, 2)
        (600.0, 466.2, 843.43)
    """
    return _estimate("arm", [stats], [sample], alpha, method, n_resamples, seed)


def cost_per_conversion_ratio(
    treatment: Any,
    control: Any,
    *,
    alpha: float = 0.05,
    method: str = DEFAULT_CPC_METHOD,
    samples: Any = None,
    n_resamples: int = 2000,
    seed: Any = 0,
) -> Interval:
    """Ratio of costs per conversion, treatment over control (below 1 = treatment cheaper).

    The p-value tests a ratio of 1 (not available for the bootstrap methods).

    Example:
        >>> from sim.analysis.sufficient import ArmStats
        >>> t = ArmStats(400, 60, 26000.0, 2.0e6, 5000.0)
        >>> c = ArmStats(400, 40, 24000.0, 1.8e6, 3200.0)
        >>> r = cost_per_conversion_ratio(t, c)
        >>> round(r.estimate, 4), round(r.lower, 4), round(r.upper, 4)
        (0.7222, 0.4867, 1.0359)
    """
    arms, per_unit = [treatment, control], _two_samples(samples)
    return _estimate("ratio", arms, per_unit, alpha, method, n_resamples, seed)


def cost_per_conversion_difference(
    treatment: Any,
    control: Any,
    *,
    alpha: float = 0.05,
    method: str = DEFAULT_CPC_METHOD,
    samples: Any = None,
    n_resamples: int = 2000,
    seed: Any = 0,
) -> Interval:
    """Difference of costs per conversion in USD, treatment minus control.

    The p-value tests a difference of 0 (not available for the bootstrap methods).
    """
    arms, per_unit = [treatment, control], _two_samples(samples)
    return _estimate("difference", arms, per_unit, alpha, method, n_resamples, seed)


def _two_samples(samples: Any) -> list[Any]:
    """Per-unit data of (treatment, control), ``None`` for each when not given."""
    return list(samples if samples is not None else (None, None))


def _estimate(
    kind: str,
    arms: Sequence[Any],
    samples: Sequence[Any],
    alpha: float,
    method: str,
    n_resamples: int,
    seed: Any,
) -> Interval:
    """One arm's cost per conversion (``kind="arm"``), or the ratio or difference of two."""
    check_alpha(alpha)
    name = check_method("cpc_method", method, CPC_METHODS)
    if name in BOOTSTRAP_METHODS:
        return bootstrap_cpc(
            arms,
            samples,
            kind=kind,
            alpha=alpha,
            method=name,
            n_resamples=n_resamples,
            seed=seed,
        )
    if kind == "arm":
        scalar, mo = moments(arms[0])
        r = arm_cpc_core(mo, conversions_of(arms[0], mo.n.shape), name, alpha=alpha)
        return finish(scalar, *r[:4], name, r.note)
    treatment, control = arms
    scalar_t, mt = moments(treatment)
    scalar_c, mc = moments(control)
    m = np.broadcast_shapes(mt.n.shape, mc.n.shape)
    r = two_arm_cpc(
        broadcast_moments(mt, m),
        broadcast_moments(mc, m),
        conversions_of(treatment, m),
        conversions_of(control, m),
        kind,
        name,
        alpha=alpha,
    )
    return finish(scalar_t and scalar_c, *r[:4], name, r.note)
