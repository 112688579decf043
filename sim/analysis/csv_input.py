"""Reading an outcome CSV into per-arm sufficient statistics in bounded memory.

The file is read in chunks (``pandas.read_csv(chunksize=...)``) of only the needed columns, as
text, so every value is checked with a message that names its row; each chunk is reduced to
:class:`~sim.analysis.sufficient.ArmStats` per arm and added to the running totals. Memory is
one chunk plus a few numbers per arm, whatever the file size. Bootstrap intervals need per-unit
data: with ``keep_samples`` only the outcome (1 byte) and the cost (8 bytes) of each row are
kept, as compact arrays per arm.

Rows are numbered as a spreadsheet shows them: the header is row 1, so the first data row is
row 2 (blank lines count as rows, and are refused as missing values).

Before pandas sees a byte, one pass over the file (numpy on 1 MiB blocks) measures its rows:
a row longer than :data:`MAX_ROW_BYTES` (a file without line breaks, an unclosed quote) is
refused, naming the line it starts on, because a CSV parser holds a whole row in memory; and
chunks are sized so that one chunk holds at most :data:`MAX_CHUNK_BYTES` of the file. The
header is read by the ``csv`` module, with names trimmed of spaces; a column the command needs
that appears twice is refused (pandas would silently rename the second ``converted.1``). An
arm column with more than :data:`MAX_ARMS` distinct values (a lead id given as the arm) is
refused as soon as a chunk shows it.
"""

from __future__ import annotations

import csv
import io
import os
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from sim.analysis.columns import ALLOWED_BINARY, parse_binary_text
from sim.analysis.sufficient import ArmStats, group_arm_stats, pool
from sim.errors import InputError
from sim.files import not_regular, open_regular

ROW_CONVENTION = "rows counted as in a spreadsheet, header = row 1"
#: Cells (rows x columns) per chunk: 200,000 rows of three columns.
MAX_CELLS_PER_CHUNK = 600_000
#: Bytes of the file per chunk (rows x the longest row), whatever the rows' width.
MAX_CHUNK_BYTES = 16_000_000
#: The longest row (header included), quoted line breaks included.
MAX_ROW_BYTES = 1_000_000
#: Distinct arms a file may have: an A/B test compares a few arms, not one per lead.
MAX_ARMS = 100
#: Bytes read at a time by the row-measuring pass.
_BLOCK = 1 << 20


@dataclass(frozen=True)
class CsvSummary:
    """What :func:`read_outcome_csv` found.

    Attributes:
        stats: ``{arm: ArmStats}`` in order of first appearance.
        rows: data rows read.
        samples: per-arm ``(converted, cost)`` arrays when ``keep_samples`` (else ``None``).
    """

    stats: dict[str, ArmStats]
    rows: int
    samples: dict[str, tuple[np.ndarray, np.ndarray]] | None = None


def read_outcome_csv(
    path: str | os.PathLike[str],
    *,
    arm_col: str,
    converted_col: str,
    cost_col: str | None = None,
    keep_samples: bool = False,
    chunksize: int = 200_000,
) -> CsvSummary:
    """Per-arm sufficient statistics of a CSV with one row per unit.

    Args:
        path: the CSV file (UTF-8, a byte-order mark is fine).
        arm_col: column naming each row's arm.
        converted_col: 0/1 outcome; ``0/1``, ``true/false`` or ``yes/no`` in any case.
        cost_col: per-unit cost in USD, a number >= 0 (optional).
        keep_samples: also keep per-unit (converted, cost) arrays per arm, for the bootstrap.
        chunksize: rows per chunk.

    Raises:
        InputError: missing file, a directory, not UTF-8, no header, missing columns, no data
            rows, or a bad value (naming the row and column, and what is allowed).
    """
    file = Path(path)
    where = str(path)
    _check_file(file, where)
    longest = _measure_rows(file, where)
    header = _header(file, where)
    needed = [arm_col, converted_col] + ([cost_col] if cost_col else [])
    _check_header(header, needed, where)
    # pandas reads the columns by position, so it never renames a duplicate ("x.1").
    position = {name: str(header.index(name)) for name in needed}
    rows_per_chunk = min(
        chunksize,
        MAX_CELLS_PER_CHUNK // max(len(header), 1),
        MAX_CHUNK_BYTES // max(longest, 1),
    )
    columns = _Columns(arm_col, converted_col, cost_col)
    parts, kept, rows = _read_chunks(file, where, header, position, rows_per_chunk, columns,
                                     keep_samples)  # fmt: skip
    if rows == 0:
        raise InputError(where, "no data rows: the file has a header but no rows below it")
    samples = None
    if keep_samples:
        samples = {
            label: (
                np.concatenate([y for y, _ in pieces]),
                np.concatenate([c for _, c in pieces]),
            )
            for label, pieces in kept.items()
        }
    return CsvSummary(pool(parts), rows, samples)


