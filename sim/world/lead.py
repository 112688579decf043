"""A lead and its journey: latent stage, competing hazards, dormant vs lost.

Between touches a lead's journey is a continuous-time Markov chain with constant hazards, so
its next transition can be drawn when the previous one happens and applied *lazily*: nothing
is scheduled in SimPy for it. Whoever touches the lead (the daily email batch, a sales call,
the end of its window) first calls :meth:`Lead.advance_to` with the current time, which
replays the transitions due by then. By memorylessness, a touch that changes the state simply
redraws the next transition from the new state. This keeps one world's pending events to the
arrivals, the daily batch and calls in progress, whatever the number of leads.
"""

from __future__ import annotations

import math

from sim.world.events import ATTENDED, NO_SHOW
from sim.world.events import BOOKED as BOOKED_EVENT
from sim.world.params import WorldParams
from sim.world.streams import Draws

# States. 0-2 are the active stages (awareness, consideration, decision).
DECISION = 2
DORMANT = 3
BOOKED = 4
PATIENT = 5
LOST = 6

# Kinds of the next natural transition.
ADVANCE, TO_DORMANT, TO_LOST, REVIVE, APPOINTMENT, NOTHING = range(6)

INF = math.inf


class Lead:
    """One lead's state; see :mod:`sim.world.records` for what ends up in the table."""

    __slots__ = (
        "affinity",
        "arm",
        "arrived",
        "attempts",
        "belief",
        "booked_t",
        "booking_clicks",
        "call_gen",
        "clicked",
        "complained",
        "convert_t",
        "de",
        "delivered",
        "dj",
        "ds",
        "emails",
        "end",
        "first_call_t",
        "handed_off",
        "id",
        "initial_stage",
        "intent",
        "last_send",
        "log",
        "lost_t",
        "max_stage",
        "next_due",
        "next_kind",
        "next_t",
        "opened",
        "pushed",
        "reached",
        "revived",
        "sales_usd",
        "score",
        "source",
        "stage",
        "state",
        "unsub_t",
        "vol",
        "vol_t",
        "wait",
    )

    def __init__(
        self,
        lead_id: int,
        arm,
        source: int,
        arrived: float,
        stage: int,
        intent: float,
        affinity: float,
        journey: Draws,
        p: WorldParams,
    ) -> None:
        self.id = lead_id
        self.arm = arm
        self.source = source
        self.arrived = arrived
        self.end = arrived + p.window
        self.stage = self.state = self.max_stage = self.initial_stage = stage
        self.intent = intent
        self.affinity = affinity
        self.dj = journey
        self.de = self.ds = None  # email and sales draws, made when first needed
        self.booked_t = self.convert_t = self.lost_t = self.unsub_t = INF
        self.first_call_t = INF
        self.emails = self.delivered = self.opened = self.clicked = self.booking_clicks = 0
        self.revived = self.pushed = self.attempts = self.reached = 0
        self.complained = self.handed_off = False
        self.sales_usd = self.wait = 0.0
        self.score = 0.0
        self.belief = 0
        self.call_gen = 0
        self.next_due = -1
        self.last_send = -INF
        self.vol = 0.0
        self.vol_t = arrived
        self.log = None  # an EventLog when the world records its CRM export
        self.draw_next(arrived, p)

    # -- the natural journey -------------------------------------------------------------
    def draw_next(self, t: float, p: WorldParams) -> None:
        """Draw the next natural transition from the current state at time ``t``."""
        state = self.state
        if state <= DECISION:
            a = p.advance[state] * self.intent
            d = p.drop_dormant[state]
            lo = p.drop_lost[state]
        elif state == DORMANT:
            a, d, lo = p.revive, 0.0, p.dormant_lost
        elif state == BOOKED:
            return  # next_t was set to the appointment when booking
        else:
            self.next_t, self.next_kind = INF, NOTHING
            return
        total = a + d + lo
        if total <= 0.0:
            self.next_t, self.next_kind = INF, NOTHING
            return
        # One uniform picks the kind and, rescaled within the kind's slice, the time.
        u = self.dj.next() * total
        # Never pick a slice of width 0: with subnormal rates (total = 5e-324) the product can
        # round up to the total and fall past the last slice.
        if u < a or (d <= 0.0 and lo <= 0.0):
            kind, w, base = (ADVANCE if state <= DECISION else REVIVE), a, 0.0
        elif u < a + d or lo <= 0.0:
            kind, w, base = TO_DORMANT, d, a
        else:
            kind, w, base = TO_LOST, lo, a + d
        v = (u - base) / w
        self.next_t = t - math.log1p(-min(v, 0.9999999999999999)) / total
        self.next_kind = kind

    def advance_to(self, t: float, p: WorldParams) -> None:
        """Apply every natural transition due by time ``t``."""
        while self.next_t <= t:
            now = self.next_t
            if now == INF:
                return  # nothing more can happen (t itself is infinite)
            kind = self.next_kind
            if kind == ADVANCE:
                if self.state == DECISION:
                    self.book(now, p)
                    continue
                self.set_stage(self.state + 1)
            elif kind == TO_DORMANT:
                self.state = DORMANT
            elif kind == TO_LOST:
                self.lose(now)
            elif kind == REVIVE:
                self.state = self.stage
                self.revived += 1
            elif kind == APPOINTMENT:
                if self.dj.next() < p.show:
                    self.state = PATIENT
                    self.convert_t = now
                else:  # a no-show goes cold at decision
                    self.state = DORMANT
                if self.log is not None:
                    self.log.add(self, now, ATTENDED if self.state == PATIENT else NO_SHOW)
            self.draw_next(now, p)

    # -- changes caused by the world or the strategy --------------------------------------
    def set_stage(self, stage: int) -> None:
        self.stage = self.state = stage
        if stage > self.max_stage:
            self.max_stage = stage

    def book(self, t: float, p: WorldParams) -> None:
        """Book a first appointment; it happens (or not) after a lag."""
        self.state = BOOKED
        self.stage = self.max_stage = DECISION
        if t < self.booked_t:
            self.booked_t = t
        if self.log is not None:
            self.log.add(self, t, BOOKED_EVENT)
        lag = p.appt_min
        if p.appt_extra > 0.0:
            lag -= p.appt_extra * math.log1p(-self.dj.next())
        self.next_t = t + lag
        self.next_kind = APPOINTMENT

    def lose(self, t: float) -> None:
        self.state = LOST
        self.lost_t = t
        self.next_t, self.next_kind = INF, NOTHING

    def push_away(self, t: float, lost: bool, p: WorldParams) -> None:
        """Driven away by a hard sell: dormant, or lost to a competitor."""
        self.pushed += 1
        if lost:
            self.lose(t)
        else:
            self.state = DORMANT
            self.draw_next(t, p)

    def advance_one(self, t: float, p: WorldParams) -> None:
        """Move one stage forward because of a touch; at decision that means booking."""
        if self.state == DECISION:
            self.book(t, p)
        else:
            self.set_stage(self.state + 1)
            self.draw_next(t, p)

    def revive(self, t: float, p: WorldParams) -> None:
        self.state = self.stage
        self.revived += 1
        self.draw_next(t, p)

    @property
    def known_booked(self) -> bool:
        """The practice knows this lead booked (it stops emailing and calling)."""
        return self.booked_t < INF
