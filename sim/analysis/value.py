"""What the patients are worth: revenue, net monetary benefit, ROI, break-even, sales-ready leads.

A patient is worth ``patient_value_usd`` to the practice (lifetime revenue A x N x Y times the
margin; the scenario's ``[value]`` table). From per-replication sums this module reports, per
arm and with intervals across replications (Student's t, R - 1 degrees of freedom):

- ``revenue_usd``: patients x lifetime revenue, a replication's mean (one simulated run);
- ``net_benefit_usd``: the value of its patients minus the fully loaded cost (the net monetary
  benefit of health economics), and ``inc_net_benefit_usd``, the same minus the control's,
  paired within each replication;
- ``roi``: net benefit / fully loaded cost (ratio of sums, delta method);
- ``break_even_value_usd``: the patient value above which the arm beats the control on net
  benefit — extra cost / extra patients (the incremental cost-effectiveness ratio), with
  Fieller's interval for a ratio of correlated means (unbounded, hence NaN, when the extra
  patients are not clearly above zero);
- ``sales_ready``: leads that reached the decision stage within the window (*sales-ready*
  leads, the metric of the Forrester claim the seed article restates as patients), its rate,
  its relative lift vs the control, the cost per sales-ready lead (fully loaded and marketing,
  i.e. acquisition only), and hand-offs per lead (leads the strategy scored decision-ready and
  passed to sales — zero for a strategy without hand-off).

Pure numpy/scipy/pandas, so it works on real data as on simulated.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

#: Columns :func:`value_summary` adds to a summary, in order.
VALUE_COLUMNS = (
    "revenue_usd",
    "revenue_ci_lower",
    "revenue_ci_upper",
    "net_benefit_usd",
    "net_benefit_ci_lower",
    "net_benefit_ci_upper",
    "inc_net_benefit_usd",
    "inc_net_benefit_ci_lower",
    "inc_net_benefit_ci_upper",
    "roi",
    "roi_ci_lower",
    "roi_ci_upper",
    "break_even_value_usd",
    "break_even_ci_lower",
    "break_even_ci_upper",
    "sales_ready",
    "sales_ready_rate",
    "sales_ready_rate_ci_lower",
    "sales_ready_rate_ci_upper",
    "sales_ready_rel_lift",
    "sales_ready_rel_lift_ci_lower",
    "sales_ready_rel_lift_ci_upper",
    "cost_per_sales_ready_usd",
    "cost_per_sales_ready_ci_lower",
    "cost_per_sales_ready_ci_upper",
    "marketing_cost_per_sales_ready_usd",
    "marketing_cost_per_sales_ready_ci_lower",
    "marketing_cost_per_sales_ready_ci_upper",
    "handoffs_per_lead",
    "value_note",
)

#: Per-replication columns the summary needs.
NEEDED = ("n", "conversions", "cost_total_usd", "cost_acquisition_usd", "revenue_usd",
          "net_benefit_usd", "sales_ready", "handoffs")  # fmt: skip


def patient_values(conversions, cost_total_usd, patient_value_usd, lifetime_revenue_usd):
    """``(revenue_usd, net_benefit_usd)`` of sums (scalars or arrays).

    >>> patient_values(10, 15000.0, 1904.0, 1904.0)
    (19040.0, 4040.0)
    """
    return conversions * lifetime_revenue_usd, conversions * patient_value_usd - cost_total_usd


def _t(r: int, alpha: float) -> float:
    return float(stats.t.ppf(1 - alpha / 2, r - 1))


def mean_interval(x: np.ndarray, alpha: float = 0.05) -> tuple[float, float, float]:
    """(mean, lower, upper): Student's t over replications; bounds NaN with one replication.

    >>> [round(v, 3) for v in mean_interval(np.array([1.0, 2.0, 3.0]))]
    [2.0, -0.484, 4.484]
    """
    r = len(x)
    m = float(np.mean(x)) if r else math.nan
    if r < 2 or not np.all(np.isfinite(x)):
        return m, math.nan, math.nan
    h = _t(r, alpha) * float(np.std(x, ddof=1)) / math.sqrt(r)
    return m, m - h, m + h


def ratio_interval(num: np.ndarray, den: np.ndarray, alpha: float = 0.05):
    """(ratio of sums, lower, upper) by the delta method with replications as clusters.

    >>> [round(v, 3) for v in ratio_interval(np.array([2.0, 4.0]), np.array([10.0, 10.0]))]
    [0.3, -0.971, 1.571]
    """
    total = den.sum()
    if len(den) == 0 or total == 0:
        return math.nan, math.nan, math.nan
    est = float(num.sum() / total)
    infl = (num - est * den) / den.mean()
    _, lo, hi = mean_interval(infl, alpha)
    return est, est + lo if math.isfinite(lo) else lo, est + hi if math.isfinite(hi) else hi


def fieller_interval(num: np.ndarray, den: np.ndarray, alpha: float = 0.05):
    """(mean(num) / mean(den), lower, upper): Fieller's interval for a ratio of paired means.

    The bounds are NaN (unbounded) when mean(den) is not clearly away from zero at level
    ``alpha`` — a break-even value cannot be pinned down when the extra patients may be none.

    >>> est, lo, hi = fieller_interval(np.array([90.0, 110, 100, 95]), np.array([1.0, 1.1, 0.9, 1]))
    >>> round(est, 1), lo < est < hi
    (98.8, True)
    """
    r = len(num)
    md = float(np.mean(den)) if r else math.nan
    if r == 0 or md == 0:
        return math.nan, math.nan, math.nan
    mn = float(np.mean(num))
    est = mn / md
    if r < 2:
        return est, math.nan, math.nan
    q = _t(r, alpha) ** 2 / r
    vn, vd = float(np.var(num, ddof=1)), float(np.var(den, ddof=1))
    cov = float(np.cov(num, den, ddof=1)[0, 1])
    a = md * md - q * vd
    b = -2.0 * (mn * md - q * cov)
    c = mn * mn - q * vn
    disc = b * b - 4 * a * c
    if a <= 0 or disc < 0:
        return est, math.nan, math.nan
    root = math.sqrt(disc)
    return est, (-b - root) / (2 * a), (-b + root) / (2 * a)


def _log_ratio_lift(tn, td, cn, cd, alpha):
    """Relative lift of ratio t = sum(tn)/sum(td) over c, interval on the log scale."""
    if td.sum() == 0 or cd.sum() == 0 or tn.sum() == 0 or cn.sum() == 0:
        return math.nan, math.nan, math.nan
    t, c = tn.sum() / td.sum(), cn.sum() / cd.sum()
    infl = (tn - t * td) / td.mean() / t - (cn - c * cd) / cd.mean() / c
    _, lo, hi = mean_interval(infl, alpha)
    lr = math.log(t / c)
    if not math.isfinite(lo):
        return t / c - 1.0, math.nan, math.nan
    return t / c - 1.0, math.exp(lr + lo) - 1.0, math.exp(lr + hi) - 1.0


def value_summary(
    reps: pd.DataFrame,
    control: str,
    *,
    alpha: float = 0.05,
    arms: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Value columns (:data:`VALUE_COLUMNS`) per arm, from per-replication rows.

    ``reps`` has one row per (arm, replication) with the :data:`NEEDED` sums; the arm column
    is ``arm``.

    Example:
        >>> reps = pd.DataFrame({"arm": ["a", "b"] * 3, "replication": [0, 0, 1, 1, 2, 2],
        ...     "n": [100] * 6, "conversions": [20, 30, 18, 29, 22, 33],
        ...     "cost_total_usd": [2000.0, 2600.0] * 3, "cost_acquisition_usd": [2000.0] * 6,
        ...     "sales_ready": [30, 45, 28, 40, 33, 47], "handoffs": [0, 40, 0, 38, 0, 41]})
        >>> reps["revenue_usd"], reps["net_benefit_usd"] = patient_values(
        ...     reps.conversions, reps.cost_total_usd, 100.0, 100.0)
        >>> v = value_summary(reps, "a").set_index("arm")
        >>> round(float(v.loc["b", "inc_net_benefit_usd"]), 2)  # 100 x 10.67 - 600
        466.67
        >>> round(float(v.loc["b", "break_even_value_usd"]), 2)  # 600 / 10.67
        56.25
    """
    arms = list(arms) if arms is not None else list(dict.fromkeys(reps["arm"]))
    by_arm = {a: g.set_index("replication").sort_index() for a, g in reps.groupby("arm")}
    base = {k: by_arm[control][k].to_numpy(float) for k in NEEDED}
    rows = []
    for arm in arms:
        col = {k: by_arm[arm][k].to_numpy(float) for k in NEEDED}
        row: dict[str, object] = {"arm": arm, **_own_figures(col, alpha)}
        notes: list[str] = []
        if arm == control:
            for k in VALUE_COLUMNS:
                if k.startswith(("inc_net_benefit", "break_even", "sales_ready_rel_lift")):
                    row[k] = math.nan
        else:
            row.update(_versus_control(col, base, alpha, notes))
        row["value_note"] = "; ".join(notes)
        rows.append(row)
    return pd.DataFrame(rows, columns=["arm", *VALUE_COLUMNS])


