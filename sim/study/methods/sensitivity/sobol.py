"""Sobol' first- and total-order sensitivity indices on SALib, for any priors and noisy models.

The design is SALib's Saltelli extension of a scrambled Sobol' sequence (``SALib.sample.sobol``,
``N (D + 2)`` points for ``N`` base samples, no second-order terms) drawn on the unit cube and
mapped through each input's inverse CDF (:mod:`~sim.study.methods.inputs`), so non-uniform
priors get their own indices. The analysis is ``SALib.analyze.sobol``: Saltelli et al. (2010)
first-order and Jansen total-order estimators, with bootstrap confidence half-widths ``z * SD`` over
resampled base rows; ``*_se`` are those SDs and the intervals ``estimate +- z * se``.

A stochastic model returns ``R`` replications per point (``(points, R)``); the indices are of
the replication means, corrected for the noise share estimated from the replication variance
(:mod:`.replication_noise`, which explains the choice). The raw indices stay in the
table (``s1_raw``, ``st_raw``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import sobol as sobol_sample
from scipy import stats

from sim.errors import InputError
from sim.study.methods.inputs import UncertainInput, names, unit_to_points
from sim.study.methods.seeding import Seed, as_generator, salib_seed, split
from sim.study.methods.sensitivity.replication_noise import (
    correct_sobol,
    noise_share,
    replication_means,
)

#: A model: points ``(n, d)`` in the inputs' order -> outputs ``(n,)`` or ``(n, R)``.
Model = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True, eq=False)
class SobolDesign:
    """A Saltelli design: unit-cube rows, the points they map to, and SALib's problem.

    Attributes:
        names: input names, one per column.
        unit: design on the unit cube, ``(n_base * (d + 2), d)``.
        points: ``unit`` mapped through the inputs' inverse CDFs.
        n_base: ``N``, the number of base samples (a power of 2).
    """

    names: tuple[str, ...]
    unit: np.ndarray
    points: np.ndarray
    n_base: int

    @property
    def problem(self) -> dict[str, Any]:
        """SALib's problem dict (on the unit cube)."""
        return {
            "num_vars": len(self.names),
            "names": list(self.names),
            "bounds": [[0.0, 1.0]] * len(self.names),
        }

    def base_rows(self) -> np.ndarray:
        """Mask of the A and B rows (independent draws from the priors)."""
        step = len(self.names) + 2
        pos = np.arange(len(self.unit)) % step
        return (pos == 0) | (pos == step - 1)


def sobol_design(inputs: Sequence[UncertainInput], n_base: int, seed: Seed = 0) -> SobolDesign:
    """A Saltelli design with ``n_base`` base samples (a power of 2) for the inputs.

    Example:
        >>> from sim.study.methods.inputs import Factor
        >>> d = sobol_design([Factor("a", stats.uniform()), Factor("b", stats.norm())], 8, seed=1)
        >>> d.points.shape, int(d.base_rows().sum())
        ((32, 2), 16)
    """
    cols = tuple(names(inputs))
    if n_base < 2 or n_base & (n_base - 1):
        raise InputError("n", f"{n_base}: the number of base samples must be a power of 2 (>= 2)")
    problem = {"num_vars": len(cols), "names": list(cols), "bounds": [[0.0, 1.0]] * len(cols)}
    unit = sobol_sample.sample(
        problem, n_base, calc_second_order=False, scramble=True, seed=as_generator(seed)
    )
    return SobolDesign(cols, unit, unit_to_points(inputs, unit), n_base)


