"""The parameter space: key paths, distributions, priors files, applying points."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from sim.config import load_scenario, load_strategy
from sim.config.distributions import (
    Beta,
    Categorical,
    Dirichlet,
    Integer,
    LogUniform,
    TruncNormal,
    Uniform,
    make,
)
from sim.config.paths import KeyPath, get_value, parse_assignment, set_value
from sim.config.space import ParameterSpace, load_space
from sim.errors import InputError

SCENARIO = "configs/scenarios/medical_practice.toml"
PRIORS = "configs/uncertainty/medical_practice.toml"


@pytest.fixture(scope="module")
def scenario():
    return load_scenario(SCENARIO)


@pytest.fixture(scope="module")
def strategies():
    return {
        n: load_strategy(f"configs/strategies/{n}.toml") for n in ("no_nurture", "stage_nurture")
    }


# -- key paths ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "sources.1.cost_per_lead_usd",
        "sources[1].cost_per_lead_usd",
        "sources.phone.cost_per_lead_usd",
    ],
)
def test_list_items_by_position_bracket_or_name_reach_the_same_value(scenario, text):
    data = scenario.model_dump(mode="json")
    out = set_value(data, text, 99.0)
    assert out["sources"][1]["cost_per_lead_usd"] == 99.0
    assert data["sources"][1]["cost_per_lead_usd"] is None  # input untouched (inherits)
    assert get_value(out, text) == 99.0


def test_targets_parse_and_print_back():
    for text in (
        "months",
        "strategy:email.max_emails",
        "strategy[stage_nurture]:fees.platform_usd_per_month",
    ):
        assert str(KeyPath.parse(text)) == text
    assert KeyPath.parse("scenario:months") == KeyPath.parse("months")
    assert KeyPath.parse("strategy[a]:x").applies_to("a")
    assert not KeyPath.parse("strategy[a]:x").applies_to("b")
    assert KeyPath.parse("strategy:x").applies_to("b")


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "a key path"),
        ("a..b", "empty key"),
        ("budget:months", "unknown target 'budget'"),
        ("scenario[x]:months", "only strategy[NAME]"),
        ("a.b c", "letters, digits"),
        (".".join(["a"] * 13), "at most 12"),
    ],
)
def test_malformed_key_paths_are_input_errors(text, fragment):
    with pytest.raises(InputError) as err:
        KeyPath.parse(text, "--set")
    assert fragment in str(err.value)


def test_a_missing_list_item_names_what_exists(scenario):
    data = scenario.model_dump(mode="json")
    with pytest.raises(InputError) as err:
        set_value(data, "sources.web_fom.share", 0.5)
    assert "did you mean 'web_form'" in err.value.problem
    assert "phone" in err.value.problem
    with pytest.raises(InputError) as err:
        set_value(data, "sources.7.share", 0.5)
    assert "positions are 0 to 2" in err.value.problem


def test_set_assignments_read_values_as_toml_else_as_words():
    assert parse_assignment("months=6")[1] == 6
    assert parse_assignment("window_days=1.5e2")[1] == 150.0
    assert parse_assignment("content.stage_matching=false")[1] is False
    assert parse_assignment("call_length=fixed")[1] == "fixed"
    assert parse_assignment('name="a b"')[1] == "a b"
    with pytest.raises(InputError, match="KEY=VALUE"):
        parse_assignment("months")
    with pytest.raises(InputError, match="empty"):
        parse_assignment("months=")


def test_load_scenario_overrides_reach_list_items_by_name():
    s = load_scenario(SCENARIO, {"sources.referral.cost_per_lead_usd": 45.0})
    assert [s.lead_cost_usd(x) for x in s.sources] == [20.0, 20.0, 45.0]


def test_overrides_of_a_defaulted_key_are_checked_against_the_model():
    with pytest.raises(InputError) as err:
        load_scenario(SCENARIO, {"content.match_advnce_prob": 0.2})
    assert "did you mean 'match_advance_prob'" in err.value.problem


# -- distributions, against scipy.stats ---------------------------------------------------------
U = np.linspace(0.001, 0.999, 41)


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (Uniform(0.1, 0.4), stats.uniform(0.1, 0.3)),
        (LogUniform(0.01, 2.0), stats.loguniform(0.01, 2.0)),
        (Beta(2.0, 7.0), stats.beta(2.0, 7.0)),
        (Beta(2.0, 7.0, 1.0, 3.0), stats.beta(2.0, 7.0, loc=1.0, scale=2.0)),
        (TruncNormal(0.2, 0.1, 0.0, 1.0), stats.truncnorm(-2.0, 8.0, loc=0.2, scale=0.1)),
    ],
)
def test_continuous_distributions_match_scipy(ours, theirs):
    np.testing.assert_allclose(ours.ppf(U), theirs.ppf(U), rtol=1e-10, atol=1e-12)
    x = theirs.ppf(U)
    np.testing.assert_allclose(ours.logpdf(x), theirs.logpdf(x), rtol=1e-9, atol=1e-9)
    assert ours.mean == pytest.approx(theirs.mean(), rel=1e-9)
    assert np.isneginf(ours.logpdf(np.array([theirs.support()[1] + 1.0]))).all()


def test_integer_and_categorical_give_every_value_equal_mass():
    u = (np.arange(6000) + 0.5) / 6000
    counts = np.bincount(Integer(3, 8).ppf(u) - 3)
    assert counts.tolist() == [1000] * 6
    values = Categorical(("a", "b", "c")).ppf(u)
    assert [values.count(c) for c in "abc"] == [2000] * 3


def test_dirichlet_has_the_dirichlet_mean_and_variance():
    # 20,000 quasi-random points: MC error of each share's mean is below 0.003 (sd < 0.15).
    from scipy.stats import qmc

    d = Dirichlet((6.0, 3.0, 1.0))
    x = d.ppf(qmc.Sobol(3, seed=1).random(2**14))
    ref = stats.dirichlet([6.0, 3.0, 1.0])
    np.testing.assert_allclose(x.sum(axis=1), 1.0, atol=1e-12)
    np.testing.assert_allclose(x.mean(axis=0), ref.mean(), atol=0.003)
    np.testing.assert_allclose(x.var(axis=0), ref.var(), rtol=0.05)
    np.testing.assert_allclose(d.logpdf(x[:5]), [ref.logpdf(r) for r in x[:5]], rtol=1e-9)


@pytest.mark.parametrize(
    ("kind", "args", "fragment"),
    [
        ("uniform", {"low": 1, "high": 1}, "low < high"),
        ("loguniform", {"low": 0, "high": 1}, "low > 0"),
        ("beta", {"a": 0, "b": 1}, "a > 0"),
        ("truncnormal", {"mean": 0, "sd": 0}, "sd > 0"),
        ("truncnormal", {"mean": 100, "sd": 1, "low": 0, "high": 1}, "no mass"),
        ("integer", {"low": 1.5, "high": 4}, "whole-number"),
        ("categorical", {"choices": []}, "at least one"),
        ("categorical", {"choices": ["a", "a"]}, "distinct"),
        ("dirichlet", {"alpha": [1.0]}, "two or more"),
    ],
)
def test_impossible_distributions_say_why(kind, args, fragment):
    with pytest.raises(ValueError, match=fragment):
        make(kind, args)


# -- the space -----------------------------------------------------------------------------------
def _leaves(data, prefix=""):
    """Every scalar of a config dump as (key path, value), list items by name or position."""
    if isinstance(data, dict):
        for k, v in data.items():
            yield from _leaves(v, f"{prefix}{k}.")
    elif isinstance(data, list):
        for i, v in enumerate(data):
            key = v.get("name", i) if isinstance(v, dict) else i
            yield from _leaves(v, f"{prefix}{key}.")
    else:
        yield prefix[:-1], data


def test_the_default_priors_name_every_value_of_the_default_scenario(scenario):
    # Varied where uncertain, fixed with a reason where not: nothing is silently assumed.
    space = load_space(PRIORS, scenario, {})
    named = {str(p) for prm in space.parameters for p in prm.paths}
    leaves = {
        k
        for k, v in _leaves(scenario.model_dump(mode="json"))
        if k.rsplit(".", 1)[-1] not in ("name", "description") and v is not None
    }
    assert sorted(leaves - named) == []
    assert sorted(named - leaves) == []


def test_every_prior_says_where_it_comes_from(scenario):
    space = load_space(PRIORS, scenario, {})
    assert all(len(p.source) > 5 for p in space.parameters)


def test_points_apply_through_validation_and_keep_shares_summing_to_one(scenario):
    space = load_space(PRIORS, scenario, {})
    for point in space.points(space.sobol(32, seed=3)):
        s, _ = space.apply(point, scenario, {})
        assert sum(src.share for src in s.sources) == pytest.approx(1.0, abs=1e-9)
        assert s.content.match_advance_prob == point["content.match_advance_prob"]
        assert [src.name for src in s.sources] == ["web_form", "phone", "referral"]


def test_the_same_seed_gives_the_same_design(scenario):
    space = load_space(PRIORS, scenario, {})
    assert np.array_equal(space.sobol(16, 5), space.sobol(16, 5))
    assert not np.array_equal(space.sobol(16, 5), space.sobol(16, 6))


def test_strategy_paths_change_only_the_strategies_they_name(scenario, strategies):
    space = ParameterSpace.from_entries(
        [
            {
                "path": "strategy[stage_nurture]:email.max_emails",
                "distribution": "integer",
                "low": 2,
                "high": 9,
                "source": "range",
            },
            {
                "path": "strategy:fees.content_usd_per_month",
                "distribution": "uniform",
                "low": 0.0,
                "high": 300.0,
                "source": "range",
            },
        ]
    )
    space.check(scenario, strategies)
    _, st = space.apply(
        {"strategy[stage_nurture]:email.max_emails": 4, "strategy:fees.content_usd_per_month": 9.0},
        scenario,
        strategies,
    )
    assert st["stage_nurture"].email.max_emails == 4
    assert st["no_nurture"].email.max_emails == strategies["no_nurture"].email.max_emails
    assert st["no_nurture"].fees.content_usd_per_month == 9.0


BROKEN = [
    (
        {"path": "content.match_advnce_prob", "distribution": "uniform", "low": 0, "high": 1},
        "did you mean 'match_advance_prob'",
    ),
    (
        {"path": "content.match_advance_prob", "distribution": "uniform", "low": 0.5, "high": 1.5},
        "must be in [0, 1]",
    ),
    ({"path": "months", "distribution": "uniform", "low": 1, "high": 12}, "use integer"),
    (
        {"path": "sales.reach_half_life_hours", "distribution": "uniform", "low": 0, "high": 4},
        "must be > 0",
    ),
    ({"path": "journey", "distribution": "uniform", "low": 0, "high": 1}, "whole table"),
    (
        {"path": "sources.web_fom.share", "distribution": "uniform", "low": 0, "high": 1},
        "did you mean 'web_form'",
    ),
    (
        {"path": "call_length", "distribution": "categorical", "choices": ["exponential", "gamma"]},
        "'gamma' is not allowed",
    ),
    ({"path": "call_length", "distribution": "uniform", "low": 0, "high": 1}, "does not fit"),
    (
        {"path": "strategy[nope]:email.max_emails", "distribution": "integer", "low": 1, "high": 3},
        "no strategy named 'nope'",
    ),
    ({"path": "sales.open_hour", "distribution": "uniform", "low": 8, "high": 20}, "close_hour"),
    (
        {"path": "sources.web_form.share", "distribution": "uniform", "low": 0.1, "high": 0.9},
        "must sum to 1",
    ),
    (
        {
            "paths": ["sources.web_form.share", "sources.phone.share"],
            "distribution": "dirichlet",
            "alpha": [1.0, 1.0],
        },
        "must sum to 1",
    ),
    ({"path": "window_days", "distribution": "beta", "a": 2, "b": 2, "low": 90.0}, "low < high"),
]


@pytest.mark.parametrize(("entry", "fragment"), BROKEN, ids=range(len(BROKEN)))
def test_broken_parameters_are_one_line_input_errors(scenario, strategies, entry, fragment):
    entry = {"source": "test", **entry}
    with pytest.raises(InputError) as err:
        ParameterSpace.from_entries([entry], "p.toml").check(scenario, strategies)
    text = str(err.value)
    assert fragment in text
    assert text.startswith("p.toml")
    assert "\n" not in text


@pytest.mark.parametrize(
    ("entries", "fragment"),
    [
        ([], "at least 1"),
        ([{"path": "months", "distribution": "uniform", "low": 1, "high": 2}], "source"),
        ([{"path": "months", "distribution": "normal", "source": "x"}], "distribution"),
        (
            [{"path": "months", "distribution": "uniform", "low": 1, "source": "x"}],
            "needs low and high",
        ),
        (
            [
                {
                    "path": "months",
                    "distribution": "uniform",
                    "low": 1,
                    "high": 2,
                    "a": 1,
                    "source": "x",
                }
            ],
            "not a",
        ),
        (
            [{"path": "window_days", "distribution": "fixed", "value": 90.0, "source": "x"}] * 2,
            "appears twice",
        ),
        (
            [{"paths": ["a", "b"], "distribution": "uniform", "low": 0, "high": 1, "source": "x"}],
            "needs path",
        ),
    ],
)
def test_malformed_entries_are_one_line_input_errors(entries, fragment):
    with pytest.raises(InputError) as err:
        ParameterSpace.from_entries(entries, "p.toml")
    assert fragment in str(err.value)
    assert "\n" not in str(err.value)
