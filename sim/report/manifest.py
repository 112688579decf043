"""The run details: the manifest's facts, arms, package versions, output hashes and configs."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from sim.files import package_version
from sim.report.style import DASH, is_number, number
from sim.report.tables import html_table


def key_values(pairs: Sequence[tuple[str, Any]]) -> str:
    """A definition list of manifest facts."""
    items = "".join(f"<dt>{escape(k)}</dt><dd>{escape(_text(v))}</dd>" for k, v in pairs)
    return f'<dl class="facts">{items}</dl>'


def arms_table(arms: Sequence[Mapping[str, Any]]) -> str:
    """The manifest's arms: name, strategy file, scenario overrides, weight, sweep value."""
    sweep = any(a.get("sweep_value") is not None for a in arms)
    header = ["Arm", "Strategy file", "Scenario overrides", "Weight"] + (["Sweep value"] * sweep)
    rows = []
    for a in arms:
        overrides = a.get("overrides") or a.get("scenario_overrides")
        row = [str(a.get("name", "")), str(a.get("strategy_file", "") or DASH),
               _text(overrides) if overrides else DASH, number(a.get("weight"), 3)]  # fmt: skip
        if sweep:
            row.append(_text(a.get("sweep_value")))
        rows.append(row)
    return html_table(header, rows, numeric=[False, False, False, True] + [True] * sweep)


def mapping_table(
    mapping: Mapping[str, Any], header: tuple[str, str], *, mono: bool = False
) -> str:
    """Two columns from a flat mapping (package versions, output hashes)."""
    rows = [[str(k), _text(v)] for k, v in sorted(mapping.items())]
    return html_table(list(header), rows, css_class="mono" if mono else "")


def pretty_json(value: Any) -> str:
    """Escaped, indented JSON inside ``<pre>``."""
    text = json.dumps(value, indent=2, sort_keys=True, default=str, allow_nan=True)
    return f"<pre>{escape(text)}</pre>"


def _text(value: Any) -> str:
    if value is None:
        return DASH
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True, default=str)
    if isinstance(value, float):
        return number(value, 3)
    return str(value)


def run_time_facts(m: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """Honest timings: a resumed run's wall time beside the compute its results cost.

    >>> dict(run_time_facts({"seconds": 0.5, "replications": 20, "replications_reused": 20,
    ...     "compute_seconds": 143.2, "compute_seconds_reused": 143.2,
    ...     "compute_seconds_this_run": 0.0}))["Replications computed"]
    '0 of 20 in this run (20 reused from an earlier run)'
    """
    seconds, total = m.get("seconds"), m.get("replications")
    reused = m.get("replications_reused") or 0
    facts: list[tuple[str, Any]] = []
    if is_number(seconds):
        facts.append(("Wall time of this run", f"{float(seconds):,.1f} s"))
    if is_number(total):
        done = int(total) - int(reused)
        text = f"{done:,} of {int(total):,} in this run"
        if reused:
            text += f" ({int(reused):,} reused from an earlier run)"
        facts.append(("Replications computed", text))
    compute = m.get("compute_seconds")
    if is_number(compute):
        text = f"{float(compute):,.1f} s over all replications"
        if reused and is_number(m.get("compute_seconds_reused")):
            text += (f" ({float(m.get('compute_seconds_this_run') or 0):,.1f} s in this run, "
                     f"{float(m['compute_seconds_reused']):,.1f} s reused)")  # fmt: skip
        facts.append(("Compute time", text))
    elif reused:
        facts.append(("Compute time", "not recorded for the reused replications"))
    return facts


def manifest_block(run: Any) -> str:
    """The run details: manifest facts, arms, package versions, output hashes, configs."""
    m = run.manifest
    facts = [
        ("Suite", m.get("suite")), ("Suite file", m.get("suite_file")),
        ("Run id", m.get("run_id")), ("Design", m.get("design")),
        ("Replications", m.get("replications")), ("Seed", m.get("seed")),
        ("Replication seeds", m.get("replication_seeds")), ("Control", m.get("control")),
        ("Alpha", m.get("alpha")), ("p-value adjustment", m.get("adjust")),
        ("Scenario file", m.get("scenario_file")), ("Executor", m.get("executor")),
        ("Workers", m.get("workers")), ("Git commit", m.get("git_commit") or "not recorded"),
        ("Started (UTC)", m.get("started_utc")), *run_time_facts(m),
        ("Folder", str(run.path)),
    ]  # fmt: skip
    # Facts the manifest does not record are left out rather than shown as dashes.
    facts = [(k, v) for k, v in facts if v is not None and v != ""]
    parts = [key_values(facts)]
    if m.get("arms"):
        parts += ["<h3>Arms</h3>", arms_table(m["arms"])]
    if isinstance(m.get("versions"), dict) and m["versions"]:
        parts += ["<h3>Package versions</h3>", mapping_table(m["versions"], ("Package", "Version"))]
    if isinstance(m.get("outputs"), dict) and m["outputs"]:
        parts += ["<h3>Outputs (SHA-256)</h3>",
                  mapping_table(m["outputs"], ("File", "SHA-256"), mono=True)]  # fmt: skip
    if m.get("scenario"):
        parts.append(f"<details><summary>Resolved scenario</summary>{pretty_json(m['scenario'])}"
                     "</details>")  # fmt: skip
    if m.get("strategies"):
        parts.append("<details><summary>Resolved strategies</summary>"
                     f"{pretty_json(m['strategies'])}</details>")  # fmt: skip
    made_by = package_version() or "(source tree)"
    parts.append(f'<p class="generator">Report by nurture-lab {escape(made_by)}.</p>')
    return "".join(parts)
