"""Studies: decisions under uncertainty, sensitivity, and the pick of a best strategy.

The statistical cores work on arrays, tables and callables, so they can be validated on
problems with known answers and then driven by the experiment runner:

- :mod:`~sim.study.inputs` - uncertain inputs as named inverse CDFs; unit-cube designs.
- :mod:`~sim.study.psa` - probabilistic sensitivity analysis draws, net monetary benefit,
  P(best), distributions of lift and net benefit.
- :mod:`~sim.study.acceptability` - cost-effectiveness acceptability curve and frontier.
- :mod:`~sim.study.break_even` - the patient value at which a strategy starts to pay.
- :mod:`~sim.study.evpi`, :mod:`~sim.study.evppi`, :mod:`~sim.study.nested_evppi` - value of
  (partial) perfect information.
- :mod:`~sim.study.sobol`, :mod:`~sim.study.morris`, :mod:`~sim.study.replication_noise` -
  global sensitivity analysis on SALib, with replication noise accounted for.
- :mod:`~sim.study.kim_nelson`, :mod:`~sim.study.ocba`, :mod:`~sim.study.equal_allocation` -
  ranking and selection of the best system.
- :mod:`~sim.study.evaluation`, :mod:`~sim.study.pareto` - constrained objectives and Pareto
  fronts for optimisation.
"""
