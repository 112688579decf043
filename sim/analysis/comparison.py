"""Every arm versus the control: the comparison table and its result object.

:func:`compare_arms` works on per-arm sufficient statistics (pooled across replications or CSV
chunks); :func:`compare` is the DataFrame front for a per-lead table (columns as documented in
sim/world/records.py, or any CSV with an arm, a 0/1 outcome and optionally a cost column).
Both return a :class:`Comparison` whose tables use the project's flat vocabulary
(:data:`VOCABULARY`), plus the cost-per-conversion change versus control, guardrail metrics
(unsubscribe and complaint rates) and the sample-ratio check.

Degenerate cells never raise: a rate of 0 or 1, an arm without conversions or without units
gives ``NaN`` where a number does not exist and the ``note`` column says why.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.columns import binary_column, cost_column, label_column, require_columns
from sim.analysis.cost import (
    BOOTSTRAP_METHODS,
    CPC_METHODS,
    DEFAULT_CPC_METHOD,
    Sums,
    cost_per_conversion_difference,
    cost_per_conversion_interval,
    cost_per_conversion_ratio,
)
from sim.analysis.interval import Interval, check_alpha, check_method
from sim.analysis.markdown import fmt_interval, fmt_number, fmt_p, markdown_table
from sim.analysis.multiple import ADJUST_METHODS, adjust_p_values
from sim.analysis.proportions import RATE_METHODS, rate_interval
from sim.analysis.srm import SampleRatioCheck, sample_ratio_check
from sim.analysis.sufficient import ArmStats, arm_codes, group_arm_stats
from sim.analysis.two_proportions import DIFF_METHODS, RATIO_METHODS, diff_interval, ratio_interval
from sim.errors import InputError

#: The project's result vocabulary (DESIGN.md, "Analysis"), in order.
VOCABULARY: tuple[str, ...] = (
    "arm",
    "control",
    "n",
    "conversions",
    "conversion_rate",
    "conversion_rate_ci_lower",
    "conversion_rate_ci_upper",
    "abs_lift",
    "abs_lift_ci_lower",
    "abs_lift_ci_upper",
    "rel_lift",
    "rel_lift_ci_lower",
    "rel_lift_ci_upper",
    "cost_per_conversion_usd",
    "cost_per_conversion_ci_lower",
    "cost_per_conversion_ci_upper",
    "p_value",
    "p_value_adjusted",
    "method",
)
#: Columns the comparisons table has after the vocabulary: the change in cost per conversion
#: versus control (treatment / control and treatment - control) and the reason for any NaN.
EXTRA_COLUMNS: tuple[str, ...] = (
    "cost_per_conversion_ratio",
    "cost_per_conversion_ratio_ci_lower",
    "cost_per_conversion_ratio_ci_upper",
    "cost_per_conversion_diff_usd",
    "cost_per_conversion_diff_ci_lower",
    "cost_per_conversion_diff_ci_upper",
    "note",
)
#: Columns of the per-arm table (guardrail columns only when the counts are known).
ARM_COLUMNS: tuple[str, ...] = (
    "arm",
    "n",
    "conversions",
    "conversion_rate",
    "conversion_rate_ci_lower",
    "conversion_rate_ci_upper",
    "cost_usd",
    "cost_per_conversion_usd",
    "cost_per_conversion_ci_lower",
    "cost_per_conversion_ci_upper",
    "method",
    "note",
)
#: Guardrail counts in ArmStats and the metric name each becomes.
GUARDRAILS: dict[str, str] = {"unsubscribes": "unsubscribe_rate", "complaints": "complaint_rate"}
GUARDRAIL_COLUMNS: tuple[str, ...] = (
    "metric",
    "arm",
    "control",
    "n",
    "events",
    "rate",
    "rate_ci_lower",
    "rate_ci_upper",
    "control_rate",
    "abs_lift",
    "abs_lift_ci_lower",
    "abs_lift_ci_upper",
    "rel_lift",
    "rel_lift_ci_lower",
    "rel_lift_ci_upper",
    "p_value",
    "p_value_adjusted",
    "method",
    "note",
)


@dataclass(frozen=True)
class Comparison:
    """Result of comparing every arm with the control.

    Attributes:
        arms: one row per arm (control first): size, conversion rate and cost per conversion
            with intervals, guardrail rates when known (:data:`ARM_COLUMNS`).
        comparisons: one row per non-control arm in the :data:`VOCABULARY`, followed by
            :data:`EXTRA_COLUMNS`.
        guardrails: one row per guardrail metric and non-control arm (empty without
            guardrail data).
        srm: the sample-ratio check (``None`` for paired designs, where arms share units).
        control: the control arm's name.
        settings: alpha and methods used.
    """

    arms: pd.DataFrame
    comparisons: pd.DataFrame
    guardrails: pd.DataFrame
    srm: SampleRatioCheck | None
    control: str
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def srm_mismatch(self) -> bool:
        """Whether the sample-ratio check flagged a mismatch."""
        return bool(self.srm is not None and self.srm.mismatch)

    def to_pandas(self) -> pd.DataFrame:
        """The comparisons table (a copy): one row per arm versus the control."""
        return self.comparisons.copy()

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python form for JSON: ``arms``, ``comparisons`` (records; NaN and infinities
        as ``None``), plus ``guardrails``, ``srm`` and ``settings``."""
        return {
            "arms": _records(self.arms),
            "comparisons": _records(self.comparisons),
            "guardrails": _records(self.guardrails),
            "srm": None if self.srm is None else self.srm.to_dict(),
            "settings": dict(self.settings),
        }

    def to_json(self, indent: int | None = 2) -> str:
        """:meth:`to_dict` as strict JSON text."""
        return json.dumps(self.to_dict(), indent=indent, allow_nan=False)

    def to_markdown(self) -> str:
        """Tables and notes for a terminal or a report."""
        return _markdown(self)

    def _repr_markdown_(self) -> str:  # Jupyter
        return self.to_markdown()


