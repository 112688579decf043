"""``nurture calibrate``: a CRM export -> a calibrated scenario, a posterior, a report.

1. Read and check the export (:mod:`sim.crm.reader`), as arrays in days (:mod:`sim.crm.stats`).
2. Directly observed parameters by maximum likelihood (:mod:`.direct`), set in the scenario.
3. Latent parameters by ABC-SMC (:mod:`.latent`) on that scenario, the practice's strategy.
4. Posterior predictive checks: the export's summaries against worlds at posterior draws.
5. Outputs (:mod:`.outputs`): the calibrated scenario (posterior medians, each value tagged
   ``calibrated from <export>``), the posterior as a priors file for ``nurture uncertainty``,
   and a report (posterior vs prior, identifiability flags, predictive checks).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.config.loading import build
from sim.config.paths import set_in_place
from sim.config.scenario import DAYS_PER_MONTH, Scenario
from sim.config.space import ParameterSpace
from sim.config.strategy import Strategy
from sim.crm.reader import read_export
from sim.crm.schema import EVENT_TYPES
from sim.crm.stats import Observations, observations, summaries
from sim.errors import InputError
from sim.study.calibrate.direct import Estimate, estimate_all, months_covered
from sim.study.calibrate.latent import (
    DEFAULT_LATENT,
    AbcSettings,
    PilotTask,
    Posterior,
    WorldModel,
    latent_parameters,
    pilot_points,
    predictive,
    run_abc,
    run_pilot_task,
)
from sim.study.calibrate.projection import Projection

#: A parameter whose posterior 90% interval is at least this share of its prior's is flagged
#: as not identified by the export.
NOT_IDENTIFIED = 0.9


@dataclass
class Calibration:
    """Everything a calibration found."""

    export: str
    base: Scenario
    scenario: Scenario  # calibrated: direct estimates and posterior medians
    direct: list[Estimate]
    posterior: Posterior | None
    space: ParameterSpace
    observed: dict[str, float]
    checks: pd.DataFrame = field(default_factory=pd.DataFrame)  # posterior predictive
    months: int = 0

    def latent_table(self) -> pd.DataFrame:
        """Posterior vs prior per latent parameter, with the identifiability flag."""
        rows = []
        for p in self.posterior.parameters if self.posterior else ():
            d = self.posterior.draws[p.name]
            q = p.distribution.ppf(np.array([0.05, 0.5, 0.95]))
            lo, med, hi = (float(x) for x in d.quantile([0.05, 0.5, 0.95]))
            ratio = (hi - lo) / (float(q[2]) - float(q[0]))
            rows.append(
                {
                    "parameter": p.name,
                    "prior_median": float(q[1]),
                    "prior_low": float(q[0]),
                    "prior_high": float(q[2]),
                    "posterior_median": med,
                    "posterior_low": lo,
                    "posterior_high": hi,
                    "width_ratio": ratio,
                    "identified": ratio < NOT_IDENTIFIED,
                }
            )
        return pd.DataFrame(rows)

    def direct_table(self) -> pd.DataFrame:
        return pd.DataFrame([e.__dict__ for e in self.direct])


def check_sources(obs: Observations, scenario: Scenario, where: str) -> None:
    known = [s.name for s in scenario.sources]
    unknown = [s for s in obs.sources if s not in known]
    if unknown:
        raise InputError(
            where,
            f"source {unknown[0]!r} is not a source of the scenario ({', '.join(known)}): "
            "rename it with nurture crm convert canonical ... --rename-source OLD=NEW",
        )


def with_direct(base: Scenario, estimates: Sequence[Estimate], months: int) -> Scenario:
    """The base scenario with the directly observed parameters at their estimates."""
    data = base.model_dump(mode="json")
    data["months"] = months
    for e in estimates:
        set_in_place(data, e.path, float(e.value), "calibration")
    return build(Scenario, data, "calibrated scenario")


def calibrate(
    export: str | os.PathLike[str],
    scenario: Scenario,
    strategy: Strategy,
    space: ParameterSpace,
    *,
    latent: Sequence[str] = DEFAULT_LATENT,
    settings: AbcSettings | None = None,
    checks: int = 20,
    seed: int = 0,
    obs: Observations | None = None,
) -> Calibration:
    """Calibrate ``scenario`` to the practice's export (see the module docstring).

    ``obs`` may be given instead of reading ``export`` (a simulated practice's export).
    """
    settings = settings or AbcSettings()
    where = str(export)
    if obs is None:
        ex = read_export(export)
        obs = observations(ex.leads, ex.events, where)
    check_sources(obs, scenario, where)
    months = months_covered(obs, DAYS_PER_MONTH)
    direct = estimate_all(
        obs, [s.name for s in scenario.sources], scenario.window_days, DAYS_PER_MONTH
    )
    calibrated = with_direct(scenario, direct, months)
    observed = summaries(obs, calibrated.window_days)
    posterior = None
    check_rows: list[dict] = []
    if latent:
        params = latent_parameters(space, latent)
        recorded = [EVENT_TYPES[k] for k in np.unique(obs.kind)]
        model = WorldModel(params, space, calibrated, strategy, {}, seed, recorded)
        if settings.pilot:
            model.projection = fit_projection(model, settings)
        posterior = run_abc(model, observed, settings, seed=seed)
        calibrated, _ = space.apply(posterior.medians(), calibrated, {strategy.name: strategy})
        sims = predictive(model, posterior.draws, checks, seed + 1) if checks else []
        for key, value in observed.items():
            xs = np.array([s[key] for s in sims]) if sims else np.array([np.nan])
            lo, med, hi = np.quantile(xs, [0.05, 0.5, 0.95])
            check_rows.append(
                {
                    "summary": key,
                    "observed": value,
                    "predicted_low": lo,
                    "predicted_median": med,
                    "predicted_high": hi,
                    "inside_90": bool(lo <= value <= hi),
                }
            )
    return Calibration(
        where, scenario, calibrated, direct, posterior, space, observed,
        pd.DataFrame(check_rows), months,
    )  # fmt: skip


def fit_projection(model: WorldModel, settings: AbcSettings) -> Projection:
    """Semi-automatic ABC: the pilot's prior draws, run, then regressed (:mod:`.projection`)."""
    from sim.experiment.executors import run_tasks

    u = pilot_points(model, settings.pilot)
    tasks = [PilotTask(model, tuple(float(x) for x in row)) for row in u]
    stats: list = [None] * len(tasks)
    executor = "local" if settings.workers > 1 else "serial"
    for i, out in run_tasks(run_pilot_task, tasks, executor=executor, workers=settings.workers):
        stats[i] = out
    return Projection.fit(stats, u)


def export_name(path: str | Path) -> str:
    return Path(path).name or str(path)
