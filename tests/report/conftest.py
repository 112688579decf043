"""A writer of realistic run folders, in exactly the layout ``nurture suite`` writes.

The report must work on what the experiment layer writes without depending on it, so this
module simulates per-lead outcomes with plain numpy (fixed seed) and derives every file from
them the way the contract says: ``replications.csv`` per arm and replication, ``summary.csv``/
``summary.json`` with t-intervals across replications, ``curves.json`` with cumulative counts
by whole day since arrival, ``expectations.json``, ``manifest.json`` with output hashes, and
optionally ``leads.parquet``.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats

WINDOW_DAYS = 90
REPLICATION_COLUMNS = (
    "arm", "replication", "n", "conversions", "conversion_rate", "booked", "lost",
    "unsubscribed", "complained", "emails_sent", "cost_acquisition_usd", "cost_email_usd",
    "cost_sales_usd", "cost_fixed_usd", "cost_total_usd", "marketing_cost_per_conversion_usd",
    "cost_per_conversion_usd", "abs_lift", "rel_lift",
)  # fmt: skip
SUMMARY_COLUMNS = (
    "arm", "control", "n", "conversions", "conversion_rate", "conversion_rate_ci_lower",
    "conversion_rate_ci_upper", "abs_lift", "abs_lift_ci_lower", "abs_lift_ci_upper",
    "rel_lift", "rel_lift_ci_lower", "rel_lift_ci_upper", "cost_per_conversion_usd",
    "cost_per_conversion_ci_lower", "cost_per_conversion_ci_upper", "p_value",
    "p_value_adjusted", "method", "marketing_cost_per_conversion_usd",
    "marketing_cost_per_conversion_ci_lower", "marketing_cost_per_conversion_ci_upper",
    "booked_rate", "lost_rate", "unsubscribe_rate", "complaint_rate", "emails_per_lead",
    "cost_acquisition_per_conversion_usd", "cost_email_per_conversion_usd",
    "cost_sales_per_conversion_usd", "cost_fixed_per_conversion_usd", "sweep_parameter",
    "sweep_value",
)  # fmt: skip


@dataclass
class ArmTruth:
    """What an arm does in the fixture world."""

    name: str
    conversion: float  # chance a lead becomes a patient within the window
    emails: float  # mean emails per lead
    sales_attempts: float  # mean call attempts per lead
    sweep_value: float | None = None


@dataclass
class RunSpec:
    """Knobs of a fixture run."""

    suite: str = "seed_claims"
    description: str = "Stage-matched nurturing against a monthly blast & a fast-call arm <test>."
    arms: list[ArmTruth] = field(default_factory=lambda: [
        ArmTruth("email_blast", 0.17, 9.0, 0.6),
        ArmTruth("stage_nurture", 0.22, 7.0, 0.8),
        ArmTruth("speed_to_lead", 0.19, 5.0, 1.6),
    ])  # fmt: skip
    replications: int = 4
    leads_per_replication: int = 600
    seed: int = 20240611
    design: str = "paired"
    sweep_parameter: str = ""
    keep_leads: bool = False
    failing_expectation: bool = False


#: Seven arms as a speed-to-lead suite has them: long names, two arms that send no email.
SEVEN_ARM_SPEC = RunSpec(
    suite="speed_to_lead",
    description="How fast sales calls a new lead, and what email adds.",
    arms=[ArmTruth("no_nurture", 0.17, 0.0, 0.6),
          ArmTruth("call_within_5_minutes", 0.235, 0.0, 1.4),
          ArmTruth("call_within_1_hour", 0.215, 6.0, 1.2),
          ArmTruth("call_within_4_hours", 0.2, 6.0, 1.1),
          ArmTruth("call_next_business_day", 0.185, 6.0, 1.0),
          ArmTruth("stage_nurture_with_handoff", 0.225, 7.0, 1.3),
          ArmTruth("newsletter", 0.18, 4.0, 0.6)],
)  # fmt: skip
TWO_ARM_SPEC = RunSpec(
    suite="seed_claims_two_arms",
    description="No nurturing against stage-matched nurturing.",
    arms=[ArmTruth("no_nurture", 0.17, 0.0, 0.6), ArmTruth("stage_nurture", 0.22, 7.0, 0.8)],
)
#: The most arms a report is meant for.
TWELVE_ARM_SPEC = RunSpec(
    suite="twelve_arms",
    description="Twelve cadences.",
    arms=[ArmTruth("control_no_email", 0.17, 0.0, 0.6)]
    + [ArmTruth(f"cadence_every_{d}_days_{c}", 0.17 + 0.004 * i, 12.0 / d, 0.8)
       for i, (d, c) in enumerate([(d, c) for c in ("matched", "generic") for d in
                                   (2, 3, 5, 7, 10, 14)][:11])],
)  # fmt: skip

SWEEP_SPEC = RunSpec(
    suite="speed_sweep",
    description="How the first call's delay changes conversion.",
    arms=[ArmTruth(f"delay_{h}h", p, 6.0, 1.0, float(h))
          for h, p in ((0, 0.24), (1, 0.22), (4, 0.2), (24, 0.17))],
    sweep_parameter="sales.response_delay_hours",
)  # fmt: skip


def simulate_leads(spec: RunSpec) -> pd.DataFrame:
    """Per-lead outcomes with the world's columns (those the report uses) plus replication."""
    root = np.random.SeedSequence(spec.seed)
    frames = []
    for r, rep_seed in enumerate(root.spawn(spec.replications)):
        for arm, arm_seed in zip(spec.arms, rep_seed.spawn(len(spec.arms)), strict=True):
            frames.append(_arm_leads(arm, r, spec.leads_per_replication, arm_seed))
    return pd.concat(frames, ignore_index=True)


