"""Multiple-comparison adjustment of the p-values of several arms versus one control.

Thin wrapper over :func:`statsmodels.stats.multitest.multipletests` that leaves ``NaN``
p-values (degenerate comparisons) out of the family instead of poisoning it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from statsmodels.stats.multitest import multipletests

from sim.analysis.validation import check_method

#: Adjustment names (``bh`` and ``benjamini-hochberg`` are the same false discovery rate).
ADJUST_METHODS: tuple[str, ...] = ("holm", "bh", "benjamini-hochberg", "bonferroni", "none")
#: The statsmodels ``multipletests`` method of each adjustment (``None``: no adjustment).
_STATSMODELS: dict[str, str | None] = dict(
    zip(ADJUST_METHODS, ("holm", "fdr_bh", "fdr_bh", "bonferroni", None), strict=True)
)


def adjust_p_values(p_values: Any, method: str = "holm") -> np.ndarray:
    """Adjusted p-values (Holm by default, ``bh`` for Benjamini-Hochberg false discovery rate).

    Args:
        p_values: raw p-values; ``NaN`` entries stay ``NaN`` and do not count in the family.
        method: one of :data:`ADJUST_METHODS`.

    Example:
        >>> adjust_p_values([0.01, 0.04, float("nan")]).round(3).tolist()
        [0.02, 0.04, nan]
        >>> adjust_p_values([0.01, 0.04, 0.03], "bh").round(3).tolist()
        [0.03, 0.04, 0.04]
    """
    name = check_method("adjust", method, ADJUST_METHODS)
    p = np.asarray(p_values, dtype=float).copy()
    finite = np.isfinite(p)
    sm_method = _STATSMODELS[name]
    if sm_method is None or not finite.any():
        return p
    try:
        p[finite] = multipletests(p[finite], method=sm_method)[1]
    except (ValueError, ArithmeticError):  # pragma: no cover - defensive for batch runs
        p[finite] = np.nan
    return p
