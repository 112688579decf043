"""The ratio and the difference of two arms' costs per conversion, treatment versus control.

Two arms are given treatment first, then control, as one 4-vector of means (cost_t, conv_t,
cost_c, conv_c) with its covariance (:mod:`sim.analysis.cost_moments`): block-diagonal for
independent arms, full for a paired design. The ratio is treatment / control (below 1 =
treatment cheaper), the difference treatment - control in USD. Methods: delta and delta-log
(:func:`two_arm_core`), Fieller's joint pivot (:func:`two_arm_core`), and MOVER, the arms'
own intervals combined (:func:`mover`).
"""

from __future__ import annotations

import numpy as np

from sim.analysis.cost_arm import arm_core, arm_validity, coverage_warnings
from sim.analysis.cost_moments import (
    UNBOUNDED,
    Moments,
    fieller,
    join_independent,
    quad_form,
    split_joint,
)
from sim.analysis.interval import Interval, add_note, notes_array, two_sided_p, z_crit


def two_arm_cpc(
    mt: Moments | None,
    mc: Moments | None,
    conv_t: np.ndarray,
    conv_c: np.ndarray,
    kind: str,
    method: str,
    joint: Moments | None = None,
    *,
    alpha: float = 0.05,
) -> Interval:
    """Vectorised ratio or difference of two costs per conversion (arrays in, arrays out).

    ``mt``/``mc`` are the arms' own moments for independent arms; for a paired design pass
    ``joint``, the 4-vector (cost_t, conv_t, cost_c, conv_c) with its full covariance, and the
    arms' own moments are read from it. ``method`` is one of :data:`CPC_SUFFICIENT_METHODS`.
    """
    if joint is None:
        joint = join_independent(mt, mc)
    else:
        mt, mc = split_joint(joint)
    m = joint.mean.shape[:1]
    notes = notes_array(m)
    log = method in ("delta-log", "mover-fieller")
    valid = arm_validity(mt, np.broadcast_to(conv_t, m), notes, log=log, who="treatment")
    valid &= arm_validity(mc, np.broadcast_to(conv_c, m), notes, log=log, who="control")
    z = z_crit(alpha)
    if kind == "difference" and method in ("mover-fieller", "delta-log"):
        per_arm = "fieller" if method == "mover-fieller" else "delta-log"
        est, lower, upper, pval = mover(joint, kind, z, per_arm, notes, valid)
    else:
        core = "fieller" if method == "mover-fieller" else method
        est, lower, upper, pval = two_arm_core(joint, kind, z, core, notes, valid)
    coverage_warnings(notes, (mt, np.broadcast_to(conv_t, m)), (mc, np.broadcast_to(conv_c, m)))
    return Interval(est, lower, upper, pval, method, notes)


