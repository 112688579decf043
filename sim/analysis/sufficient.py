"""Sufficient statistics: everything the analysis needs, in a few numbers per arm or pair.

Their type is the experiment's design, the one parameter of the comparison pipeline
(:func:`sim.analysis.comparison.compare_arms`):

- **split** (arms are independent samples): ``{arm: ArmStats}``. An :class:`ArmStats` holds
  counts and sums (n, conversions, cost sum, sum of squared costs, sum of cost over
  converters, guardrail counts).
- **paired** (every arm replays the same units, common random numbers):
  ``{treatment arm: PairedStats}``, each treatment paired unit by unit with the control, with
  the cross-products between the arms that the paired intervals need.

Both add up, so chunks of a CSV or replications of an experiment are pooled with ``+`` (or
``sum``). Grouping is one ``np.bincount`` per column on the arm codes, which handles 10
million rows in well under a second (see benchmarks/bench_analysis.py).

Cost sums are ``NaN`` when no cost column was given; guardrail counts are ``None`` when the
column is absent. Both propagate through ``+``: a pooled total that misses a part is unknown.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np

from sim.analysis.columns import arm_codes
from sim.analysis.cost import Moments
from sim.errors import InputError

__all__ = ["ArmStats", "PairedStats", "arm_codes", "design_of", "group_arm_stats", "pool"]


class _Summable:
    """Lets the builtin ``sum()`` start from 0."""

    __slots__ = ()

    def __radd__(self, other: Any) -> Any:
        if isinstance(other, int) and other == 0:
            return self
        return NotImplemented


@dataclass(frozen=True, slots=True)
class ArmStats(_Summable):
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


#: Per-unit outcomes a paired comparison counts: the conversion and each guardrail.
Outcome = Literal["conversions", "unsubscribes", "complaints"]


@dataclass(frozen=True, slots=True)
class PairedStats(_Summable):
    """Sufficient statistics of one treatment arm paired unit by unit with the control.

    Attributes:
        n: number of pairs (units seen in both arms).
        sums: per-unit sums of (cost_t, converted_t, cost_c, converted_c).
        cross: 4x4 sums of products of those four values (row-major nested tuples).
        unsubscribes: ``(treatment, control, both)`` counts of units that unsubscribed, or
            ``None`` when not recorded.
        complaints: the same for spam complaints.

    Example:
        >>> s = PairedStats.from_arrays([1, 1, 0, 0], [1, 0, 0, 1])
        >>> s.both, s.only_treatment, s.only_control, s.neither
        (1, 1, 1, 1)
        >>> g = PairedStats.from_arrays([1, 0], [0, 0], unsubscribed=([1, 1], [0, 1]))
        >>> g.cells("unsubscribes"), g.treatment_stats().unsubscribes
        ((1, 1, 0, 2), 2)
    """

    n: int
    sums: tuple[float, float, float, float]
    cross: tuple[tuple[float, ...], ...]
    unsubscribes: tuple[int, int, int] | None = None
    complaints: tuple[int, int, int] | None = None

    @classmethod
    def from_arrays(
        cls,
        converted_treatment: Any,
        converted_control: Any,
        cost_treatment: Any = None,
        cost_control: Any = None,
        *,
        unsubscribed: tuple[Any, Any] | None = None,
        complained: tuple[Any, Any] | None = None,
    ) -> PairedStats:
        """From aligned per-unit arrays (element i of each array is the same unit);
        ``unsubscribed`` and ``complained`` are ``(treatment, control)`` 0/1 arrays."""
        yt = np.asarray(converted_treatment, dtype=float)
        yc = np.asarray(converted_control, dtype=float)
        if yt.shape != yc.shape:
            raise InputError("paired arrays", f"{yt.size} and {yc.size} units do not pair up")
        nan = np.full(yt.shape, np.nan)
        ct = nan if cost_treatment is None else np.asarray(cost_treatment, dtype=float)
        cc = nan if cost_control is None else np.asarray(cost_control, dtype=float)
        u = np.stack([ct, yt, cc, yc], axis=1)
        # NaN costs must not leak into the conversion cross-products: multiply column-wise.
        cross = np.array([[float(np.dot(u[:, i], u[:, j])) for j in range(4)] for i in range(4)])
        return cls(
            n=int(yt.size),
            sums=tuple(float(v) for v in u.sum(axis=0)),
            cross=tuple(tuple(row) for row in cross.tolist()),
            unsubscribes=_paired_counts(unsubscribed, yt.shape),
            complaints=_paired_counts(complained, yt.shape),
        )

    def __add__(self, other: PairedStats) -> PairedStats:
        if not isinstance(other, PairedStats):
            return NotImplemented
        return PairedStats(
            self.n + other.n,
            tuple(a + b for a, b in zip(self.sums, other.sums, strict=True)),
            tuple(
                tuple(a + b for a, b in zip(r1, r2, strict=True))
                for r1, r2 in zip(self.cross, other.cross, strict=True)
            ),
            _add_optional(self.unsubscribes, other.unsubscribes),
            _add_optional(self.complaints, other.complaints),
        )

    @property
    def both(self) -> int:
        """Pairs converting in both arms."""
        return round(self.cross[1][3])

    @property
    def only_treatment(self) -> int:
        """Pairs converting under the treatment only."""
        return round(self.sums[1]) - self.both

    @property
    def only_control(self) -> int:
        """Pairs converting under the control only."""
        return round(self.sums[3]) - self.both

    @property
    def neither(self) -> int:
        """Pairs converting in neither arm."""
        return self.n - self.both - self.only_treatment - self.only_control

    def cells(self, outcome: Outcome = "conversions") -> tuple[int, int, int, int] | None:
        """``(both, only_treatment, only_control, n)`` pairs for an outcome (``None``: not
        recorded), the arguments of the paired interval functions."""
        if outcome == "conversions":
            return self.both, self.only_treatment, self.only_control, self.n
        counts = getattr(self, outcome)
        if counts is None:
            return None
        t, c, both = counts
        return both, t - both, c - both, self.n

    def treatment_stats(self) -> ArmStats:
        """The treatment arm's own sufficient statistics."""
        return self._arm(0)

    def control_stats(self) -> ArmStats:
        """The control arm's own sufficient statistics."""
        return self._arm(1)

    def _arm(self, k: int) -> ArmStats:
        cost, conv = 2 * k, 2 * k + 1
        guards = [None if g is None else g[k] for g in (self.unsubscribes, self.complaints)]
        return ArmStats(
            self.n,
            round(self.sums[conv]),
            self.sums[cost],
            self.cross[cost][cost],
            self.cross[cost][conv],
            *guards,
        )

    def moments(self) -> Moments:
        """Means of the four per-unit values and the covariance of those means (n - 1)."""
        n = float(self.n)
        mean = np.array(self.sums) / n
        with np.errstate(divide="ignore", invalid="ignore"):
            cov = (np.array(self.cross) - n * np.outer(mean, mean)) / (n - 1) / n
        return Moments(mean[None, :], cov[None, :, :], np.array([[n, n]]))

    def to_dict(self) -> dict[str, Any]:
        """The fields as plain numbers and lists (JSON), read back by :meth:`from_dict`."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PairedStats:
        """The inverse of :meth:`to_dict` (guardrail counts optional)."""
        guards = [data.get(k) for k in ("unsubscribes", "complaints")]
        cross = tuple(tuple(r) for r in data["cross"])
        return cls(data["n"], tuple(data["sums"]), cross, *(g and tuple(g) for g in guards))


def design_of(stats: Mapping[str, Any]) -> Literal["split", "paired"]:
    """``"paired"`` for ``{arm: PairedStats}``, ``"split"`` for ``{arm: ArmStats}``.

    >>> design_of({"a": ArmStats(3, 1)}), design_of({"b": PairedStats.from_arrays([1], [0])})
    ('split', 'paired')
    """
    kinds = {type(v) for v in stats.values()}
    if kinds == {PairedStats}:
        return "paired"
    for arm, value in stats.items():
        if not isinstance(value, ArmStats):
            allowed = "ArmStats (split) or PairedStats (paired), the same for every arm"
            raise InputError(f"stats[{arm!r}]", f"got {type(value).__name__}: use {allowed}")
    return "split"


def _paired_counts(pair: tuple[Any, Any] | None, shape: tuple[int, ...]):
    if pair is None:
        return None
    t, c = (np.asarray(v, dtype=bool) for v in pair)
    if t.shape != shape or c.shape != shape:
        raise InputError("paired arrays", "guardrail arrays do not pair up with the outcomes")
    return int(t.sum()), int(c.sum()), int((t & c).sum())


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


def _add_optional(a: Any, b: Any) -> Any:
    """Counts (or tuples of counts) added; ``None`` when either part is unknown."""
    if a is None or b is None:
        return None
    if isinstance(a, tuple):
        return tuple(x + y for x, y in zip(a, b, strict=True))
    return a + b
