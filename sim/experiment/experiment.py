"""Experiments: arms, a design, replications — the Python API notebooks use.

Example:
    >>> import sim
    >>> scenario = sim.load_scenario("configs/scenarios/medical_practice.toml", {"months": 2})
    >>> exp = sim.Experiment(scenario, arms={
    ...     "no_nurture": sim.load_strategy("configs/strategies/no_nurture.toml"),
    ...     "twin": sim.load_strategy("configs/strategies/no_nurture.toml")},
    ...     control="no_nurture", design="paired", replications=2, seed=7)
    >>> result = exp.run(workers=1)
    >>> float(result.summary().set_index("arm").loc["twin", "abs_lift"])  # identical arms
    0.0
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from sim.analysis.comparison import Comparison, compare_arms
from sim.analysis.replications import summarize_replications
from sim.analysis.sufficient import ArmStats, PairedStats, pool
from sim.config import Scenario, Strategy
from sim.experiment.arms import ArmSpec, as_arm
from sim.experiment.executors import run_tasks
from sim.experiment.replication import (
    REPLICATION_COLUMNS,
    SOURCE_REPLICATION_COLUMNS,
    ReplicationResult,
    ReplicationTask,
    merge_curves,
    merge_desks,
    run_replication,
)

DESIGNS = ("paired", "split")


@dataclass
class ExperimentResult:
    """What an experiment returns.

    Attributes:
        control: the control arm.
        design: ``"paired"`` or ``"split"``.
        per_replication: one row per arm and replication (``replications.csv``).
        curves: pooled daily event counts and funnel counts per arm (``curves.json``).
        leads: every replication's per-lead table, if the experiment kept them.
        alpha: 1 - confidence level of the intervals.
        adjust: p-value adjustment over the comparisons with the control.
        sweep: ``{"parameter": name, "values": {arm: value}}`` for a sweep.
        stats: pooled per-arm sufficient statistics (the per-lead analysis).
        pairs: pooled paired statistics per arm vs the control (paired design).
        weights: allocation weight per arm.
        sales_desk: the sales desk by hour of the week, summed over replications.
        per_source_replication: :attr:`per_replication` for each lead source (a ``source``
            column first), for :meth:`summary` ``(by="source")``.
        measured: what each replication's ``measure`` returned, in replication order.
    """

    control: str
    design: str
    per_replication: pd.DataFrame
    curves: dict[str, Any]
    leads: pd.DataFrame | None = None
    alpha: float = 0.05
    adjust: str = "holm"
    sweep: dict[str, Any] = field(default_factory=dict)
    stats: dict[str, ArmStats] = field(default_factory=dict)
    pairs: dict[str, PairedStats] = field(default_factory=dict)
    weights: dict[str, float] = field(default_factory=dict)
    #: The sales desk by hour of the week, summed over replications
    #: (:func:`sim.experiment.replication.merge_desks`).
    sales_desk: dict[str, Any] = field(default_factory=dict)
    per_source_replication: pd.DataFrame | None = None
    #: What each replication's ``measure`` returned (``None`` without one), in order.
    measured: list[Any] = field(default_factory=list)

    def pooled(self, **options: Any) -> Comparison:
        """The pooled per-lead analysis: every lead of every replication as one sample.

        Paired designs use the pairing lead by lead (Tango's interval for the difference);
        split designs compare independent arms (Newcombe) and check the sample ratio against
        the allocation weights. Options go to :func:`sim.analysis.compare_arms`, whose design
        is that of the statistics it is given.
        """
        options.setdefault("alpha", self.alpha)
        options.setdefault("adjust", self.adjust)
        if self.design == "paired" and self.pairs:
            return compare_arms(self.pairs, self.control, **options)
        if self.design == "paired":
            # Arms that replay different lead streams (scenario overrides): their sizes differ
            # by design, not by a broken assignment, so there is no sample ratio to check.
            options.setdefault("srm_threshold", 0.0)
        options.setdefault("expected_weights", self.weights or None)
        return compare_arms(self.stats, self.control, **options)

    def summary(
        self, alpha: float | None = None, adjust: str | None = None, *, by: str | None = None
    ) -> pd.DataFrame:
        """Each arm vs the control, in the analysis vocabulary (one row per arm).

        Args:
            alpha: 1 - confidence level (default the experiment's).
            adjust: p-value adjustment, ``"holm"``, ``"bh"`` or ``"none"`` (default the
                experiment's); with ``by``, within each group.
            by: ``"source"``: one row per lead source and arm, a ``source`` column first,
                each source's leads compared arm by arm across replications.

        Raises:
            ValueError: ``by`` is not ``None`` or ``"source"``.
        """
        if by is not None:
            return self._summary_by(by, alpha or self.alpha, adjust or self.adjust)
        out = summarize_replications(
            self.per_replication,
            self.control,
            alpha=alpha or self.alpha,
            adjust=adjust or self.adjust,
            arms=list(dict.fromkeys(self.per_replication["arm"])),
        )
        if self.sweep:
            out["sweep_parameter"] = self.sweep["parameter"]
            out["sweep_value"] = out["arm"].map(self.sweep["values"])
        return out

    def _summary_by(self, by: str, alpha: float, adjust: str) -> pd.DataFrame:
        if by != "source":
            raise ValueError(f"summary(by={by!r}): use by=None (per arm) or by='source'")
        table = self.per_source_replication
        if table is None or table.empty:
            raise ValueError("summary(by='source'): this result has no per-source replications")
        arms = list(dict.fromkeys(self.per_replication["arm"]))
        frames = []
        for source, g in table.groupby("source", sort=False):
            part = summarize_replications(
                g.drop(columns="source"), self.control, alpha=alpha, adjust=adjust, arms=arms
            )
            part.insert(0, "source", source)
            frames.append(part)
        return pd.concat(frames, ignore_index=True)

    def to_markdown(self) -> str:
        """The summary as a terminal-friendly markdown table."""
        from sim.experiment.tables import summary_markdown

        return summary_markdown(self.summary())


@dataclass
class Experiment:
    """Arms compared under a design, over independent replications.

    Args:
        scenario: the world (a :class:`~sim.config.Scenario`, e.g. from
            :func:`sim.load_scenario`).
        arms: a mapping ``{name: Strategy}``, or ``{name: ArmSpec}`` for allocation weights
            and per-arm scenario overrides. The name labels the arm in every table.
        control: the arm every other arm is compared with (one of ``arms``).
        design: ``"paired"`` (every arm replays the same leads with the same random numbers:
            common random numbers, tight intervals) or ``"split"`` (one shared world whose
            leads are randomised to the arms by weight, sales desk shared: a practice's own
            A/B test).
        replications: independent replications R (>= 1); intervals are Student's t across
            them.
        seed: root seed; replication r uses ``SeedSequence(seed, spawn_key=(r,))``, so the
            same seed gives the same numbers whatever runs the replications.
        keep_leads: keep the per-lead table of every replication (``result.leads``).
        alpha: 1 - confidence level of every interval (0.05: 95% intervals).
        adjust: how p-values are adjusted for comparing several arms with the same control:
            ``"holm"`` (family-wise error), ``"bh"`` (false discovery rate) or ``"none"``.
        sweep: for a sweep, ``{"parameter": name, "values": {arm: value}}``: the summary then
            carries ``sweep_parameter`` and ``sweep_value`` columns (the report draws lift and
            cost per patient against the value). Suites fill it from their ``[sweep]``.
        stream: a prefix of every replication's spawn key, ``SeedSequence(seed,
            spawn_key=(*stream, r))``, for a family of experiments on one root seed.
        measure: a picklable function of a replication's per-lead table, applied where the
            replication runs; the results are :attr:`ExperimentResult.measured`.

    Raises:
        TypeError: ``scenario`` is not a Scenario, or ``arms`` is not a mapping of names to
            Strategy or ArmSpec (a list of strategies, say).
        ValueError: no arms, the control is not an arm, an unknown design, replications < 1,
            or scenario overrides in the split design.
    """

    scenario: Scenario
    arms: Mapping[str, Strategy | ArmSpec]
    control: str
    design: str = "paired"
    replications: int = 10
    seed: int = 0
    keep_leads: bool = False
    alpha: float = 0.05
    adjust: str = "holm"
    sweep: dict[str, Any] = field(default_factory=dict)
    stream: tuple[int, ...] = ()
    measure: Callable[[pd.DataFrame], Any] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.scenario, Scenario):
            raise TypeError(
                f"Experiment(scenario=...): expected a Scenario (sim.load_scenario(path)), got "
                f"{type(self.scenario).__name__}"
            )
        if not isinstance(self.arms, Mapping):
            hint = ""
            if isinstance(self.arms, (list, tuple)):
                hint = " - for a list of strategies, use {s.name: s for s in strategies}"
            raise TypeError(
                "Experiment(arms=...): expected a mapping {name: Strategy or ArmSpec}, got "
                f"{type(self.arms).__name__}{hint}"
            )
        self.arm_specs = tuple(as_arm(name, value) for name, value in self.arms.items())
        names = [a.name for a in self.arm_specs]
        if len(names) < 1:
            raise ValueError("an experiment needs at least one arm")
        if self.control not in names:
            raise ValueError(f"control {self.control!r} is not an arm: {', '.join(names)}")
        if self.design not in DESIGNS:
            raise ValueError(f"design {self.design!r}: use 'paired' or 'split'")
        if self.replications < 1:
            raise ValueError("replications must be >= 1")
        if self.design == "split" and any(a.scenario_overrides for a in self.arm_specs):
            raise ValueError("the split design shares one world: arms cannot change the scenario")

    def tasks(self) -> list[ReplicationTask]:
        return [
            ReplicationTask(
                self.scenario,
                self.arm_specs,
                self.control,
                self.design,
                self.seed,
                r,
                self.keep_leads,
                self.stream,
                self.measure,
            )
            for r in range(self.replications)
        ]

    def run(
        self,
        workers: int | None = None,
        *,
        executor: str = "local",
        scheduler: str | None = None,
        done: Mapping[int, ReplicationResult] | None = None,
        on_result: Callable[[int, ReplicationResult], None] | None = None,
        executor_info: dict[str, Any] | None = None,
    ) -> ExperimentResult:
        """Run every replication not already ``done`` and combine them.

        ``on_result(replication, result)`` is called as each finishes (in completion order),
        e.g. to checkpoint it; ``done`` supplies finished ones (``--resume``);
        ``executor_info`` (a dict) receives what ran them (for a manifest).
        """
        results: dict[int, ReplicationResult] = dict(done or {})
        todo = [t for t in self.tasks() if t.replication not in results]
        for i, res in run_tasks(
            run_replication,
            todo,
            executor=executor,
            workers=workers,
            scheduler=scheduler,
            info=executor_info,
        ):
            r = todo[i].replication
            results[r] = res
            if on_result is not None:
                on_result(r, res)
        return self.combine(results)

    def combine(self, results: Mapping[int, ReplicationResult]) -> ExperimentResult:
        ordered = [results[r] for r in range(self.replications)]
        reps = pd.DataFrame(
            [row for res in ordered for row in res.rows], columns=list(REPLICATION_COLUMNS)
        )
        per_source = None
        if all(res.source_rows is not None for res in ordered):
            per_source = pd.DataFrame(
                [row for res in ordered for row in res.source_rows],
                columns=list(SOURCE_REPLICATION_COLUMNS),
            )
        leads = None
        if self.keep_leads and all(res.leads is not None for res in ordered):
            leads = pd.concat([res.leads for res in ordered], ignore_index=True)
        pairs: dict[str, PairedStats] = {}
        # Pool the pairing only if every replication has one (see paired_stats).
        if self.design == "paired" and all(res.pairs is not None for res in ordered):
            pairs = pool(res.pairs for res in ordered)
        return ExperimentResult(
            control=self.control,
            design=self.design,
            per_replication=reps,
            curves=merge_curves([res.curves for res in ordered]),
            leads=leads,
            alpha=self.alpha,
            adjust=self.adjust,
            sweep=self.sweep,
            stats=pool(res.stats for res in ordered),
            pairs=pairs,
            weights={a.name: a.weight for a in self.arm_specs},
            sales_desk=merge_desks([res.desk for res in ordered]),
            per_source_replication=per_source,
            measured=[res.measured for res in ordered],
        )
