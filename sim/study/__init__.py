"""Studies: many worlds at once - decisions under uncertainty, sensitivity, the best strategy.

A map for newcomers. The package has two floors:

**Methods** (:mod:`sim.study.methods`) - the statistics, on arrays, tables and callables; they
import numpy, scipy, statsmodels, pandas, SALib and nothing of the simulation, so each is
validated on a problem with a known answer (``tests/validation/test_study_*.py``):

- :mod:`~sim.study.methods.inputs`, :mod:`~sim.study.methods.seeding` - uncertain inputs as
  named inverse CDFs mapped from unit-cube designs; seeds into generators.
- :mod:`~sim.study.methods.value` - *is it worth it, and how sure are we?* PSA draws, P(best),
  lift and net-benefit distributions, acceptability curve and frontier, break-even patient
  value, EVPI, per-input EVPPI (regression, with a nested Monte Carlo check).
- :mod:`~sim.study.methods.sensitivity` - *which assumptions drive the answer?* Morris
  screening and Sobol' indices on SALib, with replication noise estimated and removed.
- :mod:`~sim.study.methods.selection` - *which of these few strategies is best?* Kim-Nelson KN
  (the default: a probability-of-correct-selection guarantee under unknown variances and common
  random numbers), Rinott, OCBA, equal allocation; normal test problems with known means.
- :mod:`~sim.study.methods.objectives` - *is a candidate allowed, and what does it trade off?*
  objective and constraints, evaluations with intervals and feasibility verdicts, Pareto fronts.

**Runners** (``sim/study/<study>.py``, next to ``methods/``) - connect the methods to the
simulation: they take a scenario, strategies and a parameter space
(:mod:`sim.config.space`), evaluate points on the experiment runner (paired arms, common random
numbers, executors, ``--resume``, a results folder) and hand the outcome tables to the methods.
The ``nurture uncertainty``, ``sensitivity``, ``calibrate`` and ``optimize`` commands call
runners, never methods directly. Nothing in ``methods/`` may import a runner, the experiment
layer or the world.

Example:
    >>> import numpy as np
    >>> from sim.study.methods.value import PSADraws, prob_best
    >>> d = PSADraws(("no_nurture", "nurture"), np.array([[40, 52], [38, 41], [45, 60]]),
    ...              np.array([[9000, 9900], [8800, 9700], [9100, 10000]]))
    >>> prob_best(d, value=100.0).p_best.round(2).tolist()
    [0.33, 0.67]
"""
