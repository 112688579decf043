"""What a run folder says about itself: its id, inputs, provenance, and the manifest.

A run's id hashes everything that determines its numbers (:func:`resolved_config` for a
suite, a study's own resolved configs), the model code included, so ``--resume`` never mixes
replications made by different code. :func:`provenance` is what every manifest ends with
(package versions, git commit, timings); :func:`suite_manifest` is a suite run's manifest.
"""

from __future__ import annotations

import contextlib
import hashlib
import subprocess
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from sim.experiment.store import config_hash, sha256_file
from sim.experiment.suite import Suite
from sim.files import package_versions

#: Distributions whose versions a manifest records.
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

#: The package's source folder (``sim/``).
PACKAGE_DIR = Path(__file__).resolve().parents[1]


def model_code_hash() -> str:
    """Hash of the source that turns configs into numbers (world, config, replication).

    Part of the run id, so ``--resume`` never mixes replications made by different code.
    """
    files = sorted(
        [
            *PACKAGE_DIR.glob("world/*.py"),
            *PACKAGE_DIR.glob("config/*.py"),
            PACKAGE_DIR / "experiment" / "replication.py",
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


def versions() -> dict[str, str]:
    """The versions of :data:`PACKAGES` that are installed, and Python's."""
    return package_versions(PACKAGES)


def _git(*args: str) -> str | None:
    try:
        res = subprocess.run(
            ["git", *args],
            cwd=PACKAGE_DIR,
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


def git_dirty() -> bool | None:
    """Whether the checkout the package runs from has uncommitted changes to tracked files.

    ``None`` when it is not a git checkout (an installed package) or git is not there.
    """
    res = _git("status", "--porcelain", "--untracked-files=no")
    return None if res is None else bool(res)


def provenance(started: float, started_utc: str, *, dirty: bool = False) -> dict[str, Any]:
    """Where and when a run ran: package versions, git commit (and ``git_dirty``), timings.

    ``started`` is the run's ``time.perf_counter()`` at its start; ``seconds`` is the wall
    time since.
    """
    out: dict[str, Any] = {"versions": versions(), "git_commit": git_commit()}
    if dirty:
        out["git_dirty"] = git_dirty()
    out["started_utc"] = started_utc
    out["seconds"] = round(time.perf_counter() - started, 3)
    return out


def total_seconds(seconds: Iterable[float | None]) -> float | None:
    """The sum of known compute times (``None`` when a checkpoint predates the record)."""
    values = list(seconds)
    if not values or any(v is None for v in values):
        return None if values else 0.0
    return round(float(sum(values)), 3)


def suite_manifest(
    suite: Suite,
    resolved: Mapping[str, Any],
    run_hash: str,
    *,
    run: Mapping[str, Any],
    reused: Mapping[int, float | None],
    computed: Mapping[int, float | None],
    held: bool,
) -> dict[str, Any]:
    """A suite run's ``manifest.json`` (before its ``outputs``, which the store hashes).

    ``run`` holds how it ran: ``executor``, ``workers``, ``executor_details``,
    ``started`` (``perf_counter``) and ``started_utc``; ``reused`` and ``computed`` map
    replications to their compute seconds.
    """
    c = suite.config
    total = c.replications
    compute = {**reused, **computed}
    return {
        "suite": suite.name,
        "description": c.description,
        "suite_file": str(suite.path),
        "run_id": run_hash,
        "design": c.design,
        "replications": total,
        "replications_reused": len(reused),
        "seed": c.seed,
        "replication_seeds": f"SeedSequence({c.seed}, spawn_key=(r,)) for r in 0..{total - 1}",
        "control": c.control,
        "alpha": c.alpha,
        "adjust": c.adjust,
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
        "executor": run["executor"],
        "workers": run["workers"],
        "executor_details": run["executor_details"],
        "inputs": input_hashes(suite),
        **provenance(run["started"], run["started_utc"], dirty=True),
        # Honest timings on --resume: the wall time above is this invocation's; the
        # replications' own compute time is summed over all of them, reused ones included.
        "compute_seconds": total_seconds(compute.values()),
        "compute_seconds_reused": total_seconds(reused.values()),
        "compute_seconds_this_run": total_seconds(computed.values()),
        "all_expectations_held": held,
    }