def compare_arms(
    stats: Mapping[str, ArmStats],
    control: str,
    *,
    alpha: float = 0.05,
    rate_method: str = "wilson",
    diff_method: str = "newcombe",
    ratio_method: str = "koopman",
    cpc_method: str = DEFAULT_CPC_METHOD,
    adjust: str = "holm",
    expected_weights: Mapping[str, float] | None = None,
    srm_threshold: float = 0.001,
    samples: Mapping[str, tuple[Any, Any]] | None = None,
    n_resamples: int = 2000,
    seed: Any = 0,
) -> Comparison:
    """Compare every arm with the control from per-arm sufficient statistics.

    Args:
        stats: ``{arm: ArmStats}``; order is kept (control listed first in the output).
        control: name of the control arm.
        alpha: 1 - confidence level of every interval.
        rate_method: interval for each arm's conversion rate (:data:`RATE_METHODS`).
        diff_method: interval and test for the absolute lift (:data:`DIFF_METHODS`).
        ratio_method: interval for the relative lift = ratio - 1 (:data:`RATIO_METHODS`).
        cpc_method: interval for cost per conversion and its change (:data:`CPC_METHODS`);
            bootstrap methods need ``samples``.
        adjust: multiple-comparison adjustment of the p-values across arms
            (:data:`ADJUST_METHODS`: ``holm``, ``bh``, ``bonferroni``, ``none``).
        expected_weights: allocation weights for the sample-ratio check (equal if ``None``).
        srm_threshold: p-value below which the sample-ratio check flags a mismatch (and warns).
        samples: per-unit ``(converted, cost)`` arrays per arm, for bootstrap methods.
        n_resamples: bootstrap resamples.
        seed: seed (or Generator) for the bootstrap; fixed by default for reproducible output.

    Returns:
        :class:`Comparison`.

    Example:
        >>> stats = {"control": ArmStats(300, 60), "nurture": ArmStats(300, 90)}
        >>> result = compare_arms(stats, "control")
        >>> row = result.comparisons.iloc[0]
        >>> row["arm"], round(float(row["abs_lift"]), 2), round(float(row["abs_lift_ci_lower"]), 4)
        ('nurture', 0.1, 0.0307)
        >>> round(float(row["rel_lift"]), 2), bool(row["p_value"] < 0.05)
        (0.5, True)
    """
    check_alpha(alpha)
    rate_method = check_method("rate_method", rate_method, tuple(RATE_METHODS))
    diff_method = check_method("diff_method", diff_method, DIFF_METHODS)
    ratio_method = check_method("ratio_method", ratio_method, RATIO_METHODS)
    cpc_method = check_method("cpc_method", cpc_method, CPC_METHODS)
    adjust = check_method("adjust", adjust, tuple(ADJUST_METHODS))
    arms = _ordered_arms(stats, control)
    bootstrap = cpc_method in BOOTSTRAP_METHODS
    has_cost = all(stats[a].has_cost for a in arms)
    if bootstrap and has_cost and (samples is None or any(a not in samples for a in arms)):
        raise InputError(
            "cpc_method",
            f"{cpc_method} needs per-unit data for every arm (samples=...); with sufficient "
            "statistics only, use delta-log, delta or fieller",
        )
    streams = _streams(seed, 3 * len(arms)) if bootstrap else [None] * (3 * len(arms))
    resampling = {"n_resamples": n_resamples}
    settings = {
        "alpha": alpha,
        "rate_method": rate_method,
        "diff_method": diff_method,
        "ratio_method": ratio_method,
        "cpc_method": cpc_method,
        "adjust": adjust,
        "design": "split",
    }
    if bootstrap:
        settings["n_resamples"] = n_resamples
    method = (
        f"abs_lift={diff_method}; rel_lift={ratio_method}; conversion_rate={rate_method}; "
        f"cost_per_conversion={cpc_method}; adjust={adjust}"
    )

    per_arm = [stats[a] for a in arms]
    n = np.array([s.n for s in per_arm], dtype=float)
    x = np.array([s.conversions for s in per_arm], dtype=float)
    rates = rate_interval(x, n, alpha=alpha, method=rate_method)

    def cpc_for(i: int, stream: Any) -> Interval:
        sample = samples.get(arms[i]) if samples else None
        return cost_per_conversion_interval(
            per_arm[i], alpha=alpha, method=cpc_method, sample=sample, seed=stream, **resampling
        )

    if bootstrap and has_cost:
        arm_cpc = [cpc_for(i, streams[i]) for i in range(len(arms))]
    else:
        vec = cost_per_conversion_interval(
            _sums(per_arm), alpha=alpha, method="delta-log" if bootstrap else cpc_method
        )
        arm_cpc = [_pick(vec, i) for i in range(len(arms))]
    arms_table = _arms_table(arms, per_arm, rates, arm_cpc, method, has_cost)

    treat = list(range(1, len(arms)))
    diff = diff_interval(x[treat], n[treat], x[0], n[0], alpha=alpha, method=diff_method)
    ratio = ratio_interval(x[treat], n[treat], x[0], n[0], alpha=alpha, method=ratio_method)
    cpc_ratio, cpc_diff = [], []
    for j, i in enumerate(treat):
        pair = (
            (samples.get(arms[i]), samples.get(arms[0]))
            if (bootstrap and samples and has_cost)
            else None
        )
        kw = {"alpha": alpha, "method": cpc_method, "samples": pair, **resampling}
        if not has_cost:
            kw["method"] = "delta-log"  # no costs: every method gives NaN with the same note
        cpc_ratio.append(
            cost_per_conversion_ratio(per_arm[i], per_arm[0], seed=streams[len(arms) + j], **kw)
        )
        cpc_diff.append(
            cost_per_conversion_difference(
                per_arm[i], per_arm[0], seed=streams[2 * len(arms) + j], **kw
            )
        )
    rows = []
    for j, i in enumerate(treat):
        notes = _join_notes(
            ("abs_lift", _pick(diff, j).note),
            ("rel_lift", _pick(ratio, j).note),
            ("cost_per_conversion", arm_cpc[i].note),
            ("cost_per_conversion change", cpc_ratio[j].note or cpc_diff[j].note),
        )
        rows.append(
            _comparison_row(
                arms[i],
                control,
                per_arm[i],
                _pick(rates, i),
                _pick(diff, j),
                _pick(ratio, j),
                arm_cpc[i],
                cpc_ratio[j],
                cpc_diff[j],
                method,
                notes,
            )
        )
    comparisons = _frame(rows, VOCABULARY + EXTRA_COLUMNS)
    comparisons["p_value_adjusted"] = adjust_p_values(comparisons["p_value"], adjust)
    guardrails = _guardrails(arms, per_arm, alpha, rate_method, diff_method, ratio_method, adjust)
    srm = sample_ratio_check(
        {a: s.n for a, s in zip(arms, per_arm, strict=True)},
        _weights(expected_weights, arms),
        threshold=srm_threshold,
    )
    return Comparison(arms_table, comparisons, guardrails, srm, control, settings)


