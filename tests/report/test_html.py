"""The HTML report: content, offline-ness, determinism and atomic writing."""

from __future__ import annotations

import ast
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

import sim.report
from sim.errors import InputError
from sim.report.html import build_report, report_figures
from sim.report.run_folder import load_run
from sim.report.style import pct, usd


@pytest.fixture
def copy_of(run_folder, tmp_path) -> Path:
    return Path(shutil.copytree(run_folder, tmp_path / "run"))


@pytest.fixture(scope="module")
def report(run_folder, tmp_path_factory) -> str:
    folder = Path(shutil.copytree(run_folder, tmp_path_factory.mktemp("r") / "run"))
    return build_report(folder).read_text(encoding="utf-8")


def _without_plotlyjs(html: str) -> str:
    """The page minus the embedded plotly.js bundle (which names URLs it never fetches here)."""
    return re.sub(r"<script[^>]*>/\*\*\s*\n?\s*\* plotly\.js.*?</script>", "", html, flags=re.S)


def test_report_lands_in_the_run_folder_with_nothing_else(copy_of):
    before = set(p.name for p in copy_of.iterdir())
    path = build_report(copy_of)
    assert path == copy_of / "report.html"
    assert set(p.name for p in copy_of.iterdir()) == before | {"report.html"}  # no temporaries
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_same_run_gives_the_same_bytes(copy_of):
    first = build_report(copy_of).read_bytes()
    assert build_report(copy_of).read_bytes() == first


def test_description_is_escaped_and_facts_are_shown(report):
    assert (
        "Stage-matched nurturing against a monthly blast &amp; a fast-call arm &lt;test&gt;."
        in (report)
    )
    assert "<test>" not in _without_plotlyjs(report)
    assert "seed 20240611" in report and "design paired" in report
    assert "0123456789abcdef0123456789abcdef01234567" in report  # git commit
    for package in ("numpy", "pandas", "plotly", "scipy"):
        assert f"<td>{package}</td>" in report


def test_summary_tables_are_formatted(run_folder, report):
    s = load_run(run_folder).summary.set_index("arm")
    for _, r in s.iterrows():
        assert f"<td>{pct(r.conversion_rate)}</td>".replace("<td>", '<td class="num">') in report
        assert usd(r.cost_per_conversion_usd) in report
        assert usd(r.marketing_cost_per_conversion_usd) in report
    lift = s.loc["stage_nurture"]
    assert f"{100 * lift.abs_lift:+.1f} pp" in report
    assert f"{lift.rel_lift:+.1%}" in report
    assert "email_blast (control)" in report
    assert "Lift intervals and p-values: replication-t." in report


def test_expectations_are_listed_with_their_status(fresh_run_folder):
    html = build_report(fresh_run_folder).read_text(encoding="utf-8")
    assert "1 of 3 expectations failed" in html
    assert html.count('<tr class="held">') == 2 and html.count('<tr class="failed">') == 1
    assert "A patient costs under $50 fully loaded" in html
    assert ">FAILED<" in html


def test_plotly_is_embedded_once_and_every_figure_is_plotted(run_folder, report):
    figures = report_figures(load_run(run_folder))
    assert [f.id for f in figures] == ["fig-lift", "fig-funnel", "fig-incidence", "fig-cost",
                                       "fig-cost-breakdown", "fig-spread", "fig-sales-desk",
                                       "fig-sources"]  # fmt: skip
    assert report.count("* plotly.js v") == 1
    assert report.count("Plotly.newPlot(") == len(figures)
    assert f'<body data-figures="{len(figures)}">' in report
    for f in figures:
        assert f'id="{f.id}"' in report


def test_nothing_is_loaded_from_anywhere(report):
    page = _without_plotlyjs(report)
    assert "plotly.js" not in page  # the bundle was the only thing removed
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page, flags=re.I)
    assert not re.search(r"@import|url\(|<link\b|<iframe\b|<img\b", page, flags=re.I)
    assert "://" not in page  # no URL at all outside plotly.js (base64 data has no colon)


def test_sweep_and_per_lead_runs_get_their_figures(sweep_run_folder, fresh_run_folder):
    assert "fig-sweep" in [f.id for f in report_figures(load_run(sweep_run_folder))]
    (fresh_run_folder / "curves.json").unlink()
    ids = [f.id for f in report_figures(load_run(fresh_run_folder))]
    assert "fig-incidence" in ids and "fig-funnel" not in ids  # timing from leads.parquet


def test_minimal_run_folder_still_reports(copy_of):
    for name in (
        "replications.csv",
        "curves.json",
        "expectations.json",
        "sales_desk.json",
        "summary_by_source.csv",
    ):
        (copy_of / name).unlink()
    s = pd.read_csv(copy_of / "summary.csv")[["arm", "n", "conversions", "conversion_rate"]]
    s.to_csv(copy_of / "summary.csv", index=False)
    html = build_report(copy_of).read_text(encoding="utf-8")
    assert '<body data-figures="0">' in html and "Plotly.newPlot(" not in html
    assert "expectations" not in html.split("<main>")[1].split("</header>")[0].lower()


def test_failed_write_keeps_the_old_report_and_leaves_no_temporary(copy_of, monkeypatch):
    old = build_report(copy_of).read_bytes()
    (copy_of / "summary.csv").write_text(
        (copy_of / "summary.csv").read_text().replace("stage_nurture", "renamed_arm")
    )

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("sim.report.html.os.replace", broken_replace)
    with pytest.raises(OSError):
        build_report(copy_of)
    assert (copy_of / "report.html").read_bytes() == old
    assert not [p for p in copy_of.iterdir() if p.name.startswith(".tmp")]


def test_unwritable_folder_is_an_input_error(copy_of, monkeypatch):
    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("sim.report.html.tempfile.mkstemp", refuse)
    with pytest.raises(InputError) as err:
        build_report(copy_of)
    assert err.value.where == str(copy_of) and "cannot write report.html" in err.value.problem


def test_report_package_never_imports_the_world_or_experiments():
    # The report reads results only (DESIGN.md: report -> analysis).
    for path in Path(sim.report.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert not name.startswith(("sim.world", "sim.experiment", "sim.cli")), (
                    f"{path.name} imports {name}"
                )
