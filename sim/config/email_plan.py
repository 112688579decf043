"""The email program of a strategy: content kinds, the stage cadence and time-phased sequences."""

from __future__ import annotations

import math
from typing import Literal

from pydantic import Field, StrictBool, model_validator

from sim.config.base import NonNegative, StrictModel

#: Kinds of email content: one per stage, generic (a newsletter), and a sales pitch ("book
#: now"), which informs nobody and only works through its booking link.
CONTENT_KINDS = ("awareness", "consideration", "decision", "generic", "pitch")
Content = Literal["awareness", "consideration", "decision", "generic", "pitch"]

#: What each content kind is and what it does when opened (the scenario's [content] odds).
CONTENT_MEANINGS = {
    "awareness": "Education for people just looking (what the condition is, what care exists). "
    "Opened by a lead at awareness it may move it to consideration; it revives leads that "
    "went cold at awareness.",
    "consideration": "Comparison and proof for people weighing options (why this practice, "
    "reviews, what a visit is like). Moves a lead at consideration to decision.",
    "decision": "An invitation to book, with the practical details. Opened at decision it may "
    "book the lead; opened at awareness it is a hard sell that can push the lead away "
    "(`hard_sell_push_away_prob`), at consideration premature (`premature_push_away_prob`).",
    "generic": "A newsletter that fits no stage: a small push at any stage "
    "(`generic_advance_prob`) and a small chance to revive a cold lead.",
    "pitch": 'A sales pitch ("book now"): tells a ready lead nothing new and pushes early '
    "leads away like decision content; it works only through its booking link.",
}

#: Believed stages a sequence can hand a lead over at (see ``EmailPlan.leave_sequence_at``).
STAGES = ("awareness", "consideration", "decision")


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


class Phase(StrictModel):
    """One phase of a time-phased sequence: when its emails go out and what they carry.

    Phases follow each other from the lead's first email (day 0 of the sequence). A phase
    lasts ``days`` and sends every ``interval_days`` from its first day, or on the listed
    ``at_days`` (days from the phase's first day), as the steps of a marketing-automation
    workflow. Only the last phase may leave ``days`` out: it then runs until the lead's window
    ends or ``max_emails`` is reached.
    """

    #: How long the phase lasts, from its first day (the next phase starts right after).
    days: float | None = Field(default=None, ge=1.0, le=3650.0)
    #: Send every this many days from the phase's first day ...
    interval_days: float | None = Field(default=None, ge=1.0, le=3650.0)
    #: ... or on these days, counted from the phase's first day (e.g. [0, 2, 5]).
    at_days: list[float] | None = Field(default=None, min_length=1, max_length=1000)
    #: What the phase sends; left out: by the believed stage, as `[email.cadence]` says.
    content: Content | None = None

    @model_validator(mode="after")
    def _one_rhythm(self) -> Phase:
        if (self.interval_days is None) == (self.at_days is None):
            raise ValueError("a phase needs either interval_days or at_days (not both)")
        if self.at_days is not None:
            days = self.at_days
            if any(d < 0 or not math.isfinite(d) for d in days) or days != sorted(set(days)):
                raise ValueError("at_days must be increasing days >= 0, e.g. [0, 2, 5]")
            if self.days is not None and days[-1] >= self.days:
                raise ValueError(f"at_days must fall within the phase's {self.days:g} days")
        return self

    def offsets(self) -> tuple[int, ...] | None:
        """Whole days from the phase's start of its sends; None when open-ended by interval.

        >>> Phase(days=14, interval_days=3).offsets()
        (0, 3, 6, 9, 12)
        >>> Phase(days=7, at_days=[0, 2.5]).offsets()   # sends go out in daily batches
        (0, 3)
        """
        if self.at_days is not None:
            return tuple(sorted({_whole_days(d) for d in self.at_days}))
        if self.days is None:
            return None
        step, length = _whole_days(self.interval_days), _whole_days(self.days)
        return tuple(range(0, length, step))


