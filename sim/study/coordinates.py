"""A parameter space's unit-cube coordinates, named, and the configs a study resolves to.

A design (Sobol' draws, a Saltelli or Morris design) lives on the unit cube of the space's
varying parameters; a dirichlet parameter takes one coordinate per share. Methods that need a
name per column (EVPPI, sensitivity indices) use these names: the parameter's, or
``name[k]`` for the k-th coordinate of a dirichlet.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sim.config import Scenario, Strategy
from sim.config.space import ParameterSpace


def coordinate_names(space: ParameterSpace) -> list[str]:
    """One name per design column.

    >>> sp = ParameterSpace.from_entries([
    ...     {"path": "email.open_prob", "distribution": "uniform", "low": 0.1, "high": 0.3,
    ...      "source": "x"},
    ...     {"path": "months", "distribution": "fixed", "value": 6, "source": "x"},
    ...     {"paths": ["sources.web_form.share", "sources.phone.share",
    ...                "sources.referral.share"], "name": "mix", "distribution": "dirichlet",
    ...      "alpha": [1, 1, 1], "source": "x"}])
    >>> coordinate_names(sp)
    ['email.open_prob', 'mix[0]', 'mix[1]', 'mix[2]']
    """
    out = []
    for p, sl in space.columns():
        width = sl.stop - sl.start
        out += [p.name] if width == 1 else [f"{p.name}[{k}]" for k in range(width)]
    return out


def resolved_configs(
    scenario: Scenario, strategies: Mapping[str, Strategy], space: ParameterSpace
) -> dict[str, Any]:
    """The base configs and the priors as plain data (for run ids and manifests)."""
    return {
        "scenario": scenario.model_dump(mode="json"),
        "strategies": {n: s.model_dump(mode="json") for n, s in strategies.items()},
        "priors": [
            {
                "name": p.name,
                "paths": [str(x) for x in p.paths],
                "distribution": str(p.distribution),
                "source": p.source,
            }
            for p in space.parameters
        ],
        "priors_file": space.where,
    }
