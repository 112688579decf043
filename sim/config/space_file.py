"""The ``[[parameter]]`` entries of a priors or search-space file, as the file says them.

Checked for shape only (a distribution and its own arguments, unique names);
:mod:`sim.config.space` builds the distributions and checks them against the configs.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from sim.config.base import StrictModel
from sim.config.distributions import ARGUMENTS, OPTIONAL

#: Most parameters one space may hold (a study's cost grows with them).
MAX_PARAMETERS = 200
_ARG_NAMES = ("low", "high", "a", "b", "mean", "sd", "value", "choices", "alpha", "values")


class ParameterEntry(StrictModel):
    """One ``[[parameter]]`` of a priors or space file."""

    #: The key path of the value that varies, e.g. ``content.match_advance_prob``.
    path: str | None = Field(default=None, min_length=1, max_length=200)
    #: A dirichlet names its shares' paths here instead of ``path``.
    paths: list[str] | None = Field(default=None, min_length=2, max_length=20)
    #: A short name for tables and figures (defaults to the path).
    name: str | None = Field(default=None, min_length=1, max_length=80)
    #: The distribution; each takes its own arguments below.
    distribution: Literal[
        "uniform",
        "loguniform",
        "beta",
        "truncnormal",
        "fixed",
        "integer",
        "categorical",
        "dirichlet",
        "sample",
    ]
    #: uniform, loguniform, integer: the range; beta: rescale to it; truncnormal: truncate.
    low: float | None = None
    #: The other end of ``low``'s range.
    high: float | None = None
    #: beta's first shape (its mean is a / (a + b)).
    a: float | None = None
    #: beta's second shape.
    b: float | None = None
    #: truncnormal's mean before truncation.
    mean: float | None = None
    #: truncnormal's standard deviation before truncation.
    sd: float | None = None
    #: fixed: the value held.
    value: float | int | str | bool | None = None
    #: categorical: the values to choose from.
    choices: list[float | int | str | bool] | None = Field(default=None, max_length=100)
    #: dirichlet: one concentration per share (mean share = alpha / sum(alpha)).
    alpha: list[float] | None = Field(default=None, max_length=20)
    #: sample: draws of the value (e.g. ``nurture calibrate``'s posterior sample).
    values: list[float] | None = Field(default=None, max_length=100_000)
    #: Where the distribution comes from: a citation, or "assumed: ..." with the reasoning.
    source: str = Field(min_length=1, max_length=2000)

    @model_validator(mode="after")
    def _arguments(self) -> ParameterEntry:
        kind = self.distribution
        if kind == "dirichlet":
            if self.paths is None or self.path is not None:
                raise ValueError("dirichlet names its shares with paths = [...], not path")
            if self.alpha is not None and len(self.alpha) != len(self.paths):
                raise ValueError("dirichlet needs one alpha per path")
        elif self.path is None or self.paths is not None:
            raise ValueError(f"{kind} needs path = '...' (paths = [...] is for dirichlet)")
        needed = ARGUMENTS[kind]
        allowed = set(needed) | set(OPTIONAL.get(kind, ()))
        missing = [k for k in needed if getattr(self, k) is None]
        if missing:
            raise ValueError(f"{kind} needs {' and '.join(needed)}; missing {', '.join(missing)}")
        extra = [k for k in _ARG_NAMES if getattr(self, k) is not None and k not in allowed]
        if extra:
            raise ValueError(f"{kind} takes {', '.join(sorted(allowed))}, not {', '.join(extra)}")
        return self

    @property
    def label(self) -> str:
        return self.name or self.path or "+".join(self.paths or ())

    def arguments(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in _ARG_NAMES if getattr(self, k) is not None}


class SpaceFile(StrictModel):
    """A priors or search-space file: parameters, plus tables other studies read."""

    #: Free text for reports.
    description: str = ""
    #: The values that vary, one ``[[parameter]]`` table each.
    parameter: list[ParameterEntry] = Field(min_length=1, max_length=MAX_PARAMETERS)
    #: Search spaces: limits on outcomes the winner must respect (read by the optimiser).
    constraint: list[dict[str, Any]] = Field(default_factory=list)
    #: Search spaces: what the optimiser maximises.
    objective: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _unique(self) -> SpaceFile:
        names = [e.label for e in self.parameter]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"parameter {dup[0]!r} appears twice; each path (or name) once")
        return self
