"""The two designs of a comparison: how each treatment arm is set against the control.

The comparison pipeline (:func:`sim.analysis.comparison.compare_arms`) is one; the design is a
parameter of its sufficient statistics (:func:`sim.analysis.sufficient.design_of`):

- :class:`Split` (``{arm: ArmStats}``): independent arms. Lifts by the two-proportion
  intervals (Newcombe and Koopman by default), the change in cost per conversion by the
  independent-arms methods (bootstrap when per-unit samples are given), and a sample-ratio
  check of the arm sizes against the allocation.
- :class:`Paired` (``{treatment arm: PairedStats}``): every arm replays the control's units
  (common random numbers). Lifts by the paired intervals of :mod:`sim.analysis.paired`
  (Tango's score interval, the delta method on the log ratio), the cost change with the full
  pairing covariance, and no sample-ratio check (the arms share their units by construction).

Each gives the same things, control first: the arms and their marginal statistics, the lift
of any outcome (conversions or a guardrail) of every treatment arm, each arm's cost per
conversion and every treatment's change in it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from sim.analysis.cost import (
    BOOTSTRAP_METHODS,
    CPC_METHODS,
    Sums,
    cost_per_conversion_difference,
    cost_per_conversion_interval,
    cost_per_conversion_ratio,
)
from sim.analysis.interval import Interval
from sim.analysis.multiple import ADJUST_METHODS
from sim.analysis.paired import (
    PAIRED_CPC_METHODS,
    PAIRED_DIFF_METHODS,
    paired_cost_per_conversion,
    paired_diff_interval,
    paired_ratio_interval,
)
from sim.analysis.proportions import RATE_METHODS
from sim.analysis.srm import SampleRatioCheck, sample_ratio_check
from sim.analysis.sufficient import ArmStats, Outcome, PairedStats
from sim.analysis.two_proportions import DIFF_METHODS, RATIO_METHODS, diff_interval, ratio_interval
from sim.analysis.validation import check_alpha, check_method
from sim.errors import InputError


@dataclass(frozen=True)
class Methods:
    """The level and the method names of one comparison, checked against its design."""

    alpha: float
    rate: str
    diff: str
    ratio: str
    cpc: str
    adjust: str

    def settings(self, design: str) -> dict[str, Any]:
        """The ``settings`` of a :class:`~sim.analysis.comparison.Comparison`."""
        return {
            "alpha": self.alpha,
            "rate_method": self.rate,
            "diff_method": self.diff,
            "ratio_method": self.ratio,
            "cpc_method": self.cpc,
            "adjust": self.adjust,
            "design": design,
        }


class Design:
    """What both designs share: arms in order (control first) and their marginal statistics."""

    name: ClassVar[str]
    #: Appended to a method's name in the ``method`` column, e.g. ``" (paired)"``.
    tag: ClassVar[str] = ""
    diff_methods: ClassVar[tuple[str, ...]]
    ratio_methods: ClassVar[tuple[str, ...]]
    cpc_methods: ClassVar[tuple[str, ...]]
    arms: list[str]
    per_arm: list[ArmStats]

    @classmethod
    def methods(cls, alpha: float, *names: str | None) -> Methods:
        """Check the level and the rate, diff, ratio, cpc and adjust methods, in that order;
        a diff or ratio method of ``None`` is the design's default (the first it allows)."""
        check_alpha(alpha)
        rate, diff, ratio, cpc, adjust = names
        return Methods(
            alpha,
            check_method("rate_method", rate, RATE_METHODS),
            check_method("diff_method", diff or cls.diff_methods[0], cls.diff_methods),
            check_method("ratio_method", ratio or cls.ratio_methods[0], cls.ratio_methods),
            check_method("cpc_method", cpc, cls.cpc_methods),
            check_method("adjust", adjust, ADJUST_METHODS),
        )

    def events(self, outcome: Outcome) -> np.ndarray | None:
        """Units with the outcome per arm (``None`` when an arm did not record it)."""
        values = [getattr(s, outcome) for s in self.per_arm]
        return None if any(v is None for v in values) else np.array(values, dtype=float)

    def sizes(self) -> np.ndarray:
        """Units per arm."""
        return np.array([s.n for s in self.per_arm], dtype=float)

    def method_label(self, m: Methods, *, costs: bool = True) -> str:
        """The ``method`` column: every method used, tagged with the design."""
        t = self.tag
        label = f"abs_lift={m.diff}{t}; rel_lift={m.ratio}{t}; "
        if costs:
            label += f"conversion_rate={m.rate}; cost_per_conversion={m.cpc}{t}; "
        return label + f"adjust={m.adjust}"

    def arm_cpc(self, m: Methods, method: str | None = None) -> list[Interval]:
        """Each arm's cost per conversion from its sums (one vectorised call)."""
        s = self.per_arm
        sums = Sums(*(np.array([getattr(a, f) for a in s], dtype=float) for f in Sums._fields))
        vec = cost_per_conversion_interval(sums, alpha=m.alpha, method=method or m.cpc)
        return [vec.at(i) for i in range(len(s))]


