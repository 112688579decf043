"""``nurture validate FILE...`` and ``nurture init DIR``."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.cli import main

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "path, kind",
    [
        ("configs/scenarios/medical_practice.toml", "scenario"),
        ("configs/strategies/marketer_brief.toml", "strategy"),
        ("experiments/seed_claims.toml", "suite"),
        ("configs/uncertainty/medical_practice.toml", "space"),
    ],
)
def test_validate_detects_the_kind_and_prints_resolved_values(capsys, path, kind):
    assert (
        main(
            [
                "validate",
                str(ROOT / path),
                "--scenario",
                str(ROOT / "configs/scenarios/medical_practice.toml"),
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert out.splitlines()[0].endswith(f"{kind} OK")
    assert len(out.splitlines()) > 3  # the values, defaults included


def test_validate_prints_defaults_the_file_leaves_out(capsys):
    assert main(["validate", str(ROOT / "configs/strategies/marketer_brief.toml")]) == 0
    out = capsys.readouterr().out
    assert "  scoring.click_points_pitch = 2.0" in out  # not written in the file
    assert "  sales.handoff_after.clicks = 2" in out


def test_validate_a_bad_file_is_one_line_and_exit_2(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text('[email]\nmax_emails = "ten"\n')
    assert main(["validate", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "email.max_emails" in err and "must be a number" in err


def test_init_writes_configs_that_validate_and_keeps_existing_files(tmp_path, capsys):
    out = tmp_path / "practice"
    assert main(["init", str(out)]) == 0
    files = sorted(out.rglob("*.toml"))
    assert {f.name for f in files} >= {"scenario.toml", "suite.toml", "no_nurture.toml"}
    capsys.readouterr()
    assert main(["validate", *map(str, files), "--quiet"]) == 0
    assert capsys.readouterr().out.count(" OK") == len(files)
    (out / "scenario.toml").write_text("# mine\n")
    assert main(["init", str(out)]) == 0
    assert (out / "scenario.toml").read_text() == "# mine\n"


def test_every_option_of_every_command_says_what_it_means_and_its_default():
    import argparse

    from sim.cli import HelpFormatter, build_parser

    parser = build_parser()
    (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    missing = []
    for name, command in sub.choices.items():
        formatter = HelpFormatter(name)
        for action in command._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            if not action.help:
                missing.append(f"{name} {action.option_strings or action.dest}: no help")
            elif action.option_strings:
                text = formatter._get_help_string(action)
                if "default" not in text and "(required)" not in text:
                    missing.append(f"{name} {action.option_strings}: no default")
    assert missing == []
