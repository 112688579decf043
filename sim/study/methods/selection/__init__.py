"""Selection: pick the best of a few systems (strategies) from noisy simulation output.

Ranking-and-selection procedures for the final pick of an optimisation, all driven by a batch
sampler ``sample(systems, n) -> (len(systems), n)`` that returns the next observations of the
listed systems (larger is better; :mod:`.sampling`), and all returning a
:class:`~.outcome.Selection`:

- :mod:`.kim_nelson` - **KN**, the default: fully sequential, probability of correct selection
  ``>= P*`` when the best is ``delta`` ahead, for unknown unequal variances and under common
  random numbers; eliminates clearly worse systems early.
- :mod:`.rinott` - Rinott's two-stage procedure: the same guarantee without early stopping
  (independent sampling), the equal-information yardstick.
- :mod:`.equal_allocation` - equal allocation, its exact PCS for known variances, and
  Bechhofer's sample size (the least any equal allocation needs for ``P*``).
- :mod:`.ocba` - OCBA budget allocation: good use of a fixed budget, no guarantee.
- :mod:`.normal_systems` - normal test problems with known means (slippage, spaced), with
  optional correlation between systems.

Example:
    >>> s = kn_select(slippage(5, 0.5, seed=1), 5, delta=0.5, pcs=0.95)
    >>> s.best, s.total < rinott_expected_total(5, 0.5, 1.0, n0=10)
    (4, True)
"""

from sim.study.methods.selection.equal_allocation import (
    bechhofer_tau,
    equal_allocation_size,
    equal_allocation_size_for,
    equal_select,
    least_favourable_pcs,
    pcs_equal,
)
from sim.study.methods.selection.kim_nelson import kn_constants, kn_select
from sim.study.methods.selection.normal_systems import NormalSystems, slippage, spaced
from sim.study.methods.selection.ocba import ocba_allocation, ocba_ratios, ocba_select
from sim.study.methods.selection.outcome import Selection
from sim.study.methods.selection.rinott import (
    rinott_expected_total,
    rinott_h,
    rinott_select,
    rinott_sizes,
)
from sim.study.methods.selection.sampling import BatchSampler, Tally, per_system

__all__ = [
    "BatchSampler",
    "NormalSystems",
    "Selection",
    "Tally",
    "bechhofer_tau",
    "equal_allocation_size",
    "equal_allocation_size_for",
    "equal_select",
    "kn_constants",
    "kn_select",
    "least_favourable_pcs",
    "ocba_allocation",
    "ocba_ratios",
    "ocba_select",
    "pcs_equal",
    "per_system",
    "rinott_expected_total",
    "rinott_h",
    "rinott_select",
    "rinott_sizes",
    "slippage",
    "spaced",
]
