"""Small valid inputs to break, and helpers to run the ``nurture`` command and watch the disk.

The reliability tests start from these tiny, valid files (one month of about 20 leads, so a
world runs in milliseconds), break one thing at a time and check the command's contract
(DESIGN.md, "Command line"): exit code 2, one line on stderr, no traceback, nothing written.
"""

from __future__ import annotations

import hashlib
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

#: A valid scenario: one source, the shipped journey's hazards, one month of ~20 leads.
SCENARIO = """\
name = "tiny"
months = 1
leads_per_month = 20
window_days = 30

[[sources]]
name = "web_form"
share = 1.0
cost_per_lead_usd = 20.0

[journey]
awareness = { advance_per_day = 0.03, drop_per_day = 0.03, lost_share = 0.1 }
consideration = { advance_per_day = 0.03, drop_per_day = 0.04, lost_share = 0.3 }
decision = { advance_per_day = 0.03, drop_per_day = 0.08, lost_share = 0.5 }

[sales]
agents = 2
"""

#: A valid strategy: no email, one sales call when a lead arrives.
STRATEGY = """\
name = "calls"

[sales.on_arrival]
enabled = true
delay_hours = 1.5
"""

#: A valid email strategy (to break its cadence).
EMAIL_STRATEGY = """\
name = "nurture"

[email]
enabled = true

[email.cadence]
awareness = { interval_days = 7, content = "awareness" }
consideration = { interval_days = 5, content = "consideration" }
decision = { interval_days = 3, content = "decision" }
"""

#: A valid suite over the two files above (paths relative to the suite's folder).
SUITE = """\
name = "tiny"
scenario = "scenario.toml"
replications = 2
seed = 1
control = "calls"

[[arms]]
name = "calls"
strategy = "strategy.toml"

[[arms]]
name = "twin"
strategy = "strategy.toml"
"""

#: A valid outcome CSV for ``nurture analyze``.
CSV = """\
arm,converted,cost_usd
control,1,20
control,0,20
control,0,20
treatment,1,25
treatment,1,25
treatment,0,25
"""


def edit(text: str, old: str, new: str) -> str:
    """``text`` with the one occurrence of ``old`` replaced (fails loudly if it is not there)."""
    if text.count(old) != 1:
        raise ValueError(f"{old!r} occurs {text.count(old)} times, expected once")
    return text.replace(old, new)


#: A file's content: text, bytes, or a function that writes the file (for big generated ones).
Content = str | bytes | Callable[[Path], None]


def write_files(folder: Path, files: Mapping[str, Content]) -> None:
    for rel, content in files.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if callable(content):
            content(path)
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


def snapshot(folder: Path) -> dict[str, str]:
    """Every path under ``folder`` (hidden ones too) with a hash of its bytes or its kind."""
    out: dict[str, str] = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        for name in dirnames:
            p = Path(dirpath) / name
            out[str(p.relative_to(folder))] = "link" if p.is_symlink() else "dir"
        for name in filenames:
            p = Path(dirpath) / name
            rel = str(p.relative_to(folder))
            if p.is_symlink():
                out[rel] = f"link -> {os.readlink(p)}"
            elif not p.is_file():  # a named pipe would block a read
                out[rel] = f"special {os.stat(p).st_mode:o}"
            else:
                out[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


@dataclass(frozen=True)
class Finished:
    """A finished ``nurture`` subprocess, with its own peak memory and wall time."""

    code: int
    out: str
    err: str
    seconds: float
    peak_rss_mb: float


#: Address space a command under test may take (``RLIMIT_AS``): a regression that eats
#: memory fails its test instead of taking the machine down.
MEMORY_CAP = 3 * 1024**3
#: Seconds a command under test may run before it is killed and the test fails.
TIME_LIMIT = 60.0


def _cap_memory(cap: int) -> Callable[[], None]:
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    return limit


def run_nurture(
    argv: list[str],
    cwd: Path,
    timeout: float = 120.0,
    memory: int | None = MEMORY_CAP,
    env: Mapping[str, str] | None = None,
) -> Finished:
    """Run ``python -m sim.cli ARGV`` in ``cwd``; measure that child's peak RSS (wait4).

    ``resource.getrusage(RUSAGE_CHILDREN)`` would report the largest child this test process
    ever waited for; ``os.wait4`` gives the figures of exactly this one. The timeout only
    guards against a hang.
    """
    io_dir = Path(tempfile.mkdtemp(prefix="nurture-io-"))  # not in cwd: cwd is watched
    out_path, err_path = io_dir / "stdout", io_dir / "stderr"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "100", **(env or {})}
    started = time.perf_counter()
    with out_path.open("wb") as out, err_path.open("wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "sim.cli", *argv],
            cwd=cwd,
            stdout=out,
            stderr=err,
            env=env,
            preexec_fn=_cap_memory(memory) if memory else None,
        )
        deadline = started + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                os.wait4(proc.pid, 0)
                raise TimeoutError(f"nurture {' '.join(argv)} did not finish in {timeout} s")
            time.sleep(0.01)
    proc.returncode = os.waitstatus_to_exitcode(status)  # so Popen does not wait again
    seconds = time.perf_counter() - started
    result = Finished(
        proc.returncode,
        out_path.read_text(errors="replace"),
        err_path.read_text(errors="replace"),
        seconds,
        usage.ru_maxrss / 1024.0,  # Linux reports kilobytes
    )
    shutil.rmtree(io_dir)
    return result


@dataclass(frozen=True)
class Limited:
    """A finished command run under :data:`MEMORY_CAP` and a time limit."""

    code: int
    out: str
    err: str
    seconds: float
    peak_rss_mb: float
    timed_out: bool


class Zygote:
    """Runs ``nurture`` commands as forked children of one warm process (``zygote.py``).

    Each command is a real process with its own memory cap and time limit, without paying
    for the interpreter's start-up every time.
    """

    def __init__(self) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "100"}
        env["OPENBLAS_NUM_THREADS"] = "1"  # a single-threaded parent forks safely
        self.proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("zygote.py"))],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )

    def run(
        self,
        argv: list[str],
        cwd: Path,
        timeout: float = TIME_LIMIT,
        memory: int = MEMORY_CAP,
        env: Mapping[str, str] | None = None,
    ) -> Limited:
        io_dir = Path(tempfile.mkdtemp(prefix="nurture-io-"))  # not in cwd: cwd is watched
        request = {
            "argv": list(argv),
            "cwd": str(cwd),
            "out": str(io_dir / "stdout"),
            "err": str(io_dir / "stderr"),
            "memory": memory,
            "timeout": timeout,
            "env": dict(env or {}),
        }
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        reply = json.loads(self.proc.stdout.readline())
        done = Limited(
            reply["code"],
            (io_dir / "stdout").read_text(errors="replace"),
            (io_dir / "stderr").read_text(errors="replace"),
            reply["seconds"],
            reply["peak_rss_mb"],
            reply["timed_out"],
        )
        shutil.rmtree(io_dir)
        return done

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        self.proc.wait(timeout=30)


@pytest.fixture(scope="session")
def zygote():
    z = Zygote()
    yield z
    z.close()


@pytest.fixture(scope="session")
def zygote2():
    """A second warm process, for two commands at the same time."""
    z = Zygote()
    yield z
    z.close()
