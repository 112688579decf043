"""Fuzzing the config loader: only :class:`~sim.errors.InputError` may come out of it.

Three generators feed ``load_scenario``, ``load_strategy`` and ``load_suite``:

- ``raw``: arbitrary bytes and text (binary junk, odd Unicode, huge numbers);
- ``mutated``: the shipped configs with a few edits (a character inserted, deleted or
  replaced, a line dropped or duplicated, a value swapped for a hostile token such as
  ``nan``, ``1e309``, ``-0.0``, ``"12"``, ``[]``, ``{}`` or ``99999999999999999999``);
- ``structured``: TOML written from random tables over the models' own keys with values of
  any type, so the validators see well-formed TOML with wrong contents.

A *crash* is any exception other than ``InputError``. A config that loads must also run:
the world is simulated for one short month (the scenario is shrunk first), and a strategy
runs in the shipped scenario, so the fuzzer also finds valid configs the world cannot handle.

Run the long fuzz (not collected by pytest; tests/fuzz/test_fuzz_short.py runs a bounded
version in CI)::

    .venv/bin/python tests/fuzz/fuzz_config.py --seconds 360 --findings /tmp/nurture-fuzz
"""

from __future__ import annotations

import argparse
import json
import math
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st

from sim.config import load_scenario, load_strategy
from sim.config.scenario import Scenario
from sim.config.strategy import Strategy
from sim.errors import InputError
from sim.experiment.suite import load_suite
from sim.world.model import simulate

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = ROOT / "configs" / "scenarios" / "medical_practice.toml"
STRATEGIES = sorted((ROOT / "configs" / "strategies").glob("*.toml"))
SUITES = sorted((ROOT / "experiments").glob("*.toml"))
SEEDS = [SCENARIO, *STRATEGIES, *SUITES]

#: Values a person (or a broken export) might put where a number or a name belongs.
HOSTILE = [
    "nan",
    "inf",
    "-inf",
    "+inf",
    "-0.0",
    "0",
    "-1",
    "1e309",
    "-1e309",
    "1e-320",
    "5e-324",
    "99999999999999999999",
    "-99999999999999999999",
    "1_000",
    "0x10",
    "0o7",
    "0b1",
    "1e12",
    '"12"',
    '""',
    '"nan"',
    "true",
    "false",
    "[]",
    "[1, 2]",
    "{}",
    "{ a = 1 }",
    "1979-05-27",
    "07:32:00",
    "'../../etc/passwd'",
    '"\\u0000"',
    '"' + "x" * 200 + '"',
]
#: Where a fuzz example runs; set by :func:`run` (a fresh folder for the long run).
WORK = Path(tempfile.mkdtemp(prefix="nurture-fuzz-config-"))
STATS = {"examples": 0, "loaded": 0, "simulated": 0, "input_errors": 0}


class Crash(Exception):
    """A config that made the loader or the world fail with something else than InputError."""

    def __init__(self, message: str, data: bytes, kind: str) -> None:
        super().__init__(message)
        self.data = data
        self.kind = kind


def check_config(data: bytes, kind: str) -> None:
    """Load ``data`` as a ``kind`` config; anything but InputError (or success) is a crash."""
    STATS["examples"] += 1
    folder = WORK / kind
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"fuzz_{kind}.toml"
    path.write_bytes(data)
    try:
        if kind == "scenario":
            loaded: Any = load_scenario(path)
        elif kind == "strategy":
            loaded = load_strategy(path)
        else:
            _suite_neighbours(folder)
            loaded = load_suite(path)
    except InputError as exc:
        STATS["input_errors"] += 1
        _check_message(exc, data, kind)
        return
    except Exception as exc:
        raise Crash(f"load_{kind} raised {type(exc).__name__}: {exc}", data, kind) from exc
    STATS["loaded"] += 1
    try:
        _run(loaded)
    except InputError:
        return  # e.g. an override the world refuses: still a clean error
    except Exception as exc:
        msg = f"simulating a loaded {kind} raised {type(exc).__name__}: {exc}"
        raise Crash(msg, data, kind) from exc


def _check_message(exc: InputError, data: bytes, kind: str) -> None:
    text = str(exc)
    if len(text.splitlines()) != 1 or not text.strip():
        raise Crash(f"InputError message is not one line: {text!r}", data, kind)
    if "Traceback" in text:
        raise Crash(f"InputError message holds a traceback: {text!r}", data, kind)


