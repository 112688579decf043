"""The optimiser: search, final pick, fresh-seed check - one call, tables back, a run folder.

:func:`optimize` runs the three stages (:mod:`.search`, :mod:`.final`, then a fresh-seed
re-evaluation of the winner beside the base strategy and any strategies to compare) and
returns an :class:`Optimisation` of DataFrames; :func:`write_run` puts it in
``results/optimize/<run-id>/`` (the optuna study lives there from the start, so ``resume``
continues it). The run id hashes what determines the search's numbers - model code, scenario,
base, space, seed, search replications and batch - but not the budget, so a larger budget with
``resume`` extends the same study.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sim.config import Scenario, Strategy
from sim.errors import InputError
from sim.experiment.store import RunStore, config_hash
from sim.study.methods.objectives import evaluate, pareto_front
from sim.study.methods.selection import Selection
from sim.study.optimize.candidates import LOCAL, Runner, evaluate_strategies, stream_seed
from sim.study.optimize.final import WorldSampler, pick
from sim.study.optimize.metrics import METRICS
from sim.study.optimize.search import (
    SearchSettings,
    fixed_values,
    history,
    open_study,
    run_search,
)
from sim.study.optimize.space import SearchSpace
from sim.study.optimize.tables import comparison_table, finalists_table, fresh_table, honoured

STUDY_FILE = "study.sqlite3"
#: What the Pareto front trades off (means over the search replications).
PARETO = {
    "patients_mean": "maximize",
    "cost_total_usd_mean": "minimize",
    "unsubscribes_mean": "minimize",
}


@dataclass(frozen=True)
class Settings:
    """Everything that shapes an optimisation besides the configs and the space.

    ``budget`` candidates are searched on ``replications`` each; the best ``finalists``
    feasible ones and the base go to KN (``delta`` indifference zone, ``pcs`` target, first
    stage ``n0``, at most ``max_replications`` per system); the winner is re-evaluated on
    ``fresh`` new replications.
    """

    budget: int
    delta: float
    pcs: float = 0.95
    seed: int = 0
    replications: int = 5
    batch: int = 8
    finalists: int = 10
    n0: int = 10
    max_replications: int = 200
    fresh: int = 30
    level: float = 0.95

    def check(self) -> None:
        for name in ("budget", "replications", "batch", "finalists", "fresh"):
            if getattr(self, name) < 1:
                raise InputError(f"--{name}", f"{getattr(self, name)}: must be >= 1")
        if self.replications < 2 or self.fresh < 2:
            raise InputError("--replications", "need >= 2 replications for an interval")
        if not (isinstance(self.delta, int | float) and self.delta > 0):
            raise InputError("--delta", f"{self.delta}: the indifference zone must be > 0")
        if not 0.5 <= self.pcs < 1.0:
            raise InputError("--pcs", f"{self.pcs}: must lie in [0.5, 1)")
        if self.n0 < 2 or self.max_replications < self.n0:
            raise InputError("--max-replications", f"must be >= n0 = {self.n0}")


@dataclass
class Optimisation:
    """The outcome: the winner (or None when nothing feasible was found) and the tables."""

    winner: Strategy | None
    message: str
    history: pd.DataFrame
    finalists: pd.DataFrame
    fresh: pd.DataFrame
    comparison: pd.DataFrame
    pareto: pd.DataFrame
    selection: Selection | None
    summary: dict[str, Any] = field(default_factory=dict)
    run_dir: Path | None = None


def run_id(scenario: Scenario, base: Strategy, space: SearchSpace, s: Settings) -> str:
    """The id of the run folder (see the module notes for what it covers)."""
    from sim.experiment.manifest import model_code_hash

    return config_hash(
        {
            "model_code": model_code_hash(),
            "scenario": scenario.model_dump(mode="json"),
            "base": base.model_dump(mode="json"),
            "space": [(p.name, str(p.distribution)) for p in space.space.parameters],
            "objective": [space.objective.metric, space.objective.direction],
            "constraints": [c.label for c in space.constraints],
            "seed": s.seed,
            "replications": s.replications,
            "batch": s.batch,
            "level": s.level,
        }
    )


def optimize(
    scenario: Scenario,
    base: Strategy,
    space: SearchSpace,
    settings: Settings,
    *,
    results: str | Path = "results",
    resume: bool = False,
    compare: Sequence[Strategy] = (),
    runner: Runner = LOCAL,
    progress: Callable[[str, int, int], None] | None = None,
) -> Optimisation:
    """Search, select and check; write the run folder; return the tables.

    ``progress(stage, done, total)`` reports worlds or trials as they finish. Raises
    :class:`InputError` when no candidate met every constraint (nothing is written but the
    study, which ``resume`` continues).
    """
    settings.check()
    started = time.perf_counter()
    store = RunStore(results, "optimize", run_id(scenario, base, space, settings))
    store.prepare()
    hist, trials, base_ev = _search_stage(
        store, scenario, base, space, settings, resume, runner, progress
    )
    finalist_rows = _finalists(hist, settings.finalists, space.objective.direction)
    if finalist_rows.empty and base_ev.status == "infeasible":
        raise InputError(
            f"{space.where}: constraint",
            f"no candidate of {len(hist)} met every constraint with confidence "
            f"({_closest(hist, space)}); loosen a limit, widen the space or give more "
            "--replications",
        )
    systems, names, sources = _systems(space, base, base_ev, finalist_rows, trials)
    sampler = WorldSampler(
        scenario,
        systems,
        stream_seed(settings.seed, "selection"),
        space.objective,
        runner,
        (lambda w: progress("selection", w, w)) if progress else None,
    )
    fresh_seed = stream_seed(settings.seed, "fresh")
    fresh_reps = list(range(settings.fresh))
    others = [base, *compare]
    other_tables = evaluate_strategies(scenario, others, fresh_reps, fresh_seed, runner)
    winner_idx, selection, checked, excluded = _select(
        sampler, systems, names, sources, settings, space, other_tables[0],
        lambda st: evaluate_strategies(scenario, [st], fresh_reps, fresh_seed, runner)[0],
    )  # fmt: skip
    fin = finalists_table(systems, names, sources, finalist_rows, sampler, selection, checked,
                           space, settings)  # fmt: skip
    pareto = pareto_front(hist[hist["state"] == "complete"], PARETO, feasible="status")
    if winner_idx is None:
        raise InputError(
            f"{space.where}: constraint",
            f"every finalist broke a limit on fresh seeds ({len(systems)} tried); "
            "loosen a limit or widen the space",
        )
    ev, table = checked[winner_idx]
    winner = systems[winner_idx]
    label = f"{base.name}_optimized"
    desc = (
        f"Found by nurture optimize from {base.name} on {scenario.name} "
        f"({names[winner_idx]}, seed {settings.seed}, budget {settings.budget})."
    )
    winner = winner.model_copy(update={"name": label, "description": desc})
    fresh_names = [label, *[s.name for s in others]]
    fresh_tables = [table, *other_tables]
    fresh = fresh_table(fresh_names, fresh_tables, space, settings.level)
    comparison = comparison_table(fresh_names, fresh_tables, settings.level)
    message, summary = _summary(label, names[winner_idx], sources[winner_idx] == 'base', ev,
                                base, space, settings, selection, excluded, names, hist,
                                sampler)  # fmt: skip
    out = Optimisation(winner, message, hist, fin, fresh, comparison, pareto, selection, summary)
    out.run_dir = store.dir
    write_run(out, store, scenario, base, space, settings, runner, started)
    return out


def _search_stage(store, scenario, base, space, settings, resume, runner, progress):
    """Stage 1 (continued from the stored study with ``resume``); the history, the trials by
    number, and the base evaluated on the search's replications (for the finalist filter)."""
    study = open_study(store.dir / STUDY_FILE, space.objective.direction, resume)
    search = SearchSettings(
        settings.budget, settings.replications, settings.batch, settings.seed, settings.level
    )

    def stage(name: str) -> Callable[[int, int], None] | None:
        if progress is None:
            return None
        return lambda done, total: progress(name, done, total)

    run_search(study, space, scenario, base, search, runner, stage("search"))
    hist = history(study, space, settings.level)
    trials = {t.number: t for t in study.get_trials(deepcopy=False)}
    # the base on the search's replications, for reference and for the finalist filter
    seed1 = stream_seed(settings.seed, "search")
    [base_table] = evaluate_strategies(
        scenario, [base], list(range(settings.replications)), seed1, runner
    )
    base_ev = evaluate(
        base.name, base_table, space.objective, space.constraints, level=settings.level
    )
    return hist, trials, base_ev


