"""Loading the shipped configs, overrides, and the "did you mean" hints of config errors."""

from __future__ import annotations

import math

import pytest

from sim.config import (
    Scenario,
    Strategy,
    apply_overrides,
    build,
    load_scenario,
    load_strategy,
    read_toml,
)
from sim.config.loading import MAX_CONFIG_BYTES
from sim.config.scenario import DAYS_PER_MONTH, MAX_LEADS_PER_WORLD
from sim.config.strategy import CONTENT_KINDS
from sim.errors import InputError

SHIPPED_STRATEGIES = (
    "fast_response",
    "hard_sell",
    "marketer_brief",
    "newsletter",
    "no_nurture",
    "stage_nurture",
)


def test_every_shipped_strategy_file_is_tested(repo_root):
    found = sorted(p.stem for p in (repo_root / "configs" / "strategies").glob("*.toml"))
    assert found == sorted(SHIPPED_STRATEGIES)


def test_default_scenario_loads_with_the_seed_articles_numbers(scenario_path):
    s = load_scenario(scenario_path)
    assert isinstance(s, Scenario)
    # The seed article's worked example: 100 leads a month at $20 a lead.
    assert s.leads_per_month == 100.0
    assert {s.lead_cost_usd(src) for src in s.sources} == {20.0}
    assert math.isclose(sum(src.share for src in s.sources), 1.0)
    for src in s.sources:
        assert math.isclose(sum(src.initial_stage.as_tuple()), 1.0)
    assert s.months == 12 and s.window_days == 180.0
    assert s.total_days == pytest.approx(12 * DAYS_PER_MONTH)
    assert s.sales.close_hour > s.sales.open_hour


@pytest.mark.parametrize("name", SHIPPED_STRATEGIES)
def test_shipped_strategy_loads_named_after_its_file(strategy_path, name):
    st = load_strategy(strategy_path(name))
    assert isinstance(st, Strategy)
    assert st.name == name
    if st.email.enabled:
        assert st.email.cadence is not None
        assert all(step.content in CONTENT_KINDS for step in st.email.cadence.steps())


def test_shipped_strategies_differ_as_described(strategy):
    no, stage, hard = strategy("no_nurture"), strategy("stage_nurture"), strategy("hard_sell")
    fast, news = strategy("fast_response"), strategy("newsletter")
    assert not no.uses_email and not fast.uses_email
    assert stage.uses_email and news.uses_email and hard.uses_email
    assert [s.content for s in stage.email.cadence.steps()] == [
        "awareness",
        "consideration",
        "decision",
    ]
    assert {s.content for s in news.email.cadence.steps()} == {"generic"}
    assert {s.content for s in hard.email.cadence.steps()} == {"pitch"}
    assert hard.sales.on_arrival.style == "pushy"
    assert stage.sales.on_handoff.enabled and not no.sales.on_handoff.enabled
    assert fast.sales.on_arrival.delay_hours < no.sales.on_arrival.delay_hours


def test_scenario_round_trips_through_model_dump(scenario):
    s = scenario()
    assert build(Scenario, s.model_dump(), "dump") == s


def test_load_scenario_applies_dotted_overrides(scenario_path):
    s = load_scenario(
        scenario_path,
        {"months": 3, "email.open_prob": 0.3, "sources": [{"name": "only", "share": 1.0}]},
    )
    assert s.months == 3
    assert s.email.open_prob == 0.3
    assert [src.name for src in s.sources] == ["only"]
    # Untouched keys keep the file's values.
    assert s.window_days == 180.0 and s.sales.agents == 2


def test_load_strategy_overrides_can_rename(strategy_path):
    st = load_strategy(strategy_path("stage_nurture"), {"name": "twin", "email.max_emails": 3})
    assert st.name == "twin" and st.email.max_emails == 3


def test_overrides_are_validated_like_the_file(scenario_path):
    with pytest.raises(InputError) as err:
        load_scenario(scenario_path, {"email.open_prob": 2.0})
    assert "email.open_prob" in str(err.value)
    assert str(scenario_path) in str(err.value)


def test_apply_overrides_sets_nested_keys_and_creates_tables():
    data = {"a": {"b": 1, "c": {"d": 2}}, "x": 0}
    out = apply_overrides(data, {"a.c.d": 5, "a.new.deep": 7, "y": [1]}, "w")
    assert out == {"a": {"b": 1, "c": {"d": 5}, "new": {"deep": 7}}, "x": 0, "y": [1]}