def _suite_neighbours(folder: Path) -> None:
    """Files a fuzzed suite can name: a scenario and two strategies next to it."""
    for name, src in (
        ("scenario.toml", SCENARIO),
        ("a.toml", STRATEGIES[0]),
        ("b.toml", STRATEGIES[-1]),
    ):
        target = folder / name
        if not target.exists():
            target.write_bytes(src.read_bytes())


def _small(scenario: Scenario) -> Scenario:
    """The scenario shrunk to a month of at most 40 leads and a 30-day window."""
    return scenario.model_copy(
        update={
            "months": 1,
            "leads_per_month": min(scenario.leads_per_month, 40.0),
            "window_days": min(scenario.window_days, 30.0),
            "seasonality": [min(max(m, 0.0), 1.5) for m in scenario.seasonality[:3]],
        }
    )


def _run(loaded: Any) -> None:
    if isinstance(loaded, Scenario):
        simulate(_small(loaded), load_strategy(STRATEGIES[0]), seed=1)
    elif isinstance(loaded, Strategy):
        simulate(_small(load_scenario(SCENARIO)), loaded, seed=1)
    else:  # a suite: every arm's world, shrunk
        base = _small(loaded.scenario)
        for arm in loaded.arms[:3]:
            simulate(_small(arm.scenario_for(base)), arm.strategy, seed=1)
    STATS["simulated"] += 1


# -- generators ---------------------------------------------------------------------------------
kinds = st.sampled_from(["scenario", "strategy", "suite"])
raw = st.one_of(
    st.binary(max_size=400),
    st.text(max_size=400).map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.lists(st.sampled_from([*HOSTILE, "months = ", "[sales]", "[[sources]]", "\n", "="])).map(
        lambda parts: " ".join(parts).encode()
    ),
)


@st.composite
def mutated(draw: st.DrawFn) -> tuple[bytes, str]:
    """A shipped config with one to four edits."""
    src = draw(st.sampled_from(SEEDS))
    kind = "scenario" if src == SCENARIO else "strategy" if src in STRATEGIES else "suite"
    text = src.read_text(encoding="utf-8")
    if kind == "suite":  # point the suite at the neighbour files
        text = _retarget_suite(text)
    lines = text.splitlines(keepends=True)
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["value", "char", "drop", "dup", "key"]))
        i = draw(st.integers(0, max(len(lines) - 1, 0)))
        if not lines:
            break
        line = lines[i]
        if op == "value" and "=" in line:
            key = line.split("=", 1)[0]
            lines[i] = f"{key}= {draw(st.sampled_from(HOSTILE))}\n"
        elif op == "char" and line:
            j = draw(st.integers(0, len(line) - 1))
            ch = draw(st.sampled_from(list("=[]{}\"'#,.-+0123456789 \tx\x00é\\")))
            lines[i] = draw(
                st.sampled_from(
                    [
                        line[:j] + ch + line[j:],
                        line[:j] + line[j + 1 :],
                        line[:j] + ch + line[j + 1 :],
                    ]
                )
            )
        elif op == "drop":
            del lines[i]
        elif op == "dup":
            lines.insert(i, line)
        elif op == "key" and "=" in line:
            key, rest = line.split("=", 1)
            lines[i] = f"{key.strip()}x ={rest}"
    return "".join(lines).encode("utf-8"), kind


def _retarget_suite(text: str) -> str:
    out = []
    strategies = iter(["a.toml", "b.toml"] * 20)
    for line in text.splitlines(keepends=True):
        stripped = line.strip()
        if stripped.startswith("scenario ="):
            line = 'scenario = "scenario.toml"\n'
        elif stripped.startswith("strategy ="):
            line = f'strategy = "{next(strategies)}"\n'
        out.append(line)
    return "".join(out)


SCENARIO_KEYS = [*Scenario.model_fields, "advance_per_day", "share", "agents", "name"]
STRATEGY_KEYS = [*Strategy.model_fields, "enabled", "cadence", "interval_days", "on_arrival"]
scalars = st.one_of(
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.text(max_size=20),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.sampled_from(SCENARIO_KEYS + STRATEGY_KEYS), inner, max_size=4),
    ),
    max_leaves=12,
)


