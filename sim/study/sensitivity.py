"""Global sensitivity analysis of the world: which assumptions drive nurturing's answer?

Design on the unit cube of the space's varying coordinates (:mod:`sim.study.coordinates`) —
Morris trajectories or a Saltelli design from SALib via :mod:`sim.study.methods.sensitivity` —
mapped through the priors (:meth:`ParameterSpace.points`); every design point is a world in
which the control and the studied strategy replay the same leads (common random numbers).

Outputs, for the studied strategy against the control, per point and replication:

- ``abs_lift``: extra conversion rate (patients per lead) over the control;
- ``patients_per_1000_usd``: the strategy's patients per $1,000 of fully loaded cost;
- ``inc_net_benefit_usd``: its net benefit minus the control's (patients at the point's
  patient value, less the fully loaded cost).

Replication noise, honestly: each point runs ``R`` replications on seeds independent of every
other point's, and the indices are computed on the replication means. The within-point
variance estimates the noise, which is reported (``noise_share``) and removed exactly from
Sobol' indices and shown as a noise floor for Morris' ``mu*``
(:mod:`sim.study.methods.sensitivity.replication_noise`). We do *not* add the seed as a factor:
the indices would then mix the parameters' effects on the mean response with the noise, and
the seed's "index" says nothing a practice can act on. ``R = 1`` runs, but the tables then say
the noise is not measured.

Morris' grid puts points on the cube's faces; every coordinate is cut to
``[TAIL, 1 - TAIL]`` (0.1% and 99.9% quantiles) so a prior with an infinite tail maps to a finite
value and the end levels stand for its extreme quantiles.

Example:
    >>> import sim
    >>> from sim.config.space import ParameterSpace
    >>> s = sim.load_scenario("configs/scenarios/medical_practice.toml",
    ...                       {"months": 1, "leads_per_month": 30.0})
    >>> st = {n: sim.load_strategy(f"configs/strategies/{n}.toml")
    ...       for n in ("no_nurture", "stage_nurture")}
    >>> space = ParameterSpace.from_entries([
    ...     {"path": "email.open_prob", "distribution": "uniform", "low": 0.1, "high": 0.4,
    ...      "source": "example"},
    ...     {"path": "cost_per_lead_usd", "distribution": "uniform", "low": 10, "high": 30,
    ...      "source": "example"}])
    >>> res = run_sensitivity(s, st, "no_nurture", space, method="morris", n=2,
    ...                       replications=2, executor="serial", n_resamples=50)
    >>> sorted(res.indices.output.unique())
    ['abs_lift', 'inc_net_benefit_usd', 'patients_per_1000_usd']
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

METHODS = ("morris", "sobol")
#: The outputs every analysis reports, in order.
OUTPUTS = ("abs_lift", "patients_per_1000_usd", "inc_net_benefit_usd")
#: Probability cut from each end of a coordinate on Morris' grid.
TAIL = 1e-3
#: Most world evaluations one study may ask for (points x replications).
MAX_POINTS = 200_000
#: How the study treats replication noise, for its manifest.
NOISE = (
    "replications averaged per point on independent seeds; noise share reported and removed "
    "(Sobol') or shown as a floor (Morris)"
)


@dataclass
class SensitivityResult:
    """Indices per (output, parameter), the evaluations behind them, and the run folder."""

    method: str
    strategy: str
    control: str
    indices: pd.DataFrame
    outputs: pd.DataFrame  # one row per (point, replication): the outputs and unit coordinates
    evaluations: pd.DataFrame
    run_dir: Path | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"indices": self.indices, "outputs": self.outputs, "evaluations": self.evaluations}

    def top(self, output: str = "abs_lift", k: int = 5) -> list[str]:
        """The ``k`` parameters that move ``output`` most (mu* for Morris, ST for Sobol')."""
        t = self.indices[self.indices.output == output]
        key = "mu_star" if self.method == "morris" else "st"
        return t.sort_values(key, ascending=False, kind="stable").parameter.head(k).tolist()


class _Unit:
    """A coordinate of the unit cube as a methods input (identity inverse CDF)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def ppf(self, q: np.ndarray) -> np.ndarray:
        return np.asarray(q, dtype=float)


def study_outputs(evals: pd.DataFrame, strategy: str, control: str) -> pd.DataFrame:
    """The three outputs per (point, replication) from per-strategy evaluation rows.

    >>> ev = pd.DataFrame({"point": [0, 0], "replication": [0, 0], "strategy": ["c", "t"],
    ...     "abs_lift": [0.0, 0.05], "conversions": [10, 15], "cost_total_usd": [1000.0, 1500.0],
    ...     "net_benefit_usd": [900.0, 1200.0]})
    >>> study_outputs(ev, "t", "c").iloc[0].tolist()
    [0.0, 0.0, 0.05, 10.0, 300.0]
    """
    key = ["point", "replication"]
    t = evals[evals.strategy == strategy].set_index(key).sort_index()
    c = evals[evals.strategy == control].set_index(key).sort_index()
    out = pd.DataFrame(index=t.index)
    out["abs_lift"] = t["abs_lift"]
    cost = t["cost_total_usd"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["patients_per_1000_usd"] = np.where(
            cost > 0, 1000.0 * t["conversions"].to_numpy(float) / cost, np.nan
        )
    out["inc_net_benefit_usd"] = t["net_benefit_usd"] - c["net_benefit_usd"]
    return out.reset_index().astype(float)


def make_design(space: ParameterSpace, method: str, n: int | None, seed: int, num_levels: int = 4):
    """The method's design on the space's unit cube: ``(design, unit rows to map)``."""
    from sim.study.methods.sensitivity import morris_design, sobol_design

    inputs = [_Unit(c) for c in coordinate_names(space)]
    if method == "morris":
        design = morris_design(inputs, 10 if n is None else n, num_levels=num_levels, seed=seed)
        return design, np.clip(design.unit, TAIL, 1.0 - TAIL)
    design = sobol_design(inputs, 64 if n is None else n, seed=seed)
    return design, design.unit


def design_indices(
    design, method: str, out: pd.DataFrame, outputs: Sequence[str], n_resamples: int, seed: int
) -> pd.DataFrame:
    """Indices of each output column of ``out`` (rows: ``point``, ``replication``)."""
    from sim.study.methods.sensitivity import morris_indices, sobol_indices

    tables = []
    for o in outputs:
        y = out.pivot(index="point", columns="replication", values=o).sort_index().to_numpy()
        if not np.all(np.isfinite(y)):
            # a design point with no cost or no patients: indices need every output
            y = np.where(np.isfinite(y), y, np.nanmean(y))
        if method == "morris":
            t = morris_indices(design, y, n_resamples=n_resamples, seed=seed)
        else:
            t = sobol_indices(design, y, n_resamples=n_resamples, seed=seed)
        t.insert(0, "output", o)
        tables.append(t)
    return pd.concat(tables, ignore_index=True)


def model_sensitivity(
    model,
    space: ParameterSpace,
    *,
    method: str = "sobol",
    n: int | None = None,
    replications: int = 1,
    seed: int = 0,
    n_resamples: int = 1000,
) -> pd.DataFrame:
    """The same design, mapping and analysis as :func:`run_sensitivity`, on any model.

    ``model(assignments, replication)`` takes the design's points (as
    :meth:`ParameterSpace.points` gives them) and returns a dict of output arrays. Used to
    check the pipeline on problems with known indices (Ishigami, a linear model).

    Example:
        >>> sp = ParameterSpace.from_entries([
        ...     {"path": "a", "distribution": "uniform", "low": 0, "high": 1, "source": "toy"},
        ...     {"path": "b", "distribution": "uniform", "low": 0, "high": 1, "source": "toy"}])
        >>> f = lambda pts, r: {"y": np.array([p["a"] + 2 * p["b"] for p in pts])}
        >>> model_sensitivity(f, sp, n=256, n_resamples=100).s1.round(1).tolist()
        [0.2, 0.8]
    """
    design, unit = make_design(space, method, n, seed)
    assignments = space.points(unit)
    frames = []
    names: list[str] = []
    for r in range(replications):
        res = model(assignments, r)
        names = list(res)
        frame = pd.DataFrame({k: np.asarray(v, dtype=float) for k, v in res.items()})
        frame.insert(0, "replication", r)
        frame.insert(0, "point", np.arange(len(unit)))
        frames.append(frame)
    return design_indices(design, method, pd.concat(frames), names, n_resamples, seed)


def run_sensitivity(
    scenario: Scenario,
    strategies: Mapping[str, Strategy],
    control: str,
    space: ParameterSpace,
    *,
    method: str = "morris",
    n: int | None = None,
    strategy: str | None = None,
    replications: int = 2,
    seed: int = 0,
    num_levels: int = 4,
    n_resamples: int = 1000,
    outputs: Sequence[str] = OUTPUTS,
    results: str | Path | None = None,
    resume: bool = False,
    executor: str = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    progress=None,
    name: str | None = None,
) -> SensitivityResult:
    """Morris screening or Sobol' indices of ``strategy``'s outcomes vs ``control``.

    Args:
        method: ``"morris"`` (``n`` trajectories, default 10) or ``"sobol"`` (``n`` base
            samples, a power of 2, default 64).
        strategy: the strategy studied (default: the first that is not the control).
        replications: per design point (>= 2 measures the noise; see the module notes).
    """
    strategy = _check(method, list(strategies), control, strategy, outputs, space)
    design, unit = make_design(space, method, n, seed, num_levels)
    n = design.trajectories if method == "morris" else design.n_base
    coords = coordinate_names(space)
    _check_size(n, len(unit), replications)
    assignments = space.points(unit)
    run_strategies = {control: strategies[control], strategy: strategies[strategy]}
    points = points_from_space(space, assignments, scenario, run_strategies)
    run = StudyRun(results, resume, executor, workers, scheduler, progress)
    resolved = {
        "study": f"sensitivity-{method}",
        **resolved_configs(scenario, run_strategies, space),
        "control": control,
        "strategy": strategy,
        "n": n,
        "num_levels": num_levels if method == "morris" else None,
        "replications": replications,
        "seed": seed,
    }
    study = name or f"sensitivity-{method}-{scenario.name}"
    evals = run_points(run, study, resolved, points, control, replications=replications,
                       seed=seed, seeds="independent")  # fmt: skip
    out = study_outputs(evals, strategy, control)
    indices = design_indices(design, method, out, outputs, n_resamples, seed)
    meta = {"n": n, "replications": replications, "seed": seed, "points": len(unit),
            "study": study}  # fmt: skip
    table = _outputs_table(out, unit, coords)
    result = SensitivityResult(method, strategy, control, indices, table, evals, meta=meta)
    if run.store is not None:
        manifest = {
            "study": f"sensitivity-{method}",
            "scenario": scenario.name,
            "strategy": strategy,
            "control": control,
            "priors_file": space.where,
            "method": method,
            "n": n,
            "points": len(unit),
            "replications": replications,
            "seed": seed,
            "noise": NOISE,
            "top": {o: result.top(o) for o in outputs},
            "resolved": resolved,
        }
        finish(run, result, manifest)
    return result


def _outputs_table(out: pd.DataFrame, unit: np.ndarray, coords: list[str]) -> pd.DataFrame:
    """The outputs per (point, replication) beside the point's unit coordinates."""
    unit_df = pd.DataFrame(unit, columns=[f"u:{c}" for c in coords])
    unit_df.insert(0, "point", np.arange(len(unit), dtype=float))
    table = out.merge(unit_df, on="point", how="left")
    table[["point", "replication"]] = table[["point", "replication"]].astype(int)
    return table


def _check_size(n: int, points: int, replications: int) -> None:
    if points * replications > MAX_POINTS:
        raise InputError(
            "--n",
            f"{n} gives {points * replications:,} worlds per strategy; at most {MAX_POINTS:,}",
        )


def _check(method, names, control, strategy, outputs, space) -> str:
    """Reject what the study cannot run; the strategy studied."""
    if method not in METHODS:
        raise InputError("--method", f"{method!r} is not allowed: use morris or sobol")
    if control not in names:
        raise InputError("--control", f"{control!r} is not a strategy: {', '.join(names)}")
    others = [s for s in names if s != control]
    if not others:
        raise InputError("strategies", "give a strategy to study besides the control")
    strategy = strategy or others[0]
    if strategy not in others:
        raise InputError("--strategy", f"{strategy!r} is not allowed: use one of {others}")
    bad = [o for o in outputs if o not in OUTPUTS]
    if bad:
        raise InputError("outputs", f"{bad[0]!r} is not allowed: use {', '.join(OUTPUTS)}")
    if not space.varying:
        raise InputError(space.where, "no parameter varies: nothing to be sensitive to")
    return strategy
