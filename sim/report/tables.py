"""HTML tables of a run: expectations, the summary, and the manifest, formatted for people."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

import pandas as pd

from sim.report.style import (
    DASH,
    format_value,
    is_number,
    number,
    p_value,
    pct,
    pp,
    signed_pct,
    usd,
)


def html_table(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    numeric: Sequence[bool] | None = None,
    row_classes: Sequence[str] | None = None,
    css_class: str = "",
) -> str:
    """An HTML table from already formatted (unescaped) cells; numeric columns align right.

    >>> t = html_table(["a", "b"], [["x<y", "1"]], numeric=[False, True])
    >>> '<th class="num">b</th>' in t, "<td>x&lt;y</td>" in t, '<td class="num">1</td>' in t
    (True, True, True)
    """
    numeric = list(numeric or [False] * len(header))
    cls = [' class="num"' if n else "" for n in numeric]
    head = "".join(f"<th{c}>{escape(h)}</th>" for h, c in zip(header, cls, strict=True))
    body = []
    for i, row in enumerate(rows):
        rc = f' class="{escape(row_classes[i])}"' if row_classes and row_classes[i] else ""
        cells = "".join(f"<td{c}>{escape(str(v))}</td>" for v, c in zip(row, cls, strict=True))
        body.append(f"<tr{rc}>{cells}</tr>")
    table_cls = f' class="{escape(css_class)}"' if css_class else ""
    return (f'<div class="table-wrap"><table{table_cls}><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table></div>")  # fmt: skip


def _get(row: Mapping[str, Any], key: str) -> Any:
    v = row.get(key)
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else v


def _interval(row: Mapping[str, Any], base: str, fmt: Any) -> str:
    lo, hi = _get(row, f"{base}_ci_lower"), _get(row, f"{base}_ci_upper")
    if lo is None or hi is None:
        return DASH
    return f"{fmt(lo)} to {fmt(hi)}"


def _arm_name(row: Mapping[str, Any], control: str | None) -> str:
    arm = str(row.get("arm", ""))
    return f"{arm} (control)" if control and arm == control else arm


def conversion_table(summary: pd.DataFrame, control: str | None) -> str:
    """Leads, patients, conversion rate and lifts with intervals and p-values, per arm."""
    header = ["Arm", "Leads", "Patients", "Conversion", "95% CI", "Abs. lift", "95% CI",
              "Rel. lift", "95% CI", "p", "p adj."]  # fmt: skip
    rows = []
    for r in summary.to_dict("records"):
        rows.append([
            _arm_name(r, control), number(r.get("n")), number(r.get("conversions")),
            pct(r.get("conversion_rate")), _interval(r, "conversion_rate", pct),
            pp(r.get("abs_lift")), _interval(r, "abs_lift", pp),
            signed_pct(r.get("rel_lift")), _interval(r, "rel_lift", signed_pct),
            p_value(r.get("p_value")), p_value(r.get("p_value_adjusted")),
        ])  # fmt: skip
    classes = [
        "control" if str(r.get("arm")) == control else "" for r in summary.to_dict("records")
    ]
    return html_table(header, rows, numeric=[False] + [True] * 10, row_classes=classes)


def cost_table(summary: pd.DataFrame, control: str | None) -> str:
    """Marketing and fully loaded cost per patient with intervals, and its four parts."""
    header = ["Arm", "Marketing $/patient", "95% CI", "Fully loaded $/patient", "95% CI",
              "Acquisition", "Email", "Sales", "Fixed"]  # fmt: skip
    rows = []
    for r in summary.to_dict("records"):
        rows.append([
            _arm_name(r, control),
            usd(r.get("marketing_cost_per_conversion_usd")),
            _interval(r, "marketing_cost_per_conversion", usd),
            usd(r.get("cost_per_conversion_usd")), _interval(r, "cost_per_conversion", usd),
            *(usd(r.get(f"cost_{p}_per_conversion_usd"))
              for p in ("acquisition", "email", "sales", "fixed")),
        ])  # fmt: skip
    return html_table(header, rows, numeric=[False] + [True] * 8)


def outcome_table(summary: pd.DataFrame, control: str | None) -> str:
    """Booked, lost, unsubscribed and complaint rates, and emails per lead."""
    header = ["Arm", "Booked", "Lost to a competitor", "Unsubscribed", "Spam complaints",
              "Emails per lead"]  # fmt: skip
    rows = [
        [_arm_name(r, control), pct(r.get("booked_rate")), pct(r.get("lost_rate")),
         pct(r.get("unsubscribe_rate")), pct(r.get("complaint_rate"), 2),
         number(r.get("emails_per_lead"), 1)]
        for r in summary.to_dict("records")
    ]  # fmt: skip
    return html_table(header, rows, numeric=[False] + [True] * 5)


def method_notes(summary: pd.DataFrame) -> list[str]:
    """Footnotes: the interval methods used and any per-arm notes (why a cell is NaN)."""
    notes = []
    if "method" in summary.columns:
        methods = [m for m in dict.fromkeys(summary["method"].fillna("").astype(str)) if m]
        if methods:
            notes.append(f"Lift intervals and p-values: {', '.join(methods)}.")
    if "replications" in summary.columns and is_number(summary["replications"].max()):
        notes.append(f"Replications: {number(summary['replications'].max())}.")
    if "note" in summary.columns:
        for r in summary.to_dict("records"):
            note = str(r.get("note") or "")
            if note and note != "control":
                notes.append(f"{r.get('arm')}: {note}.")
    return notes


def expectations_table(items: Sequence[Mapping[str, Any]]) -> str:
    """One row per expectation: held or failed, what was claimed, the measured value."""
    header = ["Status", "Expectation", "Arm", "Metric", "Rule", "Value", "95% CI"]
    rows, classes = [], []
    for e in items:
        metric = str(e.get("metric", ""))
        lo, hi = e.get("ci_lower"), e.get("ci_upper")
        ci = (f"{format_value(metric, lo)} to {format_value(metric, hi)}"
              if is_number(lo) and is_number(hi) else DASH)  # fmt: skip
        rows.append([
            "held" if e.get("held") else "FAILED", str(e.get("description", "")),
            str(e.get("arm", "")), metric, str(e.get("rule", "")),
            format_value(metric, e.get("value")), ci,
        ])  # fmt: skip
        classes.append("held" if e.get("held") else "failed")
    return html_table(header, rows, numeric=[False] * 5 + [True, True], row_classes=classes,
                      css_class="expectations")  # fmt: skip


def key_values(pairs: Sequence[tuple[str, Any]]) -> str:
    """A definition list of manifest facts."""
    items = "".join(f"<dt>{escape(k)}</dt><dd>{escape(_text(v))}</dd>" for k, v in pairs)
    return f'<dl class="facts">{items}</dl>'


def arms_table(arms: Sequence[Mapping[str, Any]]) -> str:
    """The manifest's arms: name, strategy file, scenario overrides, weight, sweep value."""
    sweep = any(a.get("sweep_value") is not None for a in arms)
    header = ["Arm", "Strategy file", "Scenario overrides", "Weight"] + (["Sweep value"] * sweep)
    rows = []
    for a in arms:
        overrides = a.get("overrides") or a.get("scenario_overrides")
        row = [str(a.get("name", "")), str(a.get("strategy_file", "") or DASH),
               _text(overrides) if overrides else DASH, number(a.get("weight"), 3)]  # fmt: skip
        if sweep:
            row.append(_text(a.get("sweep_value")))
        rows.append(row)
    return html_table(header, rows, numeric=[False, False, False, True] + [True] * sweep)


def mapping_table(
    mapping: Mapping[str, Any], header: tuple[str, str], *, mono: bool = False
) -> str:
    """Two columns from a flat mapping (package versions, output hashes)."""
    rows = [[str(k), _text(v)] for k, v in sorted(mapping.items())]
    return html_table(list(header), rows, css_class="mono" if mono else "")


def pretty_json(value: Any) -> str:
    """Escaped, indented JSON inside ``<pre>``."""
    text = json.dumps(value, indent=2, sort_keys=True, default=str, allow_nan=True)
    return f"<pre>{escape(text)}</pre>"


def _text(value: Any) -> str:
    if value is None:
        return DASH
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True, default=str)
    if isinstance(value, float):
        return number(value, 3)
    return str(value)
