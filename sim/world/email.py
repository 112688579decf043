"""Email: one daily batch sends every due email, as marketing automation does.

A lead's next email is due ``interval`` whole days after its last, by the stage the strategy
*believes* it is in. Each send is delivered -> opened -> clicked; unsubscribes and spam
complaints grow with recent volume (fatigue, a count of emails decaying with a half-life).
Opened content that matches the true stage moves the lead forward or revives it; decision
content opened at awareness may push it away. Effects apply at send time; only the hand-off a
click triggers waits for the open delay, since that is when sales could first know.
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict
from statistics import NormalDist

from sim.world.lead import DECISION, DORMANT, LOST, Lead
from sim.world.params import GENERIC, PITCH, ArmParams, WorldParams
from sim.world.scoring import on_booking_click, on_email
from sim.world.streams import Draws

_STD_NORMAL = NormalDist()

#: Open delay: log-normal fitted to GetResponse's 21.5% of opens in hour 1, 50.6% by 6 h and
#: 73% by 24 h (calibration.md): median 5.8 h, sigma 2.23 gives 21.5%, 50.2% and 73.8%.
OPEN_DELAY_MEDIAN_DAYS = 5.8 / 24.0
OPEN_DELAY_SIGMA = 2.23


class Mailbox:
    """Which leads are due on which day, and the earliest day with anything due.

    >>> box = Mailbox()
    >>> box.next_day() is None
    True
    >>> from types import SimpleNamespace as NS
    >>> box.schedule(NS(), 9); box.schedule(NS(), 4); box.schedule(NS(), 9)
    >>> box.next_day(), len(box.pop(4)), box.next_day()
    (4, 1, 9)
    """

    __slots__ = ("days", "due")

    def __init__(self) -> None:
        self.due: defaultdict[int, list[Lead]] = defaultdict(list)
        self.days: list[int] = []  # heap of the days in ``due``

    def schedule(self, lead: Lead, day: int) -> None:
        lead.next_due = day
        due = self.due.get(day)
        if due is None:
            due = self.due[day] = []
            heapq.heappush(self.days, day)
        due.append(lead)

    def pop(self, day: int) -> list[Lead]:
        return self.due.pop(day, [])

    def next_day(self) -> int | None:
        """The earliest day that still has leads due, or None."""
        days, due = self.days, self.due
        while days and days[0] not in due:
            heapq.heappop(days)
        return days[0] if days else None


def first_due_day(lead: Lead, arm: ArmParams, p: WorldParams) -> int:
    """Day index of the first batch at or after arrival + start delay."""
    t = lead.arrived + arm.start_delay
    day = math.floor(t)
    return day if t <= day + p.send_hour / 24.0 else day + 1


def send(lead: Lead, t: float, day: int, arm: ArmParams, p: WorldParams, de: Draws) -> bool:
    """Send the lead its due email at time ``t``; return True when it became decision-ready.

    The caller has checked the lead is still emailable and advanced its journey to ``t``.
    """
    lead.emails += 1
    lead.last_send = day
    vol = lead.vol * 2.0 ** (-(t - lead.vol_t) * p.fatigue_decay) + 1.0
    lead.vol, lead.vol_t = vol, t
    extra = vol - 1.0

    u = de.next()
    delivery = p.delivery
    if u >= delivery:
        return False  # bounced: no signals, no effect
    lead.delivered += 1
    u /= delivery
    state = lead.state
    sched = arm.schedule
    if sched is None:
        content = arm.content[lead.belief]
    else:
        content = sched.content(day - first_due_day(lead, arm, p), lead.belief)
    p_open = p.open_p[state if state <= DORMANT else DORMANT] * lead.affinity
    p_open /= 1.0 + p.open_fatigue * extra
    if p_open > 0.99:
        p_open = 0.99
    opened = u < p_open
    matching = p.stage_matching

    # Unsubscribe and complaint, with fatigue and a penalty for a hard sell read too early.
    mult = 1.0 + p.unsub_fatigue * extra
    if opened and state == 0 and matching and content >= DECISION and content != GENERIC:
        mult *= p.mismatch_mult  # a hard sell read at awareness
    u2 = de.next()
    p_complaint = p.complaint_p * mult
    if u2 < p_complaint + p.unsub_p * mult:
        if lead.unsub_t > t:
            lead.unsub_t = t
        if u2 < p_complaint:
            lead.complained = True

    if not opened:
        return on_email(lead, arm, False, False, content) if arm.oracle else False
    lead.opened += 1
    if state == DECISION and p.booking_click > 0.0 and de.next() < p.booking_click:
        # The booking link: book online now, or signal readiness to whoever watches.
        lead.clicked += 1
        lead.booking_clicks += 1
        if de.next() < p.booking_book:
            lead.book(t, p)
            return False
        return on_booking_click(lead)
    p_click = p.click_p
    if content == state and state <= DECISION and matching:
        p_click = min(1.0, p_click * p.matched_click)
    clicked = u / p_open < p_click
    if clicked:
        lead.clicked += 1
    if state != LOST:
        _content_effect(lead, t, state, content, clicked, p, de)
    return on_email(lead, arm, True, clicked, content)


def _content_effect(
    lead: Lead, t: float, state: int, content: int, clicked: bool, p: WorldParams, de: Draws
) -> None:
    matched = p.stage_matching and content != GENERIC
    if state <= DECISION:
        if matched and content == state:
            prob = p.match_adv_clicked if clicked else p.match_adv
        elif matched and content == PITCH and state == DECISION:
            return  # a pitch tells a ready lead nothing new; only its booking link works
        elif matched and content >= DECISION and state < DECISION:
            push = p.push_away if state == 0 else p.premature_push
            if de.next() < push:
                lead.push_away(t, de.next() < p.push_lost, p)
            return
        elif not matched:
            prob = p.generic_adv
        else:
            return  # content for another stage: read, not acted on
        if prob > 0.0 and de.next() < prob:
            lead.advance_one(t, p)
    elif state == DORMANT:
        prob = (
            p.match_revive
            if (matched and content == lead.stage)
            else (p.generic_revive if not matched else 0.0)
        )
        if prob > 0.0 and de.next() < prob:
            lead.revive(t, p)


def open_delay(de: Draws) -> float:
    """Days from send to open, for a click that triggers a hand-off."""
    z = _STD_NORMAL.inv_cdf(min(max(de.next(), 1e-12), 1 - 1e-12))
    return OPEN_DELAY_MEDIAN_DAYS * math.exp(OPEN_DELAY_SIGMA * z)


def emailable(lead: Lead, t: float) -> bool:
    """Still gets email: in its window, subscribed, not known to have booked.

    A booked or patient lead has ``booked_t <= t``, so no state check is needed.
    """
    return t <= lead.end and lead.unsub_t > t and lead.booked_t > t
