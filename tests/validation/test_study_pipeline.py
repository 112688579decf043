"""Known answers through the study runners' path: priors file -> space -> design -> points ->
model -> indices (Ishigami, a linear model), and EVPPI of an input the world ignores."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.config.space import load_space
from sim.study.sensitivity import model_sensitivity

ISHIGAMI = """
[[parameter]]
path = "x1"
distribution = "uniform"
low = -3.141592653589793
high = 3.141592653589793
source = "Ishigami & Homma 1990"

[[parameter]]
path = "x2"
distribution = "uniform"
low = -3.141592653589793
high = 3.141592653589793
source = "Ishigami & Homma 1990"

[[parameter]]
path = "x3"
distribution = "uniform"
low = -3.141592653589793
high = 3.141592653589793
source = "Ishigami & Homma 1990"
"""


def _ishigami_truth(a=7.0, b=0.1):
    pi = math.pi
    v1 = 0.5 * (1 + b * pi**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = b**2 * pi**8 * (1 / 18 - 1 / 50)
    v = v1 + v2 + v13
    return np.array([v1, v2, 0.0]) / v, np.array([v1 + v13, v2, v13]) / v


def _ishigami(points, r):
    x = np.array([[p["x1"], p["x2"], p["x3"]] for p in points])
    return {"y": np.sin(x[:, 0]) + 7 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0])}


def test_ishigami_sobol_indices_from_a_priors_file(tmp_path):
    f = tmp_path / "ishigami.toml"
    f.write_text(ISHIGAMI)
    space = load_space(f)
    t = model_sensitivity(_ishigami, space, method="sobol", n=4096, seed=3, n_resamples=300)
    s1, st = _ishigami_truth()
    # Within 3 bootstrap standard errors of the analytic values (a normal estimator misses by
    # more with probability 0.3% per index).
    assert np.all(np.abs(t.s1.to_numpy() - s1) <= 3 * t.s1_se.to_numpy())
    assert np.all(np.abs(t.st.to_numpy() - st) <= 3 * t.st_se.to_numpy())


def _linear_space(tmp_path):
    f = tmp_path / "linear.toml"
    f.write_text(
        "".join(
            f'[[parameter]]\npath = "{n}"\ndistribution = "uniform"\nlow = 0.0\nhigh = 2.0\n'
            f'source = "toy"\n\n'
            for n in ("a", "b", "c", "dummy")
        )
    )
    return load_space(f)


COEF = np.array([1.0, 2.0, 3.0, 0.0])


def _linear(points, r, noise=0.0):
    x = np.array([[p[k] for k in ("a", "b", "c", "dummy")] for p in points])
    rng = np.random.default_rng(100 + r)
    return {"y": x @ COEF + noise * rng.normal(size=len(x))}


def test_linear_model_sobol_with_replication_noise_removed(tmp_path):
    # S_i = c_i^2 / sum c^2 for independent inputs of equal variance: 1/14, 4/14, 9/14, 0.
    space = _linear_space(tmp_path)
    t = model_sensitivity(
        lambda p, r: _linear(p, r, noise=1.0),
        space,
        method="sobol",
        n=2048,
        replications=3,
        seed=5,
        n_resamples=300,
    )
    truth = COEF**2 / (COEF**2).sum()
    assert np.all(np.abs(t.s1.to_numpy() - truth) <= 3 * t.s1_se.to_numpy())
    assert np.all(np.abs(t.st.to_numpy() - truth) <= 3 * t.st_se.to_numpy())
    # noise variance 1 / R = 1/3 against Var(f) = sum c^2 * (2^2 / 12) = 14/3: share 1/15
    assert t.noise_share.iloc[0] == pytest.approx(1 / 15, abs=3 * t.noise_share_se.iloc[0])


def test_linear_model_morris_mu_star(tmp_path):
    # The elementary effect of x_i is c_i * (high - low) = 2 c_i exactly; the grid's end levels
    # are cut to the 0.1% and 99.9% quantiles, which shortens the end steps by 0.15% at most.
    space = _linear_space(tmp_path)
    t = model_sensitivity(_linear, space, method="morris", n=20, seed=2, n_resamples=100)
    got = t.set_index("parameter").loc[["a", "b", "c", "dummy"], "mu_star"].to_numpy()
    assert got == pytest.approx(2 * COEF, rel=0.003, abs=1e-12)


@pytest.mark.slow
def test_evppi_of_an_input_the_world_ignores_is_zero(scenario, strategy):
    # value.first_visit_revenue_usd enters no patient value or cost: perfect information about
    # it cannot change the decision, so its EVPPI is 0 up to Monte Carlo error.
    from sim.config.space import ParameterSpace
    from sim.study.uncertainty import run_uncertainty

    s = scenario(months=1, leads_per_month=60.0)
    st = {"no_nurture": strategy("no_nurture"), "stage_nurture": strategy("stage_nurture")}
    space = ParameterSpace.from_entries(
        [
            {
                "path": "content.match_advance_prob",
                "distribution": "uniform",
                "low": 0.0,
                "high": 0.3,
                "source": "test",
            },
            {
                "path": "value.revenue_per_visit_usd",
                "distribution": "uniform",
                "low": 0.5,
                "high": 8.0,
                "source": "test: a range where the decision is uncertain",
            },
            {
                "path": "value.first_visit_revenue_usd",
                "distribution": "uniform",
                "low": 0.0,
                "high": 500.0,
                "source": "test: enters nothing",
            },
        ]
    )
    res = run_uncertainty(
        s,
        st,
        "no_nurture",
        space,
        draws=128,
        seed=4,
        executor="local",
        workers=2,
        evppi_bootstrap=200,
    )
    e = res.evppi.set_index("parameter")
    assert res.evpi.evpi.iloc[0] > 0  # the decision is uncertain here
    ignored = e.loc["value.first_visit_revenue_usd"]
    assert ignored.evppi <= 3 * max(ignored.evppi_se, 1e-9) + 1e-9
    assert (
        e.loc["value.revenue_per_visit_usd"].evppi
        > 3 * e.loc["value.revenue_per_visit_usd"].evppi_se
    )
