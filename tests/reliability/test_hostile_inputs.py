"""Inputs that used to hang a command, eat the machine's memory, fail late or half-write a run.

Every case runs ``nurture`` as a real process with a memory cap (``RLIMIT_AS``, see
:data:`~.conftest.MEMORY_CAP`) and a time limit, so a regression fails its test instead of
taking the machine down, and checks the bad-input contract: exit code 2, one line on stderr
naming the file or option and what is allowed, no traceback, nothing on stdout, and the
working folder (an earlier run's results included) byte-for-byte unchanged. The commands are
forked from a warm process (``zygote.py``) to save the interpreter's start-up; a few also
run as ``python -m sim.cli`` from scratch.

Cases where the input is legitimate (shares that sum to 0.999999, a header with spaces after
the commas, sweep values that differ in the seventh digit) must instead succeed.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from sim.analysis.csv_input import MAX_ARMS, MAX_ROW_BYTES
from sim.config.loading import MAX_NESTING_DEPTH
from sim.config.scenario import MAX_WINDOW_DAYS

from .conftest import (
    CSV,
    SCENARIO,
    STRATEGY,
    SUITE,
    TIME_LIMIT,
    Content,
    edit,
    run_nurture,
    snapshot,
    write_files,
)

RUN = ("run", "scenario.toml", "strategy.toml")
RUN_FILES = {"scenario.toml": SCENARIO, "strategy.toml": STRATEGY}
SUITE_RUN = ("suite", "suite.toml", "--results", "results", "--workers", "1")
#: An earlier run's results that a failing command must leave alone.
EARLIER = {"results/tiny/0123456789ab/summary.csv": "arm,n\ncalls,22\n"}
SUITE_FILES = {**RUN_FILES, "suite.toml": SUITE, **EARLIER}
ANALYZE = ("analyze", "data.csv", "--arm-col", "arm", "--control", "control")
ANALYZE_ARGS = (*ANALYZE, "--converted-col", "converted")


def suite(old: str, new: str, **extra: Content) -> dict[str, Content]:
    return {**SUITE_FILES, "suite.toml": edit(SUITE, old, new), **extra}


def sparse(size: int) -> Content:
    """A file of ``size`` NUL bytes and no line break, made in no time (``truncate -s``)."""

    def write(path: Path) -> None:
        with path.open("wb") as f:
            f.truncate(size)

    return write


def ids_as_arms(rows: int) -> Content:
    def write(path: Path) -> None:
        lines = "".join(f"lead-{i},{i % 2}\n" for i in range(rows))
        path.write_text("arm,converted\ncontrol,0\n" + lines)

    return write


EXPECT = '\n[[expect]]\narm = "twin"\nmetric = {}\nbetween = [0, 1]\n'
SPLIT = """\
name = "tiny"
scenario = "scenario.toml"
design = "split"
replications = 2
seed = 1
control = "calls"

[[arms]]
name = "calls"
strategy = "strategy.toml"
weight = WEIGHT_A

[[arms]]
name = "twin"
strategy = "strategy.toml"
weight = WEIGHT_B
"""
SWEEP = """\
name = "sweep"
scenario = "scenario.toml"
replications = 2
control = "calls"

[[arms]]
name = "calls"
strategy = "strategy.toml"