class _Columns(NamedTuple):
    arm: str
    converted: str
    cost: str | None


def _check_header(header: list[str], needed: list[str], where: str) -> None:
    """Refuse a header without a needed column, or with one of them twice."""
    missing = [c for c in dict.fromkeys(needed) if c not in header]
    if missing:
        plural = "s" if len(missing) > 1 else ""
        raise InputError(
            where,
            f"missing column{plural} {', '.join(repr(c) for c in missing)}; "
            f"available columns: {', '.join(header) or '(none)'}",
        )
    for c in dict.fromkeys(needed):
        at = [i + 1 for i, h in enumerate(header) if h == c]
        if len(at) > 1:
            raise InputError(
                where,
                f"column {c!r} appears {len(at)} times in the header (columns "
                f"{', '.join(map(str, at))}); rename the others so the file says which to use",
            )


def _read_chunks(
    file: Path,
    where: str,
    header: list[str],
    position: dict[str, str],
    rows_per_chunk: int,
    columns: _Columns,
    keep_samples: bool,
) -> tuple[list[dict[str, ArmStats]], dict[str, list[tuple[np.ndarray, np.ndarray]]], int]:
    """Per-chunk arm statistics, the kept per-unit pieces per arm, and the rows read."""
    parts: list[dict[str, ArmStats]] = []
    kept: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {}
    rows = 0
    # Every column is read, not only the needed ones: with ``usecols`` pandas silently accepts
    # a row with more fields than the header, shifting its values into the wrong columns. The
    # chunk is sized by cells and bytes so that a wide file or long rows take no more memory
    # than a narrow file.
    handle = open_regular(file, where)
    reader = None
    seen: set[str] = set()
    try:
        reader = pd.read_csv(
            handle,
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=False,
            chunksize=max(1, rows_per_chunk),
            encoding="utf-8-sig",
            index_col=False,
            header=0,
            names=[str(i) for i in range(len(header))],
        )
        for raw in _strict(reader):
            chunk = pd.DataFrame({name: raw[pos] for name, pos in position.items()})
            first_row = rows + 2  # spreadsheet row of the chunk's first data row
            arms = _arms(chunk, columns.arm, where, first_row)
            seen.update(arms.unique())
            if len(seen) > MAX_ARMS:
                raise InputError(
                    f"{where}: column {columns.arm!r}",
                    f"more than {MAX_ARMS} distinct arms by row {first_row + len(chunk) - 1}; "
                    f"an A/B test compares at most {MAX_ARMS} arms (is it an id column?)",
                )
            converted = _converted(chunk, columns.converted, where, first_row)
            cost = _cost(chunk, columns.cost, where, first_row) if columns.cost else None
            part = group_arm_stats(arms, converted, cost)
            parts.append(part)
            if keep_samples:
                for label in part:
                    mask = arms.to_numpy() == label
                    c = cost[mask] if cost is not None else np.full(int(mask.sum()), np.nan)
                    kept.setdefault(label, []).append((converted[mask], c))
            rows += len(chunk)
    except UnicodeDecodeError as exc:
        raise InputError(where, _not_utf8(file, exc)) from None
    except pd.errors.ParserError as exc:
        raise InputError(where, f"malformed CSV: {exc}".rstrip()) from None
    except pd.errors.ParserWarning:
        raise InputError(where, _long_row(file, len(header))) from None
    finally:
        if reader is not None:
            reader.close()
        handle.close()
    return parts, kept, rows


def _strict(reader: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    """The reader's chunks, with pandas' ParserWarning raised as an error.

    With ``index_col=False`` pandas drops the extra fields of a row longer than the header
    and only warns; such a row is a broken export, not data.
    """
    while True:
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)
            try:
                chunk = next(reader)
            except StopIteration:
                return
        yield chunk


def _check_file(file: Path, where: str) -> None:
    if file.is_dir():
        raise InputError(where, "is a directory, not a CSV file")
    if not file.exists():
        raise InputError(where, "no such file")
    problem = not_regular(file)  # a pipe would block, /dev/zero never ends
    if problem:
        raise InputError(where, problem)
    if not os.access(file, os.R_OK):
        raise InputError(where, "cannot be read (permission denied)")


