"""Directly observed parameters: maximum likelihood with intervals, from an export.

Each estimate uses the world's own model of what the CRM records, so that its likelihood is
exact (tests/validation/test_calibration_direct.py checks the intervals' coverage on exports
simulated at parameters drawn from the priors):

- arrivals: a Poisson process per source; ``leads_per_month`` from the total count over the
  months covered (exact Garwood interval), each source's share from its count (Wilson);
- email delivery: each send delivered with ``delivery_prob`` (Wilson);
- unsubscribe and complaint per delivered email: ``p * (1 + fatigue * extra)`` where ``extra``
  is the recent volume (earlier sends decaying with ``fatigue_half_life_days``); emails whose
  hard sell was opened are left out (their multiplier depends on the latent stage); four
  parameters by maximum likelihood, profile-likelihood intervals;
- call reach: each attempt reaches the lead with ``reach_max * (floor + (1 - floor) *
  2^(-hours since trigger / half_life))``, the trigger being the lead's arrival or its latest
  hand-off; three parameters, profile-likelihood intervals;
- show rate: attended / (attended + no-show) (Wilson);
- appointment lag: ``min_days + Exp(mean_extra_days)`` from booking to visit or no-show,
  censored at the end of the lead's window (shifted exponential).

Each :class:`Estimate` names the scenario key path it calibrates.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import optimize, special, stats

from sim.crm.stats import Observations, T

Z95 = float(stats.norm.ppf(0.975))
CHI2_95 = float(stats.chi2.ppf(0.95, 1))


@dataclass(frozen=True)
class Estimate:
    """One directly observed parameter: MLE, 95% interval, and what it rests on."""

    path: str
    value: float
    low: float
    high: float
    n: int  # observations it rests on (leads, emails, attempts, appointments)
    method: str
    note: str = ""


def wilson(k: float, n: float, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for k successes in n trials.

    >>> [round(x, 4) for x in wilson(44, 52)]
    [0.7248, 0.9199]
    """
    if n <= 0:
        return (0.0, 1.0)
    p = k / n
    den = 1 + z * z / n
    mid = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return (max(0.0, mid - half), min(1.0, mid + half))


def garwood(k: int, level: float = 0.95) -> tuple[float, float]:
    """Exact Poisson interval for a count ``k``."""
    a = 1 - level
    lo = 0.0 if k == 0 else stats.chi2.ppf(a / 2, 2 * k) / 2
    return float(lo), float(stats.chi2.ppf(1 - a / 2, 2 * k + 2) / 2)


def recorded(obs: Observations, name: str) -> bool:
    """Whether the export records this event type at all (it has at least one)."""
    return bool(obs.of(name).any())


# -- arrivals ---------------------------------------------------------------------------------
def months_covered(obs: Observations, days_per_month: float) -> int:
    """Whole months from the export's day 0 to its last lead (the world's arrival months)."""
    return max(1, math.ceil(obs.created.max() / days_per_month - 1e-12)) if obs.n else 1


def arrivals(
    obs: Observations, scenario_sources: Sequence[str], days_per_month: float
) -> list[Estimate]:
    months = months_covered(obs, days_per_month)
    lo, hi = garwood(obs.n)
    out = [
        Estimate(
            "leads_per_month",
            obs.n / months,
            lo / months,
            hi / months,
            obs.n,
            "Poisson MLE, exact interval",
            f"{obs.n} leads over {months} months",
        )
    ]
    counts = np.bincount(obs.source, minlength=len(obs.sources))
    by_name = dict(zip(obs.sources, counts.tolist(), strict=True))
    for name in scenario_sources:
        k = by_name.get(name, 0)
        lo, hi = wilson(k, obs.n)
        out.append(
            Estimate(
                f"sources.{name}.share", k / max(obs.n, 1), lo, hi, obs.n, "multinomial, Wilson"
            )
        )
    return out


