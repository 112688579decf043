"""Probabilistic sensitivity analysis: does the decision survive the assumptions?

``draws`` worlds are drawn from the priors on a scrambled Sobol' sequence
(:meth:`ParameterSpace.sobol`, ``scipy.stats.qmc``); in each, every strategy replays the same
leads with common random numbers (:mod:`sim.study.worlds`, independent seeds across draws).
Per draw the patients won and the fully loaded cost of each strategy (means over the draw's
replications) and the draw's own patient value (the ``[value]`` table, itself uncertain) form
the PSA draws of :mod:`sim.study.methods.value`, from which come:

- P(each strategy is best) on net benefit and on patients, with Monte Carlo SEs;
- the distributions of lift, incremental cost and incremental net benefit vs the control
  (mean with its MC SE, 2.5%-97.5% quantiles, P(> 0) with its MC SE);
- the acceptability curve (P(best) as a function of the value of a patient) and its frontier;
- the break-even patient value (Fieller MC interval and decision-uncertainty interval);
- EVPI and per-parameter EVPPI (Strong, Oakley & Brennan's regression on each parameter's
  unit-cube coordinate — EVPPI does not depend on how a parameter is scaled), with bootstrap
  standard errors.

Replication noise: a draw's outcome is one (or ``R``) replications of a world of finite size,
so its net benefit carries noise as well as the parameters' uncertainty. Pairing the strategies
on common random numbers removes most of it from the *differences* that decide; what is left
inflates the spread of the incremental net benefit and, a little, EVPI (noise looks like
uncertainty perfect information could resolve). With ``R >= 2`` the study reports the share of
the incremental net benefit's variance that is noise (``noise`` table), so a reader can see how
much it matters.

Example:
    >>> import sim
    >>> from sim.config.space import ParameterSpace
    >>> s = sim.load_scenario("configs/scenarios/medical_practice.toml",
    ...                       {"months": 1, "leads_per_month": 30.0})
    >>> st = {n: sim.load_strategy(f"configs/strategies/{n}.toml")
    ...       for n in ("no_nurture", "stage_nurture")}
    >>> space = ParameterSpace.from_entries([{"path": "email.open_prob",
    ...     "distribution": "uniform", "low": 0.1, "high": 0.4, "source": "example"}])
    >>> res = run_uncertainty(s, st, "no_nurture", space, draws=8, seed=1, executor="serial",
    ...                       evppi_bootstrap=0)
    >>> res.prob_best.query("by == 'net_benefit'").strategy.tolist(), len(res.draws)
    (['no_nurture', 'stage_nurture'], 8)
    >>> sorted(res.headline())[:3]
    ['break_even_lower', 'break_even_upper', 'break_even_value_usd']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.config import Scenario, Strategy
from sim.config.space import ParameterSpace
from sim.errors import InputError
from sim.study.coordinates import coordinate_names, resolved_configs
from sim.study.folder import StudyRun, finish, run_points
from sim.study.worlds import points_from_space

#: Most draws one study may ask for.
MAX_DRAWS = 65536
#: How the study's worlds are drawn and seeded, for its manifest.
DESIGN = (
    "scrambled Sobol' draws (scipy.stats.qmc, seeded); strategies paired on common random "
    "numbers within each draw; draws on independent seeds"
)
REPLICATION_SEEDS = "draw i, replication r: SeedSequence(point_seed(seed, i), spawn_key=(r,))"


@dataclass
class UncertaintyResult:
    """The tables of a PSA (each a DataFrame), and the run folder when one was written."""

    control: str
    strategies: tuple[str, ...]
    evaluations: pd.DataFrame  # one row per (point, strategy, replication)
    draws: pd.DataFrame  # one row per draw: parameter values, unit coordinates, per-strategy means
    prob_best: pd.DataFrame
    distributions: pd.DataFrame
    acceptability: pd.DataFrame
    frontier: pd.DataFrame
    break_even: pd.DataFrame
    evpi: pd.DataFrame
    evppi: pd.DataFrame
    noise: pd.DataFrame
    run_dir: Path | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table by the name of its CSV file in the run folder."""
        return {
            "evaluations": self.evaluations,
            "draws": self.draws,
            "prob_best": self.prob_best,
            "distributions": self.distributions,
            "acceptability": self.acceptability,
            "frontier": self.frontier,
            "break_even": self.break_even,
            "evpi": self.evpi,
            "evppi": self.evppi,
            "noise": self.noise,
        }

    def headline(self, strategy: str | None = None) -> dict[str, float]:
        """P(``strategy`` beats the control on net benefit) with its MC error, and more."""
        strategy = strategy or next(s for s in self.strategies if s != self.control)
        d = self.distributions.set_index(["strategy", "metric"])
        inb = d.loc[(strategy, "incremental_net_benefit")]
        be = self.break_even.set_index("strategy").loc[strategy]
        pb = self.prob_best.set_index(["by", "strategy"]).loc[("net_benefit", strategy)]
        return {
            "strategy": strategy,
            "control": self.control,
            "p_beats_control": float(inb["p_positive"]),
            "p_beats_control_se": float(inb["p_positive_se"]),
            "inc_net_benefit_mean": float(inb["mean"]),
            "inc_net_benefit_se": float(inb["mean_se"]),
            "p_best": float(pb["p_best"]),
            "p_best_se": float(pb["p_best_se"]),
            "break_even_value_usd": float(be["estimate"]),
            "break_even_lower": float(be["lower"]),
            "break_even_upper": float(be["upper"]),
            "evpi": float(self.evpi["evpi"].iloc[0]),
            "evpi_se": float(self.evpi["evpi_se"].iloc[0]),
        }


