"""Any other CRM: a mapping file says which columns hold what.

A TOML file, e.g.::

    [time]
    format = "%d/%m/%Y %H:%M"      # strftime pattern; default ISO 8601
    timezone = "Europe/London"     # for times without an offset

    [leads]
    file = "contacts.csv"          # relative to the mapping file
    lead_id = "Contact ID"
    created_at = "Created"
    source = "Channel"
    cost_usd = "Cost"              # optional
    dates = { "Booked on" = "booked", "First visit" = "attended" }   # optional: event dates

    [events]                       # optional
    file = "activity.csv"
    lead_id = "Contact ID"
    timestamp = "When"
    type = "Activity"
    campaign = "Campaign"          # optional
    types = { "Email sent" = "email_sent", "Opened" = "email_opened" }
    ignore = ["Note", "Task"]      # activity values that are not events

Every value of the ``type`` column must be in ``types`` or ``ignore``: an unmapped value is an
error naming its row, so nothing is silently dropped.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.crm.adapt import Collected
from sim.crm.cells import (
    as_text,
    csv_chunks,
    csv_header,
    parse_timestamps,
    refuse,
    require_columns,
    time_allowed,
)
from sim.crm.schema import EVENT_TYPES
from sim.errors import InputError

_LEAD_KEYS = {"file", "lead_id", "created_at", "source", "cost_usd", "dates"}
_EVENT_KEYS = {"file", "lead_id", "timestamp", "type", "campaign", "content", "types", "ignore"}


def read_mapped(
    mapping: str | os.PathLike[str], *, chunksize: int = 100_000
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Canonical (leads, events) from the files a mapping file describes."""
    path = Path(mapping)
    spec = _load(path)
    time = spec.get("time", {})
    tz, fmt = time.get("timezone"), time.get("format")
    got = Collected()
    lt = spec["leads"]
    _leads(path.parent / lt["file"], lt, got, tz, fmt, chunksize, str(path))
    if "events" in spec:
        et = spec["events"]
        _events(path.parent / et["file"], et, got, tz, fmt, chunksize, str(path))
    return got.tables()


def _load(path: Path) -> dict[str, Any]:
    where = str(path)
    try:
        spec = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(where, "no such file") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(where, f"not valid TOML: {exc}") from None
    unknown = set(spec) - {"time", "leads", "events"}
    if unknown:
        raise InputError(f"{where}: {sorted(unknown)[0]}", "unknown table: use time, leads, events")
    if "leads" not in spec:
        raise InputError(where, "needs a [leads] table")
    for name, keys, needed in (
        ("leads", _LEAD_KEYS, ("file", "lead_id", "created_at", "source")),
        ("events", _EVENT_KEYS, ("file", "lead_id", "timestamp", "type", "types")),
    ):
        if name not in spec:
            continue
        table = spec[name]
        bad = sorted(set(table) - keys)
        if bad:
            raise InputError(
                f"{where}: {name}.{bad[0]}", f"unknown key: use {', '.join(sorted(keys))}"
            )
        for k in needed:
            if k not in table:
                raise InputError(f"{where}: {name}", f"missing key {k!r}")
    for value in list(spec["leads"].get("dates", {}).values()) + list(
        spec.get("events", {}).get("types", {}).values()
    ):
        if value not in EVENT_TYPES:
            raise InputError(where, f"{value!r} is not an event type: use {', '.join(EVENT_TYPES)}")
    t = spec.get("time", {})
    if set(t) - {"format", "timezone"}:
        raise InputError(f"{where}: time", "takes format and timezone only")
    return spec


def _times(path, first, raw, col, tz, fmt, mask=None) -> pd.Series:
    t, bad = parse_timestamps(raw[col], timezone=tz or ("UTC" if fmt else None), fmt=fmt)
    if mask is not None:
        bad = bad & mask
    if bad.any():
        refuse(path, first, bad, col, raw[col], time_allowed(tz, fmt))
    return t


def _leads(path, spec, got, tz, fmt, chunksize, where) -> None:
    header = csv_header(path)
    cols = [spec["lead_id"], spec["created_at"], spec["source"]]
    cols += [spec["cost_usd"]] if "cost_usd" in spec else []
    cols += list(spec.get("dates", {}))
    require_columns(path, header, cols, f"the [leads] table of {where}")
    for first, raw in csv_chunks(path, chunksize):
        rows = first + np.arange(len(raw))
        ids = as_text(raw[spec["lead_id"]])
        bad = (ids == "").to_numpy()
        if bad.any():
            refuse(path, first, bad, spec["lead_id"], raw[spec["lead_id"]], "a lead id")
        created = _times(path, first, raw, spec["created_at"], tz, fmt)
        source = as_text(raw[spec["source"]])
        bad = (source == "").to_numpy()
        if bad.any():
            refuse(path, first, bad, spec["source"], raw[spec["source"]], "a source name")
        extra = {}
        if "cost_usd" in spec:
            text = as_text(raw[spec["cost_usd"]])
            cost = pd.to_numeric(text.where(text != "", "nan"), errors="coerce").to_numpy(float)
            bad = (text != "").to_numpy() & ~(np.isfinite(cost) & (cost >= 0))
            if bad.any():
                refuse(path, first, bad, spec["cost_usd"], raw[spec["cost_usd"]], "a number >= 0")
            extra["cost_usd"] = cost
        got.add_leads(
            path,
            rows,
            spec["lead_id"],
            spec["created_at"],
            lead_id=ids,
            created_at=created,
            source=source,
            **extra,
        )
        for col, kind in spec.get("dates", {}).items():
            has = (as_text(raw[col]) != "").to_numpy()
            if has.any():
                t = _times(path, first, raw, col, tz, fmt, mask=has)
                got.add_events(
                    path,
                    rows[has],
                    col,
                    lead_id=ids[has].to_numpy(),
                    timestamp=t[has].to_numpy(),
                    type=kind,
                )


def _events(path, spec, got, tz, fmt, chunksize, where) -> None:
    header = csv_header(path)
    cols = [spec["lead_id"], spec["timestamp"], spec["type"]]
    cols += [spec[k] for k in ("campaign", "content") if k in spec]
    require_columns(path, header, cols, f"the [events] table of {where}")
    types, ignore = spec["types"], set(spec.get("ignore", []))
    allowed = ", ".join(repr(k) for k in [*types, *sorted(ignore)])
    for first, raw in csv_chunks(path, chunksize):
        rows = first + np.arange(len(raw))
        kind = as_text(raw[spec["type"]])
        bad = ~(kind.isin(types) | kind.isin(ignore)).to_numpy()
        if bad.any():
            refuse(
                path,
                first,
                bad,
                spec["type"],
                raw[spec["type"]],
                f"a value named in types or ignore of {where} ({allowed})",
            )
        keep = kind.isin(types).to_numpy()
        ids = as_text(raw[spec["lead_id"]])
        t = _times(path, first, raw, spec["timestamp"], tz, fmt, mask=keep)
        extra = {
            k: as_text(raw[spec[k]])[keep].to_numpy() for k in ("campaign", "content") if k in spec
        }
        got.add_events(
            path,
            rows[keep],
            spec["timestamp"],
            lead_id=ids[keep].to_numpy(),
            timestamp=t[keep].to_numpy(),
            type=kind[keep].map(types).to_numpy(),
            **extra,
        )
