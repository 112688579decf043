"""Run a suite into the results store and check its expectations."""

from __future__ import annotations

import contextlib
import datetime as dt
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from sim.experiment.executors import check_scheduler
from sim.experiment.expectations import Outcome, evaluate
from sim.experiment.experiment import Experiment, ExperimentResult
from sim.experiment.jsonable import to_jsonable
from sim.experiment.store import RunStore, config_hash, sha256_file
from sim.experiment.suite import Suite

PACKAGES = (
    "nurture-lab",
    "simpy",
    "numpy",
    "scipy",
    "statsmodels",
    "pandas",
    "pydantic",
    "plotly",
    "pyarrow",
    "dask",
    "distributed",
)


@dataclass
class SuiteRun:
    """The outcome of running a suite."""

    suite: Suite
    run_dir: Path
    result: ExperimentResult
    summary: pd.DataFrame
    outcomes: list[Outcome]
    reused: int
    report: Path | None

    @property
    def held(self) -> bool:
        return all(o.held for o in self.outcomes)


def model_code_hash() -> str:
    """Hash of the source that turns configs into numbers (world, config, replication).

    Part of the run id, so ``--resume`` never mixes replications made by different code.
    """
    import hashlib

    import sim

    base = Path(sim.__file__).resolve().parent
    files = sorted(
        [
            *base.glob("world/*.py"),
            *base.glob("config/*.py"),
            base / "experiment" / "replication.py",
        ]
    )
    h = hashlib.sha256()
    for f in files:
        h.update(f.name.encode())
        h.update(f.read_bytes())
    return h.hexdigest()[:16]


def resolved_config(suite: Suite) -> dict[str, Any]:
    """Everything that determines the numbers, as plain data."""
    c = suite.config
    return {
        "model_code": model_code_hash(),
        "design": c.design,
        "replications": c.replications,
        "seed": c.seed,
        "control": c.control,
        "scenario": suite.scenario.model_dump(mode="json"),
        "arms": [
            {
                "name": a.name,
                "weight": a.weight,
                "strategy": a.strategy.model_dump(mode="json"),
                "scenario_overrides": dict(a.scenario_overrides),
            }
            for a in suite.arms
        ],
    }


def run_id(resolved: dict[str, Any]) -> str:
    """The run's id: a hash of the resolved config, leaving out the replication count.

    Replication r's seeds (``SeedSequence(seed, spawn_key=(r,))``) do not depend on how many
    replications there are, so a run with more replications is the same run, extended:
    ``--resume --replications R`` reuses the finished ones, byte for byte.
    """
    return config_hash({k: v for k, v in resolved.items() if k != "replications"})


def input_hashes(suite: Suite) -> dict[str, str]:
    """SHA-256 of every file the suite read: the suite, its scenario, its strategies."""
    files = [suite.path, suite.scenario_file, *(Path(a.source) for a in suite.arms if a.source)]
    out: dict[str, str] = {}
    for f in dict.fromkeys(str(p) for p in files):
        with contextlib.suppress(OSError):
            out[f] = sha256_file(Path(f))
    return out


def experiment_for(suite: Suite, keep_leads: bool = False) -> Experiment:
    c = suite.config
    return Experiment(
        suite.scenario,
        {a.name: a for a in suite.arms},
        control=c.control,
        design=c.design,
        replications=c.replications,
        seed=c.seed,
        keep_leads=keep_leads,
        alpha=c.alpha,
        adjust=c.adjust,
        sweep=suite.sweep_info(),
    )


