"""The bad-input catalogue: every way we know a user can get the input wrong, and what happens.

Each row is one mistake: the files in the working folder, the ``nurture`` command line, and
what the one line on stderr must say (the file, row or key, and what is allowed). The contract
checked for every row (DESIGN.md, "Command line"):

- exit code 2;
- exactly one line on stderr, starting ``nurture <command>: error:``, with no traceback;
- nothing on stdout, and nothing written: the working folder (results folders and
  pre-existing outputs included) is byte-for-byte what it was before the command ran.

Every row runs through the ``nurture`` entry point (:func:`sim.cli.main`, in-process, which is
fast); rows marked ``subprocess=True`` also run as a real ``python -m sim.cli`` process, and
``NURTURE_FULL_CATALOGUE=1`` runs every row that way. Other test modules (tests/config,
tests/cli, tests/experiment) hold more detailed checks of some rows; this is the one place that
lists them all.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from sim.cli import main
from sim.config.scenario import MAX_LEADS_PER_WORLD

from .conftest import (
    CSV,
    EMAIL_STRATEGY,
    SCENARIO,
    STRATEGY,
    SUITE,
    Content,
    edit,
    run_nurture,
    snapshot,
    write_files,
)


@dataclass(frozen=True)
class Case:
    """One row of the catalogue."""

    id: str
    files: Mapping[str, Content]
    argv: tuple[str, ...]
    expect: tuple[str, ...]  # substrings of the one stderr line
    subprocess: bool = False
    notes: str = field(default="", compare=False)


# -- the valid files each row starts from, and the command lines -------------------------------
RUN = ("run", "scenario.toml", "strategy.toml")
RUN_FILES = {"scenario.toml": SCENARIO, "strategy.toml": STRATEGY}
SUITE_RUN = ("suite", "suite.toml", "--results", "results", "--workers", "1")
SUITE_FILES = {**RUN_FILES, "suite.toml": SUITE}
COMPARE = ("compare", "scenario.toml", "strategy.toml", "email.toml", "--replications", "2")
COMPARE_FILES = {**RUN_FILES, "email.toml": EMAIL_STRATEGY}
ANALYZE = (
    "analyze",
    "data.csv",
    "--arm-col",
    "arm",
    "--control",
    "control",
    "--converted-col",
    "converted",
    "--cost-col",
    "cost_usd",
)
#: An earlier run's results that a failing command must leave alone.
EARLIER_RESULTS = {"results/tiny/0123456789ab/summary.csv": "arm,n\ncalls,22\n"}


def scenario(old: str, new: str) -> dict[str, Content]:
    """The run files with one edit of the scenario."""
    return {**RUN_FILES, "scenario.toml": edit(SCENARIO, old, new)}


def strategy(old: str, new: str, base: str = STRATEGY) -> dict[str, Content]:
    return {**RUN_FILES, "strategy.toml": edit(base, old, new)}


def suite(old: str, new: str, **extra: Content) -> dict[str, Content]:
    return {**SUITE_FILES, **EARLIER_RESULTS, "suite.toml": edit(SUITE, old, new), **extra}


def csv(text: str) -> dict[str, Content]:
    return {"data.csv": text}


def million_rows(last: str) -> Content:
    """A CSV of 1,000,000 good data rows except the last one; written fast as repeated bytes."""

    def write(path: Path) -> None:
        good = b"control,0,20\ntreatment,1,25\n"
        with path.open("wb") as f:
            f.write(b"arm,converted,cost_usd\n")
            f.write(good * 499_999 + b"control,0,20\n")
            f.write(last.encode() + b"\n")

    return write


CASES: list[Case] = [
    # -- scenario TOML: syntax ------------------------------------------------------------------
    Case(
        "toml_syntax",
        scenario("months = 1\n", "months = = 1\n"),
        RUN,
        ("scenario.toml", "TOML syntax error", "line 2"),
        subprocess=True,
    ),
    Case(
        "toml_unclosed_table",
        scenario("[journey]", "[journey"),
        RUN,
        ("scenario.toml", "TOML syntax error"),
    ),
    Case(
        "toml_duplicate_key",
        scenario("months = 1\n", "months = 1\nmonths = 2\n"),
        RUN,
        ("scenario.toml", "TOML syntax error"),
    ),
    Case(
        "toml_binary_garbage",
        {**RUN_FILES, "scenario.toml": b"\x00\x01\x02months\x00= 1\n"},
        RUN,
        ("scenario.toml", "TOML syntax error"),
    ),
    Case(
        "toml_not_utf8",
        {**RUN_FILES, "scenario.toml": b"# Praxis M\xfcller\n" + SCENARIO.encode()},
        RUN,
        ("scenario.toml", "is not UTF-8", "byte 10", "save it as UTF-8"),
        subprocess=True,
    ),
    Case(
        "toml_empty_file",
        {**RUN_FILES, "scenario.toml": ""},
        RUN,
        ("scenario.toml", "sources", "required key is missing"),
    ),
    Case(
        "toml_too_big",
        {**RUN_FILES, "scenario.toml": SCENARIO + "# " + "x" * 1_100_000 + "\n"},
        RUN,
        ("scenario.toml", "bytes; a config may be at most 1,000,000"),
    ),
    Case("scenario_missing", {"strategy.toml": STRATEGY}, RUN, ("scenario.toml", "file not found")),
    Case(
        "scenario_is_a_folder",
        {"strategy.toml": STRATEGY, "scenario.toml/readme.txt": "a folder"},
        RUN,
        ("scenario.toml", "is a directory, expected a .toml file"),
    ),
    # -- scenario: unknown or misspelt keys ---------------------------------------------------
    Case(
        "unknown_top_level_key",
        scenario("window_days = 30", "windw_days = 30"),
        RUN,
        ("scenario.toml: windw_days", "did you mean 'window_days'?", "allowed:"),
    ),
    Case(
        "misspelt_nested_key",
        scenario("agents = 2", "agnets = 2"),
        RUN,
        ("scenario.toml: sales.agnets", "did you mean 'agents'?", "allowed:"),
    ),
    Case(
        "misspelt_key_in_a_list_item",
        scenario("cost_per_lead_usd = 20.0", "cost_per_led_usd = 20.0"),
        RUN,
        ("scenario.toml: sources[0].cost_per_led_usd", "did you mean 'cost_per_lead_usd'?"),
    ),
    Case(
        "misspelt_key_with_a_newline",
        strategy("[sales.on_arrival]", '[sales."on_arr\\nival"]'),
        RUN,
        ("strategy.toml: sales.on_arr\\nival", "did you mean 'on_arrival'?"),
    ),
    # -- scenario: wrong types ---------------------------------------------------------------
    Case(
        "string_for_number",
        scenario("window_days = 30", 'window_days = "a month"'),
        RUN,
        ("scenario.toml: window_days", "'a month' is not allowed", "must be a number"),
        subprocess=True,
    ),
    Case(
        "quoted_integer",
        scenario("agents = 2", 'agents = "2"'),
        RUN,
        ("scenario.toml: sales.agents", "'2' is not allowed", "must be a number"),
    ),
    Case(
        "boolean_for_number",
        scenario("leads_per_month = 20", "leads_per_month = true"),
        RUN,
        ("scenario.toml: leads_per_month", "True is not allowed", "must be a number"),
    ),
    Case(
        "list_for_number",
        scenario("months = 1\n", "months = [1]\n"),
        RUN,
        ("scenario.toml: months", "[1] is not allowed", "must be a valid integer"),
    ),
    Case(
        "table_for_number",
        scenario("window_days = 30", "window_days = { days = 30 }"),
        RUN,
        ("scenario.toml: window_days", "valid number"),
    ),
    Case(
        "fractional_months",
        scenario("months = 1\n", "months = 1.5\n"),
        RUN,
        ("scenario.toml: months", "1.5 is not allowed", "must be a valid integer"),
    ),
    Case(
        "unknown_choice",
        scenario("window_days = 30", 'window_days = 30\ncall_length = "gamma"'),
        RUN,
        ("scenario.toml: call_length", "'gamma' is not allowed", "'exponential' or 'fixed'"),
    ),
    # -- scenario: impossible numbers ---------------------------------------------------------
    Case(
        "nan",
        scenario("leads_per_month = 20", "leads_per_month = nan"),
        RUN,
        ("scenario.toml: leads_per_month", "nan is not allowed", "must be a finite number"),
        subprocess=True,
    ),
    Case(
        "infinity",
        scenario("window_days = 30", "window_days = inf"),
        RUN,
        ("scenario.toml: window_days", "inf is not allowed", "must be a finite number"),
    ),
    Case(
        "minus_infinity_cost",
        scenario("cost_per_lead_usd = 20.0", "cost_per_lead_usd = -inf"),
        RUN,
        ("sources[0].cost_per_lead_usd", "-inf is not allowed", "must be a finite number"),
    ),
    Case(
        "negative_rate",
        scenario("decision = { advance_per_day = 0.03", "decision = { advance_per_day = -0.03"),
        RUN,
        ("journey.decision.advance_per_day", "-0.03 is not allowed", "greater than or equal to 0"),
    ),
    Case(
        "negative_cost",
        scenario("cost_per_lead_usd = 20.0", "cost_per_lead_usd = -20.0"),
        RUN,
        ("sources[0].cost_per_lead_usd", "-20.0 is not allowed", "greater than or equal to 0"),
    ),
    Case(
        "probability_above_1",
        scenario("lost_share = 0.5", "lost_share = 1.5"),
        RUN,
        ("journey.decision.lost_share", "1.5 is not allowed", "less than or equal to 1"),
    ),
    Case(
        "shares_do_not_sum_to_1",
        scenario("share = 1.0", "share = 0.6"),
        RUN,
        ("scenario.toml", "sources' shares must sum to 1, got 0.6"),
    ),
    Case(
        "stage_mix_does_not_sum_to_1",
        scenario(
            "share = 1.0",
            "share = 1.0\ninitial_stage = { awareness = 0.5, consideration = 0.5, decision = 0.5 }",
        ),
        RUN,
        ("sources[0].initial_stage", "stage shares must sum to 1, got 1.5"),
    ),
    Case(
        "duplicate_source_names",
        scenario(
            "share = 1.0",
            'share = 0.5\n\n[[sources]]\nname = "web_form"\nshare = 0.5',
        ),
        RUN,
        ("scenario.toml", "source names must be unique", "'web_form' repeats"),
    ),
    Case(
        "no_sources",
        scenario('[[sources]]\nname = "web_form"', 'sources = []\n[[unused]]\nname = "web_form"'),
        RUN,
        ("scenario.toml: sources", "at least 1 item"),
    ),
    Case(
        "zero_months",
        scenario("months = 1\n", "months = 0\n"),
        RUN,
        ("scenario.toml: months", "0 is not allowed", "greater than or equal to 1"),
    ),
    Case(
        "zero_agents",
        scenario("agents = 2", "agents = 0"),
        RUN,
        ("scenario.toml: sales.agents", "0 is not allowed", "greater than or equal to 1"),
    ),
    Case(
        "absurd_leads_per_month",
        scenario("leads_per_month = 20", "leads_per_month = 1e12"),
        RUN,
        (
            "scenario.toml",
            "leads_per_month = 1e+12 for months = 1 is 1e+12 leads",
            f"at most {MAX_LEADS_PER_WORLD:,}",
        ),
        subprocess=True,
        notes="refused from the config's numbers; see test_absurd_size_is_refused_before_work",
    ),
    Case(
        "absurd_months",
        scenario("months = 1\n", "months = 1000000000\n"),
        RUN,
        ("scenario.toml: months", "1000000000 is not allowed", "less than or equal to 1200"),
    ),
    Case(
        "close_before_open",
        scenario("agents = 2", "agents = 2\nopen_hour = 18.0\nclose_hour = 8.0"),
        RUN,
        ("scenario.toml: sales", "close_hour (8.0) must be after open_hour (18.0)"),
    ),
    # -- strategy ------------------------------------------------------------------------------
    Case(
        "strategy_misspelt_table",
        strategy("[sales.on_arrival]", "[sales.on_arival]"),
        RUN,
        ("strategy.toml: sales.on_arival", "did you mean 'on_arrival'?"),
    ),
    Case(
        "strategy_misspelt_cadence",
        strategy("[email.cadence]", "[email.cadense]", base=EMAIL_STRATEGY),
        RUN,
        ("strategy.toml: email.cadense", "did you mean 'cadence'?"),
    ),
    Case(
        "strategy_enabled_email_no_cadence_at_all",
        {**RUN_FILES, "strategy.toml": 'name = "x"\n[email]\nenabled = true\n'},
        RUN,
        ("strategy.toml: email", "needs an [email.cadence] section"),
    ),
    Case(
        "strategy_zero_interval",
        strategy("interval_days = 7", "interval_days = 0", base=EMAIL_STRATEGY),
        RUN,
        ("email.cadence.awareness.interval_days", "0 is not allowed", "greater than or equal to 1"),
    ),
    Case(
        "strategy_unknown_content_kind",
        strategy('content = "awareness"', 'content = "video"', base=EMAIL_STRATEGY),
        RUN,
        ("email.cadence.awareness.content", "'video' is not allowed", "'pitch'"),
    ),
    Case(
        "strategy_negative_delay",
        strategy("delay_hours = 1.5", "delay_hours = -1.5"),
        RUN,
        ("strategy.toml: sales.on_arrival.delay_hours", "-1.5 is not allowed"),
    ),
    Case(
        "strategy_give_up_above_1",
        strategy("delay_hours = 1.5", "delay_hours = 1.5\ngive_up_prob = 2"),
        RUN,
        ("sales.on_arrival.give_up_prob", "2 is not allowed", "less than or equal to 1"),
    ),
    Case(
        "strategy_scores_out_of_order",
        strategy(
            'name = "calls"', 'name = "calls"\n[scoring]\nconsideration_at = 9\ndecision_at = 3'
        ),
        RUN,
        ("strategy.toml: scoring", "decision_at must be >= consideration_at"),
    ),
    # -- command-line values (argparse) ----------------------------------------------------------
    Case(
        "run_negative_seed", RUN_FILES, (*RUN, "--seed", "-1"), ("--seed -1", "must be an integer")
    ),
    Case("run_zero_months_flag", RUN_FILES, (*RUN, "--months", "0"), ("--months 0", "between 1")),
    # -- where `nurture run --out` writes ----------------------------------------------------------
    Case(
        "run_out_keeps_earlier_files",
        {**scenario("months = 1\n", "months = -1\n"), "out/leads.csv": "lead_id\n0\n"},
        (*RUN, "--out", "out"),
        ("scenario.toml: months", "-1 is not allowed"),
    ),
    Case(
        "run_out_is_a_file",
        {**RUN_FILES, "out": "a file, not a folder"},
        (*RUN, "--out", "out"),
        ("--out out", "exists and is not a folder"),
    ),
    Case(
        "run_out_under_a_file",
        {**RUN_FILES, "blocker": "a regular file"},
        (*RUN, "--out", "blocker/out"),
        ("--out blocker/out", "blocker", "not a folder"),
        subprocess=True,
    ),
    Case(
        "run_out_in_proc",
        RUN_FILES,
        (*RUN, "--out", "/proc/nurture-out"),
        ("--out /proc/nurture-out", "cannot"),
    ),
    # -- suites ----------------------------------------------------------------------------------
    Case(
        "suite_syntax_error",
        suite("replications = 2", "replications = 2,"),
        SUITE_RUN,
        ("suite.toml", "TOML syntax error"),
    ),
    Case(
        "suite_missing_file",
        RUN_FILES,
        SUITE_RUN,
        ("suite.toml", "file not found"),
    ),
    Case(
        "suite_unknown_key",
        suite("replications = 2", "replicatons = 2"),
        SUITE_RUN,
        ("suite.toml: replicatons", "did you mean 'replications'?"),
    ),
    Case(
        "suite_zero_replications",
        suite("replications = 2", "replications = 0"),
        SUITE_RUN,
        ("suite.toml: replications", "0 is not allowed", "greater than or equal to 1"),
    ),
    Case(
        "suite_duplicate_arm_names",
        suite('name = "twin"', 'name = "calls"'),
        SUITE_RUN,
        ("suite.toml", "arm names must be unique: 'calls' appears twice"),
        subprocess=True,
    ),
    Case(
        "suite_control_not_an_arm",
        suite('control = "calls"', 'control = "baseline"'),
        SUITE_RUN,
        ("suite.toml", "control 'baseline' is not an arm; arms: calls, twin"),
    ),
    Case(
        "suite_no_arms",
        {**SUITE_FILES, "suite.toml": SUITE[: SUITE.index("[[arms]]")]},
        SUITE_RUN,
        ("suite.toml", "a suite needs [[arms]] or a [sweep]"),
    ),
    Case(
        "suite_names_missing_scenario",
        suite('scenario = "scenario.toml"', 'scenario = "scenarios/practice.toml"'),
        SUITE_RUN,
        ("suite.toml: scenario", "'scenarios/practice.toml': no such file"),
    ),
    Case(
        "suite_names_missing_strategy",
        suite('name = "twin"\nstrategy = "strategy.toml"', 'name = "twin"\nstrategy = "twin.toml"'),
        SUITE_RUN,
        ("suite.toml: arms[1].strategy", "'twin.toml': no such file"),
    ),
    Case(
        "suite_name_escapes_results",
        suite('name = "tiny"', 'name = "../escape"'),
        SUITE_RUN,
        ("suite.toml: name", "'../escape' is not allowed", "should match pattern"),
        subprocess=True,
    ),
    Case(
        "suite_name_with_a_slash",
        suite('name = "tiny"', 'name = "a/b"'),
        SUITE_RUN,
        ("suite.toml: name", "'a/b' is not allowed", "should match pattern"),
    ),
    Case(
        "suite_arm_name_escapes",
        suite('name = "twin"', 'name = "../twin"'),
        SUITE_RUN,
        ("suite.toml: arms[1].name", "'../twin' is not allowed"),
    ),
    Case(
        "suite_expect_names_unknown_arm",
        suite(
            'strategy = "strategy.toml"\n\n[[arms]]',
            'strategy = "strategy.toml"\n\n[[expect]]\narm = "ghost"\nmetric = "conversion_rate"'
            "\nbetween = [0, 1]\n\n[[arms]]",
        ),
        SUITE_RUN,
        ("suite.toml", "expect names arm 'ghost', which is not an arm"),
    ),
    Case(
        "suite_bad_strategy_override",
        suite(
            'name = "twin"\nstrategy = "strategy.toml"',
            'name = "twin"\nstrategy = "strategy.toml"\noverrides = { "email.enabeld" = true }',
        ),
        SUITE_RUN,
        ("suite.toml: arms[1].overrides", "email.enabeld", "did you mean 'enabled'?"),
    ),
    Case(
        "suite_bad_scenario_override",
        suite(
            'name = "twin"\nstrategy = "strategy.toml"',
            'name = "twin"\nstrategy = "strategy.toml"\nscenario_overrides = { months = 0 }',
        ),
        SUITE_RUN,
        ("suite.toml: arms[1].scenario_overrides", "0 is not allowed"),
    ),
    Case(
        "suite_split_with_scenario_overrides",
        suite(
            'name = "twin"\nstrategy = "strategy.toml"',
            'name = "twin"\nstrategy = "strategy.toml"\nscenario_overrides = { months = 2 }',
        )
        | {
            "suite.toml": edit(SUITE, "seed = 1", 'seed = 1\ndesign = "split"').replace(
                'name = "twin"\nstrategy = "strategy.toml"',
                'name = "twin"\nstrategy = "strategy.toml"\nscenario_overrides = { months = 2 }',
            )
        },
        SUITE_RUN,
        ("suite.toml: design", "'split' shares one world"),
    ),
    Case(
        "suite_sweep_of_an_unknown_parameter",
        {
            **SUITE_FILES,
            "suite.toml": SUITE[: SUITE.index("[[arms]]")]
            + '[sweep]\nstrategy = "strategy.toml"\nparameter = "sales.on_arrival.delay_hourz"'
            '\nvalues = [1, 2]\nnames = ["calls", "slow"]\n',
        },
        SUITE_RUN,
        ("suite.toml: sweep.parameter: sales.on_arrival.delay_hourz", "did you mean"),
    ),
    Case(
        "two_suites_with_one_name",
        {**SUITE_FILES, "again.toml": SUITE},
        ("suite", "suite.toml", "again.toml", "--results", "results"),
        ("two suites are named 'tiny'",),
    ),
    Case(
        "suite_scheduler_without_dask",
        SUITE_FILES,
        (*SUITE_RUN, "--scheduler", "tcp://127.0.0.1:8786"),
        ("--scheduler", "only applies with --executor dask"),
    ),
    Case(
        "suite_zero_workers",
        SUITE_FILES,
        (*SUITE_RUN[:-1], "0"),
        ("--workers", "0", "between 1 and 4096"),
    ),
    # -- where `nurture suite` writes --------------------------------------------------------------
    Case(
        "results_is_a_file",
        {**SUITE_FILES, "results": "a regular file where the results folder should be"},
        SUITE_RUN,
        ("--results results", "cannot create"),
        subprocess=True,
    ),
    Case(
        "results_under_a_file",
        {**SUITE_FILES, "blocker": "a regular file"},
        ("suite", "suite.toml", "--results", "blocker/results", "--workers", "1"),
        ("--results blocker/results", "cannot create"),
    ),
    Case(
        "results_in_proc",
        SUITE_FILES,
        ("suite", "suite.toml", "--results", "/proc/nurture-results", "--workers", "1"),
        ("--results /proc/nurture-results", "cannot create"),
    ),
    Case(
        "results_suite_folder_is_a_file",
        {**SUITE_FILES, "results/tiny": "a regular file where the suite's folder should be"},
        SUITE_RUN,
        ("--results results", "cannot create"),
    ),
    # -- compare -----------------------------------------------------------------------------------
    Case(
        "compare_same_strategy_twice",
        COMPARE_FILES,
        ("compare", "scenario.toml", "strategy.toml", "strategy.toml"),
        ("strategy.toml", "arm name 'calls' is given twice"),
    ),
    Case(
        "compare_control_not_an_arm",
        COMPARE_FILES,
        (*COMPARE, "--control", "baseline"),
        ("--control", "'baseline' is not an arm", "calls, nurture"),
    ),
    Case(
        "compare_alpha_above_1",
        COMPARE_FILES,
        (*COMPARE, "--alpha", "1.5"),
        ("--alpha", "1.5 is not allowed", "(0, 1)"),
    ),
    Case(
        "compare_negative_seed",
        COMPARE_FILES,
        (*COMPARE, "--seed", "-3"),
        ("--seed", "-3 is not allowed", ">= 0"),
    ),
    # -- power -----------------------------------------------------------------------------------
    Case(
        "power_rate_above_1",
        {},
        ("power", "--baseline", "1.5", "--lift", "0.1"),
        ("--baseline", "1.5 is not allowed", "between 0 and 1"),
    ),
    Case(
        "power_nan_rate",
        {},
        ("power", "--baseline", "nan", "--lift", "0.1"),
        ("--baseline", "'nan' is not allowed", "finite number"),
    ),
    Case(
        "power_negative_leads",
        {},
        ("power", "--baseline", "0.2", "--lift", "0.1", "--leads-per-month", "-5"),
        ("--leads-per-month", "-5.0 is not allowed", "> 0"),
    ),
    # -- CSVs for `nurture analyze` ----------------------------------------------------------------
    Case("csv_missing_file", {}, ANALYZE, ("data.csv", "no such file")),
    Case(
        "csv_missing_column",
        csv(CSV.replace("cost_usd", "cost")),
        ANALYZE,
        ("data.csv", "missing column 'cost_usd'", "available columns: arm, converted, cost"),
        subprocess=True,
    ),
    Case(
        "csv_non_binary_conversion",
        csv(CSV.replace("treatment,1,25\ntreatment,0", "treatment,2,25\ntreatment,0")),
        ANALYZE,
        ("data.csv: row 6", "column 'converted'", "'2' is not allowed", "0/1"),
    ),
    Case(
        "csv_word_for_conversion",
        csv(CSV.replace("control,0,20\ncontrol,0", "control,maybe,20\ncontrol,0")),
        ANALYZE,
        ("data.csv: row 3", "column 'converted'", "'maybe' is not allowed"),
    ),
    Case(
        "csv_empty_conversion",
        csv(CSV.replace("control,1,20", "control,,20")),
        ANALYZE,
        ("data.csv: row 2", "column 'converted'", "an empty value is not allowed"),
    ),
    Case(
        "csv_negative_cost",
        csv(CSV.replace("treatment,0,25", "treatment,0,-25")),
        ANALYZE,
        ("data.csv: row 7", "column 'cost_usd'", "'-25' is not allowed", "a number >= 0"),
    ),
    Case(
        "csv_nan_cost",
        csv(CSV.replace("treatment,0,25", "treatment,0,NaN")),
        ANALYZE,
        ("data.csv: row 7", "column 'cost_usd'", "'NaN' is not allowed", "a number >= 0"),
    ),
    Case(
        "csv_infinite_cost",
        csv(CSV.replace("treatment,0,25", "treatment,0,inf")),
        ANALYZE,
        ("data.csv: row 7", "column 'cost_usd'", "'inf' is not allowed"),
    ),
    Case(
        "csv_currency_in_cost",
        csv(CSV.replace("control,1,20", "control,1,$20")),
        ANALYZE,
        ("data.csv: row 2", "column 'cost_usd'", "'$20' is not allowed"),
    ),
    Case(
        "csv_empty_arm",
        csv(CSV.replace("control,1,20", ",1,20")),
        ANALYZE,
        ("data.csv: row 2", "column 'arm'", "an empty value is not allowed"),
    ),
    Case(
        "csv_header_only",
        csv("arm,converted,cost_usd\n"),
        ANALYZE,
        ("data.csv", "no data rows"),
    ),
    Case("csv_empty_file", csv(""), ANALYZE, ("data.csv", "the file is empty")),
    Case(
        "csv_one_arm_only",
        csv("arm,converted,cost_usd\ncontrol,1,20\ncontrol,0,20\n"),
        ANALYZE,
        ("data.csv: column 'arm'", "only one arm ('control')", "at least two arms"),
    ),
    Case(
        "csv_control_not_an_arm",
        csv(CSV.replace("control", "baseline")),
        ANALYZE,
        ("data.csv: --control", "'control' is not an arm", "baseline, treatment"),
    ),
    Case(
        "csv_not_utf8",
        {
            "data.csv": CSV.replace("treatment,1,25\n", "Behandlung M\xfcller,1,25\n", 1).encode(
                "latin-1"
            )
        },
        ANALYZE,
        ("data.csv", "line 5 is not UTF-8", "byte 0xfc", "save the file as UTF-8"),
        subprocess=True,
    ),
    Case(
        "csv_binary_file",
        {"data.csv": bytes(range(256)) * 4},
        ANALYZE,
        ("data.csv",),
    ),
    Case(
        "csv_too_many_fields",
        csv(CSV.replace("control,0,20\ncontrol,0", "control,0,20,extra\ncontrol,0")),
        ANALYZE,
        ("data.csv", "malformed CSV", "line 3, saw 4"),
    ),
    Case(
        "csv_unquoted_comma_in_a_value",
        csv("name,arm,converted\nAda,control,1\nSmith, John,control,0\nBo,treatment,1\n"),
        (*ANALYZE[:-2],),
        ("data.csv", "malformed CSV", "line 3, saw 4"),
        notes="pandas with usecols used to shift this row's values into the wrong columns",
    ),
    Case(
        "csv_first_row_longer_than_the_header",
        csv("arm,converted,cost_usd\ncontrol,1,20,x\ntreatment,0,25\n"),
        ANALYZE,
        ("data.csv", "row 2", "has 4 fields but the header has 3"),
        notes="pandas used to take the first column as an index and shift every column",
    ),
    Case(
        "csv_trailing_comma_on_every_row",
        csv("arm,converted,cost_usd\ncontrol,1,20,\ntreatment,0,25,\n"),
        ANALYZE,
        ("data.csv", "row 2", "has 4 fields but the header has 3"),
    ),
    Case(
        "csv_newline_and_nul_in_the_header",
        {"data.csv": b'\xef\xbb\xbf"\n\x00"\n1\n'},
        ANALYZE,
        ("data.csv", "missing columns 'arm', 'converted', 'cost_usd'", "columns: \\x00"),
        notes="found by fuzzing: the raw header used to break the message over two lines "
        "(names are trimmed now, so the newline goes and the NUL stays, escaped)",
    ),
    Case(
        "csv_arm_name_with_a_newline",
        csv('arm,converted,cost_usd\n"con\ntrol",1,20\ntreatment,0,25\n'),
        ANALYZE,
        ("data.csv: --control", "'control' is not an arm", "con\\ntrol, treatment"),
    ),
    Case(
        "csv_unterminated_quote",
        csv(CSV + '"treatment,1,25\n'),
        ANALYZE,
        ("data.csv", "malformed CSV"),
    ),
    Case(
        "csv_is_a_folder",
        {"data.csv/part-0.csv": CSV},
        ANALYZE,
        ("data.csv", "is a directory"),
    ),
    Case(
        "csv_garbage_in_the_last_of_a_million_rows",
        {"data.csv": million_rows(last="treatment,yes please,25")},
        ANALYZE,
        ("data.csv: row 1000001", "column 'converted'", "'yes please' is not allowed"),
        subprocess=True,
    ),
    Case(
        "analyze_bad_weights",
        csv(CSV),
        (*ANALYZE, "--weights", "control=1,treatment=-1"),
        ("--weights", "'treatment=-1' is not allowed", "positive weights"),
    ),
    Case(
        "analyze_alpha_above_1",
        csv(CSV),
        (*ANALYZE, "--alpha", "2"),
        ("alpha", "2.0 is not allowed", "(0, 1)"),
    ),
    Case(
        "analyze_negative_seed",
        csv(CSV),
        (*ANALYZE, "--cpc-method", "bootstrap-percentile", "--seed", "-1"),
        ("--seed", "-1 is not allowed", ">= 0"),
    ),
    Case(
        "analyze_absurd_resamples",
        csv(CSV),
        (*ANALYZE, "--cpc-method", "bootstrap-percentile", "--resamples", "100000000000"),
        ("--resamples", "100000000000 is not allowed", "at most"),
    ),
    Case(
        "analyze_too_few_resamples",
        csv(CSV),
        (*ANALYZE, "--cpc-method", "bootstrap-percentile", "--resamples", "5"),
        ("--resamples", "5 is not allowed", "at least 100"),
    ),
]

FULL = os.environ.get("NURTURE_FULL_CATALOGUE") == "1"


def _check_contract(case: Case, code: int, out: str, err: str, before: dict, after: dict) -> None:
    command = case.argv[0]
    assert "Traceback" not in err, err
    assert code == 2, f"exit {code}; stderr: {err}"
    lines = err.splitlines()
    assert len(lines) == 1, f"expected one stderr line, got {len(lines)}:\n{err}"
    line = lines[0]
    assert line.startswith(f"nurture {command}: error: "), line
    for piece in case.expect:
        assert piece in line, f"{piece!r} not in {line!r}"
    assert out == "", f"stdout should be empty, got {out[:200]!r}"
    assert after == before, "the command changed the folder: " + repr(
        {
            k: (before.get(k), after.get(k))
            for k in set(before) | set(after)
            if before.get(k) != after.get(k)
        }
    )


def test_the_catalogue_is_big_and_ids_are_unique():
    assert len(CASES) >= 40
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_through_the_entry_point(case, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    write_files(tmp_path, case.files)
    before = snapshot(tmp_path)
    try:
        code = main(list(case.argv))
    except SystemExit as exc:  # argparse refuses bad flags by exiting (code 2)
        code = exc.code if isinstance(exc.code, int) else 1
    captured = capsys.readouterr()
    _check_contract(case, code, captured.out, captured.err, before, snapshot(tmp_path))


SUBPROCESS_CASES = [c for c in CASES if c.subprocess or FULL]


@pytest.mark.slow
@pytest.mark.parametrize("case", SUBPROCESS_CASES, ids=[c.id for c in SUBPROCESS_CASES])
def test_bad_input_through_a_real_process(case, tmp_path):
    write_files(tmp_path, case.files)
    before = snapshot(tmp_path)
    done = run_nurture(list(case.argv), tmp_path)
    _check_contract(case, done.code, done.out, done.err, before, snapshot(tmp_path))


def test_absurd_size_is_refused_before_any_work(tmp_path, monkeypatch, capsys):
    """10^12 leads a month: refused from the config's numbers, before a world is built."""
    import sim.cli.run as run_command

    def no_world(*args, **kwargs):
        raise AssertionError("the world was built for an absurd scenario")

    monkeypatch.setattr(run_command, "simulate", no_world)
    case = next(c for c in CASES if c.id == "absurd_leads_per_month")
    monkeypatch.chdir(tmp_path)
    write_files(tmp_path, case.files)
    assert main(list(case.argv)) == 2
    assert f"at most {MAX_LEADS_PER_WORLD:,}" in capsys.readouterr().err


@pytest.mark.slow
def test_absurd_size_takes_no_memory_in_a_real_process(tmp_path):
    """The refusal costs what starting the command costs: compared with a valid tiny run.

    One float per lead for 10^12 leads would be 8 TB; the refusing process must stay within
    a few MB of a process that simulates 20 leads (no timing is asserted; the subprocess
    timeout only guards against a hang).
    """
    case = next(c for c in CASES if c.id == "absurd_leads_per_month")
    write_files(tmp_path / "absurd", case.files)
    write_files(tmp_path / "tiny", RUN_FILES)
    absurd = run_nurture(list(case.argv), tmp_path / "absurd", timeout=60)
    tiny = run_nurture(list(RUN), tmp_path / "tiny", timeout=60)
    assert absurd.code == 2 and tiny.code == 0
    print(f"absurd: {absurd.peak_rss_mb:.0f} MB, {absurd.seconds:.2f} s; "
          f"tiny run: {tiny.peak_rss_mb:.0f} MB, {tiny.seconds:.2f} s")  # fmt: skip
    assert absurd.peak_rss_mb < tiny.peak_rss_mb + 10.0
