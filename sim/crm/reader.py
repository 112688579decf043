"""Reading a canonical export (a folder with a leads table and an events table), strictly.

Each table is read in chunks (``pandas.read_csv(chunksize=...)`` or
``pyarrow.parquet.ParquetFile.iter_batches``), every cell checked as it comes: memory is one
chunk plus what must be known about every lead to check an event (its id and creation time),
whatever the size of the events table. :func:`check_export` keeps nothing else;
:func:`read_export` keeps the checked rows as compact typed columns.

The first bad cell stops the read with an :class:`~sim.errors.InputError` naming the file, the
row and the column, the value and what is allowed. CSV rows are counted as a spreadsheet shows
them (the header is row 1); parquet rows from 1.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.crm.cells import (
    as_text,
    csv_chunks,
    csv_header,
    parse_timestamps,
    refuse,
    row_label,
    shown,
    time_allowed,
)
from sim.crm.schema import EVENT_TYPES, EVENTS, FORMATS, LEADS, MAX_TEXT, Table
from sim.errors import InputError

DEFAULT_CHUNK = 100_000


@dataclass(frozen=True)
class Export:
    """A checked export: the leads and events tables, typed.

    ``leads``: lead_id (str), created_at (datetime64[ns, UTC]), source (category), cost_usd
    (float, NaN when not given). ``events``: lead_id, timestamp, type (category of
    :data:`~sim.crm.schema.EVENT_TYPES`), campaign, content (str, "" when not given), and
    ``lead`` (the row of its lead in ``leads``).
    """

    leads: pd.DataFrame
    events: pd.DataFrame
    where: str = "export"
    files: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ExportSummary:
    """What :func:`check_export` found."""

    where: str
    leads: int
    events: int
    by_type: dict[str, int]
    sources: dict[str, int]
    first: pd.Timestamp | None
    last: pd.Timestamp | None

    def to_text(self) -> str:
        lines = [
            f"{self.where}: {self.leads:,} leads, {self.events:,} events"
            + (f", {self.first:%Y-%m-%d} to {self.last:%Y-%m-%d}" if self.first else "")
        ]
        lines += [f"  source {k:<20} {v:>10,}" for k, v in self.sources.items()]
        lines += [f"  event  {k:<20} {v:>10,}" for k, v in self.by_type.items() if v]
        return "\n".join(lines)


def table_files(folder: str | os.PathLike[str]) -> dict[str, Path]:
    """The leads and events files of an export folder (``leads.csv`` or ``leads.parquet``...)."""
    root = Path(folder)
    if not root.exists():
        raise InputError(str(root), "no such folder: expected leads.csv and events.csv in it")
    if not root.is_dir():
        raise InputError(str(root), "is a file: give the folder holding leads.csv and events.csv")
    found = {}
    for table in (LEADS, EVENTS):
        there = [
            root / f"{table.name}.{fmt}"
            for fmt in FORMATS
            if (root / f"{table.name}.{fmt}").exists()
        ]
        if not there:
            raise InputError(
                str(root),
                f"no {table.name} table: expected {table.name}.csv or {table.name}.parquet",
            )
        if len(there) > 1:
            raise InputError(
                str(root), f"both {there[0].name} and {there[1].name}: keep one {table.name} table"
            )
        found[table.name] = there[0]
    return found


def check_export(folder: str | os.PathLike[str], chunksize: int = DEFAULT_CHUNK) -> ExportSummary:
    """Check every cell of an export in bounded memory and count what it holds."""
    files = table_files(folder)
    leads = _read_leads(files["leads"], chunksize)
    by_type = dict.fromkeys(EVENT_TYPES, 0)
    n_events = 0
    first = last = None
    for chunk in _iter_events(files["events"], leads, chunksize):
        n_events += len(chunk)
        counts = chunk["type"].value_counts()
        for k, v in counts.items():
            by_type[str(k)] += int(v)
        if len(chunk):
            lo, hi = chunk["timestamp"].min(), chunk["timestamp"].max()
            first = lo if first is None or lo < first else first
            last = hi if last is None or hi > last else last
    if len(leads):
        lo, hi = leads["created_at"].min(), leads["created_at"].max()
        first = lo if first is None or lo < first else first
        last = hi if last is None or hi > last else last
    sources = {str(k): int(v) for k, v in leads["source"].value_counts(sort=False).items()}
    return ExportSummary(str(folder), len(leads), n_events, by_type, sources, first, last)


def read_export(folder: str | os.PathLike[str], chunksize: int = DEFAULT_CHUNK) -> Export:
    """Read and check an export folder.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> leads = "lead_id,created_at,source\\nL1,2024-01-02T09:00:00Z,phone\\n"
    >>> events = "lead_id,timestamp,type\\nL1,2024-01-02T10:00:00+01:00,booked\\n"
    >>> _ = (d / "leads.csv").write_text(leads), (d / "events.csv").write_text(events)
    >>> e = read_export(d)
    >>> len(e.leads), e.events["type"].tolist(), str(e.events["timestamp"][0])
    (1, ['booked'], '2024-01-02 09:00:00+00:00')
    """
    files = table_files(folder)
    leads = _read_leads(files["leads"], chunksize)
    parts = list(_iter_events(files["events"], leads, chunksize))
    events = pd.concat(parts, ignore_index=True) if parts else _empty_events()
    events["type"] = pd.Categorical(events["type"], categories=EVENT_TYPES)
    return Export(leads, events, str(folder), {k: str(v) for k, v in files.items()})


# -- tables ---------------------------------------------------------------------------------
def _read_leads(path: Path, chunksize: int) -> pd.DataFrame:
    where = str(path)
    parts = []
    for first_row, raw in _chunks(path, LEADS, chunksize):
        out = pd.DataFrame(
            {
                "lead_id": _text(raw, "lead_id", where, first_row, path),
                "created_at": _timestamps(raw, "created_at", where, first_row, path),
                "source": _text(raw, "source", where, first_row, path),
                "cost_usd": _money(raw, "cost_usd", where, first_row, path),
            }
        )
        out.attrs["first_row"] = first_row
        parts.append(out)
    if not parts or not sum(len(p) for p in parts):
        raise InputError(where, "no leads: the table has a header but no rows")
    leads = pd.concat(parts, ignore_index=True)
    dup = leads["lead_id"].duplicated().to_numpy()
    if dup.any():
        base = 1 if path.suffix == ".parquet" else 2  # first data row's number
        i = int(np.argmax(dup))
        j = int(np.argmax((leads["lead_id"] == leads["lead_id"][i]).to_numpy()))
        raise InputError(
            f"{where}: {_row(path, i + base)}, column 'lead_id'",
            f"{leads['lead_id'][i]!r} appears twice (first at row {j + base}): each lead once",
        )
    leads["source"] = leads["source"].astype("category")
    return leads


def _iter_events(path: Path, leads: pd.DataFrame, chunksize: int) -> Iterator[pd.DataFrame]:
    where = str(path)
    index = pd.Index(leads["lead_id"])
    created = leads["created_at"].to_numpy()
    allowed = set(EVENT_TYPES)
    for first_row, raw in _chunks(path, EVENTS, chunksize):
        ids = _text(raw, "lead_id", where, first_row, path)
        pos = index.get_indexer(ids)
        bad = pos < 0
        if bad.any():
            _bad(
                where,
                path,
                first_row,
                bad,
                "lead_id",
                raw["lead_id"],
                "a lead_id of the leads table",
            )
        t = _timestamps(raw, "timestamp", where, first_row, path)
        early = t.to_numpy() < created[pos]
        if early.any():
            i = int(np.argmax(early))
            raise InputError(
                f"{where}: {_row(path, first_row + i)}, column 'timestamp'",
                f"{_shown(raw['timestamp'].iloc[i])} is before lead {ids.iloc[i]!r} was created "
                f"({created[pos[i]]}): events happen after the lead arrives",
            )
        kind = raw["type"].astype(str).str.strip()
        bad = ~kind.isin(allowed).to_numpy()
        if bad.any():
            _bad(where, path, first_row, bad, "type", raw["type"], ", ".join(EVENT_TYPES))
        yield pd.DataFrame(
            {
                "lead_id": ids,
                "timestamp": t,
                "type": kind,
                "campaign": _optional_text(raw, "campaign", where, first_row, path),
                "content": _optional_text(raw, "content", where, first_row, path),
                "lead": pos.astype(np.int32),
            }
        )


def _empty_events() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "lead_id": pd.Series([], dtype=str),
            "timestamp": pd.Series([], dtype="datetime64[ns, UTC]"),
            "type": pd.Series([], dtype=str),
            "campaign": pd.Series([], dtype=str),
            "content": pd.Series([], dtype=str),
            "lead": pd.Series([], dtype=np.int32),
        }
    )


# -- chunks -----------------------------------------------------------------------------------
def _chunks(path: Path, table: Table, chunksize: int) -> Iterator[tuple[int, pd.DataFrame]]:
    """(first row number, chunk) pairs; CSV cells as text, parquet as stored."""
    where = str(path)
    if not os.access(path, os.R_OK):
        raise InputError(where, "cannot be read (permission denied)")
    if path.suffix == ".parquet":
        yield from _parquet_chunks(path, table, chunksize)
        return
    _check_columns(where, table, csv_header(path))
    yield from csv_chunks(path, chunksize)


def _parquet_chunks(path: Path, table: Table, chunksize: int) -> Iterator[tuple[int, pd.DataFrame]]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    where = str(path)
    try:
        pf = pq.ParquetFile(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise InputError(where, f"not a parquet file ({str(exc).strip()})") from None
    names = pf.schema_arrow.names
    _check_columns(where, table, names)
    for col in table.columns:
        if col.kind == "timestamp" and col.name in names:
            typ = pf.schema_arrow.field(col.name).type
            if pa.types.is_timestamp(typ) and typ.tz is None:
                raise InputError(
                    f"{where}: column {col.name!r}",
                    "timestamps without a timezone: store them with one (e.g. UTC)",
                )
    rows = 0
    for batch in pf.iter_batches(batch_size=chunksize):
        chunk = batch.to_pandas()
        yield rows + 1, chunk
        rows += len(chunk)


def _check_columns(where: str, table: Table, header: list[str]) -> None:
    import difflib

    missing = [c for c in table.required if c not in header]
    if missing:
        plural = "s" if len(missing) > 1 else ""
        raise InputError(
            where,
            f"missing column{plural} {', '.join(map(repr, missing))}; the {table.name} table "
            f"has {', '.join(table.names)} (found: {', '.join(header) or 'none'})",
        )
    unknown = [c for c in header if c not in table.names]
    if unknown:
        hint = difflib.get_close_matches(unknown[0], table.names, n=1, cutoff=0.6)
        mean = f" (did you mean {hint[0]!r}?)" if hint else ""
        raise InputError(
            f"{where}: column {unknown[0]!r}",
            f"not a column of the {table.name} table{mean}; allowed: {', '.join(table.names)}",
        )
    dup = sorted({c for c in header if header.count(c) > 1})
    if dup:
        raise InputError(f"{where}: column {dup[0]!r}", "appears twice in the header")


# -- cells --------------------------------------------------------------------------------------
def _row(path: Path, n: int) -> str:
    return row_label(path, n)


def _shown(value: object) -> str:
    return shown(value)


def _bad(
    where: str, path: Path, first_row: int, bad: np.ndarray, col: str, raw: pd.Series, allowed: str
) -> None:
    refuse(path, first_row, bad, col, raw, allowed)


def _as_text(raw: pd.Series) -> pd.Series:
    return as_text(raw)


def _text(raw: pd.DataFrame, col: str, where: str, first_row: int, path: Path) -> pd.Series:
    text = _as_text(raw[col])
    bad = ((text == "") | (text.str.len() > MAX_TEXT)).to_numpy()
    if bad.any():
        _bad(where, path, first_row, bad, col, raw[col], f"text of 1 to {MAX_TEXT} characters")
    return text


def _optional_text(
    raw: pd.DataFrame, col: str, where: str, first_row: int, path: Path
) -> pd.Series:
    if col not in raw:
        return pd.Series([""] * len(raw), dtype=str)
    text = _as_text(raw[col])
    bad = (text.str.len() > MAX_TEXT).to_numpy()
    if bad.any():
        _bad(where, path, first_row, bad, col, raw[col], f"text of at most {MAX_TEXT} characters")
    return text


def _money(raw: pd.DataFrame, col: str, where: str, first_row: int, path: Path) -> pd.Series:
    if col not in raw:
        return pd.Series(np.full(len(raw), np.nan))
    text = _as_text(raw[col])
    values = pd.to_numeric(text.where(text != "", "nan"), errors="coerce").to_numpy(float)
    bad = ~((np.isfinite(values) & (values >= 0)) | (text == "").to_numpy())
    if bad.any():
        _bad(where, path, first_row, bad, col, raw[col], "a cost in USD, a number >= 0, or empty")
    return pd.Series(values)


def _timestamps(raw: pd.DataFrame, col: str, where: str, first_row: int, path: Path) -> pd.Series:
    t, bad = parse_timestamps(raw[col])
    if bad.any():
        _bad(where, path, first_row, bad, col, raw[col], time_allowed(None, None))
    return t
