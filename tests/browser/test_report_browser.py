"""The report in a real browser: every figure draws, no JavaScript error, the page is not blank.

Headless Chromium renders report.html with scripts run to completion (virtual time), then
(1) the dumped DOM is read: the page's own markers (``data-figures``, ``data-figures-drawn``,
``data-report-ready``, ``#js-errors``) and plotly's drawn containers (``.js-plotly-plot``
holding ``svg.main-svg``); (2) a screenshot is decoded and must hold the figures' colours.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from dom_inspect import check_page, inspect_dom
from png_decode import image_stats, read_png

from sim.report.browser import dump_dom, save_png, screenshot
from sim.report.funnel import funnel_figure
from sim.report.html import build_report, report_figures
from sim.report.run_folder import load_run
from sim.report.style import arm_colors

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _rgb(hex_color: str) -> tuple[int, int, int]:
    h = hex_color.lstrip("#")
    return tuple(int(h[i : i + 2], 16) for i in (0, 2, 4))


def _pixels_of(pixels: np.ndarray, color: str) -> int:
    return int(np.all(pixels[:, :, :3] == np.array(_rgb(color)), axis=2).sum())


@pytest.fixture(scope="module")
def runs(writer, tmp_path_factory):
    root = tmp_path_factory.mktemp("results")
    main = writer.write_run_folder(root, writer.RunSpec(keep_leads=True, failing_expectation=True))
    sweep = writer.write_run_folder(root, writer.SWEEP_SPEC)
    return {"main": main, "sweep": sweep}


@pytest.mark.parametrize("which", ["main", "sweep"])
def test_every_figure_draws_without_javascript_errors(runs, which, chromium):
    folder = runs[which]
    expected = len(report_figures(load_run(folder)))
    # lift, funnel, timing, cost, cost breakdown, replications, sales desk, lead sources;
    # the sweep run has its sweep figure too.
    assert expected == (8 if which == "main" else 9)
    check = check_page(build_report(folder), chromium=chromium)
    assert check.errors == ()
    assert check.figures == expected
    assert check.drawn == expected and check.ready
    assert check.plot_containers == expected
    assert check.drawn_containers == expected  # each container holds svg.main-svg
    assert check.main_svgs >= expected
    assert check.ok


def test_screenshot_shows_the_report_and_its_figures(runs, chromium, tmp_path):
    report = build_report(runs["main"])
    png = screenshot(report, tmp_path / "report.png", width=1280, height=2400, chromium=chromium)
    pixels = read_png(png)
    assert pixels.shape[:2] == (2400, 1280)
    stats = image_stats(pixels)
    assert not stats.looks_blank()
    assert stats.distinct_colors > 200  # text antialiasing, bars, bands
    # A non-control arm's colour fills bars in the funnel, near the top of the page.
    color = arm_colors(["email_blast", "stage_nurture"], "email_blast")["stage_nurture"]
    assert _pixels_of(pixels, color) > 2000


def test_the_checks_catch_errors_missing_figures_and_network_loads(runs, chromium, tmp_path):
    html = build_report(runs["main"]).read_text(encoding="utf-8")
    n = len(report_figures(load_run(runs["main"])))
    broken = html.replace(f'<body data-figures="{n}">', f'<body data-figures="{n + 1}">')
    broken = broken.replace(
        "</main>",
        '<img src="https://example.invalid/pixel.png"><script>null.boom();</script></main>',
    )
    page = tmp_path / "broken.html"
    page.write_text(broken, encoding="utf-8")
    check = inspect_dom(dump_dom(page, chromium=chromium))
    assert not check.ok
    assert not check.ready and check.drawn == n  # one promised figure never drew
    assert any("boom" in e for e in check.errors)
    assert any("failed to load https://example.invalid/pixel.png" in e for e in check.errors)


def test_save_png_of_a_figure(runs, chromium, tmp_path):
    curves = json.loads((runs["main"] / "curves.json").read_text())
    fig = funnel_figure(curves, control="email_blast")
    path = save_png(fig, tmp_path / "funnel.png", width=800, height=450, chromium=chromium)
    pixels = read_png(path)
    assert pixels.shape[:2] == (450, 800)
    assert not image_stats(pixels).looks_blank()
    colors = arm_colors(["email_blast", "stage_nurture", "speed_to_lead"], "email_blast")
    assert _pixels_of(pixels, colors["stage_nurture"]) > 1000
    assert _pixels_of(pixels, colors["speed_to_lead"]) > 1000
    # HTML text and a report path work too.
    text = save_png("<html><body style='background:#0072B2'></body></html>", tmp_path / "t.png",
                    width=64, height=48, chromium=chromium)  # fmt: skip
    assert _pixels_of(read_png(text), "#0072B2") == 64 * 48
    top = save_png(build_report(runs["sweep"]), tmp_path / "top.png", width=1000, height=700,
                   chromium=chromium)  # fmt: skip
    assert read_png(top).shape[:2] == (700, 1000)