def _whole_days(days: float | None) -> int:
    """Sends go out in whole-day batches, so schedules are whole days (rounded up)."""
    return int(-(-(days or 0.0) // 1))


class EmailPlan(StrictModel):
    """The email program: on when its table is written, unless ``enabled = false``.

    Two ways to say when to send, which combine: a ``cadence`` by the stage the strategy
    believes the lead is in, and a time-phased ``sequence`` (``[[email.sequence]]`` phases,
    e.g. every 3 days for 2 weeks, then weekly). With both, a lead follows the sequence until
    it is believed at ``leave_sequence_at`` or the sequence ends, then the cadence.
    """

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
    #: A time-phased sequence from the first email: [[email.sequence]] phases in order.
    sequence: list[Phase] | None = Field(default=None, min_length=1, max_length=100)
    #: Stage-based branching: a lead believed at this stage (or further) leaves the sequence
    #: for the cadence ("consideration" or "decision"; none: the whole sequence for everyone).
    leave_sequence_at: Literal["consideration", "decision"] | None = None

    @model_validator(mode="after")
    def _cadence_when_enabled(self) -> EmailPlan:
        if self.enabled and self.cadence is None and self.sequence is None:
            raise ValueError(
                "email is on (an [email] table turns it on) and needs an [email.cadence] "
                "section or [[email.sequence]] phases; write enabled = false to send nothing"
            )
        if self.sequence is not None:
            for i, phase in enumerate(self.sequence[:-1]):
                if phase.days is None:
                    raise ValueError(
                        f"sequence phase {i} needs days (only the last phase may run on)"
                    )
            if self.cadence is None:
                if any(ph.content is None for ph in self.sequence):
                    raise ValueError(
                        "a sequence phase without content sends by the believed stage and "
                        "needs an [email.cadence] section; or give each phase a content"
                    )
                if self.leave_sequence_at is not None:
                    raise ValueError(
                        "leave_sequence_at hands leads over to the [email.cadence]; add one"
                    )
        elif self.leave_sequence_at is not None:
            raise ValueError("leave_sequence_at applies to a [[email.sequence]]; add one")
        return self

    def schedule(self) -> Schedule | None:
        """The sequence compiled for the world; None for a phase-free (cadence) plan."""
        if self.sequence is None:
            return None
        phases, start = [], 0
        for ph in self.sequence:
            content = -1 if ph.content is None else CONTENT_KINDS.index(ph.content)
            end = start + _whole_days(ph.days) if ph.days is not None else None
            offsets = ph.offsets()
            phases.append(
                (
                    start,
                    end,
                    offsets,
                    _whole_days(ph.interval_days) if offsets is None else 0,
                    content,
                )
            )
            if end is not None:
                start = end
        cadence = self.cadence.steps() if self.cadence is not None else None
        leave = STAGES.index(self.leave_sequence_at) if self.leave_sequence_at else 3
        return Schedule(
            tuple(phases),
            tuple(_whole_days(st.interval_days) for st in cadence) if cadence else None,
            tuple(CONTENT_KINDS.index(st.content) for st in cadence) if cadence else None,
            leave,
        )


class Schedule:
    """A time-phased sequence as the world asks it: what to send on day ``k``, and when next.

    ``k`` is whole days since the lead's first due email; ``belief`` the believed stage
    (0-2). A lead believed at the hand-over stage, or past the sequence's end, follows the
    cadence (or gets no more email when there is none).

    Example (every 3 days for 2 weeks, then weekly generic content):
        >>> plan = EmailPlan(enabled=True, sequence=[
        ...     Phase(days=14, interval_days=3, content="awareness"),
        ...     Phase(interval_days=7, content="generic")])
        >>> sched = plan.schedule()
        >>> days, k = [], 0
        >>> while k is not None and k < 40:
        ...     days.append(k)
        ...     gap = sched.next_gap(k, 0)
        ...     k = None if gap is None else k + gap
        >>> days
        [0, 3, 6, 9, 12, 14, 21, 28, 35]
        >>> [CONTENT_KINDS[sched.content(k, 0)] for k in (12, 14)]
        ['awareness', 'generic']
    """

    __slots__ = ("cadence_content", "cadence_interval", "first_offset", "leave", "phases")

    def __init__(
        self,
        phases: tuple,
        cadence_interval: tuple[int, int, int] | None,
        cadence_content: tuple[int, int, int] | None,
        leave: int,
    ) -> None:
        self.phases = phases
        self.cadence_interval = cadence_interval
        self.cadence_content = cadence_content
        self.leave = leave
        first = phases[0][2]
        self.first_offset = first[0] if first else 0

    def _phase(self, k: int):
        for ph in self.phases:
            if k >= ph[0] and (ph[1] is None or k < ph[1]):
                return ph
        return None

    def content(self, k: int, belief: int) -> int:
        """Content kind index of the email sent on day ``k`` of the sequence."""
        ph = None if belief >= self.leave else self._phase(k)
        if ph is None or ph[4] < 0:
            return self.cadence_content[belief]  # validated: a cadence exists here
        return ph[4]

    def next_gap(self, k: int, belief: int) -> int | None:
        """Days from day ``k`` to the next email, or None when no more email is due."""
        if belief < self.leave:
            for start, end, offsets, interval, _content in self.phases:
                if end is not None and k >= end - 1:
                    continue
                if offsets is not None:
                    later = [start + o for o in offsets if start + o > k]
                    if later:
                        return later[0] - k
                else:
                    base = max(k, start - 1) - start
                    nxt = start + (base // interval + 1) * interval
                    if end is None or nxt < end:
                        return nxt - k
        # Past the sequence (or handed over by stage): the cadence, if there is one.
        if self.cadence_interval is None:
            return None
        return self.cadence_interval[belief]
