"""A two-arm test planned in a practice's terms: leads, months of its volume, and power by month.

Built on :mod:`sim.analysis.power` (same conventions: ``baseline`` is the control's rate).

Example:
    >>> plan = plan_test(0.20, lift=0.25, leads_per_month=400)
    >>> plan.n_per_arm_cc > plan.n_per_arm, plan.total_leads, round(plan.months, 2)
    (True, 2188, 5.47)
"""

from __future__ import annotations

import math
from typing import NamedTuple

from sim.analysis.power import (
    _check_open_unit,
    _check_pair,
    _check_positive,
    power_two_proportions,
    sample_size_two_proportions,
)
from sim.errors import InputError


class Plan(NamedTuple):
    """How many leads, and how many months of them, a two-arm test needs.

    ``n_per_arm`` is the control arm in R's ``power.prop.test`` convention (fractional);
    the treatment arm has ``n_treatment = ratio * n_per_arm``. ``total_leads`` rounds each arm
    up; ``months`` divides it by the practice's lead volume (``None`` without one). The ``_cc``
    fields are the same for the continuity-corrected test.
    """

    baseline: float
    treatment: float
    lift: float  # relative: treatment / baseline - 1
    abs_lift: float  # treatment - baseline
    alpha: float
    power: float
    ratio: float
    leads_per_month: float | None
    n_per_arm: float
    n_per_arm_cc: float
    n_treatment: float
    n_treatment_cc: float
    total_leads: int
    total_leads_cc: int
    months: float | None
    months_cc: float | None


def _resolve_treatment(baseline: float, lift: float | None, treatment: float | None) -> float:
    if (lift is None) == (treatment is None):
        raise InputError("lift", "give exactly one of lift (relative) or treatment (a rate)")
    if treatment is not None:
        return _check_open_unit("treatment", treatment)
    lift = float(lift)  # type: ignore[arg-type]
    if not (math.isfinite(lift) and lift > -1.0 and lift != 0.0):
        raise InputError("lift", f"{lift!r} is not allowed: must be > -1 and not 0")
    treatment = baseline * (1.0 + lift)
    if not treatment < 1.0:
        raise InputError(
            "lift",
            f"{lift!r} is not allowed: baseline {baseline!r} x (1 + lift) = {treatment!r}; "
            "the treatment rate must stay below 1",
        )
    return treatment


def _leads(n_control: float, ratio: float) -> int:
    # A hair of tolerance so 76.0000000001 does not ask for a 77th lead.
    return math.ceil(n_control - 1e-9) + math.ceil(ratio * n_control - 1e-9)


def plan_test(
    baseline: float,
    *,
    lift: float | None = None,
    treatment: float | None = None,
    alpha: float = 0.05,
    power: float = 0.8,
    ratio: float = 1.0,
    leads_per_month: float | None = None,
) -> Plan:
    """Size a two-arm conversion test and translate it into months of leads.

    Args:
        baseline: control conversion rate, in (0, 1).
        lift: relative lift to detect (0.2 = +20%); give this or ``treatment``.
        treatment: treatment conversion rate to detect; give this or ``lift``.
        alpha: two-sided significance level.
        power: target power.
        ratio: treatment arm size / control arm size.
        leads_per_month: the practice's lead volume (all arms together), or ``None``.

    Returns:
        A :class:`Plan`.

    Example:
        >>> p = plan_test(0.5, treatment=0.75, power=0.9, leads_per_month=50)
        >>> round(p.n_per_arm, 3), p.total_leads, p.months
        (76.707, 154, 3.08)
    """
    baseline = _check_open_unit("baseline", baseline)
    treatment = _resolve_treatment(baseline, lift, treatment)
    _check_pair(baseline, treatment, ("baseline", "treatment"))
    if leads_per_month is not None:
        leads_per_month = _check_positive("leads_per_month", leads_per_month)
    kwargs = {"alpha": alpha, "power": power, "ratio": ratio}
    n = sample_size_two_proportions(baseline, treatment, **kwargs)
    n_cc = sample_size_two_proportions(baseline, treatment, continuity=True, **kwargs)
    total = _leads(n, float(ratio))
    total_cc = _leads(n_cc, float(ratio))
    per_month = leads_per_month
    return Plan(
        baseline=baseline,
        treatment=treatment,
        lift=float(lift) if lift is not None else treatment / baseline - 1.0,
        abs_lift=treatment - baseline,
        alpha=float(alpha),
        power=float(power),
        ratio=float(ratio),
        leads_per_month=per_month,
        n_per_arm=n,
        n_per_arm_cc=n_cc,
        n_treatment=ratio * n,
        n_treatment_cc=ratio * n_cc,
        total_leads=total,
        total_leads_cc=total_cc,
        months=None if per_month is None else total / per_month,
        months_cc=None if per_month is None else total_cc / per_month,
    )


def power_for_months(
    baseline: float,
    treatment: float,
    months: float,
    leads_per_month: float,
    *,
    ratio: float = 1.0,
    alpha: float = 0.05,
    continuity: bool = False,
) -> float:
    """Power of a test that runs ``months`` months at ``leads_per_month`` leads (all arms).

    The leads are split ``1 : ratio`` between control and treatment.

    Example:
        >>> round(power_for_months(0.5, 0.75, 3.0, 50.0 * 76.70692846 / 75), 4)
        0.9
    """
    months = _check_positive("months", months)
    leads_per_month = _check_positive("leads_per_month", leads_per_month)
    ratio = _check_positive("ratio", ratio)
    n1 = months * leads_per_month / (1.0 + ratio)
    try:
        return power_two_proportions(
            baseline, treatment, n1, ratio=ratio, alpha=alpha, continuity=continuity
        )
    except InputError as exc:
        where = {"p1": "baseline", "p2": "treatment"}.get(exc.where, exc.where)
        raise InputError(where, exc.problem) from None
