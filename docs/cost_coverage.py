"""Coverage of the cost-per-conversion intervals: the study behind docs/analysis-coverage.md.

Run from the project root (about two minutes on one core):

    .venv/bin/python docs/cost_coverage.py            # prints the markdown table
    .venv/bin/python docs/cost_coverage.py --write    # rewrites the table in the docs page

Every cell simulates ``REPS`` experiments with a known truth, vectorised over experiments with
numpy, and counts how often the 95% interval contains the truth; its binomial standard error
is printed next to it. An interval that does not exist (unbounded Fieller set, NaN) counts as a
miss. Four cost models (:data:`MODELS`), control conversions of 10 to 300 per arm at a 10%
baseline against 15% in the treatment, split (independent arms) and paired (the same leads
under both arms, common random numbers: the same uniform decides conversion, the same draws
make the costs) designs; for one arm's cost per conversion, the ratio treatment / control and
the difference treatment - control.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.analysis.cost import (
    CPC_SUFFICIENT_METHODS,
    DEFAULT_CPC_METHOD,
    Moments,
    Sums,
    arm_cpc_core,
    moments,
    two_arm_cpc,
)

DOC = Path(__file__).resolve().parent / "analysis-coverage.md"
REPS = 4000
COUNTS = (10, 20, 50, 100, 300)  # expected control conversions per arm
P_CONTROL, P_TREATMENT = 0.10, 0.15
TREATMENT_EXTRA_USD = 5.0  # the treatment's own cost per lead (more email), so truths differ
LOW, HIGH = 0.935, 0.965
CHUNK = 500  # experiments simulated at once (memory: CHUNK x leads x a few arrays)


@dataclass(frozen=True)
class CostModel:
    """Per-lead cost given conversion, with its exact conditional means."""

    name: str
    label: str
    base_mean: float  # E[cost | not converted] (before the treatment's extra)
    add_mean: float  # E[cost | converted] - E[cost | not converted], averaged over leads
    draw: Callable  # (rng, shape) -> shared draws dict
    cost: Callable  # (draws, converted) -> cost array
    #: conversion probability multiplier per lead (for the correlated model), or None
    latent: Callable | None = None

    def truth(self, p: float, extra: float = 0.0) -> float:
        return (self.base_mean + extra + self.add_mean * p) / p


def _light(rng, shape):
    return {
        "base": 40 + 0.5 * rng.poisson(15, shape) + rng.exponential(25, shape),
        "add": rng.gamma(2, 30, shape),
    }


def _lognormal(rng, shape):
    return {
        "base": 25 * rng.lognormal(0.0, 1.5, shape),
        "add": 150 * rng.lognormal(0.0, 1.0, shape),
    }


def _zero_heavy(rng, shape):
    paid = rng.random(shape) < 0.3
    return {"base": np.where(paid, 100 * rng.lognormal(0.0, 1.5, shape), 0.0)}


def _correlated(rng, shape):
    g = 2 * rng.beta(2, 2, shape)  # mean 1, in (0, 2)
    return {"g": g, "base": 20 + 60 * g * rng.exponential(1.0, shape)}


MODELS: tuple[CostModel, ...] = (
    CostModel(
        "light",
        "light-tailed: 40 + 0.5 Poisson(15) + Exp(mean 25), converters + Gamma(2, 30)",
        72.5,
        60.0,
        _light,
        lambda d, y: d["base"] + y * d["add"],
    ),
    CostModel(
        "lognormal",
        "log-normal: 25 LogNormal(0, 1.5), converters + 150 LogNormal(0, 1)",
        25 * np.exp(1.5**2 / 2),
        150 * np.exp(0.5),
        _lognormal,
        lambda d, y: d["base"] + y * d["add"],
    ),
    CostModel(
        "zero-heavy",
        "70% of leads cost 0, the rest 100 LogNormal(0, 1.5)",
        0.3 * 100 * np.exp(1.5**2 / 2),
        0.0,
        _zero_heavy,
        lambda d, y: d["base"],
    ),
    CostModel(
        "correlated",
        "g = 2 Beta(2, 2) per lead: converts with probability p g, costs 20 + 60 g Exp(1)",
        80.0,
        0.0,
        _correlated,
        lambda d, y: d["base"],
        latent=lambda d: d["g"],
    ),
)
# For the correlated model E[cost | converted] differs from E[cost] (g drives both), but the
# truth is still E[cost] / P(converted) = 80 / p, which is what `truth` gives with add_mean 0.


def _arm(model: CostModel, draws: dict, u: np.ndarray, p: float, extra: float):
    prob = p if model.latent is None else p * model.latent(draws)
    y = u < prob
    return y, model.cost(draws, y) + extra


def simulate(model: CostModel, design: str, count: int, reps: int, seed: int):
    """Yield per-chunk (treatment, control) arrays of per-lead (converted, cost)."""
    n = round(count / P_CONTROL)
    rng = np.random.default_rng(seed)
    done = 0
    while done < reps:
        m = min(CHUNK, reps - done)
        shape = (m, n)
        if design == "split":
            dt, dc = model.draw(rng, shape), model.draw(rng, shape)
            ut, uc = rng.random(shape), rng.random(shape)
        else:  # paired: the same lead, the same random numbers, under both arms
            dt = dc = model.draw(rng, shape)
            ut = uc = rng.random(shape)
        yield (
            _arm(model, dt, ut, P_TREATMENT, TREATMENT_EXTRA_USD),
            _arm(model, dc, uc, P_CONTROL, 0.0),
        )
        done += m


def _sums(y, c) -> Sums:
    yf = y.astype(float)
    return Sums(
        np.full(y.shape[0], y.shape[1]), yf.sum(1), c.sum(1), (c * c).sum(1), (c * yf).sum(1)
    )


def _paired_moments(t, c) -> Moments:
    """Means of (cost_t, y_t, cost_c, y_c) per experiment and the covariance of the means."""
    u = np.stack([t[1], t[0].astype(float), c[1], c[0].astype(float)], axis=-1)  # (m, n, 4)
    n = u.shape[1]
    mean = u.mean(axis=1)
    dev = u - mean[:, None, :]
    cov = np.einsum("mni,mnj->mij", dev, dev) / (n - 1) / n
    return Moments(mean, cov, np.full((u.shape[0], 2), float(n)))


def cell(model: CostModel, design: str, count: int, methods, reps: int = REPS, seed: int = 0):
    """Coverage hits per (quantity, method) for one model, design and count."""
    truth = {
        "one arm": model.truth(P_CONTROL),
        "ratio": model.truth(P_TREATMENT, TREATMENT_EXTRA_USD) / model.truth(P_CONTROL),
        "difference": model.truth(P_TREATMENT, TREATMENT_EXTRA_USD) - model.truth(P_CONTROL),
    }
    hits: dict[tuple[str, str], int] = {}
    below: dict[tuple[str, str], int] = {}
    flagged: dict[tuple[str, str], int] = {}
    for t, c in simulate(model, design, count, reps, seed):
        if design == "paired":
            joint = _paired_moments(t, c)
        else:
            _, mt = moments(_sums(*t))
            _, mc = moments(_sums(*c))
            joint = None
        _, mo_c = moments(_sums(*c))
        conv_c = c[0].sum(1).astype(float)
        conv_t = t[0].sum(1).astype(float)
        for method in methods:
            results = {"one arm": arm_cpc_core(mo_c, conv_c, method)}
            for kind in ("ratio", "difference"):
                if joint is None:
                    results[kind] = two_arm_cpc(mt, mc, conv_t, conv_c, kind, method)
                else:
                    results[kind] = two_arm_cpc(None, None, conv_t, conv_c, kind, method, joint)
            for q, r in results.items():
                key = (q, method)
                ok = (r.lower <= truth[q]) & (truth[q] <= r.upper)
                hits[key] = hits.get(key, 0) + int(ok.sum())
                below[key] = below.get(key, 0) + int((r.upper < truth[q]).sum())
                warned = np.char.find(r.note.astype(str), "coverage: ") >= 0
                flagged[key] = flagged.get(key, 0) + int(warned.sum())
    return hits, below, flagged


def study(methods=CPC_SUFFICIENT_METHODS, reps: int = REPS, models=MODELS, counts=COUNTS):
    """Rows: model, design, count, quantity, method, coverage, se, share of misses above."""
    rows = []
    for mi, model in enumerate(models):
        for di, design in enumerate(("split", "paired")):
            for ci, count in enumerate(counts):
                seed = 1000 * mi + 100 * di + ci
                hits, below, flagged = cell(model, design, count, methods, reps, seed)
                for (q, method), h in hits.items():
                    if design == "paired" and q == "one arm":
                        continue  # one arm's own data are the same as in a split design
                    cov = h / reps
                    misses = reps - h
                    rows.append(
                        {
                            "model": model.name,
                            "design": design,
                            "count": count,
                            "quantity": q,
                            "method": method,
                            "coverage": cov,
                            "se": float(np.sqrt(cov * (1 - cov) / reps)),
                            "miss_low": below[(q, method)] / reps,
                            "miss_high": (misses - below[(q, method)]) / reps,
                            "warned": flagged[(q, method)] / reps,
                        }
                    )
    return rows


def markdown(rows) -> str:
    """One table per quantity: rows model x design x count, columns methods."""
    methods = list(dict.fromkeys(r["method"] for r in rows))
    out = []
    for q in ("one arm", "ratio", "difference"):
        sub = [r for r in rows if r["quantity"] == q]
        out.append(f"#### {q}\n")
        heads = [f"{m} (default)" if m == DEFAULT_CPC_METHOD else m for m in methods]
        out.append(
            "| cost model | design | control conversions | "
            + " | ".join(heads)
            + " | default misses below / above | default warned |"
        )
        out.append("|---|---|---:|" + "---:|" * (len(methods) + 2))
        keys = list(dict.fromkeys((r["model"], r["design"], r["count"]) for r in sub))
        for model, design, count in keys:
            cells = []
            for m in methods:
                r = next(
                    x
                    for x in sub
                    if (x["model"], x["design"], x["count"], x["method"])
                    == (model, design, count, m)
                )
                flag = "" if LOW <= r["coverage"] <= HIGH else " *"
                cells.append(f"{r['coverage']:.3f} ({r['se']:.3f}){flag}")
            d = next(
                x
                for x in sub
                if (x["model"], x["design"], x["count"], x["method"])
                == (model, design, count, DEFAULT_CPC_METHOD)
            )
            cells.append(f"{d['miss_low']:.3f} / {d['miss_high']:.3f}")
            cells.append(f"{d['warned']:.2f}")
            out.append(f"| {model} | {design} | {count} | " + " | ".join(cells) + " |")
        out.append("")
    return "\n".join(out)


BEGIN, END = "<!-- cost-coverage:begin -->", "<!-- cost-coverage:end -->"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="rewrite the table in the docs")
    parser.add_argument("--reps", type=int, default=REPS)
    args = parser.parse_args(argv)
    table = markdown(study(reps=args.reps))
    if args.write:
        text = DOC.read_text()
        new = re.sub(
            re.escape(BEGIN) + ".*?" + re.escape(END),
            lambda _: f"{BEGIN}\n{table}\n{END}",
            text,
            flags=re.S,
        )
        DOC.write_text(new)
    else:
        print(table)
    print(f"default: {DEFAULT_CPC_METHOD}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
