"""The journey without help is an absorbing Markov chain: check it against the closed form.

With no email and no sales, a lead's journey has constant hazards (Pfeifer & Carraway 2000;
calibration.md "Models worth knowing"). Its transient states are the three stages and the
three dormant states (a dormant lead revives to the stage it went cold in); the absorbing
states are *patient* (booking, with the appointment at once and always attended, is becoming a
patient) and *lost*. For a lead of intent ``x`` the sub-generator ``Q(x)`` of the transient
states and the absorption rates ``R(x)`` give

    N = (-Q)^-1,   B = N R   (absorption probabilities),   E[T 1{absorbed in j}] = N^2 R,

since P(absorbed in j at time t) dt = e^{Qt} R_j dt and ∫ t e^{Qt} dt = Q^-2. Intent
multiplies the advance hazards only and is Gamma(shape, 1/shape) across leads, so the
population values are exact one-dimensional integrals over that mixture
(:func:`scipy.integrate.quad`), and the mean days to convert is E[T 1{patient}] / P(patient).

The simulation is compared within 3 standard errors computed from its own sample: binomial
for P(patient), sample sd / sqrt(n) for the mean times. The window is 5000 days, so the chance
that a lead is still unabsorbed at its end is below e^-30 (the slowest way out, cycling
between awareness and dormant at intent 0, is lost at about 0.006 a day): no censoring.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, stats

from sim.config import Strategy
from sim.world.model import simulate

STAGES = ("awareness", "consideration", "decision")
INTENT_SHAPE = 2.0
REVIVE, DORMANT_LOST = 0.02, 0.01
HAZARDS = {  # advance, drop, lost share (the default scenario's journey)
    "awareness": (0.030, 0.030, 0.10),
    "consideration": (0.030, 0.040, 0.30),
    "decision": (0.030, 0.080, 0.50),
}
PATIENT, LOST = 0, 1


def chain(x: float) -> tuple[np.ndarray, np.ndarray]:
    """Sub-generator Q (6x6: stages 0-2, dormant-at-stage 3-5) and absorption rates R (6x2)."""
    q = np.zeros((6, 6))
    r = np.zeros((6, 2))
    for k, name in enumerate(STAGES):
        adv, drop, lost_share = HAZARDS[name]
        if k < 2:
            q[k, k + 1] = adv * x
        else:
            r[k, PATIENT] = adv * x
        q[k, 3 + k] = drop * (1 - lost_share)
        r[k, LOST] = drop * lost_share
        q[3 + k, k] = REVIVE
        r[3 + k, LOST] = DORMANT_LOST
    q[np.diag_indices(6)] = -(q.sum(axis=1) + r.sum(axis=1))
    return q, r


def absorption(x: float) -> tuple[np.ndarray, np.ndarray]:
    """B = N R and E[T 1{j}] = N^2 R for intent x; rows are the starting states."""
    q, r = chain(x)
    n = np.linalg.inv(-q)
    b = n @ r
    return b, n @ b


def mixture(stage: int) -> dict[str, float]:
    """Population values for leads starting in ``stage``, integrated over Gamma intent."""
    g = stats.gamma(INTENT_SHAPE, scale=1 / INTENT_SHAPE)

    def over_intent(f) -> float:
        value, err = integrate.quad(lambda x: f(x) * g.pdf(x), 0, np.inf, epsabs=1e-12)
        assert err < 1e-8 * max(1.0, abs(value))
        return value

    p_patient = over_intent(lambda x: absorption(x)[0][stage, PATIENT])
    t_patient = over_intent(lambda x: absorption(x)[1][stage, PATIENT])
    t_lost = over_intent(lambda x: absorption(x)[1][stage, LOST])
    return {
        "p_patient": p_patient,
        "days_to_convert": t_patient / p_patient,
        "days_to_lost": t_lost / (1 - p_patient),
    }


def test_chain_sanity():
    # Rows of B sum to 1; with intent 0 nobody becomes a patient; textbook two-state check:
    # from decision with no dormancy the patient share is advance / (advance + drop).
    b, _ = absorption(1.0)
    assert np.allclose(b.sum(axis=1), 1.0)
    assert np.allclose(absorption(0.0)[0][:, PATIENT], 0.0)
    adv, drop, _ = HAZARDS["decision"]
    total = adv + drop
    p_from_decision = (
        adv / total + drop * 0.5 / total * REVIVE / (REVIVE + DORMANT_LOST) * (b[2, PATIENT])
    )
    assert b[2, PATIENT] == pytest.approx(p_from_decision)


@pytest.fixture(scope="module")
def leads(scenario_path):
    from sim.config import load_scenario

    source = {
        "name": "all",
        "share": 1.0,
        "intent_shape": INTENT_SHAPE,
        "initial_stage": {"awareness": 1 / 3, "consideration": 1 / 3, "decision": 1 / 3},
    }
    overrides = {
        "months": 1,
        "leads_per_month": 30_000,
        "window_days": 5000,
        "sources": [source],
        "journey.revive_per_day": REVIVE,
        "journey.dormant_lost_per_day": DORMANT_LOST,
        "appointment.min_days": 0.0,
        "appointment.mean_extra_days": 0.0,
        "appointment.show_prob": 1.0,
    }
    for name, (adv, drop, lost_share) in HAZARDS.items():
        overrides[f"journey.{name}"] = {
            "advance_per_day": adv,
            "drop_per_day": drop,
            "lost_share": lost_share,
        }
    scenario = load_scenario(scenario_path, overrides)
    nothing = Strategy(name="nothing")  # no email, no sales
    assert not nothing.uses_email and not nothing.sales.on_arrival.enabled
    return simulate(scenario, nothing, seed=2024).leads


def test_every_lead_is_absorbed_within_the_window(leads):
    assert set(leads.final_state) <= {"patient", "lost"}
    assert (leads.converted == (leads.final_state == "patient")).all()
    assert (leads.booked == leads.converted).all()  # the appointment is at once and attended
    assert (leads.sales_attempts == 0).all() and (leads.emails_sent == 0).all()


@pytest.mark.parametrize("stage", range(3), ids=STAGES)
def test_absorption_matches_the_closed_form(leads, stage):
    exact = mixture(stage)
    group = leads[leads.initial_stage == STAGES[stage]]
    n = len(group)
    assert n > 9000
    p = group.converted.mean()
    se_p = math.sqrt(exact["p_patient"] * (1 - exact["p_patient"]) / n)
    assert abs(p - exact["p_patient"]) < 3 * se_p, (STAGES[stage], p, exact, se_p)
    for column in ("days_to_convert", "days_to_lost"):
        t = group[column].dropna()
        se = t.std(ddof=1) / math.sqrt(len(t))
        assert abs(t.mean() - exact[column]) < 3 * se, (STAGES[stage], column, t.mean(), exact)


def test_conversions_given_each_leads_intent(leads):
    # Conditioning on the ground-truth intent of every lead is sharper: the number of patients
    # is a sum of independent Bernoulli(P_k(x_i)), mean sum(P) and variance sum(P(1-P)).
    codes = leads.initial_stage.map({s: k for k, s in enumerate(STAGES)}).to_numpy()
    xs = leads.intent.to_numpy()
    # P_k(x) is smooth in x: interpolate on a fine grid rather than solve 30,000 systems.
    grid = np.linspace(0, xs.max() + 1e-9, 2001)
    table = np.array([absorption(x)[0][:3, PATIENT] for x in grid])
    probs = np.array([np.interp(x, grid, table[:, k]) for x, k in zip(xs, codes, strict=True)])
    expected, var = probs.sum(), (probs * (1 - probs)).sum()
    assert abs(leads.converted.sum() - expected) < 3 * math.sqrt(var)
    # And the exact chain is far from the mixture-free answer at intent 1: intent matters.
    assert abs(probs.mean() - absorption(1.0)[0][:3, PATIENT].mean()) > 3 * math.sqrt(
        var / len(probs) ** 2
    )