def run_suite(
    suite: Suite,
    results_root: str | Path = "results",
    *,
    workers: int | None = None,
    executor: str = "local",
    scheduler: str | None = None,
    resume: bool = False,
    keep_leads: bool = False,
    progress: Callable[[int, int], None] | None = None,
    report: bool = True,
    on_wait: Callable[[str], None] | None = None,
) -> SuiteRun:
    """Run ``suite`` into ``results_root/<suite>/<run-id>/`` and evaluate its expectations.

    Everything is checked before the results folder is touched: the suite when it was
    loaded, a Dask scheduler's address here (it must answer within the connect timeout).
    The run folder is locked while the run writes into it; ``on_wait`` hears about it when
    another run holds the lock.
    """
    started = time.perf_counter()
    started_utc = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if executor == "dask" and scheduler:
        check_scheduler(scheduler)
    resolved = resolved_config(suite)
    run_hash = run_id(resolved)
    store = RunStore(results_root, suite.name, run_hash, on_wait=on_wait)
    store.prepare()
    try:
        exp = experiment_for(suite, keep_leads)
        done = store.load_replications(run_hash, exp.replications, keep_leads) if resume else {}
        total = exp.replications
        finished = len(done)
        if progress is not None:
            progress(finished, total)

        computed: dict[int, float | None] = {}

        def checkpoint(r: int, res: dict[str, Any]) -> None:
            nonlocal finished
            computed[r] = res.get("seconds")
            store.save_replication(r, res, run_hash)
            finished += 1
            if progress is not None:
                progress(finished, total)

        reused = {r: res.get("seconds") for r, res in done.items()}
        ran_by: dict[str, Any] = {}
        result = exp.run(
            workers,
            executor=executor,
            scheduler=scheduler,
            done=done,
            on_result=checkpoint,
            executor_info=ran_by,
        )
        compute = {**reused, **computed}
        summary = result.summary()
        outcomes = [
            evaluate(e, summary, result.per_replication, suite.config.alpha)
            for e in suite.config.expect
        ]

        outputs = [
            "replications.csv",
            "summary.csv",
            "summary.json",
            "curves.json",
            "expectations.json",
        ]
        store.write_csv("replications.csv", result.per_replication)
        store.write_csv("summary.csv", summary)
        store.write_json("summary.json", to_jsonable(summary.to_dict(orient="records")))
        days = list(range(len(next(iter(result.curves.values()))["patient"])))
        store.write_json("curves.json", {"days": days, "arms": result.curves})
        if result.sales_desk:
            store.write_json("sales_desk.json", result.sales_desk)
            outputs.append("sales_desk.json")
        if result.per_source_replication is not None:
            store.write_csv("summary_by_source.csv", result.summary(by="source"))
            outputs.append("summary_by_source.csv")
        store.write_json("expectations.json", to_jsonable([o._asdict() for o in outcomes]))
        # The pooled per-lead analysis beside the across-replication summary.
        store.write_json("pooled.json", to_jsonable(result.pooled().to_dict()))
        outputs.append("pooled.json")
        if keep_leads and result.leads is not None:
            store.write_parquet("leads.parquet", result.leads)
            outputs.append("leads.parquet")

        manifest = {
            "suite": suite.name,
            "description": suite.config.description,
            "suite_file": str(suite.path),
            "run_id": run_hash,
            "design": suite.config.design,
            "replications": total,
            "replications_reused": len(done),
            "seed": suite.config.seed,
            "replication_seeds": f"SeedSequence({suite.config.seed}, spawn_key=(r,)) for r in "
            f"0..{total - 1}",
            "control": suite.config.control,
            "alpha": suite.config.alpha,
            "adjust": suite.config.adjust,
            "arms": [
                {
                    "name": a.name,
                    "strategy_file": a.source,
                    "weight": a.weight,
                    "scenario_overrides": dict(a.scenario_overrides),
                    "sweep_value": a.sweep_value,
                }
                for a in suite.arms
            ],
            "scenario_file": str(suite.scenario_file),
            "scenario": resolved["scenario"],
            "strategies": {a["name"]: a["strategy"] for a in resolved["arms"]},
            "sweep": suite.sweep_info(),
            "executor": executor,
            "workers": ran_by.get("workers", workers),
            "executor_details": ran_by or {"executor": executor, "ran": "nothing (all reused)"},
            "inputs": input_hashes(suite),
            "versions": versions(),
            "git_commit": git_commit(),
            "git_dirty": git_dirty(),
            "started_utc": started_utc,
            "seconds": round(time.perf_counter() - started, 3),
            # Honest timings on --resume: the wall time above is this invocation's; the
            # replications' own compute time is summed over all of them, reused ones included.
            "compute_seconds": _total(compute.values()),
            "compute_seconds_reused": _total(reused.values()),
            "compute_seconds_this_run": _total(v for r, v in compute.items() if r not in reused),
            "all_expectations_held": all(o.held for o in outcomes),
        }
        # The manifest first without the report, so the report can show it; then again with
        # the report's hash once the report exists.
        manifest["outputs"] = store.hashes(outputs)
        store.write_json("manifest.json", to_jsonable(manifest))
        report_path = None
        if report:
            with store.writing("report.html"):
                report_path = build_report_if_available(store.dir)
            if report_path is not None:
                outputs.append(report_path.name)
                manifest["outputs"] = store.hashes(outputs)
                store.write_json("manifest.json", to_jsonable(manifest))
        return SuiteRun(suite, store.dir, result, summary, outcomes, len(done), report_path)
    finally:
        store.close()


def _total(seconds) -> float | None:
    """The sum of known compute times (``None`` when a checkpoint predates the record)."""
    values = list(seconds)
    if not values or any(v is None for v in values):
        return None if values else 0.0
    return round(float(sum(values)), 3)


def build_report_if_available(run_dir: Path) -> Path | None:
    try:
        from sim.report import build_report
    except ImportError:
        return None
    return build_report(run_dir)


def versions() -> dict[str, str]:
    out = {}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    import platform

    out["python"] = platform.python_version()
    return out


def git_dirty() -> bool | None:
    """Whether the checkout the package runs from has uncommitted changes to tracked files.

    ``None`` when it is not a git checkout (an installed package) or git is not there.
    """
    res = _git("status", "--porcelain", "--untracked-files=no")
    return None if res is None else bool(res)


def _git(*args: str) -> str | None:
    here = Path(__file__).resolve().parent
    try:
        res = subprocess.run(
            ["git", *args],
            cwd=here,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return res.stdout.strip() if res.returncode == 0 else None


def git_commit() -> str | None:
    return _git("rev-parse", "HEAD") or None