def _measure_rows(file: Path, where: str) -> int:
    """The longest row in bytes; refuses a row longer than :data:`MAX_ROW_BYTES`.

    A row ends at a line break outside quotes: a line break is inside a quoted value when an
    odd number of quote characters precede it (an escaped quote ``""`` adds two). The pass
    stops as soon as a row is too long, so a file without line breaks costs one row's worth.
    """
    longest = 0
    row_start = 0  # byte offset where the current row starts
    quotes = 0  # quote characters seen so far
    lines = 0  # line breaks before the current block
    row_line = 1  # line the current row starts on
    offset = 0
    with open_regular(file, where) as f:
        while True:
            block = f.read(_BLOCK)
            if not block:
                break
            b = np.frombuffer(block, dtype=np.uint8)
            q = np.flatnonzero(b == 0x22)
            nl = np.flatnonzero(b == 0x0A)
            ends = nl[(quotes + np.searchsorted(q, nl)) % 2 == 0]
            if len(ends):
                starts = np.concatenate(([row_start - offset], ends[:-1] + 1))
                lengths = ends - starts
                i = int(np.argmax(lengths))
                if lengths[i] > MAX_ROW_BYTES:
                    line = lines + 1 + int(np.searchsorted(nl, starts[i]))
                    raise InputError(where, _too_long(line if i else row_line))
                longest = max(longest, int(lengths[i]))
                row_start = offset + int(ends[-1]) + 1
                row_line = lines + 1 + int(np.searchsorted(nl, ends[-1], side="right"))
            quotes += len(q)
            lines += len(nl)
            offset += len(block)
            if offset - row_start > MAX_ROW_BYTES:
                raise InputError(where, _too_long(row_line))
    return max(longest, offset - row_start)


def _too_long(line: int) -> str:
    return (
        f"the row starting on line {line} is longer than {MAX_ROW_BYTES:,} bytes (a file "
        "without line breaks, or a quote that is never closed); a row may be at most "
        f"{MAX_ROW_BYTES:,} bytes"
    )


def _header(file: Path, where: str) -> list[str]:
    """The header's column names, trimmed of surrounding spaces."""
    with open_regular(file, where) as f:
        text = io.TextIOWrapper(f, encoding="utf-8-sig", newline="")
        try:
            first = next(csv.reader(text), None)
        except UnicodeDecodeError as exc:
            raise InputError(where, _not_utf8(file, exc)) from None
        except csv.Error as exc:
            raise InputError(where, f"malformed CSV header: {exc}") from None
    if first is None:
        raise InputError(where, "the file is empty: expected a header row and data rows")
    if not any(c.strip() for c in first):
        raise InputError(where, "line 1 has no column names: the header must be the first line")
    return [c.strip() for c in first]


def _arms(chunk: pd.DataFrame, col: str, where: str, first_row: int) -> pd.Series:
    arms = chunk[col].fillna("").str.strip()
    empty = (arms == "").to_numpy()
    if empty.any():
        _bad(where, first_row, empty, col, chunk[col], "an arm name (not empty)")
    return arms


def _converted(chunk: pd.DataFrame, col: str, where: str, first_row: int) -> np.ndarray:
    is_true, bad = parse_binary_text(chunk[col])
    if bad.any():
        _bad(where, first_row, bad, col, chunk[col], ALLOWED_BINARY + " (any case)")
    return is_true


def _cost(chunk: pd.DataFrame, col: str, where: str, first_row: int) -> np.ndarray:
    values = pd.to_numeric(chunk[col].fillna("").str.strip(), errors="coerce").to_numpy(float)
    bad = ~(np.isfinite(values) & (values >= 0))
    if bad.any():
        _bad(where, first_row, bad, col, chunk[col], "a cost in USD, a number >= 0")
    return values


def _bad(
    where: str, first_row: int, bad: np.ndarray, col: str, raw: pd.Series, allowed: str
) -> None:
    i = int(np.argmax(bad))
    value = raw.iloc[i]
    shown = "an empty value" if pd.isna(value) or str(value).strip() == "" else repr(value)
    raise InputError(
        f"{where}: row {first_row + i} ({ROW_CONVENTION}), column {col!r}",
        f"{shown} is not allowed: use {allowed}",
    )


def _not_utf8(file: Path, exc: UnicodeDecodeError) -> str:
    """Describe the first non-UTF-8 line (found by a second, line-by-line pass)."""
    bad_byte = exc.object[exc.start : exc.start + 1].hex() if exc.object else "?"
    line_no = _first_bad_line(file)
    at = f"line {line_no}" if line_no else "the file"
    return (
        f"{at} is not UTF-8 text (byte 0x{bad_byte}): save the file as UTF-8 (CSV UTF-8 in "
        "a spreadsheet)"
    )


def _long_row(file: Path, width: int) -> str:
    """Describe the first row with more fields than the header (found by a second pass)."""
    with file.open(encoding="utf-8-sig", newline="") as handle:
        for number, row in enumerate(csv.reader(handle), start=1):
            if len(row) > width:
                return (
                    f"malformed CSV: row {number} ({ROW_CONVENTION}) has {len(row)} fields but "
                    f"the header has {width}; quote values that contain commas"
                )
    return f"malformed CSV: a row has more fields than the header's {width}"


def _first_bad_line(file: Path) -> int | None:
    with file.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError:
                return number
    return None
