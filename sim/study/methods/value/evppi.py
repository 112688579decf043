"""Expected value of partial perfect information (EVPPI) by regression (Strong et al. 2014).

The EVPPI of an input ``x`` is what learning ``x`` alone is worth before choosing:

    EVPPI(x) = E_x[max_j E(NB_j | x)] - max_j E[NB_j].

Strong, Oakley & Brennan (2014, Med Decis Making 34:311) estimate the inner conditional
expectations from the PSA draws themselves: regress each strategy's incremental net benefit
(against the strategy best on average) on ``x`` with a flexible smoother; the fitted values
are ``E(INB_j | x_i)`` and

    EVPPI_hat = mean_i max(0, max_j g_j(x_i)) - max(0, max_j mean_i g_j(x_i)).

No extra model runs are needed. The smoother is a penalised cubic regression spline with GCV
smoothing (:mod:`.penalized_spline`, statsmodels' B-spline basis), in the spirit of
the paper's GAM; an input with few distinct values (an integer or categorical prior, a fixed
value) uses the exact conditional means per value instead. Replication noise in the net
benefits, being unrelated to ``x``, is averaged out by the regression.

Two small biases remain, both of the order of the Monte Carlo error and largest when the
strategies tie on expectation: noise left in the fitted values pushes the first term up (so an
input that enters nothing gets a small positive EVPPI), and the max over noisy means pushes the
second term up (so a relevant input's EVPPI comes out low). Measured over 100 seeds of the
validation toy at an exact tie (8,192 draws): +0.8 SE for an irrelevant input, -0.8 SE for the
relevant ones; away from a tie both vanish.

Monte Carlo standard error: a nonparametric bootstrap over draws (rows resampled, the spline
refitted with the basis and smoothing of the full fit), which covers both the regression's
estimation error and the sampling of ``x``. The nested Monte Carlo estimator in
:mod:`.nested_evppi` checks this one on models that can be rerun.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from sim.errors import InputError
from sim.study.methods.seeding import Seed, as_generator
from sim.study.methods.value.evpi import as_net_benefit, evpi
from sim.study.methods.value.penalized_spline import DF, fit_spline, refit
from sim.study.methods.value.psa import PSADraws

#: Default number of bootstrap resamples for the standard error.
N_BOOTSTRAP = 200


def evppi(
    net_benefit: Any,
    parameters: pd.DataFrame | Mapping[str, Any],
    *,
    names: Sequence[str] | None = None,
    n_bootstrap: int = N_BOOTSTRAP,
    seed: Seed = 0,
    df: int = DF,
) -> pd.DataFrame:
    """Per-input EVPPI with bootstrap standard errors, next to the EVPI.

    Args:
        net_benefit: NB per draw and strategy, shape ``(n, k)``.
        parameters: the sampled inputs, one column per input, one row per draw.
        names: inputs to evaluate (default: every column).
        n_bootstrap: bootstrap resamples for ``evppi_se`` (0 skips the error).
        seed: seed of the bootstrap.
        df: spline basis size.

    Returns:
        One row per input: ``parameter, evppi, evppi_se, evpi, evpi_se, share, method, edf,
        note``, where ``share = evppi / evpi``.

    Example:
        >>> rng = np.random.default_rng(0)
        >>> x1, x2 = rng.normal(0, 1, 4000), rng.normal(0, 1, 4000)
        >>> nb = np.c_[np.zeros(4000), x1 + 0.1 * x2]
        >>> t = evppi(nb, {"x1": x1, "x2": x2}, n_bootstrap=50)
        >>> t.parameter.tolist(), bool(t.evppi[0] > 10 * t.evppi[1])
        (['x1', 'x2'], True)
    """
    nb = as_net_benefit(net_benefit)
    table = pd.DataFrame(parameters).reset_index(drop=True)
    if len(table) != len(nb):
        raise InputError("parameters", f"{len(table)} rows: expected one per draw ({len(nb)})")
    cols = list(table.columns) if names is None else list(names)
    for c in cols:
        if c not in table.columns:
            raise InputError(f"parameters: {c}", f"unknown; the inputs are {list(table.columns)}")
    if n_bootstrap < 0:
        raise InputError("n_bootstrap", f"{n_bootstrap}: must be >= 0")
    total = evpi(nb)
    rng = as_generator(seed)
    # one resample plan for all inputs, so their errors are comparable and cheap to reproduce
    plan = rng.integers(0, len(nb), size=(n_bootstrap, len(nb)))
    rows = []
    for c in cols:
        x = table[c].to_numpy(dtype=float)
        if not np.all(np.isfinite(x)):
            raise InputError(f"parameters: {c}", "all values must be finite")
        est, se, method, edf = _one(nb, x, plan, df)
        rows.append(
            {
                "parameter": str(c),
                "evppi": est,
                "evppi_se": se,
                "evpi": total.estimate,
                "evpi_se": total.se,
                "share": est / total.estimate if total.estimate > 0 else float("nan"),
                "method": method,
                "edf": edf,
                "note": "" if total.estimate > 0 else "EVPI is 0: no decision uncertainty",
            }
        )
    return pd.DataFrame(rows)


def evppi_from_draws(
    draws: PSADraws, value: Any = None, *, names: Sequence[str] | None = None, **kwargs: Any
) -> pd.DataFrame:
    """:func:`evppi` on PSA draws that carry their sampled ``parameters``.

    Example:
        >>> rng = np.random.default_rng(1)
        >>> p = pd.DataFrame({"lift": rng.normal(1, 1, 2000), "noise": rng.normal(0, 1, 2000)})
        >>> d = PSADraws(("no", "yes"), np.c_[np.full(2000, 10.0), 10 + p.lift],
        ...              np.full((2000, 2), 50.0), parameters=p)
        >>> t = evppi_from_draws(d, 100.0, n_bootstrap=20)
        >>> bool(t.share[0] > 0.95), bool(t.share[1] < 0.05)
        (True, True)
    """
    if draws.parameters is None:
        raise InputError("draws", "carry no sampled parameters; EVPPI needs them")
    return evppi(draws.net_benefit(value), draws.parameters, names=names, **kwargs)


def conditional_value(fitted: np.ndarray) -> float:
    """``mean_i max(0, max_j g_ij) - max(0, max_j mean_i g_ij)`` for fitted INB ``g``.

    Example:
        >>> conditional_value(np.array([[1.0], [-1.0]]))
        0.5
    """
    g = np.column_stack([np.zeros(len(fitted)), fitted])
    return float(g.max(axis=1).mean() - g.mean(axis=0).max())


def _one(
    nb: np.ndarray, x: np.ndarray, plan: np.ndarray, df: int
) -> tuple[float, float, str, float]:
    ref = int(np.argmax(nb.mean(axis=0)))
    inb = np.delete(nb, ref, axis=1) - nb[:, [ref]]
    levels, codes = np.unique(x, return_inverse=True)
    if len(levels) == 1:
        return 0.0, 0.0, "constant", 0.0
    if len(levels) <= 2 * df:
        fitted = _group_means(codes, inb, len(levels))
        boot = [conditional_value(_group_means(codes[r], inb[r], len(levels))) for r in plan]
        method, edf = "conditional-means", float(len(levels))
    else:
        fit = fit_spline(x, inb, df=df)
        fitted = fit.fitted
        boot = [conditional_value(refit(fit, inb, r)) for r in plan]
        method, edf = "spline-gcv", float(np.mean(fit.edf))
    se = float(np.std(boot, ddof=1)) if len(boot) > 1 else float("nan")
    return conditional_value(fitted), se, method, edf


def _group_means(codes: np.ndarray, y: np.ndarray, n_levels: int) -> np.ndarray:
    counts = np.bincount(codes, minlength=n_levels).astype(float)
    sums = np.stack(
        [np.bincount(codes, weights=y[:, j], minlength=n_levels) for j in range(y.shape[1])], 1
    )
    means = np.divide(sums, counts[:, None], out=np.zeros_like(sums), where=counts[:, None] > 0)
    return means[codes]
