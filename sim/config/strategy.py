"""The strategy: what the practice does — email cadence and content, scoring, sales follow-up.

The email program lives in :mod:`sim.config.email_plan`, sales follow-up in
:mod:`sim.config.sales_plan`; both are re-exported here, where the whole strategy is assembled.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from sim.config.base import NonNegative, StrictModel, tables_turn_on
from sim.config.email_plan import (
    CONTENT_KINDS,
    CONTENT_MEANINGS,
    STAGES,
    Cadence,
    CadenceStep,
    Content,
    EmailPlan,
    Phase,
    Schedule,
)
from sim.config.sales_plan import CallPlan, HandoffRule, SalesPlan

__all__ = [
    "CONTENT_KINDS",
    "CONTENT_MEANINGS",
    "STAGES",
    "Cadence",
    "CadenceStep",
    "CallPlan",
    "Content",
    "EmailPlan",
    "Fees",
    "HandoffRule",
    "Phase",
    "SalesPlan",
    "Schedule",
    "Scoring",
    "Strategy",
]


class Scoring(StrictModel):
    """How the strategy infers the stage from what it can observe.

    ``mode = "signals"`` scores opens and clicks; ``"oracle"`` sees the true stage (an upper
    bound on what better inference could give). A sales conversation reveals the true stage
    in either mode, and a click on a booking link means decision.
    """

    #: "signals" scores what the practice can see; "oracle" knows the true stage.
    mode: Literal["signals", "oracle"] = "signals"
    #: Points for an opened email.
    open_points: NonNegative = 1.0
    #: Points for a click on awareness content.
    click_points_awareness: NonNegative = 3.0
    #: Points for a click on consideration content.
    click_points_consideration: NonNegative = 8.0
    #: Points for a click on decision content.
    click_points_decision: NonNegative = 15.0
    #: Points for a click on generic content.
    click_points_generic: NonNegative = 2.0
    #: Points for a click on a pitch.
    click_points_pitch: NonNegative = 2.0
    #: Score from which the lead is believed at consideration.
    consideration_at: NonNegative = 4.0
    #: Score from which the lead is believed decision-ready (the hand-off).
    decision_at: NonNegative = 15.0

    @model_validator(mode="after")
    def _order(self) -> Scoring:
        if self.decision_at < self.consideration_at:
            raise ValueError("decision_at must be >= consideration_at")
        return self


class Fees(StrictModel):
    """Fixed monthly fees the strategy buys (spread over the arm's leads)."""

    #: Platform (marketing-automation) fee.
    platform_usd_per_month: NonNegative = 0.0
    #: Cost of writing the content.
    content_usd_per_month: NonNegative = 0.0


class Strategy(StrictModel):
    """What the practice does. Build from TOML with :func:`sim.config.load_strategy`."""

    #: The strategy's name (defaults to the file's stem); arms are labelled with it.
    name: str = Field(default="strategy", min_length=1, max_length=100)
    #: Free text for reports.
    description: str = ""
    email: EmailPlan = EmailPlan()
    scoring: Scoring = Scoring()
    sales: SalesPlan = SalesPlan()
    fees: Fees = Fees()

    @model_validator(mode="before")
    @classmethod
    def _written_email_is_on(cls, data: Any) -> Any:
        return tables_turn_on(data, ("email",))

    @property
    def uses_email(self) -> bool:
        return self.email.enabled and self.email.max_emails > 0
