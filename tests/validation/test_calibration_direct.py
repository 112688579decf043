"""The directly observed parameters' 95% intervals cover the truth about 95% of the time.

Synthetic practices with every prior drawn at random (configs/uncertainty/medical_practice.toml),
2,100 leads each under stage_nurture (so emails, hand-offs and calls all inform estimates). The
full check (100 datasets, 3,000 leads) is benchmarks/calibration_direct.py, recorded in
docs/calibration.md; this is its short version for CI.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from benchmarks.calibration_direct import coverage
from sim.study.calibrate.direct import garwood, wilson


def test_intervals_known_answers():
    # Garwood's exact Poisson interval for 10 events: 4.795 to 18.390 (e.g. Ulm 1990's table)
    lo, hi = garwood(10)
    assert round(lo, 3) == 4.795 and round(hi, 3) == 18.390
    # Wilson's interval for 0 of 20 has upper end z^2 / (n + z^2)
    assert wilson(0, 20)[1] == pytest.approx(1.96**2 / (20 + 1.96**2), rel=1e-3)


@pytest.mark.slow
def test_pooled_coverage_of_direct_estimates():
    rows = coverage(datasets=20, strategy="stage_nurture", leads_per_month=700, months=3, seed=11)
    n = len(rows)
    assert n >= 20 * 13
    cov = rows["covered"].mean()
    # Intervals of one dataset share its data, so they are not independent; still, a pooled
    # coverage more than 3.5 binomial standard errors from 0.95 means the intervals are wrong.
    se = math.sqrt(0.95 * 0.05 / n)
    assert abs(cov - 0.95) < 3.5 * se, rows.groupby("path").covered.mean()
    # no single parameter may be badly off: at 20 datasets, 14 or fewer covered has
    # probability binom.cdf(14, 20, 0.95) < 0.001 for a correct 95% interval
    assert stats.binom.cdf(14, 20, 0.95) < 1e-3
    per = rows.groupby("path").covered.sum()
    assert (per >= 15).all(), per[per < 15]
    assert np.isfinite(rows[["low", "high"]].to_numpy()).all()
