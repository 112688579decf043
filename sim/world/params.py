"""Configs flattened into plain floats and tuples for the simulation's hot path.

Pydantic models are for validation; attribute lookups through them on every event would cost
more than the event itself. These records are built once per world.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.config.scenario import Scenario
from sim.config.strategy import CONTENT_KINDS, CallPlan, HandoffRule, Schedule, Strategy

GENERIC = CONTENT_KINDS.index("generic")
PITCH = CONTENT_KINDS.index("pitch")


@dataclass(frozen=True, slots=True)
class WorldParams:
    """The scenario's numbers, per day unless named otherwise."""

    window: float
    advance: tuple[float, float, float]
    drop_dormant: tuple[float, float, float]
    drop_lost: tuple[float, float, float]
    revive: float
    dormant_lost: float
    appt_min: float
    appt_extra: float
    show: float
    delivery: float
    open_p: tuple[float, float, float, float]  # by state: the three stages, then dormant
    matched_click: float
    click_p: float
    unsub_p: float
    complaint_p: float
    fatigue_decay: float  # per day: volume *= 2 ** (-dt / half_life)
    unsub_fatigue: float
    open_fatigue: float
    mismatch_mult: float
    match_adv: float
    match_adv_clicked: float
    match_revive: float
    generic_adv: float
    generic_revive: float
    push_away: float
    premature_push: float
    booking_click: float
    booking_book: float
    push_lost: float
    stage_matching: bool
    email_usd: float
    send_hour: float


def world_params(s: Scenario) -> WorldParams:
    stages = s.journey.stages()
    return WorldParams(
        window=float(s.window_days),
        advance=tuple(h.advance_per_day for h in stages),
        drop_dormant=tuple(h.drop_per_day * (1.0 - h.lost_share) for h in stages),
        drop_lost=tuple(h.drop_per_day * h.lost_share for h in stages),
        revive=s.journey.revive_per_day,
        dormant_lost=s.journey.dormant_lost_per_day,
        appt_min=s.appointment.min_days,
        appt_extra=s.appointment.mean_extra_days,
        show=s.appointment.show_prob,
        delivery=s.email.delivery_prob,
        open_p=(
            *(s.email.open_prob * m for m in s.email.open_multiplier_by_stage),
            s.email.open_prob,
        ),
        matched_click=s.email.matched_click_multiplier,
        click_p=s.email.click_given_open_prob,
        unsub_p=s.email.unsubscribe_prob,
        complaint_p=s.email.complaint_prob,
        fatigue_decay=1.0 / s.email.fatigue_half_life_days,
        unsub_fatigue=s.email.unsubscribe_fatigue,
        open_fatigue=s.email.open_fatigue,
        mismatch_mult=s.email.mismatch_unsubscribe_multiplier,
        match_adv=s.content.match_advance_prob,
        match_adv_clicked=s.content.match_advance_clicked_prob,
        match_revive=s.content.match_revive_prob,
        generic_adv=s.content.generic_advance_prob,
        generic_revive=s.content.generic_revive_prob,
        push_away=s.content.hard_sell_push_away_prob,
        premature_push=s.content.premature_push_away_prob,
        booking_click=s.email.booking_click_given_open_prob,
        booking_book=s.email.booking_click_book_prob,
        push_lost=s.content.push_away_lost_share,
        stage_matching=s.content.stage_matching,
        email_usd=s.costs.email_usd,
        send_hour=s.send_hour,
    )


@dataclass(frozen=True, slots=True)
class CallParams:
    """One call plan (on arrival or on hand-off), in days."""

    enabled: bool
    pushy: bool
    mean_delay: float
    max_attempts: int
    give_up: float
    retry: float


def call_params(plan: CallPlan) -> CallParams:
    return CallParams(
        plan.enabled,
        plan.style == "pushy",
        plan.delay_hours / 24.0,
        plan.max_attempts,
        plan.give_up_prob,
        plan.retry_hours / 24.0,
    )


@dataclass(frozen=True, slots=True)
class ArmParams:
    """One arm's strategy."""

    index: int
    name: str
    emails: bool
    start_delay: float
    min_between: int
    max_emails: int
    interval: tuple[int, int, int]  # whole days per believed stage
    content: tuple[int, int, int]  # content kind index per believed stage
    oracle: bool
    open_points: float
    click_points: tuple[float, float, float, float, float]
    consideration_at: float
    decision_at: float
    on_arrival: CallParams
    on_handoff: CallParams
    fees_per_month: float
    #: A time-phased sequence (None: the cadence alone decides, as before sequences).
    schedule: Schedule | None = None
    #: Hand off on observable counts instead of on becoming decision-ready.
    handoff_rule: HandoffRule | None = None
    #: Most call attempts a lead gets across all triggers.
    max_attempts_per_lead: int = 1_000_000


def arm_params(index: int, strategy: Strategy) -> ArmParams:
    e, sc = strategy.email, strategy.scoring
    steps = e.cadence.steps() if e.cadence is not None else ()
    return ArmParams(
        index=index,
        name=strategy.name,
        emails=strategy.uses_email,
        start_delay=e.start_delay_days,
        # Sends go out in whole-day batches, so cadences are whole days (rounded up).
        min_between=int(-(-e.min_days_between // 1)),
        max_emails=e.max_emails,
        interval=tuple(int(-(-st.interval_days // 1)) for st in steps) or (0, 0, 0),
        content=tuple(CONTENT_KINDS.index(st.content) for st in steps) or (0, 0, 0),
        oracle=sc.mode == "oracle",
        open_points=sc.open_points,
        click_points=(
            sc.click_points_awareness,
            sc.click_points_consideration,
            sc.click_points_decision,
            sc.click_points_generic,
            sc.click_points_pitch,
        ),
        consideration_at=sc.consideration_at,
        decision_at=sc.decision_at,
        on_arrival=call_params(strategy.sales.on_arrival),
        on_handoff=call_params(strategy.sales.on_handoff),
        fees_per_month=strategy.fees.platform_usd_per_month + strategy.fees.content_usd_per_month,
        schedule=e.schedule(),
        handoff_rule=strategy.sales.handoff_after,
        max_attempts_per_lead=strategy.sales.max_attempts_per_lead or 1_000_000,
    )
