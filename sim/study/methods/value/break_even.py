"""The break-even patient value: where a strategy's expected incremental net benefit is zero.

With ``dP`` the extra patients and ``dC`` the extra cost of a strategy over a control (per draw),
the expected incremental net benefit at patient value ``v`` is ``v * E[dP] - E[dC]``; it is zero
at ``v* = E[dC] / E[dP]`` (the incremental cost per extra patient, the ICER of health
economics). For ``E[dP] > 0`` the strategy pays for patient values above ``v*``.

Two intervals answer two questions:

- ``mc_lower, mc_upper``: how precisely ``n`` draws pin ``v*`` down - Fieller's interval for a
  ratio of two correlated means (Fieller 1954; Willan & O'Brien 1996), unbounded when the
  mean extra patients is not clearly away from 0.
- ``lower, upper``: how uncertain the decision is - the values at which the strategy beats the
  control in ``alpha/2`` and ``1 - alpha/2`` of the draws, i.e. where the pairwise acceptability
  curve crosses those levels (found exactly on the step function, not on a grid). When every
  draw gains patients these are the quantiles of the per-draw break-even values ``dC_i / dP_i``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy import stats

from sim.errors import InputError
from sim.study.methods.value.psa import PSADraws


class BreakEven(NamedTuple):
    """A strategy's break-even patient value against a control.

    Attributes:
        strategy, control: the two strategies.
        estimate: ``E[dC] / E[dP]`` (USD per patient).
        mc_lower, mc_upper: Fieller interval for ``estimate`` (Monte Carlo precision).
        lower, upper: values where P(strategy beats control) reaches ``alpha/2`` and
            ``1 - alpha/2`` (decision uncertainty); ``inf`` when never reached.
        mean_extra_patients, mean_extra_cost_usd: ``E[dP]``, ``E[dC]``.
        pays_above: True when the strategy pays above ``estimate`` (``E[dP] > 0``); False
            when it wins fewer patients and pays only below it (being cheaper).
        note: empty, or why a bound is unbounded or the estimate is special.
    """

    strategy: str
    control: str
    estimate: float
    mc_lower: float
    mc_upper: float
    lower: float
    upper: float
    mean_extra_patients: float
    mean_extra_cost_usd: float
    pays_above: bool
    note: str


def break_even_value(
    draws: PSADraws, strategy: str, control: str, *, alpha: float = 0.05
) -> BreakEven:
    """The patient value at which ``strategy`` and ``control`` have equal expected net benefit.

    Example:
        >>> rng = np.random.default_rng(3)
        >>> dp = rng.normal(20, 2, 5000)
        >>> dc = 1000 * dp + rng.normal(0, 2000, 5000)  # about $1000 per extra patient
        >>> d = PSADraws(("no", "yes"), np.c_[np.full(5000, 50.0), 50 + dp],
        ...              np.c_[np.full(5000, 9000.0), 9000 + dc])
        >>> b = break_even_value(d, "yes", "no")
        >>> bool(b.mc_lower < 1000 < b.mc_upper), bool(b.lower < b.mc_lower < b.mc_upper < b.upper)
        (True, True)
    """
    if not 0 < alpha < 1:
        raise InputError("alpha", f"{alpha}: must be in (0, 1)")
    j, c = draws.index(strategy), draws.index(control)
    if j == c:
        raise InputError("strategy", "a strategy cannot be compared with itself")
    dp = draws.patients[:, j] - draws.patients[:, c]
    dc = draws.cost_usd[:, j] - draws.cost_usd[:, c]
    mp, mc = float(dp.mean()), float(dc.mean())
    notes: list[str] = []
    if mp == 0:
        estimate = float("nan")
        notes.append("no extra patients on average: no break-even value")
    else:
        estimate = mc / mp
        if estimate < 0:
            notes.append(
                "dominates at every patient value" if mp > 0 else "dominated at every value"
            )
    mc_lo, mc_hi, fieller_note = fieller_ratio(dc, dp, alpha)
    if fieller_note:
        notes.append(fieller_note)
    lo = crossing_value(dp, dc, alpha / 2)
    hi = crossing_value(dp, dc, 1 - alpha / 2)
    return BreakEven(
        strategy, control, estimate, mc_lo, mc_hi, lo, hi, mp, mc, mp > 0, "; ".join(notes)
    )


def break_even_table(draws: PSADraws, control: str, *, alpha: float = 0.05) -> pd.DataFrame:
    """:func:`break_even_value` of every other strategy against ``control``, one row each.

    Example:
        >>> d = PSADraws(("no", "yes"), np.array([[10, 12], [8, 11], [9, 10]]),
        ...              np.array([[100, 130], [90, 125], [95, 110]]))
        >>> round(break_even_table(d, "no").estimate[0], 2)
        np.float64(13.33)
    """
    rows = [
        break_even_value(draws, s, control, alpha=alpha)._asdict()
        for s in draws.strategies
        if s != control
    ]
    return pd.DataFrame(rows)


def fieller_ratio(num: np.ndarray, den: np.ndarray, alpha: float) -> tuple[float, float, str]:
    """Fieller's interval for ``mean(num) / mean(den)`` from paired draws.

    Solves ``(m_num - r m_den)^2 = z^2 Var(mean(num) - r mean(den))`` for ``r``; when the
    denominator's mean is within ``z`` standard errors of 0 the set is unbounded.

    Example:
        >>> rng = np.random.default_rng(0)
        >>> d = rng.normal(2, 1, 400)
        >>> lo, hi, note = fieller_ratio(3 * d + rng.normal(0, 1, 400), d, 0.05)
        >>> bool(lo < 3 < hi), note
        (True, '')
    """
    n = len(num)
    z = float(stats.norm.ppf(1 - alpha / 2))
    cov = np.cov(np.vstack([num, den]), ddof=1) / n
    m1, m2 = float(np.mean(num)), float(np.mean(den))
    a = m2 * m2 - z * z * cov[1, 1]
    b = -2.0 * (m1 * m2 - z * z * cov[0, 1])
    c = m1 * m1 - z * z * cov[0, 0]
    disc = b * b - 4 * a * c
    if a <= 0:
        return (
            -np.inf,
            np.inf,
            "mean extra patients not clearly away from 0: Fieller interval unbounded",
        )
    root = np.sqrt(max(disc, 0.0))
    return (-b - root) / (2 * a), (-b + root) / (2 * a), ""


def crossing_value(dp: np.ndarray, dc: np.ndarray, level: float) -> float:
    """The smallest patient value ``v >= 0`` with ``P(v * dp - dc > 0) >= level``.

    The share of winning draws only changes at the per-draw break-evens ``dc_i / dp_i``, so it
    is evaluated there (just above each, where the strict inequality flips) and at 0.

    Example:
        >>> crossing_value(np.array([1.0, 1.0, 1.0, 1.0]), np.array([1.0, 2.0, 3.0, 4.0]), 0.5)
        2.0
    """
    n = len(dp)
    pos, neg = dp > 0, dp < 0
    be = np.full(n, np.nan)
    be[pos | neg] = dc[pos | neg] / dp[pos | neg]
    always = int(np.sum((dp == 0) & (dc < 0)))
    up = np.sort(be[pos])  # win for v > be
    down = np.sort(be[neg])  # win for v < be
    cand = np.unique(np.concatenate([[0.0], be[(pos | neg) & (be >= 0)]]))
    # just above each candidate: wins = #{up <= v} + #{down > v} + always
    wins = np.searchsorted(up, cand, side="right") + (
        len(down) - np.searchsorted(down, cand, side="right")
    )
    wins = wins + always
    at_zero = int(np.sum(0.0 * dp - dc > 0))
    share = wins / n
    if at_zero / n >= level:
        return 0.0
    hit = np.nonzero(share >= level)[0]
    return float(cand[hit[0]]) if len(hit) else float("inf")
