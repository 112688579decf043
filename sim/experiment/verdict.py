"""The one-line verdict: which arm wins against the control, by how much, and how sure.

Built from a summary row (the flat vocabulary of :mod:`sim.analysis.replications`), so a suite,
``nurture compare`` and a notebook say the same sentence. A difference is called more or less
only when its interval excludes 0; otherwise the sentence says the data cannot tell.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from sim.experiment.tables import format_p


def _finite(*values: Any) -> bool:
    return all(isinstance(v, (int, float)) and math.isfinite(v) for v in values)


def _money(x: float, cents: bool = False) -> str:
    return f"${abs(x):,.2f}" if cents else f"${abs(x):,.0f}"


def verdict(row: Mapping[str, Any], alpha: float = 0.05, adjust: str = "holm") -> str:
    """One sentence for one arm against the control.

    Example:
        >>> row = {"arm": "stage_nurture", "abs_lift": 0.0911, "abs_lift_ci_lower": 0.0874,
        ...     "abs_lift_ci_upper": 0.0949, "rel_lift": 0.533, "rel_lift_ci_lower": 0.502,
        ...     "rel_lift_ci_upper": 0.565, "cost_per_conversion_diff_usd": -41.2,
        ...     "cost_per_conversion_diff_ci_lower": -44.9,
        ...     "cost_per_conversion_diff_ci_upper": -37.3, "p_value_adjusted": 1e-21,
        ...     "unsubscribe_rate_diff": 0.0, "unsubscribe_rate_diff_ci_lower": 0.0,
        ...     "unsubscribe_rate_diff_ci_upper": 0.0}
        >>> print(verdict(row).replace("), ", ")," + chr(10)))
        stage_nurture: +9.1 pp more patients (+53%, 95% CI +50% to +56%),
        $41 less per patient (95% CI $37 to $45); adjusted p (holm) < 0.001
    """
    level = f"{1 - alpha:.0%}"
    arm = row["arm"]
    d, lo, hi = row["abs_lift"], row["abs_lift_ci_lower"], row["abs_lift_ci_upper"]
    if not _finite(d):
        return f"{arm}: no verdict ({row.get('note') or 'no conversions to compare'})"
    parts = []
    r, rlo, rhi = row.get("rel_lift"), row.get("rel_lift_ci_lower"), row.get("rel_lift_ci_upper")
    rel = ""
    if _finite(r, rlo, rhi):
        rel = f"{r:+.0%}, {level} CI {rlo:+.0%} to {rhi:+.0%}"
    if _finite(lo, hi) and (lo > 0 or hi < 0):
        more = "more" if d > 0 else "fewer"
        parts.append(
            f"{100 * d:+.1f} pp {more} patients ({rel})"
            if rel
            else f"{100 * d:+.1f} pp {more} patients ({level} CI {100 * lo:+.1f} to "
            f"{100 * hi:+.1f} pp)"
        )
    elif _finite(lo, hi):
        parts.append(
            f"no clear difference in patients ({100 * d:+.1f} pp, {level} CI {100 * lo:+.1f} "
            f"to {100 * hi:+.1f} pp)"
        )
    else:
        parts.append(
            f"{100 * d:+.1f} pp patients (no interval: {row.get('note') or 'one replication'})"
        )
    c = row.get("cost_per_conversion_diff_usd")
    clo = row.get("cost_per_conversion_diff_ci_lower")
    chi = row.get("cost_per_conversion_diff_ci_upper")
    if _finite(c, clo, chi):
        cents = max(abs(c), abs(clo), abs(chi)) < 10  # small amounts show their cents
        if clo > 0 or chi < 0:
            word = "more" if c > 0 else "less"
            a, b = sorted((abs(clo), abs(chi)))
            parts.append(
                f"{_money(c, cents)} {word} per patient ({level} CI {_money(a, cents)} to "
                f"{_money(b, cents)})"
            )
        else:
            parts.append(
                f"no clear difference in cost per patient "
                f"({'+' if c >= 0 else '-'}{_money(c, cents)}, {level} CI "
                f"{'-' if clo < 0 else '+'}{_money(clo, cents)} to "
                f"{'-' if chi < 0 else '+'}{_money(chi, cents)})"
            )
    text = f"{arm}: " + ", ".join(parts)
    p = row.get("p_value_adjusted")
    if _finite(p):
        shown = format_p(float(p))
        name = f"adjusted p ({adjust})" if adjust != "none" else "p"
        text += f"; {name} {shown if shown.startswith('<') else '= ' + shown}"
    for metric, label in (
        ("unsubscribe_rate", "unsubscribes"),
        ("complaint_rate", "spam complaints"),
    ):
        g, glo = row.get(f"{metric}_diff"), row.get(f"{metric}_diff_ci_lower")
        ghi = row.get(f"{metric}_diff_ci_upper")
        if _finite(g, glo, ghi) and glo > 0:
            text += (
                f"; guardrail: more {label} ({100 * g:+.2f} pp, {level} CI {100 * glo:+.2f} to "
                f"{100 * ghi:+.2f} pp)"
            )
    return text


def verdicts(summary: pd.DataFrame, alpha: float = 0.05, adjust: str = "holm") -> list[str]:
    """The verdict of every arm but the control, in the summary's order."""
    return [
        verdict(row, alpha, adjust)
        for row in summary.to_dict(orient="records")
        if row["arm"] != row["control"]
    ]
