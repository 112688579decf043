"""Writing a canonical export: deterministic bytes, atomic files.

Rows are sorted (leads by creation time then id; events by time, lead, then the order of
:data:`~sim.crm.schema.EVENT_TYPES`), timestamps written in UTC to the second, so the same
tables give the same bytes. Both files are written to temporary siblings first and renamed
over the targets only when both are complete: a failure leaves no half-written table.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from sim.crm.schema import EVENT_RANK, EVENTS, FORMATS, LEADS
from sim.errors import InputError

TEMP_PREFIX = ".tmp-"


def canonical_tables(
    leads: pd.DataFrame, events: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The two tables with canonical columns, types and row order."""
    out_l = pd.DataFrame(
        {
            "lead_id": leads["lead_id"].astype(str),
            "created_at": _utc_seconds(leads["created_at"]),
            "source": leads["source"].astype(str),
        }
    )
    if "cost_usd" in leads and leads["cost_usd"].notna().any():
        out_l["cost_usd"] = leads["cost_usd"].astype(float)
    out_l = out_l.sort_values(["created_at", "lead_id"], kind="stable").reset_index(drop=True)
    rank = events["type"].astype(str).map(EVENT_RANK)
    if rank.isna().any():
        bad = events["type"].astype(str)[rank.isna()].iloc[0]
        raise ValueError(f"unknown event type {bad!r}")
    out_e = pd.DataFrame(
        {
            "lead_id": events["lead_id"].astype(str),
            "timestamp": _utc_seconds(events["timestamp"]),
            "type": events["type"].astype(str),
        }
    )
    for col in ("campaign", "content"):
        if col in events and (events[col].astype(str) != "").any():
            out_e[col] = events[col].fillna("").astype(str)
    out_e["_rank"] = rank.to_numpy()
    out_e = out_e.sort_values(["timestamp", "lead_id", "_rank"], kind="stable")
    out_e = out_e.drop(columns="_rank").reset_index(drop=True)
    return out_l, out_e


def write_export(
    folder: str | os.PathLike[str],
    leads: pd.DataFrame,
    events: pd.DataFrame,
    fmt: str = "csv",
) -> dict[str, Path]:
    """Write ``leads`` and ``events`` as ``folder/leads.<fmt>`` and ``folder/events.<fmt>``.

    >>> import tempfile
    >>> leads = pd.DataFrame({"lead_id": ["b", "a"], "source": ["web_form", "phone"],
    ...     "created_at": pd.to_datetime(["2024-01-02 10:00", "2024-01-01 09:00"], utc=True)})
    >>> events = pd.DataFrame({"lead_id": ["a"], "type": ["booked"],
    ...     "timestamp": pd.to_datetime(["2024-01-01 12:00:00.4"], utc=True)})
    >>> files = write_export(tempfile.mkdtemp(), leads, events)
    >>> print(files["leads"].read_text(), end="")
    lead_id,created_at,source
    a,2024-01-01T09:00:00Z,phone
    b,2024-01-02T10:00:00Z,web_form
    """
    if fmt not in FORMATS:
        raise InputError("--format", f"{fmt!r} is not allowed: use {' or '.join(FORMATS)}")
    root = Path(folder)
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(str(root), f"cannot create the folder ({exc.strerror})") from None
    tables = dict(zip(("leads", "events"), canonical_tables(leads, events), strict=True))
    targets = {name: root / f"{name}.{fmt}" for name in tables}
    temps: dict[str, str] = {}
    try:
        for name, frame in tables.items():
            fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=f".{fmt}", dir=root)
            os.close(fd)
            temps[name] = tmp
            _write_one(frame, Path(tmp), fmt, LEADS if name == "leads" else EVENTS)
        for other in FORMATS:  # a stale table in the other format would make two tables
            for name in tables:
                stale = root / f"{name}.{other}"
                if other != fmt and stale.exists():
                    stale.unlink()
        for name, tmp in temps.items():
            os.chmod(tmp, 0o666 & ~_umask())
            os.replace(tmp, targets[name])
    except OSError as exc:
        raise InputError(str(root), f"cannot write the export ({exc.strerror})") from None
    finally:
        for tmp in temps.values():
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
    return targets


def _write_one(frame: pd.DataFrame, path: Path, fmt: str, table) -> None:
    if fmt == "csv":
        text = frame.copy()
        for col in text.columns:
            if isinstance(text[col].dtype, pd.DatetimeTZDtype):
                text[col] = text[col].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
        with path.open("w", encoding="utf-8", newline="") as f:
            text.to_csv(f, index=False, lineterminator="\n", float_format="%.10g")
            f.flush()
            os.fsync(f.fileno())
        return
    import pyarrow as pa
    import pyarrow.parquet as pq

    arrow = pa.Table.from_pandas(frame, preserve_index=False)
    arrow = arrow.replace_schema_metadata(None)  # no pandas version inside: same bytes
    pq.write_table(arrow, path, compression="zstd")


def _utc_seconds(t: pd.Series) -> pd.Series:
    t = pd.to_datetime(t, utc=True)
    return t.dt.floor("s").astype("datetime64[s, UTC]").reset_index(drop=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def days_to_timestamps(days: np.ndarray, origin: pd.Timestamp) -> pd.Series:
    """Model time in days from ``origin`` as UTC timestamps (to the microsecond)."""
    us = np.round(np.asarray(days, dtype=float) * 86_400e6).astype("int64")
    return pd.Series(pd.to_datetime(us, unit="us", origin=origin.tz_convert(None), utc=True))
