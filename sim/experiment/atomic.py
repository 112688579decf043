"""Atomic file writes: a reader sees the old file or the whole new one, never half of it.

Write to a temporary file in the same folder, flush and fsync it, then ``os.replace`` it over
the target (atomic on POSIX and Windows within one file system).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

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
    try:
        binary = "b" in mode
        with os.fdopen(fd, mode, encoding=None if binary else encoding, newline=None) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def atomic_write_text(path: str | Path, text: str) -> None:
    with atomic_open(path, "w") as f:
        f.write(text)


def atomic_write_with(path: str | Path, writer: Callable[[str], None]) -> None:
    """Let ``writer(tmp_path)`` write a file (e.g. ``DataFrame.to_parquet``), then rename it."""
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=_temp_prefix(), dir=target.parent)
    os.close(fd)
    try:
        writer(tmp)
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
