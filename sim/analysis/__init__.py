"""A/B analysis of outcome tables: conversion lift and cost per conversion with intervals.

Pure statistics on sufficient statistics (numpy, scipy, statsmodels, pandas); works on
simulated and real data alike and never imports the simulation. One comparison pipeline,
:func:`compare_arms`, takes ``{arm: ArmStats}`` (independent arms, the split design) or
``{arm: PairedStats}`` (arms paired unit by unit, the paired design); :func:`compare` is its
front for a per-lead DataFrame and refuses a paired table unless ``design`` is given.

Example:
    >>> import pandas as pd
    >>> from sim.analysis import compare
    >>> df = pd.DataFrame({"arm": ["a"] * 4 + ["b"] * 4,
    ...                    "converted": [1, 0, 0, 0, 1, 1, 0, 0],
    ...                    "cost_total_usd": [9.0, 4.0, 4.0, 4.0, 9.0, 9.0, 4.0, 4.0]})
    >>> result = compare(df, control="a")
    >>> result.comparisons[["arm", "abs_lift", "rel_lift"]].to_dict("records")
    [{'arm': 'b', 'abs_lift': 0.25, 'rel_lift': 1.0}]
"""

from sim.analysis.bootstrap import bootstrap_cpc
from sim.analysis.columns import (
    ARM_COLUMNS,
    EXTRA_COLUMNS,
    GUARDRAIL_COLUMNS,
    VOCABULARY,
    ci_columns,
    require_columns,
)
from sim.analysis.comparison import (
    Comparison,
    arm_stats,
    compare,
    compare_arms,
    paired_compare,
    paired_compare_arms,
    paired_stats,
)
from sim.analysis.cost import (
    CPC_METHODS,
    DEFAULT_CPC_METHOD,
    Sums,
    cost_per_conversion_difference,
    cost_per_conversion_interval,
    cost_per_conversion_ratio,
)
from sim.analysis.incidence import cumulative_incidence
from sim.analysis.interval import Interval, Test
from sim.analysis.markdown import markdown_table
from sim.analysis.multiple import ADJUST_METHODS, adjust_p_values
from sim.analysis.paired import PAIRED_DIFF_METHODS, paired_diff_interval, paired_ratio_interval
from sim.analysis.planning import Plan, plan_test, power_for_months
from sim.analysis.power import (
    minimum_detectable_effect,
    power_two_proportions,
    sample_size_two_proportions,
)
from sim.analysis.proportions import RATE_METHODS, rate_interval
from sim.analysis.replications import summarize_replications
from sim.analysis.sequential import Look, group_sequential_bounds, monitor
from sim.analysis.srm import SampleRatioCheck, SampleRatioMismatchWarning, sample_ratio_check
from sim.analysis.sufficient import ArmStats, PairedStats, design_of, group_arm_stats, pool
from sim.analysis.two_proportions import (
    DIFF_METHODS,
    RATIO_METHODS,
    diff_interval,
    diff_test,
    ratio_interval,
    ratio_test,
)

__all__ = [
    "ADJUST_METHODS",
    "ARM_COLUMNS",
    "CPC_METHODS",
    "DEFAULT_CPC_METHOD",
    "DIFF_METHODS",
    "EXTRA_COLUMNS",
    "GUARDRAIL_COLUMNS",
    "PAIRED_DIFF_METHODS",
    "RATE_METHODS",
    "RATIO_METHODS",
    "VOCABULARY",
    "ArmStats",
    "Comparison",
    "Interval",
    "Look",
    "PairedStats",
    "Plan",
    "SampleRatioCheck",
    "SampleRatioMismatchWarning",
    "Sums",
    "Test",
    "adjust_p_values",
    "arm_stats",
    "bootstrap_cpc",
    "ci_columns",
    "compare",
    "compare_arms",
    "cost_per_conversion_difference",
    "cost_per_conversion_interval",
    "cost_per_conversion_ratio",
    "cumulative_incidence",
    "design_of",
    "diff_interval",
    "diff_test",
    "group_arm_stats",
    "group_sequential_bounds",
    "markdown_table",
    "minimum_detectable_effect",
    "monitor",
    "paired_compare",
    "paired_compare_arms",
    "paired_diff_interval",
    "paired_ratio_interval",
    "paired_stats",
    "plan_test",
    "pool",
    "power_for_months",
    "power_two_proportions",
    "rate_interval",
    "ratio_interval",
    "ratio_test",
    "require_columns",
    "sample_ratio_check",
    "sample_size_two_proportions",
    "summarize_replications",
]