def compare(
    df: pd.DataFrame,
    *,
    control: str,
    arm_col: str = "arm",
    converted_col: str = "converted",
    cost_col: str | None = "cost_total_usd",
    unsubscribed_col: str | None = "unsubscribed",
    complained_col: str | None = "complained",
    **options: Any,
) -> Comparison:
    """Compare every arm with the control from a per-unit (per-lead) DataFrame.

    Args:
        df: one row per unit.
        control: name of the control arm (compared as text with the arm labels).
        arm_col: column with the arm of each unit.
        converted_col: 0/1 outcome column (bool, 0/1, or true/false/yes/no text).
        cost_col: per-unit cost in USD (``None`` for no cost analysis); use
            ``cost_acquisition_usd`` for the marketing-only cost per conversion.
        unsubscribed_col, complained_col: guardrail outcome columns, used when present
            (``None`` to skip).
        **options: passed to :func:`compare_arms` (alpha, methods, adjust, expected_weights,
            n_resamples, seed ...).

    Example:
        >>> df = pd.DataFrame({"arm": ["a", "a", "b", "b"], "converted": [1, 0, 1, 1],
        ...                    "cost_total_usd": [10.0, 5.0, 8.0, 9.0]})
        >>> r = compare(df, control="a")
        >>> r.comparisons.loc[0, "abs_lift"], r.arms["cost_per_conversion_usd"].tolist()
        (np.float64(0.5), [15.0, 8.5])
    """
    stats = arm_stats(
        df,
        arm_col=arm_col,
        converted_col=converted_col,
        cost_col=cost_col,
        unsubscribed_col=unsubscribed_col,
        complained_col=complained_col,
    )
    samples = None
    if cost_col and options.get("cpc_method") in BOOTSTRAP_METHODS:
        codes, labels = arm_codes(df[arm_col])
        converted = binary_column(df, converted_col)
        cost = cost_column(df, cost_col)
        order = np.argsort(codes, kind="stable")
        bounds = np.cumsum(np.bincount(codes, minlength=len(labels)))[:-1]
        samples = {
            label: (converted[idx], cost[idx])
            for label, idx in zip(labels, np.split(order, bounds), strict=True)
        }
    return compare_arms(stats, str(control), samples=samples, **options)


