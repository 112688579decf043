"""Fuzzing the outcome-CSV reader and ``nurture analyze``: clean errors and right numbers.

Two generators:

- ``raw``: arbitrary bytes, and well-formed CSV with byte-level damage (a byte inserted,
  deleted or flipped; a BOM; NUL bytes; a cut-off last line). Only
  :class:`~sim.errors.InputError` or success may come out of the reader.
- ``tables``: CSV written by :mod:`csv` from rows whose cells are drawn from tokens with a
  known verdict (good and bad arms, outcomes and costs, padded, in any case, quoted or not),
  with optional extra or missing fields, blank lines, CRLF endings and a BOM. This one is
  *differential*: an independent oracle (the :mod:`csv` module and the token verdicts)
  says whether the file is valid and what the per-arm totals are. The reader must accept
  exactly the valid files, give exactly the oracle's counts and cost sums, and, on a bad
  file, name a row and column that the oracle agrees is bad.

Every file that reads is then analysed through the command line (``sim.cli.main``), which
must exit 0 or 2 with one stderr line, and never print a traceback.

Run the long fuzz (not collected by pytest; tests/fuzz/test_fuzz_short.py runs a bounded
version in CI)::

    .venv/bin/python tests/fuzz/fuzz_csv.py --seconds 360 --findings /tmp/nurture-fuzz
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import math
import re
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st

from sim.analysis.csv_input import read_outcome_csv
from sim.cli import main
from sim.errors import InputError

WORK = Path(tempfile.mkdtemp(prefix="nurture-fuzz-csv-"))
STATS = {"examples": 0, "read": 0, "input_errors": 0, "analysed": 0}
HEADER = ["arm", "converted", "cost_usd"]

#: Cell tokens with their verdict: True = valid for the column, False = must be refused.
ARMS = {
    "control": True,
    "treatment": True,
    " b ": True,
    "Ärm 3": True,
    "a,b": True,
    '"q"': True,
    "": False,
    "   ": False,
}
CONVERTED = {
    "0": True,
    "1": True,
    "true": True,
    "FALSE": True,
    " yes ": True,
    "No": True,
    "": False,
    "2": False,
    "-1": False,
    "1.0": False,
    "y": False,
    "maybe": False,
    "nan": False,
    "TRUE!": False,
}
COSTS = {
    "0": True,
    "20": True,
    "20.5": True,
    " 7 ": True,
    "1e3": True,
    "0.0": True,
    "3.": True,
    ".5": True,
    "-0": True,
    "": False,
    "-1": False,
    "nan": False,
    "NaN": False,
    "inf": False,
    "-inf": False,
    "1e400": False,
    "$20": False,
    "1,5": False,
    "abc": False,
    "1 000": False,
    "0x10": False,
}


class Crash(Exception):
    """The reader or the CLI did something else than a clean error or the right numbers."""

    def __init__(self, message: str, data: bytes) -> None:
        super().__init__(message)
        self.data = data


def _write(data: bytes) -> Path:
    path = WORK / "data.csv"
    path.write_bytes(data)
    return path


def read(data: bytes) -> Any:
    """Read ``data`` as an outcome CSV; return the summary or the InputError."""
    path = _write(data)
    try:
        return read_outcome_csv(
            path, arm_col="arm", converted_col="converted", cost_col="cost_usd", chunksize=7
        )
    except InputError as exc:
        STATS["input_errors"] += 1
        if len(str(exc).splitlines()) != 1:
            raise Crash(f"InputError is not one line: {exc}", data) from exc
        return exc
    except Exception as exc:
        raise Crash(f"read_outcome_csv raised {type(exc).__name__}: {exc}", data) from exc


def analyse(data: bytes, control: str) -> None:
    """``nurture analyze`` on the file: exit 0 or 2, one stderr line on 2, no traceback."""
    path = _write(data)
    out, err = io.StringIO(), io.StringIO()
    argv = ["analyze", str(path), "--arm-col", "arm", "--control", control]
    argv += ["--converted-col", "converted", "--cost-col", "cost_usd", "--json"]
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(argv)
    except SystemExit as exc:
        code = exc.code
    except Exception as exc:
        raise Crash(f"nurture analyze raised {type(exc).__name__}: {exc}", data) from exc
    STATS["analysed"] += 1
    lines = [ln for ln in err.getvalue().splitlines() if "warning:" not in ln]
    if code == 0:
        result = json.loads(out.getvalue())
        for arm in result["arms"]:
            rate = arm.get("conversion_rate")
            if rate is not None and not 0.0 <= rate <= 1.0:
                raise Crash(f"conversion rate {rate} outside [0, 1]", data)
    elif code != 2 or len(lines) != 1:
        raise Crash(f"nurture analyze exit {code}, stderr {err.getvalue()!r}", data)


def check_raw(data: bytes) -> None:
    STATS["examples"] += 1
    result = read(data)
    if not isinstance(result, InputError):
        STATS["read"] += 1
        analyse(data, next(iter(result.stats)))


# -- the differential target -------------------------------------------------------------------
@st.composite
def tables(draw: st.DrawFn) -> tuple[bytes, list[list[str]], bool]:
    """(file bytes, data records as the oracle sees them, whether field counts were damaged)."""
    n = draw(st.integers(0, 25))
    valid_bias = draw(st.sampled_from([0.0, 0.9, 1.0]))  # mostly-valid files are the hard case

    def cell(tokens: dict[str, bool]) -> str:
        good = [t for t, ok in tokens.items() if ok]
        if draw(st.floats(0, 1)) < valid_bias:
            return draw(st.sampled_from(good))
        return draw(st.sampled_from(sorted(tokens)))

    records = [[cell(ARMS), cell(CONVERTED), cell(COSTS)] for _ in range(n)]
    damaged = False
    if records and draw(st.booleans()) and draw(st.booleans()):
        i = draw(st.integers(0, len(records) - 1))
        records[i] = records[i] + ["extra"] if draw(st.booleans()) else records[i][:2]
        damaged = True
    buf = io.StringIO()
    writer = csv.writer(
        buf,
        lineterminator=draw(st.sampled_from(["\n", "\r\n"])),
        quoting=draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL])),
    )
    writer.writerow(HEADER)
    for r in records:
        if r == [""] * len(r) and draw(st.booleans()):
            buf.write("\n")  # a blank line: every field empty
        else:
            writer.writerow(r)
    text = buf.getvalue()
    bom = "\ufeff" if draw(st.booleans()) else ""
    return (bom + text).encode("utf-8"), records, damaged


def _bad_cells(records: list[list[str]]) -> dict[int, set[str]]:
    """Spreadsheet row -> columns the oracle refuses (header = row 1)."""
    bad: dict[int, set[str]] = {}
    for i, r in enumerate(records):
        row = i + 2
        cols = set()
        if len(r) != 3:
            cols.add("*")
        else:
            arm, conv, cost = r
            if not ARMS.get(arm, arm.strip() != ""):
                cols.add("arm")
            if not CONVERTED[conv]:
                cols.add("converted")
            if not COSTS[cost]:
                cols.add("cost_usd")
        if cols:
            bad[row] = cols
    return bad


def check_table(case: tuple[bytes, list[list[str]], bool]) -> None:
    data, records, _damaged = case
    STATS["examples"] += 1
    result = read(data)
    bad = _bad_cells(records)
    if not records:
        if not (isinstance(result, InputError) and "no data rows" in str(result)):
            raise Crash(f"a file without data rows gave {result!r}", data)
        return
    if isinstance(result, InputError):
        if not bad:
            raise Crash(f"a valid file was refused: {result}", data)
        message = str(result)
        named = re.search(r"row (\d+)", message)
        if named is None:
            if not any("*" in cols for cols in bad.values()):
                raise Crash(
                    f"refused without naming a row, but no row is malformed: {message}", data
                )
            return
        row = int(named.group(1))
        column = re.search(r"column '([^']+)'", message)
        if "fields" in message or "saw" in message or "Expected" in message:
            if not any("*" in cols for cols in bad.values()):
                raise Crash(f"said malformed, but every row has 3 fields: {message}", data)
            return
        # pandas counts a C-parser error by line; the reader's own messages count data rows.
        if row not in bad or (column and column.group(1) not in bad[row] and "*" not in bad[row]):
            raise Crash(
                f"named row {row}, which the oracle finds fine: {message}; bad: {bad}", data
            )
        return
    if bad:
        raise Crash(f"accepted a file with bad cells at {bad}", data)
    STATS["read"] += 1
    expected: dict[str, list[float]] = {}
    for arm, conv, cost in records:
        totals = expected.setdefault(arm.strip(), [0, 0, 0.0])
        totals[0] += 1
        totals[1] += conv.strip().lower() in ("1", "true", "yes")
        totals[2] += float(cost)
    got = {a: [s.n, s.conversions, s.cost_sum] for a, s in result.stats.items()}
    if set(got) != set(expected):
        raise Crash(f"arms {sorted(got)} but the oracle has {sorted(expected)}", data)
    for arm, (n, conv, cost) in expected.items():
        gn, gconv, gcost = got[arm]
        if gn != n or gconv != conv or not math.isclose(gcost, cost, rel_tol=1e-12, abs_tol=1e-9):
            raise Crash(f"arm {arm!r}: read {got[arm]}, oracle {expected[arm]}", data)
    if result.rows != len(records):
        raise Crash(f"read {result.rows} rows, the file has {len(records)}", data)
    analyse(data, next(iter(expected)))


@st.composite
def damaged_bytes(draw: st.DrawFn) -> bytes:
    """A valid table with byte-level damage."""
    data = bytearray(draw(tables())[0])
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["insert", "delete", "flip", "truncate", "nul", "latin1"]))
        i = draw(st.integers(0, max(len(data) - 1, 0)))
        if op == "insert":
            data[i:i] = bytes([draw(st.integers(0, 255))])
        elif op == "delete" and data:
            del data[i]
        elif op == "flip" and data:
            data[i] ^= 1 << draw(st.integers(0, 7))
        elif op == "truncate":
            del data[i:]
        elif op == "nul":
            data[i:i] = b"\x00"
        elif op == "latin1":
            data[i:i] = "é".encode("latin-1")
    return bytes(data)


raw = st.one_of(st.binary(max_size=300), damaged_bytes())


def fuzz_tests(max_examples: int, derandomize: bool) -> list:
    conf = settings(
        max_examples=max_examples,
        deadline=None,
        derandomize=derandomize,
        database=None,
        suppress_health_check=list(HealthCheck),
    )

    @conf
    @given(data=raw)
    def fuzz_raw(data: bytes) -> None:
        check_raw(data)

    @conf
    @given(case=tables())
    def fuzz_tables(case: tuple[bytes, list[list[str]], bool]) -> None:
        check_table(case)

    return [fuzz_raw, fuzz_tables]


def describe(exc: BaseException, target: str) -> list[dict[str, str]]:
    if isinstance(exc, BaseExceptionGroup):
        return [d for e in exc.exceptions for d in describe(e, target)]
    record = {"target": target, "error": str(exc)[:800]}
    if isinstance(exc, Crash):
        record["input"] = exc.data.decode("utf-8", "backslashreplace")
        if exc.__cause__ is not None:
            record["trace"] = "".join(traceback.format_exception(exc.__cause__))[-3000:]
    else:
        record["trace"] = "".join(traceback.format_exception(exc))[-3000:]
    return [record]


def run(seconds: float, findings: Path, round_examples: int = 300) -> dict[str, Any]:
    global WORK
    findings.mkdir(parents=True, exist_ok=True)
    WORK = Path(tempfile.mkdtemp(prefix="nurture-fuzz-csv-"))
    started = time.monotonic()
    crashes: list[dict[str, str]] = []
    rounds = 0
    while time.monotonic() - started < seconds:
        for test in fuzz_tests(round_examples, derandomize=False):
            try:
                hypothesis_seed(rounds)(test)()
            except Exception as exc:
                crashes.extend(describe(exc, test.__name__))
            rounds += 1
            if time.monotonic() - started >= seconds:
                break
    report = {"seconds": round(time.monotonic() - started, 1), "rounds": rounds, **STATS}
    report["crashes"] = len(crashes)
    (findings / "csv_crashes.json").write_text(json.dumps(crashes, indent=2))
    (findings / "csv_summary.json").write_text(json.dumps(report, indent=2))
    return report


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=360.0)
    parser.add_argument(
        "--findings", type=Path, default=Path(tempfile.gettempdir()) / "nurture-fuzz"
    )
    args = parser.parse_args()
    print(json.dumps(run(args.seconds, args.findings), indent=2))
