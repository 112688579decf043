"""The optimiser's tables: finalists (KN's evidence and the fresh check), fresh-seed rows, and
the winner's paired comparison with each other strategy (common random numbers).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from sim.study.methods.objectives import evaluate


def honoured(ev: Any) -> bool:
    """The fresh-seed check: no limit broken with confidence, every mean within its limit."""
    return ev.status != "infeasible" and all(c.margin >= 0 for c in ev.constraints)


def finalists_table(systems, names, sources, rows, sampler, selection, checked, space, s):
    out = []
    stage1 = {f"trial-{int(r.trial)}": r for r in rows.itertuples()}
    for i, name in enumerate(names):
        table = sampler.tables[i]
        n = int(selection.n[i]) if selection is not None else 0
        obs = table.iloc[:n] if n else table.iloc[:0]
        row: dict[str, Any] = {"system": name, "source": sources[i]}
        r1 = stage1.get(name)
        row["search_objective_mean"] = float(r1.objective_mean) if r1 is not None else math.nan
        row["n"] = n
        x = obs[space.objective.metric].to_numpy(dtype=float) if n else np.array([])
        row |= interval(x, s.level)
        row["eliminated_at"] = int(selection.eliminated_at[i]) if selection is not None else -1
        for c in space.constraints:
            v = obs[c.metric].to_numpy(dtype=float) if n else np.array([])
            iv = interval(v, s.level)
            row[f"{c.metric}_mean"] = iv["mean"]
            row[f"{c.metric}_margin"] = float(c.margin(iv["mean"])) if n else math.nan
        if i in checked:
            ev = checked[i][0]
            row["fresh_objective_mean"] = ev.value.mean
            row["fresh_status"] = ev.status
        else:
            row["fresh_objective_mean"], row["fresh_status"] = math.nan, ""
        row["selected"] = (
            selection is not None and i == selection.best and honoured(checked[i][0])
            if i in checked
            else False
        )
        out.append(row)
    return pd.DataFrame(out)


def interval(x: np.ndarray, level: float) -> dict[str, float]:
    n = len(x)
    if n == 0:
        return {"mean": math.nan, "ci_lower": math.nan, "ci_upper": math.nan}
    mean = float(x.mean())
    if n < 2:
        return {"mean": mean, "ci_lower": math.nan, "ci_upper": math.nan}
    half = float(stats.t.ppf(0.5 + level / 2, n - 1) * x.std(ddof=1) / math.sqrt(n))
    return {"mean": mean, "ci_lower": mean - half, "ci_upper": mean + half}


def fresh_table(names, tables, space, level) -> pd.DataFrame:
    rows = []
    for name, t in zip(names, tables, strict=True):
        ev = evaluate(name, t, space.objective, space.constraints, level=level)
        row = ev.to_row()
        row["candidate"] = name
        rows.append(row)
    df = pd.DataFrame(rows).rename(columns={"candidate": "strategy"})
    return df


def comparison_table(names, tables, level) -> pd.DataFrame:
    """The winner minus each other strategy, paired replication by replication (CRN)."""
    rows = []
    w = tables[0]
    for name, t in zip(names[1:], tables[1:], strict=True):
        for m in ("net_benefit_usd", "patients_per_1000_usd", "patients", "cost_total_usd",
                  "unsubscribes"):  # fmt: skip
            d = (w[m] - t[m]).to_numpy(dtype=float)
            d = d[np.isfinite(d)]
            iv = interval(d, level)
            rows.append({"winner": names[0], "versus": name, "metric": m,
                         "difference": iv["mean"], "ci_lower": iv["ci_lower"],
                         "ci_upper": iv["ci_upper"], "n": len(d)})  # fmt: skip
    return pd.DataFrame(rows)
