"""``nurture analyze``: output formats and every kind of bad input (exit 2, one line)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from sim.analysis import VOCABULARY, compare
from sim.cli import main

BASE = ["--arm-col", "arm", "--control", "control", "--converted-col", "converted"]


def write_csv(path, seed=0, n=2000, converted_as="yes/no"):
    rng = np.random.default_rng(seed)
    arm = rng.choice(["control", "nurture", "blast"], n)
    y = rng.random(n) < np.where(arm == "nurture", 0.26, 0.2)
    if converted_as == "yes/no":
        text = np.where(y, "Yes", "no")
    elif converted_as == "true/false":
        text = np.where(y, "TRUE", "false")
    else:
        text = y.astype(int).astype(str)
    cost = np.round(40 + rng.exponential(20, n) + 30 * y, 2)
    df = pd.DataFrame({"lead": np.arange(n), "arm": arm, "converted": text, "cost": cost})
    df.to_csv(path, index=False)
    return df.assign(converted=y)


def run(capsys, *argv):
    code = main(["analyze", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def assert_input_error(capsys, *argv, match):
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("nurture analyze: error: ")
    for piece in match if isinstance(match, list | tuple) else [match]:
        assert piece in err, err
    return err


def test_markdown_table_by_default(tmp_path, capsys):
    path = tmp_path / "ab.csv"
    write_csv(path)
    code, out, err = run(capsys, str(path), *BASE, "--cost-col", "cost")
    assert code == 0 and err == ""
    assert "| control (control) |" in out and "| nurture" in out and "| blast" in out
    assert "Cost per conversion versus the control" in out


@pytest.mark.parametrize("style", ["yes/no", "true/false", "0/1"])
def test_json_matches_the_library_for_every_spelling_of_converted(tmp_path, capsys, style):
    path = tmp_path / "ab.csv"
    df = write_csv(path, converted_as=style)
    code, out, _ = run(capsys, str(path), *BASE, "--cost-col", "cost", "--json")
    assert code == 0
    data = json.loads(out)
    assert len(data["arms"]) == 3 and len(data["comparisons"]) == 2
    assert list(data["comparisons"][0])[: len(VOCABULARY)] == list(VOCABULARY)
    expected = compare(df, control="control", cost_col="cost").to_dict()
    for ours, theirs in zip(data["comparisons"], expected["comparisons"], strict=True):
        for key in VOCABULARY:
            if isinstance(theirs[key], float):
                assert ours[key] == pytest.approx(theirs[key], rel=1e-9)
            else:
                assert ours[key] == theirs[key]


def test_nan_becomes_null_in_json(tmp_path, capsys):
    path = tmp_path / "ab.csv"
    path.write_text("arm,converted\ncontrol,0\ncontrol,0\nb,1\nb,0\n")
    code, out, _ = run(capsys, str(path), *BASE, "--json")
    assert code == 0
    row = json.loads(out)["comparisons"][0]
    assert row["rel_lift"] is None and row["cost_per_conversion_usd"] is None
    assert "no cost data" in row["note"]


def test_bootstrap_is_reproducible_and_keeps_only_two_columns(tmp_path, capsys):
    path = tmp_path / "ab.csv"
    write_csv(path, n=900)
    argv = [str(path), *BASE, "--cost-col", "cost", "--cpc-method", "bootstrap-bca", "--json"]
    first = run(capsys, *argv, "--resamples", "300", "--seed", "4")[1]
    second = run(capsys, *argv, "--resamples", "300", "--seed", "4")[1]
    third = run(capsys, *argv, "--resamples", "300", "--seed", "5")[1]
    assert first == second != third
    row = json.loads(first)["comparisons"][0]
    assert row["cost_per_conversion_ci_lower"] < row["cost_per_conversion_usd"]


def test_sample_ratio_mismatch_is_a_one_line_warning(tmp_path, capsys):
    path = tmp_path / "ab.csv"
    path.write_text("arm,converted\n" + "control,0\n" * 600 + "b,1\n" * 400)
    code, out, err = run(capsys, str(path), *BASE)
    assert code == 0 and "| b" in out
    assert err.count("\n") == 1 and err.startswith("nurture analyze: warning: sample ratio")
    code, _, err = run(capsys, str(path), *BASE, "--weights", "control=3,b=2")
    assert code == 0 and err == ""


def test_bom_crlf_and_quotes_are_fine(tmp_path, capsys):
    path = tmp_path / "excel.csv"
    path.write_bytes(
        b'\xef\xbb\xbfarm,converted\r\n"control",1\r\ncontrol,0\r\n"b",YES\r\nb,no\r\n'
    )
    code, out, _ = run(capsys, str(path), *BASE, "--json")
    assert code == 0
    assert [a["arm"] for a in json.loads(out)["arms"]] == ["control", "b"]


def test_missing_file_and_directory(tmp_path, capsys):
    assert_input_error(capsys, str(tmp_path / "nope.csv"), *BASE, match="nope.csv: no such file")
    assert_input_error(capsys, str(tmp_path), *BASE, match="is a directory, not a CSV file")


def test_missing_columns_list_the_available_ones(tmp_path, capsys):
    path = tmp_path / "ab.csv"
    write_csv(path)
    assert_input_error(
        capsys,
        str(path),
        "--arm-col",
        "group",
        "--control",
        "control",
        "--converted-col",
        "won",
        match="missing columns 'group', 'won'; available columns: lead, arm, converted, cost",
    )


def test_non_binary_conversion_names_row_and_value(tmp_path, capsys):
    path = tmp_path / "ab.csv"
    path.write_text("arm,converted\ncontrol,1\nb,0\nb,maybe\n")
    assert_input_error(
        capsys,
        str(path),
        *BASE,
        match=[
            "row 4 (rows counted as in a spreadsheet, header = row 1)",
            "column 'converted'",
            "'maybe' is not allowed: use 0/1, true/false or yes/no",
        ],
    )


@pytest.mark.parametrize(
    ("cell", "shown"), [("-3", "'-3'"), ("", "an empty value"), ("abc", "'abc'"), ("nan", "'nan'")]
)
def test_bad_costs(tmp_path, capsys, cell, shown):
    path = tmp_path / "ab.csv"
    path.write_text(f"arm,converted,cost\ncontrol,1,5\nb,0,{cell}\n")
    assert_input_error(
        capsys,
        str(path),
        *BASE,
        "--cost-col",
        "cost",
        match=[
            "row 3",
            "column 'cost'",
            f"{shown} is not allowed: use a cost in USD, a number >= 0",
        ],
    )


def test_empty_file_header_only_blank_line_and_short_row(tmp_path, capsys):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    assert_input_error(capsys, str(empty), *BASE, match="the file is empty")
    header = tmp_path / "header.csv"
    header.write_text("arm,converted\n")
    assert_input_error(capsys, str(header), *BASE, match="no data rows")
    blank = tmp_path / "blank.csv"
    blank.write_text("arm,converted\ncontrol,1\n\nb,0\n")
    assert_input_error(capsys, str(blank), *BASE, match=["row 3", "an empty value"])
    short = tmp_path / "short.csv"
    short.write_text("arm,converted\ncontrol,1\nb\n")
    assert_input_error(capsys, str(short), *BASE, match=["row 3", "column 'converted'"])


def test_one_arm_and_unknown_control(tmp_path, capsys):
    path = tmp_path / "ab.csv"
    path.write_text("arm,converted\ncontrol,1\ncontrol,0\n")
    assert_input_error(capsys, str(path), *BASE, match="only one arm ('control')")
    path.write_text("arm,converted\na,1\nb,0\n")
    assert_input_error(
        capsys, str(path), *BASE, match="'control' is not an arm; arms in column 'arm': a, b"
    )


def test_not_utf8_names_the_line(tmp_path, capsys):
    path = tmp_path / "latin1.csv"
    path.write_bytes("arm,converted\ncontrol,1\ncafé,0\n".encode("latin-1"))
    assert_input_error(capsys, str(path), *BASE, match=["line 3 is not UTF-8 text (byte 0xe9)"])


def test_bad_weights_and_alpha(tmp_path, capsys):
    path = tmp_path / "ab.csv"
    write_csv(path, n=200)
    assert_input_error(
        capsys, str(path), *BASE, "--weights", "control=1", match="(missing blast, nurture)"
    )
    assert_input_error(capsys, str(path), *BASE, "--weights", "control=x", match="ARM=WEIGHT")
    assert_input_error(capsys, str(path), *BASE, "--alpha", "2", match="alpha: 2.0 is not allowed")


def test_garbage_in_the_last_of_a_million_rows(tmp_path, capsys):
    path = tmp_path / "big.csv"
    with path.open("w") as handle:
        handle.write("arm,converted\n")
        handle.write("control,0\nb,1\n" * 499_999 + "control,1\n")
        handle.write("b,garbage\n")  # data row 1,000,000 is spreadsheet row 1,000,001
    assert_input_error(capsys, str(path), *BASE, match=["row 1000001 ", "'garbage' is not allowed"])
