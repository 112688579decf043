"""Every arm versus the control: the one comparison pipeline and its result object.

:func:`compare_arms` works on sufficient statistics (pooled across replications or CSV
chunks), whose type is the design: ``{arm: ArmStats}`` for independent (split) arms,
``{arm: PairedStats}`` for arms paired unit by unit with the control (common random numbers);
:mod:`sim.analysis.designs` holds what differs between the two. The rest is done once: the
checks, the arm table, the comparison rows, the guardrails (unsubscribe and complaint rates),
the multiple-comparison adjustment and the sample-ratio check (split only).

:func:`compare` is the DataFrame front for a per-lead table (columns as documented in
sim/world/records.py, or any CSV with an arm, a 0/1 outcome and optionally a cost column);
:func:`paired_compare` and :func:`paired_compare_arms` are the paired design by name. All
return a :class:`Comparison` whose tables use the project's flat vocabulary
(:data:`~sim.analysis.columns.VOCABULARY`).

Degenerate cells never raise: a rate of 0 or 1, an arm without conversions or without units
gives ``NaN`` where a number does not exist and the ``note`` column says why.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.columns import ARM_COLUMNS, EXTRA_COLUMNS, GUARDRAIL_COLUMNS, VOCABULARY
from sim.analysis.cost import BOOTSTRAP_METHODS, DEFAULT_CPC_METHOD
from sim.analysis.designs import Design, Paired, Split
from sim.analysis.frames import UNIT_COLUMNS, arm_stats, paired_stats, pairing_key, unit_samples
from sim.analysis.proportions import rate_interval
from sim.analysis.srm import SampleRatioCheck
from sim.analysis.sufficient import ArmStats, PairedStats, design_of
from sim.analysis.tables import arms_table, comparisons_table, guardrails_table
from sim.analysis.validation import check_method
from sim.errors import InputError

__all__ = [  # the column lists live in sim.analysis.columns; kept importable here
    "ARM_COLUMNS",
    "EXTRA_COLUMNS",
    "GUARDRAIL_COLUMNS",
    "VOCABULARY",
    "Comparison",
    "arm_stats",
    "compare",
    "compare_arms",
    "paired_compare",
    "paired_compare_arms",
    "paired_stats",
]

#: The designs :func:`compare` accepts (``None``: split, unless the table is paired).
DESIGNS: tuple[str, ...] = ("split", "paired")


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
        from sim.analysis.markdown import comparison_markdown

        return comparison_markdown(self)

    def _repr_markdown_(self) -> str:  # Jupyter
        return self.to_markdown()


def compare_arms(
    stats: Mapping[str, ArmStats] | Mapping[str, PairedStats],
    control: str,
    *,
    alpha: float = 0.05,
    rate_method: str = "wilson",
    diff_method: str | None = None,
    ratio_method: str | None = None,
    cpc_method: str = DEFAULT_CPC_METHOD,
    adjust: str = "holm",
    expected_weights: Mapping[str, float] | None = None,
    srm_threshold: float = 0.001,
    samples: Mapping[str, tuple[Any, Any]] | None = None,
    n_resamples: int = 2000,
    seed: Any = 0,
) -> Comparison:
    """Compare every arm with the control from sufficient statistics, split or paired.

    Args:
        stats: ``{arm: ArmStats}`` for independent arms (split design; order is kept, the
            control listed first in the output), or ``{arm: PairedStats}`` for each non-control
            arm paired with the control (paired design; pooled across replications by ``+``;
            every arm paired with the same control units).
        control: name of the control arm.
        alpha: 1 - confidence level of every interval.
        rate_method: interval for each arm's conversion rate (:data:`RATE_METHODS`).
        diff_method: interval and test for the absolute lift: split :data:`DIFF_METHODS`
            (default ``newcombe``), paired :data:`PAIRED_DIFF_METHODS` (default ``tango``).
        ratio_method: interval for the relative lift = ratio - 1: split
            :data:`RATIO_METHODS` (default ``koopman``), paired ``delta-log`` only.
        cpc_method: interval for cost per conversion and its change (:data:`CPC_METHODS`);
            bootstrap methods need ``samples`` and the split design.
        adjust: multiple-comparison adjustment of the p-values across arms
            (:data:`ADJUST_METHODS`: ``holm``, ``bh``, ``bonferroni``, ``none``).
        expected_weights: allocation weights for the sample-ratio check (equal if ``None``;
            split design only: paired arms share their units).
        srm_threshold: p-value below which the sample-ratio check flags a mismatch (and warns).
        samples: per-unit ``(converted, cost)`` arrays per arm, for bootstrap methods.
        n_resamples: bootstrap resamples.
        seed: seed (or Generator) for the bootstrap; fixed by default for reproducible output.

    Returns:
        :class:`Comparison`; ``srm`` is ``None`` in the paired design.

    Example:
        >>> stats = {"control": ArmStats(300, 60), "nurture": ArmStats(300, 90)}
        >>> result = compare_arms(stats, "control")
        >>> row = result.comparisons.iloc[0]
        >>> row["arm"], round(float(row["abs_lift"]), 2), round(float(row["abs_lift_ci_lower"]), 4)
        ('nurture', 0.1, 0.0307)
        >>> round(float(row["rel_lift"]), 2), bool(row["p_value"] < 0.05)
        (0.5, True)
    """
    kind = Paired if design_of(stats) == "paired" else Split
    m = kind.methods(alpha, rate_method, diff_method, ratio_method, cpc_method, adjust)
    if kind is Paired:
        design: Design = Paired(stats, control, m)
    else:
        design = Split(stats, control, m, samples=samples, n_resamples=n_resamples, seed=seed)
    rates = rate_interval(design.events("conversions"), design.sizes(), alpha=alpha, method=m.rate)
    arm_cpc, ratios, diffs = design.costs()
    method = design.method_label(m)
    settings = m.settings(design.name)
    if getattr(design, "bootstrap", False):
        settings["n_resamples"] = n_resamples
    return Comparison(
        arms_table(design, rates, arm_cpc, method),
        comparisons_table(design, rates, arm_cpc, ratios, diffs, method),
        guardrails_table(design),
        design.srm(expected_weights, srm_threshold),
        control,
        settings,
    )


def paired_compare_arms(
    pairs: Mapping[str, PairedStats], control: str, **options: Any
) -> Comparison:
    """:func:`compare_arms` for the paired design, refusing anything but ``PairedStats``.

    Args:
        pairs: ``{arm: PairedStats}`` for each non-control arm against the control.
        control: name of the control arm.
        **options: as :func:`compare_arms` (alpha, rate_method, diff_method, cpc_method,
            adjust).
    """
    if not pairs:
        raise InputError("pairs", "no arm to compare with the control")
    for arm, value in pairs.items():
        if not isinstance(value, PairedStats):
            raise InputError(f"pairs[{arm!r}]", f"expected PairedStats, got {type(value).__name__}")
    return compare_arms(pairs, control, **options)


def compare(
    df: pd.DataFrame,
    *,
    control: str,
    design: str | None = None,
    unit_col: str | Sequence[str] | None = None,
    arm_col: str = "arm",
    converted_col: str = "converted",
    cost_col: str | None = "cost_total_usd",
    unsubscribed_col: str | None = "unsubscribed",
    complained_col: str | None = "complained",
    **options: Any,
) -> Comparison:
    """Compare every arm with the control from a per-unit (per-lead) DataFrame.

    A paired table (the same units under several arms, as a paired experiment's per-lead
    table: the same ``lead_id``, within its ``replication`` when there is one) is never
    analysed as independent arms by accident, which would give honest but about twice too
    wide intervals: like statsmodels, which keeps paired and independent-samples tests apart,
    the design is then yours to name, and without ``design`` such a table is refused with one
    line saying so. A table whose units each belong to one arm is a split design.

    Args:
        df: one row per unit (per unit and arm in a paired design).
        control: name of the control arm (compared as text with the arm labels).
        arm_col: column with the arm of each unit.
        converted_col: 0/1 outcome column (bool, 0/1, or true/false/yes/no text).
        cost_col: per-unit cost in USD (``None`` for no cost analysis); use
            ``cost_acquisition_usd`` for the marketing-only cost per conversion.
        unsubscribed_col, complained_col: guardrail outcome columns, used when present
            (``None`` to skip).
        design: ``"split"`` (independent arms), ``"paired"`` (units paired across arms by
            ``unit_col``: :func:`paired_compare`), or ``None``: split, refused for a paired
            table.
        unit_col: column(s) identifying a unit across arms (default ``lead_id``, with
            ``replication`` when the table has it).
        **options: passed to :func:`compare_arms` (alpha, methods, adjust, expected_weights,
            n_resamples, seed ...).

    Raises:
        InputError: a bad column or value, or a paired table without ``design``.

    Example:
        >>> df = pd.DataFrame({"arm": ["a", "a", "b", "b"], "converted": [1, 0, 1, 1],
        ...                    "cost_total_usd": [10.0, 5.0, 8.0, 9.0]})
        >>> r = compare(df, control="a")
        >>> r.comparisons.loc[0, "abs_lift"], r.arms["cost_per_conversion_usd"].tolist()
        (np.float64(0.5), [15.0, 8.5])
        >>> paired = pd.DataFrame({"lead_id": [0, 1, 0, 1], "arm": list("aabb"),
        ...                        "converted": [0, 0, 1, 0]})
        >>> compare(paired, control="a", cost_col=None)
        Traceback (most recent call last):
        ...
        sim.errors.InputError: design: the table is paired (the same 'lead_id' under several \
arms): pass design='paired' for the paired analysis, or design='split' to compare the arms as \
independent samples
        >>> compare(paired, control="a", cost_col=None, design="paired").settings["design"]
        'paired'
    """
    design = _design(df, design, arm_col, unit_col)
    columns = {
        "arm_col": arm_col,
        "converted_col": converted_col,
        "cost_col": cost_col,
        "unsubscribed_col": unsubscribed_col,
        "complained_col": complained_col,
    }
    if design == "paired":
        units = unit_col or [c for c in UNIT_COLUMNS if c in df.columns] or "lead_id"
        pairs = paired_stats(df, control=control, unit_col=units, **columns)
        return compare_arms(pairs, str(control), **options)
    stats = arm_stats(df, **columns)
    samples = None
    if cost_col and options.get("cpc_method") in BOOTSTRAP_METHODS:
        samples = unit_samples(df, arm_col, converted_col, cost_col)
    return compare_arms(stats, str(control), samples=samples, **options)


def paired_compare(
    df: pd.DataFrame, *, control: str, unit_col: str | Sequence[str] = "lead_id", **options: Any
) -> Comparison:
    """Paired comparison from a per-lead table where every arm has the same units.

    Args:
        df: one row per unit and arm.
        control: name of the control arm.
        unit_col: column(s) identifying a unit across arms, e.g. ``"lead_id"``, or
            ``["replication", "lead_id"]`` for a table pooling several replications.
        **options: the columns (``arm_col``, ``converted_col``, ``cost_col``,
            ``unsubscribed_col``, ``complained_col``) as in :func:`compare`, and the options
            of :func:`compare_arms`.

    Raises:
        InputError: a unit appears twice in an arm, or the arms do not have the same units.

    Example:
        >>> df = pd.DataFrame({"lead_id": [0, 1, 2, 0, 1, 2], "arm": list("aaabbb"),
        ...                    "converted": [1, 0, 0, 1, 1, 0]})
        >>> r = paired_compare(df, control="a", cost_col=None)
        >>> round(float(r.comparisons.loc[0, "abs_lift"]), 4)
        0.3333
    """
    return compare(df, control=control, design="paired", unit_col=unit_col, **options)


def _design(df: pd.DataFrame, design: str | None, arm_col: str, unit_col: Any) -> str:
    """The design named, or split for a table that does not pair units across arms."""
    if design is not None:
        return check_method("design", design, DESIGNS)
    key = pairing_key(df, arm_col, unit_col)
    if key is not None:
        raise InputError(
            "design",
            f"the table is paired (the same {'/'.join(key)!r} under several arms): pass "
            "design='paired' for the paired analysis, or design='split' to compare the arms "
            "as independent samples",
        )
    return "split"


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: _plain(v) for k, v in row.items()} for row in df.to_dict(orient="records")]


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
