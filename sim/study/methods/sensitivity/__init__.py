"""Sensitivity: which uncertain inputs move an outcome, on SALib, honest about replication noise.

- :mod:`.morris` - Morris elementary-effects screening (``mu*``, ``sigma``, bootstrap interval
  of ``mu*``, and the noise floor an input without effect would show).
- :mod:`.sobol` - Sobol' first- and total-order indices on a Saltelli design, with bootstrap
  intervals, corrected for replication noise.
- :mod:`.replication_noise` - the noise share of replication means, and why the design
  averages replications per point instead of adding the seed as a factor.

Every function takes the inputs as named inverse CDFs (:mod:`sim.study.methods.inputs`), so
any prior works, and a vectorised model ``points (n, d) -> outputs (n,)`` or ``(n, R)``.

Example:
    >>> from scipy import stats
    >>> from sim.study.methods.inputs import Factor
    >>> ins = [Factor(name, stats.uniform()) for name in ("a", "b")]
    >>> t = sobol_analysis(lambda p: p[:, 0] + 2 * p[:, 1], ins, 256, seed=1)
    >>> t.s1.round(1).tolist()  # analytic: 1/5, 4/5
    [0.2, 0.8]
"""

from sim.study.methods.sensitivity.morris import (
    MorrisDesign,
    morris_analysis,
    morris_design,
    morris_indices,
)
from sim.study.methods.sensitivity.replication_noise import NoiseShare, noise_share
from sim.study.methods.sensitivity.sobol import (
    Model,
    SobolDesign,
    sobol_analysis,
    sobol_design,
    sobol_indices,
)

__all__ = [
    "Model",
    "MorrisDesign",
    "NoiseShare",
    "SobolDesign",
    "morris_analysis",
    "morris_design",
    "morris_indices",
    "noise_share",
    "sobol_analysis",
    "sobol_design",
    "sobol_indices",
]
