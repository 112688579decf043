"""Paired analysis for common-random-numbers experiments: the same leads in every arm.

When every arm replays the same lead stream, the outcome of lead i under the treatment and
under the control are correlated, and the differences between arms are far less noisy than
two independent samples of the same size suggest. Ignoring the pairing gives honest but much
too wide intervals; using it needs the cross-products between arms, kept in
:class:`PairedStats` (sums and the 4x4 sum of products of (cost_t, converted_t, cost_c,
converted_c) per unit), which add across replications like :class:`ArmStats`.

Methods, and why:

- Difference of conversion rates (absolute lift): ``tango`` (default), Tango's (1998, Stat
  Med 17:891) score interval for the difference of paired proportions, which inverts the score
  test using the restricted maximum-likelihood estimate of the discordant cells. Its test at 0
  is McNemar's test. It behaves well when discordant pairs are few, which is the common case
  with common random numbers (most leads do the same under both strategies), and stays
  finite and non-degenerate with no discordant pairs at all, where the Wald and paired-t
  intervals collapse to a single point. ``paired-t`` (t-interval of the per-lead differences)
  and ``wald`` are available for comparison.
- Ratio of conversion rates (relative lift): ``delta-log``, the delta method on the log ratio
  of the two marginal rates with the pairing covariance: Var = (b + c) / ((a + b)(a + c)).
- Cost per conversion change: the methods of :mod:`sim.analysis.cost`, all with the full 4x4
  covariance from the pairs: ``mover-fieller`` (default: Fieller for the ratio; for the
  difference the arms' Fieller intervals combined by MOVER with the pairing correlation),
  ``delta-log`` (log scale for the ratio; for the difference the arms' log-scale intervals
  combined by MOVER with the pairing correlation), ``delta`` or ``fieller``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sps

from sim.analysis.columns import binary_column, cost_column, label_column, require_columns
from sim.analysis.comparison import (
    EXTRA_COLUMNS,
    GUARDRAIL_COLUMNS,
    VOCABULARY,
    Comparison,
    _arms_table,
    _comparison_row,
    _frame,
    _join_notes,
    _pick,
    _sums,
)
from sim.analysis.cost import (
    CPC_SUFFICIENT_METHODS,
    DEFAULT_CPC_METHOD,
    Moments,
    cost_per_conversion_interval,
    two_arm_cpc,
)
from sim.analysis.interval import (
    Interval,
    add_note,
    as_arrays,
    bisect_decreasing,
    check_alpha,
    check_method,
    finish,
    notes_array,
    two_sided_p,
    z_crit,
)
from sim.analysis.multiple import ADJUST_METHODS, adjust_p_values
from sim.analysis.proportions import RATE_METHODS, rate_interval
from sim.analysis.sufficient import ArmStats, arm_codes
from sim.errors import InputError

PAIRED_DIFF_METHODS: tuple[str, ...] = ("tango", "paired-t", "wald")
PAIRED_RATIO_METHODS: tuple[str, ...] = ("delta-log",)
PAIRED_CPC_METHODS: tuple[str, ...] = CPC_SUFFICIENT_METHODS


@dataclass(frozen=True, slots=True)
class PairedStats:
    """Sufficient statistics of one treatment arm paired unit by unit with the control.

    Attributes:
        n: number of pairs (units seen in both arms).
        sums: per-unit sums of (cost_t, converted_t, cost_c, converted_c).
        cross: 4x4 sums of products of those four values (row-major nested tuples).

    Example:
        >>> s = PairedStats.from_arrays([1, 1, 0, 0], [1, 0, 0, 1])
        >>> s.both, s.only_treatment, s.only_control, s.neither
        (1, 1, 1, 1)
    """

    n: int
    sums: tuple[float, float, float, float]
    cross: tuple[tuple[float, ...], ...]

    @classmethod
    def from_arrays(
        cls,
        converted_treatment: Any,
        converted_control: Any,
        cost_treatment: Any = None,
        cost_control: Any = None,
    ) -> PairedStats:
        """From aligned per-unit arrays (element i of each array is the same unit)."""
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
        )

    def __radd__(self, other: Any) -> PairedStats:
        if isinstance(other, int) and other == 0:
            return self
        return NotImplemented

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

    def treatment_stats(self) -> ArmStats:
        """The treatment arm's own sufficient statistics."""
        return ArmStats(
            self.n, round(self.sums[1]), self.sums[0], self.cross[0][0], self.cross[0][1]
        )

    def control_stats(self) -> ArmStats:
        """The control arm's own sufficient statistics."""
        return ArmStats(
            self.n, round(self.sums[3]), self.sums[2], self.cross[2][2], self.cross[2][3]
        )

    def moments(self) -> Moments:
        """Means of the four per-unit values and the covariance of those means (n - 1)."""
        n = float(self.n)
        s = np.array(self.sums)
        cross = np.array(self.cross)
        mean = s / n
        with np.errstate(divide="ignore", invalid="ignore"):
            cov = (cross - n * np.outer(mean, mean)) / (n - 1) / n
        return Moments(mean[None, :], cov[None, :, :], np.array([[n, n]]))


