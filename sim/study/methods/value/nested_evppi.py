"""EVPPI by nested (two-level) Monte Carlo: the direct, expensive check of the regression method.

For each of ``n_outer`` draws of the focal inputs ``x``, the other inputs are drawn
``n_inner`` times and the strategies' net benefits averaged, estimating ``E(NB_j | x)``; then

    EVPPI_hat = mean_i max_j m_ij - max_j mean_i m_ij.

Written as the mean per-outer-draw regret ``max_j m_ij - m_ij*`` of the strategy best on
average, its Monte Carlo standard error is ``sd / sqrt(n_outer)``. The inner means are noisy,
which biases the estimate upwards by a term of order ``1 / n_inner`` (Oakley et al. 2010);
choose ``n_inner`` large enough that it is small against the standard error. The model must be
rerunnable at chosen inputs, so this suits closed-form test problems and cheap surrogates;
PSA draws of the simulation use :mod:`.evppi`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from sim.errors import InputError
from sim.study.methods.inputs import UncertainInput, names, unit_to_points
from sim.study.methods.seeding import Seed, as_generator
from sim.study.methods.value.evpi import VOIEstimate

#: A vectorised model: points ``(n, d)`` in the inputs' order -> net benefits ``(n, k)``.
NetBenefitModel = Callable[[np.ndarray], np.ndarray]

# Model evaluations per call, bounding memory.
_CHUNK_POINTS = 500_000


def evppi_nested(
    model: NetBenefitModel,
    inputs: Sequence[UncertainInput],
    focus: str | Sequence[str],
    *,
    n_outer: int = 1000,
    n_inner: int = 1000,
    seed: Seed = 0,
) -> VOIEstimate:
    """Nested Monte Carlo EVPPI of the ``focus`` input(s).

    Inputs are independent; the random numbers are drawn outer first, then inner in outer
    order, so the result does not depend on how evaluations are chunked.

    Example:
        >>> from scipy import stats
        >>> from sim.study.methods.inputs import Factor
        >>> ins = [Factor("x1", stats.norm(0, 1)), Factor("x2", stats.norm(0, 1))]
        >>> f = lambda p: np.c_[np.zeros(len(p)), p[:, 0] + p[:, 1]]
        >>> e = evppi_nested(f, ins, "x1", n_outer=2000, n_inner=200, seed=1)
        >>> bool(abs(e.estimate - 0.3989) < 4 * e.se)  # closed form: 1 * phi(0)
        True
    """
    all_names = names(inputs)
    wanted = [focus] if isinstance(focus, str) else list(focus)
    for w in wanted:
        if w not in all_names:
            raise InputError(f"focus: {w}", f"unknown; the inputs are {all_names}")
    if n_outer < 2 or n_inner < 1:
        raise InputError(
            "n_outer, n_inner", f"{n_outer}, {n_inner}: need n_outer >= 2, n_inner >= 1"
        )
    rng = as_generator(seed)
    d = len(inputs)
    is_focus = np.array([nm in wanted for nm in all_names])
    outer = rng.random((n_outer, int(is_focus.sum())))
    step = max(1, _CHUNK_POINTS // n_inner)
    blocks = []
    for start in range(0, n_outer, step):
        stop = min(start + step, n_outer)
        c = stop - start
        inner = rng.random((c, n_inner, d - int(is_focus.sum())))
        unit = np.empty((c, n_inner, d))
        unit[:, :, is_focus] = outer[start:stop, None, :]
        unit[:, :, ~is_focus] = inner
        nb = np.asarray(model(unit_to_points(inputs, unit.reshape(-1, d))), dtype=float)
        if nb.ndim != 2 or nb.shape[0] != c * n_inner or nb.shape[1] < 2:
            raise InputError(
                "model", f"returned shape {nb.shape}: expected ({c * n_inner}, k >= 2)"
            )
        blocks.append(nb.reshape(c, n_inner, -1).mean(axis=1))
    means = np.concatenate(blocks)
    chosen = int(np.argmax(means.mean(axis=0)))
    regret = means.max(axis=1) - means[:, chosen]
    note = f"upward bias of order 1/n_inner (n_inner = {n_inner})"
    return VOIEstimate(
        float(regret.mean()), float(regret.std(ddof=1) / np.sqrt(n_outer)), "evppi-nested", note
    )
