"""Formatting result tables for terminals (markdown) — no extra dependency."""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

from sim.analysis.markdown import markdown_table as analysis_markdown


def markdown_table(df: pd.DataFrame, formats: dict[str, str] | None = None) -> str:
    """A DataFrame as a markdown table; NaN shows as an empty cell.

    >>> print(markdown_table(pd.DataFrame({"a": [1, 2], "b": [0.5, float("nan")]}),
    ...                      {"b": "{:.0%}"}))
    |   a |   b |
    |----:|----:|
    |   1 | 50% |
    |   2 |     |
    """
    formats = formats or {}
    cols = list(df.columns)
    align = "".join("r" if pd.api.types.is_numeric_dtype(df[c]) else "l" for c in cols)
    rows = []
    for values in zip(*(df[c].tolist() for c in cols), strict=True):
        cells = []
        for c, v in zip(cols, values, strict=True):
            if v is None or (isinstance(v, float) and math.isnan(v)):
                cells.append("")
            else:
                cells.append(formats[c].format(v) if c in formats else v)
        rows.append(cells)
    return analysis_markdown(cols, rows, align=align)


def _interval(df: pd.DataFrame, col: str, lo: str, hi: str, fmt: str) -> list[str]:
    out = []
    for v, a, b in zip(df[col], df[lo], df[hi], strict=True):
        if not (isinstance(v, float) and math.isfinite(v)):
            out.append("")
        elif math.isfinite(a) and math.isfinite(b):
            out.append(f"{fmt.format(v)} [{fmt.format(a)}, {fmt.format(b)}]")
        else:
            out.append(fmt.format(v))
    return out


def _pp_interval(df: pd.DataFrame, col: str, lo: str, hi: str, digits: int = 1) -> list[str]:
    """Differences of rates in percentage points: ``+9.1 pp [+8.7, +9.5]``."""
    out = []
    for v, a, b in zip(df[col], df[lo], df[hi], strict=True):
        if not (isinstance(v, float) and math.isfinite(v)):
            out.append("")
        elif math.isfinite(a) and math.isfinite(b):
            out.append(f"{100 * v:+.{digits}f} pp [{100 * a:+.{digits}f}, {100 * b:+.{digits}f}]")
        else:
            out.append(f"{100 * v:+.{digits}f} pp")
    return out


def format_p(p: float) -> str:
    """A p-value as people read it: ``< 0.001`` below a thousandth, else 3 decimals.

    >>> format_p(1.02e-21), format_p(0.0123), format_p(float("nan"))
    ('< 0.001', '0.012', '')
    """
    if not (isinstance(p, float) and math.isfinite(p)):
        return ""
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def summary_markdown(
    summary: pd.DataFrame, columns: Sequence[str] | None = None, adjust: str | None = None
) -> str:
    """The readable view of a summary: estimates with their intervals side by side.

    Absolute lift is in percentage points (pp), relative lift in per cent; ``adjust`` names
    the multiplicity adjustment of the p-values in the column header.
    """
    view = pd.DataFrame(
        {"arm": summary["arm"], "leads": summary["n"], "patients": summary["conversions"]}
    )
    view["conversion"] = _interval(
        summary, "conversion_rate", "conversion_rate_ci_lower", "conversion_rate_ci_upper", "{:.1%}"
    )
    view["abs lift"] = _pp_interval(summary, "abs_lift", "abs_lift_ci_lower", "abs_lift_ci_upper")
    view["rel lift"] = _interval(
        summary, "rel_lift", "rel_lift_ci_lower", "rel_lift_ci_upper", "{:+.0%}"
    )
    if "marketing_cost_per_conversion_usd" in summary:
        view["marketing $/patient"] = _interval(
            summary,
            "marketing_cost_per_conversion_usd",
            "marketing_cost_per_conversion_ci_lower",
            "marketing_cost_per_conversion_ci_upper",
            "${:,.0f}",
        )
    view["full $/patient"] = _interval(
        summary,
        "cost_per_conversion_usd",
        "cost_per_conversion_ci_lower",
        "cost_per_conversion_ci_upper",
        "${:,.0f}",
    )
    p_name = f"p ({adjust})" if adjust and adjust != "none" else "p"
    view[p_name] = [format_p(p) for p in summary["p_value_adjusted"]]
    if columns:
        view = view[list(columns)]
    return markdown_table(view)