# ----------------------------------------------------------------------------- intervals
def paired_diff_interval(
    both: Any,
    only_treatment: Any,
    only_control: Any,
    n: Any,
    *,
    alpha: float = 0.05,
    method: str = "tango",
) -> Interval:
    """Interval for the difference of paired conversion rates, treatment minus control.

    Args:
        both, only_treatment, only_control: pairs converting in both arms, only under the
            treatment, only under the control.
        n: number of pairs.
        alpha: 1 - confidence level.
        method: ``tango`` (score; default), ``paired-t`` or ``wald``.

    Example:
        >>> r = paired_diff_interval(0, 40, 20, 160)
        >>> round(r.estimate, 4), round(r.lower, 4), round(r.upper, 4)
        (0.125, 0.0309, 0.2181)
    """
    check_alpha(alpha)
    name = check_method("diff_method", method, PAIRED_DIFF_METHODS)
    scalar, (a, b, c, n) = as_arrays(both, only_treatment, only_control, n)
    notes = notes_array(a.shape)
    nan = np.full(a.shape, np.nan)
    est, lower, upper, pval = nan.copy(), nan.copy(), nan.copy(), nan.copy()
    ok = n > 0
    add_note(notes, ~ok, "no pairs")
    if ok.any():
        bo, co, no = b[ok], c[ok], n[ok]
        diff = (bo - co) / no
        est[ok] = diff
        sub = notes_array(bo.shape)
        if name == "tango":
            z = z_crit(alpha)

            def score(d):
                return tango_z(bo, co, no, d)

            lo = bisect_decreasing(lambda d: score(d) - z, np.full_like(diff, -1.0), diff)
            up = bisect_decreasing(
                lambda d: score(d) + z, diff, np.full_like(diff, 1.0), nan_above=False
            )
            lo = np.where(diff <= -1, -1.0, lo)
            up = np.where(diff >= 1, 1.0, up)
            stat = tango_z(bo, co, no, np.zeros_like(diff))
            add_note(sub, (bo + co) == 0, "no discordant pairs: the arms agree on every unit")
            p = two_sided_p(stat)
        else:
            var_d = np.maximum(bo + co - (bo - co) ** 2 / no, 0.0)
            if name == "paired-t":
                with np.errstate(divide="ignore", invalid="ignore"):
                    se = np.sqrt(var_d / (no - 1) / no)
                    crit = sps.t.isf(alpha / 2, no - 1)
                    stat = diff / se
                p = 2 * sps.t.sf(np.abs(stat), no - 1)
            else:
                se = np.sqrt(var_d) / no
                crit = z_crit(alpha)
                with np.errstate(divide="ignore", invalid="ignore"):
                    stat = diff / se
                p = two_sided_p(stat)
            lo, up = np.maximum(diff - crit * se, -1.0), np.minimum(diff + crit * se, 1.0)
            zero = ~(se > 0)
            p = np.where(zero, np.nan, p)
            add_note(sub, zero, f"{name}: zero standard error (no discordant pairs); use tango")
        lower[ok], upper[ok], pval[ok] = lo, up, p
        notes[ok] = [n1 or n2 for n1, n2 in zip(notes[ok], sub, strict=True)]
    return finish(scalar, est, lower, upper, pval, name, notes)


def tango_z(b: np.ndarray, c: np.ndarray, n: np.ndarray, delta: Any) -> np.ndarray:
    """Tango's score statistic for ``p_treatment - p_control = delta`` (paired).

    ``b``/``c`` are the discordant counts (treatment only / control only). The restricted
    estimate of the control-only cell probability solves 2n q^2 + W q - c delta (1 - delta) = 0
    with W = -b - c + (2n - b + c) delta (Tango 1998, eq. 5).

    >>> round(float(tango_z(np.array([40.0]), np.array([20.0]), np.array([160.0]), 0.0)[0]), 4)
    2.582
    """
    delta = np.broadcast_to(np.asarray(delta, dtype=float), np.shape(b))
    w = -b - c + (2 * n - b + c) * delta
    q = (np.sqrt(np.maximum(w * w + 8 * n * c * delta * (1 - delta), 0.0)) - w) / (4 * n)
    var = n * (2 * q + delta * (1 - delta))
    num = b - c - n * delta
    with np.errstate(divide="ignore", invalid="ignore"):
        z = num / np.sqrt(var)
        extreme = np.where(num == 0, 0.0, np.sign(num) * np.inf)
    return np.where(var > 0, z, extreme)