def value_grid(base_value: float, points: int = 41) -> np.ndarray:
    """Patient values for the acceptability curve: 0, then log-spaced up to 3x the default.

    >>> g = value_grid(1904.0, 5); float(g[0]), round(g[-1])
    (0.0, 5712)
    """
    top = max(3.0 * base_value, 100.0)
    return np.r_[0.0, np.geomspace(10.0, top, points - 1)]


def run_uncertainty(
    scenario: Scenario,
    strategies: Mapping[str, Strategy],
    control: str,
    space: ParameterSpace,
    *,
    draws: int = 64,
    replications: int = 1,
    seed: int = 0,
    values: Sequence[float] | None = None,
    evppi_bootstrap: int = 200,
    alpha: float = 0.05,
    results: str | Path | None = None,
    resume: bool = False,
    executor: str = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    progress=None,
    name: str | None = None,
) -> UncertaintyResult:
    """Run a PSA of ``strategies`` against ``control`` over ``space``'s priors.

    Args:
        draws: worlds drawn from the priors (a power of 2 keeps Sobol' balanced).
        replications: replications per draw (>= 2 measures the replication noise).
        values: patient values of the acceptability curve (default: :func:`value_grid`).
        results: a results root to write ``<name>/<run-id>/`` under (None: write nothing).
        name: the study's folder name (default ``uncertainty-<scenario name>``).
    """
    names = list(strategies)
    _check(names, control, draws, space)
    unit = space.sobol(draws, seed)
    assignments = space.points(unit)
    points = points_from_space(space, assignments, scenario, strategies)

    run = StudyRun(results, resume, executor, workers, scheduler, progress)
    resolved = {
        "study": "uncertainty",
        **resolved_configs(scenario, strategies, space),
        "control": control,
        "draws": draws,
        "replications": replications,
        "seed": seed,
    }
    study = name or f"uncertainty-{scenario.name}"
    evals = run_points(
        run,
        study,
        resolved,
        points,
        control,
        replications=replications,
        seed=seed,
        seeds="independent",
    )

    settings = {"draws": draws, "replications": replications, "seed": seed, "study": study}
    result = _psa_result(
        space, (assignments, unit, points), evals, names, control, values, alpha,
        evppi_bootstrap, settings,
    )  # fmt: skip
    if run.store is not None:
        manifest = {
            "study": "uncertainty",
            "scenario": scenario.name,
            "strategies": names,
            "control": control,
            "priors_file": space.where,
            "draws": draws,
            "replications": replications,
            "seed": seed,
            "design": DESIGN,
            "replication_seeds": REPLICATION_SEEDS,
            "headline": result.headline(),
            "resolved": resolved,
        }
        finish(run, result, manifest)
    return result