def _arm_leads(arm: ArmTruth, r: int, n: int, seed: np.random.SeedSequence) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    source = rng.choice(["web_form", "phone", "referral"], size=n, p=[0.6, 0.25, 0.15])
    acq = np.select([source == "web_form", source == "phone"], [28.0, 45.0], 12.0)
    converted = rng.random(n) < arm.conversion
    days_to_convert = np.where(converted, np.minimum(rng.gamma(2.0, 12.0, n) + 2, 89.5), np.nan)
    booked = converted | (rng.random(n) < 0.05)
    days_to_book = np.where(
        converted, days_to_convert * rng.uniform(0.5, 0.95, n),
        np.where(booked, rng.uniform(1, 85, n), np.nan),
    )  # fmt: skip
    lost_time = rng.exponential(35.0, n)
    lost = ~booked & (rng.random(n) < 0.45) & (lost_time <= WINDOW_DAYS)
    days_to_lost = np.where(lost, lost_time, np.nan)
    unsub_time = rng.uniform(0, 70, n)
    stop = np.fmin(np.where(np.isnan(days_to_book), np.inf, days_to_book),
                   np.where(np.isnan(days_to_lost), np.inf, days_to_lost))  # fmt: skip
    unsubscribed = (rng.random(n) < 0.05 * arm.emails / 7) & (unsub_time < stop)
    complained = unsubscribed & (rng.random(n) < 0.1)
    emails = rng.poisson(arm.emails, n)
    attempts = rng.poisson(arm.sales_attempts, n)
    stage = np.where(booked, "decision",
                     rng.choice(["awareness", "consideration", "decision"], size=n,
                                p=[0.45, 0.35, 0.2]))  # fmt: skip
    final = np.select([converted, lost, unsubscribed], ["patient", "lost", "unsubscribed"],
                      "dormant")  # fmt: skip
    return pd.DataFrame({
        "replication": r, "lead_id": np.arange(n), "arm": arm.name, "source": source,
        "arrived_day": np.sort(rng.uniform(0, 180, n)), "max_stage": stage, "final_state": final,
        "booked": booked, "converted": converted, "days_to_book": days_to_book,
        "days_to_convert": days_to_convert, "days_to_lost": days_to_lost,
        "days_to_unsubscribe": np.where(unsubscribed, unsub_time, np.nan),
        "emails_sent": emails, "unsubscribed": unsubscribed, "complained": complained,
        "sales_attempts": attempts, "cost_acquisition_usd": acq,
        "cost_email_usd": emails * 0.02, "cost_sales_usd": attempts * 7.5,
        "cost_fixed_usd": np.full(n, 1200.0 / n),
    })  # fmt: skip


