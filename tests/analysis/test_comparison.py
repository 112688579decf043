"""The comparison table: vocabulary, agreement with the interval functions, degenerate arms."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats import proportion as smp
from statsmodels.stats.multitest import multipletests

from sim.analysis import (
    ARM_COLUMNS,
    EXTRA_COLUMNS,
    GUARDRAIL_COLUMNS,
    VOCABULARY,
    ArmStats,
    SampleRatioMismatchWarning,
    compare,
    compare_arms,
    cost_per_conversion_interval,
    cost_per_conversion_ratio,
    diff_interval,
    group_arm_stats,
    ratio_interval,
)
from sim.errors import InputError

DESIGN_VOCABULARY = (
    "arm, control, n, conversions, conversion_rate, conversion_rate_ci_lower, "
    "conversion_rate_ci_upper, abs_lift, abs_lift_ci_lower, abs_lift_ci_upper, rel_lift, "
    "rel_lift_ci_lower, rel_lift_ci_upper, cost_per_conversion_usd, cost_per_conversion_ci_lower, "
    "cost_per_conversion_ci_upper, p_value, p_value_adjusted, method"
)


def leads(seed: int = 0, n: int = 4000, rates=None) -> pd.DataFrame:
    """A per-lead table with the world's column names."""
    rates = rates or {"control": 0.20, "nurture": 0.26, "blast": 0.19, "call": 0.22}
    rng = np.random.default_rng(seed)
    arm = rng.choice(list(rates), n)
    p = np.array([rates[a] for a in arm])
    converted = rng.random(n) < p
    acquisition = np.full(n, 40.0)
    cost = acquisition + rng.exponential(20, n) + converted * 30
    return pd.DataFrame(
        {
            "lead_id": np.arange(n),
            "arm": arm,
            "converted": converted,
            "cost_acquisition_usd": acquisition,
            "cost_total_usd": cost,
            "unsubscribed": rng.random(n) < 0.04,
            "complained": rng.random(n) < 0.01,
        }
    )


def test_columns_follow_the_design_vocabulary():
    result = compare(leads(), control="control")
    assert tuple(DESIGN_VOCABULARY.split(", ")) == VOCABULARY
    assert list(result.comparisons.columns) == list(VOCABULARY + EXTRA_COLUMNS)
    assert list(result.arms.columns[: len(ARM_COLUMNS)]) == list(ARM_COLUMNS)
    assert {"unsubscribe_rate", "complaint_rate"} <= set(result.arms.columns)
    assert list(result.guardrails.columns) == list(GUARDRAIL_COLUMNS)
    assert result.arms["arm"].tolist()[0] == "control"
    others = [a for a in pd.unique(leads()["arm"]) if a != "control"]
    assert result.comparisons["arm"].tolist() == others  # order of first appearance
    assert (result.comparisons["control"] == "control").all()
    pd.testing.assert_frame_equal(result.to_pandas(), result.comparisons)


def test_numbers_are_those_of_the_interval_functions():
    df = leads(1)
    result = compare(df, control="control", diff_method="mee", ratio_method="katz")
    stats = group_arm_stats(df["arm"], df["converted"], df["cost_total_usd"])
    c = stats["control"]
    for _, row in result.comparisons.iterrows():
        t = stats[row["arm"]]
        d = diff_interval(t.conversions, t.n, c.conversions, c.n, method="mee")
        r = ratio_interval(t.conversions, t.n, c.conversions, c.n, method="katz")
        cpc = cost_per_conversion_interval(t)
        change = cost_per_conversion_ratio(t, c)
        assert row["n"] == t.n and row["conversions"] == t.conversions
        assert row["conversion_rate"] == pytest.approx(t.conversion_rate)
        assert (row["abs_lift_ci_lower"], row["abs_lift_ci_upper"]) == (d.lower, d.upper)
        assert row["p_value"] == d.p_value
        assert row["rel_lift"] == pytest.approx(r.estimate - 1)
        assert row["rel_lift_ci_upper"] == pytest.approx(r.upper - 1)
        assert row["cost_per_conversion_ci_lower"] == pytest.approx(cpc.lower)
        assert row["cost_per_conversion_ratio_ci_upper"] == pytest.approx(change.upper)
        assert "abs_lift=mee" in row["method"] and "rel_lift=katz" in row["method"]


@pytest.mark.parametrize(("adjust", "sm"), [("holm", "holm"), ("bh", "fdr_bh")])
def test_p_values_are_adjusted_across_arms(adjust, sm):
    result = compare(leads(2), control="control", adjust=adjust)
    p = result.comparisons["p_value"].to_numpy()
    np.testing.assert_allclose(
        result.comparisons["p_value_adjusted"], multipletests(p, method=sm)[1]
    )