def _own_figures(col: dict[str, np.ndarray], alpha: float) -> dict[str, object]:
    """The figures of one arm on its own: revenue, net benefit, ROI, sales-ready leads."""
    row: dict[str, object] = {}
    row["revenue_usd"], row["revenue_ci_lower"], row["revenue_ci_upper"] = mean_interval(
        col["revenue_usd"], alpha
    )
    nb = mean_interval(col["net_benefit_usd"], alpha)
    row["net_benefit_usd"], row["net_benefit_ci_lower"], row["net_benefit_ci_upper"] = nb
    row["roi"], row["roi_ci_lower"], row["roi_ci_upper"] = ratio_interval(
        col["net_benefit_usd"], col["cost_total_usd"], alpha
    )
    sr = ratio_interval(col["sales_ready"], col["n"], alpha)
    row["sales_ready"] = int(col["sales_ready"].sum())
    (
        row["sales_ready_rate"],
        row["sales_ready_rate_ci_lower"],
        row["sales_ready_rate_ci_upper"],
    ) = sr
    for name, cost in (("cost", "cost_total_usd"), ("marketing_cost", "cost_acquisition_usd")):
        est, lo, hi = ratio_interval(col[cost], col["sales_ready"], alpha)
        row[f"{name}_per_sales_ready_usd"] = est
        row[f"{name}_per_sales_ready_ci_lower"] = max(lo, 0.0) if math.isfinite(lo) else lo
        row[f"{name}_per_sales_ready_ci_upper"] = hi
    n_total = col["n"].sum()
    row["handoffs_per_lead"] = col["handoffs"].sum() / n_total if n_total else math.nan
    return row


