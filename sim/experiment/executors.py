"""Where replications run: in this process, a local process pool, or a Dask cluster.

Every executor yields ``(index, result)`` pairs as tasks finish, in whatever order; callers
key results by index, so the order never reaches an output file. Replications are pure
functions of their task, so the same seed gives the same bytes whoever runs them.

A Dask scheduler given by address is checked before any work: the address's form
(:func:`parse_scheduler`), then a connection within :data:`CONNECT_TIMEOUT_S`
(:func:`check_scheduler`). During the run, a scheduler that goes away, workers that keep dying
under a task, or no worker at all for :data:`NO_WORKER_TIMEOUT_S` end the run with one
:class:`~sim.errors.InputError` line that says how many replications are saved and to run
again with ``--resume``, instead of a traceback or a silent wait.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Callable, Iterator, MutableMapping, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from typing import Any
from urllib.parse import urlsplit

from sim.errors import InputError

Task = Any
Result = Any


def _seconds(name: str, default: float) -> float:
    try:
        value = float(os.environ.get(name, default))
    except ValueError:
        value = default
    return value if value > 0 else default


#: Seconds to reach a Dask scheduler (``NURTURE_DASK_CONNECT_TIMEOUT`` changes it).
CONNECT_TIMEOUT_S = _seconds("NURTURE_DASK_CONNECT_TIMEOUT", 10.0)
#: Seconds a Dask run waits with no worker before it stops (``NURTURE_DASK_WORKER_TIMEOUT``).
NO_WORKER_TIMEOUT_S = _seconds("NURTURE_DASK_WORKER_TIMEOUT", 60.0)
#: Seconds between looks at the cluster while waiting for results.
POLL_S = 1.0
#: Address schemes Dask's communication layer understands.
SCHEMES = ("tcp", "tls", "ucx", "ws", "wss")
RESUME = "run the same command again with --resume"


def default_workers() -> int:
    """All cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def run_serial(fn: Callable[[Task], Result], tasks: Sequence[Task]) -> Iterator[tuple[int, Result]]:
    for i, task in enumerate(tasks):
        yield i, fn(task)


def run_local(
    fn: Callable[[Task], Result], tasks: Sequence[Task], workers: int
) -> Iterator[tuple[int, Result]]:
    """A process pool; one worker (or one task) runs in this process, with no pool at all."""
    if workers <= 1 or len(tasks) <= 1:
        yield from run_serial(fn, tasks)
        return
    pool = ProcessPoolExecutor(max_workers=min(workers, len(tasks)))
    try:
        pending = {pool.submit(fn, task): i for i, task in enumerate(tasks)}
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                yield pending.pop(fut), fut.result()
    except BaseException:
        # Interrupted (Ctrl-C, SIGTERM) or failed: stop the workers now instead of waiting
        # for their replications; the finished ones are already with the caller.
        _stop_workers(pool)
        raise
    pool.shutdown(wait=True)


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in processes:
        if proc.is_alive():
            proc.kill()
    for proc in processes:
        proc.join(timeout=5)


def parse_scheduler(address: str) -> str:
    """The scheduler address in Dask's ``SCHEME://HOST:PORT`` form, or an :class:`InputError`.

    >>> parse_scheduler("10.0.0.5:8786"), parse_scheduler("tls://sched.example:8786")
    ('tcp://10.0.0.5:8786', 'tls://sched.example:8786')
    >>> parse_scheduler("not a url")
    Traceback (most recent call last):
    ...
    sim.errors.InputError: --scheduler 'not a url': not an address: use tcp://HOST:PORT, e.g. tcp://10.0.0.5:8786
    """
    where = f"--scheduler {address!r}"
    text = address.strip()
    allowed = "use tcp://HOST:PORT, e.g. tcp://10.0.0.5:8786"
    if "://" not in text:
        text = "tcp://" + text
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise InputError(where, f"not an address: {allowed}") from None
    if parts.scheme not in SCHEMES:
        raise InputError(
            where, f"scheme {parts.scheme!r} is not allowed: use one of {', '.join(SCHEMES)}"
        )
    if not parts.hostname or " " in text or parts.path not in ("", "/") or parts.query:
        raise InputError(where, f"not an address: {allowed}")
    if port is None or not 1 <= port <= 65535:
        raise InputError(where, f"needs a port between 1 and 65535: {allowed}")
    return f"{parts.scheme}://{parts.netloc}"