@st.composite
def structured(draw: st.DrawFn) -> tuple[bytes, str]:
    """Well-formed TOML over the models' keys: start from a valid config, replace sections."""
    kind = draw(st.sampled_from(["scenario", "strategy"]))
    base: dict[str, Any] = (
        load_scenario(SCENARIO).model_dump(mode="json")
        if kind == "scenario"
        else load_strategy(draw(st.sampled_from(STRATEGIES))).model_dump(mode="json")
    )
    for _ in range(draw(st.integers(1, 3))):
        path = _random_path(draw, base)
        _set(base, path, draw(values))
    return to_toml(base).encode("utf-8"), kind


def _random_path(draw: st.DrawFn, data: dict[str, Any]) -> list[str]:
    path: list[str] = []
    node: Any = data
    while isinstance(node, dict) and node:
        key = draw(st.sampled_from(sorted(node)))
        path.append(key)
        node = node[key]
        if not draw(st.booleans()):
            break
    return path or ["name"]


def _set(data: dict[str, Any], path: list[str], value: Any) -> None:
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value


def to_toml(data: dict[str, Any]) -> str:
    """A small TOML writer: every value inline (tables as ``{ ... }``), which TOML allows."""
    return "".join(f"{_key(k)} = {_value(v)}\n" for k, v in data.items() if v is not None)


def _key(key: str) -> str:
    return key if key.replace("_", "").isalnum() and key.isascii() else json.dumps(key)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string is a valid TOML basic string
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_value(v) for v in value if v is not None) + "]"
    if isinstance(value, dict):
        items = ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items() if v is not None)
        return "{ " + items + " }"
    raise TypeError(type(value))


# -- hypothesis tests (bounded in CI by the settings passed in) ------------------------------------
def fuzz_tests(max_examples: int, derandomize: bool) -> list:
    """The three fuzz targets as hypothesis tests with the given budget."""
    conf = settings(
        max_examples=max_examples,
        deadline=None,
        derandomize=derandomize,
        database=None,
        suppress_health_check=list(HealthCheck),
    )

    @conf
    @given(data=raw, kind=kinds)
    def fuzz_raw(data: bytes, kind: str) -> None:
        check_config(data, kind)

    @conf
    @given(case=mutated())
    def fuzz_mutated(case: tuple[bytes, str]) -> None:
        check_config(*case)

    @conf
    @given(case=structured())
    def fuzz_structured(case: tuple[bytes, str]) -> None:
        check_config(*case)

    return [fuzz_raw, fuzz_mutated, fuzz_structured]


def run(seconds: float, findings: Path, round_examples: int = 300) -> dict[str, Any]:
    """Fuzz for ``seconds``, a new random seed each round; write crashes to ``findings``."""
    global WORK
    findings.mkdir(parents=True, exist_ok=True)
    WORK = Path(tempfile.mkdtemp(prefix="nurture-fuzz-config-"))
    started = time.monotonic()
    crashes: list[dict[str, str]] = []
    rounds = 0
    while time.monotonic() - started < seconds:
        for test in fuzz_tests(round_examples, derandomize=False):
            try:
                hypothesis_seed(rounds)(test)()
            except Exception as exc:  # a crash: keep its (shrunk) input and go on
                crashes.extend(describe(exc, test.__name__))
            rounds += 1
            if time.monotonic() - started >= seconds:
                break
    report = {
        "seconds": round(time.monotonic() - started, 1),
        "rounds": rounds,
        **STATS,
        "crashes": len(crashes),
    }
    (findings / "config_crashes.json").write_text(json.dumps(crashes, indent=2))
    (findings / "config_summary.json").write_text(json.dumps(report, indent=2))
    return report


def describe(exc: BaseException, target: str) -> list[dict[str, str]]:
    """Crash records (error, cause, input) from a hypothesis failure, groups included."""
    if isinstance(exc, BaseExceptionGroup):
        return [d for e in exc.exceptions for d in describe(e, target)]
    record = {"target": target, "error": str(exc)[:500]}
    if isinstance(exc, Crash):
        record |= {"kind": exc.kind, "input": exc.data.decode("utf-8", "backslashreplace")}
        cause = exc.__cause__
        if cause is not None:
            record["trace"] = "".join(traceback.format_exception(cause))[-3000:]
    else:
        record["trace"] = "".join(traceback.format_exception(exc))[-3000:]
    return [record]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=360.0)
    parser.add_argument(
        "--findings", type=Path, default=Path(tempfile.gettempdir()) / "nurture-fuzz"
    )
    args = parser.parse_args()
    print(json.dumps(run(args.seconds, args.findings), indent=2))