class Split(Design):
    """Independent arms: ``{arm: ArmStats}``, one of them the control."""

    name = "split"
    diff_methods = DIFF_METHODS
    ratio_methods = RATIO_METHODS
    cpc_methods = CPC_METHODS

    def __init__(
        self,
        stats: Mapping[str, ArmStats],
        control: str,
        m: Methods,
        *,
        samples: Mapping[str, tuple[Any, Any]] | None = None,
        n_resamples: int = 2000,
        seed: Any = 0,
    ) -> None:
        self.arms = ordered_arms(list(stats), control)
        self.per_arm = [stats[a] for a in self.arms]
        self.m = m
        self.bootstrap = m.cpc in BOOTSTRAP_METHODS
        self.has_cost = all(s.has_cost for s in self.per_arm)
        given = samples is not None and all(a in samples for a in self.arms)
        if self.bootstrap and self.has_cost and not given:
            raise InputError(
                "cpc_method",
                f"{m.cpc} needs per-unit data for every arm (samples=...); with sufficient "
                "statistics only, use delta-log, delta or fieller",
            )
        self.samples = samples if (self.bootstrap and self.has_cost) else None
        self.n_resamples = n_resamples
        k = 3 * len(self.arms)
        self.streams = _streams(seed, k) if self.bootstrap else [None] * k

    def lifts(self, outcome: Outcome) -> tuple[list[Interval], list[Interval]] | None:
        """Absolute and relative (ratio) lift of every treatment arm, for one outcome."""
        x = self.events(outcome)
        if x is None:
            return None
        n, m = self.sizes(), self.m
        diff = diff_interval(x[1:], n[1:], x[0], n[0], alpha=m.alpha, method=m.diff)
        ratio = ratio_interval(x[1:], n[1:], x[0], n[0], alpha=m.alpha, method=m.ratio)
        treated = range(len(self.arms) - 1)
        return [diff.at(j) for j in treated], [ratio.at(j) for j in treated]

    def costs(self) -> tuple[list[Interval], list[Interval], list[Interval]]:
        """Each arm's cost per conversion; each treatment's ratio and difference to control."""
        m, k, per_arm = self.m, len(self.arms), self.per_arm
        resampling = {"alpha": m.alpha, "n_resamples": self.n_resamples}
        if self.samples is not None:
            arm_cpc = [
                cost_per_conversion_interval(
                    s, method=m.cpc, sample=self.samples[a], seed=self.streams[i], **resampling
                )
                for i, (a, s) in enumerate(zip(self.arms, per_arm, strict=True))
            ]
        else:
            arm_cpc = self.arm_cpc(m, "delta-log" if self.bootstrap else m.cpc)
        # Without costs every method gives NaN with the same note.
        method = m.cpc if self.has_cost else "delta-log"
        ratios, diffs = [], []
        for j, (arm, s) in enumerate(zip(self.arms[1:], per_arm[1:], strict=True)):
            pair = None if self.samples is None else (self.samples[arm], self.samples[self.arms[0]])
            kw = {"method": method, "samples": pair, **resampling}
            ratios.append(cost_per_conversion_ratio(s, per_arm[0], seed=self.streams[k + j], **kw))
            diffs.append(
                cost_per_conversion_difference(s, per_arm[0], seed=self.streams[2 * k + j], **kw)
            )
        return arm_cpc, ratios, diffs

    def srm(self, weights: Mapping[str, float] | None, threshold: float) -> SampleRatioCheck:
        """The arm sizes against the allocation weights (equal when ``None``)."""
        counts = {a: s.n for a, s in zip(self.arms, self.per_arm, strict=True)}
        expected = None if weights is None else {str(k): float(v) for k, v in weights.items()}
        return sample_ratio_check(counts, expected, threshold=threshold)


