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
from sim.config.base import StrictModel
from sim.experiment.summary import METRIC_RATIOS, SUMMARY_COLUMNS

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
    cols = ci_columns(expect.metric, rows.columns)
    lo = hi = None
    if cols is not None:
        lo, hi = float(row[cols[0]]), float(row[cols[1]])
        lo = lo if math.isfinite(lo) else None
        hi = hi if math.isfinite(hi) else None
    rule = expect.rule
    level = f"{1 - alpha:.0%}"
    held = False
    got = _measured(value, lo, hi, level)
    if rule == "between":
        a, b = expect.between
        text = f"between [{a:g}, {b:g}]"
        expected = f"between {a:g} and {b:g}"
        held = math.isfinite(value) and a <= value <= b
    elif rule in ("above_arm", "below_arm"):
        other_name = getattr(expect, rule)
        other = float(rows.loc[other_name, expect.metric])
        word = "above" if rule == "above_arm" else "below"
        text = f"{word} {other_name} ({other:.4g})"
        if replications is not None and expect.metric in METRIC_RATIOS:
            from sim.experiment.summary import contrast

            c = contrast(replications, expect.arm, other_name, expect.metric, alpha)
            lo, hi = c.difference_ci_lower, c.difference_ci_upper
            decided = math.isfinite(lo) and math.isfinite(hi)
            held = decided and (lo > 0 if rule == "above_arm" else hi < 0)
            expected = (
                f"{word} {other_name}'s {_num(other)}: the {level} CI of the paired "
                f"difference {word} 0"
            )
            got = f"{_num(value)}, difference {c.difference:+.4g} " + (
                f"({level} CI {lo:+.4g} to {hi:+.4g})" if decided else "(no interval)"
            )
            lo = lo if decided else None
            hi = hi if decided else None
            value = c.difference
            text = f"{word} {other_name} (paired difference)"
        else:
            expected = f"{word} {other_name}'s {_num(other)} (point estimates)"
            held = (
                math.isfinite(value)
                and math.isfinite(other)
                and (value > other if rule == "above_arm" else value < other)
            )
    else:
        x = getattr(expect, rule)
        text = {
            "ci_excludes": "CI excludes",
            "ci_includes": "CI includes",
            "ci_above": "CI above",
            "ci_below": "CI below",
        }[rule] + f" {x:g}"
        expected = {
            "ci_excludes": f"the {level} CI to exclude {x:g}",
            "ci_includes": f"the {level} CI to include {x:g}",
            "ci_above": f"the whole {level} CI above {x:g}",
            "ci_below": f"the whole {level} CI below {x:g}",
        }[rule]
        if lo is not None and hi is not None:
            held = {
                "ci_excludes": not lo <= x <= hi,
                "ci_includes": lo <= x <= hi,
                "ci_above": lo > x,
                "ci_below": hi < x,
            }[rule]
        else:
            text += " (no interval)"
    return Outcome(
        expect.description or f"{expect.arm} {expect.metric} {text}",
        expect.arm,
        expect.metric,
        text,
        value,
        lo,
        hi,
        bool(held),
        expected,
        got,
    )
