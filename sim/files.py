"""Files, both ways: reading a user's file safely, writing ours atomically; what is installed.

**Reading.** Only regular files, and never more than a cap.

A path on the command line or in a suite may name anything: a named pipe (opening it for
reading blocks until a writer appears, so a command would hang), a character device such as
``/dev/zero`` (bytes without end), a socket or a folder. Only a regular file is data. The path
is first looked at with ``stat`` (which opens nothing, so the message can say what it is),
then opened with ``O_NONBLOCK`` (so that even a pipe swapped in after the check cannot block
the open) and checked again with ``fstat`` on the open descriptor before a byte is read.

>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "a.toml"
>>> _ = p.write_text("x = 1")
>>> read_bounded(p, "a.toml", limit=100)
b'x = 1'
>>> try:
...     read_bounded("/dev/zero", "/dev/zero", limit=100)
... except InputError as exc:
...     print(exc)
/dev/zero: is a character device, not a regular file
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Callable, Iterator
from importlib import metadata
from pathlib import Path
from typing import IO, BinaryIO

from sim.errors import InputError

_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISSOCK, "a socket"),
)


def kind_of(mode: int) -> str | None:
    """What a file that is not a regular file is, from its ``st_mode`` (None if regular).

    >>> kind_of(os.stat("/dev/null").st_mode), kind_of(os.stat(__file__).st_mode)
    ('a character device', None)
    """
    if stat.S_ISREG(mode):
        return None
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def not_regular(path: str | Path) -> str | None:
    """Why ``path`` is not a regular file to read ("no such file", "a named pipe ..."), or None."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return "no such file"
    except OSError as exc:
        return f"cannot be read ({exc.strerror})"
    kind = kind_of(mode)
    return f"is {kind}, not a regular file" if kind else None


def open_regular(path: str | Path, where: str) -> BinaryIO:
    """Open ``path`` for binary reading if it is a regular file; else an :class:`InputError`."""
    problem = not_regular(path)
    if problem:
        raise InputError(where, problem)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise InputError(where, "no such file") from None
    except OSError as exc:
        raise InputError(where, f"cannot be read ({exc.strerror})") from None
    kind = kind_of(os.fstat(fd).st_mode)
    if kind:  # replaced between the stat and the open
        os.close(fd)
        raise InputError(where, f"is {kind}, not a regular file")
    return os.fdopen(fd, "rb")


def read_bounded(path: str | Path, where: str, limit: int) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes (never reads more than that)."""
    with open_regular(path, where) as f:
        try:
            data = f.read(limit + 1)
        except OSError as exc:
            raise InputError(where, f"cannot be read ({exc.strerror})") from None
    if len(data) > limit:
        raise InputError(where, f"is larger than {limit:,} bytes, the most allowed here")
    return data


# --------------------------------------------------------------------------- atomic writes
# A reader sees the old file or the whole new one, never half of it: write to a temporary
# file in the same folder, flush and fsync it, then ``os.replace`` it over the target (atomic
# on POSIX and Windows within one file system).

#: Temporary files start with this, so that listings and ``--resume`` can ignore them.
TEMP_PREFIX = ".tmp-"


def _temp_prefix() -> str:
    """``.tmp-PID-``: unique per process (``mkstemp`` adds a random part), and it says whose."""
    return f"{TEMP_PREFIX}{os.getpid()}-"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


#: mkstemp makes files private (0600); results are ordinary files (0666 less the umask).
FILE_MODE = 0o666 & ~_umask()


@contextlib.contextmanager
def _replacing(target: Path, tmp: str) -> Iterator[None]:
    """Rename ``tmp`` over ``target`` once the block has written it; remove it on failure."""
    try:
        yield
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def atomic_open(path: str | Path, mode: str = "w", encoding: str | None = "utf-8") -> Iterator[IO]:
    """Open a temporary sibling of ``path`` for writing; rename it over ``path`` on success.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> with atomic_open(d / "a.txt") as f:
    ...     _ = f.write("hello")
    >>> (d / "a.txt").read_text(), sorted(p.name for p in d.iterdir())
    ('hello', ['a.txt'])
    """
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=_temp_prefix(), dir=target.parent)
    with _replacing(target, tmp):
        binary = "b" in mode
        with os.fdopen(fd, mode, encoding=None if binary else encoding, newline=None) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())


def atomic_write_text(path: str | Path, text: str) -> None:
    with atomic_open(path, "w") as f:
        f.write(text)


def atomic_write_with(path: str | Path, writer: Callable[[str], None]) -> None:
    """Let ``writer(tmp_path)`` write a file (e.g. ``DataFrame.to_parquet``), then rename it."""
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=_temp_prefix(), dir=target.parent)
    os.close(fd)
    with _replacing(target, tmp):
        writer(tmp)
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())


# --------------------------------------------------------------------------- what is installed


def package_version(name: str = "nurture-lab") -> str | None:
    """The installed version of distribution ``name``, or ``None`` when it is not installed.

    >>> package_version("no-such-distribution-here") is None
    True
    """
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def package_versions(names: tuple[str, ...] | list[str]) -> dict[str, str]:
    """``{name: version}`` of the installed distributions among ``names``, then ``python``."""
    import platform

    out = {n: v for n in names if (v := package_version(n)) is not None}
    out["python"] = platform.python_version()
    return out
