"""Paired (common random numbers) analysis: Tango's interval, pairing covariance, alignment."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, stats

from sim.analysis import (
    ArmStats,
    PairedStats,
    compare,
    paired_compare,
    paired_compare_arms,
    paired_diff_interval,
)
from sim.analysis.paired import paired_cost_per_conversion, paired_ratio_interval, tango_z
from sim.errors import InputError

Z = 1.959963984540054


def crn_leads(seed: int = 0, n: int = 3000, flip: float = 0.04, arms=("control", "nurture")):
    """Per-lead outcomes where each arm mostly repeats the control's outcome (strong pairing)."""
    rng = np.random.default_rng(seed)
    base = rng.random(n) < 0.2
    base_cost = 40 + rng.exponential(20, n)
    frames = []
    for k, arm in enumerate(arms):
        converted = base.copy()
        if k:
            up = rng.random(n) < flip
            down = rng.random(n) < flip / 2
            converted = (converted | up) & ~down
        cost = base_cost + converted * 30 + k * rng.exponential(3, n)
        frames.append(
            pd.DataFrame(
                {
                    "lead_id": np.arange(n),
                    "arm": arm,
                    "converted": converted,
                    "cost_total_usd": cost,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def test_paired_stats_cells_and_margins():
    yt = np.array([1, 1, 0, 0, 1])
    yc = np.array([1, 0, 1, 0, 0])
    ct = np.array([5.0, 6.0, 7.0, 8.0, 9.0])
    cc = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    s = PairedStats.from_arrays(yt, yc, ct, cc)
    assert (s.both, s.only_treatment, s.only_control, s.neither) == (1, 2, 1, 1)
    assert s.treatment_stats() == ArmStats.from_arrays(yt, ct)
    assert s.control_stats() == ArmStats.from_arrays(yc, cc)
    double = s + s
    assert double.n == 10 and double.both == 2 and sum([s, s]) == double


def _tango_brute_force(b, c, n, alpha=0.05):
    """Score interval by numerically maximising the restricted multinomial likelihood."""

    def stat(delta):
        def negloglik(q):  # q = P(control only); P(treatment only) = q + delta
            p12, p21 = q + delta, q
            return -(b * np.log(p12) + c * np.log(p21) + (n - b - c) * np.log(1 - p12 - p21))

        lo = max(0.0, -delta) + 1e-12
        hi = (1 - delta) / 2 - 1e-12
        q = optimize.minimize_scalar(
            negloglik, bounds=(lo, hi), method="bounded", options={"xatol": 1e-14}
        ).x
        return (b - c - n * delta) / np.sqrt(n * (2 * q + delta * (1 - delta)))

    d = (b - c) / n
    lower = optimize.brentq(lambda t: stat(t) - Z, -1 + 1e-9, d, xtol=1e-13)
    upper = optimize.brentq(lambda t: stat(t) + Z, d, 1 - 1e-9, xtol=1e-13)
    return lower, upper


@pytest.mark.parametrize(
    ("b", "c", "n"), [(40, 20, 160), (5, 1, 50), (1, 7, 21), (12, 12, 300), (0, 4, 90)]
)
def test_tango_interval_matches_a_brute_force_restricted_mle(b, c, n):
    r = paired_diff_interval(0, b, c, n)
    np.testing.assert_allclose([r.lower, r.upper], _tango_brute_force(b, c, n), atol=1e-6)


def test_tango_test_at_zero_is_mcnemar():
    for b, c in [(40, 20), (3, 9), (15, 15)]:
        assert float(tango_z(np.array([b]), np.array([c]), np.array([500.0]), 0.0)[0]) == (
            pytest.approx((b - c) / np.sqrt(b + c))
        )


def test_paired_t_matches_scipy_on_per_unit_differences():
    rng = np.random.default_rng(3)
    yt = rng.random(400) < 0.3
    yc = rng.random(400) < 0.25
    d = yt.astype(float) - yc
    s = PairedStats.from_arrays(yt, yc)
    r = paired_diff_interval(s.both, s.only_treatment, s.only_control, s.n, method="paired-t")
    ref = stats.ttest_rel(yt.astype(float), yc.astype(float))
    assert r.p_value == pytest.approx(ref.pvalue, rel=1e-10)
    lo, hi = stats.t.interval(0.95, d.size - 1, loc=d.mean(), scale=stats.sem(d))
    np.testing.assert_allclose([r.lower, r.upper], [lo, hi], rtol=1e-10)


def test_no_discordant_pairs_keep_a_finite_interval():
    r = paired_diff_interval(30, 0, 0, 100)
    bound = Z**2 / (100 + Z**2)  # Tango's bound with b = c = 0
    np.testing.assert_allclose([r.lower, r.upper], [-bound, bound], rtol=1e-9)
    assert r.p_value == 1.0 and "no discordant pairs" in r.note
    for method in ("paired-t", "wald"):
        w = paired_diff_interval(30, 0, 0, 100, method=method)
        assert w.lower == w.upper == 0.0 and np.isnan(w.p_value) and "use tango" in w.note


def test_paired_ratio_uses_the_pairing_variance():
    r = paired_ratio_interval(10, 40, 20, 160)
    se = np.sqrt(60 / (50 * 30))
    np.testing.assert_allclose([r.lower, r.upper], 50 / 30 * np.exp([-Z * se, Z * se]))


def test_paired_cost_per_conversion_ratio_uses_the_full_covariance():
    df = crn_leads(4)
    t = df[df.arm == "nurture"].sort_values("lead_id")
    c = df[df.arm == "control"].sort_values("lead_id")
    u = np.stack([t.cost_total_usd, t.converted, c.cost_total_usd, c.converted]).astype(float)
    mean = u.mean(axis=1)
    cov = np.cov(u, ddof=1) / u.shape[1]
    g = np.array([1 / mean[0], -1 / mean[1], -1 / mean[2], 1 / mean[3]])
    theta = (mean[0] / mean[1]) / (mean[2] / mean[3])
    se = np.sqrt(g @ cov @ g)
    s = PairedStats.from_arrays(u[1], u[3], u[0], u[2])
    r = paired_cost_per_conversion(s, kind="ratio", method="delta-log")
    assert r.estimate == pytest.approx(theta)
    np.testing.assert_allclose([r.lower, r.upper], theta * np.exp([-Z * se, Z * se]), rtol=1e-9)


def test_paired_delta_log_difference_is_mover_with_the_pairing_correlation():
    # Zou (2008): each arm's log-scale interval, combined with the correlation of the two
    # costs per conversion (delta method on the full 4x4 covariance).
    df = crn_leads(4)
    t = df[df.arm == "nurture"].sort_values("lead_id")
    c = df[df.arm == "control"].sort_values("lead_id")
    u = np.stack([t.cost_total_usd, t.converted, c.cost_total_usd, c.converted]).astype(float)
    mean = u.mean(axis=1)
    cov = np.cov(u, ddof=1) / u.shape[1]
    gt = np.array([1 / mean[1], -mean[0] / mean[1] ** 2, 0, 0])
    gc = np.array([0, 0, 1 / mean[3], -mean[2] / mean[3] ** 2])
    r_tc = (gt @ cov @ gc) / np.sqrt((gt @ cov @ gt) * (gc @ cov @ gc))
    assert r_tc > 0.3  # common random numbers: the arms' estimates move together

    def arm(i):
        theta = mean[i] / mean[i + 1]
        g = np.array([1 / mean[i], -1 / mean[i + 1]])
        se = np.sqrt(g @ cov[i : i + 2, i : i + 2] @ g)
        return theta, theta * np.exp(-Z * se), theta * np.exp(Z * se)

    (et, lt, ut), (ec, lc, uc) = arm(0), arm(2)
    lower = et - ec - np.sqrt((et - lt) ** 2 + (uc - ec) ** 2 - 2 * r_tc * (et - lt) * (uc - ec))
    upper = et - ec + np.sqrt((ut - et) ** 2 + (ec - lc) ** 2 - 2 * r_tc * (ut - et) * (ec - lc))
    s = PairedStats.from_arrays(u[1], u[3], u[0], u[2])
    r = paired_cost_per_conversion(s, kind="difference", method="delta-log")
    assert r.estimate == pytest.approx(et - ec)
    np.testing.assert_allclose([r.lower, r.upper], [lower, upper], rtol=1e-9)
    # The pairing narrows it: the same arms taken as independent (r = 0) give a wider interval.
    assert upper - lower < (
        np.sqrt((et - lt) ** 2 + (uc - ec) ** 2) + np.sqrt((ut - et) ** 2 + (ec - lc) ** 2)
    )


def test_pairing_gives_tighter_intervals_than_a_split_analysis_of_the_same_leads():
    df = crn_leads(5)
    paired = paired_compare(df, control="control").comparisons.iloc[0]
    split = compare(df, control="control", design="split").comparisons.iloc[0]
    assert paired["abs_lift"] == pytest.approx(split["abs_lift"])
    width = lambda row, k: row[f"{k}_ci_upper"] - row[f"{k}_ci_lower"]  # noqa: E731
    assert width(paired, "abs_lift") < 0.5 * width(split, "abs_lift")
    assert width(paired, "cost_per_conversion_ratio") < 0.5 * width(
        split, "cost_per_conversion_ratio"
    )


def test_identical_arms_give_zero_lift_with_a_finite_interval():
    df = crn_leads(6, flip=0.0)
    row = paired_compare(df, control="control", cost_col=None).comparisons.iloc[0]
    assert row["abs_lift"] == 0 and row["rel_lift"] == 0
    assert row["abs_lift_ci_lower"] < 0 < row["abs_lift_ci_upper"]
    assert "no discordant pairs" in row["note"]


def test_replications_pool_by_adding_and_unit_keys_can_span_replications():
    reps = [crn_leads(10 + r, n=800).assign(replication=r) for r in range(3)]
    pooled_df = pd.concat(reps, ignore_index=True)
    whole = paired_compare(pooled_df, control="control", unit_col=["replication", "lead_id"])
    with pytest.raises(InputError, match="more than once"):
        paired_compare(pooled_df, control="control")  # lead ids repeat across replications
    parts = []
    for rep in reps:
        t = rep[rep.arm == "nurture"].sort_values("lead_id")
        c = rep[rep.arm == "control"].sort_values("lead_id")
        parts.append(
            PairedStats.from_arrays(t.converted, c.converted, t.cost_total_usd, c.cost_total_usd)
        )
    summed = paired_compare_arms({"nurture": sum(parts)}, "control")
    cols = [
        "abs_lift",
        "abs_lift_ci_lower",
        "abs_lift_ci_upper",
        "cost_per_conversion_ratio_ci_upper",
    ]
    np.testing.assert_allclose(
        whole.comparisons[cols].to_numpy(float), summed.comparisons[cols].to_numpy(float), rtol=1e-9
    )
    assert whole.srm is None and whole.settings["design"] == "paired"
    assert "Methods (paired design)" in whole.to_markdown()


def test_alignment_errors():
    df = crn_leads(7, n=100)
    with pytest.raises(InputError, match="1 units the control lacks and lacks 1 of its units"):
        moved = df.copy()
        moved.loc[(moved.arm == "nurture") & (moved.lead_id == 5), "lead_id"] = 999
        paired_compare(moved, control="control")
    with pytest.raises(InputError, match="'x' is not an arm"):
        paired_compare(df, control="x")
    with pytest.raises(InputError, match="missing column 'lead'"):
        paired_compare(df, control="control", unit_col="lead")
    with pytest.raises(InputError, match="same control units"):
        a = PairedStats.from_arrays([1, 0], [1, 0])
        b = PairedStats.from_arrays([1, 0], [1, 1])
        paired_compare_arms({"a": a, "b": b}, "control")


def test_three_arms_share_the_control_and_adjust_p_values():
    df = crn_leads(8, arms=("control", "a", "b"))
    result = paired_compare(df, control="control")
    assert result.comparisons["arm"].tolist() == ["a", "b"]
    p = result.comparisons["p_value"].to_numpy()
    assert (result.comparisons["p_value_adjusted"].to_numpy() >= p).all()
    assert result.arms["arm"].tolist() == ["control", "a", "b"]
