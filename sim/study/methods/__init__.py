"""The statistical methods of the study layer, apart from the simulation.

Sub-packages by the question they answer (each ``__init__`` lists its modules):

- :mod:`.value` - decisions under uncertainty and the value of information (PSA, CEAC,
  break-even, EVPI, EVPPI);
- :mod:`.sensitivity` - global sensitivity analysis (Morris, Sobol') with replication noise;
- :mod:`.selection` - ranking and selection of the best system (KN, Rinott, OCBA, equal
  allocation);
- :mod:`.objectives` - objective, constraints, feasibility verdicts and Pareto fronts;

and two shared modules: :mod:`.inputs` (uncertain inputs, unit-cube designs) and
:mod:`.seeding` (one way to turn a seed into a generator). Importing this package imports
none of them, so a command pays only for the methods it uses (SALib is loaded by
:mod:`.sensitivity` alone).
"""
