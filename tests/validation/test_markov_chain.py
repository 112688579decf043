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

Those three summaries move by under 2 standard errors when a small hazard is 15% off. The
second half of this module is the sharp check: 200,000 leads, four outcomes (lost at each
stage, or patient), revivals and absorption times per outcome, one chi-square over 24
components. Its power against each of the world's 11 hazards taken 15% higher is computed from
the sample's standard errors (noncentral chi-square; the weakest, the awareness lost hazard of
0.003 a day, has noncentrality 83 and power 0.9996 at level 0.001), and each such world is run
and must be caught.
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


# -- Power: a 15% error in any single hazard is caught -----------------------------------------
#
# The checks above compare three summaries per starting stage; a 15% error in a small hazard
# (the revive rate, say) moves them by under 2 standard errors. The check below uses far more of
# what each lead's record says and many more leads. Because a lead's stage never goes back (a
# revived lead returns to the stage it went cold in), the furthest stage it reached is the stage
# it was absorbed from, so each lead ends in one of four outcomes: lost at awareness, lost at
# consideration, lost at decision, or patient. Per lead, with e_a = 1{outcome a}, the record
# gives e_a, revived * e_a and T * e_a (T the day of absorption). Given the lead's intent x, with
# B(x) the absorption probabilities into the four outcomes and N(x) = (-Q)^-1,
#
#     E[e_a] = B,  E[T e_a] = N B,  E[revived e_a] = sum over dormant j of N_sj r B_{stage(j),a}
#
# (the last by the Markov property at each revival: a revival happens from dormant j at rate r
# and leaves the lead in stage(j), whence it ends in a with probability B_{stage(j), a}). Summing
# y_i - E[y_i | x_i] over leads gives a vector whose covariance is estimated by the sum of
# outer products of the residuals, and the quadratic form is chi-square with as many degrees of
# freedom as there are components (24: outcomes a stage cannot reach, and one indicator per
# stage that the others determine, are left out). Under a wrong hazard the residual sum has mean
# d (the exact shift of the expectations) and the form is noncentral chi-square with
# noncentrality d' V^-1 d: that is the power, derived from the standard errors, and the test
# asserts it before it checks that each mutated world is caught.

POWER_LEADS = 200_000
#: Most leads start in awareness: the weakest signal is the awareness lost hazard (0.003 a day),
#: which only awareness starters carry.
POWER_MIX = {"awareness": 0.7, "consideration": 0.15, "decision": 0.15}
POWER_ALPHA = 0.001
#: Each hazard the world uses, as (name, stage or None).
SINGLE_HAZARDS = [
    *((kind, k) for kind in ("advance", "to_dormant", "to_lost") for k in range(3)),
    ("revive", None),
    ("dormant_lost", None),
]
LOST_AT, PATIENT_END = (0, 1, 2), 3


def base_rates() -> dict[str, np.ndarray]:
    """The hazards the world uses, per stage (advance is multiplied by intent)."""
    h = np.array(list(HAZARDS.values()))
    return {
        "advance": h[:, 0].copy(),
        "to_dormant": h[:, 1] * (1 - h[:, 2]),
        "to_lost": h[:, 1] * h[:, 2],
        "revive": np.full(3, REVIVE),
        "dormant_lost": np.full(3, DORMANT_LOST),
    }


def mutated(kind: str, stage: int | None, factor: float = 1.15) -> dict[str, np.ndarray]:
    rates = base_rates()
    if stage is None:
        rates[kind] = rates[kind] * factor
    else:
        rates[kind][stage] *= factor
    return rates


def outcome_moments(rates: dict[str, np.ndarray], grid: np.ndarray) -> np.ndarray:
    """E[y | start stage, intent] on an intent grid: shape (len(grid), 3 stages, 12)."""
    g = len(grid)
    q = np.zeros((g, 6, 6))
    r = np.zeros((g, 6, 4))
    for k in range(3):
        if k < 2:
            q[:, k, k + 1] = rates["advance"][k] * grid
        else:
            r[:, k, PATIENT_END] = rates["advance"][k] * grid
        q[:, k, 3 + k] = rates["to_dormant"][k]
        r[:, k, LOST_AT[k]] = rates["to_lost"][k]
        q[:, 3 + k, k] = rates["revive"][k]
        r[:, 3 + k, LOST_AT[k]] = rates["dormant_lost"][k]
    idx = np.arange(6)
    q[:, idx, idx] = -(q.sum(axis=2) + r.sum(axis=2))
    n = np.linalg.inv(-q)
    b = n @ r
    revived = (n[:, :, 3:] * rates["revive"]) @ b[:, :3, :]
    return np.concatenate([b, revived, n @ b], axis=2)[:, :3, :]


def components(stage: int) -> list[int]:
    """Columns that vary for leads starting in ``stage`` (see the comment above)."""
    ends = [a for a in range(4) if a >= stage]
    return ends[:-1] + [4 + a for a in ends] + [8 + a for a in ends]


def lead_outcomes(leads) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    codes = {s: k for k, s in enumerate(STAGES)}
    start = leads.initial_stage.map(codes).to_numpy()
    furthest = leads.max_stage.map(codes).to_numpy()
    patient = leads.converted.to_numpy()
    end = np.where(patient, PATIENT_END, furthest)
    e = (end[:, None] == np.arange(4)).astype(float)
    t = np.where(patient, leads.days_to_convert.to_numpy(), leads.days_to_lost.to_numpy())
    y = np.concatenate([e, e * leads.revived.to_numpy()[:, None], e * t[:, None]], axis=1)
    return start, leads.intent.to_numpy(), y


