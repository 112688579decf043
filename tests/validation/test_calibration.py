"""What the default world must show: the seed article's claims and the email benchmarks.

Twenty worlds (seeds 0-19) of the default scenario, 12 months of arrivals each (~1,200 leads a
world, ~24,000 in all), under each shipped strategy. Seeds are replications: each is an
independent world, and with one seed every strategy sees the same leads (common random
numbers), so comparisons between strategies are paired by seed. Every standard error below is
computed from the spread of the 20 per-world figures (sd / sqrt(20)), which accounts for
whatever correlation there is within a world (a lead's many emails, the shared sales team).
For a conversion rate near 0.17 that SE is about 0.003 (0.001 for a paired difference) — the
bands asserted are several SE wide, so a pass is not luck, and narrow enough that a wrong
mechanism would fail them.

Most bands here are calibration targets (experiments/seed_claims.toml and the README keep them
apart from predictions): the baseline conversion under 20%, the email benchmarks, and the lift
of about 50% that the assumed content and booking effects were set to reproduce. If one fails
with the shipped configs, the test reports the figures and the configs, not these bands, are
what should change; passing them is not evidence for the seed article's claim.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim.world.model import simulate

SEEDS = range(20)
STRATEGIES = ("no_nurture", "stage_nurture", "hard_sell", "fast_response", "newsletter")
ABLATION = "stage_nurture_ablated"

# Email benchmark ranges (calibration.md, "Email"; Mailchimp unless said): the band spans
# the cited figures for all industries, Health & Fitness and healthcare.
OPEN_RANGE = (0.201, 0.237)  # unique opens per delivered: H&F 20.1% .. healthcare 23.7% (CM)
CLICK_RANGE = (0.022, 0.029)  # clicks per delivered: H&F 2.2% .. all industries 2.9%
UNSUB_RANGE = (0.0023, 0.0037)  # unsubscribes per email: 0.23% .. H&F 0.37%
COMPLAINT_LIMIT = 0.001  # spam complaints: keep under 0.1% (bulk-sender rules)


def _per_world(leads: pd.DataFrame) -> dict[str, float]:
    delivered = leads.emails_delivered.sum()
    return {
        "leads": len(leads),
        "conversions": leads.converted.sum(),
        "conversion_rate": leads.converted.mean(),
        "lost_share": (leads.final_state == "lost").mean(),
        "acquisition_usd": leads.cost_acquisition_usd.sum(),
        "delivered": delivered,
        "open_rate": leads.emails_opened.sum() / delivered if delivered else math.nan,
        "click_rate": leads.emails_clicked.sum() / delivered if delivered else math.nan,
        "unsub_rate": leads.unsubscribed.sum() / delivered if delivered else math.nan,
        "complaint_rate": leads.complained.sum() / delivered if delivered else math.nan,
    }


@pytest.fixture(scope="module")
def worlds(scenario_path, strategy_path) -> pd.DataFrame:
    """One row per (strategy, seed) with the world's figures."""
    from sim.config import load_scenario, load_strategy

    scenario = load_scenario(scenario_path)
    assert scenario.months == 12
    runs = [(name, scenario, load_strategy(strategy_path(name))) for name in STRATEGIES]
    # The ablation: stage matching off in the world, no hand-off in the strategy.
    runs.append(
        (
            ABLATION,
            load_scenario(scenario_path, {"content.stage_matching": False}),
            load_strategy(strategy_path("stage_nurture"), {"sales.on_handoff.enabled": False}),
        )
    )
    rows = []
    for name, s, st in runs:
        for seed in SEEDS:
            rows.append({"strategy": name, "seed": seed, **_per_world(simulate(s, st, seed).leads)})
    return pd.DataFrame(rows).set_index(["strategy", "seed"])


def figure(worlds: pd.DataFrame, name: str, column: str) -> np.ndarray:
    return worlds.loc[name, column].to_numpy(dtype=float)


def mean_se(x: np.ndarray) -> tuple[float, float]:
    return float(x.mean()), float(x.std(ddof=1) / math.sqrt(len(x)))


