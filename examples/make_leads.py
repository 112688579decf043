"""Write examples/leads.csv: a practice's own 6-month A/B test, one row per lead.

Simulated with the split design (leads randomised 50/50 between today's follow-up and
stage-matched nurturing, one shared front desk), seed 7, in the columns a CRM export has.

.venv/bin/python examples/make_leads.py
"""

from __future__ import annotations

from pathlib import Path

import sim
from sim.world.model import Arm

ROOT = Path(__file__).resolve().parents[1]
COLUMNS = ["lead_id", "arm", "source", "arrived_day", "converted", "booked", "cost_total_usd"]


def main() -> Path:
    scenario = sim.load_scenario(ROOT / "configs/scenarios/medical_practice.toml", {"months": 6})
    arms = [
        Arm(name, sim.load_strategy(ROOT / f"configs/strategies/{name}.toml"))
        for name in ("no_nurture", "stage_nurture")
    ]
    leads = sim.simulate(scenario, arms, seed=7).leads[COLUMNS]
    out = ROOT / "examples/leads.csv"
    leads.to_csv(out, index=False, float_format="%.4f")
    return out


if __name__ == "__main__":
    print(f"wrote {main()}")
