"""Stage inference from signals: points, thresholds, booking clicks, conversations, oracle."""

from __future__ import annotations

import numpy as np
import pytest

from sim.world.lead import DECISION, Lead
from sim.world.params import arm_params, world_params
from sim.world.scoring import belief_from_score, on_booking_click, on_conversation, on_email
from sim.world.streams import Draws

AWARENESS, CONSIDERATION, GENERIC = 0, 1, 3


@pytest.fixture
def setup(scenario, strategy):
    p = world_params(scenario())
    arm = arm_params(0, strategy("stage_nurture"))

    def lead(stage=0):
        d = Draws(np.array([0.5] * 4), np.random.SeedSequence(0), 0, 0)
        return Lead(0, arm, 0, 0.0, stage, 1.0, 1.0, d, p)

    return arm, lead


def test_belief_thresholds(setup):
    arm, _ = setup  # stage_nurture: consideration_at 1, decision_at 4
    assert [belief_from_score(s, arm) for s in (0, 0.99, 1, 3.99, 4, 100)] == [0, 0, 1, 1, 2, 2]


def test_opens_and_clicks_add_points_by_content(setup):
    arm, make = setup
    lead = make()
    assert on_email(lead, arm, False, False, AWARENESS) is False
    assert lead.score == 0 and lead.belief == 0
    on_email(lead, arm, True, False, AWARENESS)
    assert lead.score == arm.open_points == 2.0 and lead.belief == 1
    # A click on consideration content: 2 + 8 points -> decision-ready, reported once.
    assert on_email(lead, arm, True, True, CONSIDERATION) is True
    assert lead.score == 2.0 + 2.0 + arm.click_points[CONSIDERATION] and lead.belief == DECISION
    assert on_email(lead, arm, True, True, GENERIC) is False  # already believed ready


def test_booking_click_means_decision_in_any_mode(setup):
    _, make = setup
    lead = make(stage=0)
    assert on_booking_click(lead) is True and lead.belief == DECISION
    assert on_booking_click(lead) is False


def test_conversation_reveals_the_true_stage_and_lifts_the_score(setup):
    arm, make = setup
    lead = make(stage=1)
    assert on_conversation(lead, arm) is False
    assert lead.belief == 1 and lead.score == arm.consideration_at
    lead.stage = DECISION
    assert on_conversation(lead, arm) is True
    assert lead.score == arm.decision_at
    # The score never goes down: a conversation at an earlier stage keeps a higher score...
    lead.score, lead.stage = 50.0, 0
    on_conversation(lead, arm)
    assert lead.score == 50.0
    # ...but the belief follows what the conversation revealed.
    assert lead.belief == 0


def test_oracle_believes_the_true_stage(scenario, strategy):
    p = world_params(scenario())
    arm = arm_params(0, strategy("stage_nurture", **{"scoring.mode": "oracle"}))
    d = Draws(np.array([0.5] * 4), np.random.SeedSequence(0), 0, 0)
    lead = Lead(0, arm, 0, 0.0, 1, 1.0, 1.0, d, p)
    assert on_email(lead, arm, False, False, AWARENESS) is False
    assert lead.belief == 1 and lead.score == 0
    lead.stage = DECISION
    assert on_email(lead, arm, False, False, AWARENESS) is True
