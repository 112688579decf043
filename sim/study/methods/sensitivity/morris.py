"""Morris elementary-effects screening on SALib, for any priors and noisy models.

``r`` random one-at-a-time trajectories on a ``num_levels`` grid of the unit cube
(``SALib.sample.morris``, Morris 1991; no trajectory optimisation, so every trajectory is an
independent draw and the bootstrap interval of ``mu*`` is valid), mapped through the inputs'
inverse CDFs, so a step is a step in probability: the effects compare inputs on the scale of
their own uncertainty. ``SALib.analyze.morris`` gives ``mu`` (mean effect), ``mu*`` (mean
absolute effect, Campolongo et al. 2007: the importance measure), ``sigma`` (spread: non-linearity
or interactions) and a bootstrap interval for ``mu*``. Effects are per unit of the cube, i.e.
``(Y(x + delta e_i) - Y(x)) / delta`` with ``delta = num_levels / (2 (num_levels - 1))``.

Stochastic models return ``R`` replications per point and are screened on replication means;
the table reports the noise floor of ``mu*`` and ``sigma`` corrected for noise
(:mod:`.replication_noise`), and whether each input stands out of the noise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from SALib.analyze import morris as morris_analyze
from SALib.sample import morris as morris_sample
from scipy import stats

from sim.errors import InputError
from sim.study.methods.inputs import TAIL, UncertainInput, names, unit_to_points
from sim.study.methods.seeding import Seed, as_generator, split
from sim.study.methods.sensitivity.replication_noise import (
    morris_noise_floor,
    noise_share,
    replication_means,
)
from sim.study.methods.sensitivity.sobol import Model


@dataclass(frozen=True, eq=False)
class MorrisDesign:
    """Morris trajectories: unit-cube rows, the points they map to, the grid.

    Attributes:
        names: input names.
        unit: ``(trajectories * (d + 1), d)`` rows on the grid of the unit cube.
        points: ``unit`` mapped through the inputs' inverse CDFs.
        trajectories: ``r``.
        num_levels: grid levels (even).
    """

    names: tuple[str, ...]
    unit: np.ndarray
    points: np.ndarray
    trajectories: int
    num_levels: int

    @property
    def delta(self) -> float:
        """The step on the unit cube."""
        return self.num_levels / (2.0 * (self.num_levels - 1))

    @property
    def problem(self) -> dict[str, Any]:
        """SALib's problem dict (on the unit cube)."""
        return {
            "num_vars": len(self.names),
            "names": list(self.names),
            "bounds": [[0.0, 1.0]] * len(self.names),
        }


def morris_design(
    inputs: Sequence[UncertainInput], trajectories: int = 10, *, num_levels: int = 4, seed: Seed = 0
) -> MorrisDesign:
    """``trajectories`` random Morris trajectories for the inputs.

    Example:
        >>> from sim.study.methods.inputs import Factor
        >>> d = morris_design([Factor("a", stats.uniform()), Factor("b", stats.norm())], 5, seed=1)
        >>> d.points.shape, round(d.delta, 4)
        ((15, 2), 0.6667)
    """
    cols = tuple(names(inputs))
    if trajectories < 2:
        raise InputError("r", f"{trajectories} trajectories: need >= 2")
    if num_levels < 2 or num_levels % 2:
        raise InputError("num_levels", f"{num_levels}: must be an even number >= 2")
    problem = {"num_vars": len(cols), "names": list(cols), "bounds": [[0.0, 1.0]] * len(cols)}
    unit = morris_sample.sample(
        problem,
        trajectories,
        num_levels=num_levels,
        optimal_trajectories=None,
        seed=as_generator(seed),
    )
    return MorrisDesign(
        cols, unit, unit_to_points(inputs, unit, tail=TAIL), trajectories, num_levels
    )