def test_apply_overrides_leaves_its_input_alone():
    data = {"a": {"b": [1, {"c": 2}]}}
    out = apply_overrides(data, {"a.b": 3}, "w")
    out2 = apply_overrides(data, {}, "w")
    out2["a"]["b"][1]["c"] = 99
    assert data == {"a": {"b": [1, {"c": 2}]}}
    assert out == {"a": {"b": 3}}


def test_apply_overrides_through_a_value_is_an_input_error():
    with pytest.raises(InputError) as err:
        apply_overrides({"months": 12}, {"months.x": 1}, "s.toml")
    assert err.value.where == "s.toml"
    assert "'months' is not a table" in err.value.problem


@pytest.mark.parametrize(
    ("dotted", "hint"),
    [
        ("windw_days", "window_days"),
        ("email.open_prb", "open_prob"),
        ("sales.agnets", "agents"),
        ("journey.awareness.advance_per_dy", "advance_per_day"),
        ("content.stage_maching", "stage_matching"),
    ],
)
def test_unknown_keys_get_a_did_you_mean_hint(scenario_path, dotted, hint):
    data = apply_overrides(read_toml(scenario_path), {dotted: 1}, "s.toml")
    with pytest.raises(InputError) as err:
        build(Scenario, data, "s.toml")
    assert err.value.where == f"s.toml: {dotted}"
    assert err.value.problem.startswith(f"unknown key (did you mean {hint!r}?); allowed: ")
    assert hint in err.value.problem.split("allowed: ")[1].split(", ")


def test_unknown_key_in_a_list_of_tables_is_located_by_position(scenario_path):
    data = read_toml(scenario_path)
    data["sources"][1]["shre"] = 0.5
    with pytest.raises(InputError) as err:
        build(Scenario, data, "s.toml")
    assert err.value.where == "s.toml: sources[1].shre"
    assert "did you mean 'share'?" in err.value.problem


def test_far_off_unknown_key_lists_what_is_allowed_without_a_guess():
    from sim.config.strategy import Fees

    with pytest.raises(InputError) as err:
        build(Fees, {"zzz": 1}, "s.toml")
    assert "did you mean" not in err.value.problem
    assert err.value.problem == (
        "unknown key; allowed: content_usd_per_month, platform_usd_per_month"
    )


def test_strategy_hint_for_a_misspelt_table(strategy_path):
    data = read_toml(strategy_path("no_nurture"))
    data["sales"] = {"on_arival": data["sales"]["on_arrival"]}
    with pytest.raises(InputError) as err:
        build(Strategy, data, "n.toml")
    assert err.value.where == "n.toml: sales.on_arival"
    assert "did you mean 'on_arrival'?" in err.value.problem
    assert "allowed: handoff_after, max_attempts_per_lead, on_arrival" in err.value.problem


def test_numbers_must_be_numbers_not_text_or_booleans(scenario_path):
    for key, value in [("months", "12"), ("window_days", "180"), ("months", True)]:
        data = read_toml(scenario_path)
        data[key] = value
        with pytest.raises(InputError) as err:
            build(Scenario, data, "s.toml")
        assert err.value.where == f"s.toml: {key}"
        assert "must be a number" in err.value.problem
    # An integer is a fine float, and a whole float a fine integer (sweeps pass floats).
    data = read_toml(scenario_path)
    data["window_days"], data["months"] = 90, 6.0
    s = build(Scenario, data, "s.toml")
    assert (s.window_days, s.months) == (90.0, 6)


def test_optional_number_rejects_text(scenario_path):
    data = read_toml(scenario_path)
    data["sources"][0]["office_hours_share"] = "0.6"
    with pytest.raises(InputError) as err:
        build(Scenario, data, "s.toml")
    assert err.value.where == "s.toml: sources[0].office_hours_share"


def test_oversized_config_file_is_refused_unread(tmp_path):
    big = tmp_path / "big.toml"
    big.write_bytes(b"# " + b"x" * MAX_CONFIG_BYTES + b"\n")
    with pytest.raises(InputError) as err:
        read_toml(big)
    assert f"at most {MAX_CONFIG_BYTES:,}" in err.value.problem


def test_world_size_limit_is_checked_from_the_config(scenario_path):
    # Just inside the limit loads; one lead a month more is refused.
    months = 12
    ok = MAX_LEADS_PER_WORLD / months
    assert load_scenario(scenario_path, {"leads_per_month": ok}).leads_per_month == ok
    with pytest.raises(InputError) as err:
        load_scenario(scenario_path, {"leads_per_month": ok + 1})
    assert "leads_per_month" in err.value.problem
    assert f"{MAX_LEADS_PER_WORLD:,}" in err.value.problem
