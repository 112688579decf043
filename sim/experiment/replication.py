"""One replication of an experiment: worlds run, per-arm metrics and curves returned.

A replication is a pure function of its task (configs, design, replication index, root seed),
so it can run in any process or on any Dask worker and give the same bytes.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.sufficient import ArmStats, PairedStats, group_arm_stats
from sim.analysis.value import patient_values
from sim.config import Scenario
from sim.config.scenario import PatientValue
from sim.experiment.arms import ArmSpec
from sim.world.model import Arm, simulate

#: Per-replication columns (replications.csv), in order.
REPLICATION_COLUMNS = (
    "arm",
    "replication",
    "n",
    "conversions",
    "conversion_rate",
    "booked",
    "lost",
    "unsubscribed",
    "complained",
    "emails_sent",
    "sales_ready",
    "handoffs",
    "cost_acquisition_usd",
    "cost_email_usd",
    "cost_sales_usd",
    "cost_fixed_usd",
    "cost_total_usd",
    "marketing_cost_per_conversion_usd",
    "cost_per_conversion_usd",
    "abs_lift",
    "rel_lift",
    "revenue_usd",
    "net_benefit_usd",
)

#: Per-replication columns for each lead source.
SOURCE_REPLICATION_COLUMNS = ("source", *REPLICATION_COLUMNS)

#: The key of the one sales desk a split world's arms share.
SHARED_DESK = "all arms (shared desk)"

_SUMS = (
    "cost_acquisition_usd",
    "cost_email_usd",
    "cost_sales_usd",
    "cost_fixed_usd",
    "cost_total_usd",
)


@dataclass(frozen=True)
class ReplicationTask:
    """Everything one replication needs; picklable.

    ``stream`` prefixes the replication's spawn key (:func:`replication_seed`), for a family
    of experiments on one root seed (power by simulation keys each test length's runs by
    its months). ``measure``, a picklable function of the replication's per-lead table, is
    applied where the replication runs; what it returns travels back as
    :attr:`ReplicationResult.measured` (the leads themselves stay there).
    """

    scenario: Scenario
    arms: tuple[ArmSpec, ...]
    control: str
    design: str  # "paired" or "split"
    seed: int
    replication: int
    keep_leads: bool = False
    stream: tuple[int, ...] = ()
    measure: Callable[[pd.DataFrame], Any] | None = None


@dataclass
class ReplicationResult:
    """What one replication returns: its per-arm rows and what the run's outputs pool.

    Attributes:
        replication: the replication's index.
        rows: one row of :data:`REPLICATION_COLUMNS` per arm.
        curves: cumulative daily event and funnel counts per arm (:func:`arm_curves`).
        stats: per-arm sufficient statistics, for the pooled per-lead analysis.
        desk: the sales desk by hour of the week (``{"shared": bool, "desks": {...}}``).
        source_rows: :attr:`rows` for each lead source (:data:`SOURCE_REPLICATION_COLUMNS`).
        pairs: each arm paired lead by lead with the control (paired design), or ``None``.
        leads: the per-lead table, when the task keeps it.
        seconds: compute time (for the manifest; never part of a table).
        measured: what the task's ``measure`` returned.
    """

    replication: int
    rows: list[dict[str, Any]]
    curves: dict[str, Any] | None = None
    stats: dict[str, ArmStats] | None = None
    desk: dict[str, Any] | None = None
    source_rows: list[dict[str, Any]] | None = None
    pairs: dict[str, PairedStats] | None = None
    leads: pd.DataFrame | None = None
    seconds: float | None = None
    measured: Any = None

    def checkpoint(self) -> dict[str, Any]:
        """The result as plain JSON data (its leads and measure apart), for a checkpoint."""
        out: dict[str, Any] = {"rows": self.rows}
        if self.curves is not None:
            out["curves"] = self.curves
        if self.stats is not None:
            out["stats"] = {name: st.to_dict() for name, st in self.stats.items()}
        if self.pairs is not None:
            out["pairs"] = {name: ps.to_dict() for name, ps in self.pairs.items()}
        for key in ("desk", "source_rows", "seconds"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        return out

    @classmethod
    def from_checkpoint(cls, replication: int, data: Mapping[str, Any]) -> ReplicationResult:
        """The result :meth:`checkpoint` saved (keys a checkpoint lacks stay ``None``)."""
        stats = data.get("stats")
        pairs = data.get("pairs")
        return cls(
            replication,
            list(data["rows"]),
            curves=data.get("curves"),
            stats=None if stats is None else {a: ArmStats(**d) for a, d in stats.items()},
            desk=data.get("desk"),
            source_rows=data.get("source_rows"),
            pairs=None
            if pairs is None
            else {a: PairedStats.from_dict(d) for a, d in pairs.items()},
            seconds=data.get("seconds"),
        )


def replication_seed(
    seed: int, replication: int, stream: tuple[int, ...] = ()
) -> np.random.SeedSequence:
    """The replication's own seed: independent of every other replication's (and stream's)."""
    return np.random.SeedSequence(seed, spawn_key=(*stream, replication))


def _worlds(task: ReplicationTask) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Run the task's worlds: every arm's leads in one table, and the sales desk."""
    ss = replication_seed(task.seed, task.replication, task.stream)
    if task.design == "paired":
        # Every arm replays the same leads with the same draws (common random numbers).
        worlds = [
            simulate(arm.scenario_for(task.scenario), [Arm(arm.name, arm.strategy)], ss)
            for arm in task.arms
        ]
        leads = pd.concat([w.leads for w in worlds], ignore_index=True)
        desks = {a.name: w.sales_desk for a, w in zip(task.arms, worlds, strict=True)}
        return leads, {"shared": False, "desks": desks}
    if task.design == "split":
        world_arms = [Arm(a.name, a.strategy, a.weight) for a in task.arms]
        world = simulate(task.scenario, world_arms, ss)
        # One sales team serves every arm of a split world.
        return world.leads, {"shared": True, "desks": {SHARED_DESK: world.sales_desk}}
    raise ValueError(f"unknown design {task.design!r}")  # pragma: no cover - validated


def run_replication(task: ReplicationTask) -> ReplicationResult:
    """Run one replication and return its per-arm rows, curves and (optionally) leads."""
    started = time.perf_counter()
    leads, desk = _worlds(task)
    names = [a.name for a in task.arms]
    # The scenario's sources first, then any an arm's overrides added.
    sources = list(dict.fromkeys([*(src.name for src in task.scenario.sources), *leads["source"]]))
    out = ReplicationResult(
        task.replication,
        arm_rows(leads, names, task.control, task.replication, task.scenario.value),
        curves=arm_curves(leads, names, task.scenario.window_days),
        stats=arm_stats(leads, names),
        desk=desk,
        source_rows=source_rows(leads, names, task.control, task.replication, sources),
        pairs=paired_stats(leads, names, task.control) if task.design == "paired" else None,
    )
    if task.measure is not None:
        out.measured = task.measure(leads)
    if task.keep_leads:
        leads.insert(0, "replication", task.replication)
        out.leads = leads
    # Compute time, for the manifest (a resumed run reports it apart from its wall time);
    # never part of a table, so outputs stay byte-identical.
    out.seconds = time.perf_counter() - started
    return out


def arm_rows(
    leads: pd.DataFrame,
    arms: Sequence[str],
    control: str,
    replication: int,
    value: PatientValue | None = None,
) -> list[dict[str, Any]]:
    """Per-arm metrics of one replication, with the within-replication lift vs control.

    ``sales_ready`` counts leads that reached the decision stage (whoever noticed);
    ``handoffs`` those the strategy scored decision-ready and passed to sales. Revenue and net
    benefit value each patient at ``value`` (the scenario's ``[value]``; its defaults if
    None).
    """
    value = value or PatientValue()
    rows = []
    groups = dict(tuple(leads.groupby("arm", sort=False)))
    for name in arms:
        g = groups.get(name)
        n = 0 if g is None else len(g)
        row: dict[str, Any] = {"arm": name, "replication": replication, "n": n}
        conv = int(g["converted"].sum()) if n else 0
        row["conversions"] = conv
        row["conversion_rate"] = conv / n if n else math.nan
        row["booked"] = int(g["booked"].sum()) if n else 0
        row["lost"] = int((g["final_state"] == "lost").sum()) if n else 0
        row["unsubscribed"] = int(g["unsubscribed"].sum()) if n else 0
        row["complained"] = int(g["complained"].sum()) if n else 0
        row["emails_sent"] = int(g["emails_sent"].sum()) if n else 0
        row["sales_ready"] = int((g["max_stage"] == "decision").sum()) if n else 0
        row["handoffs"] = int(g["handed_off"].sum()) if n else 0
        for col in _SUMS:
            row[col] = float(g[col].sum()) if n else 0.0
        row["marketing_cost_per_conversion_usd"] = (
            row["cost_acquisition_usd"] / conv if conv else math.nan
        )
        row["cost_per_conversion_usd"] = row["cost_total_usd"] / conv if conv else math.nan
        row["revenue_usd"], row["net_benefit_usd"] = patient_values(
            conv, row["cost_total_usd"], value.patient_value_usd, value.lifetime_revenue_usd
        )
        rows.append(row)
    base = next(r for r in rows if r["arm"] == control)
    for row in rows:
        c, t = base["conversion_rate"], row["conversion_rate"]
        row["abs_lift"] = t - c
        row["rel_lift"] = t / c - 1.0 if c else math.nan
    return rows


def source_rows(
    leads: pd.DataFrame,
    arms: Sequence[str],
    control: str,
    replication: int,
    sources: Sequence[str],
) -> list[dict[str, Any]]:
    """:func:`arm_rows` for the leads of each source (every source, even without leads)."""
    out = []
    by_source = dict(tuple(leads.groupby("source", sort=False)))
    for source in sources:
        g = by_source.get(source, leads.iloc[0:0])
        out += [{"source": source, **row} for row in arm_rows(g, arms, control, replication)]
    return out


def arm_stats(leads: pd.DataFrame, arms: Sequence[str]) -> dict[str, ArmStats]:
    """Per-arm sufficient statistics (for the pooled per-lead analysis)."""
    stats = group_arm_stats(
        pd.Categorical(leads["arm"], categories=list(arms)),
        leads["converted"].to_numpy(),
        leads["cost_total_usd"].to_numpy(),
        unsubscribed=leads["unsubscribed"].to_numpy(),
        complained=leads["complained"].to_numpy(),
    )
    return {name: stats[name] for name in arms}


def paired_stats(
    leads: pd.DataFrame, arms: Sequence[str], control: str
) -> dict[str, PairedStats] | None:
    """Each arm paired lead by lead with the control (the same lead ids, in order).

    ``None`` when an arm saw other leads than the control: its scenario overrides change the
    arrivals (e.g. a sweep over ``scenario.leads_per_month``), so there is nothing to pair.
    """
    frames = {name: g for name, g in leads.groupby("arm", sort=False)}
    empty = leads.iloc[0:0]  # a world can have no leads at all (a small or zero lead rate)
    base = frames.get(control, empty)
    out = {}
    for name in arms:
        if name == control:
            continue
        g = frames.get(name, empty)
        if not np.array_equal(g["lead_id"].to_numpy(), base["lead_id"].to_numpy()):
            return None
        out[name] = PairedStats.from_arrays(
            g["converted"].to_numpy(),
            base["converted"].to_numpy(),
            g["cost_total_usd"].to_numpy(),
            base["cost_total_usd"].to_numpy(),
            unsubscribed=(g["unsubscribed"].to_numpy(), base["unsubscribed"].to_numpy()),
            complained=(g["complained"].to_numpy(), base["complained"].to_numpy()),
        )
    return out


def arm_curves(leads: pd.DataFrame, arms: Sequence[str], window_days: float) -> dict[str, Any]:
    """Cumulative event counts by whole day since arrival, and funnel counts, per arm."""
    days = math.ceil(window_days)
    bins = np.arange(days + 2) - 0.5  # bin k counts events in (k - 1/2, k + 1/2]
    out: dict[str, Any] = {}
    groups = dict(tuple(leads.groupby("arm", sort=False)))
    for name in arms:
        g = groups.get(name)
        if g is None:
            g = leads.iloc[0:0]
        curves: dict[str, Any] = {"n": len(g)}
        for cause, col in (
            ("patient", "days_to_convert"),
            ("lost", "days_to_lost"),
            ("unsubscribed", "days_to_unsubscribe"),
        ):
            t = g[col].to_numpy()
            t = np.ceil(t[~np.isnan(t)])
            counts, _ = np.histogram(t, bins=bins)
            curves[cause] = np.cumsum(counts).tolist()
        stage = g["max_stage"]
        curves["funnel"] = {
            "leads": len(g),
            "consideration": int(stage.isin(("consideration", "decision")).sum()),
            "decision": int((stage == "decision").sum()),
            "booked": int(g["booked"].sum()),
            "patient": int(g["converted"].sum()),
        }
        out[name] = curves
    return out


def merge_curves(parts: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Add per-replication curves together (counts are additive)."""
    total: dict[str, Any] = {}
    for part in parts:
        for arm, c in part.items():
            t = total.setdefault(
                arm, {"n": 0, "patient": None, "lost": None, "unsubscribed": None, "funnel": {}}
            )
            t["n"] += c["n"]
            for cause in ("patient", "lost", "unsubscribed"):
                t[cause] = (
                    list(c[cause])
                    if t[cause] is None
                    else [a + b for a, b in zip(t[cause], c[cause], strict=True)]
                )
            for k, v in c["funnel"].items():
                t["funnel"][k] = t["funnel"].get(k, 0) + v
    return total


def merge_desks(parts: Sequence[dict[str, Any] | None]) -> dict[str, Any]:
    """Add per-replication sales-desk logs together (every entry is a sum per hour of week).

    >>> one = {"shared": False, "desks": {"a": {"attempts": [1.0, 2.0]}}}
    >>> merge_desks([one, one])["desks"]["a"]["attempts"]
    [2.0, 4.0]
    """
    parts = [p for p in parts if p]
    if not parts:
        return {}
    out: dict[str, Any] = {"shared": parts[0]["shared"], "desks": {}}
    for part in parts:
        for name, desk in part["desks"].items():
            t = out["desks"].setdefault(name, {k: [0.0] * len(v) for k, v in desk.items()})
            for k, v in desk.items():
                t[k] = [a + b for a, b in zip(t[k], v, strict=True)]
    return out