def test_sample_ratio_mismatch_warns_and_flags():
    stats = {"control": ArmStats(5000, 1000), "treat": ArmStats(5400, 1100)}
    with pytest.warns(SampleRatioMismatchWarning, match="sample ratio mismatch"):
        result = compare_arms(stats, "control")
    assert result.srm_mismatch and result.to_dict()["srm"]["mismatch"] is True
    assert "Warning: sample ratio mismatch" in result.to_markdown()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        weighted = compare_arms(stats, "control", expected_weights={"control": 50, "treat": 54})
    assert not weighted.srm_mismatch


def test_guardrails_are_compared_like_conversions():
    df = leads(3)
    result = compare(df, control="control")
    g = result.guardrails
    assert sorted(g["metric"].unique()) == ["complaint_rate", "unsubscribe_rate"]
    row = g[(g.metric == "unsubscribe_rate") & (g.arm == "nurture")].iloc[0]
    t = df[df.arm == "nurture"]
    c = df[df.arm == "control"]
    d = diff_interval(t.unsubscribed.sum(), len(t), c.unsubscribed.sum(), len(c))
    assert (row["abs_lift_ci_lower"], row["abs_lift_ci_upper"]) == (d.lower, d.upper)
    assert row["events"] == t.unsubscribed.sum()
    block = g[g.metric == "unsubscribe_rate"]
    np.testing.assert_allclose(
        block["p_value_adjusted"], multipletests(block["p_value"], method="holm")[1]
    )
    no_guard = compare(df.drop(columns=["unsubscribed", "complained"]), control="control")
    assert no_guard.guardrails.empty and "unsubscribe_rate" not in no_guard.arms


def test_json_is_strict_with_nan_as_null():
    stats = {
        "control": ArmStats(100, 0, 1000.0, 20000.0, 0.0),
        "treat": ArmStats(100, 5, 1100.0, 23000.0, 300.0),
    }
    result = compare_arms(stats, "control")
    text = result.to_json()
    data = json.loads(text)
    assert set(data) >= {"arms", "comparisons"}
    assert len(data["arms"]) == 2 and len(data["comparisons"]) == 1
    row = data["comparisons"][0]
    assert row["rel_lift"] is None  # infinite: the control has no conversions
    assert row["cost_per_conversion_ratio"] is None and row["note"]
    assert set(row) == set(VOCABULARY + EXTRA_COLUMNS)
    assert "NaN" not in text and "Infinity" not in text


DEGENERATE = {
    "control": ArmStats(200, 40, 9000.0, 500000.0, 2400.0),
    "none": ArmStats(200, 0, 8000.0, 400000.0, 0.0),
    "all": ArmStats(200, 200, 12000.0, 800000.0, 12000.0),
    "empty": ArmStats(0, 0, 0.0, 0.0, 0.0),
    "one": ArmStats(1, 1, 50.0, 2500.0, 50.0),
}


@pytest.mark.parametrize("cpc_method", ["delta-log", "delta", "fieller"])
@pytest.mark.parametrize("diff_method", ["newcombe", "miettinen-nurminen", "wald", "agresti-caffo"])
def test_degenerate_arms_never_raise(diff_method, cpc_method):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SampleRatioMismatchWarning)  # the empty arm is one
        warnings.simplefilter("error", RuntimeWarning)
        result = compare_arms(DEGENERATE, "control", diff_method=diff_method, cpc_method=cpc_method)
    rows = result.comparisons.set_index("arm")
    assert np.isfinite(rows.loc["none", ["abs_lift_ci_lower", "abs_lift_ci_upper"]]).all()
    assert np.isfinite(rows.loc["all", ["abs_lift_ci_lower", "abs_lift_ci_upper"]]).all()
    assert np.isnan(rows.loc["none", "cost_per_conversion_usd"])
    assert "no conversions" in rows.loc["none", "note"]
    assert np.isnan(rows.loc["empty", ["abs_lift", "p_value", "rel_lift"]].astype(float)).all()
    assert "empty arm" in rows.loc["empty", "note"]
    assert "one unit" in rows.loc["one", "note"]
    # every NaN in a comparison row comes with a note
    numeric = rows[list(VOCABULARY[2:-1])].astype(float)
    for arm in rows.index:
        if numeric.loc[arm].isna().any():
            assert rows.loc[arm, "note"], arm
    assert result.to_markdown()
    json.dumps(result.to_dict(), allow_nan=False)