def two_arm_core(
    mo: Moments, kind: str, z: float, name: str, notes: np.ndarray, valid: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Estimate, bounds and p-value of the ratio or difference of two costs per conversion.

    ``mo`` holds the 4-vector (cost_t, conv_t, cost_c, conv_c) of means and its covariance,
    block-diagonal for independent arms or full for paired designs.
    """
    ct, yt, cc, yc = (mo.mean[:, i] for i in range(4))
    nan = np.full(ct.shape, np.nan)
    est, lower, upper, pval = nan.copy(), nan.copy(), nan.copy(), nan.copy()
    with np.errstate(divide="ignore", invalid="ignore"):
        if kind == "ratio":
            theta = (ct / yt) / (cc / yc)
            null = 1.0
        else:
            theta = ct / yt - cc / yc
            null = 0.0
    est[valid] = theta[valid]
    if not valid.any():
        return est, lower, upper, pval
    zeros = np.zeros_like(ct)
    if name == "fieller":
        if kind == "ratio":
            a0, a1 = ct * yc, -yt * cc
            g0 = np.stack([yc, zeros, zeros, ct], -1)
            g1 = np.stack([zeros, -cc, -yt, zeros], -1)
        else:
            a0, a1 = ct * yc - cc * yt, -yt * yc
            g0 = np.stack([yc, -cc, -yt, ct], -1)
            g1 = np.stack([zeros, -yc, zeros, -yt], -1)
        lo, up, unbounded = fieller(a0, a1, g0, g1, mo.cov, z)
        g_null = g0 + null * g1
        se0 = np.sqrt(quad_form(g_null, mo.cov, g_null))
        with np.errstate(divide="ignore", invalid="ignore"):
            stat = (a0 + a1 * null) / se0
        add_note(notes, valid & unbounded, UNBOUNDED)
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            if kind == "ratio":
                grad_log = np.stack([1 / ct, -1 / yt, -1 / cc, 1 / yc], -1)
                se_log = np.sqrt(quad_form(grad_log, mo.cov, grad_log))
                if name == "delta-log":
                    lo = theta * np.exp(-z * se_log)
                    up = theta * np.exp(z * se_log)
                    stat = np.log(theta) / se_log
                else:
                    se = theta * se_log
                    lo, up = theta - z * se, theta + z * se
                    stat = (theta - 1.0) / se
            else:
                grad = np.stack([1 / yt, -ct / yt**2, -1 / yc, cc / yc**2], -1)
                se = np.sqrt(quad_form(grad, mo.cov, grad))
                lo, up = theta - z * se, theta + z * se
                stat = theta / se
    lower[valid], upper[valid] = lo[valid], up[valid]
    pval[valid] = two_sided_p(stat)[valid]
    return est, lower, upper, pval


def mover(
    joint: Moments, kind: str, z: float, per_arm: str, notes: np.ndarray, valid: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """MOVER: the two arms' own intervals combined into one for their difference or ratio.

    Zou and Donner (2008) and Zou (2008, for correlated estimates): with per-arm estimates
    t, c, bounds (l_t, u_t), (l_c, u_c) and r the correlation of the two estimates,

        lower = t - c - sqrt((t - l_t)^2 + (u_c - c)^2 - 2 r (t - l_t)(u_c - c))
        upper = t - c + sqrt((u_t - t)^2 + (c - l_c)^2 - 2 r (u_t - t)(c - l_c)).

    For the ratio the same is done on the log scale (log t - log c), so a lower arm bound at
    or below 0 gives a ratio bound of 0 (or infinity above). ``r`` is the delta-method
    correlation of the two costs per conversion: 0 for independent arms, the pairing's for a
    paired design. There is no matching test, so the p-value is ``NaN``.

    >>> mo = Moments(np.array([[60.0, 0.1, 60.0, 0.1]]),
    ...              np.diag([4.0, 2.25e-4, 4.0, 2.25e-4])[None], np.array([[400.0, 400.0]]))
    >>> est, lo, up, _ = mover(mo, "difference", 1.959964, "delta-log", notes_array((1,)),
    ...                        np.array([True]))
    >>> round(float(est[0]), 6), round(float(lo[0]), 1), round(float(up[0]), 1)
    (0.0, -262.3, 262.3)
    """
    mt, mc = split_joint(joint)
    t_est, t_lo, t_up = arm_core(mt, z, per_arm, notes_array(mt.n.shape), valid)
    c_est, c_lo, c_up = arm_core(mc, z, per_arm, notes_array(mc.n.shape), valid)
    if per_arm == "fieller":
        add_note(notes, valid & (np.isnan(t_lo) | np.isnan(c_lo)), UNBOUNDED)
    ct, yt, cc, yc = (joint.mean[:, i] for i in range(4))
    with np.errstate(divide="ignore", invalid="ignore"):
        gt = np.stack([1 / yt, -ct / yt**2, np.zeros_like(ct), np.zeros_like(ct)], -1)
        gc = np.stack([np.zeros_like(ct), np.zeros_like(ct), 1 / yc, -cc / yc**2], -1)
        r = quad_form(gt, joint.cov, gc) / np.sqrt(
            quad_form(gt, joint.cov, gt) * quad_form(gc, joint.cov, gc)
        )
        r = np.clip(np.nan_to_num(r), -1.0, 1.0)
        if kind == "ratio":
            t_est, t_lo, t_up = np.log(t_est), _safe_log(t_lo), _safe_log(t_up)
            c_est, c_lo, c_up = np.log(c_est), _safe_log(c_lo), _safe_log(c_up)
        dl_t, du_t = t_est - t_lo, t_up - t_est
        dl_c, du_c = c_est - c_lo, c_up - c_est
        est = t_est - c_est
        lower = est - np.sqrt(np.maximum(dl_t**2 + du_c**2 - 2 * r * dl_t * du_c, 0.0))
        upper = est + np.sqrt(np.maximum(du_t**2 + dl_c**2 - 2 * r * du_t * dl_c, 0.0))
        if kind == "ratio":
            est, lower, upper = np.exp(est), np.exp(lower), np.exp(upper)
    nan = np.full(est.shape, np.nan)
    return (
        np.where(valid, est, nan),
        np.where(valid, lower, nan),
        np.where(valid, upper, nan),
        nan,
    )


def _safe_log(x: np.ndarray) -> np.ndarray:
    """log for bounds: a bound at or below 0 is -inf (the ratio's bound is then 0 or inf)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(x > 0, np.log(np.where(x > 0, x, 1.0)), -np.inf)
    return np.where(np.isnan(x), np.nan, out)
