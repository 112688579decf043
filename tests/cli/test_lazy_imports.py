"""`nurture --help` imports no heavy library, and `import sim` still offers every name."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import sim
from sim import cli

HEAVY = ("pandas", "scipy", "statsmodels", "plotly", "simpy", "numpy")


def _modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", code + "\nimport json, sys; print(json.dumps(sorted(sys.modules)))"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("argv", [["--help"], ["--version"], []])
def test_top_level_help_imports_no_heavy_library(argv):
    code = (
        "import contextlib, io\nfrom sim.cli import main\n"
        f"with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        f"    main({argv!r})"
    )
    loaded = _modules_after(code)
    assert not [m for m in HEAVY if m in loaded], sorted(m for m in HEAVY if m in loaded)


def test_import_sim_is_light_until_a_name_is_used():
    loaded = _modules_after("import sim")
    assert not [m for m in HEAVY if m in loaded]
    loaded = _modules_after("import sim\nsim.simulate")
    assert "simpy" in loaded


def test_every_exported_name_resolves():
    assert sorted(sim.__all__) == sorted(sim._EXPORTS)
    for name in sim.__all__:
        assert getattr(sim, name).__name__ == name
    assert set(sim.__all__) <= set(dir(sim))
    with pytest.raises(AttributeError):
        _ = sim.no_such_name


def test_stub_summaries_are_the_commands_own_help_lines():
    # The full parser imports every command module; its help lines must be the stubs' lines,
    # and every command must have one (else `nurture --help` would import its module).
    full = cli.build_parser(full=True)
    sub = full._subparsers._group_actions[0]
    helps = {a.dest: a.help for a in sub._choices_actions}
    assert helps == {name: cli.SUMMARIES[name] for name in helps}
    assert set(cli.COMMANDS) <= set(cli.SUMMARIES)


def test_the_command_run_is_parsed_in_full_and_the_others_stay_stubs():
    parser = cli.build_parser("power", full=False)
    args = parser.parse_args(["power", "--baseline", "0.1", "--lift", "0.2"])
    assert args.command == "power" and args.baseline == 0.1
