"""Broken configs through the real command line: exit code 2 and one line a marketer can act on.

Each case starts from a shipped config file, breaks it the way a person editing it might, and
runs ``nurture run`` on it. The contract (DESIGN.md, "Command line"): exit code 2, exactly one
line on stderr naming the file, the key path and what is allowed, no traceback, nothing on
stdout. Most cases call :func:`sim.cli.main` in-process (fast); a few go through a real
``python -m sim.cli`` subprocess to show the installed entry point behaves the same.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from sim.cli import main
from sim.config.scenario import MAX_LEADS_PER_WORLD

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = ROOT / "configs" / "scenarios" / "medical_practice.toml"
STRATEGIES = ROOT / "configs" / "strategies"


@dataclass(frozen=True)
class Broken:
    """One broken config: which shipped file, the text edit, and what the error must say."""

    id: str
    file: str  # "scenario" or a strategy name
    old: str  # text in the shipped file...
    new: str  # ...replaced by this (the edit must apply exactly once)
    expect: tuple[str, ...]  # substrings of the one stderr line: key path and what is allowed


CASES = [
    Broken("toml_syntax", "scenario", "months = 12 ", "months = = 12 ", ("TOML syntax error",)),
    Broken(
        "unknown_key",
        "scenario",
        "window_days = 180",
        "windw_days = 180",
        ("windw_days", "did you mean 'window_days'?", "allowed:"),
    ),
    Broken(
        "misspelt_nested_key",
        "scenario",
        "open_prob = 0.26",
        "open_prb = 0.26",
        ("email.open_prb", "did you mean 'open_prob'?", "allowed:"),
    ),
    Broken(
        "string_for_number",
        "scenario",
        "window_days = 180",
        'window_days = "six months"',
        ("window_days", "'six months'", "must be a number"),
    ),
    Broken(
        "quoted_number",
        "scenario",
        "agents = 2 ",
        'agents = "2" ',
        ("sales.agents", "'2'", "must be a number"),
    ),
    Broken(
        "nan",
        "scenario",
        "open_prob = 0.26",
        "open_prob = nan",
        ("email.open_prob", "nan", "must be a finite number"),
    ),
    Broken(
        "inf",
        "scenario",
        "revive_per_day = 0.002",
        "revive_per_day = inf",
        ("journey.revive_per_day", "inf", "must be a finite number"),
    ),
    Broken(
        "negative_rate",
        "scenario",
        "awareness = { advance_per_day = 0.030,",
        "awareness = { advance_per_day = -0.030,",
        ("journey.awareness.advance_per_day", "-0.03", "must be greater than or equal to 0"),
    ),
    Broken(
        "probability_above_1",
        "scenario",
        "show_prob = 0.85",
        "show_prob = 1.5",
        ("appointment.show_prob", "1.5", "must be less than or equal to 1"),
    ),
    Broken(
        "source_shares",
        "scenario",
        "share = 0.25 ",
        "share = 0.35 ",
        ("sources' shares", "must sum to 1", "got 1.1"),
    ),
    Broken(
        "stage_mix",
        "scenario",
        "decision = 0.10 }",
        "decision = 0.20 }",
        ("sources[0].initial_stage", "stage shares must sum to 1", "got 1.1"),
    ),
    Broken(
        "misspelt_sources_tables",
        "scenario",
        "[[sources]]",
        "[[sourcez]]",  # every source table misnamed: no `sources` key at all
        ("sources", "required key is missing"),
    ),
    Broken(
        "zero_months",
        "scenario",
        "months = 12 ",
        "months = 0 ",
        ("months", "0 is not allowed", "greater than or equal to 1"),
    ),
    Broken(
        "fractional_months",
        "scenario",
        "months = 12 ",
        "months = 1.5 ",
        ("months", "1.5", "must be a valid integer"),
    ),
    Broken(
        "absurd_size",
        "scenario",
        "leads_per_month = 100 ",
        "leads_per_month = 1e12 ",
        ("leads_per_month = 1e+12", f"at most {MAX_LEADS_PER_WORLD:,}"),
    ),
    Broken(
        "close_before_open",
        "scenario",
        "close_hour = 18.0",
        "close_hour = 7.0",
        ("sales", "close_hour (7.0) must be after open_hour (8.0)"),
    ),
    Broken(
        "close_hour_past_midnight",
        "scenario",
        "close_hour = 18.0",
        "close_hour = 25.0",
        ("sales.close_hour", "25.0", "less than or equal to 24"),
    ),
    Broken(
        "unknown_call_length",
        "scenario",
        'call_length = "exponential"',
        'call_length = "gamma"',
        ("call_length", "'gamma'", "'exponential' or 'fixed'"),
    ),
    Broken(
        "email_without_cadence",
        "newsletter",
        "[email.cadence]",
        "[email.cadenc]",
        ("email.cadenc", "did you mean 'cadence'?"),
    ),
    Broken(
        "unknown_content_kind",
        "stage_nurture",
        'content = "awareness"',
        'content = "video"',
        ("email.cadence.awareness.content", "'video'", "'awareness'", "'pitch'"),
    ),
    Broken(
        "misspelt_strategy_table",
        "no_nurture",
        "[sales.on_arrival]",
        "[sales.on_arival]",
        (
            "sales.on_arival",
            "did you mean 'on_arrival'?",
            "allowed: handoff_after, max_attempts_per_lead, on_arrival",
        ),
    ),
    Broken(
        "negative_delay",
        "fast_response",
        "delay_hours = 0.08",
        "delay_hours = -1",
        ("sales.on_arrival.delay_hours", "-1", "greater than or equal to 0"),
    ),
    Broken(
        "unknown_call_style",
        "hard_sell",
        'style = "pushy"',
        'style = "aggressive"',
        ("sales.on_arrival.style", "'aggressive'", "'consultative' or 'pushy'"),
    ),
]


def _write_broken(case: Broken, tmp_path: Path) -> tuple[Path, Path, Path]:
    """Return (scenario, strategy, broken file) with the case's edit applied to one of them."""
    src = SCENARIO if case.file == "scenario" else STRATEGIES / f"{case.file}.toml"
    text = src.read_text(encoding="utf-8")
    assert text.count(case.old) >= 1, f"{case.id}: {case.old!r} not in {src.name}"
    broken = tmp_path / f"broken_{case.id}.toml"
    broken.write_text(text.replace(case.old, case.new), encoding="utf-8")
    if case.file == "scenario":
        return broken, STRATEGIES / "no_nurture.toml", broken
    return SCENARIO, broken, broken