def arm_stats(
    df: pd.DataFrame,
    *,
    arm_col: str = "arm",
    converted_col: str = "converted",
    cost_col: str | None = "cost_total_usd",
    unsubscribed_col: str | None = "unsubscribed",
    complained_col: str | None = "complained",
) -> dict[str, ArmStats]:
    """Per-arm sufficient statistics of a per-unit DataFrame, with its columns checked.

    This is what to pool across replications or chunks (``pool`` or ``+``) before
    :func:`compare_arms`. Guardrail columns are used when present (``None`` to skip).

    Example:
        >>> df = pd.DataFrame({"arm": ["a", "b", "a"], "converted": [True, False, False]})
        >>> arm_stats(df, cost_col=None)["a"]
        ArmStats(n=2, conversions=1, cost_sum=nan, cost_sq_sum=nan, cost_conv_sum=nan, \
unsubscribes=None, complaints=None)
    """
    if not isinstance(df, pd.DataFrame):
        raise InputError("df", f"expected a pandas DataFrame, got {type(df).__name__}")
    needed = [arm_col, converted_col] + ([cost_col] if cost_col else [])
    require_columns(df, needed)
    arms = label_column(df, arm_col)
    converted = binary_column(df, converted_col)
    cost = cost_column(df, cost_col) if cost_col else None
    guards = {}
    for key, col in (("unsubscribed", unsubscribed_col), ("complained", complained_col)):
        if col and col in df.columns:
            guards[key] = binary_column(df, col)
    return group_arm_stats(arms, converted, cost, **guards)


