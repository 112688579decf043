"""The scenario: the practice's world — leads, their journey, email response, the sales team.

A scenario says what the world is like; a :class:`~sim.config.strategy.Strategy` says what the
practice does in it. Time is in days, rates are per day, probabilities in [0, 1].
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, StrictBool, field_validator, model_validator

from sim.config.base import NonNegative, Positive, Probability, StrictModel, check_shares

#: Largest number of leads one world may hold; refused before any memory is taken.
MAX_LEADS_PER_WORLD = 20_000_000
#: The longest outcome window, a century. The daily batch wakes only on days with work, so a
#: long window costs only its leads' events; the validations follow leads for 5,000 days to
#: stand for "until absorbed", and nothing longer has a meaning for a practice.
MAX_WINDOW_DAYS = 36525.0
#: Average month length in days (365.25 / 12).
DAYS_PER_MONTH = 30.4375


class StageMix(StrictModel):
    """Share of a source's leads arriving in each stage; the shares sum to 1."""

    #: Share arriving at awareness (just looking).
    awareness: Probability = 0.3
    #: Share arriving at consideration (comparing options).
    consideration: Probability = 0.4
    #: Share arriving ready to book.
    decision: Probability = 0.3

    @model_validator(mode="after")
    def _sums_to_one(self) -> StageMix:
        check_shares([self.awareness, self.consideration, self.decision], "stage shares")
        return self

    def as_tuple(self) -> tuple[float, float, float]:
        return (self.awareness, self.consideration, self.decision)


class Source(StrictModel):
    """A lead source (web form, phone, referral, ...)."""

    #: The source's name; leads and results are labelled with it.
    name: str = Field(min_length=1, max_length=64)
    #: Share of all leads from this source; the sources' shares sum to 1.
    share: Probability
    #: What the practice pays for one lead from this source (none: the scenario's
    #: `cost_per_lead_usd`, which every source inherits unless it says otherwise).
    cost_per_lead_usd: NonNegative | None = None
    initial_stage: StageMix = StageMix()
    #: Intent multiplies a lead's own advance hazards; Gamma with mean 1 and this shape
    #: (larger = more alike). Heterogeneity is what lets scoring find the ready leads.
    intent_shape: Positive = 2.0
    #: Share of this source's leads arriving while the office is open (phone calls come in
    #: office hours; web forms around the clock). ``None``: uniform over the week.
    office_hours_share: Probability | None = None


class StageHazards(StrictModel):
    """Competing hazards of one stage, per day, for a lead of intent 1."""

    #: Hazard of moving to the next stage on one's own (at decision: booking).
    advance_per_day: NonNegative
    #: Hazard of dropping out of the journey (dormant or lost).
    drop_per_day: NonNegative
    #: Of the leads that drop, the share lost to a competitor (absorbing); the rest go dormant.
    lost_share: Probability


class Journey(StrictModel):
    """The buyer's journey without any help: advance or drop on its own in each stage."""

    #: Hazards at awareness.
    awareness: StageHazards
    #: Hazards at consideration.
    consideration: StageHazards
    #: At decision, "advance" is booking on one's own; dropping is mostly buying elsewhere.
    decision: StageHazards
    #: Hazard of a dormant lead coming back by itself, to the stage it left.
    revive_per_day: NonNegative = 0.0
    #: Hazard of a dormant lead buying elsewhere (absorbing).
    dormant_lost_per_day: NonNegative = 0.0

    def stages(self) -> tuple[StageHazards, StageHazards, StageHazards]:
        return (self.awareness, self.consideration, self.decision)


class EmailResponse(StrictModel):
    """How leads respond to one email, before fatigue and affinity."""

    #: Chance an email is delivered (not bounced).
    delivery_prob: Probability = 0.98
    #: Chance a delivered email is opened, before stage, affinity and fatigue.
    open_prob: Probability = 0.22
    #: Chance an opened email's content is clicked.
    click_given_open_prob: Probability = 0.12
    #: Chance an email makes the lead unsubscribe, before fatigue.
    unsubscribe_prob: Probability = 0.0025
    #: Chance an email is marked as spam (which also ends email), before fatigue.
    complaint_prob: Probability = 0.0001
    #: Engagement grows along the journey: opens are multiplied by these, by true stage.
    open_multiplier_by_stage: tuple[NonNegative, NonNegative, NonNegative] = (0.8, 1.0, 1.25)
    #: Content that matches the reader's stage is clicked this many times as often.
    matched_click_multiplier: NonNegative = 2.0
    #: Every email carries a "book an appointment" link; a lead at decision who opens it
    #: clicks it with this probability (a booking click), and then books online with
    #: ``booking_click_book_prob`` — otherwise the click is a signal the strategy may act on.
    booking_click_given_open_prob: Probability = 0.2
    #: Of the leads who click the booking link, the share who book online at once.
    booking_click_book_prob: Probability = 0.4
    #: Email affinity multiplies the open probability; Gamma with mean 1 and this shape.
    affinity_shape: Positive = 3.0
    #: Recent volume is a count of emails decaying with this half-life (days).
    fatigue_half_life_days: Positive = 7.0
    #: Per recent email beyond the first: unsubscribe and complaint odds grow by this share...
    unsubscribe_fatigue: NonNegative = 0.5
    #: ...and the open probability shrinks by 1 / (1 + open_fatigue * extra).
    open_fatigue: NonNegative = 0.1
    #: Opening content far ahead of one's stage (decision content at awareness) multiplies
    #: the unsubscribe and complaint odds of that email.
    mismatch_unsubscribe_multiplier: NonNegative = 3.0


