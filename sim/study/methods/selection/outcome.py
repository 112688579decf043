"""The outcome of a ranking-and-selection procedure: which system, and on what evidence."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sim.errors import InputError


@dataclass(frozen=True, eq=False)
class Selection:
    """The outcome of a selection procedure.

    Attributes:
        best: index of the selected system.
        procedure: ``"KN"``, ``"Rinott"``, ``"OCBA"`` or ``"equal"``.
        n: observations each system contributed to the decision.
        means: each system's sample mean over those observations.
        sds: each system's sample standard deviation over them.
        eliminated_at: stage (observations per system) at which each system was eliminated;
            ``-1`` for systems never eliminated (the winner, or every system of a procedure
            without elimination).
        drawn: observations taken from the sampler per system (``>= n`` when batches draw
            ahead).
        parameters: the procedure's settings and constants (``delta``, ``pcs``, ``h2`` ...).
        note: empty, or why the guarantee does not hold (a budget cap was hit).
    """

    best: int
    procedure: str
    n: np.ndarray
    means: np.ndarray
    sds: np.ndarray
    eliminated_at: np.ndarray
    drawn: np.ndarray
    parameters: dict[str, Any] = field(default_factory=dict)
    note: str = ""

    @property
    def total(self) -> int:
        """Observations used in the decision, all systems together."""
        return int(self.n.sum())

    @property
    def total_drawn(self) -> int:
        """Observations taken from the sampler, all systems together."""
        return int(self.drawn.sum())

    def to_frame(self, names: Sequence[str] | None = None) -> pd.DataFrame:
        """One row per system: ``system, n, mean, sd, se, eliminated_at, drawn, selected``.

        Example:
            >>> s = Selection(1, "equal", np.array([5, 5]), np.array([0.1, 0.4]),
            ...               np.array([1.0, 1.0]), np.array([-1, -1]), np.array([5, 5]))
            >>> s.to_frame(["a", "b"]).selected.tolist()
            [False, True]
        """
        k = len(self.n)
        labels = list(range(k)) if names is None else list(names)
        if len(labels) != k:
            raise InputError("names", f"{len(labels)} names for {k} systems")
        return pd.DataFrame(
            {
                "system": labels,
                "n": self.n,
                "mean": self.means,
                "sd": self.sds,
                "se": self.sds / np.sqrt(self.n),
                "eliminated_at": self.eliminated_at,
                "drawn": self.drawn,
                "selected": np.arange(k) == self.best,
            }
        )
