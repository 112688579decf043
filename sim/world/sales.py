"""The sales team: agents with working hours, a first-come first-served queue, speed to lead.

A trigger (a new lead, or a hand-off when the lead scores decision-ready) starts a call
process: wait the strategy's response delay, move into working hours, queue for a free agent,
then try to reach the lead. The chance of reaching it decays with the hours since the trigger
(speed to lead); a conversation acts by the lead's true stage — books at decision, moves
consideration along, and at awareness is a pushy sale that may drive the lead away.

The queue is exact but cheap. With first-come first-served service a call's start is fixed
the moment it joins the queue: it takes the agent who frees first (Kiefer-Wolfowitz), at that
time or at the next opening if the agent frees after closing — calls in progress at closing
time are finished, queued ones wait for the office to open. So the agents are a heap of the
times they become free, and an attempt costs one SimPy timeout to join the queue and, only if
it waits, one to start: no ``Resource`` requests, releases or call-length timeouts. Whether an
attempt is placed at all (window still open, the lead's cap on attempts) is also known when it
joins, since starts happen in the order calls join.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Generator

import simpy

from sim.config.scenario import Scenario
from sim.world.calendar import WorkingHours
from sim.world.events import ATTEMPT, CONNECTED
from sim.world.lead import BOOKED, DECISION, DORMANT, LOST, PATIENT, Lead
from sim.world.params import ArmParams, CallParams, WorldParams
from sim.world.scoring import on_conversation
from sim.world.streams import Draws

HOURS_PER_WEEK = 168
#: Per hour of the week (0 = Monday 00:00-01:00): call attempts started, attempts that did not
#: reach the lead, hours those attempts waited for an agent, and agent-hours spent on calls.
DESK_KEYS = ("attempts", "unanswered", "wait_hours", "busy_hours")


class SalesTeam:
    """Agents, hours and what a conversation does."""

    def __init__(self, env: simpy.Environment, scenario: Scenario, p: WorldParams) -> None:
        s = scenario.sales
        self.env = env
        self.p = p
        # When each agent is next free (all free at the start); see the module docstring.
        self.free_at = [0.0] * s.agents
        self.hours = WorkingHours(s.open_hour, s.close_hour, s.workdays_per_week)
        self.reach_max = s.reach_max_prob
        self.reach_floor = s.reach_floor_share
        self.half_life = s.reach_half_life_hours / 24.0
        self.mean_reached = s.call_minutes_reached / 1440.0
        self.mean_unreached = s.call_minutes_unreached / 1440.0
        self.exponential = scenario.call_length == "exponential"
        self.usd_per_day = s.labour_usd_per_hour * 24.0
        self.book_dec = s.book_prob_decision
        self.book_con = s.book_prob_consideration
        self.adv_con = s.advance_prob_consideration
        self.push_aw = s.push_away_prob_awareness
        self.adv_aw = s.advance_prob_awareness
        self.push_lost = s.push_away_lost_share
        self.revive_dormant = s.revive_prob_dormant
        self.pushy_aw = s.pushy_push_away_prob_awareness
        self.pushy_con = s.pushy_push_away_prob_consideration
        self.log = None  # an EventLog when the world records its CRM export
        self.calls = 0
        self.wait_total = 0.0
        self.waited = 0
        # The desk by hour of the week while leads arrive (steady load, not the run-down
        # after the last arrival), for the report: see :data:`DESK_KEYS`.
        self.desk_until = scenario.total_days
        self.desk = {k: [0.0] * HOURS_PER_WEEK for k in DESK_KEYS}

    def reach_prob(self, days_since_trigger: float) -> float:
        """P(reach) after a delay, e.g. 0.71 at once falling to 0.71 * floor.

        >>> from types import SimpleNamespace as NS
        >>> team = SalesTeam.__new__(SalesTeam)
        >>> team.reach_max, team.reach_floor, team.half_life = 0.7, 0.2, 1 / 24
        >>> round(team.reach_prob(1 / 24), 3)   # one half-life: 0.7 * (0.2 + 0.8 / 2)
        0.42
        """
        decay = 2.0 ** (-days_since_trigger / self.half_life)
        return self.reach_max * (self.reach_floor + (1.0 - self.reach_floor) * decay)

    def call(
        self, lead: Lead, trigger: float, plan: CallParams, arm: ArmParams, ds: Draws
    ) -> Generator[simpy.Event, object, None]:
        """The call process: attempts until reached, given up, or the lead is out of reach."""
        env, p, free_at, hours = self.env, self.p, self.free_at, self.hours
        lead.call_gen += 1
        gen = lead.call_gen
        delay = -plan.mean_delay * math.log1p(-ds.next()) if plan.mean_delay > 0 else 0.0
        when = trigger + delay
        for attempt in range(plan.max_attempts):
            when = hours.next_open(when)
            if when > lead.end:
                return
            # env.now is a sum of relative delays and can be an ulp past the absolute time
            # ``when`` (e.g. a call placed at once on arrival): never a negative delay.
            if when > env.now:
                yield env.timeout(when - env.now)
            if lead.call_gen != gen:
                return  # a newer trigger took over this lead
            queued = env.now
            if lead.next_t <= queued:
                lead.advance_to(queued, p)
            if lead.state in (BOOKED, PATIENT) or lead.booked_t <= queued:
                return  # the practice knows it booked
            if lead.attempts >= arm.max_attempts_per_lead:
                return  # the lead has had the strategy's most attempts (all triggers together)
            # Join the queue: the first agent to free up takes the call, in working hours.
            free = heapq.heappop(free_at)
            start = queued if free <= queued else hours.next_open(free)
            if start > lead.end:
                # Its window closes before an agent is free: the agent is never taken.
                heapq.heappush(free_at, free)
                return
            # reach_prob, inlined (every attempt)
            decay = 2.0 ** (-(start - trigger) / self.half_life)
            reached = ds.next() < self.reach_max * (
                self.reach_floor + (1.0 - self.reach_floor) * decay
            )
            mean = self.mean_reached if reached else self.mean_unreached
            length = -mean * math.log1p(-ds.next()) if self.exponential else mean
            heapq.heappush(free_at, start + length)
            # Counted on joining: starts follow the order of joining, so a later attempt of the
            # same lead (another trigger's) sees this one when it checks the cap.
            lead.attempts += 1
            waited = start - queued
            self.calls += 1
            self.wait_total += waited
            if waited > 0.0:
                self.waited += 1
                yield env.timeout(start - env.now)
            lead.wait += waited
            if self.log is not None:
                self.log.add(lead, start, ATTEMPT)
            if lead.first_call_t > start:
                lead.first_call_t = start
            if lead.next_t <= start:
                lead.advance_to(start, p)
            if start < self.desk_until:
                self._log_desk(start, length, waited, reached)
            if reached:
                lead.reached += 1
                if self.log is not None:
                    self.log.add(lead, start, CONNECTED)
                self._conversation(lead, start, arm, ds, plan.pushy)
            # Booked now, not after the call: the lead's row may be written while it lasts.
            lead.sales_usd += length * self.usd_per_day
            if reached or attempt + 1 == plan.max_attempts:
                return
            if plan.give_up > 0.0 and ds.next() < plan.give_up:
                return
            when = start + length + plan.retry

    def _log_desk(self, start: float, length: float, waited: float, reached: bool) -> None:
        d = self.desk
        hour = start * 24.0
        h = int(hour) % HOURS_PER_WEEK
        d["attempts"][h] += 1.0
        d["wait_hours"][h] += 24.0 * waited
        if not reached:
            d["unanswered"][h] += 1.0
        busy, end = d["busy_hours"], hour + length * 24.0
        while hour < end:  # a call may run into the next hour
            nxt = math.floor(hour) + 1.0
            busy[int(hour) % HOURS_PER_WEEK] += min(end, nxt) - hour
            hour = nxt

    def desk_record(self, agents: int) -> dict[str, list[float]]:
        """The desk log with ``agent_hours``: agents x the hours each hour-of-week occurred.

        >>> from types import SimpleNamespace as NS
        >>> team = SalesTeam.__new__(SalesTeam)
        >>> team.desk_until, team.desk = 7.5, {k: [0.0] * 168 for k in DESK_KEYS}
        >>> cap = team.desk_record(2)["agent_hours"]
        >>> cap[0], cap[11], cap[12], sum(cap) / 2
        (4.0, 4.0, 2.0, 180.0)
        """
        hours = self.desk_until * 24.0
        weeks, rest = divmod(hours, HOURS_PER_WEEK)
        cap = [agents * (weeks + min(1.0, max(0.0, rest - h))) for h in range(HOURS_PER_WEEK)]
        return {**{k: list(v) for k, v in self.desk.items()}, "agent_hours": cap}

    def _conversation(self, lead: Lead, t: float, arm: ArmParams, ds: Draws, pushy: bool) -> None:
        p = self.p
        state = lead.state
        if pushy and state < DECISION:
            u = ds.next()
            if u < (self.pushy_aw if state == 0 else self.pushy_con):
                lead.push_away(t, ds.next() < self.push_lost, p)
            elif state == 1 and u > 1.0 - self.book_con:
                lead.book(t, p)
        elif state == DECISION:
            if ds.next() < self.book_dec:
                lead.book(t, p)
        elif state == 1:
            u = ds.next()
            if u < self.book_con:
                lead.book(t, p)
            elif u < self.book_con + self.adv_con:
                lead.advance_one(t, p)
        elif state == 0:
            u = ds.next()
            if u < self.push_aw:
                lead.push_away(t, ds.next() < self.push_lost, p)
            elif u < self.push_aw + self.adv_aw:
                lead.advance_one(t, p)
        elif state == DORMANT and ds.next() < self.revive_dormant:
            lead.revive(t, p)
        if state != LOST:
            # The conversation tells the strategy the stage; sales has just spoken to the
            # lead, so becoming decision-ready here needs no further hand-off call.
            on_conversation(lead, arm)