class ContentEffects(StrictModel):
    """What an opened email does to the lead, by how its content matches the true stage."""

    #: Opened content matching the true stage moves the lead one stage forward (at
    #: decision: it books) with this probability; more when the lead also clicked.
    match_advance_prob: Probability = 0.05
    #: The same when the reader also clicked.
    match_advance_clicked_prob: Probability = 0.3
    #: Matching content revives a dormant lead (matched to the stage it went cold in).
    match_revive_prob: Probability = 0.1
    #: Generic content (a newsletter) keeps the practice in mind: a small push at any stage.
    generic_advance_prob: Probability = 0.01
    #: Chance generic content opened by a dormant lead revives it.
    generic_revive_prob: Probability = 0.02
    #: Decision content opened at awareness pushes the lead away (dormant or lost); at
    #: consideration it is premature and pushes less.
    hard_sell_push_away_prob: Probability = 0.15
    #: Chance decision content opened at consideration pushes the lead away.
    premature_push_away_prob: Probability = 0.05
    #: Of the leads pushed away, the share lost to a competitor (the rest go dormant).
    push_away_lost_share: Probability = 0.5
    #: Ablation switch: false makes every opened email act like generic content, whatever
    #: its stage, to show how much of a strategy's effect comes from matching the stage.
    stage_matching: StrictBool = True


class SalesTeam(StrictModel):
    """The practice's front desk / sales team: a queue of agents with working hours."""

    #: Agents who place calls at the same time.
    agents: int = Field(default=2, ge=1, le=10_000)
    #: Office opens (hour of day); calls wait for office hours.
    open_hour: float = Field(default=8.0, ge=0.0, lt=24.0)
    #: Office closes (hour of day).
    close_hour: float = Field(default=18.0, gt=0.0, le=24.0)
    #: Working days per week starting Monday (day 0 of the world is a Monday).
    workdays_per_week: int = Field(default=5, ge=1, le=7)
    #: Mean call length; exponential. Unanswered attempts (voicemail) are short.
    call_minutes_reached: Positive = 10.0
    #: Mean length of an attempt that does not reach the lead (voicemail).
    call_minutes_unreached: Positive = 2.0
    #: Loaded labour cost of an agent's time on calls.
    labour_usd_per_hour: NonNegative = 30.0
    #: Speed to lead: P(reach) = reach_max * (floor + (1 - floor) * 2^(-hours / half_life)),
    #: hours counted from the trigger (arrival or hand-off) to the call.
    reach_max_prob: Probability = 0.71
    #: Share of the best reach chance left long after the trigger.
    reach_floor_share: Probability = 0.25
    #: Hours after which the reach chance has fallen halfway to its floor.
    reach_half_life_hours: Positive = 2.0
    #: What a conversation does, by the lead's true stage.
    book_prob_decision: Probability = 0.6
    #: Chance a conversation at consideration books.
    book_prob_consideration: Probability = 0.15
    #: Chance a conversation at consideration moves the lead to decision.
    advance_prob_consideration: Probability = 0.25
    #: A sales pitch at awareness: pushes away (dormant or lost) or, rarely, advances.
    push_away_prob_awareness: Probability = 0.3
    #: Chance a conversation at awareness moves the lead to consideration.
    advance_prob_awareness: Probability = 0.1
    #: Of the leads a call pushes away, the share lost to a competitor.
    push_away_lost_share: Probability = 0.5
    #: A pushy call (a strategy's style) at awareness or consideration drives the lead away
    #: with these odds instead, and never moves it forward.
    pushy_push_away_prob_awareness: Probability = 0.5
    #: Chance a pushy call at consideration drives the lead away.
    pushy_push_away_prob_consideration: Probability = 0.2
    #: Chance a conversation revives a dormant lead.
    revive_prob_dormant: Probability = 0.2

    @model_validator(mode="after")
    def _hours(self) -> SalesTeam:
        if self.close_hour <= self.open_hour:
            raise ValueError(
                f"close_hour ({self.close_hour}) must be after open_hour ({self.open_hour})"
            )
        return self


class Appointment(StrictModel):
    """Booked -> attended. A no-show goes cold (dormant at decision)."""

    #: Days from booking to the appointment: fixed part plus an exponential part.
    min_days: NonNegative = 1.0
    #: Mean of the exponential part of the wait for the appointment.
    mean_extra_days: NonNegative = 4.0
    #: Chance a booked lead attends (becomes a patient); a no-show goes dormant.
    show_prob: Probability = 0.85


