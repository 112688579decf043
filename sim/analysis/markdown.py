"""Markdown for terminals and reports: the table writer, number formats, a comparison's page.

Every analysis result renders here: :func:`markdown_table` (a small GitHub-flavoured writer,
since pandas' ``to_markdown`` needs tabulate), the cell formats (:func:`fmt_number`,
:func:`fmt_interval`, :func:`fmt_p`, :func:`fmt_signed_interval` for percentage points), and
:func:`comparison_markdown`, what :meth:`Comparison.to_markdown` prints.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.analysis.columns import with_ci

if TYPE_CHECKING:
    from sim.analysis.comparison import Comparison
    from sim.analysis.srm import SampleRatioCheck


def markdown_table(
    header: Sequence[str], rows: Sequence[Sequence[Any]], *, align: str | None = None
) -> str:
    """Format rows as a markdown table.

    Args:
        header: column titles.
        rows: rows of cells (converted with ``str``; ``|`` is escaped, newlines flattened).
        align: one letter per column, ``l`` or ``r`` (default: left).

    Example:
        >>> print(markdown_table(["arm", "n"], [["a", 10], ["b|c", 2]], align="lr"))
        | arm  |   n |
        |:-----|----:|
        | a    |  10 |
        | b\\|c |   2 |
    """
    align = align or "l" * len(header)
    if len(align) != len(header):
        raise ValueError("align needs one letter per column")
    cells = [[_cell(v) for v in row] for row in rows]
    head = [_cell(h) for h in header]
    widths = [max([len(head[i])] + [len(r[i]) for r in cells] + [3]) for i in range(len(head))]

    def line(values: Sequence[str]) -> str:
        padded = [
            v.rjust(w) if a == "r" else v.ljust(w)
            for v, w, a in zip(values, widths, align, strict=True)
        ]
        return "| " + " | ".join(padded) + " |"

    rule = (
        "|"
        + "|".join(
            ("-" * (w + 1) + ":") if a == "r" else (":" + "-" * (w + 1))
            for w, a in zip(widths, align, strict=True)
        )
        + "|"
    )
    return "\n".join([line(head), rule, *(line(r) for r in cells)])


def fmt_number(value: Any, digits: int = 4) -> str:
    """A number for a table: fixed decimals, ``n/a`` for NaN/None, ``inf`` for infinities.

    >>> fmt_number(0.123456), fmt_number(float("nan")), fmt_number(float("-inf"))
    ('0.1235', 'n/a', '-inf')
    """
    if value is None:
        return "n/a"
    value = float(value)
    if math.isnan(value):
        return "n/a"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return f"{value:.{digits}f}"


def fmt_interval(estimate: Any, lower: Any, upper: Any, digits: int = 4) -> str:
    """``estimate [lower, upper]`` with the same number format.

    >>> fmt_interval(0.2, 0.0524, 0.3339, 3)
    '0.200 [0.052, 0.334]'
    """
    est = fmt_number(estimate, digits)
    if _missing(lower) and _missing(upper):
        return est
    return f"{est} [{fmt_number(lower, digits)}, {fmt_number(upper, digits)}]"


def fmt_p(value: Any) -> str:
    """A p-value: 4 decimals, ``<0.0001`` below that, ``n/a`` when missing.

    >>> fmt_p(0.00812), fmt_p(1e-9), fmt_p(float("nan"))
    ('0.0081', '<0.0001', 'n/a')
    """
    if _missing(value):
        return "n/a"
    return "<0.0001" if float(value) < 1e-4 else f"{float(value):.4f}"


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _cell(value: Any) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def fmt_signed(value: Any, digits: int = 2, unit: str = "") -> str:
    """A change as a signed percentage (``unit`` after it): ``+11.69``, ``-3.0%``.

    >>> fmt_signed(0.1169), fmt_signed(-0.03, 1, "%"), fmt_signed(float("inf"))
    ('+11.69', '-3.0%', 'inf')
    """
    if _missing(value):
        return "n/a"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return f"{100 * value:+.{digits}f}{unit}"


def fmt_signed_interval(est: Any, lo: Any, up: Any, digits: int = 2, unit: str = "") -> str:
    """A change with its interval, e.g. a difference of two rates in percentage points.

    >>> fmt_signed_interval(0.1169, 0.0546, 0.1788)
    '+11.69 [+5.46, +17.88]'
    """
    if _missing(lo) and _missing(up):
        return fmt_signed(est, digits, unit)
    parts = (fmt_signed(v, digits, unit) for v in (est, lo, up))
    return "{} [{}, {}]".format(*parts)


# ----------------------------------------------------------------------------- comparison
def comparison_markdown(result: Comparison) -> str:
    """Tables and notes of a :class:`~sim.analysis.comparison.Comparison` for a terminal."""
    s = result.settings
    level = f"{100 * (1 - s.get('alpha', 0.05)):g}%"
    cost_known = bool(np.isfinite(result.arms["cost_usd"].to_numpy(float)).all())
    parts = [
        f"Every arm versus the control {result.control!r} ({level} confidence intervals)",
        "",
        _lift_table(result, level, cost_known),
    ]
    if cost_known and len(result.comparisons):
        parts += ["", "Cost per conversion versus the control", "", _cost_table(result)]
    if len(result.guardrails):
        parts += ["", "Guardrails", "", _guardrail_table(result)]
    parts += ["", _methods_line(s)]
    if result.srm is not None:
        parts.append(_srm_line(result.srm))
    parts += _notes(result)
    return "\n".join(parts) + "\n"


def _lift_table(result: Comparison, level: str, cost_known: bool) -> str:
    header = ["arm", "n", "conversions", f"conversion rate [{level} CI]"]
    header += ["abs lift (pp)", "rel lift"]
    if cost_known:
        header.append("cost per conversion USD")
    header += ["p", f"p adj ({result.settings.get('adjust', 'holm')})"]
    ctrl = result.arms.set_index("arm").loc[result.control]
    first = [f"{result.control} (control)", *_size_cells(ctrl), "", ""]
    rows = [first + ([_interval(ctrl, "cost_per_conversion_usd", 2)] if cost_known else [])]
    rows[0] += ["", ""]
    for _, r in result.comparisons.iterrows():
        row = [
            str(r["arm"]),
            *_size_cells(r),
            _interval(r, "abs_lift", 2, signed=""),
            _interval(r, "rel_lift", 1, signed="%"),
        ]
        if cost_known:
            row.append(_interval(r, "cost_per_conversion_usd", 2))
        rows.append([*row, fmt_p(r["p_value"]), fmt_p(r["p_value_adjusted"])])
    align = "lrrlll" + ("l" if cost_known else "") + "rr"
    return markdown_table(header, rows, align=align)


def _cost_table(result: Comparison) -> str:
    change = [
        [
            str(r["arm"]),
            _interval(r, "cost_per_conversion_ratio", 4),
            _interval(r, "cost_per_conversion_diff_usd", 2),
        ]
        for _, r in result.comparisons.iterrows()
    ]
    return markdown_table(["arm", "ratio to control", "difference USD"], change)


def _guardrail_table(result: Comparison) -> str:
    guard = [
        [
            str(r["metric"]),
            str(r["arm"]),
            _interval(r, "rate", 4),
            fmt_number(r["control_rate"]),
            _interval(r, "abs_lift", 3, signed=""),
            fmt_p(r["p_value"]),
            fmt_p(r["p_value_adjusted"]),
        ]
        for _, r in result.guardrails.iterrows()
    ]
    header = ["metric", "arm", "rate", "control rate", "abs lift (pp)", "p", "p adj"]
    return markdown_table(header, guard, align="llllrrr")


def _size_cells(r: Any) -> list[str]:
    return [str(int(r["n"])), str(int(r["conversions"])), _interval(r, "conversion_rate", 4)]


def _interval(r: Any, metric: str, digits: int, signed: str | None = None) -> str:
    """A row's estimate of ``metric`` with its interval columns; ``signed`` (a unit) shows
    it as a signed percentage."""
    est, lo, up = (r[c] for c in with_ci(metric))
    if signed is None:
        return fmt_interval(est, lo, up, digits)
    return fmt_signed_interval(est, lo, up, digits, signed)


def _methods_line(s: Mapping[str, Any]) -> str:
    design = s.get("design", "split")
    return (
        f"Methods ({design} design): conversion rate {s.get('rate_method')}; abs lift "
        f"{s.get('diff_method')}; rel lift {s.get('ratio_method')}; cost per conversion "
        f"{s.get('cpc_method')}; p-values adjusted by {s.get('adjust')}."
    )


def _srm_line(srm: SampleRatioCheck) -> str:
    if srm.note:
        return f"Sample ratio check: not run ({srm.note})."
    if srm.mismatch:
        return f"**Warning: {srm.message()}.**"
    return (
        f"Sample ratio check: arm sizes match the allocation (chi-square {srm.statistic:.2f} "
        f"on {srm.df} df, p = {srm.p_value:.3g})."
    )


def _notes(result: Comparison) -> list[str]:
    notes = [(r["arm"], r["note"]) for _, r in result.arms.iterrows() if r["note"]]
    notes += [(r["arm"], r["note"]) for _, r in result.comparisons.iterrows() if r["note"]]
    notes += [
        (f"{r['arm']} {r['metric']}", r["note"])
        for _, r in result.guardrails.iterrows()
        if r["note"]
    ]
    lines = list(dict.fromkeys(f"- {who}: {text}" for who, text in notes))
    return ["", "Notes:", *lines] if lines else []
