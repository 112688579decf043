"""Latent journey and content parameters by ABC-SMC (pyabc) against an export's summaries.

The parameters no CRM field records (how fast leads move between stages, what an opened email
does, how often a conversation books) are inferred by simulation: pyabc's ABC-SMC proposes
values, the world is run at them with the practice's own strategy (and the directly observed
parameters at their estimates), and the simulated export's summary statistics
(:func:`sim.crm.stats.summaries`) are compared with the real one's. A pilot of prior draws
first fits a projection of the statistics onto the parameters (semi-automatic ABC, see
:mod:`.projection`), so the distance compares one informative summary per parameter, which
pyabc's adaptive distance scales by its spread.

pyabc works on unit-cube coordinates with uniform priors; each coordinate goes through its
parameter's prior inverse CDF (:mod:`sim.config.distributions`), so any prior of a priors
file can be used as it is. Each simulation's seed is derived from its coordinates, and pyabc's
own sampling draws from numpy's global generator, which :func:`run_abc` seeds: the same seed
gives the same posterior.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.config.scenario import Scenario
from sim.config.space import Parameter, ParameterSpace
from sim.config.strategy import Strategy
from sim.crm.stats import observations, summaries
from sim.study.calibrate.projection import Projection
from sim.world.model import simulate

#: The latent parameters calibrated by default: the journey's pace, what a conversation and
#: an opened email do, and the email response rates that mix latent stage and affinity.
DEFAULT_LATENT = (
    "journey.awareness.advance_per_day",
    "journey.consideration.advance_per_day",
    "journey.decision.advance_per_day",
    "journey.decision.drop_per_day",
    "sales.book_prob_decision",
    "content.match_advance_prob",
    "email.open_prob",
    "email.click_given_open_prob",
)


@dataclass(frozen=True)
class AbcSettings:
    """How hard ABC-SMC works: particles per generation, generations, worker processes, and
    the pilot of prior draws the projected summaries are fitted on (0: raw summaries)."""

    population: int = 100
    generations: int = 4
    workers: int = 1
    min_acceptance: float = 0.02
    pilot: int = 400


@dataclass(frozen=True)
class Posterior:
    """An ABC posterior: equally weighted draws of each latent parameter, in value space."""

    parameters: tuple[Parameter, ...]
    draws: pd.DataFrame  # one column per parameter name
    epsilons: tuple[float, ...]
    simulations: int

    def medians(self) -> dict[str, float]:
        return {c: float(self.draws[c].median()) for c in self.draws}


def latent_parameters(space: ParameterSpace, names: Sequence[str]) -> tuple[Parameter, ...]:
    out = []
    for name in names:
        p = space[name]
        if p.size != 1 or not p.varies:
            raise ValueError(f"{name}: ABC needs a one-dimensional prior that varies")
        out.append(p)
    return tuple(out)


class WorldModel:
    """pyabc's model: coordinates -> a simulated export's summaries (picklable for workers)."""

    def __init__(
        self,
        params: Sequence[Parameter],
        space: ParameterSpace,
        scenario: Scenario,
        strategy: Strategy,
        fixed: dict[str, Any],
        seed: int,
        recorded: Sequence[str] | None = None,
        projection: Projection | None = None,
    ) -> None:
        self.params = tuple(params)
        self.space = space
        self.scenario = scenario
        self.strategy = strategy
        self.fixed = dict(fixed)
        self.seed = seed
        #: Event types the real export records; simulated ones keep only these, so that a
        #: CRM without call logs is compared with simulated exports without calls.
        self.recorded = tuple(recorded) if recorded is not None else None
        #: Set once a pilot is fitted: pyabc then sees one projected summary per parameter.
        self.projection = projection

    def values(self, u: Sequence[float]) -> dict[str, float]:
        return {
            p.name: float(p.distribution.ppf(np.array([min(max(x, 0.0), 1.0)]))[0])
            for p, x in zip(self.params, u, strict=True)
        }

    def simulate(self, values: dict[str, float], seed: int) -> dict[str, float]:
        point = {**self.fixed, **values}
        scenario, _ = self.space.apply(point, self.scenario, {self.strategy.name: self.strategy})
        r = simulate(scenario, self.strategy, seed, events=True)
        leads, events = r.crm
        if self.recorded is not None:
            events = events[events["type"].isin(self.recorded)]
        return summaries(observations(leads, events), scenario.window_days)

    def seed_of(self, u: Sequence[float]) -> int:
        """The world seed of the point ``u``: from its coordinates and the root seed."""
        raw = np.asarray(u, dtype=float).tobytes() + (self.seed % 2**64).to_bytes(8, "little")
        return int.from_bytes(hashlib.sha256(raw).digest()[:8], "little")

    def raw(self, u: Sequence[float]) -> dict[str, float]:
        """The simulated export's summaries at the coordinates ``u``."""
        return self.simulate(self.values(u), self.seed_of(u))

    def summarise(self, stats: dict[str, float]) -> dict[str, float]:
        """What pyabc compares: the projected summaries once a pilot is fitted."""
        return stats if self.projection is None else self.projection(stats)

    def __call__(self, pars: dict[str, float]) -> dict[str, float]:
        return self.summarise(self.raw([float(pars[f"u{i}"]) for i in range(len(self.params))]))


