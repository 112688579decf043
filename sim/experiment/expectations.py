"""Suite expectations: claims about a summary that hold or fail, with the measured value.

Each ``[[expect]]`` names an arm, a metric (a column of the summary) and one rule:
``between = [lo, hi]`` (the estimate), ``ci_excludes = x`` / ``ci_includes = x`` (the
interval), ``ci_above = x`` / ``ci_below = x`` (the whole interval), ``above_arm = "name"`` /
``below_arm = "name"`` (the interval of the paired difference from another arm: it holds
only when the whole interval is above, or below, 0 — two point estimates a dollar apart
prove nothing).
"""

from __future__ import annotations

import difflib
import math
from typing import NamedTuple

import pandas as pd
from pydantic import Field, field_validator, model_validator

from sim.analysis.columns import ci_columns
from sim.analysis.ratio_of_sums import METRIC_RATIOS, contrast
from sim.analysis.replications import SUMMARY_COLUMNS
from sim.config.base import StrictModel

#: Summary columns that hold text (names, methods, notes), not a number a rule can check.
TEXT_COLUMNS = ("arm", "control", "method", "note", "sweep_parameter")
#: What ``metric`` may name: the numeric columns of the summary, checked when the suite is
#: loaded, so a misspelt metric fails before any replication runs.
METRICS = tuple(c for c in SUMMARY_COLUMNS if c not in TEXT_COLUMNS and not c.endswith("_note"))

RULES = ("between", "ci_excludes", "ci_includes", "ci_above", "ci_below", "above_arm", "below_arm")