# ----------------------------------------------------------------------------- helpers
def _ordered_arms(stats: Mapping[str, ArmStats], control: str) -> list[str]:
    arms = list(stats)
    if control not in stats:
        listed = ", ".join(map(str, arms)) or "(none)"
        raise InputError("control", f"{control!r} is not an arm; arms are: {listed}")
    if len(arms) < 2:
        raise InputError("arms", f"only one arm ({control!r}): need at least two to compare")
    for arm, value in stats.items():
        if not isinstance(value, ArmStats):
            raise InputError(f"stats[{arm!r}]", f"expected ArmStats, got {type(value).__name__}")
    return [control] + [a for a in arms if a != control]


def _streams(seed: Any, k: int) -> list[np.random.Generator]:
    if isinstance(seed, np.random.Generator):
        return list(seed.spawn(k))
    seq = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    return [np.random.default_rng(s) for s in seq.spawn(k)]


def _weights(weights: Mapping[str, float] | None, arms: list[str]) -> dict[str, float] | None:
    if weights is None:
        return None
    return {str(k): float(v) for k, v in weights.items()}


def _sums(per_arm: list[ArmStats]) -> Sums:
    return Sums(
        np.array([s.n for s in per_arm], dtype=float),
        np.array([s.conversions for s in per_arm], dtype=float),
        np.array([s.cost_sum for s in per_arm], dtype=float),
        np.array([s.cost_sq_sum for s in per_arm], dtype=float),
        np.array([s.cost_conv_sum for s in per_arm], dtype=float),
    )


def _pick(interval: Interval, i: int) -> Interval:
    """Element ``i`` of a vectorised interval, as scalars."""
    return Interval(
        float(np.asarray(interval.estimate)[i]),
        float(np.asarray(interval.lower)[i]),
        float(np.asarray(interval.upper)[i]),
        float(np.asarray(interval.p_value)[i]),
        interval.method,
        str(np.asarray(interval.note, dtype=object)[i]),
    )


def _join_notes(*parts: tuple[str, str]) -> str:
    seen: list[str] = []
    for label, text in parts:
        entry = f"{label}: {text}" if text else ""
        if entry and entry not in seen:
            seen.append(entry)
    return "; ".join(seen)


def _arms_table(arms, per_arm, rates, arm_cpc, method, has_cost) -> pd.DataFrame:
    rows = []
    for i, (arm, s) in enumerate(zip(arms, per_arm, strict=True)):
        rate = _pick(rates, i)
        cpc = arm_cpc[i]
        notes = _join_notes(("conversion_rate", rate.note), ("cost_per_conversion", cpc.note))
        rows.append(
            {
                "arm": arm,
                "n": s.n,
                "conversions": s.conversions,
                "conversion_rate": rate.estimate,
                "conversion_rate_ci_lower": rate.lower,
                "conversion_rate_ci_upper": rate.upper,
                "cost_usd": s.cost_sum,
                "cost_per_conversion_usd": cpc.estimate,
                "cost_per_conversion_ci_lower": cpc.lower,
                "cost_per_conversion_ci_upper": cpc.upper,
                "method": method,
                "note": notes,
            }
        )
    table = _frame(rows, ARM_COLUMNS)
    for count, metric in GUARDRAILS.items():
        values = [getattr(s, count) for s in per_arm]
        if all(v is not None for v in values):
            table[count] = values
            with np.errstate(divide="ignore", invalid="ignore"):
                table[metric] = np.array(values, dtype=float) / table["n"].to_numpy(float)
    return table


def _comparison_row(arm, control, s, rate, diff, ratio, cpc, cpc_ratio, cpc_diff, method, notes):
    return {
        "arm": arm,
        "control": control,
        "n": s.n,
        "conversions": s.conversions,
        "conversion_rate": rate.estimate,
        "conversion_rate_ci_lower": rate.lower,
        "conversion_rate_ci_upper": rate.upper,
        "abs_lift": diff.estimate,
        "abs_lift_ci_lower": diff.lower,
        "abs_lift_ci_upper": diff.upper,
        "rel_lift": ratio.estimate - 1.0,
        "rel_lift_ci_lower": ratio.lower - 1.0,
        "rel_lift_ci_upper": ratio.upper - 1.0,
        "cost_per_conversion_usd": cpc.estimate,
        "cost_per_conversion_ci_lower": cpc.lower,
        "cost_per_conversion_ci_upper": cpc.upper,
        "p_value": diff.p_value,
        "p_value_adjusted": math.nan,
        "method": method,
        "cost_per_conversion_ratio": cpc_ratio.estimate,
        "cost_per_conversion_ratio_ci_lower": cpc_ratio.lower,
        "cost_per_conversion_ratio_ci_upper": cpc_ratio.upper,
        "cost_per_conversion_diff_usd": cpc_diff.estimate,
        "cost_per_conversion_diff_ci_lower": cpc_diff.lower,
        "cost_per_conversion_diff_ci_upper": cpc_diff.upper,
        "note": notes,
    }


