"""Stage 1: a constrained search with optuna, each candidate on paired replications.

optuna's TPE sampler (multivariate, with ``constraints_func``) proposes candidates; each is
evaluated on the same ``replications`` of the search stream (common random numbers), and the
sampler is told its mean objective and its constraint values (minus each constraint's margin at
the mean: optuna's ``<= 0`` is feasible). The study lives in optuna's SQLite storage, so a run
that stops can be resumed where it stopped.

Determinism. Candidates are asked ``batch`` at a time (a fixed number, not the worker count),
evaluated together on the executor, and told in trial order. Before every ``ask`` the sampler
is rebuilt with a seed derived from the root seed and the trial number, so each proposal is a
function of the stored trials and the seed alone: one or two workers, Dask, or a run resumed
half-way through a batch propose the same candidates. A candidate whose values the models
refuse is told as failed, with the reason kept. Candidates equal to an earlier one reuse its
evaluation (the replications are the same, so would be its numbers).
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.config import Scenario, Strategy
from sim.config.distributions import Categorical, Integer, LogUniform, Uniform
from sim.errors import InputError
from sim.study.methods.objectives import evaluate
from sim.study.optimize.candidates import LOCAL, Runner, evaluate_strategies, stream_seed
from sim.study.optimize.metrics import METRICS
from sim.study.optimize.space import SearchSpace

STUDY_NAME = "search"
#: Random (space-filling) candidates before TPE models the history; fixed so that a larger
#: budget continues a study instead of starting another.
STARTUP_TRIALS = 20


@dataclass(frozen=True)
class SearchSettings:
    """How stage 1 runs."""

    budget: int
    replications: int = 5
    batch: int = 8
    seed: int = 0
    level: float = 0.95


def optuna_distributions(space: SearchSpace) -> dict[str, Any]:
    """optuna distributions of the space's varying parameters, by parameter name.

    Example:
        >>> from sim.config.space import ParameterSpace
        >>> from sim.study.methods.objectives import Objective
        >>> ps = ParameterSpace.from_entries([{"path": "strategy:email.max_emails",
        ...     "distribution": "integer", "low": 1, "high": 9, "source": "x"}])
        >>> optuna_distributions(SearchSpace(ps, Objective("patients"), ()))
        {'strategy:email.max_emails': IntDistribution(high=9, log=False, low=1, step=1)}
    """
    from optuna.distributions import (
        CategoricalDistribution,
        FloatDistribution,
        IntDistribution,
    )

    out: dict[str, Any] = {}
    for p in space.space.varying:
        d = p.distribution
        if isinstance(d, Integer):
            out[p.name] = IntDistribution(d.low, d.high)
        elif isinstance(d, LogUniform):
            out[p.name] = FloatDistribution(d.low, d.high, log=True)
        elif isinstance(d, Uniform):
            out[p.name] = FloatDistribution(d.low, d.high)
        elif isinstance(d, Categorical):
            out[p.name] = CategoricalDistribution(list(d.choices))
        else:  # pragma: no cover - load_search_space refuses the others
            raise InputError(space.where, f"{p.name}: {d} cannot be searched")
    return out


def fixed_values(space: SearchSpace) -> dict[str, Any]:
    """The space's fixed parameters, set on every candidate."""
    return {p.name: p.distribution.mean for p in space.space.parameters if not p.varies}


def _constraints(trial: Any) -> list[float]:
    return list(trial.user_attrs.get("constraints", []))


def _sampler(seed: int, number: int) -> Any:
    import optuna

    s = np.random.SeedSequence(seed, spawn_key=(9, number)).generate_state(1)[0]
    return optuna.samplers.TPESampler(
        seed=int(s),
        n_startup_trials=STARTUP_TRIALS,
        multivariate=True,
        constant_liar=True,
        constraints_func=_constraints,
    )


