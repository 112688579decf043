"""Semi-automatic ABC summaries: the export's statistics projected onto the parameters.

A few dozen summary statistics, most of them noise for any one parameter, make a poor ABC
distance: the noise of the uninformative ones swamps the few that carry the signal, and the
posterior stays as wide as the prior. Fearnhead and Prangle (2012, JRSS B 74, "Constructing
summary statistics for approximate Bayesian computation: semi-automatic ABC") fit a regression
of the parameters on the statistics over a pilot of prior draws and use its fitted values,
an estimate of each parameter's posterior mean, as the summaries: one per parameter.

Here the regression is ridge least squares on the standardised statistics and their squares
(the quadratic terms Fearnhead and Prangle recommend), predicting each parameter's unit-cube
coordinate. Fitting is deterministic: the same pilot gives the same projection.

Example:
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> u = rng.random((400, 1))
    >>> stats = [{"signal": float(x) + 0.05 * rng.normal(), "noise": float(rng.normal())}
    ...          for x in u[:, 0]]
    >>> proj = Projection.fit(stats, u)
    >>> round(proj({"signal": 0.3, "noise": 1.0})["s0"], 1)
    0.3
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

#: Ridge penalty, relative to the number of pilot rows, on standardised features.
RIDGE = 1e-3


@dataclass(frozen=True)
class Projection:
    """Fitted map from a summaries dict to ``s0 .. s{k-1}``, one per parameter."""

    keys: tuple[str, ...]
    center: np.ndarray
    scale: np.ndarray
    coef: np.ndarray  # (features + 1) x parameters, intercept first
    r2: tuple[float, ...]  # in-sample share of each coordinate's variance explained

    @staticmethod
    def features(X: np.ndarray, center: np.ndarray, scale: np.ndarray) -> np.ndarray:
        Z = (X - center) / scale
        return np.hstack([np.ones((len(Z), 1)), Z, Z**2])

    @classmethod
    def fit(cls, stats: Sequence[Mapping[str, float]], u: np.ndarray) -> Projection:
        """Regress the coordinates ``u`` (rows x parameters) on the pilot's statistics."""
        keys = tuple(stats[0])
        X = np.array([[s[k] for k in keys] for s in stats], dtype=float)
        U = np.asarray(u, dtype=float).reshape(len(X), -1)
        center = X.mean(axis=0)
        scale = X.std(axis=0)
        keep = scale > 1e-12 * np.maximum(1.0, np.abs(center))  # a constant says nothing
        keys = tuple(k for k, m in zip(keys, keep, strict=True) if m)
        X, center, scale = X[:, keep], center[keep], scale[keep]
        F = cls.features(X, center, scale)
        penalty = RIDGE * len(F) * np.eye(F.shape[1])
        penalty[0, 0] = 0.0  # the intercept is not shrunk
        coef = np.linalg.solve(F.T @ F + penalty, F.T @ U)
        resid = U - F @ coef
        r2 = 1.0 - resid.var(axis=0) / np.maximum(U.var(axis=0), 1e-300)
        return cls(keys, center, scale, coef, tuple(float(x) for x in r2))

    def array(self, X: np.ndarray) -> np.ndarray:
        """Projected summaries of rows of statistics (in ``keys`` order)."""
        return self.features(np.atleast_2d(X), self.center, self.scale) @ self.coef

    def __call__(self, summaries: Mapping[str, float]) -> dict[str, float]:
        x = np.array([[summaries[k] for k in self.keys]], dtype=float)
        return {f"s{j}": float(v) for j, v in enumerate(self.array(x)[0])}