def _guardrails(arms, per_arm, alpha, rate_method, diff_method, ratio_method, adjust):
    rows = []
    for count, metric in GUARDRAILS.items():
        values = [getattr(s, count) for s in per_arm]
        if any(v is None for v in values):
            continue
        n = np.array([s.n for s in per_arm], dtype=float)
        e = np.array(values, dtype=float)
        rates = rate_interval(e, n, alpha=alpha, method=rate_method)
        treat = list(range(1, len(arms)))
        diff = diff_interval(e[treat], n[treat], e[0], n[0], alpha=alpha, method=diff_method)
        ratio = ratio_interval(e[treat], n[treat], e[0], n[0], alpha=alpha, method=ratio_method)
        block = []
        for j, i in enumerate(treat):
            rate, d, r = _pick(rates, i), _pick(diff, j), _pick(ratio, j)
            block.append(
                {
                    "metric": metric,
                    "arm": arms[i],
                    "control": arms[0],
                    "n": int(n[i]),
                    "events": int(e[i]),
                    "rate": rate.estimate,
                    "rate_ci_lower": rate.lower,
                    "rate_ci_upper": rate.upper,
                    "control_rate": _pick(rates, 0).estimate,
                    "abs_lift": d.estimate,
                    "abs_lift_ci_lower": d.lower,
                    "abs_lift_ci_upper": d.upper,
                    "rel_lift": r.estimate - 1.0,
                    "rel_lift_ci_lower": r.lower - 1.0,
                    "rel_lift_ci_upper": r.upper - 1.0,
                    "p_value": d.p_value,
                    "p_value_adjusted": math.nan,
                    "method": f"abs_lift={diff_method}; rel_lift={ratio_method}; adjust={adjust}",
                    "note": _join_notes(("abs_lift", d.note), ("rel_lift", r.note)),
                }
            )
        adjusted = adjust_p_values([row["p_value"] for row in block], adjust)
        for row, p in zip(block, adjusted, strict=True):
            row["p_value_adjusted"] = float(p)
        rows.extend(block)
    return _frame(rows, GUARDRAIL_COLUMNS)


def _frame(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(columns))


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: _plain(v) for k, v in row.items()} for row in df.to_dict(orient="records")]


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


