"""The results store: ``results/<suite>/<run-id>/``, written atomically, resumable.

A run's id is a hash of everything that determines its numbers (resolved scenario and
strategies, design, replications, seed), so rerunning the same suite lands in the same folder
and ``--resume`` can reuse the replications already there. Each finished replication is
checkpointed as ``replications/rep-NNNNN.json``; the tables are rebuilt from them. Every file
is written to a hidden temporary name and renamed into place, so a killed run never leaves a
half-written file under a visible name; leftover temporaries are swept on the next run.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from pathlib import Path
from typing import Any

import pandas as pd

from sim.errors import InputError
from sim.experiment.atomic import TEMP_PREFIX, atomic_write_text, atomic_write_with

SCHEMA = 2
#: What a replication checkpoint keeps (besides its per-lead parquet).
CHECKPOINT_KEYS = ("rows", "curves", "stats", "pairs", "desk", "source_rows", "seconds")


def config_hash(resolved: dict[str, Any]) -> str:
    """A short, stable hash of a resolved suite config.

    >>> config_hash({"a": 1}) == config_hash({"a": 1}) != config_hash({"a": 2})
    True
    """
    text = json.dumps(resolved, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class RunStore:
    """The folder of one run."""

    def __init__(self, root: str | Path, suite: str, run_id: str) -> None:
        self.root = Path(root)
        self.dir = self.root / suite / run_id
        self.reps_dir = self.dir / "replications"
        # Confinement: the run folder must stay inside the results root.
        root_real = self.root.resolve()
        if root_real not in self.dir.resolve().parents:
            raise InputError(f"suite name {suite!r}", "would write outside the results folder")
        # A symbolic link one level down would send the checkpoints elsewhere just the same.
        if root_real not in self.reps_dir.resolve().parents:
            raise InputError(
                f"--results {self.root}",
                f"{self.reps_dir} is a link that would write outside the results folder",
            )

    def prepare(self) -> None:
        try:
            self.reps_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(
                f"--results {self.root}", f"cannot create {self.dir} ({exc.strerror})"
            ) from None
        if not os.access(self.dir, os.W_OK):
            raise InputError(f"--results {self.root}", f"{self.dir} is not writable")
        self.sweep_temporaries()

    def sweep_temporaries(self) -> None:
        """Remove temporaries a killed run left behind (they were never visible files)."""
        for folder in (self.dir, self.reps_dir):
            if folder.is_dir():
                for p in folder.glob(f"{TEMP_PREFIX}*"):
                    with contextlib.suppress(OSError):
                        p.unlink()

    # -- replication checkpoints ----------------------------------------------------------
    def rep_path(self, r: int) -> Path:
        return self.reps_dir / f"rep-{r:05d}.json"

    def save_replication(self, r: int, result: dict[str, Any], run_hash: str) -> None:
        if "leads" in result:
            leads: pd.DataFrame = result["leads"]
            atomic_write_with(
                self.reps_dir / f"rep-{r:05d}.parquet",
                lambda tmp: leads.to_parquet(tmp, index=False),
            )
        payload = {"schema": SCHEMA, "hash": run_hash, "replication": r}
        payload |= {k: result[k] for k in CHECKPOINT_KEYS if k in result}
        # The JSON is written last: its presence means the replication is complete.
        atomic_write_text(self.rep_path(r), json.dumps(payload, allow_nan=True) + "\n")

    def load_replications(
        self, run_hash: str, count: int, with_leads: bool
    ) -> dict[int, dict[str, Any]]:
        """Finished replications from an earlier run of the same config."""
        done: dict[int, dict[str, Any]] = {}
        for r in range(count):
            p = self.rep_path(r)
            if not p.is_file():
                continue
            try:
                payload = json.loads(p.read_text())
            except (OSError, ValueError):
                continue  # unreadable: run it again
            if payload.get("schema") != SCHEMA or payload.get("hash") != run_hash:
                continue
            res = {"replication": r}
            res |= {k: payload[k] for k in CHECKPOINT_KEYS if k in payload}
            if with_leads:
                lp = self.reps_dir / f"rep-{r:05d}.parquet"
                if not lp.is_file():
                    continue
                res["leads"] = pd.read_parquet(lp)
            done[r] = res
        return done

    # -- final outputs --------------------------------------------------------------------
    def write_csv(self, name: str, df: pd.DataFrame) -> None:
        atomic_write_with(
            self.dir / name, lambda tmp: df.to_csv(tmp, index=False, float_format="%.10g")
        )

    def write_json(self, name: str, obj: Any) -> None:
        atomic_write_text(self.dir / name, json.dumps(obj, indent=2, allow_nan=False) + "\n")

    def write_parquet(self, name: str, df: pd.DataFrame) -> None:
        atomic_write_with(self.dir / name, lambda tmp: df.to_parquet(tmp, index=False))

    def hashes(self, names: list[str]) -> dict[str, str]:
        return {n: sha256_file(self.dir / n) for n in names if (self.dir / n).is_file()}
