"""The three tables of a comparison, built once for either design: arms, comparisons, guardrails.

Each row puts an :class:`~sim.analysis.interval.Interval` under its vocabulary names
(:mod:`sim.analysis.columns`) and merges the notes of every estimate it shows, labelled by
the estimate, so that every ``NaN`` comes with its reason.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.columns import (
    ARM_COLUMNS,
    EXTRA_COLUMNS,
    GUARDRAIL_COLUMNS,
    GUARDRAILS,
    VOCABULARY,
    with_ci,
)
from sim.analysis.designs import Design
from sim.analysis.interval import Interval, labelled, merge_notes
from sim.analysis.multiple import adjust_p_values
from sim.analysis.proportions import rate_interval


def arms_table(
    design: Design, rates: Interval, arm_cpc: list[Interval], method: str
) -> pd.DataFrame:
    """One row per arm, control first: size, conversion rate and cost per conversion with
    intervals, and the guardrail counts and rates when every arm has them."""
    rows = []
    for i, (arm, s) in enumerate(zip(design.arms, design.per_arm, strict=True)):
        rate, cpc = rates.at(i), arm_cpc[i]
        rows.append(
            {
                "arm": arm,
                "n": s.n,
                "conversions": s.conversions,
                **_cells("conversion_rate", rate),
                "cost_usd": s.cost_sum,
                **_cells("cost_per_conversion_usd", cpc),
                "method": method,
                "note": merge_notes(
                    labelled("conversion_rate", rate.note),
                    labelled("cost_per_conversion", cpc.note),
                ),
            }
        )
    table = _frame(rows, ARM_COLUMNS)
    for count, metric in GUARDRAILS.items():
        events = design.events(count)
        if events is not None:
            table[count] = [int(v) for v in events]
            with np.errstate(divide="ignore", invalid="ignore"):
                table[metric] = events / table["n"].to_numpy(float)
    return table


def comparisons_table(
    design: Design,
    rates: Interval,
    arm_cpc: list[Interval],
    ratios: list[Interval],
    diffs: list[Interval],
    method: str,
) -> pd.DataFrame:
    """One row per treatment arm in the vocabulary: lifts with intervals and p-values
    (adjusted across arms), cost per conversion and its ratio and difference to control."""
    diff, ratio = design.lifts("conversions")
    rows = []
    for j, (arm, s) in enumerate(zip(design.arms[1:], design.per_arm[1:], strict=True)):
        i = j + 1
        change = merge_notes(ratios[j].note, diffs[j].note)
        rows.append(
            {
                "arm": arm,
                "control": design.arms[0],
                "n": s.n,
                "conversions": s.conversions,
                **_cells("conversion_rate", rates.at(i)),
                **_cells("abs_lift", diff[j]),
                **_cells("rel_lift", ratio[j], minus=1.0),
                **_cells("cost_per_conversion_usd", arm_cpc[i]),
                "p_value": diff[j].p_value,
                "p_value_adjusted": math.nan,
                "method": method,
                **_cells("cost_per_conversion_ratio", ratios[j]),
                **_cells("cost_per_conversion_diff_usd", diffs[j]),
                "note": merge_notes(
                    labelled("abs_lift", diff[j].note),
                    labelled("rel_lift", ratio[j].note),
                    labelled("cost_per_conversion", arm_cpc[i].note),
                    labelled("cost_per_conversion change", change),
                ),
            }
        )
    return _adjusted(_frame(rows, VOCABULARY + EXTRA_COLUMNS), design.m.adjust)


def guardrails_table(design: Design) -> pd.DataFrame:
    """One row per guardrail metric and treatment arm, compared like the conversions (its own
    p-value adjustment per metric); empty without guardrail counts."""
    m = design.m
    method = design.method_label(m, costs=False)
    rows: list[dict[str, Any]] = []
    for count, metric in GUARDRAILS.items():
        lifts, events = design.lifts(count), design.events(count)
        if lifts is None or events is None:
            continue
        n = design.sizes()
        rates = rate_interval(events, n, alpha=m.alpha, method=m.rate)
        block = [
            {
                "metric": metric,
                "arm": design.arms[i],
                "control": design.arms[0],
                "n": int(n[i]),
                "events": int(events[i]),
                **_cells("rate", rates.at(i)),
                "control_rate": rates.at(0).estimate,
                **_cells("abs_lift", d),
                **_cells("rel_lift", r, minus=1.0),
                "p_value": d.p_value,
                "p_value_adjusted": math.nan,
                "method": method,
                "note": merge_notes(labelled("abs_lift", d.note), labelled("rel_lift", r.note)),
            }
            for i, (d, r) in enumerate(zip(*lifts, strict=True), start=1)
        ]
        adjusted = adjust_p_values([row["p_value"] for row in block], m.adjust)
        for row, p in zip(block, adjusted, strict=True):
            row["p_value_adjusted"] = float(p)
        rows.extend(block)
    return _frame(rows, GUARDRAIL_COLUMNS)


def _cells(metric: str, interval: Interval, minus: float = 0.0) -> dict[str, float]:
    """An interval under its vocabulary names (``minus`` 1 turns a ratio into a change)."""
    values = (interval.estimate, interval.lower, interval.upper)
    return {name: v - minus for name, v in zip(with_ci(metric), values, strict=True)}


def _adjusted(table: pd.DataFrame, adjust: str) -> pd.DataFrame:
    table["p_value_adjusted"] = adjust_p_values(table["p_value"], adjust)
    return table


def _frame(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(columns))
