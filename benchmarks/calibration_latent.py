"""Latent-parameter checks of the calibration: recovery, SBC and the prediction trial.

One reference table does all three economically: ``--draws`` points from the priors of the
latent parameters (sim.study.calibrate.latent.DEFAULT_LATENT; everything else at the default
scenario), each run as a practice of ``--leads-per-month`` x ``--months`` leads under
stage_nurture (its export's summaries and conversion) and, with another seed, under no_nurture
(its export's summaries). Held-out rows of the table then play the real practices; the ABC
posterior of each is the ``--accept`` nearest other rows in summary space (rejection ABC with
the calibration's summaries, distances scaled by each summary's median absolute deviation).

- recovery: correlation of posterior medians with the truth, posterior-to-prior width ratio
  (90% intervals) per parameter, over ``--tests`` held-out stage_nurture practices;
- SBC (Talts et al. 2018): the rank of each truth among its posterior draws, 10-bin
  histograms, chi-square p per parameter;
- prediction: calibrate on a no_nurture practice (its summaries), predict its conversion under
  stage_nurture as the accepted rows' stage_nurture conversions (parameter and world noise
  both), and check the 95% interval covers the practice's own stage_nurture result, over
  ``--trials`` practices.

    nice python benchmarks/calibration_latent.py --draws 1500 --workers 2 --table /tmp/ref.npz
"""

from __future__ import annotations

import argparse
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def _setup(leads_per_month: float, months: int):
    from sim.config import load_scenario, load_strategy
    from sim.config.space import load_space
    from sim.study.calibrate.latent import DEFAULT_LATENT, latent_parameters

    base = load_scenario(
        ROOT / "configs/scenarios/medical_practice.toml",
        {"leads_per_month": leads_per_month, "months": months},
    )
    space = load_space(ROOT / "configs/uncertainty/medical_practice.toml")
    params = latent_parameters(space, DEFAULT_LATENT)
    strategies = {
        n: load_strategy(ROOT / f"configs/strategies/{n}.toml")
        for n in ("stage_nurture", "no_nurture")
    }
    return base, space, params, strategies


def _row(args):
    i, u, leads_per_month, months, seed = args
    from sim.crm.stats import observations, summaries
    from sim.world.model import simulate

    base, space, params, strategies = _setup(leads_per_month, months)
    values = {
        p.name: float(p.distribution.ppf(np.array([x]))[0]) for p, x in zip(params, u, strict=True)
    }
    scenario, _ = space.apply(values, base, strategies)
    out = {}
    for k, (name, st) in enumerate(strategies.items()):
        r = simulate(scenario, st, seed * 1_000_003 + 2 * i + k, events=True)
        s = summaries(observations(*r.crm), scenario.window_days)
        out[name] = (np.array(list(s.values())), float(r.leads.converted.mean()), list(s))
    return i, out


def build_table(draws, leads_per_month, months, seed, workers):
    _, _, params, _ = _setup(leads_per_month, months)
    rng = np.random.default_rng(seed)
    u = rng.random((draws, len(params)))
    theta = np.array(
        [
            [p.distribution.ppf(np.array([x]))[0] for p, x in zip(params, row, strict=True)]
            for row in u
        ]
    )
    jobs = [(i, u[i], leads_per_month, months, seed) for i in range(draws)]
    rows = [None] * draws
    with ProcessPoolExecutor(workers) as ex:
        for i, out in ex.map(_row, jobs, chunksize=4):
            rows[i] = out
    keys = rows[0]["stage_nurture"][2]
    table = {
        "theta": theta,
        "u": u,
        "names": np.array([p.name for p in params]),
        "keys": np.array(keys),
        "s_stage": np.array([r["stage_nurture"][0] for r in rows]),
        "c_stage": np.array([r["stage_nurture"][1] for r in rows]),
        "s_none": np.array([r["no_nurture"][0] for r in rows]),
        "c_none": np.array([r["no_nurture"][1] for r in rows]),
    }
    return table


def _nearest(S: np.ndarray, i: int, k: int) -> np.ndarray:
    mad = np.median(np.abs(S - np.median(S, axis=0)), axis=0)
    keep = mad > 0
    Z = (S[:, keep] - np.median(S[:, keep], axis=0)) / mad[keep]
    d = np.sqrt(((Z - Z[i]) ** 2).sum(axis=1))
    d[i] = np.inf  # the practice itself is not in its reference table
    return np.argsort(d, kind="stable")[:k]


def analyse(t, tests: int, trials: int, accept: int) -> str:
    from scipy import stats

    theta, names = t["theta"], [str(n) for n in t["names"]]
    n = len(theta)
    tests, trials = min(tests, n), min(trials, n)
    lines = [f"reference table: {n} prior draws; accepted per posterior: {accept}", ""]
    med, ranks, width = [], [], []
    for i in range(tests):
        nb = _nearest(t["s_stage"], i, accept)
        post = theta[nb]
        med.append(np.median(post, axis=0))
        ranks.append((post < theta[i]).sum(axis=0))
        q = np.quantile(post, [0.05, 0.95], axis=0)
        width.append(q[1] - q[0])
    med, ranks, width = np.array(med), np.array(ranks), np.array(width)
    prior_w = np.quantile(theta, 0.95, axis=0) - np.quantile(theta, 0.05, axis=0)
    lines += [
        f"recovery and SBC over {tests} held-out stage_nurture practices",
        "",
        "| parameter | corr(median, truth) | width ratio | SBC chi2 p (10 bins) |",
        "|---|---|---|---|",
    ]
    bins = np.linspace(0, accept + 1, 11)
    for j, name in enumerate(names):
        r = np.corrcoef(med[:, j], theta[:tests, j])[0, 1]
        hist = np.histogram(ranks[:, j], bins=bins)[0]
        p = stats.chisquare(hist).pvalue
        ratio = float(np.mean(width[:, j]) / prior_w[j])
        lines.append(f"| `{name}` | {r:.2f} | {ratio:.2f} | {p:.3f} |")
    covered, widths = [], []
    for i in range(trials):
        nb = _nearest(t["s_none"], i, accept)
        lo, hi = np.quantile(t["c_stage"][nb], [0.025, 0.975])
        covered.append(lo <= t["c_stage"][i] <= hi)
        widths.append(hi - lo)
    lines += [
        "",
        f"prediction: calibrated on no_nurture, stage_nurture conversion predicted (95% "
        f"interval): covered in {sum(covered)} of {trials} trials "
        f"({np.mean(covered):.0%}); mean interval width {np.mean(widths):.3f}",
    ]
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--draws", type=int, default=1500)
    ap.add_argument("--tests", type=int, default=200)
    ap.add_argument("--trials", type=int, default=50)
    ap.add_argument("--accept", type=int, default=50)
    ap.add_argument("--leads-per-month", type=float, default=1000.0)
    ap.add_argument("--months", type=int, default=2)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--table", type=Path, help="npz to reuse or to write")
    a = ap.parse_args(argv)
    started = time.perf_counter()
    if a.table and a.table.exists():
        t = dict(np.load(a.table, allow_pickle=False))
    else:
        t = build_table(a.draws, a.leads_per_month, a.months, a.seed, a.workers)
        if a.table:
            np.savez(a.table, **t)
    built = time.perf_counter() - started
    print(analyse(t, a.tests, a.trials, a.accept))
    print(f"\ntable {built:.0f} s, total {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
