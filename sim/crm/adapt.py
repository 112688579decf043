"""What every adapter does once it has read a product's files: check and assemble.

An adapter reads its product's files chunk by chunk and hands over, for each lead and event,
the canonical values plus where they came from (file and row), so that duplicates and events
before their lead's creation are reported in the product's own terms.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.crm.cells import row_label
from sim.crm.schema import MAX_TEXT
from sim.errors import InputError


@dataclass
class Collected:
    """Leads and events gathered from a product's files, with their source rows."""

    lead_parts: list[pd.DataFrame] = field(default_factory=list)
    event_parts: list[pd.DataFrame] = field(default_factory=list)

    def add_leads(self, path: Path, rows: np.ndarray, id_col: str, time_col: str, **cols) -> None:
        frame = pd.DataFrame(cols)
        frame["_file"] = str(path)
        frame["_row"] = rows
        frame["_id_col"] = id_col
        frame["_time_col"] = time_col
        self.lead_parts.append(frame)

    def add_events(self, path: Path, rows: np.ndarray, time_col: str, **cols) -> None:
        frame = pd.DataFrame(cols)
        if not len(frame):
            return
        frame["_file"] = str(path)
        frame["_row"] = rows
        frame["_time_col"] = time_col
        self.event_parts.append(frame)

    def tables(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The canonical leads and events, checked: unique ids, events after creation."""
        if not self.lead_parts or not sum(len(p) for p in self.lead_parts):
            raise InputError("export", "no leads found")
        leads = pd.concat(self.lead_parts, ignore_index=True)
        dup = leads["lead_id"].duplicated().to_numpy()
        if dup.any():
            i = int(np.argmax(dup))
            first = int(np.argmax((leads["lead_id"] == leads["lead_id"][i]).to_numpy()))
            raise InputError(
                f"{leads['_file'][i]}: {_at(leads, i)}, column {leads['_id_col'][i]!r}",
                f"{leads['lead_id'][i]!r} appears twice (first at row {int(leads['_row'][first])}):"
                " each lead once",
            )
        long = (leads["source"].str.len() > MAX_TEXT).to_numpy()
        if long.any():
            i = int(np.argmax(long))
            raise InputError(f"{leads['_file'][i]}: {_at(leads, i)}", "source name too long")
        if "cost_usd" not in leads:
            leads["cost_usd"] = np.nan
        events = (
            pd.concat(self.event_parts, ignore_index=True)
            if self.event_parts
            else pd.DataFrame(
                {
                    "lead_id": pd.Series([], dtype=str),
                    "timestamp": pd.Series([], dtype="datetime64[ns, UTC]"),
                    "type": pd.Series([], dtype=str),
                    "_file": [],
                    "_row": [],
                    "_time_col": [],
                }
            )
        )
        for col in ("campaign", "content"):
            if col not in events:
                events[col] = ""
            events[col] = events[col].fillna("").astype(str)
        created = pd.Series(leads["created_at"].to_numpy(), index=leads["lead_id"])
        unknown = ~events["lead_id"].isin(created.index).to_numpy()
        if unknown.any():
            i = int(np.argmax(unknown))
            raise InputError(
                f"{events['_file'][i]}: {_at(events, i)}",
                f"lead {events['lead_id'][i]!r} is not in the leads file: every event needs "
                "its lead",
            )
        at = created.reindex(events["lead_id"]).to_numpy()
        early = events["timestamp"].to_numpy() < at
        if early.any():
            i = int(np.argmax(early))
            raise InputError(
                f"{events['_file'][i]}: {_at(events, i)}, column {events['_time_col'][i]!r}",
                f"{events['timestamp'][i]} is before lead {events['lead_id'][i]!r} was created "
                f"({at[i]}): events happen after the lead arrives",
            )
        keep_l = ["lead_id", "created_at", "source", "cost_usd"]
        keep_e = ["lead_id", "timestamp", "type", "campaign", "content"]
        return leads[keep_l].copy(), events[keep_e].reset_index(drop=True)


def _at(frame: pd.DataFrame, i: int) -> str:
    return row_label(Path(frame["_file"][i]), int(frame["_row"][i]))


def rename_sources(leads: pd.DataFrame, renames: dict[str, str]) -> pd.DataFrame:
    """Sources renamed (``{"ORGANIC_SEARCH": "web_form"}``); others kept as they are."""
    if not renames:
        return leads
    out = leads.copy()
    out["source"] = out["source"].astype(str).replace(renames)
    return out