class ChainCheck:
    """The chi-square check of one world's leads against the exact chain."""

    def __init__(self, leads) -> None:
        self.start, self.intent, self.y = lead_outcomes(leads)
        self.grid = np.linspace(0.0, self.intent.max() + 1e-9, 2001)
        self.mu = self.expected(base_rates())
        self.df = sum(len(components(s)) for s in range(3))
        self.critical = stats.chi2.isf(POWER_ALPHA, self.df)

    def expected(self, rates) -> np.ndarray:
        table = outcome_moments(rates, self.grid)
        mu = np.empty_like(self.y)
        for s in range(3):
            m = self.start == s
            for c in range(mu.shape[1]):  # smooth in intent: interpolate on the fine grid
                mu[m, c] = np.interp(self.intent[m], self.grid, table[:, s, c])
        return mu

    def statistic(self) -> float:
        total = 0.0
        for s in range(3):
            res = (self.y - self.mu)[self.start == s][:, components(s)]
            d = res.sum(axis=0)
            total += float(d @ np.linalg.solve(res.T @ res, d))
        return total

    def noncentrality(self, rates) -> float:
        """d' V^-1 d for the shift d that ``rates`` would cause, V from this sample."""
        shift = self.expected(rates) - self.mu
        total = 0.0
        for s in range(3):
            m = self.start == s
            res = (self.y - self.mu)[m][:, components(s)]
            d = shift[m][:, components(s)].sum(axis=0)
            total += float(d @ np.linalg.solve(res.T @ res, d))
        return total


def power_world(scenario_path, rates: dict[str, np.ndarray], seed: int):
    """A world without help whose journey runs at ``rates`` (a copy of the params)."""
    from sim.config import load_scenario

    source = {"name": "all", "share": 1.0, "intent_shape": INTENT_SHAPE, "initial_stage": POWER_MIX}
    overrides = {
        "months": 1,
        "leads_per_month": POWER_LEADS,
        "window_days": 5000,
        "sources": [source],
        "appointment.min_days": 0.0,
        "appointment.mean_extra_days": 0.0,
        "appointment.show_prob": 1.0,
    }
    # The world's dormant and lost hazards are drop * (1 - lost_share) and drop * lost_share;
    # the scenario's (drop, lost_share) that give any pair of them.
    for k, name in enumerate(STAGES):
        drop = rates["to_dormant"][k] + rates["to_lost"][k]
        overrides[f"journey.{name}"] = {
            "advance_per_day": float(rates["advance"][k]),
            "drop_per_day": float(drop),
            "lost_share": float(rates["to_lost"][k] / drop),
        }
    overrides["journey.revive_per_day"] = float(rates["revive"][0])
    overrides["journey.dormant_lost_per_day"] = float(rates["dormant_lost"][0])
    return simulate(load_scenario(scenario_path, overrides), Strategy(name="nothing"), seed=seed)


@pytest.fixture(scope="module")
def chain_check(scenario_path):
    return ChainCheck(power_world(scenario_path, base_rates(), seed=7).leads)


def test_moments_agree_with_the_single_outcome_chain():
    # The four-outcome moments collapse to the two-outcome ones used above.
    table = outcome_moments(base_rates(), np.array([0.5, 1.0, 2.0]))
    for i, x in enumerate((0.5, 1.0, 2.0)):
        b, t = absorption(x)
        assert np.allclose(table[i, :, PATIENT_END], b[:3, PATIENT])
        assert np.allclose(table[i, :, 0:3].sum(axis=1), b[:3, LOST])
        assert np.allclose(table[i, :, 8 + PATIENT_END], t[:3, PATIENT])
        assert np.allclose(table[i, :, 8:11].sum(axis=1), t[:3, LOST])
    # Revivals: with no dormancy there are none.
    rates = base_rates()
    rates["to_dormant"][:] = 0.0
    assert np.allclose(outcome_moments(rates, np.array([1.0]))[:, :, 4:8], 0.0)


@pytest.mark.slow
def test_the_world_passes_the_sharp_check(chain_check):
    # Level POWER_ALPHA under a correct world.
    assert chain_check.statistic() < chain_check.critical


@pytest.mark.slow
def test_power_against_each_single_hazard_15_percent_off_is_above_99_percent(chain_check):
    c = chain_check
    for kind, stage in SINGLE_HAZARDS:
        lam = c.noncentrality(mutated(kind, stage))
        power = stats.ncx2.sf(c.critical, c.df, lam)
        assert power > 0.99, (kind, stage, lam, power)


@pytest.mark.slow
@pytest.mark.parametrize("kind,stage", SINGLE_HAZARDS, ids=[f"{k}-{s}" for k, s in SINGLE_HAZARDS])
def test_a_world_with_one_hazard_15_percent_off_is_caught(scenario_path, kind, stage):
    # The world runs on a copy of the params with one hazard 15% higher; the check compares it
    # with the correct chain and must reject (power > 99% by the test above).
    leads = power_world(scenario_path, mutated(kind, stage), seed=11).leads
    check = ChainCheck(leads)
    assert check.statistic() > check.critical, (kind, stage, check.statistic())