def paired_ratio_interval(
    both: Any, only_treatment: Any, only_control: Any, n: Any, *, alpha: float = 0.05
) -> Interval:
    """Interval for the ratio of paired conversion rates (delta method on the log scale).

    Example:
        >>> r = paired_ratio_interval(10, 40, 20, 160)
        >>> round(r.estimate, 4), round(r.lower, 4), round(r.upper, 4)
        (1.6667, 1.1262, 2.4665)
    """
    check_alpha(alpha)
    scalar, (a, b, c, n) = as_arrays(both, only_treatment, only_control, n)
    notes = notes_array(a.shape)
    xt, xc = a + b, a + c
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = xt / xc
        se = np.sqrt((b + c) / (xt * xc))
        z = z_crit(alpha)
        lower = ratio * np.exp(-z * se)
        upper = ratio * np.exp(z * se)
        pval = two_sided_p(np.log(ratio) / se)
    empty = n <= 0
    none = ~empty & (xt <= 0) & (xc <= 0)
    one_zero = ~empty & ~none & ((xt <= 0) | (xc <= 0))
    add_note(notes, empty, "no pairs")
    add_note(notes, none, "ratio undefined: no conversions in either arm")
    add_note(notes, one_zero, "delta-log undefined with 0 conversions in an arm")
    agree = ~empty & ~none & ~one_zero & ((b + c) == 0)
    add_note(notes, agree, "no discordant pairs: the arms agree on every unit")
    bad = empty | none | one_zero
    lower = np.where(bad, np.nan, lower)
    upper = np.where(bad, np.nan, upper)
    pval = np.where(bad | agree, np.nan, pval)
    ratio = np.where(empty | none, np.nan, ratio)
    return finish(scalar, ratio, lower, upper, pval, "delta-log", notes)


def paired_cost_per_conversion(
    stats: PairedStats,
    *,
    kind: str = "ratio",
    alpha: float = 0.05,
    method: str = DEFAULT_CPC_METHOD,
) -> Interval:
    """Ratio (treatment / control) or difference of costs per conversion, using the pairing.

    The covariance of the four means (cost and conversions in each arm) comes from the
    per-unit cross-products, so the strong positive correlation between arms under common
    random numbers narrows the interval. For the difference, ``mover-fieller`` and
    ``delta-log`` combine the two arms' own intervals by MOVER with the correlation of the two
    estimates (Zou 2008); ``delta`` and ``fieller`` linearise or invert the joint pivot.
    """
    check_alpha(alpha)
    name = check_method("cpc_method", method, PAIRED_CPC_METHODS)
    if kind not in ("ratio", "difference"):
        raise InputError("kind", f"{kind!r} is not allowed: use ratio or difference")
    notes = notes_array((1,))
    reasons = []
    t, c = stats.treatment_stats(), stats.control_stats()
    if stats.n < 2:
        reasons.append("fewer than 2 pairs: no variance")
    elif not (t.has_cost and c.has_cost):
        reasons.append("no cost data")
    elif t.conversions == 0 or c.conversions == 0:
        who = "treatment" if t.conversions == 0 else "control"
        reasons.append(f"{who}: no conversions: cost per conversion undefined")
    elif kind == "ratio" and (c.cost_sum <= 0 or (name == "delta-log" and t.cost_sum <= 0)):
        reasons.append("zero total cost: ratio undefined")
    if reasons:
        add_note(notes, [True], reasons[0])
        nan = np.full(1, np.nan)
        return finish(True, nan, nan, nan, nan, name, notes)
    conv = (np.array([float(t.conversions)]), np.array([float(c.conversions)]))
    r = two_arm_cpc(None, None, *conv, kind, name, stats.moments(), alpha=alpha)
    return finish(True, *r[:4], name, r.note)


