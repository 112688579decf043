"""ABC-SMC narrows a latent parameter the export informs, around the truth.

A no_nurture practice (1,200 leads) whose booking probability at a decision-stage conversation
was drawn from its prior; pyabc calibrates that one parameter from the export's summaries. The
full checks (recovery, SBC over 300 practices, the prediction trial) are
benchmarks/calibration_latent.py, recorded in docs/calibration.md.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.config import load_scenario, load_strategy
from sim.config.space import load_space
from sim.study.calibrate.latent import AbcSettings, WorldModel, latent_parameters, run_abc


@pytest.mark.slow
@pytest.mark.xfail(
    strict=True,
    reason="known miss: at 1,200 leads the export's summaries do not narrow the booking "
    "probability (90% posterior width 0.36 = the prior's); docs/calibration.md: no latent "
    "parameter is identified yet",
)
def test_abc_recovers_the_booking_probability(repo_root):
    base = load_scenario(
        repo_root / "configs/scenarios/medical_practice.toml",
        {"leads_per_month": 600, "months": 2},
    )
    strategy = load_strategy(repo_root / "configs/strategies/no_nurture.toml")
    space = load_space(repo_root / "configs/uncertainty/medical_practice.toml")
    params = latent_parameters(space, ["sales.book_prob_decision"])
    model = WorldModel(params, space, base, strategy, {}, seed=3)
    truth = model.values([float(np.random.default_rng(5).random())])
    observed: dict[str, float] = model.simulate(truth, seed=99)
    assert observed["conversion"] > 0
    post = run_abc(model, observed, AbcSettings(population=30, generations=3), seed=1)
    draws = post.draws["sales.book_prob_decision"]
    lo, hi = draws.quantile([0.025, 0.975])
    assert lo <= truth["sales.book_prob_decision"] <= hi
    # the prior is uniform(0.4, 0.8): its 90% width is 0.36; the export must narrow it
    assert (draws.quantile(0.95) - draws.quantile(0.05)) < 0.8 * 0.36
    # same seed, same posterior
    again = run_abc(model, observed, AbcSettings(population=30, generations=3), seed=1)
    assert again.draws.equals(post.draws)