class Costs(StrictModel):
    """Variable costs of the world; fixed fees belong to the strategy that buys them."""

    #: Cost of sending one email.
    email_usd: NonNegative = 0.01


class PatientValue(StrictModel):
    """What a patient is worth to the practice: the first visit and the relationship.

    Lifetime revenue is the practice-marketing formula A x N x Y (revenue a visit x visits a
    year x years retained); ``margin`` is the share of revenue left after the cost of care, so
    ``patient_value_usd`` is what a patient adds to the practice's profit. Net benefit, ROI
    and break-even in every result are computed from it.
    """

    #: Revenue of the first (attended) appointment.
    first_visit_revenue_usd: NonNegative = 68.0
    #: Average revenue a visit (A).
    revenue_per_visit_usd: NonNegative = 68.0
    #: Visits a patient makes a year (N).
    visits_per_year: NonNegative = 2.8
    #: Years a patient stays with the practice (Y).
    years_retained: NonNegative = 10.0
    #: Share of revenue left after the cost of care (1 counts revenue as value).
    margin: Probability = 1.0

    @property
    def lifetime_revenue_usd(self) -> float:
        """A x N x Y, e.g. $68 x 2.8 x 10 = $1,904."""
        return self.revenue_per_visit_usd * self.visits_per_year * self.years_retained

    @property
    def patient_value_usd(self) -> float:
        """Lifetime revenue times margin: the value of one more patient."""
        return self.lifetime_revenue_usd * self.margin


class Scenario(StrictModel):
    """A practice's world. Build from TOML with :func:`sim.config.load_scenario`."""

    #: The scenario's name, shown in results.
    name: str = Field(default="scenario", min_length=1, max_length=100)
    #: Free text for reports.
    description: str = ""
    #: Months of lead arrivals simulated.
    months: int = Field(default=12, ge=1, le=1200)
    #: Days each lead is followed after it arrives (the outcome window).
    window_days: Positive = Field(default=180.0, le=MAX_WINDOW_DAYS)
    #: Expected leads a month, all sources together (Poisson arrivals).
    leads_per_month: NonNegative = 100.0
    #: Monthly multipliers of the arrival rate, repeated over the months; mean should be 1.
    seasonality: list[NonNegative] = Field(default_factory=lambda: [1.0])
    #: What the practice pays for a lead, for every source that does not set its own.
    cost_per_lead_usd: NonNegative = 20.0
    #: Hour of day the daily email batch goes out.
    send_hour: float = Field(default=10.0, ge=0.0, lt=24.0)
    #: Where leads come from (a list of [[sources]] tables).
    sources: list[Source] = Field(min_length=1)
    journey: Journey
    email: EmailResponse = EmailResponse()
    content: ContentEffects = ContentEffects()
    sales: SalesTeam = SalesTeam()
    appointment: Appointment = Appointment()
    costs: Costs = Costs()
    #: What a patient is worth (for revenue, net benefit and ROI).
    value: PatientValue = PatientValue()
    #: Distribution of sales call lengths: "exponential" (default) or "fixed".
    call_length: Literal["exponential", "fixed"] = "exponential"

    @field_validator("sources")
    @classmethod
    def _sources(cls, sources: list[Source]) -> list[Source]:
        # A field validator, so the error is reported under the key "sources".
        shares = [s.share for s in sources]
        check_shares(shares, "sources' shares")
        names = [s.name for s in sources]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"source names must be unique, {dup[0]!r} repeats")
        return sources

    @model_validator(mode="after")
    def _check(self) -> Scenario:
        if not self.seasonality:
            raise ValueError("seasonality needs at least one monthly multiplier")
        peak = max(self.seasonality)
        expected = self.leads_per_month * self.months * max(peak, 1.0)
        if expected > MAX_LEADS_PER_WORLD:
            raise ValueError(
                f"leads_per_month = {self.leads_per_month:g} for months = {self.months} is "
                f"{expected:.3g} leads; one world holds at most {MAX_LEADS_PER_WORLD:,}"
            )
        return self

    def lead_cost_usd(self, source: Source) -> float:
        """What one lead of ``source`` costs: its own price, else the scenario's.

        >>> s = Scenario.model_validate({"cost_per_lead_usd": 30, "journey": {
        ...     st: {"advance_per_day": 0.1, "drop_per_day": 0.1, "lost_share": 0.5}
        ...     for st in ("awareness", "consideration", "decision")},
        ...     "sources": [{"name": "web", "share": 0.5},
        ...                 {"name": "phone", "share": 0.5, "cost_per_lead_usd": 50}]})
        >>> [s.lead_cost_usd(src) for src in s.sources]
        [30.0, 50.0]
        """
        own = source.cost_per_lead_usd
        return self.cost_per_lead_usd if own is None else own

    @property
    def total_days(self) -> float:
        """Days of arrivals (the world then runs on for ``window_days``)."""
        return self.months * DAYS_PER_MONTH
