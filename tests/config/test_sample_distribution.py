"""The ``sample`` distribution: a posterior sample usable as a prior."""

from __future__ import annotations

import numpy as np
import pytest

from sim.config.distributions import Sample, make
from sim.config.space import ParameterSpace


def test_sample_ppf_reproduces_its_draws():
    rng = np.random.default_rng(3)
    draws = rng.gamma(2.0, 0.01, 2000)
    d = make("sample", {"values": draws.tolist()})
    # pushing uniforms through the ppf gives the draws' distribution: the quantiles agree
    u = rng.random(20_000)
    x = d.ppf(u)
    for q in (0.1, 0.5, 0.9):
        assert np.quantile(x, q) == pytest.approx(np.quantile(draws, q), rel=0.03)
    # the kernel density integrates to about 1 over the draws' range
    grid = np.linspace(*d.support, 2001)
    assert np.trapezoid(np.exp(d.logpdf(grid)), grid) == pytest.approx(1.0, abs=0.05)


def test_sample_in_a_priors_file_and_refusals(scenario):
    space = ParameterSpace.from_entries(
        [{"path": "email.open_prob", "distribution": "sample", "values": [0.2, 0.25, 0.3],
          "source": "calibrated from an export"}]
    )  # fmt: skip
    assert isinstance(space.parameters[0].distribution, Sample)
    space.check(scenario())
    new, _ = space.apply(space.point(np.array([0.5])), scenario())
    assert new.email.open_prob == pytest.approx(0.25)
    with pytest.raises(Exception, match="at least 2"):
        ParameterSpace.from_entries(
            [{"path": "email.open_prob", "distribution": "sample", "values": [0.2], "source": "x"}]
        )
    bad = ParameterSpace.from_entries(
        [{"path": "email.open_prob", "distribution": "sample", "values": [0.2, 1.5], "source": "x"}]
    )
    with pytest.raises(Exception, match=r"1\.5"):
        bad.check(scenario())
