"""Run a suite into the results store and check its expectations.

The runner writes the run folder (tables, checkpoints, the manifest); a report is its
caller's business: ``nurture suite`` passes the report builder as ``report``, which runs
while the run still holds its folder, and its file joins the manifest's outputs.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim.experiment.executors import check_scheduler
from sim.experiment.expectations import Outcome, evaluate
from sim.experiment.experiment import Experiment, ExperimentResult
from sim.experiment.jsonable import to_jsonable
from sim.experiment.manifest import resolved_config, run_id, suite_manifest
from sim.experiment.store import ReportBuilder, RunStore
from sim.experiment.suite import Suite


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
    report: ReportBuilder | None = None,
    on_wait: Callable[[str], None] | None = None,
) -> SuiteRun:
    """Run ``suite`` into ``results_root/<suite>/<run-id>/`` and evaluate its expectations.

    Everything is checked before the results folder is touched: the suite when it was
    loaded, a Dask scheduler's address here (it must answer within the connect timeout).
    The run folder is locked while the run writes into it; ``on_wait`` hears about it when
    another run holds the lock. ``report(run_dir)``, if given (e.g.
    :func:`sim.report.build_report`), builds the report under that lock (``False`` or
    ``None``: no report).
    """
    how: dict[str, Any] = {
        "started": time.perf_counter(),
        "started_utc": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "executor": executor,
    }
    if executor == "dask" and scheduler:
        check_scheduler(scheduler)
    resolved = resolved_config(suite)
    run_hash = run_id(resolved)
    store = RunStore(results_root, suite.name, run_hash, on_wait=on_wait)
    store.prepare()
    try:
        exp = experiment_for(suite, keep_leads)
        done = store.load_replications(run_hash, exp.replications, keep_leads) if resume else {}
        reused = {r: res.seconds for r, res in done.items()}
        computed: dict[int, float | None] = {}
        tick = _progress(progress, len(done), exp.replications)

        def checkpoint(r: int, res) -> None:
            computed[r] = res.seconds
            store.save_replication(r, res, run_hash)
            tick()

        ran_by: dict[str, Any] = {}
        result = exp.run(
            workers,
            executor=executor,
            scheduler=scheduler,
            done=done,
            on_result=checkpoint,
            executor_info=ran_by,
        )
        summary = result.summary()
        outcomes = [
            evaluate(e, summary, result.per_replication, suite.config.alpha)
            for e in suite.config.expect
        ]
        outputs = write_tables(store, result, summary, outcomes, keep_leads)
        how["workers"] = ran_by.get("workers", workers)
        how["executor_details"] = ran_by or {"executor": executor, "ran": "nothing (all reused)"}
        manifest = suite_manifest(
            suite,
            resolved,
            run_hash,
            run=how,
            reused=reused,
            computed=computed,
            held=all(o.held for o in outcomes),
        )
        # The manifest first without the report, so the report can show it; then again with
        # the report's hash once the report exists.
        store.write_manifest(manifest, outputs)
        report_path = store.add_report(report, manifest, outputs) if report else None
        return SuiteRun(suite, store.dir, result, summary, outcomes, len(done), report_path)
    finally:
        store.close()


def _progress(
    progress: Callable[[int, int], None] | None, finished: int, total: int
) -> Callable[[], None]:
    """Report ``finished`` of ``total`` now; the callable returned counts one more each call."""
    count = [finished]
    if progress is not None:
        progress(finished, total)

    def tick() -> None:
        count[0] += 1
        if progress is not None:
            progress(count[0], total)

    return tick


def write_tables(
    store: RunStore,
    result: ExperimentResult,
    summary: pd.DataFrame,
    outcomes: list[Outcome],
    keep_leads: bool,
) -> list[str]:
    """Write a suite run's tables into its folder; the names written, in manifest order."""
    outputs = ["replications.csv", "summary.csv", "summary.json", "curves.json"]
    store.write_csv("replications.csv", result.per_replication)
    store.write_csv("summary.csv", summary)
    store.write_json("summary.json", to_jsonable(summary.to_dict(orient="records")))
    days = list(range(len(next(iter(result.curves.values()))["patient"])))
    store.write_json("curves.json", {"days": days, "arms": result.curves})
    outputs.append("expectations.json")
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
    return outputs
