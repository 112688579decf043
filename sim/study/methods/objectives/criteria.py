"""What counts for a candidate: the objective to optimise and the constraints to respect.

An **objective** is one outcome metric and a direction (``maximize`` patients, patients per
$1,000 or net benefit; ``minimize`` a cost). A **constraint** is an outcome limit,
``metric <= bound`` (unsubscribes per email, complaint rate, emails per lead per week, sales
hours per month) or ``metric >= bound``; its **margin** at a value is the distance to the bound
on the allowed side, positive within the limit. Both are plain records, built in code, from a
string (``"complaint_rate <= 0.001"``) or from a space file's table
(``{metric = "complaint_rate", max = 0.001}``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from sim.errors import InputError

Direction = Literal["maximize", "minimize"]
_CONSTRAINT = re.compile(r"^\s*([A-Za-z_][\w.:]*)\s*(<=|>=)\s*(\S+)\s*$")


@dataclass(frozen=True)
class Objective:
    """The metric to optimise and its direction (optuna's spelling).

    Example:
        >>> Objective("patients_per_1000_usd").direction
        'maximize'
    """

    metric: str
    direction: Direction = "maximize"

    def __post_init__(self) -> None:
        if self.direction not in ("maximize", "minimize"):
            raise InputError(
                f"objective: {self.metric}", f"{self.direction!r}: use maximize or minimize"
            )

    @classmethod
    def from_entry(cls, entry: Mapping[str, Any], where: str = "objective") -> Objective:
        """From a table ``{metric = "patients", direction = "maximize"}`` (direction optional).

        Example:
            >>> Objective.from_entry({"metric": "cost_usd", "direction": "minimize"})
            Objective(metric='cost_usd', direction='minimize')
        """
        _keys(entry, {"metric"}, {"direction"}, where)
        return cls(str(entry["metric"]), entry.get("direction", "maximize"))


@dataclass(frozen=True)
class Constraint:
    """An outcome limit ``metric <= bound`` or ``metric >= bound``.

    Example:
        >>> c = Constraint.parse("complaint_rate <= 0.001")
        >>> c.op, c.bound, round(c.margin(0.0004), 6)
        ('<=', 0.001, 0.0006)
    """

    metric: str
    op: Literal["<=", ">="]
    bound: float

    def __post_init__(self) -> None:
        if self.op not in ("<=", ">="):
            raise InputError(f"constraint: {self.metric}", f"{self.op!r}: use <= or >=")
        if not np.isfinite(self.bound):
            raise InputError(f"constraint: {self.metric}", f"bound {self.bound}: must be finite")

    @classmethod
    def parse(cls, text: str) -> Constraint:
        """``"metric <= 0.1"`` or ``"metric >= 3"`` as a constraint."""
        m = _CONSTRAINT.match(text)
        if m is None:
            raise InputError("constraint", f"{text!r}: write 'metric <= number' or '>= number'")
        try:
            bound = float(m.group(3))
        except ValueError:
            raise InputError("constraint", f"{text!r}: {m.group(3)!r} is not a number") from None
        return cls(m.group(1), m.group(2), bound)  # type: ignore[arg-type]

    @classmethod
    def from_entry(cls, entry: Mapping[str, Any], where: str = "constraint") -> Constraint:
        """From a table ``{metric = "complaint_rate", max = 0.001}`` (or ``min = ...``).

        Example:
            >>> Constraint.from_entry({"metric": "patients", "min": 30}).label
            'patients >= 30'
        """
        _keys(entry, {"metric"}, {"max", "min"}, where)
        limits = [k for k in ("max", "min") if k in entry]
        if len(limits) != 1:
            raise InputError(where, "give exactly one of max = ... or min = ...")
        value = entry[limits[0]]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InputError(f"{where}: {limits[0]}", f"{value!r} is not a number")
        return cls(str(entry["metric"]), "<=" if limits[0] == "max" else ">=", float(value))

    @property
    def label(self) -> str:
        """``"metric <= bound"``."""
        return f"{self.metric} {self.op} {self.bound:g}"

    def margin(self, value: Any) -> Any:
        """Distance of ``value`` to the bound on the allowed side (> 0: within the limit)."""
        return self.bound - value if self.op == "<=" else value - self.bound


def _keys(entry: Mapping[str, Any], needed: set[str], optional: set[str], where: str) -> None:
    unknown = sorted(set(entry) - needed - optional)
    if unknown:
        allowed = ", ".join(sorted(needed | optional))
        raise InputError(f"{where}: {unknown[0]}", f"unknown key; allowed: {allowed}")
    missing = sorted(needed - set(entry))
    if missing:
        raise InputError(where, f"{missing[0]} is missing")