def ratio_se(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """mean(a) / mean(b) and its delta-method SE, with a and b paired by seed."""
    n = len(a)
    r = a.mean() / b.mean()
    resid = a - r * b  # linearisation of the ratio
    return float(r), float(resid.std(ddof=1) / math.sqrt(n) / b.mean())


@pytest.mark.slow
def test_today_s_practice_converts_15_to_21_percent(worlds):
    # Seed article: most practices convert under 20%; "typical" 15-25% (High Country Digital).
    rate, se = mean_se(figure(worlds, "no_nurture", "conversion_rate"))
    assert se < 0.005  # the band is more than 12 SE wide: the check has teeth
    assert 0.15 <= rate <= 0.21, f"no_nurture converts {rate:.4f} (SE {se:.4f})"


@pytest.mark.slow
def test_stage_nurture_converts_40_to_60_percent_more(worlds):
    # Seed article: 50% more conversions. Paired by seed: same leads, different strategy.
    ratio, se = ratio_se(
        figure(worlds, "stage_nurture", "conversions"), figure(worlds, "no_nurture", "conversions")
    )
    lift = ratio - 1
    assert se < 0.05  # the 40-60% band is at least 4 SE wide
    assert 0.40 <= lift <= 0.60, f"relative lift {lift:.3f} (SE {se:.3f})"


@pytest.mark.slow
def test_marketing_cost_per_patient_about_a_third_lower(worlds):
    # Marketing cost per patient = acquisition spend / patients (the seed article's $100 ->
    # $66.67). Both arms buy the same leads, so the cost ratio is 1 / (1 + lift): a lift of
    # 40-60% means 1/1.4 .. 1/1.6 of the cost, i.e. 28.6% .. 37.5% lower. Widened by 3 SE of
    # the estimated saving (SE ~0.6 points, paired by seed) that is about 27% .. 39%, which is
    # asserted, as is the looser 25% .. 45% band the claim is stated with; the seed article's
    # 33% sits in the middle of both.
    cost = {
        name: figure(worlds, name, "acquisition_usd") for name in ("no_nurture", "stage_nurture")
    }
    conv = {name: figure(worlds, name, "conversions") for name in cost}
    assert np.array_equal(cost["no_nurture"], cost["stage_nurture"])  # the same leads
    per_patient = {n: cost[n].sum() / conv[n].sum() for n in cost}
    saving = 1 - per_patient["stage_nurture"] / per_patient["no_nurture"]
    ratio, se = ratio_se(conv["no_nurture"], conv["stage_nurture"])  # cost ratio, paired
    assert saving == pytest.approx(1 - ratio)
    assert se < 0.02
    shown = (
        f"${per_patient['no_nurture']:.2f} -> ${per_patient['stage_nurture']:.2f} a patient: "
        f"{saving:.3f} lower (SE {se:.3f})"
    )
    assert 0.25 <= saving <= 0.45, shown
    assert 1 - 1 / 1.4 - 3 * se <= saving <= 1 - 1 / 1.6 + 3 * se, shown


def paired_difference(worlds, a: str, b: str, column: str) -> tuple[float, float]:
    return mean_se(figure(worlds, a, column) - figure(worlds, b, column))


@pytest.mark.slow
def test_hard_sell_loses_more_leads(worlds):
    # Seed article: a hard sell at awareness drives the lead away. Lost to a competitor:
    # paired difference of shares, more than 3 SE above zero.
    diff, se = paired_difference(worlds, "hard_sell", "no_nurture", "lost_share")
    assert diff > 3 * se, f"lost share +{diff:.4f} (SE {se:.4f})"


@pytest.mark.slow
def test_fast_response_converts_more(worlds):
    # Speed to lead (Oldroyd 2007; HBR 2011): calling within minutes beats ~9 hours.
    diff, se = paired_difference(worlds, "fast_response", "no_nurture", "conversion_rate")
    assert diff > 3 * se, f"conversion +{diff:.4f} (SE {se:.4f})"


@pytest.mark.slow
def test_ablation_removes_most_of_the_lift(worlds):
    # Without stage matching (every opened email acts as generic content) and without the
    # hand-off, more than half of stage_nurture's lift over no_nurture must disappear: the
    # remaining share (ablated lift / full lift), paired by seed, is below 1/2 by 3 SE.
    base = figure(worlds, "no_nurture", "conversion_rate")
    full = figure(worlds, "stage_nurture", "conversion_rate") - base
    ablated = figure(worlds, ABLATION, "conversion_rate") - base
    remaining, se = ratio_se(ablated, full)
    assert remaining + 3 * se < 0.5, f"{remaining:.3f} of the lift remains (SE {se:.3f})"


ENGAGEMENT = [
    ("open_rate", OPEN_RANGE),
    ("click_rate", CLICK_RANGE),
    ("unsub_rate", UNSUB_RANGE),
]


@pytest.mark.slow
@pytest.mark.parametrize("name", ["stage_nurture", "newsletter"])
@pytest.mark.parametrize(("metric", "band"), ENGAGEMENT, ids=[m for m, _ in ENGAGEMENT])
def test_email_engagement_within_benchmarks(worlds, name, metric, band):
    # Per delivered email, pooled over the 20 worlds; the band is widened by 3 SE of the
    # estimate (from the per-world spread, so a lead's repeated emails are accounted for).
    delivered = figure(worlds, name, "delivered")
    events = figure(worlds, name, metric) * delivered
    rate, se = ratio_se(events, delivered)
    lo, hi = band
    assert lo - 3 * se <= rate <= hi + 3 * se, f"{name} {metric} {rate:.5f} (SE {se:.5f})"


@pytest.mark.slow
@pytest.mark.parametrize("name", ["stage_nurture", "newsletter", "hard_sell"])
def test_spam_complaints_stay_under_the_limit(worlds, name):
    delivered = figure(worlds, name, "delivered")
    rate, se = ratio_se(figure(worlds, name, "complaint_rate") * delivered, delivered)
    assert rate + 3 * se < COMPLAINT_LIMIT, f"{name} complaints {rate:.6f} (SE {se:.6f})"
