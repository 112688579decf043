"""Reading a run folder ``results/<suite>/<run-id>/`` back, with clear errors when it is broken.

The folder is what ``nurture suite`` writes: ``manifest.json`` and ``summary.csv`` are
required; ``replications.csv``, ``curves.json``, ``expectations.json`` and ``leads.parquet``
are used when present. A missing or malformed file raises :class:`~sim.errors.InputError`
naming the file and what was expected.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim.errors import InputError

#: Text columns of the tables; every other column is read as a number.
TEXT_COLUMNS = ("arm", "control", "method", "note", "sweep_parameter", "value_note", "source")
#: Columns ``summary.csv`` must have.
SUMMARY_REQUIRED = ("arm", "n", "conversions", "conversion_rate")
#: Columns ``replications.csv`` must have.
REPLICATIONS_REQUIRED = ("arm", "replication", "n", "conversions", "conversion_rate")
CURVE_CAUSES = ("patient", "lost", "unsubscribed")
FUNNEL_STAGES = ("leads", "consideration", "decision", "booked", "patient")
RUN_FOLDER = "a run folder results/<suite>/<run-id>/ as written by `nurture suite`"


@dataclass(frozen=True)
class RunFolder:
    """The contents of one run folder.

    Attributes:
        path: the folder.
        manifest: ``manifest.json`` (suite, design, seed, arms, versions ...).
        summary: ``summary.csv``, one row per arm.
        replications: ``replications.csv`` or ``None``.
        curves: ``curves.json`` or ``None``.
        expectations: ``expectations.json`` or ``None``.
        leads_path: ``leads.parquet`` if the run kept per-lead records.
        sales_desk: ``sales_desk.json`` (the desk by hour of the week) or ``None``.
        by_source: ``summary_by_source.csv`` (one row per lead source and arm) or ``None``.
    """

    path: Path
    manifest: dict[str, Any]
    summary: pd.DataFrame
    replications: pd.DataFrame | None
    curves: dict[str, Any] | None
    expectations: list[dict[str, Any]] | None
    leads_path: Path | None
    sales_desk: dict[str, Any] | None = None
    by_source: pd.DataFrame | None = None

    @property
    def control(self) -> str | None:
        """The control arm: the manifest's, else the summary's ``control`` column."""
        name = self.manifest.get("control")
        if name:
            return str(name)
        if "control" in self.summary.columns:
            names = [c for c in self.summary["control"] if isinstance(c, str) and c]
            return names[0] if names else None
        return None

    @property
    def is_sweep(self) -> bool:
        """Whether the summary has sweep values (a sweep suite)."""
        s = self.summary
        return "sweep_value" in s.columns and s["sweep_value"].notna().any()


def load_run(run_dir: str | Path) -> RunFolder:
    """Read and check a run folder.

    Args:
        run_dir: the folder ``results/<suite>/<run-id>/``.

    Returns:
        A :class:`RunFolder`.

    Raises:
        InputError: the folder is missing or not a run folder, ``summary.csv`` is missing or
            lacks columns, or a JSON file is corrupt or has the wrong shape.
    """
    path = Path(run_dir)
    if not path.exists():
        raise InputError(str(path), f"no such folder; expected {RUN_FOLDER}")
    if not path.is_dir():
        raise InputError(str(path), f"is not a folder; expected {RUN_FOLDER}")
    manifest_path = path / "manifest.json"
    if not manifest_path.is_file():
        raise InputError(str(path), f"not a run folder: manifest.json is missing; expected "
                                    f"{RUN_FOLDER}")  # fmt: skip
    manifest = _read_json(manifest_path, "a JSON object with suite, run_id, arms, seed ...")
    if not isinstance(manifest, dict):
        raise InputError(str(manifest_path), f"is a JSON {_kind(manifest)}; expected an object "
                                             "with suite, run_id, arms, seed ...")  # fmt: skip
    arms = manifest.get("arms", [])
    if not isinstance(arms, list) or not all(isinstance(a, dict) for a in arms):
        raise InputError(f"{manifest_path}: arms", "expected a list of {name, strategy_file, "
                                                   "overrides, weight} objects")  # fmt: skip
    summary_path = path / "summary.csv"
    if not summary_path.is_file():
        raise InputError(str(summary_path), "is missing; a run folder needs summary.csv with "
                                            "one row per arm")  # fmt: skip
    summary = _read_table(summary_path, SUMMARY_REQUIRED, "one row per arm")
    replications = None
    if (path / "replications.csv").is_file():
        replications = _read_table(path / "replications.csv", REPLICATIONS_REQUIRED,
                                   "one row per arm and replication")  # fmt: skip
    curves = None
    if (path / "curves.json").is_file():
        curves = _check_curves(path / "curves.json")
    expectations = None
    if (path / "expectations.json").is_file():
        expectations = _check_expectations(path / "expectations.json")
    leads = path / "leads.parquet"
    desk = None
    if (path / "sales_desk.json").is_file():
        desk = _check_desk(path / "sales_desk.json")
    by_source = None
    if (path / "summary_by_source.csv").is_file():
        by_source = _read_table(path / "summary_by_source.csv", ("source", *SUMMARY_REQUIRED),
                                "one row per lead source and arm")  # fmt: skip
    return RunFolder(path, manifest, summary, replications, curves, expectations,
                     leads if leads.is_file() else None, desk, by_source)  # fmt: skip


def _read_json(path: Path, expected: str) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(
            str(path), f"cannot be read ({_reason(exc)}); expected {expected}"
        ) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(str(path), f"is not valid JSON ({exc.msg} at line {exc.lineno} column "
                                    f"{exc.colno}); expected {expected}") from None  # fmt: skip


def _read_table(path: Path, required: tuple[str, ...], what: str) -> pd.DataFrame:
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(str(path), f"is not a readable CSV table ({_reason(exc)}); expected "
                                    f"{what}") from None  # fmt: skip
    missing = [c for c in required if c not in raw.columns]
    if missing:
        raise InputError(str(path), f"lacks column(s) {', '.join(missing)}; expected {what} "
                                    f"with columns {', '.join(required)} ...")  # fmt: skip
    if raw.empty:
        raise InputError(str(path), f"has no rows; expected {what}")
    out = pd.DataFrame(index=raw.index)
    for col in raw.columns:
        if col in TEXT_COLUMNS:
            out[col] = raw[col]
            continue
        numbers = pd.to_numeric(raw[col].where(raw[col] != ""), errors="coerce")
        text_values = raw[col][numbers.isna() & (raw[col] != "")]
        if col == "sweep_value" and len(text_values):
            out[col] = raw[col].where(raw[col] != "")  # a categorical parameter
            continue
        lowered = {v.strip().lower() for v in text_values}
        if lowered - {"nan", "inf", "-inf", "null", "none", "na"}:
            row = int(text_values.index[0]) + 2  # 1-based, after the header
            raise InputError(f"{path}: row {row}, column {col}", f"{text_values.iloc[0]!r} is "
                                                                 "not a number")  # fmt: skip
        out[col] = numbers.astype(float)
    return out


def _check_curves(path: Path) -> dict[str, Any]:
    expected = ('{"days": [...], "arms": {arm: {"n", "patient", "lost", "unsubscribed", '
                '"funnel"}}}')  # fmt: skip
    curves = _read_json(path, expected)
    _require(curves, path, "days", list, expected)
    _require(curves, path, "arms", dict, expected)
    n_days = len(curves["days"])
    for arm, rec in curves["arms"].items():
        where = f"{path}: arms.{arm}"
        if not isinstance(rec, dict) or not isinstance(rec.get("n"), int) or rec["n"] < 0:
            raise InputError(where, "needs n, the number of leads (an integer >= 0)")
        for cause in CURVE_CAUSES:
            values = rec.get(cause)
            if values is None:
                continue
            if not isinstance(values, list) or len(values) != n_days:
                raise InputError(f"{where}.{cause}", f"expected a list of {n_days} cumulative "
                                                     "counts, one per day")  # fmt: skip
            if (
                any(not isinstance(v, (int, float)) for v in values)
                or any(b < a for a, b in itertools.pairwise(values))
                or (values and values[-1] > rec["n"])
            ):
                raise InputError(f"{where}.{cause}", f"expected non-decreasing counts <= n = "
                                                     f"{rec['n']}")  # fmt: skip
        funnel = rec.get("funnel")
        if funnel is not None and (
            not isinstance(funnel, dict)
            or any(not isinstance(funnel.get(s), (int, float)) for s in FUNNEL_STAGES)
        ):
            raise InputError(f"{where}.funnel", f"expected counts for {', '.join(FUNNEL_STAGES)}")
    return curves


#: What ``sales_desk.json`` holds per desk: 168 numbers (hours of the week) per key.
DESK_KEYS = ("attempts", "unanswered", "wait_hours", "busy_hours", "agent_hours")


def _check_desk(path: Path) -> dict[str, Any]:
    expected = ('{"shared": bool, "desks": {name: {"attempts", "unanswered", "wait_hours", '
                '"busy_hours", "agent_hours": 168 numbers each}}}')  # fmt: skip
    desk = _read_json(path, expected)
    _require(desk, path, "desks", dict, expected)
    for name, rec in desk["desks"].items():
        for key in DESK_KEYS:
            values = rec.get(key) if isinstance(rec, dict) else None
            if (
                not isinstance(values, list)
                or len(values) != 168
                or any(not isinstance(v, (int, float)) or v < 0 for v in values)
            ):
                raise InputError(
                    f"{path}: desks.{name}.{key}",
                    "expected 168 non-negative numbers, one per hour of the week",
                )
    return desk


def _check_expectations(path: Path) -> list[dict[str, Any]]:
    expected = "a list of {description, arm, metric, rule, value, ci_lower, ci_upper, held}"
    items = _read_json(path, expected)
    if not isinstance(items, list):
        raise InputError(str(path), f"is a JSON {_kind(items)}; expected {expected}")
    for i, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("held"), bool):
            raise InputError(f"{path}: item {i}", f"expected an object with a true/false "
                                                  f"'held'; {expected}")  # fmt: skip
    return items


def _require(obj: Any, path: Path, key: str, kind: type, expected: str) -> None:
    """``obj`` is a JSON object whose ``key`` holds a list or an object, else an InputError."""
    if not isinstance(obj, dict) or not isinstance(obj.get(key), kind):
        name = "a list" if kind is list else "an object"
        raise InputError(f"{path}: {key}", f"missing or not {name}; expected {expected}")


def _kind(value: Any) -> str:
    return {list: "list", dict: "object", str: "string"}.get(type(value), "value")


def _reason(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or str(exc).splitlines()[0] or type(exc).__name__
