"""From a per-unit (per-lead) table to the sufficient statistics of each design.

:func:`arm_stats` gives ``{arm: ArmStats}`` (split), :func:`paired_stats` gives
``{arm: PairedStats}`` for every non-control arm paired unit by unit with the control
(paired), and :func:`pairing_key` tells whether a table pairs its units across arms, so that
a paired table is never analysed as independent arms by accident. Columns are checked by
:mod:`sim.analysis.columns`, with messages naming the row and column.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.columns import (
    arm_codes,
    binary_column,
    cost_column,
    label_column,
    require_columns,
)
from sim.analysis.sufficient import ArmStats, PairedStats, group_arm_stats
from sim.errors import InputError

#: The columns that identify a unit across arms in the world's per-lead tables: the lead, and
#: the replication when a table pools several (lead ids restart in every replication).
UNIT_COLUMNS: tuple[str, ...] = ("replication", "lead_id")


def arm_stats(
    df: pd.DataFrame,
    *,
    arm_col: str = "arm",
    converted_col: str = "converted",
    cost_col: str | None = "cost_total_usd",
    unsubscribed_col: str | None = "unsubscribed",
    complained_col: str | None = "complained",
) -> dict[str, ArmStats]:
    """Per-arm sufficient statistics of a per-unit DataFrame, with its columns checked.

    This is what to pool across replications or chunks (``pool`` or ``+``) before
    :func:`~sim.analysis.comparison.compare_arms`. Guardrail columns are used when present
    (``None`` to skip).

    Example:
        >>> df = pd.DataFrame({"arm": ["a", "b", "a"], "converted": [True, False, False]})
        >>> arm_stats(df, cost_col=None)["a"]
        ArmStats(n=2, conversions=1, cost_sum=nan, cost_sq_sum=nan, cost_conv_sum=nan, \
unsubscribes=None, complaints=None)
    """
    arms, converted, cost, guards = _columns(
        df, [], arm_col, converted_col, cost_col, unsubscribed_col, complained_col
    )
    return group_arm_stats(arms, converted, cost, **guards)


def paired_stats(
    df: pd.DataFrame,
    *,
    control: str,
    arm_col: str = "arm",
    converted_col: str = "converted",
    cost_col: str | None = "cost_total_usd",
    unsubscribed_col: str | None = "unsubscribed",
    complained_col: str | None = "complained",
    unit_col: str | Sequence[str] = "lead_id",
) -> dict[str, PairedStats]:
    """``{arm: PairedStats}`` of every non-control arm paired unit by unit with the control.

    What to pool across replications (``+``) before
    :func:`~sim.analysis.comparison.compare_arms`. Guardrail columns are used when present
    (``None`` to skip).

    Raises:
        InputError: a unit appears twice in an arm, or the arms do not have the same units.

    Example:
        >>> df = pd.DataFrame({"lead_id": [0, 1, 0, 1], "arm": list("aabb"),
        ...                    "converted": [1, 0, 1, 1]})
        >>> s = paired_stats(df, control="a", cost_col=None)["b"]
        >>> s.both, s.only_treatment, s.only_control, s.neither
        (1, 1, 0, 0)
    """
    unit_cols = [unit_col] if isinstance(unit_col, str) else list(unit_col)
    arms, converted, cost, guards = _columns(
        df, unit_cols, arm_col, converted_col, cost_col, unsubscribed_col, complained_col
    )
    y = converted.astype(float)
    cost = np.full(len(df), np.nan) if cost is None else cost
    codes, labels = arm_codes(arms)
    control = str(control)
    if control not in labels:
        raise InputError("control", f"{control!r} is not an arm; arms are: {', '.join(labels)}")
    if len(labels) < 2:
        raise InputError("arms", f"only one arm ({control!r}): need at least two to compare")
    units = df.groupby(unit_cols, sort=False).ngroup().to_numpy()
    aligned = {
        label: _aligned(units, codes == k, label, unit_cols) for k, label in enumerate(labels)
    }
    ctrl_keys, ctrl = aligned[control]
    pairs = {}
    for label in labels:
        if label == control:
            continue
        keys, order = aligned[label]
        if keys.size != ctrl_keys.size or not np.array_equal(keys, ctrl_keys):
            only_arm = np.setdiff1d(keys, ctrl_keys).size
            only_ctrl = np.setdiff1d(ctrl_keys, keys).size
            raise InputError(
                f"arm {label!r}",
                f"has {only_arm} units the control lacks and lacks {only_ctrl} of its units: "
                "a paired design needs the same units in every arm",
            )
        pairs[label] = PairedStats.from_arrays(
            y[order],
            y[ctrl],
            cost[order],
            cost[ctrl],
            **{key: (g[order], g[ctrl]) for key, g in guards.items()},
        )
    return pairs


def pairing_key(
    df: pd.DataFrame, arm_col: str = "arm", unit_col: str | Sequence[str] | None = None
) -> list[str] | None:
    """The unit columns by which ``df`` pairs units across arms, or ``None`` if it does not.

    A table is paired when a unit (by default a ``lead_id``, within its ``replication`` when
    the table has one) appears under more than one arm, as in a paired experiment's per-lead
    table. A table without the unit columns, or whose units each belong to one arm, is not.

    Example:
        >>> paired = pd.DataFrame({"lead_id": [0, 1, 0, 1], "arm": list("aabb")})
        >>> pairing_key(paired), pairing_key(paired.assign(lead_id=[0, 1, 2, 3]))
        (['lead_id'], None)
    """
    if unit_col is None:
        if "lead_id" not in df.columns:
            return None
        unit_cols = [c for c in UNIT_COLUMNS if c in df.columns]
    else:
        unit_cols = [unit_col] if isinstance(unit_col, str) else list(unit_col)
    if arm_col not in df.columns or not set(unit_cols) <= set(df.columns):
        return None
    repeated = df.duplicated(subset=unit_cols, keep=False).to_numpy()
    if not repeated.any():
        return None
    rows = df.loc[repeated, [*unit_cols, arm_col]]
    arms_per_unit = rows.groupby(unit_cols, sort=False, dropna=False)[arm_col].nunique()
    return unit_cols if bool((arms_per_unit > 1).any()) else None


def unit_samples(df: pd.DataFrame, arm_col: str, converted_col: str, cost_col: str):
    """``{arm: (converted, cost)}`` per-unit arrays, for the bootstrap methods."""
    codes, labels = arm_codes(df[arm_col])
    converted = binary_column(df, converted_col)
    cost = cost_column(df, cost_col)
    order = np.argsort(codes, kind="stable")
    bounds = np.cumsum(np.bincount(codes, minlength=len(labels)))[:-1]
    return {
        label: (converted[idx], cost[idx])
        for label, idx in zip(labels, np.split(order, bounds), strict=True)
    }


def _columns(df, unit_cols, arm_col, converted_col, cost_col, unsubscribed_col, complained_col):
    """The checked arm, outcome, cost and guardrail columns (guardrails when present)."""
    if not isinstance(df, pd.DataFrame):
        raise InputError("df", f"expected a pandas DataFrame, got {type(df).__name__}")
    require_columns(df, [*unit_cols, arm_col, converted_col] + ([cost_col] if cost_col else []))
    for col in unit_cols:
        label_column(df, col)
    arms = label_column(df, arm_col)
    converted = binary_column(df, converted_col)
    cost = cost_column(df, cost_col) if cost_col else None
    guards: dict[str, Any] = {}
    for key, col in (("unsubscribed", unsubscribed_col), ("complained", complained_col)):
        if col and col in df.columns:
            guards[key] = binary_column(df, col)
    return arms, converted, cost, guards


def _aligned(units: np.ndarray, mask: np.ndarray, label: str, unit_cols: list[str]):
    """The arm's unit keys in order and the rows that hold them; a unit once per arm."""
    idx = np.flatnonzero(mask)
    order = idx[np.argsort(units[idx], kind="stable")]
    keys = units[order]
    if keys.size > 1 and (np.diff(keys) == 0).any():
        raise InputError(
            f"column {'/'.join(unit_cols)!r}",
            f"arm {label!r} has a unit more than once: each unit appears once per arm "
            "in a paired design (add the replication to unit_col if rows span replications)",
        )
    return keys, order