def arrivals_by_month(obs: Observations, days_per_month: float) -> list[dict]:
    """Leads per source and month with exact Poisson intervals (for the report)."""
    months = months_covered(obs, days_per_month)
    month = np.minimum((obs.created // days_per_month).astype(int), months - 1)
    rows = []
    for k, name in enumerate(obs.sources):
        counts = np.bincount(month[obs.source == k], minlength=months)
        for m, c in enumerate(counts.tolist()):
            lo, hi = garwood(c)
            rows.append({"source": name, "month": m + 1, "leads": c, "low": lo, "high": hi})
    return rows


# -- binomials ----------------------------------------------------------------------------------
def _binomial(path: str, k: int, n: int, what: str) -> Estimate | None:
    if n == 0:
        return None
    lo, hi = wilson(k, n)
    return Estimate(path, k / n, lo, hi, n, "binomial, Wilson", what)


def delivery(obs: Observations) -> Estimate | None:
    d, b = int(obs.of("email_delivered").sum()), int(obs.of("email_bounced").sum())
    return _binomial("email.delivery_prob", d, d + b, f"{d} of {d + b} sends delivered")


def show(obs: Observations) -> Estimate | None:
    a, ns = int(obs.of("attended").sum()), int(obs.of("no_show").sum())
    if ns == 0 and not recorded(obs, "no_show"):
        return None  # a CRM that never records no-shows says nothing about the show rate
    return _binomial("appointment.show_prob", a, a + ns, f"{a} of {a + ns} appointments kept")


# -- profile likelihood -------------------------------------------------------------------------
def _fit(nll: Callable, x0: np.ndarray, bounds: list[tuple[float, float]]) -> np.ndarray:
    best = None
    for start in (x0, np.array([(lo + hi) / 2 for lo, hi in bounds])):
        r = optimize.minimize(nll, start, method="L-BFGS-B", bounds=bounds, jac=True)
        if best is None or r.fun < best.fun:
            best = r
    return best.x


def profile_intervals(
    nll: Callable[[np.ndarray], tuple[float, np.ndarray]],
    x_hat: np.ndarray,
    bounds: list[tuple[float, float]],
) -> list[tuple[float, float]]:
    """95% profile-likelihood intervals of each coordinate (clipped to ``bounds``).

    ``nll(x)`` returns the negative log-likelihood and its gradient. Each end is bracketed
    at six standard errors (from the numerical Hessian of the gradient) before the bound, so
    the root search stays where the likelihood is well conditioned.
    """
    f_hat = nll(x_hat)[0]
    se = _standard_errors(nll, x_hat, bounds)
    out = []
    for i, (lo, hi) in enumerate(bounds):
        others = [b for j, b in enumerate(bounds) if j != i]
        rest0 = np.delete(x_hat, i)

        def prof(v, i=i, others=others, rest0=rest0):
            def inner(r):
                val, grad = nll(np.insert(r, i, v))
                return val, np.delete(grad, i)

            r = optimize.minimize(
                inner, rest0, method="L-BFGS-B", bounds=others, jac=True, options={"ftol": 1e-12}
            )
            return r.fun - f_hat - CHI2_95 / 2

        ends = []
        for sign, edge in ((-1, lo), (1, hi)):
            step = 6 * se[i] if np.isfinite(se[i]) and se[i] > 0 else abs(edge - x_hat[i])
            near = x_hat[i] + sign * step
            near = min(max(near, lo), hi)
            if prof(near) < 0:  # not excluded six SE out: try the bound itself
                near = edge
                if near == x_hat[i] or prof(near) <= 0:
                    ends.append(edge)
                    continue
            ends.append(
                optimize.brentq(prof, *sorted((x_hat[i], near)), xtol=1e-7 * (1 + abs(x_hat[i])))
            )
        out.append((float(ends[0]), float(ends[1])))
    return out


def _standard_errors(nll, x: np.ndarray, bounds) -> np.ndarray:
    """Wald standard errors from a central-difference Hessian of the gradient."""
    k = len(x)
    hess = np.empty((k, k))
    for j in range(k):
        h = 1e-5 * max(abs(x[j]), 1e-3)
        up, dn = x.copy(), x.copy()
        up[j] = min(x[j] + h, bounds[j][1])
        dn[j] = max(x[j] - h, bounds[j][0])
        hess[:, j] = (nll(up)[1] - nll(dn)[1]) / (up[j] - dn[j])
    try:
        cov = np.linalg.inv(0.5 * (hess + hess.T))
        return np.sqrt(np.clip(np.diag(cov), 0, None))
    except np.linalg.LinAlgError:
        return np.full(k, np.nan)


# -- unsubscribes and complaints --------------------------------------------------------------
def _email_table(obs: Observations):
    """Per send: lead, time, delivered, unsubscribed, complained, excluded (opened hard sell)."""
    sent = obs.of("email_sent")
    idx = np.flatnonzero(sent)
    lead, t = obs.lead[idx], obs.t[idx]
    # Outcomes of a send are the events of the same lead at the same time that follow it.
    key = lead.astype(np.float64) * 1e6 + t

    def at(name):
        m = obs.of(name)
        return np.isin(key, obs.lead[m].astype(np.float64) * 1e6 + obs.t[m])

    delivered = at("email_delivered")
    spam = at("spam_report")
    unsub = at("unsubscribed")
    opened = at("email_opened")
    hard = np.isin(obs.content[idx], ["decision", "pitch"]) & opened
    return lead, t, delivered, unsub & ~spam, spam, hard


def _extra(lead: np.ndarray, t: np.ndarray, half_lives: np.ndarray) -> np.ndarray:
    """Recent volume before each send, one row per half-life: earlier sends of the lead,
    each counting ``2^(-days since / half_life)`` (the world's fatigue volume less the send)."""
    half_lives = np.asarray(half_lives, dtype=float).reshape(-1, 1)
    extra = np.zeros((len(half_lives), len(t)))
    if not len(t):
        return extra
    starts = np.flatnonzero(np.r_[True, lead[1:] != lead[:-1]])
    pos = np.arange(len(t)) - np.repeat(starts, np.diff(np.r_[starts, len(t)]))
    # Sends are in lead then time order: walk the k-th send of every lead at once.
    for k in range(1, int(pos.max()) + 1):
        i = np.flatnonzero(pos == k)
        decay = 2.0 ** (-(t[i] - t[i - 1]) / half_lives)
        extra[:, i] = (extra[:, i - 1] + 1.0) * decay
    return extra


#: Grids of the fatigue profile: half-lives (days, log-spaced) and fatigue slopes.
HALF_LIFE_GRID = np.geomspace(0.5, 60.0, 61)
FATIGUE_GRID = np.r_[np.linspace(0.0, 1.0, 101), np.linspace(1.02, 5.0, 200)]


def unsubscribes(obs: Observations) -> list[Estimate]:
    """Unsubscribe and complaint probabilities, fatigue slope and half-life.

    Each delivered email ends in a complaint with ``c * m``, an unsubscribe alone with
    ``u * m`` (``m = 1 + f * extra``), probabilities of a few in a thousand, so the
    likelihood is taken in its Poisson form (the events' log-terms exact, ``log(1 - p)`` as
    ``-p``: an error of order p^2 per email). Then ``u`` and ``c`` have closed forms given
    ``(f, h)``, and ``(f, h)`` is profiled on a fine grid; each interval is the set of values
    whose profile log-likelihood is within chi2(1, 0.95) / 2 of the maximum.
    """
    lead, t, delivered, unsub, spam, hard = _email_table(obs)
    keep = delivered & ~hard
    n = int(keep.sum())
    n_u, n_s = int(unsub[keep].sum()), int(spam[keep].sum())
    if n == 0 or n_u + n_s == 0:
        return []
    ex = _extra(lead, t, HALF_LIFE_GRID)  # (H, sends)
    e_all = ex[:, keep].sum(axis=1)  # (H,)
    e_u, e_s = ex[:, keep & unsub], ex[:, keep & spam]
    f = FATIGUE_GRID.reshape(-1, 1, 1)  # (F, 1, 1)
    # log-likelihood on the (f, h) grid, u and c at their conditional maxima
    tot = n + f[:, :, 0] * e_all  # (F, H)
    ll_events = np.log1p(f * np.concatenate([e_u, e_s], axis=1)[None]).sum(axis=2)  # (F, H)

    def ll(u_fixed=None, c_fixed=None):
        u = n_u / tot if u_fixed is None else u_fixed
        c = n_s / tot if c_fixed is None else c_fixed
        with np.errstate(divide="ignore", invalid="ignore"):
            # xlogy: no unsubscribes (or complaints) at all contribute 0, not 0 * log 0
            val = special.xlogy(n_u, u) + special.xlogy(n_s, c) + ll_events - (u + c) * tot
        return np.nan_to_num(val, nan=-np.inf)

    grid = ll()
    best = grid.max()
    i_f, i_h = np.unravel_index(np.argmax(grid), grid.shape)
    cut = best - CHI2_95 / 2
    u_hat, c_hat = n_u / tot[i_f, i_h], n_s / tot[i_f, i_h]
    inside = grid >= cut
    f_int = _span(FATIGUE_GRID[inside.any(axis=1)])
    h_int = _span(HALF_LIFE_GRID[inside.any(axis=0)])

    def prof_u(u):
        return ll(u_fixed=u).max() - cut

    def prof_c(c):
        return ll(c_fixed=c).max() - cut

    u_int = _roots(prof_u, u_hat, 1e-9, 0.5) if n_u else (0.0, _roots(prof_u, 1e-9, 1e-9, 0.5)[1])
    c_int = (
        _roots(prof_c, c_hat, 1e-12, 0.5) if n_s else (0.0, _roots(prof_c, 1e-12, 1e-12, 0.5)[1])
    )
    note = f"{n_u} unsubscribes and {n_s} complaints in {n} deliveries"
    method = "MLE, profile likelihood"
    return [
        Estimate("email.unsubscribe_prob", float(u_hat), *u_int, n, method, note),
        Estimate("email.complaint_prob", float(c_hat), *c_int, n, method, note),
        Estimate("email.unsubscribe_fatigue", float(FATIGUE_GRID[i_f]), *f_int, n, method, note),
        Estimate(
            "email.fatigue_half_life_days",
            float(HALF_LIFE_GRID[i_h]),
            *h_int,
            n,
            method,
            note + " (half-life on a grid of ratio 1.08)",
        ),
    ]


def _span(values: np.ndarray) -> tuple[float, float]:
    return (float(values.min()), float(values.max()))


def _roots(fn: Callable[[float], float], at: float, lo: float, hi: float) -> tuple[float, float]:
    """Where ``fn`` (positive at ``at``) crosses 0 below and above it, in log space."""
    out = []
    for edge in (lo, hi):
        if fn(edge) >= 0 or at <= 0:
            out.append(edge)
            continue
        g = lambda x: fn(math.exp(x))  # noqa: E731
        out.append(math.exp(optimize.brentq(g, *sorted((math.log(at), math.log(edge))), xtol=1e-9)))
    return (float(out[0]), float(out[1]))


# -- calls ----------------------------------------------------------------------------------------
def call_attempts(obs: Observations) -> tuple[np.ndarray, np.ndarray]:
    """Per attempt: hours since its trigger (arrival or latest hand-off), and reached."""
    att = np.flatnonzero(obs.of("call_attempt"))
    lead, t = obs.lead[att], obs.t[att]
    trigger = obs.created[lead].copy()
    ho = obs.of("handoff")
    if ho.any():
        # the latest hand-off at or before each attempt, per lead (events are lead-time sorted)
        hl, ht = obs.lead[ho], obs.t[ho]
        key_h = hl * 1e6 + ht
        key_a = lead * 1e6 + t
        j = np.searchsorted(key_h, key_a, side="right") - 1
        ok = (j >= 0) & (hl[np.maximum(j, 0)] == lead)
        trigger[ok] = np.maximum(trigger[ok], ht[j[ok]])
    con = obs.of("call_connected")
    reached = np.isin(lead * 1e6 + t, obs.lead[con] * 1e6 + obs.t[con])
    return 24.0 * (t - trigger), reached


def reach(obs: Observations) -> list[Estimate]:
    hours, reached = call_attempts(obs)
    if len(hours) < 10 or not reached.any():
        return []
    names = ["sales.reach_max_prob", "sales.reach_floor_share", "sales.reach_half_life_hours"]
    bounds = [(1e-4, 1.0), (0.0, 1.0), (0.05, 200.0)]

    y = reached.astype(float)
    ln2h = math.log(2.0) * hours

    def nll(x):
        rm, fl, hl = x
        # capped: a decay below e^-200 is 0 for the fit, and subnormal floats are slow
        d = np.exp(-np.minimum(ln2h / hl, 200.0))
        share = fl + (1.0 - fl) * d
        p = np.clip(rm * share, 1e-12, 1 - 1e-12)
        val = -float(np.log(p[reached]).sum() + np.log1p(-p[~reached]).sum())
        dp = -(y / p - (1.0 - y) / (1.0 - p))  # d nll / d p
        # sums, not ``@``: a BLAS call on a busy machine costs more than the whole fit
        grad = np.array(
            [
                float((dp * share).sum()),
                float((dp * (rm * (1.0 - d))).sum()),
                float((dp * (rm * (1.0 - fl) * d * ln2h / hl**2)).sum()),
            ]
        )
        return val, grad

    x_hat = _fit(nll, np.array([min(0.99, 1.5 * reached.mean()), 0.3, 2.0]), bounds)
    ints = profile_intervals(nll, x_hat, bounds)
    note = f"{int(reached.sum())} of {len(hours)} attempts reached"
    return [
        Estimate(p, float(v), lo, hi, len(hours), "MLE, profile likelihood", note)
        for p, v, (lo, hi) in zip(names, x_hat, ints, strict=True)
    ]


# -- appointments ---------------------------------------------------------------------------------
def appointment_lags(obs: Observations, window_days: float) -> tuple[np.ndarray, np.ndarray]:
    """Per booking: days to its visit or no-show (or to the window's end), and whether seen."""
    b = np.flatnonzero(obs.kind == T["booked"])
    out = np.flatnonzero((obs.kind == T["attended"]) | (obs.kind == T["no_show"]))
    lag = np.empty(len(b))
    seen = np.zeros(len(b), bool)
    key_o = obs.lead[out] * 1e6 + obs.t[out]
    j = np.searchsorted(key_o, obs.lead[b] * 1e6 + obs.t[b], side="left")
    ok = (j < len(out)) & (obs.lead[out[np.minimum(j, len(out) - 1)]] == obs.lead[b])
    end = obs.created[obs.lead[b]] + window_days
    lag[:] = end - obs.t[b]
    lag[ok] = obs.t[out[j[ok]]] - obs.t[b[ok]]
    seen[ok] = True
    return lag, seen


def appointment(obs: Observations, window_days: float) -> list[Estimate]:
    lag, seen = appointment_lags(obs, window_days)
    if not recorded(obs, "no_show"):
        # Without no-shows, a booking with no visit may be a no-show, not a visit still ahead:
        # use the visits alone (the lag does not depend on showing up).
        lag, seen = lag[seen], seen[seen]
    n = int(seen.sum())
    if n < 3:
        return []
    a = float(lag[seen].min())
    at_risk = int((lag >= a).sum())
    total = float(np.clip(lag - a, 0, None)[lag >= a].sum())
    theta = total / n
    # Total time on test: 2 T / theta ~ chi2(2 n) (exact for a fixed number of visits).
    t_lo, t_hi = 2 * total / stats.chi2.ppf(0.975, 2 * n), 2 * total / stats.chi2.ppf(0.025, 2 * n)
    # The first visit after min_days: (L_min - a) ~ Exp(at_risk / theta).
    a_lo = a - theta * -math.log(0.025) / at_risk
    a_hi = a - theta * -math.log(0.975) / at_risk
    note = f"{n} appointments ({len(lag) - n} still ahead when the window closed)"
    return [
        Estimate("appointment.min_days", a, max(0.0, a_lo), a_hi, n, "shifted exponential", note),
        Estimate("appointment.mean_extra_days", theta, t_lo, t_hi, n, "shifted exponential", note),
    ]


def estimate_all(
    obs: Observations,
    scenario_sources: Sequence[str],
    window_days: float,
    days_per_month: float,
) -> list[Estimate]:
    """Every directly observed parameter the export informs."""
    out = arrivals(obs, scenario_sources, days_per_month)
    for e in (delivery(obs), show(obs)):
        if e is not None:
            out.append(e)
    out += unsubscribes(obs)
    out += reach(obs)
    out += appointment(obs, window_days)
    return out
