"""Kim & Nelson's fully sequential procedure KN for selecting the best system (maximisation).

Kim, S.-H. and Nelson, B. L. (2001), "A fully sequential procedure for indifference-zone
selection in simulation", ACM TOMACS 11(3):251-273. With ``k`` systems, first stage ``n0``,
indifference zone ``delta`` and target ``pcs = 1 - alpha`` (and Kim & Nelson's ``c = 1``):

    eta = ((2 alpha / (k - 1))^(-2 / (n0 - 1)) - 1) / 2,    h^2 = 2 eta (n0 - 1),

``S^2_il`` the first-stage sample variance of the *differences* ``X_i - X_l``. After every
further observation ``r`` of each surviving system, system ``i`` is eliminated if some survivor
``l`` of the previous stage has ``mean_i(r) < mean_l(r) - W_il(r)`` with

    W_il(r) = max(0, delta / (2 r) * (h^2 S^2_il / delta^2 - r));

the last survivor is selected. The widths shrink to 0 by ``r = max floor(h^2 S^2_il /
delta^2) + 1``, where the largest mean wins, so the procedure always ends.

**Why KN is the default for the final pick.** When the best mean is at least ``delta`` above
every other, KN selects the best with probability at least ``pcs`` for normal observations
with *unknown and unequal variances*, and the guarantee *holds under common random numbers*:
the procedure only looks at pairwise differences, whose variance CRN shrinks, so CRN turns
straight into fewer observations. It stops sampling a system as soon as it is clearly worse,
which is where it saves over two-stage procedures (Rinott, :mod:`.rinott`) and over equal
allocation (:mod:`.equal_allocation`). OCBA (:mod:`.ocba`) spends a fixed budget well on
average but gives no probability guarantee (its allocation is asymptotic and runs on estimated
means and variances), so it is a comparator only. Systems within ``delta`` of the best are
"indifferent": any of them may be picked. Means over a replication's many leads are close to
normal, which is the assumption that matters; minimise a cost by negating it.

Observations are requested in batches of ``batch`` per surviving system (parallel
replications); screening still happens after every single observation, so the decision is
that of the one-at-a-time procedure and only the draw-ahead costs extra (``Selection.drawn``).
"""

from __future__ import annotations

import numpy as np

from sim.errors import InputError
from sim.study.methods.selection.outcome import Selection
from sim.study.methods.selection.sampling import BatchSampler, Tally, check_common, draw


def kn_constants(k: int, n0: int, pcs: float) -> tuple[float, float]:
    """``(eta, h^2)`` of KN with ``c = 1``.

    Example:
        >>> eta, h2 = kn_constants(20, 10, 0.95)
        >>> round(eta, 4), round(h2, 3)
        (1.1046, 19.882)
    """
    check_common(k, n0)
    if not 1.0 / k < pcs < 1.0:
        raise InputError("pcs", f"{pcs}: must lie in (1/k, 1) = ({1.0 / k:.4g}, 1)")
    alpha = 1.0 - pcs
    eta = 0.5 * ((2.0 * alpha / (k - 1)) ** (-2.0 / (n0 - 1)) - 1.0)
    return eta, 2.0 * eta * (n0 - 1)


