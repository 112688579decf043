"""Where replications run: in this process, a local process pool, or a Dask cluster.

Every executor yields ``(index, result)`` pairs as tasks finish, in whatever order; callers
key results by index, so the order never reaches an output file. Replications are pure
functions of their task, so the same seed gives the same bytes whoever runs them.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from typing import Any

from sim.errors import InputError

Task = Any
Result = Any


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
    with ProcessPoolExecutor(max_workers=min(workers, len(tasks))) as pool:
        pending = {pool.submit(fn, task): i for i, task in enumerate(tasks)}
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                yield pending.pop(fut), fut.result()


def run_dask(
    fn: Callable[[Task], Result],
    tasks: Sequence[Task],
    workers: int,
    scheduler: str | None = None,
) -> Iterator[tuple[int, Result]]:
    """Dask distributed: a running cluster at ``scheduler``, or a LocalCluster of processes."""
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError:  # pragma: no cover - depends on the install
        raise InputError(
            "--executor dask", "needs the dask extra: pip install 'nurture-lab[dask]'"
        ) from None
    cluster = None
    if scheduler:
        try:
            client = Client(scheduler, timeout="10s")
        except OSError as exc:
            raise InputError(f"--scheduler {scheduler}", f"cannot connect ({exc})") from None
    else:
        cluster = LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
        )
        client = Client(cluster)
    try:
        futures = [client.submit(fn, task, pure=False) for task in tasks]
        index = {f.key: i for i, f in enumerate(futures)}
        for fut in as_completed(futures):
            yield index[fut.key], fut.result()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def run_tasks(
    fn: Callable[[Task], Result],
    tasks: Sequence[Task],
    *,
    executor: str = "local",
    workers: int | None = None,
    scheduler: str | None = None,
) -> Iterator[tuple[int, Result]]:
    """Dispatch to the named executor: ``"serial"``, ``"local"`` or ``"dask"``."""
    workers = workers or default_workers()
    if executor == "serial":
        return run_serial(fn, tasks)
    if executor == "local":
        return run_local(fn, tasks, workers)
    if executor == "dask":
        return run_dask(fn, tasks, workers, scheduler)
    raise InputError("--executor", f"{executor!r} is not allowed: use local, serial or dask")