class Expect(StrictModel):
    """One expectation of a suite."""

    arm: str = Field(min_length=1)
    metric: str = Field(min_length=1)
    description: str = ""
    between: tuple[float, float] | None = None
    ci_excludes: float | None = None
    ci_includes: float | None = None
    ci_above: float | None = None
    ci_below: float | None = None
    above_arm: str | None = None
    below_arm: str | None = None

    @field_validator("metric")
    @classmethod
    def _a_metric(cls, metric: str) -> str:
        if metric in TEXT_COLUMNS or metric.endswith("_note"):
            raise ValueError(
                "that column is text, not a number: use a metric such as conversion_rate, "
                "abs_lift, rel_lift or cost_per_conversion_usd"
            )
        if metric not in METRICS:
            hint = difflib.get_close_matches(metric, METRICS, n=1, cutoff=0.6)
            did = f" (did you mean {hint[0]!r}?)" if hint else ""
            raise ValueError(f"not a metric of the summary{did}; metrics: {', '.join(METRICS)}")
        return metric

    @model_validator(mode="after")
    def _one_rule(self) -> Expect:
        given = [r for r in RULES if getattr(self, r) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one rule of {', '.join(RULES)}; got {given or 'none'}")
        if self.between is not None and self.between[0] > self.between[1]:
            raise ValueError(f"between: lower {self.between[0]} is above upper {self.between[1]}")
        return self

    @property
    def rule(self) -> str:
        return next(r for r in RULES if getattr(self, r) is not None)


class Outcome(NamedTuple):
    """An evaluated expectation (a row of expectations.json)."""

    description: str
    arm: str
    metric: str
    rule: str
    value: float
    ci_lower: float | None
    ci_upper: float | None
    held: bool
    #: What the rule asks for, in words, e.g. "the 95% CI to exclude 0".
    expected: str = ""
    #: What was measured, e.g. "-0.03855 (95% CI -0.05 to -0.027)".
    got: str = ""

    def line(self) -> str:
        mark = "held  " if self.held else "FAILED"
        return f"{mark} {self.arm} {self.metric}: {self.message()}"

    def message(self) -> str:
        """``expected ..., got ...``: the sentence a CI log or a JUnit failure shows."""
        return f"expected {self.expected}, got {self.got}"


def _num(x: float) -> str:
    return f"{x:.4g}"


def _measured(value: float, lo: float | None, hi: float | None, level: str) -> str:
    if lo is None or hi is None:
        return f"{_num(value)} (no interval)"
    return f"{_num(value)} ({level} CI {_num(lo)} to {_num(hi)})"


class _Judged(NamedTuple):
    """What a rule found: its short text, the sentence's two halves, and the numbers."""

    text: str
    expected: str
    got: str
    held: bool
    value: float
    lo: float | None
    hi: float | None


#: ``ci_*`` rules: (short text, what is expected, whether ``lo``-``hi`` meets ``x``).
_CI_RULES = {
    "ci_excludes": (
        "CI excludes",
        "the {level} CI to exclude {x:g}",
        lambda lo, hi, x: not lo <= x <= hi,
    ),
    "ci_includes": (
        "CI includes",
        "the {level} CI to include {x:g}",
        lambda lo, hi, x: lo <= x <= hi,
    ),
    "ci_above": ("CI above", "the whole {level} CI above {x:g}", lambda lo, hi, x: lo > x),
    "ci_below": ("CI below", "the whole {level} CI below {x:g}", lambda lo, hi, x: hi < x),
}


def evaluate(
    expect: Expect,
    summary: pd.DataFrame,
    replications: pd.DataFrame | None = None,
    alpha: float = 0.05,
) -> Outcome:
    """Evaluate one expectation against a summary table (one row per arm).

    ``above_arm`` / ``below_arm`` are decided on the interval of the paired difference,
    computed from ``replications`` (the per-replication table); without it, from the
    point estimates alone (and the outcome says so).

    >>> s = pd.DataFrame({"arm": ["a", "b"], "abs_lift": [0.2, 0.3],
    ...                   "abs_lift_ci_lower": [0.1, 0.25], "abs_lift_ci_upper": [0.3, 0.35]})
    >>> o = evaluate(Expect(arm="b", metric="abs_lift", ci_excludes=0.2), s)
    >>> o.held, o.message()
    (True, 'expected the 95% CI to exclude 0.2, got 0.3 (95% CI 0.25 to 0.35)')
    >>> evaluate(Expect(arm="a", metric="abs_lift", above_arm="b"), s).held
    False
    """
    rows = summary.set_index("arm")
    row = rows.loc[expect.arm]
    value = float(row[expect.metric])
    lo = hi = None
    cols = ci_columns(expect.metric, rows.columns)
    if cols is not None:
        lo, hi = (float(row[c]) for c in cols)
        lo = lo if math.isfinite(lo) else None
        hi = hi if math.isfinite(hi) else None
    level = f"{1 - alpha:.0%}"
    rule = expect.rule
    if rule == "between":
        a, b = expect.between
        held = math.isfinite(value) and a <= value <= b
        got = _measured(value, lo, hi, level)
        j = _Judged(f"between [{a:g}, {b:g}]", f"between {a:g} and {b:g}", got, held, value, lo, hi)
    elif rule in ("above_arm", "below_arm"):
        j = _versus_arm(expect, rows, replications, alpha, level, (value, lo, hi))
    else:
        j = _ci_rule(rule, getattr(expect, rule), level, (value, lo, hi))
    return Outcome(
        expect.description or f"{expect.arm} {expect.metric} {j.text}",
        expect.arm,
        expect.metric,
        j.text,
        j.value,
        j.lo,
        j.hi,
        bool(j.held),
        j.expected,
        j.got,
    )


def _ci_rule(rule: str, x: float, level: str, measured: tuple) -> _Judged:
    value, lo, hi = measured
    short, expected, meets = _CI_RULES[rule]
    text = f"{short} {x:g}"
    held = False
    if lo is not None and hi is not None:
        held = meets(lo, hi, x)
    else:
        text += " (no interval)"
    got = _measured(value, lo, hi, level)
    return _Judged(text, expected.format(level=level, x=x), got, held, value, lo, hi)


def _versus_arm(
    expect: Expect,
    rows: pd.DataFrame,
    replications: pd.DataFrame | None,
    alpha: float,
    level: str,
    measured: tuple,
) -> _Judged:
    """``above_arm`` / ``below_arm``: the paired difference's interval, else the estimates."""
    value, lo, hi = measured
    rule = expect.rule
    other_name = getattr(expect, rule)
    other = float(rows.loc[other_name, expect.metric])
    word = "above" if rule == "above_arm" else "below"
    if replications is None or expect.metric not in METRIC_RATIOS:
        held = (
            math.isfinite(value)
            and math.isfinite(other)
            and (value > other if rule == "above_arm" else value < other)
        )
        expected = f"{word} {other_name}'s {_num(other)} (point estimates)"
        got = _measured(value, lo, hi, level)
        return _Judged(f"{word} {other_name} ({other:.4g})", expected, got, held, value, lo, hi)
    c = contrast(replications, expect.arm, other_name, expect.metric, alpha)
    lo, hi = c.difference_ci_lower, c.difference_ci_upper
    decided = math.isfinite(lo) and math.isfinite(hi)
    held = decided and (lo > 0 if rule == "above_arm" else hi < 0)
    expected = (
        f"{word} {other_name}'s {_num(other)}: the {level} CI of the paired difference {word} 0"
    )
    got = f"{_num(value)}, difference {c.difference:+.4g} " + (
        f"({level} CI {lo:+.4g} to {hi:+.4g})" if decided else "(no interval)"
    )
    return _Judged(
        f"{word} {other_name} (paired difference)",
        expected,
        got,
        held,
        c.difference,
        lo if decided else None,
        hi if decided else None,
    )