class Paired(Design):
    """Every treatment arm paired unit by unit with the control: ``{arm: PairedStats}``."""

    name = "paired"
    tag = " (paired)"
    diff_methods = PAIRED_DIFF_METHODS
    ratio_methods = ("delta-log",)
    cpc_methods = PAIRED_CPC_METHODS

    def __init__(self, pairs: Mapping[str, PairedStats], control: str, m: Methods) -> None:
        if control in pairs:
            raise InputError("pairs", f"the control {control!r} cannot be paired with itself")
        if not pairs:
            raise InputError("pairs", "no arm to compare with the control")
        controls = {arm: p.control_stats() for arm, p in pairs.items()}
        ref = next(iter(controls.values()))
        for arm, cs in controls.items():
            if (cs.n, cs.conversions) != (ref.n, ref.conversions):
                raise InputError(
                    f"pairs[{arm!r}]",
                    "pairs disagree about the control (different units or outcomes): every arm "
                    "must be paired with the same control units",
                )
        self.pairs = list(pairs.values())
        self.arms = [control, *pairs]
        self.per_arm = [ref] + [p.treatment_stats() for p in self.pairs]
        self.m = m

    def lifts(self, outcome: Outcome) -> tuple[list[Interval], list[Interval]] | None:
        """Absolute and relative lift of every treatment arm from its paired cells."""
        cells = [p.cells(outcome) for p in self.pairs]
        if any(c is None for c in cells):
            return None
        m = self.m
        diff = [paired_diff_interval(*c, alpha=m.alpha, method=m.diff) for c in cells]
        return diff, [paired_ratio_interval(*c, alpha=m.alpha) for c in cells]

    def costs(self) -> tuple[list[Interval], list[Interval], list[Interval]]:
        """Each arm's cost per conversion; each treatment's ratio and difference, paired."""
        m = self.m
        ratios, diffs = (
            [
                paired_cost_per_conversion(p, kind=kind, alpha=m.alpha, method=m.cpc)
                for p in self.pairs
            ]
            for kind in ("ratio", "difference")
        )
        return self.arm_cpc(m), ratios, diffs

    def srm(self, weights: Mapping[str, float] | None, threshold: float) -> None:
        """No sample-ratio check: every arm has the control's units by construction."""
        if weights is not None:
            raise InputError(
                "expected_weights",
                "a paired design has no allocation to check: every arm has the same units",
            )
        return None


def ordered_arms(arms: list[str], control: str) -> list[str]:
    """The control first, then the other arms in their order; at least two arms."""
    if control not in arms:
        listed = ", ".join(map(str, arms)) or "(none)"
        raise InputError("control", f"{control!r} is not an arm; arms are: {listed}")
    if len(arms) < 2:
        raise InputError("arms", f"only one arm ({control!r}): need at least two to compare")
    return [control] + [a for a in arms if a != control]


def _streams(seed: Any, k: int) -> list[np.random.Generator]:
    if isinstance(seed, np.random.Generator):
        return list(seed.spawn(k))
    seq = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    return [np.random.default_rng(s) for s in seq.spawn(k)]