#: Spawn key of the pilot's prior draws (the ABC's own draws use numpy's global generator).
PILOT_KEY = 0x9170


def pilot_points(model: WorldModel, n: int) -> np.ndarray:
    """``n`` prior draws on the unit cube for the pilot, from the model's root seed."""
    rng = np.random.default_rng(np.random.SeedSequence(model.seed % 2**63, spawn_key=(PILOT_KEY,)))
    return rng.random((n, len(model.params)))


@dataclass(frozen=True)
class PilotTask:
    """One pilot world: picklable, a pure function of its fields."""

    model: WorldModel
    u: tuple[float, ...]


def run_pilot_task(task: PilotTask) -> dict[str, float]:
    return task.model.raw(task.u)


def run_abc(
    model: WorldModel,
    observed: dict[str, float],
    settings: AbcSettings,
    seed: int = 0,
    db_dir: str | Path | None = None,
    sampler: Any = None,
    db: str | Path | None = None,
) -> Posterior:
    """ABC-SMC posterior of the model's latent parameters given the observed summaries.

    ``observed`` is the export's raw summaries (projected here when the model has a
    projection). ``sampler`` is a pyabc sampler (default: single core, or pyabc's multicore
    one for ``settings.workers`` > 1). ``db`` keeps pyabc's history in that SQLite file (it
    is replaced); without it a temporary one under ``db_dir`` is used and removed.
    """
    import pyabc

    for name in ("ABC", "pyabc", "Sampler", "Epsilon", "Distance", "Acceptor"):
        logging.getLogger(name).setLevel(logging.WARNING)
    k = len(model.params)
    prior = pyabc.Distribution(**{f"u{i}": pyabc.RV("uniform", 0.0, 1.0) for i in range(k)})
    if sampler is None and settings.workers > 1:
        sampler = pyabc.sampler.MulticoreEvalParallelSampler(n_procs=settings.workers)
    elif sampler is None:
        sampler = pyabc.sampler.SingleCoreSampler()
    np.random.seed(seed % 2**32)  # pyabc draws from numpy's global generator
    abc = pyabc.ABCSMC(
        model,
        prior,
        pyabc.AdaptivePNormDistance(p=2),
        population_size=settings.population,
        sampler=sampler,
    )
    with tempfile.TemporaryDirectory(dir=db_dir) as tmp:
        path = Path(db) if db is not None else Path(tmp) / "abc.db"
        path.unlink(missing_ok=True)
        abc.new(f"sqlite:///{path}", model.summarise(observed))
        history = abc.run(
            max_nr_populations=settings.generations, min_acceptance_rate=settings.min_acceptance
        )
        frame, w = history.get_distribution(m=0, t=history.max_t)
        eps = tuple(float(e) for e in history.get_all_populations()["epsilon"].tolist()[1:])
        sims = int(history.total_nr_simulations)
    # Equal-weight draws by systematic resampling (deterministic given the weights).
    w = np.asarray(w, dtype=float) / np.sum(w)
    n = settings.population
    positions = (np.arange(n) + 0.5) / n
    idx = np.minimum(np.searchsorted(np.cumsum(w), positions), len(w) - 1)
    u = frame[[f"u{i}" for i in range(k)]].to_numpy()[idx]
    draws = pd.DataFrame([model.values(row) for row in u])
    return Posterior(model.params, draws, eps, sims)


def predictive(
    model: WorldModel,
    draws: pd.DataFrame,
    n: int,
    seed: int,
    run: Callable[[dict[str, float], int], Any] | None = None,
) -> list[Any]:
    """``run(values, seed)`` (default: the model's summaries) at ``n`` posterior draws."""
    run = run or model.simulate
    rows = draws.iloc[np.linspace(0, len(draws) - 1, n).round().astype(int)]
    return [run(row.to_dict(), seed * 1_000_003 + i) for i, (_, row) in enumerate(rows.iterrows())]
