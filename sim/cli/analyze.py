"""``nurture analyze``: compare the arms of an A/B test from a CSV of per-lead outcomes.

Reads the CSV in chunks (bounded memory), prints the comparison as markdown, or as JSON with
``--json`` (``{"arms": [...], "comparisons": [...], ...}``, NaN as null). Bad input is one
line on stderr and exit code 2; rows are numbered as in a spreadsheet (header = row 1).
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings

from sim.analysis.comparison import compare_arms
from sim.analysis.cost import BOOTSTRAP_METHODS, CPC_METHODS, DEFAULT_CPC_METHOD
from sim.analysis.csv_input import read_outcome_csv
from sim.analysis.multiple import ADJUST_METHODS
from sim.analysis.proportions import RATE_METHODS
from sim.analysis.srm import SampleRatioMismatchWarning
from sim.analysis.two_proportions import DIFF_METHODS, RATIO_METHODS
from sim.errors import InputError

#: Bootstrap resamples allowed on the command line (two float arrays of this length per arm).
MAX_RESAMPLES = 1_000_000
#: Fewest bootstrap resamples (the bootstrap's own floor).
MIN_RESAMPLES = 100


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "analyze",
        help="compare arms of an A/B test from a CSV of per-lead outcomes",
        description=(
            "Compare every arm with the control: conversion rate, absolute and relative lift "
            "with confidence intervals, cost per conversion, adjusted p-values and a "
            "sample-ratio check. Converted values may be 0/1, true/false or yes/no."
        ),
    )
    parser.add_argument("data", metavar="DATA.csv", help="CSV file, one row per lead")
    parser.add_argument("--arm-col", required=True, metavar="COL", help="column with the arm")
    parser.add_argument("--control", required=True, metavar="NAME", help="the control arm")
    parser.add_argument(
        "--converted-col", required=True, metavar="COL", help="column with the 0/1 outcome"
    )
    parser.add_argument("--cost-col", metavar="COL", help="column with the per-lead cost in USD")
    parser.add_argument(
        "--alpha", type=float, default=0.05, help="1 - confidence level (default 0.05)"
    )
    parser.add_argument(
        "--rate-method",
        choices=tuple(RATE_METHODS),
        default="wilson",
        metavar="M",
        help=f"interval for each rate: {', '.join(RATE_METHODS)} (default wilson)",
    )
    parser.add_argument(
        "--diff-method",
        choices=DIFF_METHODS,
        default="newcombe",
        metavar="M",
        help=f"absolute lift: {', '.join(DIFF_METHODS)} (default newcombe)",
    )
    parser.add_argument(
        "--ratio-method",
        choices=RATIO_METHODS,
        default="koopman",
        metavar="M",
        help=f"relative lift: {', '.join(RATIO_METHODS)} (default koopman)",
    )
    parser.add_argument(
        "--cpc-method",
        choices=CPC_METHODS,
        default=DEFAULT_CPC_METHOD,
        metavar="M",
        help=f"cost per conversion: {', '.join(CPC_METHODS)} (default {DEFAULT_CPC_METHOD})",
    )
    parser.add_argument(
        "--adjust",
        choices=tuple(ADJUST_METHODS),
        default="holm",
        metavar="M",
        help="multiple-comparison adjustment: holm (default), bh, bonferroni, none",
    )
    parser.add_argument(
        "--weights",
        metavar="ARM=W,...",
        help="allocation weights for the sample-ratio check (default: equal)",
    )
    parser.add_argument(
        "--resamples", type=int, default=2000, metavar="N", help="bootstrap resamples"
    )
    parser.add_argument("--seed", type=int, default=0, metavar="N", help="bootstrap seed")
    parser.add_argument("--json", action="store_true", help="print JSON instead of markdown")
    parser.set_defaults(handler=run)
    return parser


def run(args: argparse.Namespace) -> int:
    # Checked before reading the file: a negative seed used to fail deep in numpy, and a
    # huge resample count tried to allocate its arrays (10^11 resamples: 745 GiB).
    if args.seed < 0:
        raise InputError("--seed", f"{args.seed} is not allowed: must be an integer >= 0")
    if args.resamples < MIN_RESAMPLES:  # named as the user wrote it, not n_resamples
        raise InputError(
            "--resamples", f"{args.resamples} is not allowed: use at least {MIN_RESAMPLES}"
        )
    if args.resamples > MAX_RESAMPLES:
        raise InputError(
            "--resamples", f"{args.resamples} is not allowed: use at most {MAX_RESAMPLES:,}"
        )
    summary = read_outcome_csv(
        args.data,
        arm_col=args.arm_col,
        converted_col=args.converted_col,
        cost_col=args.cost_col,
        keep_samples=bool(args.cost_col) and args.cpc_method in BOOTSTRAP_METHODS,
    )
    arms = list(summary.stats)
    if args.control not in summary.stats:
        raise InputError(
            f"{args.data}: --control",
            f"{args.control!r} is not an arm; arms in column {args.arm_col!r}: {', '.join(arms)}",
        )
    if len(arms) < 2:
        raise InputError(
            f"{args.data}: column {args.arm_col!r}",
            f"only one arm ({arms[0]!r}): need at least two arms to compare",
        )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", SampleRatioMismatchWarning)
        result = compare_arms(
            summary.stats,
            args.control,
            alpha=args.alpha,
            rate_method=args.rate_method,
            diff_method=args.diff_method,
            ratio_method=args.ratio_method,
            cpc_method=args.cpc_method,
            adjust=args.adjust,
            expected_weights=_weights(args.weights, arms),
            samples=summary.samples,
            n_resamples=args.resamples,
            seed=args.seed,
        )
    for warning in caught:
        if issubclass(warning.category, SampleRatioMismatchWarning):
            print(f"nurture analyze: warning: {warning.message}", file=sys.stderr)
    if args.json:
        print(json.dumps(result.to_dict(), indent=2, allow_nan=False))
    else:
        print(result.to_markdown(), end="")
    return 0


def _weights(text: str | None, arms: list[str]) -> dict[str, float] | None:
    """Parse ``a=1,b=2``; every arm needs a positive weight."""
    if text is None:
        return None
    weights: dict[str, float] = {}
    for item in text.split(","):
        name, sep, value = item.partition("=")
        try:
            weight = float(value)
        except ValueError:
            weight = float("nan")
        if not sep or not name.strip() or not weight > 0:
            raise InputError(
                "--weights",
                f"{item!r} is not allowed: use ARM=WEIGHT pairs with positive weights, "
                "e.g. control=1,treatment=1",
            )
        weights[name.strip()] = weight
    missing = [a for a in arms if a not in weights]
    unknown = [a for a in weights if a not in arms]
    if missing or unknown:
        raise InputError(
            "--weights",
            f"weights must name exactly the arms {', '.join(arms)}"
            + (f" (missing {', '.join(missing)})" if missing else "")
            + (f" (unknown {', '.join(unknown)})" if unknown else ""),
        )
    return weights
