"""The yardstick for a whole ``nurture run`` process: a bare SimPy model of the same arrivals.

Leads arrive as a Poisson process at the scenario's rate (``--leads-per-month`` over
``--months``, 30.4375-day months) and each lead is a SimPy process of ``--timeouts``
exponential timeouts whose mean spreads them over the lead's window, so as many leads are alive
at once as in the world. Nothing else: this is what SimPy itself costs per lead. Timed as a
whole process (interpreter start and imports included) beside ``nurture run ... --json``.

Run: python benchmarks/bare_simpy.py [--leads-per-month 100] [--months 600] [--window 180]
"""

from __future__ import annotations

import argparse
import json

import numpy as np
import simpy

DAYS_PER_MONTH = 30.4375


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--leads-per-month", type=float, default=100.0)
    ap.add_argument("--months", type=int, default=600)
    ap.add_argument("--window", type=float, default=180.0, help="days each lead lives")
    ap.add_argument("--timeouts", type=int, default=10)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    span = args.months * DAYS_PER_MONTH
    n = int(rng.poisson(args.leads_per_month * args.months))
    arrivals = np.sort(rng.random(n) * span).tolist()
    mean = args.window / args.timeouts
    gaps = rng.exponential(mean, (n, args.timeouts)).tolist()
    env = simpy.Environment()

    def lead(env, waits):
        for w in waits:
            yield env.timeout(w)

    def arrive(env):
        for t, waits in zip(arrivals, gaps, strict=True):
            yield env.timeout(t - env.now)
            env.process(lead(env, waits))

    env.process(arrive(env))
    env.run()
    print(json.dumps({"leads": n, "events": next(env._eid)}))


if __name__ == "__main__":
    main()
