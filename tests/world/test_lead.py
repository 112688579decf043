"""A lead's journey: competing hazards drawn lazily, booking, appointments, push-away, revival."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from sim.world.lead import (
    ADVANCE,
    APPOINTMENT,
    BOOKED,
    DECISION,
    DORMANT,
    LOST,
    NOTHING,
    PATIENT,
    REVIVE,
    TO_DORMANT,
    TO_LOST,
    Lead,
)
from sim.world.params import world_params
from sim.world.streams import Draws, LeadStreams


def fixed_draws(*values: float) -> Draws:
    """Draws that return ``values`` in order (then continue on an overflow stream)."""
    return Draws(np.array(values, dtype=float), np.random.SeedSequence(0), 0, 0)


@pytest.fixture
def p(scenario):
    return world_params(scenario())


def make(p, stage=0, draws=(0.5,), intent=1.0, arrived=0.0):
    return Lead(0, None, 0, arrived, stage, intent, 1.0, fixed_draws(*draws), p)


def test_new_lead_starts_in_its_stage_with_nothing_happened(p):
    lead = make(p, stage=1, arrived=3.0)
    assert (lead.stage, lead.state, lead.max_stage, lead.initial_stage) == (1, 1, 1, 1)
    assert lead.end == 3.0 + p.window
    assert lead.booked_t == lead.convert_t == lead.lost_t == lead.unsub_t == math.inf
    assert not lead.known_booked
    assert lead.next_t > 3.0


def test_draw_next_picks_kind_by_hazard_share_and_time_by_total_rate(p):
    # Awareness with intent 2: advance 2 * 0.03, dormant 0.03 * 0.9, lost 0.03 * 0.1.
    a, d, lo = 2 * p.advance[0], p.drop_dormant[0], p.drop_lost[0]
    total = a + d + lo
    for u, kind, base, w in [
        (0.1, ADVANCE, 0.0, a),
        ((a + 0.5 * d) / total, TO_DORMANT, a, d),
        (0.999, TO_LOST, a + d, lo),
    ]:
        lead = make(p, stage=0, draws=(u,), intent=2.0, arrived=1.0)
        v = (u * total - base) / w
        assert lead.next_kind == kind
        assert lead.next_t == pytest.approx(1.0 - math.log1p(-v) / total)


def test_draw_next_holding_time_is_exponential_and_independent_of_kind(p):
    # With real streams: P(kind) = hazard / total (binomial SE) and the holding time has mean
    # 1 / total for every kind (SE (1/total)/sqrt(n)); 4 SE allowed.
    streams = LeadStreams(17)
    n = 20000
    kinds, times = np.empty(n, dtype=int), np.empty(n)
    for i in range(n):
        lead = Lead(i, None, 0, 0.0, 1, 1.0, 1.0, streams.draws(i, "journey"), p)
        kinds[i], times[i] = lead.next_kind, lead.next_t
    rates = {ADVANCE: p.advance[1], TO_DORMANT: p.drop_dormant[1], TO_LOST: p.drop_lost[1]}
    total = sum(rates.values())
    for kind, rate in rates.items():
        share = rate / total
        mask = kinds == kind
        assert abs(mask.mean() - share) < 4 * math.sqrt(share * (1 - share) / n)
        assert abs(times[mask].mean() - 1 / total) < 4 * (1 / total) / math.sqrt(mask.sum())


def test_advance_to_applies_due_transitions_only(p):
    lead = make(p, stage=0, draws=(0.01, 0.01, 0.999), arrived=0.0)
    first = lead.next_t
    assert lead.next_kind == ADVANCE
    lead.advance_to(first - 1e-9, p)
    assert lead.state == 0  # not yet
    lead.advance_to(first, p)
    assert lead.state == lead.stage == lead.max_stage == 1
    second = lead.next_t
    assert second > first
    lead.advance_to(second, p)
    assert lead.state == DECISION and lead.max_stage == DECISION
    assert lead.next_kind == TO_LOST
    lost_at = lead.next_t
    lead.advance_to(1e9, p)
    assert lead.state == LOST and lead.lost_t == lost_at
    assert lead.next_t == math.inf and lead.next_kind == NOTHING


def test_advance_at_decision_books_and_the_appointment_converts(p):
    # Draws: next transition (advance), appointment lag, show (0.1 < 0.85).
    lead = make(p, stage=DECISION, draws=(0.001, 0.5, 0.1))
    booked_at = lead.next_t
    lead.advance_to(booked_at, p)
    assert lead.state == BOOKED and lead.booked_t == booked_at and lead.known_booked
    assert lead.next_kind == APPOINTMENT
    lag = p.appt_min - p.appt_extra * math.log1p(-0.5)
    assert lead.next_t == pytest.approx(booked_at + lag)
    lead.advance_to(lead.next_t, p)
    assert lead.state == PATIENT and lead.convert_t == pytest.approx(booked_at + lag)
    assert lead.next_t == math.inf


def test_no_show_goes_cold_at_decision_but_stays_known_booked(p):
    lead = make(p, stage=DECISION, draws=(0.001, 0.5, 0.99, 0.5))  # 0.99 >= show 0.85
    lead.advance_to(lead.next_t, p)
    lead.advance_to(lead.next_t, p)
    assert lead.state == DORMANT and lead.stage == DECISION
    assert lead.convert_t == math.inf and lead.known_booked


def test_appointment_without_a_lag(p):
    p0 = replace(p, appt_min=0.0, appt_extra=0.0, show=1.0)
    lead = make(p0, stage=DECISION, draws=(0.001, 0.5))
    t = lead.next_t
    lead.advance_to(t, p0)
    assert lead.state == PATIENT and lead.convert_t == lead.booked_t == t


def test_dormant_revives_to_the_stage_it_went_cold_in(p):
    p1 = replace(p, revive=1.0, dormant_lost=0.0)
    # Consideration: u = 0.6 falls in the dormant slice (advance 0.03, dormant 0.028 of 0.07).
    lead = make(p1, stage=1, draws=(0.6, 0.5, 0.999))
    assert lead.next_kind == TO_DORMANT
    lead.advance_to(lead.next_t, p1)
    assert lead.state == DORMANT and lead.stage == 1
    assert lead.next_kind == REVIVE
    lead.advance_to(lead.next_t, p1)
    assert lead.state == 1 and lead.revived == 1


def test_nothing_happens_without_hazards(p):
    p0 = replace(p, advance=(0.0,) * 3, drop_dormant=(0.0,) * 3, drop_lost=(0.0,) * 3)
    lead = make(p0, stage=1)
    assert lead.next_t == math.inf and lead.next_kind == NOTHING
    lead.advance_to(1e9, p0)
    assert lead.state == 1


def test_push_away_lost_or_dormant(p):
    lead = make(p, stage=0, draws=(0.5, 0.5))
    lead.push_away(2.0, True, p)
    assert lead.state == LOST and lead.lost_t == 2.0 and lead.pushed == 1
    assert lead.next_t == math.inf
    lead = make(p, stage=0, draws=(0.5, 0.5))
    lead.push_away(2.0, False, p)
    assert lead.state == DORMANT and lead.stage == 0 and lead.pushed == 1
    assert lead.next_t > 2.0


def test_advance_one_moves_a_stage_or_books_at_decision(p):
    lead = make(p, stage=0, draws=(0.5, 0.5, 0.5))
    lead.advance_one(1.0, p)
    assert lead.state == 1 and lead.max_stage == 1 and lead.next_t > 1.0
    lead.advance_one(1.5, p)
    assert lead.state == DECISION
    lead.advance_one(2.0, p)
    assert lead.state == BOOKED and lead.booked_t == 2.0 and lead.max_stage == DECISION


def test_booking_from_awareness_records_decision_as_max_stage(p):
    lead = make(p, stage=0, draws=(0.5, 0.5))
    lead.book(1.0, p)
    assert lead.max_stage == DECISION and lead.initial_stage == 0


def test_first_booking_time_is_kept(p):
    lead = make(p, stage=DECISION, draws=(0.5, 0.5, 0.5))
    lead.book(3.0, p)
    lead.book(5.0, p)
    assert lead.booked_t == 3.0


def test_revive_by_a_touch(p):
    lead = make(p, stage=1, draws=(0.5, 0.5))
    lead.state = DORMANT
    lead.revive(4.0, p)
    assert lead.state == 1 and lead.revived == 1 and lead.next_t > 4.0