def sobol_indices(
    design: SobolDesign,
    outputs: np.ndarray,
    *,
    n_resamples: int = 1000,
    conf_level: float = 0.95,
    seed: Seed = 0,
) -> pd.DataFrame:
    """First- and total-order indices with bootstrap intervals, noise-corrected.

    Args:
        design: the design the outputs belong to.
        outputs: one output per design row ``(n,)``, or ``R`` replications ``(n, R)``.
        n_resamples: bootstrap resamples (SALib's ``num_resamples``).
        conf_level: interval level.
        seed: bootstrap seed.

    Returns:
        One row per input: ``parameter, s1, s1_se, s1_ci_lower, s1_ci_upper, st, st_se,
        st_ci_lower, st_ci_upper, s1_raw, st_raw, noise_share, noise_share_se, n_base,
        evaluations, replications, method, note``.

    Example:
        >>> from sim.study.methods.inputs import Factor
        >>> ins = [Factor(name, stats.uniform()) for name in ("a", "b")]
        >>> d = sobol_design(ins, 512, seed=4)
        >>> rng = np.random.default_rng(5)  # 4 noisy replications per point
        >>> y = (d.points @ [1.0, 2.0])[:, None] + rng.normal(0, 0.2, (len(d.points), 4))
        >>> t = sobol_indices(d, y, n_resamples=100, seed=6)
        >>> t.s1.round(1).tolist(), int(t.replications[0])  # analytic: 1/5, 4/5
        ([0.2, 0.8], 4)
    """
    y = np.asarray(outputs, dtype=float)
    if y.shape[0] != len(design.unit):
        raise InputError("outputs", f"{y.shape[0]} rows: the design has {len(design.unit)}")
    means, _ = replication_means(y)
    rng = as_generator(seed)
    noise = noise_share(y, rows=design.base_rows(), seed=rng)
    si = sobol_analyze.analyze(
        design.problem,
        means,
        calc_second_order=False,
        num_resamples=n_resamples,
        conf_level=conf_level,
        seed=salib_seed(rng),
    )
    z = float(stats.norm.ppf(0.5 + conf_level / 2))
    s1_raw, st_raw = np.asarray(si["S1"]), np.asarray(si["ST"])
    s1, st = correct_sobol(s1_raw, st_raw, noise.share)
    scale = 1.0 / (1.0 - noise.share) if np.isfinite(noise.share) else 1.0
    s1_se, st_se = np.asarray(si["S1_conf"]) / z * scale, np.asarray(si["ST_conf"]) / z * scale
    note = (
        ""
        if noise.replications > 1
        else "one evaluation per point: any model noise is in the indices"
    )
    return pd.DataFrame(
        {
            "parameter": list(design.names),
            "s1": s1,
            "s1_se": s1_se,
            "s1_ci_lower": s1 - z * s1_se,
            "s1_ci_upper": s1 + z * s1_se,
            "st": st,
            "st_se": st_se,
            "st_ci_lower": st - z * st_se,
            "st_ci_upper": st + z * st_se,
            "s1_raw": s1_raw,
            "st_raw": st_raw,
            "noise_share": noise.share,
            "noise_share_se": noise.se,
            "n_base": design.n_base,
            "evaluations": int(y.size),
            "replications": noise.replications,
            "method": "saltelli2010-jansen",
            "note": note,
        }
    )


def sobol_analysis(
    model: Model,
    inputs: Sequence[UncertainInput],
    n_base: int,
    *,
    seed: Seed = 0,
    n_resamples: int = 1000,
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """Design, evaluate a vectorised ``model`` on all points at once, and analyse.

    Example:
        >>> from sim.study.methods.inputs import Factor
        >>> ins = [Factor(name, stats.uniform()) for name in ("a", "b", "c")]
        >>> t = sobol_analysis(lambda p: p[:, 0] + 2 * p[:, 1], ins, 1024, seed=3)
        >>> t.s1.round(1).tolist()  # analytic: 1/5, 4/5, 0
        [0.2, 0.8, 0.0]
    """
    design_seed, analysis_seed = split(seed, 2)
    design = sobol_design(inputs, n_base, design_seed)
    outputs = np.asarray(model(design.points), dtype=float)
    return sobol_indices(
        design, outputs, n_resamples=n_resamples, conf_level=conf_level, seed=analysis_seed
    )
