"""Make the README's figure from a fresh run of the seed_claims suite.

Runs ``experiments/seed_claims.toml`` into a temporary results folder with the project's own
suite runner, reads the run folder back as any report does, draws patients per 100 leads
next to the cost per patient (marketing and fully loaded) with 95% intervals, and saves it
as a PNG with headless Chromium::

    .venv/bin/python docs/make_readme_figure.py            # -> docs/figures/seed_claims.png

Same seed, same numbers: the figure changes only when the model or the suite does.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from sim.experiment.runner import run_suite
from sim.experiment.suite import load_suite
from sim.report import arm_colors, cost_per_patient_figure, load_run, save_png
from sim.report.inputs import error_bars
from sim.report.style import base_layout

ROOT = Path(__file__).resolve().parents[1]
SUITE = ROOT / "experiments" / "seed_claims.toml"
OUT = ROOT / "docs" / "figures" / "seed_claims.png"
WIDTH, HEIGHT = 1200, 540
MAX_BYTES = 300_000  # the README should stay light


def seed_claims_figure(summary: pd.DataFrame, manifest: dict) -> go.Figure:
    """Patients per 100 leads (left) and cost per patient (right), per arm, with 95% CIs.

    Args:
        summary: the run's ``summary.csv``, control row first.
        manifest: the run's ``manifest.json`` (control, design, replications, scenario).

    Returns:
        A two-panel figure; the title states the measured lift and cost changes.
    """
    control = manifest["control"]
    s = summary.set_index("arm")
    arms = [str(a) for a in summary["arm"]]
    treated = next(a for a in arms if a != control)
    t, c = s.loc[treated], s.loc[control]
    rate = [100 * float(s.loc[a, "conversion_rate"]) for a in arms]
    lo = [100 * float(s.loc[a, "conversion_rate_ci_lower"]) for a in arms]
    hi = [100 * float(s.loc[a, "conversion_rate_ci_upper"]) for a in arms]
    labels = [f"{r:.1f}" if a == control else f"{r:.1f} ({t.rel_lift:+.0%})"
              for a, r in zip(arms, rate, strict=True)]  # fmt: skip
    colors = arm_colors(arms, control)

    fig = make_subplots(
        rows=1, cols=2, column_widths=[0.4, 0.6], horizontal_spacing=0.1,
        subplot_titles=("Patients per 100 leads", "Cost per patient"),
    )  # fmt: skip
    fig.add_trace(go.Bar(
        x=arms, y=rate, error_y=error_bars(rate, lo, hi), marker_color=[colors[a] for a in arms],
        text=labels, textposition="inside", insidetextanchor="start", showlegend=False,
        name="Patients per 100 leads",
    ), row=1, col=1)  # fmt: skip
    for trace in cost_per_patient_figure(summary).data:
        # Whole dollars on every bar, so the two arms' labels read alike.
        trace.update(text=[f"${v:,.0f}" for v in trace.y])
        fig.add_trace(trace, row=1, col=2)

    marketing = t.marketing_cost_per_conversion_usd / c.marketing_cost_per_conversion_usd - 1
    loaded = t.cost_per_conversion_usd / c.cost_per_conversion_usd - 1
    scenario = manifest["scenario"]
    title = (
        f"{treated} vs {control}: {t.rel_lift:+.0%} patients; cost per patient "
        f"{marketing:+.0%} (marketing), {loaded:+.0%} (fully loaded)"
    )
    subtitle = (
        f"experiments/seed_claims.toml: {scenario['leads_per_month']:g} leads a month at "
        f"${scenario['sources'][0]['cost_per_lead_usd']:g} for {scenario['months']} months, "
        f"{manifest['design']} design, {manifest['replications']} replications, "
        f"seed {manifest['seed']}; bars with 95% intervals"
    )
    base_layout(fig, title, height=HEIGHT)
    # Title, subtitle, then the legend, all above the panels.
    fig.update_layout(
        title_subtitle={"text": subtitle, "font": {"size": 13, "color": "#555"}},
        legend_y=1 - 68 / HEIGHT, legend_x=0.43, margin_t=130, barmode="group", bargap=0.25,
    )  # fmt: skip
    fig.update_yaxes(title_text="Patients per 100 leads", rangemode="tozero", row=1, col=1)
    fig.update_yaxes(title_text="Dollars per patient", tickprefix="$", tickformat=",.0f",
                     rangemode="tozero", row=1, col=2)  # fmt: skip
    return fig


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help=f"PNG to write (default {OUT})")
    parser.add_argument("--workers", type=int, default=None, help="processes (default: all)")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="nurture-readme-") as results:
        run = run_suite(load_suite(SUITE), results, workers=args.workers, report=False)
        folder = load_run(run.run_dir)
        fig = seed_claims_figure(folder.summary, folder.manifest)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    save_png(fig, args.out, width=WIDTH, height=HEIGHT)
    size = args.out.stat().st_size
    print(f"{args.out}: {size / 1000:.0f} kB, {WIDTH}x{HEIGHT} px, "
          f"{time.perf_counter() - started:.0f} s")  # fmt: skip
    if size > MAX_BYTES:
        print(f"{args.out} is larger than {MAX_BYTES / 1000:.0f} kB", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
