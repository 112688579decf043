"""Sales follow-up in a strategy: call plans, the hand-off rule and the per-lead cap."""

from __future__ import annotations

import math
from typing import Any, Literal

from pydantic import Field, StrictBool, model_validator

from sim.config.base import NonNegative, Positive, Probability, StrictModel, tables_turn_on


class CallPlan(StrictModel):
    """When and how hard sales calls after one kind of trigger.

    On when its table is written (``[sales.on_arrival]``), unless ``enabled = false``.
    """

    #: Call on this trigger (on when its table is written; false switches it off).
    enabled: StrictBool = False
    #: "consultative" calls act by the lead's stage; "pushy" calls pitch a booking to
    #: everyone, which drives early-stage leads away more often (scenario's pushy_* odds).
    style: Literal["consultative", "pushy"] = "consultative"
    #: Mean clock hours from the trigger to the first attempt (exponential), before the
    #: attempt is moved into working hours and waits for a free agent.
    delay_hours: NonNegative = 9.0
    #: Attempts after one trigger, until the lead is reached.
    max_attempts: int = Field(default=1, ge=1, le=100)
    #: After an unanswered attempt, the caller gives up with this probability.
    give_up_prob: Probability = 0.0
    #: Hours between an unanswered attempt and the next.
    retry_hours: Positive = 24.0


class HandoffRule(StrictModel):
    """Hand a lead to sales on counts the practice can see, e.g. ``clicks = 2``.

    Written as ``[sales.handoff_after]``, it replaces the default hand-off (when the lead
    scores decision-ready or clicks a booking link): the lead is handed off once, as soon as
    any one of the written counts is reached. Clicks count every click, booking links too.
    """

    #: Hand off once the lead has opened this many emails.
    opens: int | None = Field(default=None, ge=1, le=10_000)
    #: Hand off once the lead has clicked this many times (content and booking links).
    clicks: int | None = Field(default=None, ge=1, le=10_000)
    #: Hand off once the lead has clicked this many "book an appointment" links.
    booking_clicks: int | None = Field(default=None, ge=1, le=10_000)
    #: Hand off once the lead's score ([scoring] points) reaches this.
    score: float | None = Field(default=None, ge=0.0)

    @model_validator(mode="after")
    def _some_count(self) -> HandoffRule:
        if all(v is None for v in (self.opens, self.clicks, self.booking_clicks, self.score)):
            raise ValueError("write at least one of opens, clicks, booking_clicks or score")
        return self

    def met(self, opens: int, clicks: int, booking_clicks: int, score: float) -> bool:
        """Whether the counts so far reach any written threshold.

        >>> HandoffRule(clicks=2).met(opens=5, clicks=1, booking_clicks=0, score=9.0)
        False
        >>> HandoffRule(clicks=2, score=8).met(opens=5, clicks=1, booking_clicks=0, score=9.0)
        True
        """
        inf = math.inf
        return (
            opens >= (self.opens or inf)
            or clicks >= (self.clicks or inf)
            or booking_clicks >= (self.booking_clicks or inf)
            or score >= (inf if self.score is None else self.score)
        )


class SalesPlan(StrictModel):
    """Sales follow-up: a call when a lead arrives, and one when it is handed off."""

    #: Call when a lead arrives.
    on_arrival: CallPlan = CallPlan()
    #: Hand-off: call when the lead scores decision-ready (or clicks a booking link), or
    #: when `[sales.handoff_after]` says.
    on_handoff: CallPlan = CallPlan()
    #: When to hand off instead, on observable counts (none: when decision-ready).
    handoff_after: HandoffRule | None = None
    #: Most call attempts one lead gets, arrival and hand-off calls together (none: no cap
    #: beyond each plan's max_attempts).
    max_attempts_per_lead: int | None = Field(default=None, ge=1, le=1000)

    @model_validator(mode="before")
    @classmethod
    def _written_plans_are_on(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("handoff_after"), dict):
            # A hand-off rule configures the hand-off: it turns the hand-off call on too.
            data = {**data, "on_handoff": data.get("on_handoff", {})}
        return tables_turn_on(data, ("on_arrival", "on_handoff"))

    @model_validator(mode="after")
    def _rule_needs_calls(self) -> SalesPlan:
        if self.handoff_after is not None and not self.on_handoff.enabled:
            raise ValueError(
                "handoff_after says when to hand off, but [sales.on_handoff] has enabled = "
                "false; remove one of them"
            )
        return self