def replication_rows(leads: pd.DataFrame, control: str) -> pd.DataFrame:
    rows = []
    for (r, arm), g in leads.groupby(["replication", "arm"], sort=False):
        conv = int(g.converted.sum())
        costs = {
            c: float(g[c].sum())
            for c in ("cost_acquisition_usd", "cost_email_usd", "cost_sales_usd", "cost_fixed_usd")
        }
        total = sum(costs.values())
        rows.append({
            "arm": arm, "replication": r, "n": len(g), "conversions": conv,
            "conversion_rate": conv / len(g), "booked": int(g.booked.sum()),
            "lost": int((g.final_state == "lost").sum()), "unsubscribed": int(g.unsubscribed.sum()),
            "complained": int(g.complained.sum()), "emails_sent": int(g.emails_sent.sum()),
            **costs, "cost_total_usd": total,
            "marketing_cost_per_conversion_usd": costs["cost_acquisition_usd"] / conv,
            "cost_per_conversion_usd": total / conv,
        })  # fmt: skip
    reps = pd.DataFrame(rows)
    base = reps[reps.arm == control].set_index("replication").conversion_rate
    reps["abs_lift"] = reps.conversion_rate - reps.replication.map(base)
    reps["rel_lift"] = reps.conversion_rate / reps.replication.map(base) - 1
    return reps[list(REPLICATION_COLUMNS)]


def _t_ci(values: np.ndarray, estimate: float) -> tuple[float, float, float]:
    se = values.std(ddof=1) / math.sqrt(len(values))
    q = stats.t.ppf(0.975, len(values) - 1)
    p = 2 * stats.t.sf(abs(estimate) / se, len(values) - 1) if se > 0 else 0.0
    return estimate - q * se, estimate + q * se, float(p)


def summary_rows(reps: pd.DataFrame, spec: RunSpec, control: str) -> pd.DataFrame:
    rows = []
    base = reps[reps.arm == control].set_index("replication")
    for arm in spec.arms:
        g = reps[reps.arm == arm.name].set_index("replication")
        n, conv = g.n.sum(), g.conversions.sum()
        rate = conv / n
        lo, hi, _ = _t_ci(g.conversion_rate.to_numpy(), rate)
        row: dict[str, Any] = {"arm": arm.name, "control": control, "n": n, "conversions": conv,
                               "conversion_rate": rate, "conversion_rate_ci_lower": lo,
                               "conversion_rate_ci_upper": hi}  # fmt: skip
        for name, num in (("cost_per_conversion", "cost_total_usd"),
                          ("marketing_cost_per_conversion", "cost_acquisition_usd")):  # fmt: skip
            est = g[num].sum() / conv
            lo, hi, _ = _t_ci((g[num] / g.conversions).to_numpy(), est)
            row |= {f"{name}_usd": est, f"{name}_ci_lower": lo, f"{name}_ci_upper": hi}
        if arm.name == control:
            row |= dict.fromkeys(("abs_lift", "abs_lift_ci_lower", "abs_lift_ci_upper",
                                  "rel_lift", "rel_lift_ci_lower", "rel_lift_ci_upper",
                                  "p_value"), math.nan)  # fmt: skip
            row["method"] = ""
        else:
            diff = (g.conversion_rate - base.conversion_rate).to_numpy()
            lo, hi, p = _t_ci(diff, float(diff.mean()))
            c_rate = base.conversions.sum() / base.n.sum()
            rel = rate / c_rate - 1
            row |= {"abs_lift": rate - c_rate, "abs_lift_ci_lower": lo, "abs_lift_ci_upper": hi,
                    "rel_lift": rel, "rel_lift_ci_lower": lo / c_rate,
                    "rel_lift_ci_upper": hi / c_rate, "p_value": p,
                    "method": "replication-t"}  # fmt: skip
        row |= {"booked_rate": g.booked.sum() / n, "lost_rate": g.lost.sum() / n,
                "unsubscribe_rate": g.unsubscribed.sum() / n,
                "complaint_rate": g.complained.sum() / n,
                "emails_per_lead": g.emails_sent.sum() / n}  # fmt: skip
        for part in ("acquisition", "email", "sales", "fixed"):
            row[f"cost_{part}_per_conversion_usd"] = g[f"cost_{part}_usd"].sum() / conv
        row["sweep_parameter"] = spec.sweep_parameter
        row["sweep_value"] = arm.sweep_value if spec.sweep_parameter else math.nan
        rows.append(row)
    out = pd.DataFrame(rows)
    p = out.p_value.to_numpy(float)
    k = np.isfinite(p).sum()
    out["p_value_adjusted"] = np.minimum(p * k, 1.0)  # Bonferroni is enough for a fixture
    return out[list(SUMMARY_COLUMNS)]


