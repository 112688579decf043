"""Email sends: bounces, opens, clicks, unsubscribes, content effects, and who gets no more mail."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from sim.world import email as mail
from sim.world.lead import BOOKED, DECISION, DORMANT, LOST, Lead
from sim.world.model import simulate
from sim.world.params import arm_params, world_params
from sim.world.streams import Draws

DECISION_ONLY = [
    {
        "name": "ready",
        "share": 1.0,
        "initial_stage": {"awareness": 0.0, "consideration": 0.0, "decision": 1.0},
    }
]


def draws(*values: float) -> Draws:
    return Draws(np.array(values, dtype=float), np.random.SeedSequence(0), 0, 0)


@pytest.fixture
def world(scenario, strategy):
    p = world_params(scenario())
    arm = arm_params(0, strategy("stage_nurture"))

    def lead(stage=0, journey=(0.999999,) * 4):
        return Lead(0, arm, 0, 0.0, stage, 1.0, 1.0, draws(*journey), p)

    return p, arm, lead


def test_bounced_email_has_no_effect(world):
    p, arm, make = world
    lead = make()
    de = draws(0.99, 0.0, 0.0, 0.0)  # 0.99 >= delivery 0.98: bounced
    assert mail.send(lead, 1.4, 1, arm, p, de) is False
    assert (lead.emails, lead.delivered, lead.opened, lead.clicked) == (1, 0, 0, 0)
    assert lead.unsub_t == math.inf and not lead.complained
    assert lead.state == 0 and lead.score == 0
    assert de._i == 1  # nothing else was drawn for it


def test_delivered_unopened_email_only_counts(world):
    p, arm, make = world
    lead = make()
    de = draws(0.9, 0.5)  # 0.9 / 0.98 > p_open 0.208; 0.5 > unsubscribe odds
    assert mail.send(lead, 1.4, 1, arm, p, de) is False
    assert (lead.emails, lead.delivered, lead.opened) == (1, 1, 0)
    assert lead.unsub_t == math.inf and lead.state == 0


def test_unsubscribe_and_complaint(world):
    p, arm, make = world
    lead = make()
    mail.send(lead, 1.4, 1, arm, p, draws(0.9, p.unsub_p * 0.5 + p.complaint_p))
    assert lead.unsub_t == 1.4 and not lead.complained
    assert not mail.emailable(lead, 1.5)
    lead = make()
    mail.send(lead, 1.4, 1, arm, p, draws(0.9, p.complaint_p * 0.5))
    assert lead.complained and lead.unsub_t == 1.4  # a complaint also stops email


def test_fatigue_raises_unsubscribe_odds(world):
    p, arm, make = world
    lead = make()
    u = p.unsub_p + p.complaint_p + 1e-6  # just above the odds of a first email
    mail.send(lead, 1.4, 1, arm, p, draws(0.9, u))
    assert lead.unsub_t == math.inf and lead.vol == 1.0
    # The next day the decayed volume counts: odds x (1 + 0.4 * (2^(-1/7) + 1 - 1)).
    mail.send(lead, 2.4, 2, arm, p, draws(0.9, u))
    assert lead.vol == pytest.approx(2 ** (-1 / 7) + 1)
    assert lead.unsub_t == 2.4


def test_matched_content_opened_moves_the_lead_forward(world):
    p, arm, make = world
    lead = make(stage=0)  # believed awareness -> awareness content: matched
    de = draws(0.05, 0.5, 0.1)  # opened, not clicked; 0.1 < match_advance_prob 0.15
    mail.send(lead, 1.4, 1, arm, p, de)
    assert lead.opened == 1 and lead.clicked == 0
    assert lead.state == 1 and lead.max_stage == 1
    assert lead.score == arm.open_points and lead.belief == 1


def test_hard_sell_at_awareness_can_push_the_lead_away(scenario, strategy):
    p = world_params(scenario())
    arm = arm_params(0, strategy("hard_sell"))  # pitch content to everyone
    lead = Lead(0, arm, 0, 0.0, 0, 1.0, 1.0, draws(0.999999), p)
    # opened; no unsubscribe; pushed (0.1 < 0.25); lost (0.5 < push_away_lost_share 0.7).
    mail.send(lead, 1.4, 1, arm, p, draws(0.05, 0.9, 0.1, 0.5))
    assert lead.pushed == 1 and lead.state == LOST and lead.lost_t == 1.4
    lead = Lead(0, arm, 0, 0.0, 0, 1.0, 1.0, draws(0.999999, 0.999999), p)
    mail.send(lead, 1.4, 1, arm, p, draws(0.05, 0.9, 0.1, 0.9))
    assert lead.pushed == 1 and lead.state == DORMANT


def test_no_push_away_without_stage_matching(scenario, strategy):
    p = replace(world_params(scenario()), stage_matching=False)
    arm = arm_params(0, strategy("hard_sell"))
    lead = Lead(0, arm, 0, 0.0, 0, 1.0, 1.0, draws(0.999999), p)
    mail.send(lead, 1.4, 1, arm, p, draws(0.05, 0.9, 0.5, 0.5))
    assert lead.pushed == 0 and lead.state == 0


def test_booking_link_at_decision_books_online(world):
    p, arm, make = world
    lead = make(stage=DECISION, journey=(0.999999, 0.5))
    # opened (0.05); no unsubscribe; booking click (0.1 < 0.2); books (0.3 < 0.4).
    assert mail.send(lead, 1.4, 1, arm, p, draws(0.05, 0.9, 0.1, 0.3)) is False
    assert lead.state == BOOKED and lead.booked_t == 1.4 and lead.clicked == 1
    assert not mail.emailable(lead, 2.0)


def test_booking_click_without_booking_signals_readiness(world):
    p, arm, make = world
    lead = make(stage=DECISION)
    assert mail.send(lead, 1.4, 1, arm, p, draws(0.05, 0.9, 0.1, 0.9)) is True
    assert lead.belief == DECISION and lead.state == DECISION


def test_emailable_window_unsubscribe_and_booking(world):
    p, _, make = world
    lead = make()
    assert mail.emailable(lead, 1.0)
    assert not mail.emailable(lead, lead.end + 0.1)
    lead.unsub_t = 5.0
    assert mail.emailable(lead, 4.9) and not mail.emailable(lead, 5.0)
    lead = make(stage=DECISION, journey=(0.5, 0.5))
    lead.book(3.0, p)
    assert not mail.emailable(lead, 3.5)
    lead.state = DORMANT  # a no-show: still known to have booked
    assert not mail.emailable(lead, 10.0)


def test_first_due_day_is_the_next_batch_after_the_start_delay(world):
    p, arm, make = world  # send hour 10:00, start delay 1 day
    lead = make()
    lead.arrived = 2.25  # Wednesday 06:00 -> Thursday 06:00 -> Thursday's batch
    assert mail.first_due_day(lead, arm, p) == 3
    lead.arrived = 2.5  # Wednesday noon -> Thursday noon -> Friday's batch
    assert mail.first_due_day(lead, arm, p) == 4


def test_open_delay_matches_its_calibration():
    # Log-normal: 21.5% of opens in hour 1, 50.6% by 6 h, 73% by 24 h (GetResponse); the
    # fitted curve gives 21.5%, 50.2%, 73.8%. 20000 draws: binomial SE <= 0.0036; 4 SE.
    rng = np.random.default_rng(5)
    hours = 24 * np.array([mail.open_delay(draws(u)) for u in rng.random(20000)])
    for h, share in [(1, 0.215), (6, 0.502), (24, 0.738)]:
        assert abs(np.mean(hours <= h) - share) < 4 * math.sqrt(share * (1 - share) / 20000)


# -- whole worlds ----------------------------------------------------------------------------


def test_unsubscribed_leads_get_no_more_email(scenario, strategy):
    s = scenario(months=2, **{"email.unsubscribe_prob": 1.0, "email.delivery_prob": 1.0})
    leads = simulate(s, strategy("stage_nurture"), seed=3).leads
    # Every delivered email unsubscribes, so nobody gets a second one.
    assert leads.emails_sent.max() == 1
    got = leads.emails_sent == 1
    assert got.mean() > 0.5
    assert leads.unsubscribed[got].all() and not leads.unsubscribed[~got].any()


def test_booked_leads_get_no_more_email(scenario, strategy):
    # Everyone arrives at decision and books within hours; a daily cadence would send ~180
    # emails over the window, but the practice knows they booked.
    s = scenario(
        months=1,
        sources=DECISION_ONLY,
        **{"journey.decision.advance_per_day": 20.0, "appointment.show_prob": 0.5},
    )
    daily = {f"email.cadence.{k}.interval_days": 1 for k in ("awareness", "consideration",
                                                             "decision")}  # fmt: skip
    leads = simulate(s, strategy("stage_nurture", **daily, **{"email.max_emails": 500}), 1).leads
    early = leads.days_to_book < 1.0  # booked before the first email (start delay 1 day)
    assert early.mean() > 0.9
    assert (leads.emails_sent[early] == 0).all()
    # No-shows included: they stay known as booked.
    assert (~leads.converted[early]).sum() > 10


def test_all_bounced_email_changes_no_outcome(scenario, strategy):
    # Common random numbers: bounced emails draw only from the email stream, so the journey,
    # sales and outcomes are those of the same strategy without email.
    s = scenario(months=2)
    bounced = simulate(scenario(months=2, **{"email.delivery_prob": 0.0}),
                       strategy("stage_nurture"), seed=5).leads  # fmt: skip
    silent = simulate(s, strategy("stage_nurture", **{"email.enabled": False}), seed=5).leads
    assert bounced.emails_sent.sum() > 1000
    assert bounced.emails_delivered.sum() == 0 and not bounced.unsubscribed.any()
    same = ["lead_id", "final_state", "booked", "converted", "days_to_book", "days_to_convert",
            "days_to_lost", "sales_attempts", "sales_reached", "first_response_hours"]  # fmt: skip
    pd.testing.assert_frame_equal(bounced[same], silent[same])


def test_max_emails_is_honoured(scenario, strategy):
    leads = simulate(scenario(months=1), strategy("hard_sell", **{"email.max_emails": 4}), 2).leads
    assert leads.emails_sent.max() == 4


def test_matched_click_multiplier_applies_to_stage_content_only(scenario, strategy):
    # Opened with u / p_open = 0.15: clicked when the click probability is doubled by a match
    # (0.09 x 2 = 0.18), not at the plain 0.09.
    p = world_params(scenario())
    stage_arm = arm_params(0, strategy("stage_nurture"))
    lead = Lead(0, stage_arm, 0, 0.0, 0, 1.0, 1.0, draws(0.999999, 0.999999), p)
    mail.send(lead, 1.4, 1, stage_arm, p, draws(p.delivery * p.open_p[0] * 0.15, 0.9, 0.9))
    assert lead.clicked == 1  # awareness content read at awareness: matched
    # A dormant lead reading a newsletter: generic content matches no stage (the kind index
    # of "generic" once collided with the dormant state's number and doubled its clicks).
    news = arm_params(0, strategy("newsletter"))
    lead = Lead(0, news, 0, 0.0, 0, 1.0, 1.0, draws(0.999999, 0.999999), p)
    lead.state = DORMANT
    mail.send(lead, 1.4, 1, news, p, draws(p.delivery * p.open_p[DORMANT] * 0.15, 0.9, 0.9))
    assert lead.opened == 1 and lead.clicked == 0