def _systems(space, base, base_ev, finalist_rows, trials):
    """The final pick's systems: the search's finalists, then the base when not infeasible."""
    fixed = fixed_values(space)
    systems = [
        space.candidate(fixed | trials[int(n)].params, base, f"trial-{int(n)}")
        for n in finalist_rows["trial"]
    ]
    names = [f"trial-{int(n)}" for n in finalist_rows["trial"]]
    sources = ["search"] * len(systems)
    if base_ev.status != "infeasible":
        systems.append(base)
        names.append(base.name)
        sources.append("base")
    return systems, names, sources


def _select(sampler, systems, names, sources, settings, space, base_fresh, fresh_of):
    """KN, then the fresh-seed check of its pick; a pick that breaks a limit is set aside and
    KN picks again among the rest. Returns (winner index or None, selection, checked, set aside)."""
    excluded: list[int] = []
    checked: dict[int, Any] = {}
    winner_idx, selection = None, None
    while len(excluded) < len(systems):
        sampler.rewind()
        selection = pick(
            sampler,
            len(systems),
            delta=settings.delta,
            pcs=settings.pcs,
            n0=settings.n0,
            max_observations=settings.max_replications * len(systems),
            exclude=excluded,
        )
        i = selection.best
        table = base_fresh if sources[i] == "base" else fresh_of(systems[i])
        ev = evaluate(names[i], table, space.objective, space.constraints, level=settings.level)
        checked[i] = (ev, table)
        if honoured(ev):
            winner_idx = i
            break
        excluded.append(i)
    return winner_idx, selection, checked, excluded


