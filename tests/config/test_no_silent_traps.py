"""A table that configures a feature turns it on; an empty strategy is refused."""

from __future__ import annotations

import pytest

from sim.config import load_strategy
from sim.errors import InputError

CADENCE = """
[email.cadence]
awareness = { interval_days = 7, content = "awareness" }
consideration = { interval_days = 5, content = "consideration" }
decision = { interval_days = 3, content = "decision" }
"""


def write(tmp_path, text, name="s.toml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_an_email_table_without_enabled_sends_email(tmp_path):
    s = load_strategy(write(tmp_path, "[email]\nmax_emails = 5\n" + CADENCE))
    assert s.email.enabled and s.uses_email


def test_a_handoff_table_without_enabled_calls(tmp_path):
    s = load_strategy(write(tmp_path, "[sales.on_handoff]\ndelay_hours = 0.5\n"))
    assert s.sales.on_handoff.enabled
    assert not s.sales.on_arrival.enabled  # not written, so off


def test_an_empty_table_turns_its_feature_on_with_defaults(tmp_path):
    s = load_strategy(write(tmp_path, "[sales.on_arrival]\n"))
    assert s.sales.on_arrival.enabled


def test_enabled_false_still_switches_a_feature_off(tmp_path):
    s = load_strategy(write(tmp_path, "[email]\nenabled = false\nmax_emails = 5\n"))
    assert not s.email.enabled


def test_email_on_without_a_cadence_says_how_to_switch_it_off(tmp_path):
    with pytest.raises(InputError) as err:
        load_strategy(write(tmp_path, "[email]\nmax_emails = 5\n"))
    assert "needs an [email.cadence] section" in str(err.value)
    assert "enabled = false" in str(err.value)


@pytest.mark.parametrize("text", ["", "# nothing here\n", 'name = "x"\ndescription = "y"\n'])
def test_an_empty_strategy_is_an_input_error(tmp_path, text):
    with pytest.raises(InputError) as err:
        load_strategy(write(tmp_path, text))
    assert "the strategy is empty" in str(err.value)
    assert "\n" not in str(err.value)


def test_shipped_strategies_are_unchanged_by_the_rule():
    # Every shipped strategy writes enabled explicitly, so the rule changes none of them.
    for name, email, arrival, handoff in [
        ("no_nurture", False, True, False),
        ("stage_nurture", True, True, True),
        ("newsletter", True, True, False),
        ("hard_sell", True, True, False),
        ("fast_response", False, True, False),
    ]:
        s = load_strategy(f"configs/strategies/{name}.toml")
        got = (s.email.enabled, s.sales.on_arrival.enabled, s.sales.on_handoff.enabled)
        assert got == (email, arrival, handoff), name
