"""A study's results folder: points run into the experiment layer's store, resumable.

``results/<study>/<run-id>/`` as a suite run has it (:class:`sim.experiment.store.RunStore`):
the run id hashes everything that determines the numbers (model code, configs, priors, design,
seed), each finished (point, replication) task is checkpointed atomically under
``replications/``, and ``--resume`` reuses the checkpoints of the same run id. Tables and a
``manifest.json`` (resolved config, seeds, versions, git commit, timings, output hashes) are
written when the study finishes.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sim.experiment.jsonable import to_jsonable
from sim.experiment.manifest import model_code_hash, provenance
from sim.experiment.replication import ReplicationResult
from sim.experiment.store import RunStore, config_hash
from sim.study.worlds import WorldPoint, evaluate_points, point_tasks


@dataclass
class StudyRun:
    """Where a study runs and how: the folder (or none), executor, progress."""

    results: str | Path | None = None
    resume: bool = False
    executor: str = "local"
    workers: int | None = None
    scheduler: str | None = None
    progress: Callable[[int, int], None] | None = None
    # filled in by run_points
    store: RunStore | None = None
    run_hash: str = ""
    reused: int = 0
    started: float = field(default_factory=time.perf_counter)
    started_utc: str = field(
        default_factory=lambda: dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    )

    @property
    def dir(self) -> Path | None:
        return None if self.store is None else self.store.dir


def run_points(
    run: StudyRun,
    study: str,
    resolved: Mapping[str, Any],
    points: Sequence[WorldPoint],
    control: str,
    *,
    replications: int,
    seed: int,
    seeds: str,
) -> pd.DataFrame:
    """:func:`evaluate_points` with checkpoints in ``results/<study>/<run-id>/``.

    With ``run.results`` None nothing is written (the Python API's default).
    """
    kwargs = dict(
        replications=replications,
        seed=seed,
        seeds=seeds,
        executor=run.executor,
        workers=run.workers,
        scheduler=run.scheduler,
        progress=run.progress,
    )
    if run.results is None:
        return evaluate_points(points, control, **kwargs)
    run.run_hash = config_hash({"model_code": model_code_hash(), **resolved})
    run.store = RunStore(run.results, study, run.run_hash)
    run.store.prepare()
    tasks = point_tasks(points, control, replications, seed, seeds)
    index = {(t.point, t.replication.replication): i for i, t in enumerate(tasks)}
    done: dict[tuple[int, int], list[dict[str, Any]]] = {}
    if run.resume:
        saved = run.store.load_replications(run.run_hash, len(tasks), False)
        for key, i in index.items():
            if i in saved:
                done[key] = saved[i].rows
    run.reused = len(done)
    store, run_hash = run.store, run.run_hash

    def checkpoint(key: tuple[int, int], rows: list[dict[str, Any]]) -> None:
        store.save_replication(index[key], ReplicationResult(index[key], rows), run_hash)

    try:
        return evaluate_points(points, control, done=done, on_result=checkpoint, **kwargs)
    except BaseException:
        store.close()  # the run folder's lock; a rerun with --resume picks up the checkpoints
        raise


def write_outputs(
    run: StudyRun,
    tables: Mapping[str, pd.DataFrame],
    manifest: Mapping[str, Any],
    extra_json: Mapping[str, Any] | None = None,
) -> list[str]:
    """Write ``tables`` as CSV, ``extra_json`` as JSON, then the manifest; returns file names."""
    if run.store is None:
        return []
    outputs = []
    for name, df in tables.items():
        run.store.write_csv(f"{name}.csv", df)
        outputs.append(f"{name}.csv")
    for name, obj in (extra_json or {}).items():
        run.store.write_json(f"{name}.json", to_jsonable(obj))
        outputs.append(f"{name}.json")
    full = {
        **manifest,
        "run_id": run.run_hash,
        "tasks_reused": run.reused,
        "executor": run.executor,
        "workers": run.workers,
        **provenance(run.started, run.started_utc),
    }
    run.store.write_manifest(full, outputs)
    run.store.close()  # release the run folder's lock: the study is complete
    return outputs


def finish(run: StudyRun, result: Any, manifest: Mapping[str, Any]) -> None:
    """Write a study's tables and manifest (:func:`write_outputs`); note the folder on it.

    ``result`` has ``tables()``, ``run_dir`` and ``meta`` (the studies' result classes).
    """
    write_outputs(run, result.tables(), manifest)
    result.run_dir = run.dir
    result.meta["reused"] = run.reused
