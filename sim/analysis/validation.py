"""The checks every analysis function makes of its arguments, each written once.

A level ``alpha`` and any other probability that must lie strictly inside (0, 1), and a method
name chosen from a module's ``*_METHODS`` tuple. A bad value raises
:class:`~sim.errors.InputError` naming the argument, the value and what is allowed, which the
command line prints as one line.
"""

from __future__ import annotations

from typing import Any

from sim.errors import InputError


def check_open_unit(name: str, value: Any) -> float:
    """``value`` as a float if it is a number strictly between 0 and 1, else :class:`InputError`.

    >>> check_open_unit("power", 0.8)
    0.8
    >>> check_open_unit("power", 1)
    Traceback (most recent call last):
    ...
    sim.errors.InputError: power: 1 is not allowed: must be a number in (0, 1)
    """
    if not (isinstance(value, int | float) and 0.0 < float(value) < 1.0):  # NaN fails too
        raise InputError(name, f"{value!r} is not allowed: must be a number in (0, 1)")
    return float(value)


def check_alpha(alpha: Any) -> float:
    """``alpha`` (1 - confidence level) as a float, rejected outside (0, 1)."""
    return check_open_unit("alpha", alpha)


def check_method(kind: str, method: Any, allowed: tuple[str, ...]) -> str:
    """Normalise a method name (case, ``_`` for ``-``) and reject one not in ``allowed``.

    Args:
        kind: the argument's name, e.g. ``"diff_method"``.
        method: the name given.
        allowed: the module's ``*_METHODS`` tuple.

    >>> check_method("rate_method", "Clopper_Pearson", ("wilson", "clopper-pearson"))
    'clopper-pearson'
    >>> check_method("adjust", "fisher", ("holm", "none"))
    Traceback (most recent call last):
    ...
    sim.errors.InputError: adjust: 'fisher' is not a method: use one of holm, none
    """
    if not isinstance(allowed, tuple):
        raise TypeError(f"{kind}: the allowed methods must be a tuple of names")
    name = str(method).strip().lower().replace("_", "-")
    if name not in allowed:
        raise InputError(kind, f"{method!r} is not a method: use one of {', '.join(allowed)}")
    return name