def kn_select(
    sample: BatchSampler,
    k: int,
    *,
    delta: float,
    pcs: float = 0.95,
    n0: int = 10,
    batch: int = 1,
    max_observations: int | None = None,
) -> Selection:
    """Select the system with the largest mean by KN.

    Args:
        sample: batch sampler ``sample(systems, n) -> (len(systems), n)``
            (:mod:`.sampling`; :func:`~.sampling.per_system` adapts ``sample(system, n)``).
        k: number of systems (indices ``0 .. k-1``).
        delta: indifference zone (smallest difference worth detecting), > 0.
        pcs: target probability of correct selection, in ``(1/k, 1)``.
        n0: first-stage observations per system (>= 2; 10-20 is usual).
        batch: observations requested per surviving system at a time.
        max_observations: optional cap on observations drawn; if reached, the survivor with
            the largest mean is returned and ``note`` says the guarantee is void.

    Returns:
        The :class:`~.outcome.Selection`; ``eliminated_at`` holds the stage ``r`` at which each
        system dropped out (``-1`` for the winner).

    Example:
        >>> rng = np.random.default_rng(1)
        >>> mu = np.array([0.0, 0.0, 0.5, 0.0])
        >>> s = kn_select(lambda sy, n: rng.normal(mu[sy, None], 1.0, (len(sy), n)), 4, delta=0.5)
        >>> s.best, s.procedure, s.eliminated_at[s.best]
        (2, 'KN', np.int64(-1))
    """
    if not delta > 0:
        raise InputError("delta", f"{delta}: the indifference zone must be > 0")
    if batch < 1:
        raise InputError("batch", f"{batch}: must be >= 1")
    if max_observations is not None and max_observations < k * n0:
        raise InputError("max_observations", f"{max_observations}: below k * n0 = {k * n0}")
    eta, h2 = kn_constants(k, n0, pcs)
    systems = np.arange(k)
    first = draw(sample, systems, n0)
    tally = Tally(k)
    tally.add(systems, first)
    s2 = _difference_variances(first)
    r_stop = int(np.floor(h2 * s2.max() / delta**2)) + 1
    feed = _Feed(sample, batch, np.full(k, n0, dtype=np.int64), max_observations)
    alive = np.ones(k, dtype=bool)
    eliminated_at = np.full(k, -1, dtype=np.int64)
    r = n0
    while True:
        idx = np.flatnonzero(alive)
        out = _screen(tally.means()[idx], s2[np.ix_(idx, idx)], h2, delta, r)
        alive[idx[out]] = False
        eliminated_at[idx[out]] = r
        idx = np.flatnonzero(alive)
        # at r_stop the widths are 0: only exact ties survive, and the first largest mean wins
        if len(idx) == 1 or r >= r_stop:
            break
        obs = feed.next(idx)
        if obs is None:
            break
        tally.add(idx, obs)
        r += 1
    survivors = np.flatnonzero(alive)
    best = int(survivors[np.argmax(tally.means()[survivors])])
    params = {"k": k, "n0": n0, "delta": delta, "pcs": pcs, "eta": eta, "h2": h2, "batch": batch}
    note = feed.note
    return Selection(
        best, "KN", tally.n.copy(), tally.means(), tally.sds(), eliminated_at, feed.drawn, params,
        note,
    )  # fmt: skip


class _Feed:
    """Hands out one observation per survivor at a time from batches drawn ahead."""

    def __init__(
        self, sample: BatchSampler, batch: int, drawn: np.ndarray, cap: int | None
    ) -> None:
        self.sample, self.batch, self.drawn, self.cap = sample, batch, drawn, cap
        self.buffer = np.empty((0, 0))
        self.systems = np.empty(0, dtype=np.int64)
        self.col = 0
        self.note = ""

    def next(self, idx: np.ndarray) -> np.ndarray | None:
        """The next observation ``(len(idx), 1)`` of survivors ``idx``; None at the cap."""
        if self.col >= self.buffer.shape[1]:
            if self.cap is not None and self.drawn.sum() + self.batch * len(idx) > self.cap:
                self.note = f"stopped at the cap of {self.cap} observations: no PCS guarantee"
                return None
            self.buffer, self.systems, self.col = draw(self.sample, idx, self.batch), idx, 0
            self.drawn[idx] += self.batch
        # survivors are a subset of the systems the buffer was drawn for (both sorted)
        rows = np.searchsorted(self.systems, idx)
        out = self.buffer[rows, self.col : self.col + 1]
        self.col += 1
        return out


def _difference_variances(first: np.ndarray) -> np.ndarray:
    """``S^2_il``: sample variance of ``X_i - X_l`` over the first stage (``ddof=1``)."""
    cov = np.atleast_2d(np.cov(first, ddof=1))
    d = np.diag(cov)
    return np.maximum(d[:, None] + d[None, :] - 2.0 * cov, 0.0)


def _screen(means: np.ndarray, s2: np.ndarray, h2: float, delta: float, r: int) -> np.ndarray:
    """Which survivors KN eliminates at stage ``r`` (all compared with the pre-stage set)."""
    w = np.maximum(0.0, delta / (2.0 * r) * (h2 * s2 / delta**2 - r))
    # behind[i, l]: system i is more than W_il behind survivor l
    behind = means[:, None] < means[None, :] - w
    return behind.any(axis=1)