def _versus_control(
    col: dict[str, np.ndarray], b: dict[str, np.ndarray], alpha: float, notes: list[str]
) -> dict[str, object]:
    """An arm against the control, replication by replication: extra net benefit, break-even
    value, relative lift in sales-ready leads; adds to ``notes`` why a figure is missing."""
    row: dict[str, object] = {}
    inc = col["net_benefit_usd"] - b["net_benefit_usd"]
    (
        row["inc_net_benefit_usd"],
        row["inc_net_benefit_ci_lower"],
        row["inc_net_benefit_ci_upper"],
    ) = mean_interval(inc, alpha)
    d_cost = col["cost_total_usd"] - b["cost_total_usd"]
    d_pat = col["conversions"] - b["conversions"]
    est, lo, hi = fieller_interval(d_cost, d_pat, alpha)
    if not np.mean(d_pat) > 0:
        notes.append("no more patients than the control: no break-even value")
        est = lo = hi = math.nan
    elif not math.isfinite(lo):
        notes.append("extra patients not clearly above 0: break-even interval unbounded")
    row["break_even_value_usd"], row["break_even_ci_lower"] = est, lo
    row["break_even_ci_upper"] = hi
    (
        row["sales_ready_rel_lift"],
        row["sales_ready_rel_lift_ci_lower"],
        row["sales_ready_rel_lift_ci_upper"],
    ) = _log_ratio_lift(col["sales_ready"], col["n"], b["sales_ready"], b["n"], alpha)
    return row


def single_world_value(
    conversions: int,
    n: int,
    cost_total_usd: float,
    patient_value_usd: float,
    lifetime_revenue_usd: float,
    conversion_ci: tuple[float, float],
) -> dict[str, float]:
    """Value figures of one world (``nurture run``): the interval carries the binomial
    uncertainty of the patients won (costs taken as known).

    ``break_even_value_usd`` is the patient value at which this world's net benefit is 0
    (its fully loaded cost per patient).

    >>> v = single_world_value(20, 100, 3000.0, 200.0, 200.0, (0.13, 0.29))
    >>> v["net_benefit_usd"], v["net_benefit_ci_lower"], v["roi"]
    (1000.0, -400.0, 0.3333333333333333)
    """
    revenue, nb = patient_values(conversions, cost_total_usd, patient_value_usd,
                                 lifetime_revenue_usd)  # fmt: skip
    lo, hi = (c * n * patient_value_usd - cost_total_usd for c in conversion_ci)
    return {
        "revenue_usd": float(revenue),
        "net_benefit_usd": float(nb),
        "net_benefit_ci_lower": float(lo),
        "net_benefit_ci_upper": float(hi),
        "roi": float(nb / cost_total_usd) if cost_total_usd else math.nan,
        "break_even_value_usd": cost_total_usd / conversions if conversions else math.nan,
    }
