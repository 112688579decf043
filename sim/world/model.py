"""The world: arrivals, leads, the daily email batch and the sales team, run in SimPy.

Pending SimPy events are few by design: the arrival process, one daily batch process (which
sends every due email and closes every lead whose window has ended) and the calls in
progress. Leads' own transitions are applied lazily (:mod:`sim.world.lead`).
"""

from __future__ import annotations

import gc
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import simpy

from sim.config.scenario import DAYS_PER_MONTH, Scenario
from sim.config.strategy import Strategy
from sim.world import email as mail
from sim.world.arrivals import draw_arrivals, draw_traits
from sim.world.events import HANDOFF, EventLog
from sim.world.lead import BOOKED, INF, Lead
from sim.world.params import arm_params, world_params
from sim.world.sales import SalesTeam
from sim.world.streams import CHUNK, LeadStreams
from sim.world.table import LeadTable


@dataclass(frozen=True)
class Arm:
    """A strategy in the world, with its allocation weight (used by the split design)."""

    name: str
    strategy: Strategy
    weight: float = 1.0


@dataclass
class WorldResult:
    """What one world returns: the per-lead table and world totals."""

    leads: pd.DataFrame
    totals: dict[str, float | int | str] = field(default_factory=dict)
    #: The sales desk by hour of the week while leads arrive (:meth:`SalesTeam.desk_record`).
    sales_desk: dict[str, list[float]] = field(default_factory=dict)
    #: With ``events=True``: the CRM export's (leads, events) tables (:mod:`sim.world.events`).
    crm: tuple[pd.DataFrame, pd.DataFrame] | None = None


def simulate(
    scenario: Scenario,
    strategy: Strategy | Sequence[Arm],
    seed: int | np.random.SeedSequence = 0,
    *,
    progress: Callable[[float], None] | None = None,
    events: bool = False,
) -> WorldResult:
    """Run one world and return its per-lead table and totals.

    Args:
        scenario: the practice's world.
        strategy: one strategy, or several :class:`Arm` sharing the world (leads are
            randomised to arms by weight, and share the sales team: the split design).
        seed: root seed or a replication's :class:`numpy.random.SeedSequence`.
        progress: called with the fraction of simulated time done, about 100 times.
        events: also return what the practice's CRM would hold (``result.crm``).

    Example:
        >>> from sim.config import load_scenario, load_strategy
        >>> s = load_scenario("configs/scenarios/medical_practice.toml", {"months": 2})
        >>> r = simulate(s, load_strategy("configs/strategies/no_nurture.toml"), seed=1)
        >>> len(r.leads) == r.totals["leads"] and set(r.leads.arm) == {"no_nurture"}
        True
    """
    if not isinstance(scenario, Scenario):
        raise TypeError(f"simulate(scenario=...): expected a Scenario, got "
                        f"{type(scenario).__name__}{_load_hint(scenario, 'scenario')}")  # fmt: skip
    if isinstance(strategy, Strategy):
        arms = [Arm(strategy.name, strategy)]
    elif isinstance(strategy, (list, tuple)) and all(isinstance(a, Arm) for a in strategy):
        arms = list(strategy)
    else:
        raise TypeError(f"simulate(strategy=...): expected a Strategy or a list of sim.Arm, got "
                        f"{type(strategy).__name__}{_load_hint(strategy, 'strategy')}")  # fmt: skip
    return World(scenario, arms, seed, events=events).run(progress)


def _load_hint(value: object, kind: str) -> str:
    if isinstance(value, (str, bytes)) or hasattr(value, "__fspath__"):
        return f" - load the file first: sim.load_{kind}(path)"
    return ""


