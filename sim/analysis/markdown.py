"""A small GitHub-flavoured markdown table writer (pandas' to_markdown needs tabulate)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any


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