def morris_indices(
    design: MorrisDesign,
    outputs: np.ndarray,
    *,
    n_resamples: int = 1000,
    conf_level: float = 0.95,
    seed: Seed = 0,
) -> pd.DataFrame:
    """``mu``, ``mu*`` with a bootstrap interval, ``sigma``, and the replication-noise floor.

    Returns:
        One row per input, sorted by ``mu*`` (largest first): ``parameter, rank, mu, mu_star,
        mu_star_se, mu_star_ci_lower, mu_star_ci_upper, sigma, sigma_noise_corrected,
        noise_mu_star, above_noise, trajectories, replications, method, note``.
        ``above_noise`` is True when the interval of ``mu*`` lies above the noise floor (always
        True for a deterministic model, whose floor is 0).

    Example:
        >>> from sim.study.methods.inputs import Factor
        >>> ins = [Factor(name, stats.uniform()) for name in ("a", "b")]
        >>> d = morris_design(ins, 20, seed=1)
        >>> t = morris_indices(d, 4 * d.points[:, 0], n_resamples=100)
        >>> t.parameter.tolist(), t.mu_star.tolist()
        (['a', 'b'], [4.0, 0.0])
    """
    y = np.asarray(outputs, dtype=float)
    if y.shape[0] != len(design.unit):
        raise InputError("outputs", f"{y.shape[0]} rows: the design has {len(design.unit)}")
    means, _ = replication_means(y)
    rng = as_generator(seed)
    noise = noise_share(y, seed=rng)
    si = morris_analyze.analyze(
        design.problem,
        design.unit,
        means,
        num_resamples=n_resamples,
        conf_level=conf_level,
        num_levels=design.num_levels,
        seed=rng,
    )
    z = float(stats.norm.ppf(0.5 + conf_level / 2))
    mu_star, conf = np.asarray(si["mu_star"], float), np.asarray(si["mu_star_conf"], float)
    sigma = np.asarray(si["sigma"], float)
    if noise.replications > 1:
        floor = morris_noise_floor(noise.noise_variance, noise.replications, design.delta)
        ee_noise_var = 2.0 * noise.noise_variance / noise.replications / design.delta**2
        note = ""
    else:
        floor, ee_noise_var = 0.0, 0.0
        note = "one evaluation per point: any model noise is in the effects"
    table = pd.DataFrame(
        {
            "parameter": list(design.names),
            "mu": np.asarray(si["mu"], float),
            "mu_star": mu_star,
            "mu_star_se": conf / z,
            "mu_star_ci_lower": mu_star - conf,
            "mu_star_ci_upper": mu_star + conf,
            "sigma": sigma,
            "sigma_noise_corrected": np.sqrt(np.maximum(sigma**2 - ee_noise_var, 0.0)),
            "noise_mu_star": floor,
            "above_noise": mu_star - conf > floor,
            "trajectories": design.trajectories,
            "replications": noise.replications,
            "method": f"morris-{design.num_levels}-levels",
            "note": note,
        }
    )
    table = table.sort_values("mu_star", ascending=False, kind="stable").reset_index(drop=True)
    table.insert(1, "rank", np.arange(1, len(table) + 1))
    return table


def morris_analysis(
    model: Model,
    inputs: Sequence[UncertainInput],
    trajectories: int = 10,
    *,
    num_levels: int = 4,
    seed: Seed = 0,
    n_resamples: int = 1000,
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """Design, evaluate a vectorised ``model`` on all points at once, and screen.

    Example:
        >>> from sim.study.methods.inputs import Factor
        >>> ins = [Factor(n, stats.uniform()) for n in ("a", "b", "c")]
        >>> t = morris_analysis(lambda p: 3 * p[:, 0] + p[:, 1] ** 2, ins, 50, seed=2)
        >>> t.parameter.tolist(), float(t.mu_star[0]), float(t.mu_star[2])
        (['a', 'b', 'c'], 3.0, 0.0)
    """
    design_seed, analysis_seed = split(seed, 2)
    design = morris_design(inputs, trajectories, num_levels=num_levels, seed=design_seed)
    outputs = np.asarray(model(design.points), dtype=float)
    return morris_indices(
        design, outputs, n_resamples=n_resamples, conf_level=conf_level, seed=analysis_seed
    )
