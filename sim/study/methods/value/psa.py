"""Probabilistic sensitivity analysis (PSA): per-draw outcomes of strategies, and their summaries.

A PSA draws many worlds from the priors and replays every strategy in each (common random
numbers), as health-economic decision models do (BCEA, dampack). For draw ``i`` and strategy
``j`` it records the patients won and the fully loaded cost; with the value of a patient
``v`` (fixed, or itself uncertain and drawn per world) the **net monetary benefit** is

    NB_ij = v_i * patients_ij - cost_ij.

The strategy with the highest *expected* NB is the one to adopt; the spread across draws says
how sure that choice is: P(each strategy is best), the distributions of lift and incremental NB,
the acceptability curve (:mod:`.acceptability`), the value of information
(:mod:`.evpi`).

Monte Carlo standard errors (``*_se``) treat draws as independent: ``sd / sqrt(n)``. With a
scrambled Sobol' design they are usually conservative for smooth outcomes (quasi-random points
integrate better than random ones), though that is not guaranteed; independent replicate
scrambles give a guaranteed error if one is needed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.errors import InputError


@dataclass(frozen=True, eq=False)
class PSADraws:
    """Per-draw outcomes of several strategies.

    Attributes:
        strategies: strategy names, one per column.
        patients: patients won, shape ``(n_draws, n_strategies)``.
        cost_usd: fully loaded cost, same shape.
        value_usd: value of a patient per draw, shape ``(n_draws,)``, or ``None`` when the
            value is given at analysis time.
        parameters: the sampled inputs, one row per draw (for EVPPI), or ``None``.

    Example:
        >>> d = PSADraws(("a", "b"), np.array([[10, 12], [8, 11]]),
        ...              np.array([[100, 130], [90, 125]]))
        >>> d.n_draws, d.net_benefit(20.0).tolist()
        (2, [[100.0, 110.0], [70.0, 95.0]])
    """

    strategies: tuple[str, ...]
    patients: np.ndarray
    cost_usd: np.ndarray
    value_usd: np.ndarray | None = None
    parameters: pd.DataFrame | None = None

    def __post_init__(self) -> None:
        strategies = tuple(str(s) for s in self.strategies)
        if len(strategies) < 2 or len(set(strategies)) != len(strategies):
            raise InputError("strategies", f"{list(strategies)}: need >= 2 distinct names")
        patients = np.asarray(self.patients, dtype=float)
        cost = np.asarray(self.cost_usd, dtype=float)
        if patients.ndim != 2 or patients.shape[1] != len(strategies) or patients.shape[0] < 2:
            raise InputError(
                "patients", f"shape {patients.shape}: expected (n >= 2, {len(strategies)})"
            )
        if cost.shape != patients.shape:
            raise InputError("cost_usd", f"shape {cost.shape}: expected {patients.shape}")
        for name, arr in (("patients", patients), ("cost_usd", cost)):
            if not np.all(np.isfinite(arr)):
                raise InputError(name, "all values must be finite")
        value = None if self.value_usd is None else _value_array(self.value_usd, len(patients))
        params = self.parameters
        if params is not None:
            params = pd.DataFrame(params).reset_index(drop=True)
            if len(params) != len(patients):
                raise InputError("parameters", f"{len(params)} rows: expected {len(patients)}")
        object.__setattr__(self, "strategies", strategies)
        object.__setattr__(self, "patients", patients)
        object.__setattr__(self, "cost_usd", cost)
        object.__setattr__(self, "value_usd", value)
        object.__setattr__(self, "parameters", params)

    @property
    def n_draws(self) -> int:
        """Number of draws (worlds)."""
        return int(self.patients.shape[0])

    def index(self, strategy: str) -> int:
        """Column of ``strategy``; unknown names are bad input."""
        if strategy not in self.strategies:
            raise InputError(
                "strategy", f"{strategy!r} is unknown: use one of {list(self.strategies)}"
            )
        return self.strategies.index(strategy)

    def net_benefit(self, value: Any = None) -> np.ndarray:
        """NB per draw and strategy at patient value ``value`` (default: the draws' own)."""
        if value is None:
            if self.value_usd is None:
                raise InputError("value", "give a patient value: the draws carry none")
            v = self.value_usd
        else:
            v = _value_array(value, self.n_draws)
        return v[:, None] * self.patients - self.cost_usd

    @classmethod
    def from_frame(
        cls,
        frame: pd.DataFrame,
        *,
        draw: str = "draw",
        strategy: str = "strategy",
        patients: str = "patients",
        cost: str = "cost_usd",
        value: str | None = None,
        parameters: Sequence[str] = (),
    ) -> PSADraws:
        """Build from a tidy table with one row per draw and strategy.

        Args:
            frame: the table; each draw must hold every strategy exactly once.
            draw, strategy, patients, cost: column names.
            value: column with the per-draw patient value (constant within a draw), if any.
            parameters: columns with the sampled inputs (constant within a draw).

        Example:
            >>> t = pd.DataFrame({"draw": [0, 0, 1, 1], "strategy": ["a", "b"] * 2,
            ...                   "patients": [10, 12, 8, 11], "cost_usd": [100, 130, 90, 125]})
            >>> PSADraws.from_frame(t).strategies
            ('a', 'b')
        """
        needed = [draw, strategy, patients, cost, *([value] if value else []), *parameters]
        missing = [c for c in needed if c not in frame.columns]
        if missing:
            raise InputError(
                f"columns: {missing[0]}", f"missing; the table has {list(frame.columns)}"
            )
        if frame.duplicated([draw, strategy]).any():
            raise InputError(f"columns: {draw}, {strategy}", "a draw holds a strategy twice")
        names = tuple(pd.unique(frame[strategy]).tolist())
        wide = frame.pivot(index=draw, columns=strategy)
        if wide[patients].isna().any().any():
            raise InputError(f"column: {strategy}", "every draw must hold every strategy")
        per_draw = frame.groupby(draw, sort=True)
        v = None
        if value:
            v = per_draw[value].first().to_numpy(float)
        params = per_draw[list(parameters)].first().reset_index(drop=True) if parameters else None
        return cls(
            names,
            wide[patients][list(names)].to_numpy(float),
            wide[cost][list(names)].to_numpy(float),
            v,
            params,
        )


def best_shares(scores: np.ndarray) -> np.ndarray:
    """Per row, each column's share of "best" (highest score); ties share equally.

    Example:
        >>> best_shares(np.array([[1.0, 3.0, 2.0], [2.0, 2.0, 0.0]])).tolist()
        [[0.0, 1.0, 0.0], [0.5, 0.5, 0.0]]
    """
    top = scores == scores.max(axis=-1, keepdims=True)
    return top / top.sum(axis=-1, keepdims=True)


def prob_best(draws: PSADraws, value: Any = None, *, by: str = "net_benefit") -> pd.DataFrame:
    """P(each strategy is best) with its Monte Carlo standard error.

    Args:
        draws: the PSA draws.
        value: patient value for ``by="net_benefit"`` (default: the draws' own).
        by: ``"net_benefit"`` (highest NB) or ``"patients"`` (most patients).

    Returns:
        One row per strategy: ``strategy, by, p_best, p_best_se, mean, mean_se``, where
        ``mean`` is the expected criterion.

    Example:
        >>> rng = np.random.default_rng(0)
        >>> d = PSADraws(("a", "b"), rng.normal([10, 11], 1, (4000, 2)), np.full((4000, 2), 100.0))
        >>> t = prob_best(d, by="patients")
        >>> float(t.p_best.sum()), bool(abs(t.p_best[1] - 0.760) < 3 * t.p_best_se[1])
        (1.0, True)
    """
    if by == "net_benefit":
        scores = draws.net_benefit(value)
    elif by == "patients":
        scores = draws.patients
    else:
        raise InputError("by", f"{by!r} is not allowed: use net_benefit or patients")
    shares = best_shares(scores)
    n = draws.n_draws
    return pd.DataFrame(
        {
            "strategy": list(draws.strategies),
            "by": by,
            "p_best": shares.mean(axis=0),
            "p_best_se": shares.std(axis=0, ddof=1) / np.sqrt(n),
            "mean": scores.mean(axis=0),
            "mean_se": scores.std(axis=0, ddof=1) / np.sqrt(n),
        }
    )


def summarize(
    draws: PSADraws, control: str | None = None, value: Any = None, *, alpha: float = 0.05
) -> pd.DataFrame:
    """Distributions over draws of each strategy's outcomes and of its lift over ``control``.

    Metrics per strategy: ``patients``, ``cost_usd``, ``net_benefit`` (when a value is known);
    per strategy versus ``control``: ``abs_lift`` (extra patients), ``rel_lift`` (patients
    ratio - 1, over draws where the control wins any), ``incremental_cost_usd``,
    ``incremental_net_benefit``.

    Returns:
        A tidy table ``strategy, control, metric, mean, mean_se, sd, lower, median, upper,
        p_positive, p_positive_se, n, note``: ``lower``/``upper`` are the ``alpha/2`` and
        ``1 - alpha/2`` quantiles over draws (the uncertainty), ``mean_se`` the Monte Carlo
        error of the mean; ``p_positive`` the share of draws above 0.

    Example:
        >>> d = PSADraws(("no", "yes"), np.array([[10, 12], [8, 11], [9, 9]]),
        ...              np.array([[100, 130], [90, 125], [95, 110]]), value_usd=np.full(3, 20.0))
        >>> t = summarize(d, control="no")
        >>> t.set_index(["strategy", "metric"]).loc[("yes", "abs_lift"), "mean"]
        np.float64(1.6666666666666667)
    """
    if not 0 < alpha < 1:
        raise InputError("alpha", f"{alpha}: must be in (0, 1)")
    has_value = value is not None or draws.value_usd is not None
    nb = draws.net_benefit(value) if has_value else None
    rows: list[dict[str, Any]] = []
    for j, s in enumerate(draws.strategies):
        rows.append(_row(s, "", "patients", draws.patients[:, j], alpha))
        rows.append(_row(s, "", "cost_usd", draws.cost_usd[:, j], alpha))
        if nb is not None:
            rows.append(_row(s, "", "net_benefit", nb[:, j], alpha))
    if control is not None:
        c = draws.index(control)
        for j, s in enumerate(draws.strategies):
            if j == c:
                continue
            pc, pj = draws.patients[:, c], draws.patients[:, j]
            rows.append(_row(s, control, "abs_lift", pj - pc, alpha))
            ok = pc > 0
            rel = _row(s, control, "rel_lift", pj[ok] / pc[ok] - 1.0, alpha)
            if not ok.all():
                rel["note"] = f"{int((~ok).sum())} draws without control patients left out"
            rows.append(rel)
            rows.append(
                _row(
                    s,
                    control,
                    "incremental_cost_usd",
                    draws.cost_usd[:, j] - draws.cost_usd[:, c],
                    alpha,
                )
            )
            if nb is not None:
                rows.append(_row(s, control, "incremental_net_benefit", nb[:, j] - nb[:, c], alpha))
    return pd.DataFrame(rows)


def _row(strategy: str, control: str, metric: str, x: np.ndarray, alpha: float) -> dict[str, Any]:
    n = len(x)
    if n < 2:
        nan = float("nan")
        return dict(strategy=strategy, control=control, metric=metric, mean=nan, mean_se=nan,
                    sd=nan, lower=nan, median=nan, upper=nan, p_positive=nan, p_positive_se=nan,
                    n=n, note="fewer than 2 draws")  # fmt: skip
    lo, med, hi = np.quantile(x, [alpha / 2, 0.5, 1 - alpha / 2])
    pos = x > 0
    sd = float(np.std(x, ddof=1))
    return {
        "strategy": strategy,
        "control": control,
        "metric": metric,
        "mean": float(np.mean(x)),
        "mean_se": sd / np.sqrt(n),
        "sd": sd,
        "lower": float(lo),
        "median": float(med),
        "upper": float(hi),
        "p_positive": float(pos.mean()),
        "p_positive_se": float(np.std(pos, ddof=1) / np.sqrt(n)),
        "n": n,
        "note": "",
    }


def _value_array(value: Any, n: int) -> np.ndarray:
    v = np.asarray(value, dtype=float)
    if v.ndim == 0:
        v = np.full(n, float(v))
    if v.shape != (n,) or not np.all(np.isfinite(v)):
        raise InputError("value", f"a finite number or one per draw ({n}) is needed")
    return v
