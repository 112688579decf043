"""Collects finished leads into numpy arrays and builds the per-lead DataFrame.

Leads are written here when their window closes and then dropped, so a world's memory holds
only the leads still in their window.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from sim.config.scenario import Scenario
from sim.world.lead import LOST, PATIENT, Lead
from sim.world.params import ArmParams
from sim.world.records import FINAL_STATES, LEAD_COLUMNS, STAGES

_FLOATS = (
    "arrived_day",
    "days_to_book",
    "days_to_convert",
    "days_to_lost",
    "days_to_unsubscribe",
    "first_response_hours",
    "sales_wait_hours",
    "intent",
    "email_affinity",
    "cost_sales_usd",
)
_INTS = (
    "lead_id",
    "emails_sent",
    "emails_delivered",
    "emails_opened",
    "emails_clicked",
    "revived",
    "pushed_away",
    "sales_attempts",
    "sales_reached",
)
_CODES = ("arm", "source", "initial_stage", "max_stage", "final_state")
_BOOLS = ("booked", "converted", "unsubscribed", "complained", "handed_off")

_FINAL = {name: i for i, name in enumerate(FINAL_STATES)}


class LeadTable:
    """Column arrays for ``n`` leads, filled in any order by lead id."""

    def __init__(self, n: int, arm_names: Sequence[str], source_names: Sequence[str]) -> None:
        self.n = n
        self.arm_names = list(arm_names)
        self.source_names = list(source_names)
        self.f = {c: np.full(n, np.nan) for c in _FLOATS}
        self.i = {c: np.zeros(n, dtype=np.int64) for c in _INTS}
        self.c = {c: np.zeros(n, dtype=np.int16) for c in _CODES}
        self.b = {c: np.zeros(n, dtype=bool) for c in _BOOLS}
        self.filled = 0

    def add(self, lead: Lead) -> None:
        k = lead.id
        f, i, c, b = self.f, self.i, self.c, self.b
        a = lead.arrived
        f["arrived_day"][k] = a
        if lead.booked_t <= lead.end:
            b["booked"][k] = True
            f["days_to_book"][k] = lead.booked_t - a
        if lead.state == PATIENT:
            b["converted"][k] = True
            f["days_to_convert"][k] = lead.convert_t - a
        if lead.state == LOST:
            f["days_to_lost"][k] = lead.lost_t - a
        unsub = lead.unsub_t <= lead.end
        if unsub:
            b["unsubscribed"][k] = True
            f["days_to_unsubscribe"][k] = lead.unsub_t - a
        if lead.first_call_t <= lead.end:
            f["first_response_hours"][k] = 24.0 * (lead.first_call_t - a)
        f["sales_wait_hours"][k] = 24.0 * lead.wait
        f["intent"][k] = lead.intent
        f["email_affinity"][k] = lead.affinity
        f["cost_sales_usd"][k] = lead.sales_usd
        i["lead_id"][k] = k
        i["emails_sent"][k] = lead.emails
        i["emails_delivered"][k] = lead.delivered
        i["emails_opened"][k] = lead.opened
        i["emails_clicked"][k] = lead.clicked
        i["revived"][k] = lead.revived
        i["pushed_away"][k] = lead.pushed
        i["sales_attempts"][k] = lead.attempts
        i["sales_reached"][k] = lead.reached
        c["arm"][k] = lead.arm.index
        c["source"][k] = lead.source
        c["initial_stage"][k] = lead.initial_stage
        c["max_stage"][k] = lead.max_stage
        b["complained"][k] = lead.complained
        b["handed_off"][k] = lead.handed_off
        state = lead.state
        if state == PATIENT:
            final = "patient"
        elif state == LOST:
            final = "lost"
        elif unsub:
            final = "unsubscribed"
        elif state == 3:
            final = "dormant"
        else:
            final = "active"
        c["final_state"][k] = _FINAL[final]
        self.filled += 1

    def frame(
        self, scenario: Scenario, arms: Sequence[ArmParams], weights: np.ndarray
    ) -> pd.DataFrame:
        """The per-lead DataFrame, columns exactly as :data:`LEAD_COLUMNS`."""
        if self.filled != self.n:  # pragma: no cover - a bug, not an input problem
            raise RuntimeError(f"{self.n - self.filled} leads never closed")
        src_cost = np.array([scenario.lead_cost_usd(s) for s in scenario.sources])
        arm_code = self.c["arm"]
        counts = np.bincount(arm_code, minlength=len(arms))
        fixed_per_lead = np.array(
            [
                a.fees_per_month * scenario.months * float(w) / counts[a.index]
                if counts[a.index]
                else 0.0
                for a, w in zip(arms, weights, strict=True)
            ]
        )
        cost_acq = src_cost[self.c["source"]]
        cost_email = self.i["emails_sent"] * scenario.costs.email_usd
        cost_sales = self.f["cost_sales_usd"]
        cost_fixed = fixed_per_lead[arm_code]
        cols: dict[str, object] = {}
        for name in LEAD_COLUMNS:
            if name in self.f:
                cols[name] = self.f[name]
            elif name in self.i:
                cols[name] = self.i[name]
            elif name in self.b:
                cols[name] = self.b[name]
        cols["arm"] = _labels(arm_code, self.arm_names)
        cols["source"] = _labels(self.c["source"], self.source_names)
        cols["initial_stage"] = _labels(self.c["initial_stage"], STAGES)
        cols["max_stage"] = _labels(self.c["max_stage"], STAGES)
        cols["final_state"] = _labels(self.c["final_state"], FINAL_STATES)
        cols["cost_acquisition_usd"] = cost_acq
        cols["cost_email_usd"] = cost_email
        cols["cost_fixed_usd"] = cost_fixed
        cols["cost_total_usd"] = cost_acq + cost_email + cost_sales + cost_fixed
        return pd.DataFrame({name: cols[name] for name in LEAD_COLUMNS})


def _labels(codes: np.ndarray, names: Sequence[str]) -> np.ndarray:
    return np.asarray(names, dtype=object)[codes] if len(codes) else np.empty(0, dtype=object)