def _summary(
    label, source, from_base, ev, base, space, settings, selection, excluded, names, hist, sampler
):
    """The one-line message and summary.json's fields."""
    winner_name = source
    message = (
        f"{label} ({winner_name}): {space.objective.metric} "
        f"{ev.value.mean:,.4g} (95% CI {ev.value.ci_lower:,.4g} to {ev.value.ci_upper:,.4g}) on "
        f"{settings.fresh} fresh replications; constraints {ev.status}"
    )
    if from_base:
        message = f"the base strategy {base.name} is best within delta; " + message
    summary = {
        "winner": label,
        "winner_source": winner_name,
        "objective": space.objective.metric,
        "direction": space.objective.direction,
        "objective_mean": ev.value.mean,
        "objective_ci_lower": ev.value.ci_lower,
        "objective_ci_upper": ev.value.ci_upper,
        "constraints_status": ev.status,
        "delta": settings.delta,
        "pcs": settings.pcs,
        "procedure": selection.procedure if selection else "",
        "selection_note": selection.note if selection else "",
        "set_aside": [names[i] for i in excluded],
        "trials": len(hist),
        "trials_feasible": int((hist["status"] == "feasible").sum()),
        "selection_replications": int(sampler.worlds),
        "message": message,
    }
    return message, summary


def _finalists(hist: pd.DataFrame, m: int, direction: str) -> pd.DataFrame:
    ok = hist[(hist["state"] == "complete") & (hist["status"] == "feasible")]
    ok = ok[ok["same_as"] < 0]
    return ok.sort_values(
        ["objective_mean", "trial"], ascending=[direction == "minimize", True], kind="stable"
    ).head(m)


def _closest(hist: pd.DataFrame, space: SearchSpace) -> str:
    parts = []
    for c in space.constraints:
        col = f"{c.metric}_margin"
        if col in hist and hist[col].notna().any():
            parts.append(f"{c.label}: best margin {hist[col].max():.3g}")
    return "; ".join(parts) or "no candidate could be evaluated"


def write_run(out, store, scenario, base, space, settings, runner, started) -> None:
    """The run folder's files (the study is already there)."""
    from sim.experiment.jsonable import to_jsonable
    from sim.experiment.manifest import git_commit, versions
    from sim.study.optimize.toml_out import strategy_toml

    files = {
        "history.csv": out.history,
        "finalists.csv": out.finalists,
        "fresh.csv": out.fresh,
        "comparison.csv": out.comparison,
        "pareto.csv": out.pareto,
    }
    for name, df in files.items():
        store.write_csv(name, df)
    from sim.files import atomic_write_text

    assert out.winner is not None
    atomic_write_text(
        store.dir / "winner.toml",
        strategy_toml(out.winner.model_dump(mode="json"), comment=out.winner.description),
    )
    store.write_json("summary.json", to_jsonable(out.summary))
    names = [*files, "winner.toml", "summary.json"]
    manifest = {
        "study": "optimize",
        "run_id": store.dir.name,
        "scenario": scenario.model_dump(mode="json"),
        "base": base.model_dump(mode="json"),
        "space_file": space.where,
        "settings": settings.__dict__,
        "seeds": {k: stream_seed(settings.seed, k) for k in ("search", "selection", "fresh")},
        "executor": runner.executor,
        "workers": runner.workers,
        "versions": versions(),
        "git_commit": git_commit(),
        "seconds": round(time.perf_counter() - started, 3),
        "outputs": store.hashes(names),
    }
    store.write_json("manifest.json", to_jsonable(manifest))
    _ = METRICS