def test_tables_statsmodels_raises_on_give_answers_here():
    # statsmodels' score interval for the difference raises on 0/10 vs 0/10 (and its log ratio
    # divides by zero); the comparison returns finite intervals or NaN with a reason instead.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with pytest.raises(ValueError):
            smp.confint_proportions_2indep(0, 10, 0, 10, method="score")
        with pytest.raises(ZeroDivisionError):
            smp.confint_proportions_2indep(10, 10, 0, 10, method="log", compare="ratio")
    stats = {"control": ArmStats(10, 0), "a": ArmStats(10, 0), "b": ArmStats(10, 10)}
    result = compare_arms(stats, "control", diff_method="miettinen-nurminen", ratio_method="katz")
    rows = result.comparisons.set_index("arm")
    assert np.isfinite(rows.loc["a", ["abs_lift_ci_lower", "abs_lift_ci_upper"]]).all()
    assert rows.loc["a", "p_value"] == 1.0
    assert "ratio undefined" in rows.loc["a", "note"]
    assert "katz undefined" in rows.loc["b", "note"]


def test_dataframe_front_equals_sufficient_statistics_front():
    df = leads(4)
    a = compare(df, control="control")
    stats = group_arm_stats(
        df["arm"],
        df["converted"],
        df["cost_total_usd"],
        unsubscribed=df["unsubscribed"],
        complained=df["complained"],
    )
    b = compare_arms(stats, "control")
    pd.testing.assert_frame_equal(a.comparisons, b.comparisons)
    pd.testing.assert_frame_equal(a.arms, b.arms)


def test_marketing_cost_per_conversion_uses_the_acquisition_column():
    df = leads(5)
    result = compare(df, control="control", cost_col="cost_acquisition_usd")
    control = df[df.arm == "control"]
    expected = control.cost_acquisition_usd.sum() / control.converted.sum()
    assert result.arms.loc[0, "cost_per_conversion_usd"] == pytest.approx(expected)


def test_bootstrap_through_the_dataframe_front_is_seeded():
    df = leads(6, n=1200)
    a = compare(df, control="control", cpc_method="bootstrap-bca", n_resamples=500, seed=3)
    b = compare(df, control="control", cpc_method="bootstrap-bca", n_resamples=500, seed=3)
    pd.testing.assert_frame_equal(a.comparisons, b.comparisons)
    low = a.comparisons["cost_per_conversion_ratio_ci_lower"]
    assert np.isfinite(low).all()
    assert (low < a.comparisons["cost_per_conversion_ratio"]).all()
    with pytest.raises(InputError, match="per-unit data"):
        compare_arms(
            group_arm_stats(df.arm, df.converted, df.cost_total_usd),
            "control",
            cpc_method="bootstrap-percentile",
        )


def test_without_costs_the_cost_columns_are_nan_with_a_note():
    result = compare(leads(7), control="control", cost_col=None)
    assert result.comparisons["cost_per_conversion_usd"].isna().all()
    assert result.comparisons["note"].str.contains("no cost data").all()
    assert "cost per conversion USD" not in result.to_markdown()


def test_markdown_shows_control_arms_methods_and_srm():
    text = compare(leads(8), control="control").to_markdown()
    assert "| control (control) |" in text and "| nurture" in text
    assert "Methods (split design): conversion rate wilson; abs lift newcombe" in text
    assert "Sample ratio check: arm sizes match" in text
    assert "Guardrails" in text and "Cost per conversion versus the control" in text


def test_integer_arm_labels_compare_as_text():
    df = pd.DataFrame({"arm": [1, 1, 2, 2], "converted": [1, 0, 1, 1]})
    result = compare(df, control=1, cost_col=None)
    assert result.comparisons["arm"].tolist() == ["2"] and result.control == "1"


def test_input_errors_name_the_problem():
    df = leads(9, n=50)
    with pytest.raises(InputError, match=r"missing column 'won'; available columns: lead_id, arm"):
        compare(df, control="control", converted_col="won")
    bad = df.assign(converted=df.converted.astype(int))
    bad.loc[7, "converted"] = 2
    with pytest.raises(InputError, match=r"row 7, column 'converted'.*2 is not allowed: use 0/1"):
        compare(bad, control="control")
    neg = df.copy()
    neg.loc[3, "cost_total_usd"] = -1.0
    with pytest.raises(InputError, match=r"row 3.*-1.0 is not allowed.*>= 0"):
        compare(neg, control="control")
    with pytest.raises(InputError, match=r"'nope' is not an arm; arms are: .*control"):
        compare(df, control="nope")
    with pytest.raises(InputError, match="only one arm"):
        compare_arms({"control": ArmStats(10, 1)}, "control")
    with pytest.raises(InputError, match="diff_method"):
        compare(df, control="control", diff_method="fisher")