# ----------------------------------------------------------------------------- markdown
def _markdown(result: Comparison) -> str:
    s = result.settings
    level = f"{100 * (1 - s.get('alpha', 0.05)):g}%"
    arms = result.arms.set_index("arm")
    cost_known = bool(np.isfinite(arms["cost_usd"].to_numpy(float)).all())
    header = ["arm", "n", "conversions", f"conversion rate [{level} CI]"]
    header += ["abs lift (pp)", "rel lift"]
    if cost_known:
        header.append("cost per conversion USD")
    header += ["p", f"p adj ({s.get('adjust', 'holm')})"]
    rows = []
    ctrl = arms.loc[result.control]
    first = [
        f"{result.control} (control)",
        str(int(ctrl["n"])),
        str(int(ctrl["conversions"])),
        fmt_interval(
            ctrl["conversion_rate"],
            ctrl["conversion_rate_ci_lower"],
            ctrl["conversion_rate_ci_upper"],
        ),
        "",
        "",
    ]
    if cost_known:
        first.append(_cpc_cell(ctrl))
    rows.append([*first, "", ""])
    for _, r in result.comparisons.iterrows():
        row = [
            str(r["arm"]),
            str(int(r["n"])),
            str(int(r["conversions"])),
            fmt_interval(
                r["conversion_rate"], r["conversion_rate_ci_lower"], r["conversion_rate_ci_upper"]
            ),
            _pp_interval(r["abs_lift"], r["abs_lift_ci_lower"], r["abs_lift_ci_upper"]),
            _percent_interval(r["rel_lift"], r["rel_lift_ci_lower"], r["rel_lift_ci_upper"]),
        ]
        if cost_known:
            row.append(_cpc_cell(r))
        row += [fmt_p(r["p_value"]), fmt_p(r["p_value_adjusted"])]
        rows.append(row)
    align = "lrrlll" + ("l" if cost_known else "") + "rr"
    parts = [
        f"Every arm versus the control {result.control!r} ({level} confidence intervals)",
        "",
        markdown_table(header, rows, align=align),
    ]
    if cost_known and len(result.comparisons):
        change = [
            [
                str(r["arm"]),
                _columns_interval(r, "cost_per_conversion_ratio", 4),
                _columns_interval(r, "cost_per_conversion_diff", 2),
            ]
            for _, r in result.comparisons.iterrows()
        ]
        parts += [
            "",
            "Cost per conversion versus the control",
            "",
            markdown_table(["arm", "ratio to control", "difference USD"], change),
        ]
    if len(result.guardrails):
        guard = [
            [
                str(r["metric"]),
                str(r["arm"]),
                fmt_interval(r["rate"], r["rate_ci_lower"], r["rate_ci_upper"]),
                fmt_number(r["control_rate"]),
                _pp_interval(r["abs_lift"], r["abs_lift_ci_lower"], r["abs_lift_ci_upper"], 3),
                fmt_p(r["p_value"]),
                fmt_p(r["p_value_adjusted"]),
            ]
            for _, r in result.guardrails.iterrows()
        ]
        parts += [
            "",
            "Guardrails",
            "",
            markdown_table(
                ["metric", "arm", "rate", "control rate", "abs lift (pp)", "p", "p adj"],
                guard,
                align="llllrrr",
            ),
        ]
    parts += ["", _methods_line(s)]
    if result.srm is not None:
        parts.append(_srm_line(result.srm))
    notes = [(r["arm"], r["note"]) for _, r in result.arms.iterrows() if r["note"]]
    notes += [(r["arm"], r["note"]) for _, r in result.comparisons.iterrows() if r["note"]]
    notes += [
        (f"{r['arm']} {r['metric']}", r["note"])
        for _, r in result.guardrails.iterrows()
        if r["note"]
    ]
    if notes:
        parts += ["", "Notes:"]
        seen = set()
        for who, text in notes:
            if (who, text) not in seen:
                seen.add((who, text))
                parts.append(f"- {who}: {text}")
    return "\n".join(parts) + "\n"


def _columns_interval(r: Any, stem: str, digits: int) -> str:
    est = r[f"{stem}_usd"] if f"{stem}_usd" in r.index else r[stem]
    return fmt_interval(est, r[f"{stem}_ci_lower"], r[f"{stem}_ci_upper"], digits)


def _cpc_cell(r: Any) -> str:
    return fmt_interval(
        r["cost_per_conversion_usd"],
        r["cost_per_conversion_ci_lower"],
        r["cost_per_conversion_ci_upper"],
        2,
    )


def _pp_interval(est: Any, lo: Any, up: Any, digits: int = 2) -> str:
    """A difference of two rates in percentage points, e.g. ``+11.69 [+5.46, +17.88]``.

    >>> _pp_interval(0.1169, 0.0546, 0.1788)
    '+11.69 [+5.46, +17.88]'
    """

    def pp(v: Any) -> str:
        if _nan(v):
            return "n/a"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return f"{100 * v:+.{digits}f}"

    if _nan(lo) and _nan(up):
        return pp(est)
    return f"{pp(est)} [{pp(lo)}, {pp(up)}]"


def _percent_interval(est: Any, lo: Any, up: Any) -> str:
    def pct(v: Any) -> str:
        if _nan(v):
            return "n/a"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return f"{100 * v:+.1f}%"

    if _nan(lo) and _nan(up):
        return pct(est)
    return f"{pct(est)} [{pct(lo)}, {pct(up)}]"


def _nan(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


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