# ----------------------------------------------------------------------------- comparison
def paired_compare_arms(
    pairs: Mapping[str, PairedStats],
    control: str,
    *,
    alpha: float = 0.05,
    rate_method: str = "wilson",
    diff_method: str = "tango",
    cpc_method: str = DEFAULT_CPC_METHOD,
    adjust: str = "holm",
) -> Comparison:
    """Compare every arm with the control in a paired (common random numbers) design.

    Args:
        pairs: ``{arm: PairedStats}`` for each non-control arm against the control (pooled
            across replications by ``+``); every arm must pair with the same control units.
        control: name of the control arm.
        alpha: 1 - confidence level.
        rate_method: interval for each arm's own conversion rate.
        diff_method: :data:`PAIRED_DIFF_METHODS` (``tango`` default).
        cpc_method: :data:`PAIRED_CPC_METHODS` (``mover-fieller`` default).
        adjust: multiple-comparison adjustment across arms.

    Returns:
        :class:`~sim.analysis.comparison.Comparison` with the same tables as a split design;
        ``srm`` is ``None`` (every arm has the same units by construction).
    """
    check_alpha(alpha)
    rate_method = check_method("rate_method", rate_method, tuple(RATE_METHODS))
    diff_method = check_method("diff_method", diff_method, PAIRED_DIFF_METHODS)
    cpc_method = check_method("cpc_method", cpc_method, PAIRED_CPC_METHODS)
    adjust = check_method("adjust", adjust, tuple(ADJUST_METHODS))
    if control in pairs:
        raise InputError("pairs", f"the control {control!r} cannot be paired with itself")
    if not pairs:
        raise InputError("pairs", "no arm to compare with the control")
    treat_arms = list(pairs)
    controls = {arm: p.control_stats() for arm, p in pairs.items()}
    ref = controls[treat_arms[0]]
    for arm, cs in controls.items():
        if (cs.n, cs.conversions) != (ref.n, ref.conversions):
            raise InputError(
                f"pairs[{arm!r}]",
                "pairs disagree about the control (different units or outcomes): every arm "
                "must be paired with the same control units",
            )
    arms = [control, *treat_arms]
    per_arm = [ref] + [pairs[a].treatment_stats() for a in treat_arms]
    has_cost = all(s.has_cost for s in per_arm)
    n = np.array([s.n for s in per_arm], dtype=float)
    x = np.array([s.conversions for s in per_arm], dtype=float)
    rates = rate_interval(x, n, alpha=alpha, method=rate_method)
    vec = cost_per_conversion_interval(_sums(per_arm), alpha=alpha, method=cpc_method)
    arm_cpc = [_pick(vec, i) for i in range(len(arms))]
    method = (
        f"abs_lift={diff_method} (paired); rel_lift=delta-log (paired); "
        f"conversion_rate={rate_method}; cost_per_conversion={cpc_method} (paired); "
        f"adjust={adjust}"
    )
    arms_table = _arms_table(arms, per_arm, rates, arm_cpc, method, has_cost)
    rows = []
    for i, arm in enumerate(treat_arms, start=1):
        p = pairs[arm]
        cells = (p.both, p.only_treatment, p.only_control, p.n)
        diff = paired_diff_interval(*cells, alpha=alpha, method=diff_method)
        ratio = paired_ratio_interval(*cells, alpha=alpha)
        cpc_ratio = paired_cost_per_conversion(p, kind="ratio", alpha=alpha, method=cpc_method)
        cpc_diff = paired_cost_per_conversion(p, kind="difference", alpha=alpha, method=cpc_method)
        notes = _join_notes(
            ("abs_lift", diff.note),
            ("rel_lift", ratio.note),
            ("cost_per_conversion", arm_cpc[i].note),
            ("cost_per_conversion change", cpc_ratio.note or cpc_diff.note),
        )
        rows.append(
            _comparison_row(
                arm,
                control,
                per_arm[i],
                _pick(rates, i),
                diff,
                ratio,
                arm_cpc[i],
                cpc_ratio,
                cpc_diff,
                method,
                notes,
            )
        )
    comparisons = _frame(rows, VOCABULARY + EXTRA_COLUMNS)
    comparisons["p_value_adjusted"] = adjust_p_values(comparisons["p_value"], adjust)
    settings = {
        "alpha": alpha,
        "rate_method": rate_method,
        "diff_method": diff_method,
        "ratio_method": "delta-log",
        "cpc_method": cpc_method,
        "adjust": adjust,
        "design": "paired",
    }
    no_guardrails = _frame([], GUARDRAIL_COLUMNS)
    return Comparison(arms_table, comparisons, no_guardrails, None, control, settings)