[sweep]
strategy = "strategy.toml"
parameter = "sales.on_arrival.delay_hours"
values = {values}
names = {names}
"""


def fifo(name: str) -> Callable[[Path], None]:
    return lambda folder: os.mkfifo(folder / name)


@dataclass(frozen=True)
class Hostile:
    """One input and the one line it must give."""

    id: str
    files: Mapping[str, Content]
    argv: tuple[str, ...]
    expect: tuple[str, ...]
    setup: Callable[[Path], None] | None = None
    timeout: float = TIME_LIMIT
    env: Mapping[str, str] | None = None


CASES = [
    # 1. a CSV without line breaks: used to grow to 24 GB before the kernel killed it
    Hostile(
        "csv_of_100_mb_of_nul_bytes",
        {"data.csv": sparse(100 * 2**20)},
        ANALYZE_ARGS,
        ("data.csv", "line 1", f"at most {MAX_ROW_BYTES:,} bytes"),
    ),
    Hostile(
        "csv_is_dev_zero",
        {},
        ("analyze", "/dev/zero", *ANALYZE_ARGS[2:]),
        ("/dev/zero", "character device, not a regular file"),
    ),
    Hostile(
        "csv_with_an_unclosed_quote_over_a_long_file",
        {"data.csv": lambda p: p.write_text('arm,converted\n"control,1\n' + "x,1\n" * 300_000)},
        ANALYZE_ARGS,
        ("data.csv", "line 2", "never closed"),
    ),
    Hostile(
        "csv_is_a_named_pipe",
        {},
        ANALYZE_ARGS,
        ("data.csv", "named pipe (FIFO), not a regular file"),
        setup=fifo("data.csv"),
    ),
    # 2. paths that are not regular files
    Hostile(
        "scenario_is_dev_zero",
        RUN_FILES,
        ("run", "/dev/zero", "strategy.toml"),
        ("/dev/zero", "character device, not a regular file"),
    ),
    Hostile(
        "scenario_is_a_named_pipe",
        {"strategy.toml": STRATEGY},
        RUN,
        ("scenario.toml", "named pipe (FIFO), not a regular file"),
        setup=fifo("scenario.toml"),
    ),
    # 3. window_days without a cap ran the daily loop a billion times
    Hostile(
        "window_days_1e9",
        {**RUN_FILES, "scenario.toml": edit(SCENARIO, "window_days = 30", "window_days = 1e9")},
        RUN,
        ("scenario.toml: window_days", f"less than or equal to {MAX_WINDOW_DAYS:g}"),
    ),
    Hostile(
        "window_days_1e7_in_a_suite",
        suite("seed = 1\n", "seed = 1\nscenario_overrides = { window_days = 1e7 }\n"),
        SUITE_RUN,
        ("window_days", f"less than or equal to {MAX_WINDOW_DAYS:g}"),
    ),
    # 4. deeply nested TOML: a RecursionError of 3,002 lines
    Hostile(
        "toml_nested_3000_deep",
        {**RUN_FILES, "scenario.toml": "x = " + "[" * 3000 + "]" * 3000 + "\n"},
        RUN,
        ("scenario.toml", f"nested more than {MAX_NESTING_DEPTH} levels"),
    ),
    Hostile(
        "toml_nested_just_too_deep",
        {
            **RUN_FILES,
            "scenario.toml": "x = " + "[" * (MAX_NESTING_DEPTH + 1) + "]" * 33 + "\n",
        },
        RUN,
        ("scenario.toml", f"nested more than {MAX_NESTING_DEPTH} levels"),
    ),
    # 5. expectations checked before any replication runs
    Hostile(
        "suite_expects_a_misspelt_metric",
        suite('control = "calls"\n', 'control = "calls"\n' + EXPECT.format('"conversion_rat"')),
        SUITE_RUN,
        ("expect[0].metric", "'conversion_rat'", "did you mean 'conversion_rate'?"),
    ),
    Hostile(
        "suite_expects_a_text_column",
        suite('control = "calls"\n', 'control = "calls"\n' + EXPECT.format('"method"')),
        SUITE_RUN,
        ("expect[0].metric", "'method'", "text, not a number"),
    ),
    # 6. split weights of 0
    Hostile(
        "split_weights_all_zero",
        suite(
            "seed = 1\n",
            'seed = 1\ndesign = "split"\n',
            **{"suite.toml": SPLIT.replace("WEIGHT_A", "0").replace("WEIGHT_B", "0")},
        ),
        SUITE_RUN,
        ("arms[0].weight", "0 is not allowed", "greater than 0"),
    ),
    Hostile(
        "split_weight_one_zero",
        {**SUITE_FILES, "suite.toml": SPLIT.replace("WEIGHT_A", "1").replace("WEIGHT_B", "0")},
        SUITE_RUN,
        ("arms[1].weight", "0 is not allowed", "greater than 0"),
    ),
    # 7. the scheduler address, checked before the results folder exists
    Hostile(
        "scheduler_not_an_address",
        SUITE_FILES,
        (*SUITE_RUN, "--executor", "dask", "--scheduler", "not a url"),
        ("--scheduler 'not a url'", "not an address", "tcp://HOST:PORT"),
    ),
    Hostile(
        "scheduler_http_url",
        SUITE_FILES,
        (*SUITE_RUN, "--executor", "dask", "--scheduler", "http://127.0.0.1:1"),
        ("--scheduler 'http://127.0.0.1:1'", "scheme 'http' is not allowed", "tcp"),
    ),
    Hostile(
        "scheduler_nobody_answers",
        SUITE_FILES,
        (*SUITE_RUN, "--executor", "dask", "--scheduler", "tcp://127.0.0.1:1"),
        ("--scheduler tcp://127.0.0.1:1", "no Dask scheduler answered within 2 s"),
        env={"NURTURE_DASK_CONNECT_TIMEOUT": "2"},
    ),
    # 9. sweep names follow the naming rule
    Hostile(
        "sweep_name_escapes",
        {**SUITE_FILES, "suite.toml": SWEEP.format(values="[1, 2]", names='["../x", "ok"]')},
        SUITE_RUN,
        ("sweep.names[0]", "'../x' is not allowed", "pattern"),
    ),
    Hostile(
        "sweep_name_is_markup",
        {
            **SUITE_FILES,
            "suite.toml": SWEEP.format(values="[1, 2]", names='["ok", "<script>x</script>"]'),
        },
        SUITE_RUN,
        ("sweep.names[1]", "'<script>x</script>' is not allowed"),
    ),
    # 13. a special file in a suite, and an empty results root
    Hostile(
        "suite_strategy_is_dev_zero",
        suite('strategy = "strategy.toml"\n\n[[arms]]', 'strategy = "/dev/zero"\n\n[[arms]]'),
        SUITE_RUN,
        ("suite.toml: arms[0].strategy", "'/dev/zero'", "character device, not a regular file"),
    ),
    Hostile(
        "suite_results_root_empty",
        SUITE_FILES,
        ("suite", "suite.toml", "--results", ""),
        ("--results", "'' is not allowed", "give a folder"),
    ),
    Hostile(
        "suite_replications_above_the_cap",
        SUITE_FILES,
        (*SUITE_RUN, "--replications", "100001"),
        ("--replications", "100001 is not allowed", "between 1 and 100,000"),
    ),
    # 10. duplicate headers: pandas silently used the first and invented "converted.1"
    Hostile(
        "csv_duplicate_header",
        {"data.csv": "arm,converted,converted\ncontrol,1,0\ntreatment,0,1\n"},
        ANALYZE_ARGS,
        ("data.csv", "column 'converted' appears 2 times", "columns 2, 3"),
    ),
    Hostile(
        "csv_name_that_pandas_invents",
        {"data.csv": "arm,converted,converted\ncontrol,1,0\ntreatment,0,1\n"},
        (*ANALYZE, "--converted-col", "converted.1"),
        ("data.csv", "missing column 'converted.1'", "available columns: arm, converted"),
    ),
    # 12. a lead id as the arm column: 10,000 arms took 150 s and printed 3 MB
    Hostile(
        "csv_10000_arms",
        {"data.csv": ids_as_arms(10_000)},
        ANALYZE_ARGS,
        ("data.csv: column 'arm'", f"more than {MAX_ARMS} distinct arms", "id column"),
    ),
]


def check_refused(case: Hostile, done, before: dict, after: dict) -> None:
    assert not getattr(done, "timed_out", False), f"killed after {case.timeout} s"
    assert "Traceback" not in done.err, done.err
    assert done.code == 2, f"exit {done.code}; stderr: {done.err}"
    lines = done.err.splitlines()
    assert len(lines) == 1, f"expected one stderr line, got {len(lines)}:\n{done.err}"
    assert lines[0].startswith(f"nurture {case.argv[0]}: error: "), lines[0]
    for piece in case.expect:
        assert piece in lines[0], f"{piece!r} not in {lines[0]!r}"
    assert done.out == "", f"stdout should be empty, got {done.out[:200]!r}"
    assert after == before, "the command changed the folder: " + repr(
        {
            k: (before.get(k), after.get(k))
            for k in set(before) | set(after)
            if before.get(k) != after.get(k)
        }
    )


def _prepare(case: Hostile, folder: Path) -> dict:
    write_files(folder, case.files)
    if case.setup is not None:
        case.setup(folder)
    return snapshot(folder)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_input_is_refused_in_one_line(case, tmp_path, zygote):
    before = _prepare(case, tmp_path)
    done = zygote.run(list(case.argv), tmp_path, timeout=case.timeout, env=case.env)
    check_refused(case, done, before, snapshot(tmp_path))


FROM_SCRATCH = ("csv_of_100_mb_of_nul_bytes", "scenario_is_a_named_pipe", "toml_nested_3000_deep")


@pytest.mark.slow
@pytest.mark.parametrize("case_id", FROM_SCRATCH)
def test_hostile_input_in_a_fresh_interpreter(case_id, tmp_path):
    case = next(c for c in CASES if c.id == case_id)
    before = _prepare(case, tmp_path)
    done = run_nurture(list(case.argv), tmp_path, timeout=case.timeout, env=case.env)
    check_refused(case, done, before, snapshot(tmp_path))


# -- legitimate inputs that used to be refused or mangled (13.) -------------------------------
def test_six_decimal_thirds_are_shares_that_sum_to_one(tmp_path, zygote):
    thirds = edit(
        SCENARIO,
        'name = "web_form"\nshare = 1.0\n',
        'name = "web_form"\nshare = 0.333333\n',
    ) + "".join(f'\n[[sources]]\nname = "{n}"\nshare = 0.333333\n' for n in ("phone", "referral"))
    write_files(tmp_path, {**RUN_FILES, "scenario.toml": thirds})
    done = zygote.run(["run", "scenario.toml", "strategy.toml", "--json"], tmp_path)
    assert done.code == 0, done.err
    assert json.loads(done.out)["leads"] > 0


def test_a_header_with_spaces_after_the_commas(tmp_path, zygote):
    spaced = CSV.replace("arm,converted,cost_usd", "arm, converted , cost_usd")
    write_files(tmp_path, {"data.csv": spaced})
    argv = [*ANALYZE_ARGS, "--cost-col", "cost_usd", "--json"]
    done = zygote.run(argv, tmp_path)
    assert done.code == 0, done.err
    arms = {a["arm"]: a for a in json.loads(done.out)["arms"]}
    assert arms["control"]["n"] == 3 and arms["treatment"]["conversions"] == 2
