"""Suite outcomes as JUnit XML and as one JSON summary, for CI systems to read.

JUnit: one ``<testsuite>`` per suite, one ``<testcase>`` per expectation; a failed
expectation carries a ``<failure>`` whose message is its "expected ..., got ..." sentence.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from typing import Any


def junit_xml(runs: Sequence[Any]) -> str:
    """The JUnit XML document for suite runs (:class:`sim.experiment.runner.SuiteRun`)."""
    total = sum(len(r.outcomes) for r in runs)
    failed = sum(not o.held for r in runs for o in r.outcomes)
    root = ET.Element(
        "testsuites", name="nurture suite", tests=str(total), failures=str(failed), errors="0"
    )
    for run in runs:
        name = run.suite.name
        suite = ET.SubElement(
            root,
            "testsuite",
            name=name,
            tests=str(len(run.outcomes)),
            failures=str(sum(not o.held for o in run.outcomes)),
            errors="0",
            skipped="0",
        )
        props = ET.SubElement(suite, "properties")
        for key, value in (
            ("run_dir", str(run.run_dir)),
            ("design", run.suite.config.design),
            ("replications", str(run.suite.config.replications)),
            ("seed", str(run.suite.config.seed)),
        ):
            ET.SubElement(props, "property", name=key, value=value)
        for o in run.outcomes:
            case = ET.SubElement(
                suite, "testcase", classname=name, name=f"{o.arm} {o.metric}: {o.description}"
            )
            if not o.held:
                failure = ET.SubElement(
                    case, "failure", message=o.message(), type="ExpectationFailed"
                )
                failure.text = f"{o.description}\n{o.arm} {o.metric}: {o.message()}"
            else:
                out = ET.SubElement(case, "system-out")
                out.text = f"{o.arm} {o.metric}: {o.message()}"
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def json_summary(runs: Sequence[Any]) -> dict[str, Any]:
    """One object across every suite: each suite's folder and expectations, and a tally."""
    suites = []
    for run in runs:
        suites.append(
            {
                "suite": run.suite.name,
                "run_dir": str(run.run_dir),
                "report": str(run.report) if run.report is not None else None,
                "reused_replications": run.reused,
                "all_held": run.held,
                "expectations": [{**o._asdict(), "message": o.message()} for o in run.outcomes],
            }
        )
    total = sum(len(r.outcomes) for r in runs)
    failed = sum(not o.held for r in runs for o in r.outcomes)
    return {
        "suites": suites,
        "expectations": total,
        "failed": failed,
        "all_held": failed == 0,
    }