def check_scheduler(address: str, timeout: float | None = None) -> dict[str, Any]:
    """Connect to the scheduler at ``address`` within ``timeout`` seconds; what it has.

    Called before a run prepares its results folder, so an address nobody answers costs
    the timeout and leaves nothing behind.
    """
    timeout = timeout or _seconds("NURTURE_DASK_CONNECT_TIMEOUT", CONNECT_TIMEOUT_S)
    url = parse_scheduler(address)
    Client = _dask()[0]
    try:
        client = Client(url, timeout=f"{timeout}s", set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise InputError(
            f"--scheduler {address}",
            f"no Dask scheduler answered within {timeout:g} s ({type(exc).__name__}); start "
            "one (dask scheduler) or check the address",
        ) from None
    try:
        return {"scheduler": url, "dask_workers": len(client.scheduler_info()["workers"])}
    finally:
        client.close()


def _dask():
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:  # pragma: no cover - depends on the install
        raise InputError(
            "--executor dask", "needs the dask extra: pip install 'nurture-lab[dask]'"
        ) from None
    return Client, LocalCluster


def run_dask(
    fn: Callable[[Task], Result],
    tasks: Sequence[Task],
    workers: int,
    scheduler: str | None = None,
    info: MutableMapping[str, Any] | None = None,
) -> Iterator[tuple[int, Result]]:
    """Dask distributed: a running cluster at ``scheduler``, or a LocalCluster of processes."""
    from distributed import KilledWorker
    from distributed import wait as dask_wait

    info = {} if info is None else info
    client, cluster, where = _connect(workers, scheduler, info)
    finished = 0
    patience = _seconds("NURTURE_DASK_WORKER_TIMEOUT", NO_WORKER_TIMEOUT_S)

    def lost(what: str) -> InputError:
        return InputError(
            where, f"{what}; {finished} of {len(tasks)} replications finished and saved: {RESUME}"
        )

    # Dask logs a lost connection as a traceback on stderr; the run reports it in one line.
    quiet = [logging.getLogger(n) for n in ("distributed", "distributed.client", "tornado")]
    levels = [q.level for q in quiet]
    for q in quiet:
        q.setLevel(logging.CRITICAL + 1)
    failed = False
    try:
        futures = [client.submit(fn, task, pure=False) for task in tasks]
        index = {f.key: i for i, f in enumerate(futures)}
        pending = set(futures)
        no_worker_since: float | None = None
        while pending:
            try:
                done, pending = dask_wait(pending, timeout=POLL_S, return_when="FIRST_COMPLETED")
            except TimeoutError:
                done = set()
            except Exception as exc:  # the connection itself failed
                raise lost(f"lost the Dask scheduler ({type(exc).__name__})") from None
            for fut in done:
                result = _fetch(fut, patience, lost, KilledWorker)
                finished += 1
                yield index[fut.key], result
            if done:
                no_worker_since = None
                continue
            if client.status not in ("running", "newly-created"):
                raise lost(f"lost the Dask scheduler (client {client.status})")
            if client.scheduler_info().get("workers"):
                no_worker_since = None
            elif no_worker_since is None:
                no_worker_since = time.monotonic()
            elif time.monotonic() - no_worker_since > patience:
                raise lost(f"no Dask worker for {patience:g} s")
    except BaseException:
        failed = True
        raise
    finally:
        # Closing a client whose scheduler is gone may itself fail; the run's outcome stands.
        with contextlib.suppress(Exception):
            client.close(timeout=CONNECT_TIMEOUT_S)
        for q, level in zip(quiet, levels, strict=True):
            q.setLevel(level)
        if failed:
            # The client's abandoned gather tasks are reported by asyncio as "Task exception
            # was never retrieved" when they are collected, often at exit: after the one-line
            # error, nothing more is news.
            logging.getLogger("asyncio").setLevel(logging.CRITICAL + 1)
        if cluster is not None:
            cluster.close()


def _connect(workers: int, scheduler: str | None, info: MutableMapping[str, Any]):
    """A client of the cluster at ``scheduler`` (or of a new LocalCluster), the cluster
    (``None`` for one that was running), and the option a failure is reported under."""
    Client, LocalCluster = _dask()
    if scheduler:
        info.update(check_scheduler(scheduler))
        info["workers"] = info["dask_workers"]
        where = f"--scheduler {scheduler}"
        try:
            return Client(info["scheduler"], timeout=f"{CONNECT_TIMEOUT_S}s"), None, where
        except (OSError, TimeoutError) as exc:
            raise InputError(where, f"cannot connect ({exc})") from None
    cluster = LocalCluster(
        n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
    )
    info.update({"scheduler": "LocalCluster", "dask_workers": workers})
    return Client(cluster), cluster, "--executor dask"


def _fetch(fut, patience: float, lost: Callable[[str], InputError], killed: type) -> Result:
    """A finished future's result, or the one-line error of a lost cluster."""
    if fut.status == "error" and isinstance(fut.exception(), killed):
        raise lost("Dask workers kept dying while running a replication")
    if fut.status in ("cancelled", "lost"):
        raise lost("lost the Dask scheduler (its results were cancelled)")
    try:  # a replication's own error is a bug: it is raised as is
        return fut.result(timeout=patience)
    except TimeoutError:  # the worker holding the result died with it
        raise lost(
            f"a finished replication could not be fetched for {patience:g} s "
            "(no Dask worker holds it any more)"
        ) from None
    except OSError as exc:  # CommClosedError: the scheduler went while fetching
        raise lost(f"lost the Dask scheduler ({type(exc).__name__})") from None


def run_tasks(
    fn: Callable[[Task], Result],
    tasks: Sequence[Task],
    *,
    executor: str = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    info: MutableMapping[str, Any] | None = None,
) -> Iterator[tuple[int, Result]]:
    """Dispatch to the named executor: ``"serial"``, ``"local"`` or ``"dask"``.

    ``info`` (a dict), if given, receives what ran the tasks: ``executor``, ``workers``
    and, for Dask, ``scheduler`` and ``dask_workers``, for the manifest.
    """
    workers = workers or default_workers()
    if info is not None:
        info.update({"executor": executor, "workers": 1 if executor == "serial" else workers})
    if executor == "serial":
        return run_serial(fn, tasks)
    if executor == "local":
        return run_local(fn, tasks, workers)
    if executor == "dask":
        return run_dask(fn, tasks, workers, scheduler, info)
    raise InputError("--executor", f"{executor!r} is not allowed: use local, serial or dask")
