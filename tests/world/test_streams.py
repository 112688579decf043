"""Random streams per lead and purpose: reproducible, independent of other leads and of order."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from sim.world.streams import CHUNK, PURPOSES, Draws, LeadStreams, as_seed_sequence


def _take(d: Draws, n: int) -> list[float]:
    return [d.next() for _ in range(n)]


def test_same_seed_lead_and_purpose_give_the_same_numbers():
    a, b = LeadStreams(11), LeadStreams(11)
    for lead in (0, 5, CHUNK - 1, CHUNK, 3 * CHUNK + 7):
        for purpose, width in PURPOSES.items():
            assert _take(a.draws(lead, purpose), width) == _take(b.draws(lead, purpose), width)


def test_int_seed_and_its_seed_sequence_agree():
    a = LeadStreams(5).draws(3, "email")
    b = LeadStreams(np.random.SeedSequence(5)).draws(3, "email")
    assert _take(a, 10) == _take(b, 10)


@pytest.mark.parametrize("bad", [-1, 1.5, "7"])
def test_bad_seed_is_refused(bad):
    with pytest.raises(ValueError):
        as_seed_sequence(bad)


def test_different_seeds_purposes_and_leads_differ():
    s = LeadStreams(1)
    base = _take(s.draws(4, "journey"), 12)
    assert base != _take(LeadStreams(2).draws(4, "journey"), 12)
    assert base != _take(s.draws(5, "journey"), 12)
    assert base != _take(s.draws(4, "sales"), 12)


def test_overflow_continues_deterministically_on_the_leads_own_stream():
    width = PURPOSES["journey"]
    n = 5 * width + 3  # past the row and several overflow blocks
    first = _take(LeadStreams(9).draws(70, "journey"), n)
    again = _take(LeadStreams(9).draws(70, "journey"), n)
    assert first == again
    # The continuation is new numbers, not the row read again...
    assert first[width : 2 * width] != first[:width]
    # ...and not another lead's continuation.
    other = _take(LeadStreams(9).draws(71, "journey"), n)
    assert first[width:] != other[width:]
    assert all(0.0 <= u < 1.0 for u in first)


def test_a_leads_numbers_do_not_depend_on_other_leads_or_request_order():
    ref = LeadStreams(21)
    want = {lead: _take(ref.draws(lead, "email"), 60) for lead in (2, 900, 1500)}
    # Another world asks in a different order, consumes other leads' draws in between and
    # releases old chunks: lead 2's, 900's and 1500's numbers are unchanged.
    s = LeadStreams(21)
    _take(s.draws(1500, "sales"), 40)
    got_1500 = _take(s.draws(1500, "email"), 60)
    for lead in range(0, 3000, 97):
        _take(s.draws(lead, "email"), 7)
    s.release_before(2 * CHUNK)
    assert got_1500 == want[1500]
    assert _take(s.draws(900, "email"), 60) == want[900]
    assert _take(s.draws(2, "email"), 60) == want[2]


def test_release_before_forgets_only_old_chunks():
    s = LeadStreams(0)
    for lead in (0, CHUNK, 2 * CHUNK):
        s.draws(lead, "journey")
    s.release_before(2 * CHUNK + 5)
    assert sorted(chunk for _, chunk in s._chunks) == [2]


def test_streams_look_uniform_and_uncorrelated_across_leads():
    # 4096 leads x 12 journey draws: KS against U(0,1) and the correlation of neighbouring
    # leads' first draws (SE 1/sqrt(n) ~ 0.016; 4 SE allowed). Fixed seed: deterministic.
    s = LeadStreams(123)
    rows = np.array([_take(s.draws(i, "journey"), 12) for i in range(4096)])
    assert stats.kstest(rows.ravel(), "uniform").pvalue > 1e-3
    r = np.corrcoef(rows[:-1, 0], rows[1:, 0])[0, 1]
    assert abs(r) < 4 / np.sqrt(len(rows))
    # Leads in different chunks at the same row position are not copies of each other.
    assert not np.array_equal(rows[:CHUNK], rows[CHUNK : 2 * CHUNK])


def test_arrival_stream_is_its_own():
    a = LeadStreams(4).arrivals().random(5)
    b = LeadStreams(4).arrivals().random(5)
    assert np.array_equal(a, b)
    per_lead = {u for purpose in PURPOSES for u in _take(LeadStreams(4).draws(0, purpose), 4)}
    assert not per_lead & set(a.tolist())