def open_study(path: Path, direction: str, resume: bool) -> Any:
    """The optuna study in SQLite at ``path``: continued with ``resume``, else started anew."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    if path.exists() and not resume:
        path.unlink()
    storage = optuna.storages.RDBStorage(f"sqlite:///{path}")
    return optuna.create_study(
        storage=storage, study_name=STUDY_NAME, direction=direction, load_if_exists=True
    )


def run_search(
    study: Any,
    space: SearchSpace,
    scenario: Scenario,
    base: Strategy,
    settings: SearchSettings,
    runner: Runner = LOCAL,
    progress: Callable[[int, int], None] | None = None,
) -> None:
    """Ask, evaluate and tell until the study holds ``settings.budget`` finished trials."""
    import optuna

    dists = optuna_distributions(space)
    fixed = fixed_values(space)
    seed = stream_seed(settings.seed, "search")
    reps = list(range(settings.replications))
    known = {_key(t.params): t for t in study.get_trials(deepcopy=False) if _finished(t)}

    def finished_count() -> int:
        return sum(_finished(t) for t in study.get_trials(deepcopy=False))

    if progress is not None:
        progress(finished_count(), settings.budget)
    with warnings.catch_warnings():
        # multivariate TPE is "experimental" and constraints_func "deprecated" in optuna 5
        # (for Trial.set_constraint, absent from the optuna 3 the project also supports)
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        warnings.simplefilter("ignore", FutureWarning)
        while True:
            trials = study.get_trials(deepcopy=False)
            running = [t for t in trials if t.state == optuna.trial.TrialState.RUNNING]
            left = settings.budget - sum(_finished(t) for t in trials)
            if left <= 0 and not running:
                break
            batch = [optuna.trial.Trial(study, t._trial_id) for t in running]
            while len(batch) < settings.batch and len(batch) < left:
                study.sampler = _sampler(settings.seed, len(study.get_trials(deepcopy=False)))
                batch.append(study.ask(dists))
            _evaluate_batch(study, batch, space, scenario, base, fixed, reps, seed, runner,
                            settings.level, known)  # fmt: skip
            if progress is not None:
                progress(finished_count(), settings.budget)


def _evaluate_batch(study, batch, space, scenario, base, fixed, reps, seed, runner, level, known):
    import optuna

    todo: list[tuple[Any, Strategy]] = []
    for trial in batch:
        point = fixed | trial.params
        if _key(trial.params) in known:
            continue
        try:
            todo.append((trial, space.candidate(point, base, f"trial-{trial.number}")))
        except InputError as exc:
            trial.set_user_attr("error", exc.problem)
    tables = evaluate_strategies(scenario, [s for _, s in todo], reps, seed, runner)
    results = {t.number: table for (t, _), table in zip(todo, tables, strict=True)}
    for trial in sorted(batch, key=lambda t: t.number):
        prior = known.get(_key(trial.params))
        if prior is not None:
            for k, v in prior.user_attrs.items():
                trial.set_user_attr(k, v)
            trial.set_user_attr("same_as", prior.number)
            study.tell(trial, prior.value if prior.value is not None else None,
                       state=prior.state)  # fmt: skip
            continue
        if trial.number not in results:
            study.tell(trial, state=optuna.trial.TrialState.FAIL)
            continue
        table = results[trial.number]
        ev = evaluate(f"trial-{trial.number}", table, space.objective, space.constraints,
                      level=level)  # fmt: skip
        trial.set_user_attr("constraints", ev.constraint_values())
        trial.set_user_attr("status", ev.status)
        trial.set_user_attr("replications", json.loads(table.to_json(orient="split")))
        value = ev.value.mean
        if math.isfinite(value):
            study.tell(trial, value)
        else:
            trial.set_user_attr("error", f"{space.objective.metric} has no value")
            study.tell(trial, state=optuna.trial.TrialState.FAIL)
        known[_key(trial.params)] = study.get_trials(deepcopy=False)[trial.number]


def _finished(t: Any) -> bool:
    return t.state.is_finished()


def _key(params: dict[str, Any]) -> str:
    return json.dumps(params, sort_keys=True)


def replication_table(trial: Any) -> pd.DataFrame:
    """A trial's per-replication metrics (as stored with it)."""
    data = trial.user_attrs.get("replications")
    if data is None:
        return pd.DataFrame(columns=list(METRICS))
    return pd.DataFrame(data["data"], index=data["index"], columns=data["columns"])


def history(study: Any, space: SearchSpace, level: float = 0.95) -> pd.DataFrame:
    """One row per trial: state, status, objective with its interval, parameters, metrics.

    Columns: ``trial, state, status, same_as, error``, ``objective_mean, objective_ci_lower,
    objective_ci_upper, best_so_far``, each varying parameter, ``{metric}_mean`` for every
    metric and ``{metric}_margin`` for every constrained metric.
    """
    rows = []
    sign = 1.0 if space.objective.direction == "maximize" else -1.0
    best = -math.inf
    for t in sorted(study.get_trials(deepcopy=False), key=lambda t: t.number):
        row: dict[str, Any] = {
            "trial": t.number,
            "state": t.state.name.lower(),
            "status": t.user_attrs.get("status", ""),
            "same_as": t.user_attrs.get("same_as", -1),
            "error": t.user_attrs.get("error", ""),
        }
        table = replication_table(t)
        if len(table):
            ev = evaluate(f"trial-{t.number}", table, space.objective, space.constraints,
                          level=level)  # fmt: skip
            row |= {
                "objective_mean": ev.value.mean,
                "objective_ci_lower": ev.value.ci_lower,
                "objective_ci_upper": ev.value.ci_upper,
            }
            if ev.status == "feasible":
                best = max(best, sign * ev.value.mean)
        row["best_so_far"] = sign * best if math.isfinite(best) else math.nan
        row |= {p: t.params.get(p) for p in space.varying}
        for m in METRICS:
            row[f"{m}_mean"] = float(table[m].mean()) if len(table) else math.nan
        for c in space.constraints:
            row[f"{c.metric}_margin"] = (
                float(c.margin(table[c.metric].mean())) if len(table) else math.nan
            )
        rows.append(row)
    return pd.DataFrame(rows)
