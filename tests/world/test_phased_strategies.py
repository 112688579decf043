"""Strategies that say what marketers say: time-phased sequences, hand-off rules, call caps.

The shipped ``marketer_brief`` strategy is the brief "every 3 days for 2 weeks, then weekly;
hand off after 2 clicks; at most 3 call attempts", checked on simulated leads.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

import sim
from sim.config.strategy import EmailPlan, Phase
from sim.errors import InputError
from sim.world import email as mail

ROOT = Path(__file__).resolve().parents[2]
BRIEF = ROOT / "configs/strategies/marketer_brief.toml"
SCENARIO = ROOT / "configs/scenarios/medical_practice.toml"
#: The brief's schedule, days from the first email: every 3 days for 14 days, then weekly.
EXPECTED = [0, 3, 6, 9, 12, *range(14, 400, 7)]


def run_recording_sends(monkeypatch, strategy, months=3, seed=1):
    """Run one world and record the day of every email each lead was sent."""
    sends: dict[int, list[int]] = defaultdict(list)
    first: dict[int, int] = {}
    real_send = mail.send

    def recording(lead, t, day, arm, p, de):
        sends[lead.id].append(day)
        first.setdefault(lead.id, mail.first_due_day(lead, arm, p))
        return real_send(lead, t, day, arm, p, de)

    monkeypatch.setattr(mail, "send", recording)
    scenario = sim.load_scenario(SCENARIO, {"months": months})
    result = sim.simulate(scenario, strategy, seed)
    return result.leads, sends, first, scenario


def test_sends_follow_the_brief_schedule_exactly(monkeypatch):
    strategy = sim.load_strategy(BRIEF)
    leads, sends, first, scenario = run_recording_sends(monkeypatch, strategy)
    assert len(sends) > 200  # every lead of a 3-month world (about 300) gets email
    full = 0
    for row in leads.itertuples():
        days = [d - first[row.lead_id] for d in sends.get(row.lead_id, [])]
        # Every lead's sends are the schedule's first emails, in order, none skipped or added.
        assert days == EXPECTED[: len(days)], row.lead_id
        assert row.emails_sent == len(days)
        # A lead still reachable all window (never unsubscribed, complained or booked) gets
        # every email of the schedule that falls in its window, up to max_emails.
        if not (row.unsubscribed or row.complained or row.booked):
            end = row.arrived_day + scenario.window_days
            due = [k for k in EXPECTED if first[row.lead_id] + k + scenario.send_hour / 24 <= end]
            assert len(days) == min(len(due), strategy.email.max_emails), row.lead_id
            full += 1
    assert full > 100  # most leads are checked against the whole schedule, not a prefix


def test_no_lead_gets_a_fourth_call_attempt_and_the_cap_binds():
    scenario = sim.load_scenario(SCENARIO, {"months": 6})
    capped = sim.simulate(scenario, sim.load_strategy(BRIEF), 2).leads
    assert capped["sales_attempts"].max() == 3
    assert (capped["sales_attempts"] == 3).sum() > 0
    # The same strategy without the cap: arrival (2) plus hand-off (4) calls give leads more
    # than 3 attempts, so the cap above is what holds them at 3.
    uncapped = sim.simulate(
        scenario, sim.load_strategy(BRIEF, {"sales.max_attempts_per_lead": 1000}), 2
    ).leads
    assert uncapped["sales_attempts"].max() > 3


def test_hand_off_comes_with_the_second_click():
    scenario = sim.load_scenario(SCENARIO, {"months": 6})
    leads = sim.simulate(scenario, sim.load_strategy(BRIEF), 3).leads
    handed = leads[leads["handed_off"]]
    assert len(handed) > 20
    assert (handed["emails_clicked"] >= 2).all()  # never before the second click
    # A lead that clicked twice and never booked was handed off (booking first makes sales
    # moot, so booked leads are left out).
    twice = leads[(leads["emails_clicked"] >= 2) & ~leads["booked"]]
    assert len(twice) > 0 and twice["handed_off"].all()
    assert not leads.loc[leads["emails_clicked"] < 2, "handed_off"].any()


def test_shipped_strategies_have_no_phases_or_rules():
    # Phase-free strategies run the cadence path of the world unchanged (the golden hashes
    # of tests/world/test_golden.py pin their per-lead outputs).
    for name in ("fast_response", "hard_sell", "newsletter", "no_nurture", "stage_nurture"):
        s = sim.load_strategy(ROOT / f"configs/strategies/{name}.toml")
        assert s.email.schedule() is None
        assert s.sales.handoff_after is None and s.sales.max_attempts_per_lead is None


def test_stage_branching_hands_decision_ready_leads_to_the_cadence():
    plan = EmailPlan.model_validate(
        {
            "enabled": True,
            "sequence": [{"days": 14, "interval_days": 3}, {"interval_days": 7}],
            "leave_sequence_at": "decision",
            "cadence": {
                "awareness": {"interval_days": 7, "content": "awareness"},
                "consideration": {"interval_days": 5, "content": "consideration"},
                "decision": {"interval_days": 2, "content": "decision"},
            },
        }
    )
    sched = plan.schedule()
    assert sched.next_gap(3, 0) == 3 and sched.next_gap(3, 1) == 3  # in the sequence
    assert sched.next_gap(3, 2) == 2  # believed decision-ready: the cadence's 2 days
    assert sched.content(3, 1) == 1 and sched.content(3, 2) == 2


def test_at_days_steps_and_the_end_of_a_sequence():
    plan = EmailPlan(
        enabled=True,
        sequence=[Phase(days=10, at_days=[0, 1, 4], content="awareness")],
    )
    sched = plan.schedule()
    assert [sched.next_gap(k, 0) for k in (0, 1)] == [1, 3]
    assert sched.next_gap(4, 0) is None  # no cadence after the sequence: email stops


CADENCE = """
[email.cadence]
awareness = { interval_days = 7, content = "awareness" }
consideration = { interval_days = 5, content = "consideration" }
decision = { interval_days = 3, content = "decision" }
"""


@pytest.mark.parametrize(
    "text, problem",
    [
        (
            "[[email.sequence]]\ninterval_days = 3\n[[email.sequence]]\ninterval_days = 7\n"
            + CADENCE,
            "needs days",
        ),
        ("[[email.sequence]]\ndays = 7\n" + CADENCE, "either interval_days or at_days"),
        ("[[email.sequence]]\ndays = 7\nat_days = [3, 1]\n" + CADENCE, "increasing"),
        ("[[email.sequence]]\ndays = 7\nat_days = [0, 9]\n" + CADENCE, "within the phase"),
        ("[[email.sequence]]\ninterval_days = 3\n", "needs an [email.cadence]"),
        ('[email]\nleave_sequence_at = "decision"\n' + CADENCE, "applies to a [[email.sequence]]"),
    ],
)
def test_malformed_sequences_are_one_line_input_errors(tmp_path, text, problem):
    path = tmp_path / "s.toml"
    path.write_text(text)
    with pytest.raises(InputError) as err:
        sim.load_strategy(path)
    assert problem in str(err.value)
    assert "\n" not in str(err.value)


def test_a_handoff_rule_turns_the_hand_off_on_and_conflicts_are_errors(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text("[sales.handoff_after]\nclicks = 2\n")
    assert sim.load_strategy(path).sales.on_handoff.enabled
    path.write_text("[sales.handoff_after]\nclicks = 2\n[sales.on_handoff]\nenabled = false\n")
    with pytest.raises(InputError, match="handoff_after"):
        sim.load_strategy(path)
    path.write_text("[sales.handoff_after]\n")
    with pytest.raises(InputError, match="at least one of"):
        sim.load_strategy(path)
