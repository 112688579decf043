"""Per-arm sufficient statistics: everything the analysis needs, in a few numbers per arm.

An :class:`ArmStats` holds counts and sums (n, conversions, cost sum, sum of squared costs,
sum of cost over converters, guardrail counts). They add up, so chunks of a CSV or
replications of an experiment are pooled with ``+`` (or ``sum``). Grouping is one
``np.bincount`` per column on the arm codes, which handles 10 million rows in well under a
second (see benchmarks/bench_analysis.py).

Cost sums are ``NaN`` when no cost column was given; guardrail counts are ``None`` when the
column is absent. Both propagate through ``+``: a pooled total that misses a part is unknown.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.errors import InputError


@dataclass(frozen=True, slots=True)
class ArmStats:
    """Sufficient statistics of one arm.

    Attributes:
        n: units (leads) in the arm.
        conversions: units that converted (sum of the 0/1 outcome; also its sum of squares).
        cost_sum: total cost in USD (``NaN`` when costs are unknown).
        cost_sq_sum: sum of squared per-unit costs.
        cost_conv_sum: sum of cost over converting units (the cost-outcome cross-product).
        unsubscribes: units that unsubscribed, or ``None`` when not recorded.
        complaints: units that complained (spam reports), or ``None`` when not recorded.

    Example:
        >>> a = ArmStats.from_arrays([1, 0, 0, 1], cost=[10.0, 5.0, 5.0, 20.0])
        >>> b = ArmStats.from_arrays([0, 1], cost=[5.0, 10.0])
        >>> pooled = a + b
        >>> pooled.n, pooled.conversions, pooled.cost_sum, pooled.cost_conv_sum
        (6, 3, 55.0, 40.0)
        >>> round(pooled.cost_per_conversion, 4)
        18.3333
    """

    n: int
    conversions: int
    cost_sum: float = math.nan
    cost_sq_sum: float = math.nan
    cost_conv_sum: float = math.nan
    unsubscribes: int | None = None
    complaints: int | None = None

    def __post_init__(self) -> None:
        if self.n < 0 or not 0 <= self.conversions <= self.n:
            raise InputError(
                "ArmStats",
                f"n={self.n}, conversions={self.conversions} is not allowed: "
                "need 0 <= conversions <= n",
            )

    def __add__(self, other: ArmStats) -> ArmStats:
        if not isinstance(other, ArmStats):
            return NotImplemented
        return ArmStats(
            n=self.n + other.n,
            conversions=self.conversions + other.conversions,
            cost_sum=self.cost_sum + other.cost_sum,
            cost_sq_sum=self.cost_sq_sum + other.cost_sq_sum,
            cost_conv_sum=self.cost_conv_sum + other.cost_conv_sum,
            unsubscribes=_add_optional(self.unsubscribes, other.unsubscribes),
            complaints=_add_optional(self.complaints, other.complaints),
        )

    def __radd__(self, other: Any) -> ArmStats:
        # Lets the builtin sum() start from 0.
        if isinstance(other, int) and other == 0:
            return self
        return NotImplemented

    @property
    def conversion_rate(self) -> float:
        """``conversions / n`` (``NaN`` for an empty arm)."""
        return self.conversions / self.n if self.n else math.nan

    @property
    def has_cost(self) -> bool:
        """Whether cost sums are known."""
        return not math.isnan(self.cost_sum)

    @property
    def cost_per_conversion(self) -> float:
        """Total cost over conversions (``NaN`` without conversions or costs)."""
        return self.cost_sum / self.conversions if self.conversions else math.nan

    def to_dict(self) -> dict[str, Any]:
        """The fields as a plain dict."""
        return asdict(self)

    @classmethod
    def from_arrays(
        cls,
        converted: Any,
        cost: Any = None,
        *,
        unsubscribed: Any = None,
        complained: Any = None,
    ) -> ArmStats:
        """Sufficient statistics of one arm from per-unit arrays (0/1 or bool outcomes)."""
        y = np.asarray(converted)
        codes = np.zeros(y.shape[0], dtype=np.intp)
        stats = _grouped(codes, 1, y, cost, unsubscribed, complained)
        return stats[0]


def group_arm_stats(
    arms: Any,
    converted: Any,
    cost: Any = None,
    *,
    unsubscribed: Any = None,
    complained: Any = None,
) -> dict[str, ArmStats]:
    """Per-arm sufficient statistics from aligned per-unit arrays.

    Args:
        arms: arm label per unit (any hashable; labels become ``str``).
        converted: 0/1 or bool outcome per unit.
        cost: per-unit cost (optional).
        unsubscribed, complained: 0/1 or bool guardrail outcomes (optional).

    Returns:
        ``{arm: ArmStats}`` in order of first appearance (categorical arms: category order,
        unused categories included as empty arms).

    Example:
        >>> s = group_arm_stats(["a", "b", "a"], [1, 0, 0], [3.0, 1.0, 2.0])
        >>> s["a"].n, s["a"].conversions, s["a"].cost_sum, s["b"].n
        (2, 1, 5.0, 1)
    """
    codes, labels = arm_codes(arms)
    stats = _grouped(codes, len(labels), converted, cost, unsubscribed, complained)
    return dict(zip(labels, stats, strict=True))


def arm_codes(arms: Any) -> tuple[np.ndarray, list[str]]:
    """Integer code per unit and the arm labels (as text) the codes index.

    Order is first appearance, or category order for categorical arms.

    >>> codes, labels = arm_codes(["b", "a", "b"])
    >>> codes.tolist(), labels
    ([0, 1, 0], ['b', 'a'])
    """
    if isinstance(getattr(arms, "dtype", None), pd.CategoricalDtype):
        cat = pd.Categorical(arms)
        codes = np.asarray(cat.codes, dtype=np.intp)
        labels = [str(c) for c in cat.categories]
    else:
        values = arms if isinstance(arms, pd.Series | pd.Index) else np.asarray(arms)
        raw_codes, uniques = pd.factorize(values)
        codes = np.asarray(raw_codes, dtype=np.intp)
        labels = [str(u) for u in uniques]
    if (codes < 0).any():
        raise InputError("arm", "missing arm label: every unit needs an arm")
    if len(set(labels)) != len(labels):
        raise InputError("arm", f"arm labels {labels} collide when written as text")
    return codes, labels


def pool(stats: Iterable[Mapping[str, ArmStats]]) -> dict[str, ArmStats]:
    """Add per-arm statistics across chunks or replications (arms missing from a part count 0).

    >>> part = {"a": ArmStats(10, 2), "b": ArmStats(5, 1)}
    >>> pooled = pool([part, {"a": ArmStats(10, 3)}])
    >>> pooled["a"].conversions, pooled["b"].n
    (5, 5)
    """
    out: dict[str, ArmStats] = {}
    for part in stats:
        for arm, value in part.items():
            out[arm] = out[arm] + value if arm in out else value
    return out


def _grouped(codes, k, converted, cost, unsubscribed, complained) -> list[ArmStats]:
    y = _as_weights(converted)
    n = np.bincount(codes, minlength=k)
    conv = np.rint(np.bincount(codes, weights=y, minlength=k)).astype(np.int64)
    if cost is None:
        sums = [np.full(k, np.nan)] * 3
    else:
        c = np.asarray(cost, dtype=np.float64)
        sums = [
            np.bincount(codes, weights=c, minlength=k),
            np.bincount(codes, weights=c * c, minlength=k),
            np.bincount(codes, weights=c * y, minlength=k),
        ]
    guards = []
    for values in (unsubscribed, complained):
        if values is None:
            guards.append([None] * k)
        else:
            counts = np.bincount(codes, weights=_as_weights(values), minlength=k)
            guards.append([int(v) for v in np.rint(counts)])
    return [
        ArmStats(
            n=int(n[i]),
            conversions=int(conv[i]),
            cost_sum=float(sums[0][i]),
            cost_sq_sum=float(sums[1][i]),
            cost_conv_sum=float(sums[2][i]),
            unsubscribes=guards[0][i],
            complaints=guards[1][i],
        )
        for i in range(k)
    ]


def _as_weights(values: Any) -> np.ndarray:
    arr = np.asarray(values)
    if arr.dtype == bool:
        return arr.astype(np.float64)
    return arr.astype(np.float64, copy=False)


def _add_optional(a: int | None, b: int | None) -> int | None:
    return None if a is None or b is None else a + b
