"""``nurture uncertainty`` and ``nurture sensitivity``: folders, resume, same bytes, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = str(ROOT / "configs/scenarios/medical_practice.toml")
NO = str(ROOT / "configs/strategies/no_nurture.toml")
STAGE = str(ROOT / "configs/strategies/stage_nurture.toml")
# A small world (one month, 30 leads) so each command takes seconds.
SMALL = ["--set", "leads_per_month=30", "--set", "months=1"]

PRIORS = """
[[parameter]]
path = "content.match_advance_prob"
distribution = "uniform"
low = 0.05
high = 0.3
source = "test"

[[parameter]]
path = "email.open_prob"
distribution = "beta"
a = 3.0
b = 9.0
source = "test"
"""


def _main(argv):
    from sim.cli import main

    return main(argv)


@pytest.fixture
def priors(tmp_path):
    p = tmp_path / "priors.toml"
    p.write_text(PRIORS)
    return str(p)


def _unc(priors, results, *extra):
    return [
        "uncertainty",
        SCENARIO,
        NO,
        STAGE,
        "--control",
        "no_nurture",
        "--priors",
        priors,
        "--results",
        str(results),
        *SMALL,
        *extra,
    ]


def _sens(priors, results, *extra):
    return [
        "sensitivity",
        SCENARIO,
        NO,
        STAGE,
        "--priors",
        priors,
        "--results",
        str(results),
        *SMALL,
        *extra,
    ]


def _folder(results: Path) -> Path:
    (run,) = [p for p in results.glob("*/*") if p.is_dir()]
    return run


def test_uncertainty_writes_a_folder_and_resume_reuses_it(priors, tmp_path, capsys):
    res = tmp_path / "r"
    assert _main(_unc(priors, res, "--draws", "8", "--workers", "1", "--json")) == 0
    first = json.loads(capsys.readouterr().out)
    run = _folder(res)
    m = json.loads((run / "manifest.json").read_text())
    assert m["study"] == "uncertainty" and m["tasks_reused"] == 0
    assert {"draws.csv", "evppi.csv", "acceptability.csv", "report.html"} <= set(m["outputs"])
    tables = {n: (run / n).read_bytes() for n in m["outputs"] if n.endswith(".csv")}
    assert 0 <= first["headline"]["p_beats_control"] <= 1
    assert _main(_unc(priors, res, "--draws", "8", "--workers", "1", "--resume", "--json")) == 0
    capsys.readouterr()
    m2 = json.loads((run / "manifest.json").read_text())
    assert m2["tasks_reused"] == 8  # every draw's replication came from its checkpoint
    assert {n: (run / n).read_bytes() for n in tables} == tables


def test_sensitivity_morris_text_and_report(priors, tmp_path, capsys):
    res = tmp_path / "r"
    assert _main(_sens(priors, res, "--method", "morris", "--n", "3", "--workers", "2")) == 0
    out = capsys.readouterr().out
    assert "abs_lift:" in out and "inc_net_benefit_usd:" in out
    run = _folder(res)
    html = (run / "report.html").read_text()
    assert html.count('class="plot"') == 6  # mu*-sigma and bars for each of three outputs


@pytest.mark.slow
def test_sobol_on_dask_gives_the_same_bytes_as_locally(priors, tmp_path, capsys):
    pytest.importorskip("dask.distributed")
    args = ["--method", "sobol", "--n", "4", "--no-report"]
    assert _main(_sens(priors, tmp_path / "a", *args, "--executor", "serial")) == 0
    assert _main(_sens(priors, tmp_path / "b", *args, "--executor", "dask", "--workers", "2")) == 0
    capsys.readouterr()
    a, b = _folder(tmp_path / "a"), _folder(tmp_path / "b")
    for name in ("indices.csv", "outputs.csv", "evaluations.csv"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


# --------------------------------------------------------------------------- bad input
ENTRY = 'path = "{path}"\ndistribution = "{dist}"\n{args}\nsource = "test"\n'


def _entry(path="email.open_prob", dist="uniform", args="low = 0.1\nhigh = 0.3"):
    return "[[parameter]]\n" + ENTRY.format(path=path, dist=dist, args=args)


BROKEN_PRIORS = {
    "unknown_path": (_entry(path="content.no_such_value"), "no_such_value"),
    "low_above_high": (_entry(args="low = 0.3\nhigh = 0.1"), "parameter[0]"),
    "unknown_distribution": (_entry(dist="gaussian"), "distribution"),
    "beta_missing_b": (_entry(dist="beta", args="a = 2.0"), "missing b"),
    "probability_above_one": (_entry(args="low = 0.5\nhigh = 1.5"), "email.open_prob"),
    "no_such_strategy": (
        _entry(path="strategy[ghost]:email.max_emails", dist="integer", args="low = 1\nhigh = 9"),
        "ghost",
    ),
    "fractions_for_a_whole_number": (
        _entry(path="sales.agents", args="low = 1.0\nhigh = 3.0"),
        "whole number",
    ),
    "duplicate_parameter": (_entry() + "\n" + _entry(), "twice"),
    "not_toml": ("[[parameter]\npath = ", "priors.toml"),
    "no_parameters": ('description = "empty"\n', "parameter"),
    "missing_source": (
        '[[parameter]]\npath = "email.open_prob"\ndistribution = "fixed"\nvalue = 0.2\n',
        "source",
    ),
    "dirichlet_with_path": (_entry(dist="dirichlet", args="alpha = [1.0, 1.0]"), "paths"),
    "names_a_whole_table": (_entry(path="email", dist="fixed", args="value = 1.0"), "table"),
    "unknown_key": (_entry(args="low = 0.1\nhigh = 0.3\nmode = 0.2"), "mode"),
}


class _Proc:
    def __init__(self, returncode, stdout, stderr):
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


def _run_cli(argv, cwd, capsys, monkeypatch):
    """The command in this process (a traceback would fail the test as an exception)."""
    monkeypatch.chdir(cwd)
    try:
        code = _main(argv)
    except SystemExit as exc:  # argparse's own usage errors
        code = exc.code
    out = capsys.readouterr()
    return _Proc(code, out.out, out.err)


def _assert_bad_input(proc, needle, results: Path):
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr  # one line, no traceback
    assert needle.lower() in lines[0].lower(), lines[0]
    assert not results.exists() or not any(results.rglob("*")), "something was written"
    assert proc.stdout == ""


@pytest.mark.parametrize("case", sorted(BROKEN_PRIORS))
def test_broken_priors_are_one_line_exit_2_nothing_written(case, tmp_path, capsys, monkeypatch):
    text, needle = BROKEN_PRIORS[case]
    (tmp_path / "priors.toml").write_text(text)
    # alternate the two commands over the cases (both read priors the same way)
    command = "uncertainty" if sorted(BROKEN_PRIORS).index(case) % 2 else "sensitivity"
    argv = (
        _unc("priors.toml", "res")
        if command == "uncertainty"
        else _sens("priors.toml", "res", "--method", "morris")
    )
    _assert_bad_input(_run_cli(argv, tmp_path, capsys, monkeypatch), needle, tmp_path / "res")


BAD_FLAGS = {
    "one_draw": (lambda p: _unc(p, "res", "--draws", "1"), "--draws"),
    "control_not_a_strategy": (
        lambda p: [
            "uncertainty",
            SCENARIO,
            NO,
            STAGE,
            "--control",
            "nobody",
            "--priors",
            p,
            "--results",
            "res",
        ],
        "nobody",
    ),
    "sobol_n_not_a_power_of_two": (
        lambda p: _sens(p, "res", "--method", "sobol", "--n", "12"),
        "power of 2",
    ),
    "unknown_method": (lambda p: _sens(p, "res", "--method", "fast99"), "--method"),
    "scheduler_without_dask": (
        lambda p: _sens(p, "res", "--method", "morris", "--scheduler", "tcp://x:1"),
        "dask",
    ),
    "zero_replications": (lambda p: _unc(p, "res", "--replications", "0"), "--replications"),
    "missing_priors_file": (lambda p: _unc("nowhere.toml", "res"), "nowhere.toml"),
    "one_strategy": (
        lambda p: [
            "sensitivity",
            SCENARIO,
            NO,
            "--priors",
            p,
            "--method",
            "morris",
            "--results",
            "res",
        ],
        "two strategies",
    ),
    "bad_set_key": (lambda p: _unc(p, "res", "--set", "email.nope=1"), "nope"),
    "strategy_not_given": (
        lambda p: _sens(p, "res", "--method", "morris", "--strategy", "ghost"),
        "ghost",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_FLAGS))
def test_bad_flags_are_one_line_exit_2_nothing_written(case, tmp_path, capsys, monkeypatch):
    (tmp_path / "priors.toml").write_text(PRIORS)
    argv, needle = BAD_FLAGS[case]
    proc = _run_cli(argv("priors.toml"), tmp_path, capsys, monkeypatch)
    _assert_bad_input(proc, needle, tmp_path / "res")
