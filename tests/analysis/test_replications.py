"""Across-replication summaries."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.analysis.replications import metric_summary as summarize_replications
from sim.errors import InputError


def per_replication(seed: int = 0, reps: int = 12) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for r in range(reps):
        shared = rng.normal(0, 0.02)  # replications pair arms: a shared shock per replication
        for arm, rate in (("control", 0.20), ("nurture", 0.25)):
            rows.append(
                {
                    "arm": arm,
                    "replication": r,
                    "conversion_rate": rate + shared + rng.normal(0, 0.005),
                    "cost_per_conversion_usd": 300 + rng.normal(0, 20),
                }
            )
    return pd.DataFrame(rows)


def test_t_interval_matches_scipy():
    df = per_replication()
    s = summarize_replications(df)
    row = s[(s.arm == "nurture") & (s.metric == "conversion_rate")].iloc[0]
    values = df[df.arm == "nurture"].conversion_rate
    lo, hi = stats.t.interval(0.95, len(values) - 1, loc=values.mean(), scale=stats.sem(values))
    assert row["replications"] == 12
    np.testing.assert_allclose(
        [row["mean"], row["ci_lower"], row["ci_upper"]], [values.mean(), lo, hi]
    )
    assert set(s.metric) == {"conversion_rate", "cost_per_conversion_usd"}


def test_difference_from_control_is_taken_within_replications():
    df = per_replication(1)
    s = summarize_replications(df, control="control", metrics=["conversion_rate"])
    row = s[s.arm == "nurture"].iloc[0]
    wide = df.pivot(index="replication", columns="arm", values="conversion_rate")
    diff = wide["nurture"] - wide["control"]
    lo, hi = stats.t.interval(0.95, len(diff) - 1, loc=diff.mean(), scale=stats.sem(diff))
    np.testing.assert_allclose(
        [row["diff_vs_control"], row["diff_ci_lower"], row["diff_ci_upper"]], [diff.mean(), lo, hi]
    )
    # the shared shock cancels: the paired difference is far tighter than the arm's own interval
    assert row["diff_ci_upper"] - row["diff_ci_lower"] < 0.5 * (row["ci_upper"] - row["ci_lower"])
    assert np.isnan(s[s.arm == "control"].iloc[0]["diff_vs_control"])


def test_one_replication_and_missing_values_say_so():
    df = per_replication(2, reps=1)
    s = summarize_replications(df)
    assert s["ci_lower"].isna().all() and s["note"].str.contains("one replication").all()
    df = per_replication(3, reps=4)
    df.loc[0, "conversion_rate"] = np.nan
    s = summarize_replications(df, metrics=["conversion_rate"])
    assert s.iloc[0]["replications"] == 3 and "1 replications without a value" in s.iloc[0]["note"]


def test_errors():
    df = per_replication(4)
    with pytest.raises(InputError, match="twice"):
        summarize_replications(pd.concat([df, df.iloc[:1]]))
    with pytest.raises(InputError, match="missing column 'rep'"):
        summarize_replications(df, replication_col="rep")
    with pytest.raises(InputError, match="not an arm"):
        summarize_replications(df, control="x")