def _check_one_line(err: str, out: str, where: Path, expect: tuple[str, ...]) -> str:
    assert out == ""
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1, err
    line = lines[0]
    assert line.startswith("nurture run: error: ")
    assert str(where) in line
    for piece in expect:
        assert piece in line, f"{piece!r} not in {line!r}"
    return line


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_broken_config_gives_one_line_and_exit_2(case, tmp_path, capsys):
    scen, strat, broken = _write_broken(case, tmp_path)
    code = main(["run", str(scen), str(strat)])
    captured = capsys.readouterr()
    assert code == 2
    _check_one_line(captured.err, captured.out, broken, case.expect)


def test_enabled_email_without_any_cadence_section(tmp_path, capsys):
    text = (STRATEGIES / "newsletter.toml").read_text(encoding="utf-8")
    head, tail = text.split("[email.cadence]")
    tail = tail[tail.index("[sales.on_arrival]") :]
    broken = tmp_path / "no_cadence.toml"
    broken.write_text(head + tail, encoding="utf-8")
    assert main(["run", str(SCENARIO), str(broken)]) == 2
    captured = capsys.readouterr()
    _check_one_line(
        captured.err, captured.out, broken, ("email", "needs an [email.cadence] section")
    )


def test_empty_sources_list(tmp_path, capsys):
    text = SCENARIO.read_text(encoding="utf-8")
    head = text[: text.index("[[sources]]")]
    tail = text[text.index("# The journey without help") :]
    broken = tmp_path / "no_sources.toml"
    broken.write_text(head.replace("call_length", "sources = []\ncall_length") + tail, "utf-8")
    assert main(["run", str(broken), str(STRATEGIES / "no_nurture.toml")]) == 2
    captured = capsys.readouterr()
    _check_one_line(captured.err, captured.out, broken, ("sources", "at least 1 item"))