class World:
    """One replication of a scenario under one or more arms."""

    def __init__(
        self,
        scenario: Scenario,
        arms: Sequence[Arm],
        seed: int | np.random.SeedSequence,
        *,
        events: bool = False,
    ) -> None:
        if not arms:
            raise ValueError("a world needs at least one arm")
        names = [a.name for a in arms]
        if len(set(names)) != len(names):
            raise ValueError(f"arm names must be unique: {names}")
        weights = np.array([a.weight for a in arms], dtype=float)
        if np.any(weights < 0) or weights.sum() <= 0:
            raise ValueError("arm weights must be >= 0 and not all 0")
        self.scenario = scenario
        # The arm's name labels its leads (a split A/A test runs one strategy under two names).
        self.arms = [replace(arm_params(i, a.strategy), name=a.name) for i, a in enumerate(arms)]
        self.weights = weights / weights.sum()
        self.p = world_params(scenario)
        self.streams = LeadStreams(seed)
        self.env = simpy.Environment()
        self.sales = SalesTeam(self.env, scenario, self.p)
        self.mailbox = mail.Mailbox()
        self.emails_sent = 0
        self.log = EventLog() if events else None
        self.sales.log = self.log

        self.arrivals = draw_arrivals(scenario, self.streams)
        self.traits = draw_traits(scenario, self.arrivals, self.streams)
        cum = np.cumsum(self.weights)
        cum[-1] = 1.0
        self.assignment = np.searchsorted(cum, self.traits.assign_u, side="right").astype(np.int16)
        self.table = LeadTable(
            len(self.arrivals.day),
            [a.name for a in self.arms],
            [s.name for s in scenario.sources],
        )
        self.closing: dict[int, list[Lead]] = {}
        self.end_day = scenario.total_days + scenario.window_days

    # -- processes -----------------------------------------------------------------------
    def _arrive(self):
        env, p, a, tr = self.env, self.p, self.arrivals, self.traits
        streams, sales, arms, log = self.streams, self.sales, self.arms, self.log
        closing, mailbox = self.closing, self.mailbox
        for lo in range(0, len(a.day), CHUNK):
            # Python floats a chunk at a time: for a million leads, whole lists would hold
            # over 100 MB of boxed numbers for the whole run. The chunks' streams are kept
            # (a few hundred bytes each): a lead asks for its email and sales draws days after
            # its chunk arrived, and a forgotten stream would be seeded again for each lead.
            hi = lo + CHUNK
            days = a.day[lo:hi].tolist()
            sources = a.source[lo:hi].tolist()
            stages = tr.stage[lo:hi].tolist()
            intents = tr.intent[lo:hi].tolist()
            affinities = tr.affinity[lo:hi].tolist()
            assignment = self.assignment[lo:hi].tolist()
            for k, t in enumerate(days):
                yield env.timeout(max(0.0, t - env.now))  # ties: env.now may be an ulp past t
                i = lo + k
                arm = arms[assignment[k]]
                journey = streams.draws(i, "journey")
                lead = Lead(i, arm, sources[k], t, stages[k], intents[k], affinities[k], journey, p)
                lead.log = log
                closing.setdefault(math.floor(lead.end) + 1, []).append(lead)
                if arm.emails:
                    first = mail.first_due_day(lead, arm, p)
                    if arm.schedule is not None:
                        first += arm.schedule.first_offset
                    mailbox.schedule(lead, first)
                if arm.on_arrival.enabled:
                    call = sales.call(lead, t, arm.on_arrival, arm, self._sales_draws(lead))
                    env.process(call)

    def _sales_draws(self, lead: Lead):
        ds = lead.ds
        if ds is None:
            ds = lead.ds = self.streams.draws(lead.id, "sales")
        return ds

    def _daily(self, progress):
        env, p, mailbox, table = self.env, self.p, self.mailbox, self.table
        hour = p.send_hour / 24.0
        last_day = math.ceil(self.end_day) + 1
        step = max(1, last_day // 100)
        send = self._send
        day = 0
        while day <= last_day:
            t = day + hour
            if t > env.now:
                yield env.timeout(t - env.now)
            for lead in mailbox.pop(day):
                if lead.next_due == day and t <= lead.end:
                    send(lead, t, day)
            for lead in self.closing.pop(day, ()):
                lead.advance_to(lead.end, p)
                lead.call_gen += 1  # calls still pending for it stop
                table.add(lead)
                lead.dj = lead.de = lead.ds = None
            nxt = self._next_batch_day(day, t, last_day)
            if progress is not None and (day % step == 0 or nxt // step > day // step):
                progress(min(1.0, day / last_day))
            day = nxt
        # The clock ends where it always has, whatever days were skipped.
        if last_day + hour > env.now:
            yield env.timeout(last_day + hour - env.now)

    def _next_batch_day(self, day: int, t: float, last_day: int) -> int:
        """The next day whose batch has work: a due email, a closing window, or a new lead.

        Only the batch itself and arrivals put leads in the mailbox and the closing lists, and
        arrivals are drawn up front, so the first arrival after ``t`` bounds when new work can
        appear: days with nothing due are skipped, and a world's cost does not grow with empty
        simulated time (a long window, a quiet month).
        """
        nxt = last_day + 1
        due = self.mailbox.next_day()
        if due is not None and due < nxt:
            nxt = due
        if self.closing:
            first = next(iter(self.closing))  # closing days grow with arrival order
            if first < nxt:
                nxt = first
        k = int(np.searchsorted(self.arrivals.day, t, side="right"))
        if k < len(self.arrivals.day):
            arrival_day = math.floor(self.arrivals.day[k])
            if arrival_day < nxt:
                nxt = arrival_day
        return max(nxt, day + 1)

    def _send(self, lead: Lead, t: float, day: int) -> None:
        """Send ``lead`` its due email at ``t`` (the caller checked ``t <= lead.end``).

        The hot path of a nurtured world (about 20 emails a lead): the checks of
        :meth:`Lead.advance_to` and :func:`~sim.world.email.emailable` are inlined, and
        nothing is looked up twice.
        """
        p = self.p
        if lead.next_t <= t:
            lead.advance_to(t, p)
        if lead.unsub_t <= t or lead.booked_t <= t:
            return  # unsubscribed or known to have booked: no more email
        arm = lead.arm
        de = lead.de
        if de is None:
            de = lead.de = self.streams.draws(lead.id, "email")
        self.emails_sent += 1
        log = self.log
        if log is not None:
            before, content = log.before(lead), arm.content[lead.belief]
        ready = mail.send(lead, t, day, arm, p, de)
        if log is not None:
            log.email(lead, t, before, content)
        rule = arm.handoff_rule
        if rule is not None:  # the strategy's own hand-off rule, once per lead
            ready = not lead.handed_off and rule.met(
                lead.opened, lead.clicked, lead.booking_clicks, lead.score
            )
        if ready and arm.on_handoff.enabled and lead.booked_t == INF:
            self._hand_off(lead, t, arm, de)
        if lead.emails < arm.max_emails and lead.unsub_t > t and lead.state != BOOKED:
            schedule = arm.schedule
            if schedule is None:
                gap = arm.interval[lead.belief]
            else:
                gap = schedule.next_gap(day - mail.first_due_day(lead, arm, p), lead.belief)
                if gap is None:
                    return  # the sequence is over and no cadence follows it
            if gap < arm.min_between:
                gap = arm.min_between
            self.mailbox.schedule(lead, day + gap)

    def _hand_off(self, lead: Lead, t: float, arm, de) -> None:
        lead.handed_off = True
        trigger = t + mail.open_delay(de)
        log = self.log
        if log is not None and trigger <= lead.end:  # later, no one could act on it
            log.add(lead, trigger, HANDOFF)
        call = self.sales.call(lead, trigger, arm.on_handoff, arm, self._sales_draws(lead))
        self.env.process(call)

    def run(self, progress: Callable[[float], None] | None = None) -> WorldResult:
        started = time.perf_counter()
        self.env.process(self._arrive())
        self.env.process(self._daily(progress))
        # Python's cyclic collector would traverse every live lead, call and event again and
        # again: in a big world that is a third of the time, for nothing. Reference counting
        # frees the world's objects (a process and the event it waits on are a cycle only
        # until the event fires), and whatever is left is collected once the collector is on
        # again.
        collecting = gc.isenabled()
        gc.disable()
        try:
            self.env.run()
        finally:
            if collecting:
                gc.enable()
        if progress is not None:
            progress(1.0)
        leads = self.table.frame(self.scenario, self.arms, self.weights)
        elapsed = time.perf_counter() - started
        totals = self._totals(leads, elapsed)
        desk = self.sales.desk_record(self.scenario.sales.agents)
        return WorldResult(leads, totals, desk, self._crm() if self.log is not None else None)

    def _crm(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        s = self.scenario
        return self.log.tables(
            self.arrivals.day,
            self.arrivals.source,
            [src.name for src in s.sources],
            [src.cost_per_lead_usd for src in s.sources],
            [a.name for a in self.arms],
        )

    def _totals(self, leads: pd.DataFrame, elapsed: float) -> dict:
        s = self.scenario
        events = next(self.env._eid)  # SimPy numbers every scheduled event
        out: dict[str, float | int | str] = {
            "leads": len(leads),
            "expected_leads": float(s.leads_per_month * s.months),
            "days_simulated": float(self.env.now),
            "events": int(events),
            "events_per_lead": float(events / max(len(leads), 1)),
            "sales_calls": self.sales.calls,
            "sales_mean_wait_hours": 24.0 * self.sales.wait_total / max(self.sales.calls, 1),
            "sales_p_wait": self.sales.waited / max(self.sales.calls, 1),
            "emails_sent": self.emails_sent,
            "seconds": elapsed,
        }
        for arm, w in zip(self.arms, self.weights, strict=True):
            out[f"fixed_cost_usd[{arm.name}]"] = arm.fees_per_month * s.months * float(w)
        out["fixed_cost_usd"] = sum(
            a.fees_per_month * s.months * float(w)
            for a, w in zip(self.arms, self.weights, strict=True)
        )
        out["months_of_arrivals"] = s.months
        out["days_per_month"] = DAYS_PER_MONTH
        return out
