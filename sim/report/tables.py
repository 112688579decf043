"""HTML tables of a run: expectations and the summary, formatted for people.

The manifest's tables (run details) are :mod:`sim.report.manifest`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

import pandas as pd

from sim.report.style import (
    DASH,
    format_value,
    is_number,
    label,
    metric_kind,
    number,
    p_value,
    pct,
    pp,
    signed_pct,
    usd,
    usd_digits,
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
    """Marketing and fully loaded cost per patient with intervals, and its four parts.

    Each quantity has one number of decimals (:func:`~sim.report.style.usd_digits`) for its
    estimate and its interval.
    """
    header = ["Arm", "Marketing $/patient", "95% CI", "Fully loaded $/patient", "95% CI",
              "Acquisition", "Email", "Sales", "Fixed"]  # fmt: skip
    records = summary.to_dict("records")

    def fmt(*bases: str):
        cols = [c for b in bases for c in (b, f"{b.removesuffix('_usd')}_ci_lower",
                                           f"{b.removesuffix('_usd')}_ci_upper")]  # fmt: skip
        digits = usd_digits(r.get(c) for r in records for c in cols)
        return lambda x: usd(x, digits)

    mkt = fmt("marketing_cost_per_conversion_usd")
    full = fmt("cost_per_conversion_usd")
    part_cols = [f"cost_{p}_per_conversion_usd" for p in ("acquisition", "email", "sales",
                                                           "fixed")]  # fmt: skip
    parts = fmt(*part_cols)
    rows = []
    for r in records:
        rows.append([
            _arm_name(r, control),
            mkt(r.get("marketing_cost_per_conversion_usd")),
            _interval(r, "marketing_cost_per_conversion", mkt),
            full(r.get("cost_per_conversion_usd")), _interval(r, "cost_per_conversion", full),
            *(parts(r.get(c)) for c in part_cols),
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


def rule_text(rule: str, metric: str) -> str:
    """An expectation's rule with its numbers in the metric's format.

    >>> rule_text("above newsletter (0.1934)", "conversion_rate")
    'above newsletter (19.3%)'
    >>> rule_text("between [0.12, 0.26]", "conversion_rate")
    'between 12.0% and 26.0%'
    >>> rule_text("CI excludes 0", "abs_lift")
    'CI excludes +0.0 pp'
    """

    def value(text: str) -> str:
        try:
            return format_value(metric, float(text))
        except ValueError:
            return text

    m = re.fullmatch(r"(above|below) (\S+) \(([^)]*)\)", rule)
    if m:
        return f"{m[1]} {m[2]} ({value(m[3])})"
    m = re.fullmatch(r"between \[([^,\]]+), ([^\]]+)\]", rule)
    if m:
        return f"between {value(m[1])} and {value(m[2])}"
    m = re.fullmatch(r"(CI (?:excludes|includes|above|below)) (\S+)(.*)", rule)
    if m:
        return f"{m[1]} {value(m[2])}{m[3]}"
    return rule


def expectations_table(items: Sequence[Mapping[str, Any]]) -> str:
    """One row per expectation: held or failed, what was claimed, the measured value.

    >>> row = {"metric": "conversion_rate", "rule": "above b (paired difference)",
    ...        "value": 0.027, "ci_lower": 0.022, "ci_upper": 0.032, "held": True}
    >>> "+2.7 pp" in expectations_table([row]), "+2.2 pp to +3.2 pp" in expectations_table([row])
    (True, True)
    """
    header = ["Status", "Expectation", "Arm", "Metric", "Rule", "Value", "95% CI"]
    rows, classes = [], []
    for e in items:
        metric = str(e.get("metric", ""))
        rule = str(e.get("rule", ""))
        # An arm compared with another arm: the value is the difference of the two rates,
        # so it reads in percentage points like every other difference of rates.
        shown = "abs_lift" if rule.endswith("(paired difference)") and (
            metric_kind(metric) == "share") else metric  # fmt: skip
        lo, hi = e.get("ci_lower"), e.get("ci_upper")
        ci = (f"{format_value(shown, lo)} to {format_value(shown, hi)}"
              if is_number(lo) and is_number(hi) else DASH)  # fmt: skip
        rows.append([
            "held" if e.get("held") else "FAILED", str(e.get("description", "")),
            str(e.get("arm", "")), label(metric), rule_text(rule, metric),
            format_value(shown, e.get("value")), ci,
        ])  # fmt: skip
        classes.append("held" if e.get("held") else "failed")
    return html_table(header, rows, numeric=[False] * 5 + [True, True], row_classes=classes,
                      css_class="expectations")  # fmt: skip
