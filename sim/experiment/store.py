"""The results store: ``results/<suite>/<run-id>/``, written atomically, resumable.

A run's id is a hash of everything that determines its numbers (resolved scenario and
strategies, design, replications, seed), so rerunning the same suite lands in the same folder
and ``--resume`` can reuse the replications already there. Each finished replication is
checkpointed as ``replications/rep-NNNNN.json``; the tables are rebuilt from them. Every file
is written to a hidden temporary name and renamed into place, so a killed run never leaves a
half-written file under a visible name; leftover temporaries are swept on the next run.

One run at a time writes into a run folder: :meth:`RunStore.prepare` takes an exclusive lock
(``flock`` on the folder's ``.lock`` file) that the run holds until :meth:`RunStore.close`,
so a second run of the same suite into the same results root waits for the first instead of
sweeping away its temporaries. The kernel releases the lock when a process dies, however it
dies, so a killed run never leaves a stale lock. A write that fails (a full disk, a folder
made read-only) is one :class:`~sim.errors.InputError` naming the file; the file it was
writing is removed, the others are whole.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from sim.errors import InputError
from sim.experiment.jsonable import to_jsonable
from sim.experiment.replication import ReplicationResult
from sim.files import TEMP_PREFIX, atomic_write_text, atomic_write_with

SCHEMA = 2
#: The lock file of a run folder (hidden, empty; its lock dies with the process holding it).
LOCK_NAME = ".lock"

#: Run-folder locks this process holds: resolved folder -> (descriptor, id of the owning store).
#: A flock taken twice by one process on two descriptors waits on itself for ever, so a second
#: store on a folder this process already holds (a study rerun in the same notebook, a store
#: that was never closed) takes the held lock over instead of waiting for it.
_HELD: dict[str, tuple[int, int]] = {}
#: What a replication checkpoint keeps (besides its per-lead parquet).
CHECKPOINT_KEYS = ("rows", "curves", "stats", "pairs", "desk", "source_rows", "seconds")
#: Builds a report into a run folder and returns its path (or ``None`` for no report).
ReportBuilder = Callable[[Path], "Path | None"]


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
    """The folder of one run.

    Args:
        root: the results root.
        suite: the suite's name (a folder under the root).
        run_id: the run's id (a folder under the suite's).
        on_wait: called with a sentence when another process holds the run folder's lock
            and this one has to wait for it.
    """

    def __init__(
        self,
        root: str | Path,
        suite: str,
        run_id: str,
        on_wait: Callable[[str], None] | None = None,
    ) -> None:
        self.root = Path(root)
        self.on_wait = on_wait
        self._lock: int | None = None
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
        """Make the folders, take the run folder's lock (waiting for it), sweep temporaries."""
        try:
            self.reps_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(
                f"--results {self.root}", f"cannot create {self.dir} ({exc.strerror})"
            ) from None
        if not os.access(self.dir, os.W_OK):
            raise InputError(f"--results {self.root}", f"{self.dir} is not writable")
        self.claim()
        self.sweep_temporaries()

    def claim(self) -> None:
        """Hold the run folder's exclusive lock until :meth:`close` (or the process ends)."""
        if self._lock is not None:
            return
        key = str(self.dir.resolve())
        if key in _HELD:
            fd = _HELD[key][0]
            _HELD[key] = (fd, id(self))
            self._lock = fd
            return
        try:
            fd = os.open(self.dir / LOCK_NAME, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
        except OSError as exc:
            raise InputError(
                f"--results {self.root}", f"cannot lock {self.dir} ({exc.strerror})"
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if self.on_wait is not None:
                self.on_wait(f"another run is writing {self.dir}; waiting for it to finish")
            fcntl.flock(fd, fcntl.LOCK_EX)
        self._lock = fd
        _HELD[key] = (fd, id(self))

    def close(self) -> None:
        """Release the run folder's lock."""
        if self._lock is None:
            return
        key = str(self.dir.resolve())
        if _HELD.get(key) == (self._lock, id(self)):
            del _HELD[key]
            os.close(self._lock)  # closing the descriptor releases the flock
        # else a later store of this process took the lock over; it releases it.
        self._lock = None

    def __enter__(self) -> RunStore:
        self.prepare()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def writing(self, name: str) -> Iterator[None]:
        """Turn a failed write of ``name`` (a full disk, say) into one :class:`InputError`."""
        try:
            yield
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            raise InputError(
                f"--results {self.root}",
                f"cannot write {self.dir / name} ({reason}); no file was left half-written "
                "and the finished replications are saved: make room, then run the same "
                "command again with --resume",
            ) from None

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

    def save_replication(self, r: int, result: ReplicationResult, run_hash: str) -> None:
        if result.leads is not None:
            leads = result.leads
            with self.writing(f"replications/rep-{r:05d}.parquet"):
                atomic_write_with(
                    self.reps_dir / f"rep-{r:05d}.parquet",
                    lambda tmp: leads.to_parquet(tmp, index=False),
                )
        payload = {"schema": SCHEMA, "hash": run_hash, "replication": r}
        payload |= result.checkpoint()
        # The JSON is written last: its presence means the replication is complete.
        with self.writing(self.rep_path(r).name):
            atomic_write_text(self.rep_path(r), json.dumps(payload, allow_nan=True) + "\n")

    def load_replications(
        self, run_hash: str, count: int, with_leads: bool
    ) -> dict[int, ReplicationResult]:
        """Finished replications from an earlier run of the same config."""
        done: dict[int, ReplicationResult] = {}
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
            res = ReplicationResult.from_checkpoint(
                r, {k: payload[k] for k in CHECKPOINT_KEYS if k in payload}
            )
            if with_leads:
                lp = self.reps_dir / f"rep-{r:05d}.parquet"
                if not lp.is_file():
                    continue
                res.leads = pd.read_parquet(lp)
            done[r] = res
        return done

    # -- final outputs --------------------------------------------------------------------
    def write_csv(self, name: str, df: pd.DataFrame) -> None:
        with self.writing(name):
            atomic_write_with(
                self.dir / name, lambda tmp: df.to_csv(tmp, index=False, float_format="%.10g")
            )

    def write_json(self, name: str, obj: Any) -> None:
        text = json.dumps(obj, indent=2, allow_nan=False) + "\n"
        with self.writing(name):
            atomic_write_text(self.dir / name, text)

    def write_parquet(self, name: str, df: pd.DataFrame) -> None:
        with self.writing(name):
            atomic_write_with(self.dir / name, lambda tmp: df.to_parquet(tmp, index=False))

    def hashes(self, names: list[str]) -> dict[str, str]:
        return {n: sha256_file(self.dir / n) for n in names if (self.dir / n).is_file()}

    def write_manifest(self, manifest: dict[str, Any], outputs: list[str]) -> None:
        """``manifest.json``: ``manifest`` with the hashes of ``outputs`` as its last entry."""
        self.write_json("manifest.json", to_jsonable({**manifest, "outputs": self.hashes(outputs)}))

    def add_report(
        self, build: ReportBuilder, manifest: dict[str, Any], outputs: list[str]
    ) -> Path | None:
        """Let ``build(folder)`` write a report; its hash joins the manifest's ``outputs``."""
        with self.writing("report.html"):
            path = build(self.dir)
        if path is not None:
            outputs.append(path.name)
            self.write_manifest(manifest, outputs)
        return path
