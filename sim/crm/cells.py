"""Cells of exported files: chunked CSV reading, row numbers, timestamps, one-line errors.

Shared by the canonical reader and the product adapters, so that every bad cell of any file
is reported the same way: ``file: row N (...), column 'c': 'value' is not allowed: use ...``.
CSV rows are counted as a spreadsheet shows them (the header is row 1).
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import InputError

CSV_ROWS = "rows counted as in a spreadsheet, header = row 1"
#: An ISO 8601 date and time with an explicit offset (``Z``, ``+hh:mm`` or ``+hhmm``).
ISO_WITH_ZONE = re.compile(
    r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}(:?\d{2})?)$"
)
_ISO_NAIVE = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?)?$")
_EPOCH_MS = re.compile(r"^\d{11,13}$")


def row_label(path: Path, n: int) -> str:
    return f"row {n} ({CSV_ROWS})" if path.suffix.lower() != ".parquet" else f"row {n}"


def shown(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or str(value).strip() == "":
        return "an empty value"
    return repr(str(value))


def refuse(
    path: Path, first_row: int, bad: np.ndarray, col: str, raw: pd.Series, allowed: str
) -> None:
    """Raise the one-line error for the first ``bad`` cell of a chunk."""
    i = int(np.argmax(bad))
    raise InputError(
        f"{path}: {row_label(path, first_row + i)}, column {col!r}",
        f"{shown(raw.iloc[i])} is not allowed: use {allowed}",
    )


def as_text(raw: pd.Series) -> pd.Series:
    return raw.astype(object).where(raw.notna(), "").astype(str).str.strip().reset_index(drop=True)


def csv_header(path: Path) -> list[str]:
    where = str(path)
    if path.is_dir():
        raise InputError(where, "is a folder, not a CSV file")
    if not path.exists():
        raise InputError(where, "no such file")
    if not os.access(path, os.R_OK):
        raise InputError(where, "cannot be read (permission denied)")
    try:
        frame = pd.read_csv(path, nrows=0, encoding="utf-8-sig")
    except pd.errors.EmptyDataError:
        raise InputError(where, "the file is empty: expected a header row") from None
    except UnicodeDecodeError:
        raise InputError(where, "is not UTF-8 text: save it as UTF-8 (CSV UTF-8)") from None
    except pd.errors.ParserError as exc:
        raise InputError(where, f"malformed CSV header: {str(exc).strip()}") from None
    return [str(c) for c in frame.columns]


def require_columns(path: Path, header: list[str], required: list[str], what: str) -> None:
    missing = [c for c in required if c not in header]
    if missing:
        plural = "s" if len(missing) > 1 else ""
        raise InputError(
            str(path),
            f"missing column{plural} {', '.join(map(repr, missing))} of {what} "
            f"(found: {', '.join(header) or 'none'})",
        )


def csv_chunks(path: Path, chunksize: int) -> Iterator[tuple[int, pd.DataFrame]]:
    """(spreadsheet row of the first data row, chunk of text cells) pairs."""
    where = str(path)
    reader = pd.read_csv(
        path,
        dtype=str,
        keep_default_na=False,
        skip_blank_lines=False,
        chunksize=chunksize,
        encoding="utf-8-sig",
        index_col=False,
    )
    rows = 0
    try:
        while True:
            with warnings.catch_warnings():
                # A row longer than the header is a broken export, not data.
                warnings.simplefilter("error", pd.errors.ParserWarning)
                try:
                    chunk = next(reader)
                except StopIteration:
                    return
            yield rows + 2, chunk
            rows += len(chunk)
    except UnicodeDecodeError:
        raise InputError(where, "is not UTF-8 text: save it as UTF-8 (CSV UTF-8)") from None
    except (pd.errors.ParserError, pd.errors.ParserWarning) as exc:
        raise InputError(where, f"malformed CSV: {str(exc).strip()}") from None
    finally:
        reader.close()


def parse_timestamps(
    raw: pd.Series, *, timezone: str | None = None, fmt: str | None = None, epoch_ms: bool = False
) -> tuple[pd.Series, np.ndarray]:
    """Timestamps as UTC, and a mask of the cells that are not timestamps.

    Read: ISO 8601 with an offset; with ``timezone``, also ISO dates and times without one
    (taken in that zone, as product exports write them in the account's zone); with ``fmt``,
    a ``strftime`` pattern (in ``timezone``); with ``epoch_ms``, milliseconds since 1970
    (HubSpot's API). Empty cells are bad: the caller drops optional ones first.

    >>> t, bad = parse_timestamps(pd.Series(["2024-03-01T10:00:00+02:00", "2024-03-01 10:00"]))
    >>> str(t[0]), bad.tolist()
    ('2024-03-01 08:00:00+00:00', [False, True])
    >>> t, bad = parse_timestamps(pd.Series(["2024-03-01 10:00"]), timezone="America/New_York")
    >>> str(t[0])
    '2024-03-01 15:00:00+00:00'
    """
    if isinstance(raw.dtype, pd.DatetimeTZDtype):
        t = raw.dt.tz_convert("UTC").astype("datetime64[ns, UTC]").reset_index(drop=True)
        return t, t.isna().to_numpy()
    text = as_text(raw)
    out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns, UTC]")
    zoned = text.str.match(ISO_WITH_ZONE).to_numpy(dtype=bool)
    if zoned.any():
        out[zoned] = pd.to_datetime(text[zoned], utc=True, format="ISO8601", errors="coerce")
    rest = ~zoned & (text != "").to_numpy()
    if epoch_ms and rest.any():
        ms = rest & text.str.match(_EPOCH_MS).to_numpy(dtype=bool)
        if ms.any():
            out[ms] = pd.to_datetime(text[ms].astype("int64"), unit="ms", utc=True)
            rest = rest & (~ms)
    if timezone is not None and rest.any():
        pattern = rest if fmt else rest & text.str.match(_ISO_NAIVE).to_numpy(dtype=bool)
        if pattern.any():
            local = pd.to_datetime(text[pattern], format=fmt or "ISO8601", errors="coerce")
            try:
                zoned_local = local.dt.tz_localize(timezone, ambiguous="NaT", nonexistent="NaT")
            except Exception as exc:  # an unknown zone name
                raise InputError("timezone", f"{timezone!r}: {exc}") from None
            out[pattern] = zoned_local.dt.tz_convert("UTC")
    return out, out.isna().to_numpy()


def time_allowed(timezone: str | None, fmt: str | None) -> str:
    if fmt:
        return f"a date and time as {fmt!r} (in {timezone or 'UTC'})"
    if timezone:
        return (
            f"an ISO 8601 date and time (e.g. 2024-01-31 09:00, in {timezone}, or with an offset)"
        )
    return "an ISO 8601 date and time with a timezone, e.g. 2024-01-31T09:00:00Z"
