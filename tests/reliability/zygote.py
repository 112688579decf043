"""A warm process that forks one limited ``nurture`` process per request.

Starting Python with numpy, pandas and scipy takes about a second; the reliability tests run
hundreds of commands. This helper imports the command once and then, for each request,
forks a child that sets its own memory cap (``RLIMIT_AS``), changes to the request's folder,
sends its stdout and stderr to files and runs :func:`sim.cli.main` exactly as the console
script does: an exception that escapes prints its traceback and exits 1, as the interpreter
would. The zygote waits for the child with ``os.wait4`` (its own peak memory) and kills it
at the time limit. It is single-threaded, so forking it is safe.

Protocol: one JSON request per line on stdin
``{"argv": [...], "cwd": ..., "out": ..., "err": ..., "memory": bytes, "timeout": s}``;
one JSON reply per line on stdout ``{"code", "seconds", "peak_rss_mb", "timed_out"}``.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import sys
import time


def _child(req: dict) -> None:
    # In the forked child: limits, folder, files; then the command; never return.
    code = 1
    try:
        cap = int(req["memory"])
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
        os.chdir(req["cwd"])
        out = os.open(req["out"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        err = os.open(req["err"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(out, 1)
        os.dup2(err, 2)
        os.close(out)
        os.close(err)
        os.environ.update(req.get("env", {}))
        full = os.environ.get("NURTURE_TEST_FULL_DISK")
        if full:
            _fill_the_disk_for(full)
        from sim.cli import main

        try:
            code = main(list(req["argv"]))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        except BaseException:
            import traceback

            traceback.print_exc()
            code = 1
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def _fill_the_disk_for(name: str) -> None:
    """Make renaming a temporary over ``name`` fail as a full disk does (ENOSPC).

    Every writer writes a temporary and renames it into place, so this exercises the same
    path as a write that fails for want of space: the temporary is removed, the error rises.
    """
    import errno

    real = os.replace

    def replace(src, dst, *args, **kwargs):
        if os.fspath(dst).endswith(name):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), os.fspath(dst))
        return real(src, dst, *args, **kwargs)

    os.replace = replace


def _serve() -> None:
    import sim.cli  # noqa: F401 - imported once, shared by every child

    for line in sys.stdin:
        req = json.loads(line)
        started = time.perf_counter()
        pid = os.fork()
        if pid == 0:
            sys.stdin.close()
            _child(req)
        timed_out = False
        deadline = started + float(req["timeout"])
        while True:
            done, status, usage = os.wait4(pid, os.WNOHANG)
            if done:
                break
            if time.perf_counter() > deadline:
                timed_out = True
                os.kill(pid, signal.SIGKILL)
                done, status, usage = os.wait4(pid, 0)
                break
            time.sleep(0.005)
        reply = {
            "code": os.waitstatus_to_exitcode(status),
            "seconds": time.perf_counter() - started,
            "peak_rss_mb": usage.ru_maxrss / 1024.0,
            "timed_out": timed_out,
        }
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    _serve()