def curves_of(leads: pd.DataFrame, spec: RunSpec) -> dict[str, Any]:
    bins = np.arange(WINDOW_DAYS + 2) - 0.5
    arms: dict[str, Any] = {}
    for arm in spec.arms:
        g = leads[leads.arm == arm.name]
        rec: dict[str, Any] = {"n": len(g)}
        for cause, col in (("patient", "days_to_convert"), ("lost", "days_to_lost"),
                           ("unsubscribed", "days_to_unsubscribe")):  # fmt: skip
            t = g[col].to_numpy()
            counts, _ = np.histogram(np.ceil(t[~np.isnan(t)]), bins=bins)
            rec[cause] = np.cumsum(counts).tolist()
        rec["funnel"] = {
            "leads": len(g),
            "consideration": int(g.max_stage.isin(["consideration", "decision"]).sum()),
            "decision": int((g.max_stage == "decision").sum()),
            "booked": int(g.booked.sum()),
            "patient": int(g.converted.sum()),
        }
        arms[arm.name] = rec
    return {"days": list(range(WINDOW_DAYS + 1)), "arms": arms}


def sales_desk_of(leads: pd.DataFrame, spec: RunSpec, agents: int = 2) -> dict[str, Any]:
    """The desk by hour of the week, as the world logs it: calls in open hours (Mon-Fri 8-18),
    busiest mid-morning; 6 minutes a call; waits grow with the hour's load."""
    rng = np.random.default_rng(spec.seed + 1)
    weeks = 26 * spec.replications  # six months of arrivals per replication
    hours = np.arange(168)
    open_ = ((hours // 24) < 5) & ((hours % 24) >= 8) & ((hours % 24) < 18)
    profile = np.where(open_, 1.0 + 0.8 * np.exp(-(((hours % 24) - 10.5) ** 2) / 4.0), 0.0)
    desks = {}
    for arm in spec.arms:
        total = float(leads.loc[leads.arm == arm.name, "sales_attempts"].sum())
        attempts = rng.multinomial(int(total), profile / profile.sum()).astype(float)
        busy = attempts * 0.1
        capacity = np.full(168, float(agents * weeks))
        load = busy / capacity
        desks[arm.name] = {
            "attempts": attempts.tolist(),
            "unanswered": np.floor(attempts * 0.35).tolist(),
            "wait_hours": (attempts * 0.5 * load / np.maximum(1 - load, 0.05)).tolist(),
            "busy_hours": busy.tolist(),
            "agent_hours": capacity.tolist(),
        }
    return {"shared": spec.design == "split", "desks": desks}


def expectations_of(summary: pd.DataFrame, spec: RunSpec, control: str) -> list[dict]:
    s = summary.set_index("arm")
    base = float(s.loc[control, "conversion_rate"])
    out = [{"description": "Baseline conversion is in the seed article's range", "arm": control,
            "metric": "conversion_rate", "rule": "between [0.12, 0.26]", "value": base,
            "ci_lower": float(s.loc[control, "conversion_rate_ci_lower"]),
            "ci_upper": float(s.loc[control, "conversion_rate_ci_upper"]),
            "held": 0.12 <= base <= 0.26}]  # fmt: skip
    best = spec.arms[1].name
    lo, hi = float(s.loc[best, "abs_lift_ci_lower"]), float(s.loc[best, "abs_lift_ci_upper"])
    out.append({"description": f"{best} lifts conversion", "arm": best, "metric": "abs_lift",
                "rule": "CI excludes 0", "value": float(s.loc[best, "abs_lift"]),
                "ci_lower": lo, "ci_upper": hi, "held": not lo <= 0 <= hi})  # fmt: skip
    if spec.failing_expectation:
        v = float(s.loc[best, "cost_per_conversion_usd"])
        out.append({"description": "A patient costs under $50 fully loaded", "arm": best,
                    "metric": "cost_per_conversion_usd", "rule": "between [0, 50]", "value": v,
                    "ci_lower": None, "ci_upper": None, "held": False})  # fmt: skip
    return out


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def write_run_folder(root: Path, spec: RunSpec | None = None) -> Path:
    """Write ``root/<suite>/<run-id>/`` for ``spec`` and return the folder."""
    spec = spec or RunSpec()
    control = spec.arms[0].name
    run_id = hashlib.sha256(repr(spec).encode()).hexdigest()[:12]
    folder = root / spec.suite / run_id
    folder.mkdir(parents=True)
    leads = simulate_leads(spec)
    reps = replication_rows(leads, control)
    summary = summary_rows(reps, spec, control)
    reps.to_csv(folder / "replications.csv", index=False, float_format="%.10g")
    summary.to_csv(folder / "summary.csv", index=False, float_format="%.10g")
    records = _jsonable(summary.to_dict("records"))
    (folder / "summary.json").write_text(json.dumps(records, indent=2, allow_nan=False))
    (folder / "curves.json").write_text(json.dumps(curves_of(leads, spec), allow_nan=False))
    expectations = expectations_of(summary, spec, control)
    (folder / "expectations.json").write_text(json.dumps(_jsonable(expectations), indent=2))
    (folder / "sales_desk.json").write_text(json.dumps(sales_desk_of(leads, spec)))
    by_source = pd.concat(
        [summary_rows(replication_rows(g, control), spec, control).assign(source=src)
         for src, g in leads.groupby("source", sort=True)], ignore_index=True)  # fmt: skip
    by_source = by_source[["source", *SUMMARY_COLUMNS]]
    by_source.to_csv(folder / "summary_by_source.csv", index=False, float_format="%.10g")
    if spec.keep_leads:
        leads.to_parquet(folder / "leads.parquet", index=False)
    outputs = {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
               for p in sorted(folder.iterdir())}  # fmt: skip
    manifest = {
        "suite": spec.suite, "description": spec.description, "run_id": run_id,
        "design": spec.design, "replications": spec.replications, "seed": spec.seed,
        "control": control,
        "arms": [{"name": a.name, "strategy_file": f"configs/strategies/{a.name}.toml",
                  "overrides": ({spec.sweep_parameter: a.sweep_value}
                                if spec.sweep_parameter else {}),
                  "weight": 1.0} for a in spec.arms],
        "scenario": {"name": "medical_practice", "months": 6, "window_days": WINDOW_DAYS,
                     "sources": {"web_form": {"share": 0.6, "cost_per_lead_usd": 28.0}},
                     "sales": {"agents": 2, "response_delay_hours": 4.0}},
        "strategies": {a.name: {"name": a.name, "cadence": {"emails": a.emails}}
                       for a in spec.arms},
        "versions": {p: version(p) for p in ("numpy", "pandas", "plotly", "scipy")},
        "git_commit": "0123456789abcdef0123456789abcdef01234567",
        "started_utc": "2024-06-11T09:30:00Z", "seconds": 12.5, "outputs": outputs,
    }  # fmt: skip
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return folder


@pytest.fixture(scope="session")
def run_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A three-arm paired run with 4 replications, written once per session (read-only)."""
    return write_run_folder(tmp_path_factory.mktemp("results"))


@pytest.fixture
def fresh_run_folder(tmp_path: Path) -> Path:
    """A run folder a test may change."""
    return write_run_folder(tmp_path, RunSpec(keep_leads=True, failing_expectation=True))


@pytest.fixture(scope="session")
def sweep_run_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_run_folder(tmp_path_factory.mktemp("results"), SWEEP_SPEC)


@pytest.fixture(scope="session")
def fixture_runs() -> SimpleNamespace:
    """The writer and its knobs, for tests that need a run folder of their own."""
    return SimpleNamespace(write=write_run_folder, RunSpec=RunSpec, ArmTruth=ArmTruth,
                           simulate_leads=simulate_leads, SWEEP_SPEC=SWEEP_SPEC,
                           SEVEN_ARM_SPEC=SEVEN_ARM_SPEC, TWO_ARM_SPEC=TWO_ARM_SPEC,
                           TWELVE_ARM_SPEC=TWELVE_ARM_SPEC)  # fmt: skip