def test_missing_sources_key(tmp_path, capsys):
    text = SCENARIO.read_text(encoding="utf-8")
    head = text[: text.index("[[sources]]")]
    tail = text[text.index("# The journey without help") :]
    broken = tmp_path / "sourceless.toml"
    broken.write_text(head + tail, "utf-8")
    assert main(["run", str(broken), str(STRATEGIES / "no_nurture.toml")]) == 2
    captured = capsys.readouterr()
    _check_one_line(captured.err, captured.out, broken, ("sources", "required key is missing"))


def test_missing_file(tmp_path, capsys):
    missing = tmp_path / "nope.toml"
    assert main(["run", str(missing), str(STRATEGIES / "no_nurture.toml")]) == 2
    captured = capsys.readouterr()
    _check_one_line(captured.err, captured.out, missing, ("file not found",))


def test_directory_instead_of_file(tmp_path, capsys):
    folder = tmp_path / "configs.toml"
    folder.mkdir()
    assert main(["run", str(SCENARIO), str(folder)]) == 2
    captured = capsys.readouterr()
    _check_one_line(captured.err, captured.out, folder, ("is a directory", "expected a .toml"))


def test_non_utf8_file(tmp_path, capsys):
    text = SCENARIO.read_text(encoding="utf-8")
    broken = tmp_path / "latin1.toml"
    # A Latin-1 editor saving "Praxis Müller" in the description.
    broken.write_bytes(b"# Praxis M\xfcller\n" + text.encode("utf-8"))
    assert main(["run", str(broken), str(STRATEGIES / "no_nurture.toml")]) == 2
    captured = capsys.readouterr()
    _check_one_line(captured.err, captured.out, broken, ("is not UTF-8", "byte 10"))


def test_bad_command_line_values_exit_2(capsys):
    for argv in (
        ["run", str(SCENARIO), str(STRATEGIES / "no_nurture.toml"), "--seed", "-1"],
        ["run", str(SCENARIO), str(STRATEGIES / "no_nurture.toml"), "--months", "0"],
    ):
        with pytest.raises(SystemExit) as exc:
            main(argv)
        assert exc.value.code == 2
        err = capsys.readouterr().err
        assert len(err.splitlines()) == 1 and "Traceback" not in err


def _run_cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    # The timeout only guards against a hang (e.g. allocating 10^13 leads); no timing is tested.
    return subprocess.run(
        [sys.executable, "-m", "sim.cli", "run", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=timeout,
        check=False,
    )


@pytest.mark.parametrize("case_id", ["toml_syntax", "absurd_size", "unknown_content_kind"])
def test_real_command_line_subprocess(case_id, tmp_path):
    case = next(c for c in CASES if c.id == case_id)
    scen, strat, broken = _write_broken(case, tmp_path)
    proc = _run_cli(str(scen), str(strat))
    assert proc.returncode == 2
    line = _check_one_line(proc.stderr, proc.stdout, broken, case.expect)
    if case_id == "absurd_size":
        # Refused from the config's numbers: 10^12 a month for 12 months = 1.2e13 leads.
        assert "1.2e+13 leads" in line


def test_real_command_line_non_utf8(tmp_path):
    broken = tmp_path / "binary.toml"
    broken.write_bytes(b"\xff\xfe\x00m\x00o\x00n\x00t\x00h\x00s")
    proc = _run_cli(str(broken), str(STRATEGIES / "no_nurture.toml"))
    assert proc.returncode == 2
    _check_one_line(proc.stderr, proc.stdout, broken, ("is not UTF-8", "byte 0"))
