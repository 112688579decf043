"""``nurture power``: sizes, months, the reverse question, and bad arguments."""

from __future__ import annotations

import json

import pytest

from sim.analysis.planning import plan_test, power_for_months
from sim.cli import main


def _json(capsys, *argv: str) -> dict:
    assert main(["power", *argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_json_plan_matches_the_library(capsys):
    out = _json(capsys, "--baseline", "0.2", "--lift", "0.2", "--leads-per-month", "400")
    plan = plan_test(0.2, lift=0.2, leads_per_month=400)
    assert out["n_per_arm"] == pytest.approx(plan.n_per_arm)
    assert out["n_per_arm_cc"] == pytest.approx(plan.n_per_arm_cc)
    assert out["total_leads"] == plan.total_leads
    assert out["months"] == pytest.approx(plan.total_leads / 400)
    assert out["target_power"] == 0.8
    assert "power" not in out  # only the reverse question reports an achieved power


def test_r_example_through_the_command_line(capsys):
    out = _json(capsys, "--baseline", "0.5", "--treatment", "0.75", "--power", "0.9")
    assert out["n_per_arm"] == pytest.approx(76.70692, abs=1e-4)
    assert out["months"] is None


def test_percent_inputs(capsys):
    a = _json(capsys, "--baseline", "18%", "--lift", "25%")
    b = _json(capsys, "--baseline", "0.18", "--lift", "0.25")
    assert a["n_per_arm"] == pytest.approx(b["n_per_arm"])


def test_ratio_and_alpha_are_passed_through(capsys):
    out = _json(capsys, "--baseline", "0.2", "--treatment", "0.25", "--ratio", "2",
                "--alpha", "0.1")  # fmt: skip
    plan = plan_test(0.2, treatment=0.25, ratio=2, alpha=0.1)
    assert out["n_per_arm"] == pytest.approx(plan.n_per_arm)
    assert out["n_treatment"] == pytest.approx(2 * plan.n_per_arm)


def test_months_gives_the_power_of_that_test(capsys):
    out = _json(capsys, "--baseline", "0.2", "--lift", "0.2", "--leads-per-month", "400",
                "--months", "6")  # fmt: skip
    assert out["power"] == pytest.approx(power_for_months(0.2, 0.24, 6, 400))
    assert out["power_cc"] < out["power"] < 0.8  # 6 months is shorter than the 8.4 needed
    assert out["test_leads"] == 2400


def test_power_at_the_planned_months_reaches_the_target(capsys):
    plan = _json(capsys, "--baseline", "0.1", "--lift", "0.3", "--leads-per-month", "250")
    back = _json(capsys, "--baseline", "0.1", "--lift", "0.3", "--leads-per-month", "250",
                 "--months", str(plan["months"]))  # fmt: skip
    assert back["power"] == pytest.approx(0.8, abs=1e-3)
    assert back["power"] >= 0.8


def test_text_output(capsys):
    assert main(["power", "--baseline", "0.2", "--lift", "0.2", "--leads-per-month", "400"]) == 0
    text = capsys.readouterr().out
    assert "Leads per arm: 1,682.4 (R power.prop.test convention)" in text
    assert "1,732.0 with continuity correction" in text
    assert "Total leads: 3,366" in text
    assert "8.4 months" in text


def test_text_output_reverse(capsys):
    argv = ["power", "--baseline", "0.2", "--lift", "0.2", "--leads-per-month", "400",
            "--months", "6"]  # fmt: skip
    assert main(argv) == 0
    assert "A 6-month test (2,400 leads, 1,200 control): power 0.658" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "option"),
    [
        (["--baseline", "1.2", "--lift", "0.1"], "--baseline"),
        (["--baseline", "0", "--lift", "0.1"], "--baseline"),
        (["--baseline", "abc", "--lift", "0.1"], "--baseline"),
        (["--baseline", "0.2", "--lift", "0"], "--lift"),
        (["--baseline", "0.6", "--lift", "1"], "--lift"),
        (["--baseline", "0.2", "--lift", "nan"], "--lift"),
        (["--baseline", "0.2", "--treatment", "0.2"], "--treatment"),
        (["--baseline", "0.2", "--lift", "0.1", "--treatment", "0.3"], "--treatment"),
        (["--baseline", "0.2"], "--lift"),
        (["--lift", "0.2"], "--baseline"),
        (["--baseline", "0.2", "--lift", "0.1", "--alpha", "1"], "--alpha"),
        (["--baseline", "0.2", "--lift", "0.1", "--power", "1.5"], "--power"),
        (["--baseline", "0.2", "--lift", "0.1", "--ratio", "-1"], "--ratio"),
        (["--baseline", "0.2", "--lift", "0.1", "--leads-per-month", "0"], "--leads-per-month"),
        (["--baseline", "0.2", "--lift", "0.1", "--months", "3"], "--months"),
        (
            ["--baseline", "0.2", "--lift", "0.1", "--leads-per-month", "50", "--months", "-1"],
            "--months",
        ),
    ],
)
def test_bad_arguments_exit_2_with_one_line(capsys, argv, option):
    assert _exit_code(["power", *argv]) == 2
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert option in lines[0]
    assert "Traceback" not in err


def _exit_code(argv: list[str]) -> int:
    # argparse rejects non-numbers and missing or clashing options itself (SystemExit 2);
    # range problems come back from the library as InputError, which main() returns as 2.
    try:
        return main(argv)
    except SystemExit as exc:
        return int(exc.code)


def test_power_plans_the_live_monitored_test(capsys):
    import json

    from sim.cli import main
    from sim.experiment.looks import plan_live_test

    args = ["power", "--baseline", "0.171", "--lift", "50%", "--leads-per-month", "100",
            "--horizon-days", "60", "--conversion-by-horizon", "0.919",
            "--treatment-by-horizon", "0.858", "--json"]  # fmt: skip
    assert main(args) == 0
    live = json.loads(capsys.readouterr().out)["live"]
    plan = plan_live_test(0.171, lift=0.5, leads_per_month=100, conversion_by_horizon=0.919,
                          treatment_by_horizon=0.858, horizon_days=60)  # fmt: skip
    assert live["max_leads"] == plan.max_leads
    assert live["msprt_alpha"] == pytest.approx(plan.msprt_alpha)
