"""The strategy: what the practice does — email cadence and content, scoring, sales follow-up."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, StrictBool, model_validator

from sim.config.base import NonNegative, Positive, Probability, StrictModel

#: Kinds of email content: one per stage, generic (a newsletter), and a sales pitch ("book
#: now"), which informs nobody and only works through its booking link.
CONTENT_KINDS = ("awareness", "consideration", "decision", "generic", "pitch")
Content = Literal["awareness", "consideration", "decision", "generic", "pitch"]


class CadenceStep(StrictModel):
    """What to send to a lead believed to be in one stage, and how often."""

    #: Days from one email to the next while the lead is believed in this stage.
    interval_days: float = Field(ge=1.0, le=3650.0)
    #: What to send: awareness, consideration, decision, generic or pitch.
    content: Content


class Cadence(StrictModel):
    """One step per believed stage."""

    #: For leads believed at awareness.
    awareness: CadenceStep
    #: For leads believed at consideration.
    consideration: CadenceStep
    #: For leads believed decision-ready.
    decision: CadenceStep

    def steps(self) -> tuple[CadenceStep, CadenceStep, CadenceStep]:
        return (self.awareness, self.consideration, self.decision)


def _tables_turn_on(data: Any, keys: tuple[str, ...]) -> Any:
    """A table written in a file turns its feature on unless it says ``enabled = false``.

    Writing ``[email]`` or ``[sales.on_handoff]`` and forgetting ``enabled = true`` used to
    leave the feature off without a word (while its fees were still charged); a table that
    configures a feature means the feature is wanted. (Only tables that are written count: a
    feature left out of the file stays off.)
    """
    if not isinstance(data, dict):
        return data
    out = dict(data)
    for key in keys:
        table = out.get(key)
        if isinstance(table, dict) and "enabled" not in table:
            out[key] = {**table, "enabled": True}
    return out


class EmailPlan(StrictModel):
    """The email program: on when its table is written, unless ``enabled = false``."""

    #: Send email (on when an [email] table is written; false sends nothing).
    enabled: StrictBool = False
    #: Days from arrival to the first email (sent with the next daily batch).
    start_delay_days: NonNegative = 1.0
    #: Never send more than one email in this many days, whatever the cadence says.
    min_days_between: float = Field(default=1.0, ge=1.0)
    #: Most emails one lead receives.
    max_emails: int = Field(default=50, ge=0, le=10_000)
    #: What to send and how often, by the stage the strategy believes the lead is in.
    cadence: Cadence | None = None

    @model_validator(mode="after")
    def _cadence_when_enabled(self) -> EmailPlan:
        if self.enabled and self.cadence is None:
            raise ValueError(
                "email is on (an [email] table turns it on) and needs an [email.cadence] "
                "section; write enabled = false to send nothing"
            )
        return self


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


class SalesPlan(StrictModel):
    """Sales follow-up: a call when a lead arrives, and one when it is handed off."""

    #: Call when a lead arrives.
    on_arrival: CallPlan = CallPlan()
    #: Hand-off: call when the lead scores decision-ready (or clicks a booking link).
    on_handoff: CallPlan = CallPlan()

    @model_validator(mode="before")
    @classmethod
    def _written_plans_are_on(cls, data: Any) -> Any:
        return _tables_turn_on(data, ("on_arrival", "on_handoff"))


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
        return _tables_turn_on(data, ("email",))

    @property
    def uses_email(self) -> bool:
        return self.email.enabled and self.email.max_emails > 0
