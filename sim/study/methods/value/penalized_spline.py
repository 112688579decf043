"""Penalised regression splines with the smoothing chosen by generalised cross-validation.

The smoother behind the regression EVPPI: ``E[y | x]`` for one input ``x``, with ``y`` one or
more responses (the strategies' incremental net benefits). The basis and roughness penalty come
from statsmodels (``statsmodels.gam.api.BSplines``: cubic B-splines with interior knots at
quantiles of ``x``, penalty = integrated squared second derivative, so straight lines are not
penalised). For that basis the fit is the one ``GLMGam(y, 1, smoother, alpha).fit()`` returns
for a Gaussian response with ``alpha = lam / 2`` (checked in the tests); it is computed here
from the ``p x p`` cross-products instead, because choosing ``lam`` by statsmodels' GCV search
refits the model many times (about half a minute for 10,000 draws) while the cross-products
make every GCV evaluation and every bootstrap refit cost ``O(p^3)`` after one ``O(n p^2)`` pass.

GCV (Craven & Wahba 1979): ``n * RSS(lam) / (n - edf(lam))^2`` with
``edf = trace((X'X + lam P)^-1 X'X)``, minimised over ``log(lam)`` on a grid and refined.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize
from statsmodels.gam.api import BSplines

#: Default basis size (columns besides the intercept is ``df - 1``).
DF = 12
# log10 of lam relative to trace(X'X) / trace(P): searched range and grid.
_LOG_RANGE = (-7.0, 7.0)
_GRID = 57


@dataclass(frozen=True)
class SplineFit:
    """A penalised spline fit of one or more responses on one input.

    Attributes:
        design: ``(n, p)`` design matrix, intercept first.
        penalty: ``(p, p)`` roughness penalty (zero for the intercept).
        lam: smoothing parameter per response, shape ``(m,)``.
        coef: coefficients, shape ``(p, m)``.
        fitted: fitted values ``E[y | x]``, shape ``(n, m)``.
        edf: effective degrees of freedom per response.
    """

    design: np.ndarray
    penalty: np.ndarray
    lam: np.ndarray
    coef: np.ndarray
    fitted: np.ndarray
    edf: np.ndarray


def spline_basis(x: np.ndarray, df: int = DF) -> tuple[np.ndarray, np.ndarray]:
    """Design ``[1, B(x)]`` and penalty for a cubic B-spline in ``x`` (statsmodels' basis).

    Example:
        >>> X, P = spline_basis(np.linspace(0, 1, 50), df=6)
        >>> X.shape, P.shape, bool(np.all(X[:, 0] == 1) and np.all(P[0] == 0))
        ((50, 6), (6, 6), True)
    """
    x = np.asarray(x, dtype=float)
    bs = BSplines(x[:, None], df=[df], degree=[3])
    basis = bs.basis
    design = np.column_stack([np.ones(len(x)), basis])
    penalty = np.zeros((design.shape[1], design.shape[1]))
    penalty[1:, 1:] = bs.penalty_matrices[0]
    return design, penalty


def fit_spline(
    x: np.ndarray, y: np.ndarray, *, df: int = DF, lam: float | None = None
) -> SplineFit:
    """Fit ``E[y | x]`` by a penalised cubic spline, ``lam`` chosen by GCV per response.

    Args:
        x: the input, shape ``(n,)``.
        y: responses, shape ``(n,)`` or ``(n, m)``.
        df: basis size.
        lam: a fixed smoothing parameter for every response instead of GCV.

    Example:
        >>> rng = np.random.default_rng(1)
        >>> x = rng.uniform(-2, 2, 2000)
        >>> f = fit_spline(x, np.sin(x) + rng.normal(0, 0.3, 2000))
        >>> rmse = np.sqrt(np.mean((f.fitted[:, 0] - np.sin(x)) ** 2))  # noise sd 0.3
        >>> bool(rmse < 0.05), bool(3 < f.edf[0] < 12)
        (True, True)
    """
    y2 = np.asarray(y, dtype=float).reshape(len(x), -1)
    design, penalty = spline_basis(x, df)
    xtx, xty = design.T @ design, design.T @ y2
    yty = np.einsum("ij,ij->j", y2, y2)
    n = len(x)
    if lam is None:
        lams = _gcv_lambdas(xtx, xty, yty, penalty, n)
    else:
        lams = np.full(y2.shape[1], float(lam))
    coef = np.empty((design.shape[1], y2.shape[1]))
    edf = np.empty(y2.shape[1])
    for j, lj in enumerate(lams):
        coef[:, j], edf[j] = _solve(xtx, xty[:, j], penalty, lj)
    return SplineFit(design, penalty, lams, coef, design @ coef, edf)


def refit(fit: SplineFit, y: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Fitted values on ``rows`` of the design (a bootstrap resample), at the fit's ``lam``.

    The basis (knots) and smoothing stay those of the full fit; only the coefficients are
    re-estimated from the resampled rows.

    Example:
        >>> rng = np.random.default_rng(2)
        >>> x = rng.uniform(0, 1, 500)
        >>> y = (2 * x)[:, None]
        >>> f = fit_spline(x, y)
        >>> bool(np.allclose(refit(f, y, np.arange(500)), f.fitted))
        True
    """
    y2 = np.asarray(y, dtype=float).reshape(fit.design.shape[0], -1)
    X, Y = fit.design[rows], y2[rows]
    xtx, xty = X.T @ X, X.T @ Y
    out = np.empty((len(rows), Y.shape[1]))
    for j, lj in enumerate(fit.lam):
        beta, _ = _solve(xtx, xty[:, j], fit.penalty, lj)
        out[:, j] = X @ beta
    return out


def _solve(
    xtx: np.ndarray, xty: np.ndarray, penalty: np.ndarray, lam: float
) -> tuple[np.ndarray, float]:
    a = xtx + lam * penalty
    # a tiny ridge keeps the solve defined when a resample leaves a basis column empty
    a[np.diag_indices_from(a)] += 1e-10 * np.trace(xtx) / len(xtx)
    beta = np.linalg.solve(a, xty)
    edf = float(np.trace(np.linalg.solve(a, xtx)))
    return beta, edf


def _gcv(xtx, xty, yty, penalty, n, lam) -> np.ndarray:
    a = xtx + lam * penalty
    a[np.diag_indices_from(a)] += 1e-10 * np.trace(xtx) / len(xtx)
    beta = np.linalg.solve(a, xty)
    rss = yty - 2 * np.einsum("ij,ij->j", beta, xty) + np.einsum("ij,ik,kj->j", beta, xtx, beta)
    edf = np.trace(np.linalg.solve(a, xtx))
    return n * np.maximum(rss, 0.0) / max(n - edf, 1.0) ** 2


def _gcv_lambdas(xtx, xty, yty, penalty, n) -> np.ndarray:
    scale = np.trace(xtx) / max(np.trace(penalty), 1e-300)
    logs = np.linspace(*_LOG_RANGE, _GRID)
    scores = np.array([_gcv(xtx, xty, yty, penalty, n, scale * 10**s) for s in logs])
    out = np.empty(xty.shape[1])
    step = logs[1] - logs[0]
    for j in range(xty.shape[1]):
        best = logs[int(np.argmin(scores[:, j]))]
        res = optimize.minimize_scalar(
            lambda s, j=j: _gcv(xtx, xty[:, [j]], yty[[j]], penalty, n, scale * 10**s)[0],
            bounds=(best - step, best + step),
            method="bounded",
            options={"xatol": 1e-3},
        )
        out[j] = scale * 10 ** float(res.x)
    return out
