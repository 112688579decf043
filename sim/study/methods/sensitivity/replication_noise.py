"""Replication noise in sensitivity analysis of a stochastic model: estimate it, then remove it.

A simulation's output at an input point ``x`` is ``Y = f(x) + e``, where ``e`` is replication
noise (another seed, another outcome) with variance ``s2(x)``. Sensitivity indices are about
``f``, the mean response that decisions depend on. We evaluate every design point ``R`` times on
independent seeds and analyse the mean ``Ybar``; then

    Var(Ybar) = Var(f) + E[s2] / R,

and the **noise share** ``eta = (E[s2] / R) / Var(Ybar)`` is estimated from the within-point
replication variance (an unbiased estimate of ``E[s2]`` needs ``R >= 2``). This design was
chosen over treating the seed as an extra factor (Iooss & Ribatet 2009) because it keeps the
parameters' indices about the mean response, shrinks the nuisance as ``1/R``, reports how large
it still is, and allows an exact correction of Saltelli's estimators: with independent noise in
every evaluation, the first-order numerator ``mean(Y_B (Y_ABi - Y_A))`` is unbiased for ``V_i``
while the total-order numerator ``mean((Y_A - Y_ABi)^2) / 2`` gains ``E[s2] / R``, so

    S1_raw = S1 (1 - eta),    ST_raw = ST (1 - eta) + eta,

which :func:`correct_sobol` inverts (heteroscedastic noise is fine: only ``E[s2]`` enters). For
Morris, noise adds ``2 E[s2] / (R delta^2)`` to the variance of every elementary effect; an input
with no effect at all would still show ``mu* = sqrt(that) * sqrt(2 / pi)`` (normal
approximation of the difference of two replication means), the **noise floor**
(:func:`morris_noise_floor`).

A model evaluated once per point (``R = 1``) gives no noise estimate: its indices mix ``f``
with noise, and the tables say so.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from sim.errors import InputError
from sim.study.methods.seeding import Seed, as_generator


class NoiseShare(NamedTuple):
    """Share of the variance of replication means that is replication noise.

    Attributes:
        share: ``eta`` (``NaN`` with one replication per point).
        se: bootstrap standard error of ``share`` over points.
        noise_variance: ``E[s2]``, the noise variance of a single replication.
        mean_variance: ``Var(Ybar)`` over the points used.
        replications: ``R``.
    """

    share: float
    se: float
    noise_variance: float
    mean_variance: float
    replications: int


def replication_means(outputs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(means, within-point variances)`` of outputs ``(n,)`` or ``(n, R)``.

    Variances are ``NaN`` when ``R = 1``.

    Example:
        >>> m, v = replication_means(np.array([[1.0, 3.0], [2.0, 2.0]]))
        >>> m.tolist(), v.tolist()
        ([2.0, 2.0], [2.0, 0.0])
    """
    y = np.asarray(outputs, dtype=float)
    if y.ndim == 1:
        y = y[:, None]
    if y.ndim != 2 or y.shape[1] < 1:
        raise InputError(
            "outputs", f"shape {y.shape}: expected (points,) or (points, replications)"
        )
    if not np.all(np.isfinite(y)):
        raise InputError("outputs", "all model outputs must be finite")
    var = y.var(axis=1, ddof=1) if y.shape[1] > 1 else np.full(len(y), np.nan)
    return y.mean(axis=1), var


def noise_share(
    outputs: np.ndarray,
    *,
    rows: np.ndarray | None = None,
    n_resamples: int = 200,
    seed: Seed = 0,
) -> NoiseShare:
    """Estimate the noise share ``eta`` of replication means.

    Args:
        outputs: model outputs ``(points, R)``.
        rows: boolean mask or indices of the points whose spread of means is the denominator
            (independent draws from the prior, e.g. Saltelli's A and B rows); default all.
        n_resamples: bootstrap resamples of points for the standard error.
        seed: bootstrap seed.

    Example:
        >>> rng = np.random.default_rng(0)
        >>> f = rng.normal(0, 2, 4000)  # Var f = 4; noise sd 1 with R = 4 adds 0.25
        >>> y = f[:, None] + rng.normal(0, 1, (4000, 4))
        >>> e = noise_share(y)
        >>> bool(abs(e.share - 0.25 / 4.25) < 3 * e.se)
        True
    """
    means, var = replication_means(outputs)
    r = 1 if np.all(np.isnan(var)) else int(np.asarray(outputs).shape[1])
    idx = np.arange(len(means)) if rows is None else np.arange(len(means))[rows]
    mean_var = float(np.var(means[idx], ddof=1))
    if r == 1:
        return NoiseShare(float("nan"), float("nan"), float("nan"), mean_var, 1)
    noise = float(var.mean())
    share = _share(noise, mean_var, r)
    rng = as_generator(seed)
    boot = np.empty(n_resamples)
    for b in range(n_resamples):
        pick_all = rng.integers(0, len(var), len(var))
        pick = rng.integers(0, len(idx), len(idx))
        boot[b] = _share(float(var[pick_all].mean()), float(np.var(means[idx][pick], ddof=1)), r)
    se = float(boot.std(ddof=1)) if n_resamples > 1 else float("nan")
    return NoiseShare(share, se, noise, mean_var, r)


def correct_sobol(s1: np.ndarray, st: np.ndarray, share: float) -> tuple[np.ndarray, np.ndarray]:
    """First- and total-order indices of the mean response from indices of noisy means.

    Example:
        >>> s1, st = correct_sobol(np.array([0.45]), np.array([0.55]), 0.1)
        >>> s1.round(3).tolist(), st.round(3).tolist()
        ([0.5], [0.5])
    """
    if not np.isfinite(share):
        return np.asarray(s1, float), np.asarray(st, float)
    keep = 1.0 - share
    return np.asarray(s1, float) / keep, (np.asarray(st, float) - share) / keep


def morris_noise_floor(noise_variance: float, replications: int, delta: float) -> float:
    """``mu*`` an input without effect would show, from replication noise alone.

    Example:
        >>> round(morris_noise_floor(1.0, 1, 2 / 3), 4)  # sqrt(2) / (2/3) * sqrt(2/pi)
        1.6926
    """
    if not np.isfinite(noise_variance):
        return float("nan")
    sd = np.sqrt(2.0 * noise_variance / replications) / delta
    return float(sd * np.sqrt(2.0 / np.pi))


def _share(noise: float, mean_var: float, r: int) -> float:
    return (noise / r) / mean_var if mean_var > 0 else float("nan")