def versus_control_markdown(summary: pd.DataFrame) -> str:
    """Cost per patient and the guardrails of every arm against the control (paired)."""
    rows = summary[summary["arm"] != summary["control"]]
    view = pd.DataFrame({"arm": rows["arm"]})
    view["$/patient difference"] = _interval(
        rows,
        "cost_per_conversion_diff_usd",
        "cost_per_conversion_diff_ci_lower",
        "cost_per_conversion_diff_ci_upper",
        _SignedUSD(2),
    )
    view["$/patient ratio"] = _interval(
        rows,
        "cost_per_conversion_ratio",
        "cost_per_conversion_ratio_ci_lower",
        "cost_per_conversion_ratio_ci_upper",
        "{:.3f}",
    )
    view["unsubscribed"] = [f"{v:.2%}" for v in rows["unsubscribe_rate"]]
    view["unsub. difference"] = _pp_interval(
        rows,
        "unsubscribe_rate_diff",
        "unsubscribe_rate_diff_ci_lower",
        "unsubscribe_rate_diff_ci_upper",
        2,
    )
    view["complaints"] = [f"{v:.3%}" for v in rows["complaint_rate"]]
    view["complaint difference"] = _pp_interval(
        rows,
        "complaint_rate_diff",
        "complaint_rate_diff_ci_lower",
        "complaint_rate_diff_ci_upper",
        3,
    )
    return markdown_table(view.reset_index(drop=True))


class _SignedUSD:
    """Formats like ``"{:+,.0f}"`` with the dollar sign after the sign: ``+$1,200``."""

    def __init__(self, digits: int = 0) -> None:
        self.digits = digits

    def format(self, v: float) -> str:
        return f"{'-' if v < 0 else '+'}${abs(v):,.{self.digits}f}"


def value_markdown(summary: pd.DataFrame) -> str:
    """Sales-ready leads and what the patients are worth, per arm, with intervals.

    Empty when the summary has no value columns (replications from an older run).
    """
    if "net_benefit_usd" not in summary or summary["net_benefit_usd"].isna().all():
        return ""
    view = pd.DataFrame({"arm": summary["arm"]})
    view["sales-ready"] = _interval(
        summary,
        "sales_ready_rate",
        "sales_ready_rate_ci_lower",
        "sales_ready_rate_ci_upper",
        "{:.1%}",
    )
    view["sales-ready lift"] = _interval(
        summary,
        "sales_ready_rel_lift",
        "sales_ready_rel_lift_ci_lower",
        "sales_ready_rel_lift_ci_upper",
        "{:+.0%}",
    )
    view["marketing $/sales-ready"] = _interval(
        summary,
        "marketing_cost_per_sales_ready_usd",
        "marketing_cost_per_sales_ready_ci_lower",
        "marketing_cost_per_sales_ready_ci_upper",
        "${:,.0f}",
    )
    view["net benefit"] = _interval(
        summary, "net_benefit_usd", "net_benefit_ci_lower", "net_benefit_ci_upper", "${:,.0f}"
    )
    view["vs control"] = _interval(
        summary,
        "inc_net_benefit_usd",
        "inc_net_benefit_ci_lower",
        "inc_net_benefit_ci_upper",
        _SignedUSD(),
    )
    view["ROI"] = _interval(summary, "roi", "roi_ci_lower", "roi_ci_upper", "{:+.0%}")
    view["break-even $/patient"] = _interval(
        summary,
        "break_even_value_usd",
        "break_even_ci_lower",
        "break_even_ci_upper",
        "${:,.0f}",
    )
    return markdown_table(view)
