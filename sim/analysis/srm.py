"""Sample-ratio mismatch: are the arms' sizes what the allocation promised?

A split test that meant 50/50 but got 52/48 on 100,000 leads has a broken assignment (a
redirect that drops leads, a bot filter that treats arms differently), and its lifts cannot be
trusted. The check is Pearson's chi-square goodness of fit of the observed arm sizes to the
expected allocation weights; a p-value below ``threshold`` (0.001 by default, the convention
in online experimentation, since the check runs on every analysis) flags a mismatch and emits
a :class:`SampleRatioMismatchWarning`.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from typing import Any, NamedTuple

import numpy as np
from scipy import stats

from sim.errors import InputError


class SampleRatioMismatchWarning(UserWarning):
    """The arm sizes are unlikely under the expected allocation."""


class SampleRatioCheck(NamedTuple):
    """Result of :func:`sample_ratio_check`.

    Attributes:
        statistic: Pearson chi-square statistic (``NaN`` when the check cannot run).
        df: degrees of freedom (arms - 1).
        p_value: upper-tail chi-square p-value.
        threshold: p-value below which a mismatch is flagged.
        mismatch: whether the check flagged a mismatch.
        observed: units per arm.
        expected: expected units per arm under the allocation weights.
        note: why the check could not run, if it could not.
    """

    statistic: float
    df: int
    p_value: float
    threshold: float
    mismatch: bool
    observed: dict[str, int]
    expected: dict[str, float]
    note: str

    def to_dict(self) -> dict[str, Any]:
        """Plain dict (NaN as ``None``) for JSON."""
        out = self._asdict()
        for key in ("statistic", "p_value"):
            if isinstance(out[key], float) and not math.isfinite(out[key]):
                out[key] = None
        return out

    def message(self) -> str:
        """One line describing the mismatch, for warnings and reports."""
        obs = ", ".join(f"{a}={n}" for a, n in self.observed.items())
        exp = ", ".join(f"{a}={e:.1f}" for a, e in self.expected.items())
        return (
            f"sample ratio mismatch: arm sizes {obs} differ from the allocation "
            f"(expected {exp}); chi-square {self.statistic:.2f} on {self.df} df, "
            f"p = {self.p_value:.2g} < {self.threshold:g}: check the assignment before "
            "trusting the lifts"
        )


def sample_ratio_check(
    counts: Mapping[str, int],
    weights: Mapping[str, float] | None = None,
    *,
    threshold: float = 0.001,
    warn: bool = True,
) -> SampleRatioCheck:
    """Chi-square check of arm sizes against allocation weights (equal when ``None``).

    Args:
        counts: units per arm.
        weights: allocation weight per arm (any positive scale); every arm needs one.
        threshold: flag a mismatch when the p-value is below this.
        warn: emit :class:`SampleRatioMismatchWarning` on a mismatch.

    Example:
        >>> sample_ratio_check({"a": 5000, "b": 5050}).mismatch
        False
        >>> import warnings
        >>> with warnings.catch_warnings(record=True) as caught:
        ...     warnings.simplefilter("always")
        ...     check = sample_ratio_check({"a": 5000, "b": 5400})
        >>> check.mismatch, caught[0].category.__name__
        (True, 'SampleRatioMismatchWarning')
    """
    arms = list(counts)
    if weights is None:
        weights = {arm: 1.0 for arm in arms}
    wrong = {
        "missing": [arm for arm in arms if arm not in weights],
        "unknown": [arm for arm in weights if arm not in counts],
    }
    if any(wrong.values()):
        listed = "".join(f"; {what} {names}" for what, names in wrong.items() if names)
        raise InputError("expected_weights", f"weights must name exactly the arms {arms}{listed}")
    w = np.array([float(weights[arm]) for arm in arms])
    if not (np.all(np.isfinite(w)) and np.all(w > 0)):
        raise InputError("expected_weights", f"{dict(weights)} is not allowed: weights must be > 0")
    observed = np.array([int(counts[arm]) for arm in arms], dtype=float)
    total = observed.sum()
    expected = total * w / w.sum()
    obs_dict = {arm: int(n) for arm, n in zip(arms, observed, strict=True)}
    exp_dict = {arm: float(e) for arm, e in zip(arms, expected, strict=True)}
    if len(arms) < 2 or total == 0:
        note = "no units" if total == 0 else "one arm: nothing to check"
        return SampleRatioCheck(math.nan, 0, math.nan, threshold, False, obs_dict, exp_dict, note)
    statistic, p_value = stats.chisquare(observed, expected)
    check = SampleRatioCheck(
        float(statistic),
        len(arms) - 1,
        float(p_value),
        threshold,
        bool(p_value < threshold),
        obs_dict,
        exp_dict,
        "",
    )
    if check.mismatch and warn:
        warnings.warn(check.message(), SampleRatioMismatchWarning, stacklevel=2)
    return check