def _psa_result(
    space, design, evals, names, control, values, alpha, evppi_bootstrap, settings
) -> UncertaintyResult:
    """The PSA tables from the evaluations of the design's points (``settings``: the meta)."""
    from sim.study.methods.value import (
        acceptability_curve,
        acceptability_frontier,
        break_even_table,
        evpi,
        evppi,
        prob_best,
        summarize,
    )
    from sim.study.methods.value.psa import PSADraws

    assignments, unit, points = design
    draws, replications, seed = settings["draws"], settings["replications"], settings["seed"]
    coords = coordinate_names(space)
    unit_df = pd.DataFrame(unit, columns=[f"u:{c}" for c in coords])
    means = evals.groupby(["point", "strategy"], sort=False)[
        ["conversions", "cost_total_usd", "abs_lift", "net_benefit_usd"]
    ].mean()
    patients = means["conversions"].unstack("strategy")[names].to_numpy()
    cost = means["cost_total_usd"].unstack("strategy")[names].to_numpy()
    value = np.array([p.scenario.value.patient_value_usd for p in points])
    params = pd.DataFrame(unit, columns=coords)
    d = PSADraws(tuple(names), patients, cost, value, params)

    table = _draws_table(space, assignments, unit_df, names, patients, cost, value)
    grid = np.asarray(values if values is not None else value_grid(float(np.median(value))))
    curve = acceptability_curve(d, grid)
    nb = d.net_benefit()
    e = evpi(nb)
    result = UncertaintyResult(
        control=control,
        strategies=tuple(names),
        evaluations=evals,
        draws=table,
        prob_best=pd.concat([prob_best(d), prob_best(d, by="patients")], ignore_index=True),
        distributions=summarize(d, control, alpha=alpha),
        acceptability=curve,
        frontier=acceptability_frontier(curve),
        break_even=break_even_table(d, control, alpha=alpha),
        evpi=pd.DataFrame(
            [
                {
                    "evpi": e.estimate,
                    "evpi_se": e.se,
                    "method": e.method,
                    "draws": draws,
                    "patient_value": "per draw",
                }
            ]
        ),
        evppi=evppi(nb, params, n_bootstrap=evppi_bootstrap, seed=seed)
        .sort_values("evppi", ascending=False, kind="stable")
        .reset_index(drop=True),
        noise=_noise(evals, names, control, replications, seed),
        meta=dict(settings),
    )
    return result


def _check(names: list[str], control: str, draws: int, space: ParameterSpace) -> None:
    if control not in names:
        raise InputError("--control", f"{control!r} is not a strategy: {', '.join(names)}")
    if len(names) < 2:
        raise InputError("strategies", "a PSA compares at least two strategies")
    if not 2 <= draws <= MAX_DRAWS:
        raise InputError("--draws", f"{draws} is not allowed: between 2 and {MAX_DRAWS}")
    if not space.varying:
        raise InputError(space.where, "no parameter varies: nothing to be uncertain about")


def _draws_table(space, assignments, unit_df, names, patients, cost, value) -> pd.DataFrame:
    rows = []
    for a in assignments:
        row = {}
        for p in space.varying:
            v = a[p.name]
            if isinstance(v, tuple):
                row |= {f"{p.name}[{k}]": x for k, x in enumerate(v)}
            else:
                row[p.name] = v
        rows.append(row)
    df = pd.DataFrame(rows)
    df.insert(0, "draw", range(len(df)))
    df["patient_value_usd"] = value
    for j, n in enumerate(names):
        df[f"patients[{n}]"] = patients[:, j]
        df[f"cost_usd[{n}]"] = cost[:, j]
        df[f"net_benefit[{n}]"] = value * patients[:, j] - cost[:, j]
    return pd.concat([df, unit_df], axis=1)


def _noise(evals, names, control, replications, seed) -> pd.DataFrame:
    """Share of the variance of each strategy's per-draw incremental NB that is noise."""
    from sim.study.methods.sensitivity import noise_share

    rows = []
    if replications < 2:
        return pd.DataFrame(
            [
                {
                    "strategy": n,
                    "noise_share": np.nan,
                    "noise_share_se": np.nan,
                    "replications": replications,
                    "note": "one replication per draw: noise not measured",
                }
                for n in names
                if n != control
            ]
        )
    wide = evals.pivot_table(
        index=["point", "replication"], columns="strategy", values="net_benefit_usd"
    )
    for n in names:
        if n == control:
            continue
        inb = (wide[n] - wide[control]).unstack("replication").to_numpy()
        ns = noise_share(inb, seed=seed)
        rows.append(
            {
                "strategy": n,
                "noise_share": ns.share,
                "noise_share_se": ns.se,
                "replications": replications,
                "note": "",
            }
        )
    return pd.DataFrame(rows)
