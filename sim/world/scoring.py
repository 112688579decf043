"""Stage inference: what the strategy believes about a lead, from what it can observe.

The strategy never sees the latent stage. It scores signals — opens, clicks by content kind,
what a sales conversation revealed — and maps the score to a believed stage with two
thresholds, as marketing-automation lead scoring does. In ``oracle`` mode the belief is the
true stage: an upper bound on what better inference could buy.
"""

from __future__ import annotations

from sim.world.lead import DECISION, Lead
from sim.world.params import ArmParams


def on_email(lead: Lead, arm: ArmParams, opened: bool, clicked: bool, content: int) -> bool:
    """Score an email's signals; return True when the lead just became decision-ready."""
    if arm.oracle:
        return _believe(lead, lead.stage)
    score = lead.score
    if opened:
        score += arm.open_points
        if clicked:
            score += arm.click_points[content]
        lead.score = score
    # belief_from_score and _believe, inlined: this runs for every email sent
    if score >= arm.decision_at:
        became_ready = lead.belief != DECISION
        lead.belief = DECISION
        return became_ready
    lead.belief = 1 if score >= arm.consideration_at else 0
    return False


def on_booking_click(lead: Lead) -> bool:
    """A click on the booking link means decision, in any mode."""
    return _believe(lead, DECISION)


def on_conversation(lead: Lead, arm: ArmParams) -> bool:
    """A sales conversation reveals the true stage; the score catches up with it."""
    stage = lead.stage
    floor = (0.0, arm.consideration_at, arm.decision_at)[stage]
    if lead.score < floor:
        lead.score = floor
    return _believe(lead, stage)


def belief_from_score(score: float, arm: ArmParams) -> int:
    """Map a score to a believed stage.

    >>> from types import SimpleNamespace as NS
    >>> arm = NS(consideration_at=4.0, decision_at=15.0)
    >>> [belief_from_score(s, arm) for s in (0, 4, 14.9, 15)]
    [0, 1, 1, 2]
    """
    if score >= arm.decision_at:
        return 2
    if score >= arm.consideration_at:
        return 1
    return 0


def _believe(lead: Lead, belief: int) -> bool:
    became_ready = belief == DECISION and lead.belief != DECISION
    lead.belief = belief
    return became_ready
