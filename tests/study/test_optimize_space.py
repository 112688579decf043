"""Search-space files: what they hold, and every way they can be wrong (one line, the place)."""

from __future__ import annotations

import tomllib

import pytest

import sim
from sim.errors import InputError
from sim.study.optimize.metrics import METRICS
from sim.study.optimize.space import load_search_space
from sim.study.optimize.toml_out import strategy_toml

SPACE = "configs/spaces/cadence_and_calls.toml"
SCENARIO = sim.load_scenario("configs/scenarios/medical_practice.toml")
BASE = sim.load_strategy("configs/strategies/no_nurture.toml")


def _space(tmp_path, body: str, objective: str = 'metric = "patients"\ndelta = 1.0'):
    p = tmp_path / "space.toml"
    p.write_text(f"[objective]\n{objective}\n\n{body}")
    return p


RANGE = """
[[parameter]]
path = "strategy:sales.on_arrival.max_attempts"
distribution = "integer"
low = 1
high = 4
source = "test"
"""


def test_the_default_space_builds_an_email_program_on_a_base_without_one():
    sp = load_search_space(SPACE, SCENARIO, BASE)
    assert sp.objective.metric == "net_benefit_usd" and sp.delta == 10000.0
    assert {c.metric for c in sp.constraints} == {
        "complaint_rate", "unsubscribe_rate", "emails_per_lead_per_week", "sales_hours_per_month"
    }  # fmt: skip
    point = sp.space.point([0.5] * sp.space.dims)
    st = sp.candidate(point, BASE, "mid")
    assert st.name == "mid" and st.uses_email and st.email.cadence is not None
    assert BASE.email.cadence is None  # the base is untouched


def test_a_candidate_round_trips_through_its_toml_file(tmp_path):
    sp = load_search_space(SPACE, SCENARIO, BASE)
    st = sp.candidate(sp.space.point([0.3] * sp.space.dims), BASE, "found")
    p = tmp_path / "found.toml"
    p.write_text(strategy_toml(st.model_dump(mode="json"), comment="test"))
    assert sim.load_strategy(p) == st
    assert tomllib.loads(p.read_text())["name"] == "found"


@pytest.mark.parametrize(
    "body, objective, where, says",
    [
        (RANGE.replace("max_attempts", "max_atempts"), None, "parameter[0]", "did you mean"),
        (RANGE.replace("high = 4", "high = 1"), None, "parameter[0]", "low < high"),
        (RANGE.replace("strategy:sales.on_arrival.max_attempts", "months"), None,
         "parameter[0]", "write strategy:KEY"),
        (RANGE.replace('"integer"', '"beta"\na = 2.0\nb = 3.0').replace("low = 1\nhigh = 4\n",
         ""), None, "parameter[0]", "is a prior"),
        (RANGE.replace("high = 4", "high = 400"), None, "parameter[0]", "must be in [1, 100]"),
        (RANGE, 'metric = "patience"', "objective.metric", "did you mean 'patients'"),
        (RANGE, 'metric = "patients"\ndelta = 0', "objective.delta", "must be > 0"),
        (RANGE + '\n[[constraint]]\nmetric = "complaint_rate"\nmax = -0.1\n', None,
         "constraint[0]", "can never hold"),
        (RANGE + '\n[[constraint]]\nmetric = "unsub"\nmax = 0.1\n', None,
         "constraint[0]: metric", "unknown metric"),
        (RANGE + '\n[[constraint]]\nmetric = "complaint_rate"\n', None, "constraint[0]",
         "exactly one of max"),
        (RANGE.replace('"integer"', '"fixed"\nvalue = 2').replace("low = 1\nhigh = 4\n", ""),
         None, "parameter", "nothing varies"),
    ],
)  # fmt: skip
def test_bad_spaces_name_the_file_and_the_key(tmp_path, body, objective, where, says):
    p = _space(tmp_path, body, objective or 'metric = "patients"\ndelta = 1.0')
    with pytest.raises(InputError) as e:
        load_search_space(p, SCENARIO, BASE)
    msg = str(e.value)
    assert msg.startswith(str(p)) and where in msg and says in msg, msg
    assert "\n" not in msg


def test_every_metric_is_documented():
    from sim.study.optimize import metrics

    for name in METRICS:
        assert name in metrics.__doc__