def paired_compare(
    df: pd.DataFrame,
    *,
    control: str,
    unit_col: str | Sequence[str] = "lead_id",
    arm_col: str = "arm",
    converted_col: str = "converted",
    cost_col: str | None = "cost_total_usd",
    **options: Any,
) -> Comparison:
    """Paired comparison from a per-lead table where every arm has the same units.

    Args:
        df: one row per unit and arm.
        control: name of the control arm.
        unit_col: column(s) identifying a unit across arms, e.g. ``"lead_id"``, or
            ``["replication", "lead_id"]`` for a table pooling several replications.
        arm_col, converted_col, cost_col: as in :func:`~sim.analysis.comparison.compare`.
        **options: passed to :func:`paired_compare_arms`.

    Raises:
        InputError: a unit appears twice in an arm, or the arms do not have the same units.

    Example:
        >>> df = pd.DataFrame({"lead_id": [0, 1, 2, 0, 1, 2], "arm": list("aaabbb"),
        ...                    "converted": [1, 0, 0, 1, 1, 0]})
        >>> r = paired_compare(df, control="a", cost_col=None)
        >>> round(float(r.comparisons.loc[0, "abs_lift"]), 4)
        0.3333
    """
    pairs = paired_stats(
        df,
        control=control,
        unit_col=unit_col,
        arm_col=arm_col,
        converted_col=converted_col,
        cost_col=cost_col,
    )
    return paired_compare_arms(pairs, str(control), **options)


def paired_stats(
    df: pd.DataFrame,
    *,
    control: str,
    unit_col: str | Sequence[str] = "lead_id",
    arm_col: str = "arm",
    converted_col: str = "converted",
    cost_col: str | None = "cost_total_usd",
) -> dict[str, PairedStats]:
    """``{arm: PairedStats}`` of every non-control arm paired unit by unit with the control.

    What to pool across replications (``+``) before :func:`paired_compare_arms`.

    Example:
        >>> df = pd.DataFrame({"lead_id": [0, 1, 0, 1], "arm": list("aabb"),
        ...                    "converted": [1, 0, 1, 1]})
        >>> s = paired_stats(df, control="a", cost_col=None)["b"]
        >>> s.both, s.only_treatment, s.only_control, s.neither
        (1, 1, 0, 0)
    """
    if not isinstance(df, pd.DataFrame):
        raise InputError("df", f"expected a pandas DataFrame, got {type(df).__name__}")
    unit_cols = [unit_col] if isinstance(unit_col, str) else list(unit_col)
    needed = [*unit_cols, arm_col, converted_col] + ([cost_col] if cost_col else [])
    require_columns(df, needed)
    for col in unit_cols:
        label_column(df, col)
    arms = label_column(df, arm_col)
    y = binary_column(df, converted_col).astype(float)
    cost = cost_column(df, cost_col) if cost_col else np.full(len(df), np.nan)
    units = df.groupby(unit_cols, sort=False).ngroup().to_numpy()
    codes, labels = arm_codes(arms)
    control = str(control)
    if control not in labels:
        raise InputError("control", f"{control!r} is not an arm; arms are: {', '.join(labels)}")
    if len(labels) < 2:
        raise InputError("arms", f"only one arm ({control!r}): need at least two to compare")
    aligned = {}
    for k, label in enumerate(labels):
        idx = np.flatnonzero(codes == k)
        order = idx[np.argsort(units[idx], kind="stable")]
        keys = units[order]
        if keys.size > 1 and (np.diff(keys) == 0).any():
            raise InputError(
                f"column {'/'.join(unit_cols)!r}",
                f"arm {label!r} has a unit more than once: each unit appears once per arm "
                "in a paired design (add the replication to unit_col if rows span replications)",
            )
        aligned[label] = (keys, order)
    ctrl_keys, ctrl_order = aligned[control]
    pairs = {}
    for label in labels:
        if label == control:
            continue
        keys, order = aligned[label]
        if keys.size != ctrl_keys.size or not np.array_equal(keys, ctrl_keys):
            only_arm = np.setdiff1d(keys, ctrl_keys).size
            only_ctrl = np.setdiff1d(ctrl_keys, keys).size
            raise InputError(
                f"arm {label!r}",
                f"has {only_arm} units the control lacks and lacks {only_ctrl} of its units: "
                "a paired design needs the same units in every arm",
            )
        pairs[label] = PairedStats.from_arrays(
            y[order], y[ctrl_order], cost[order], cost[ctrl_order]
        )
    return pairs
