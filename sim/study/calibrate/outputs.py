"""The calibration's files: calibrated scenario, posterior priors file, report."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

from sim.config.loading import read_toml
from sim.study.calibrate.runner import Calibration, export_name
from sim.study.calibrate.toml_out import document, value

#: Draws written per directly observed parameter (its normal approximation's quantiles).
DIRECT_DRAWS = 199


def _atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def scenario_text(cal: Calibration) -> str:
    tag = f"calibrated from {export_name(cal.export)}"
    notes = {e.path: f"{tag} (MLE, 95% CI {e.low:.4g} to {e.high:.4g})" for e in cal.direct}
    notes["months"] = f"{tag} (months of arrivals in the export)"
    for _, r in cal.latent_table().iterrows():
        notes[r.parameter] = (
            f"{tag} (posterior median, 90% {r.posterior_low:.4g} to {r.posterior_high:.4g})"
        )
    data = cal.scenario.model_dump(mode="json")
    data["name"] = f"{cal.base.name}_calibrated"
    data["description"] = f"{cal.base.name} calibrated from the CRM export {cal.export}"
    head = f"# {data['description']}: written by nurture calibrate.\n"
    return head + document(data, notes)


def priors_text(cal: Calibration, priors_path: str | Path) -> str:
    """A priors file: the posterior where the export informs a value, the priors elsewhere."""
    tag = f"calibrated from {export_name(cal.export)}"
    entries: list[dict[str, Any]] = []
    done: set[str] = set()
    direct = {e.path: e for e in cal.direct}
    shares = [e for e in cal.direct if e.path.endswith(".share")]
    if shares:
        n = shares[0].n
        alpha = [round(e.value * n) + 1.0 for e in shares]  # flat prior, multinomial counts
        entries.append(
            {
                "name": "source mix",
                "paths": [e.path for e in shares],
                "distribution": "dirichlet",
                "alpha": alpha,
                "source": f"{tag}: posterior of the source counts under a flat prior",
            }
        )
        done |= {e.path for e in shares}
    z = stats.norm.ppf((np.arange(DIRECT_DRAWS) + 0.5) / DIRECT_DRAWS)
    for path, e in direct.items():
        if path in done:
            continue
        # A split normal through the 95% interval (profile intervals are not symmetric),
        # kept within half an interval-side beyond it and inside the value's range.
        sd_lo = max((e.value - e.low) / 1.96, 1e-12)
        sd_hi = max((e.high - e.value) / 1.96, 1e-12)
        draws = e.value + np.where(z < 0, sd_lo, sd_hi) * z
        lower = e.low - 0.5 * (e.value - e.low)
        if lower <= 0:
            lower = e.low / 2 if e.low > 0 else 0.0
        upper = e.high + 0.5 * (e.high - e.value)
        if path.endswith(("_prob", "_share", ".share")):
            upper = min(upper, 1.0)
        draws = np.clip(draws, lower, upper)
        entries.append(
            {
                "path": path,
                "distribution": "sample",
                "values": [float(f"{x:.6g}") for x in draws],
                "source": f"{tag}: MLE {e.value:.4g}, 95% CI {e.low:.4g} to {e.high:.4g} "
                f"({e.method}; split-normal approximation)",
            }
        )
        done.add(path)
    if cal.posterior is not None:
        for p in cal.posterior.parameters:
            entries.append(
                {
                    "path": p.name,
                    "distribution": "sample",
                    "values": [float(f"{x:.6g}") for x in cal.posterior.draws[p.name]],
                    "source": f"{tag}: ABC-SMC posterior ({len(cal.posterior.draws)} draws)",
                }
            )
            done.add(p.name)
    for raw in read_toml(priors_path).get("parameter", []):
        paths = raw.get("paths") or [raw.get("path")]
        if any(p in done for p in paths):
            continue
        if paths == ["months"]:
            raw = {**raw, "value": cal.months, "source": f"{tag}: months of arrivals"}
        entries.append(raw)
    lines = [
        f"# Posterior of {cal.base.name} given the CRM export {cal.export} (nurture calibrate).",
        "# Use it as priors: nurture uncertainty SCENARIO STRATEGY... --priors THIS_FILE",
        f"description = {value('Calibrated from ' + str(cal.export))}",
    ]
    for e in entries:
        lines.append("")
        lines.append("[[parameter]]")
        for k, v in e.items():
            lines.append(f"{k} = {value(v)}")
    return "\n".join(lines) + "\n"


def report_text(cal: Calibration) -> str:
    out = [
        f"# Calibration of {cal.base.name} to {cal.export}",
        "",
        f"{cal.months} months of arrivals in the export. Directly observed parameters are "
        "maximum-likelihood estimates with 95% intervals; latent ones are ABC-SMC posteriors "
        "(90% intervals), flagged *not identified* when the posterior is no narrower than "
        f"{NOT:.0%} of the prior.",
        "",
        "## Directly observed",
        "",
        "| parameter | estimate | 95% CI | n | method | note |",
        "|---|---|---|---|---|---|",
    ]
    for e in cal.direct:
        out.append(
            f"| `{e.path}` | {e.value:.4g} | {e.low:.4g} to {e.high:.4g} | {e.n:,} | "
            f"{e.method} | {e.note} |"
        )
    lt = cal.latent_table()
    if len(lt):
        p = cal.posterior
        out += [
            "",
            f"## Latent (ABC-SMC: {len(p.draws)} particles, {len(p.epsilons)} generations, "
            f"{p.simulations:,} simulations, final epsilon {p.epsilons[-1]:.3g})",
            "",
            "| parameter | prior median (90%) | posterior median (90%) | width ratio"
            " | identified |",
            "|---|---|---|---|---|",
        ]
        for _, r in lt.iterrows():
            out.append(
                f"| `{r.parameter}` | {r.prior_median:.4g} ({r.prior_low:.4g} to "
                f"{r.prior_high:.4g}) | {r.posterior_median:.4g} ({r.posterior_low:.4g} to "
                f"{r.posterior_high:.4g}) | {r.width_ratio:.2f} | "
                f"{'yes' if r.identified else '**not identified**'} |"
            )
    if len(cal.checks):
        inside = int(cal.checks.inside_90.sum())
        out += [
            "",
            f"## Posterior predictive checks ({inside} of {len(cal.checks)} summaries inside "
            "their 90% predictive interval)",
            "",
            "| summary | observed | predicted median (90%) | inside |",
            "|---|---|---|---|",
        ]
        for _, r in cal.checks.iterrows():
            out.append(
                f"| {r.summary} | {r.observed:.4g} | {r.predicted_median:.4g} "
                f"({r.predicted_low:.4g} to {r.predicted_high:.4g}) | "
                f"{'yes' if r.inside_90 else '**no**'} |"
            )
    return "\n".join(out) + "\n"


NOT = 0.9


def write_outputs(
    cal: Calibration, out: Path, priors_path: str | Path, posterior: Path, report: Path
) -> None:
    """All three files, each written whole (temporary file, then rename)."""
    texts = {
        out: scenario_text(cal),
        posterior: priors_text(cal, priors_path),
        report: report_text(cal),
    }
    for path, text in texts.items():
        _atomic(Path(path), text)
