"""A strategy written as a TOML file that ``nurture run`` reads back to the same strategy.

Example:
    >>> import tomllib
    >>> text = strategy_toml({"name": "x", "email": {"enabled": True, "cadence": None,
    ...                       "max_emails": 3}}, comment="found by a search")
    >>> print(text)
    # found by a search
    name = "x"
    <BLANKLINE>
    [email]
    enabled = true
    max_emails = 3
    <BLANKLINE>
    >>> tomllib.loads(text)["email"]["max_emails"]
    3
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any


def strategy_toml(data: Mapping[str, Any], comment: str = "") -> str:
    """TOML text of plain data (``Strategy.model_dump(mode="json")``); ``None`` values left out."""
    lines = [f"# {c}" for c in comment.splitlines()] if comment else []
    _table(data, (), lines)
    return "\n".join(lines) + "\n"


def _table(data: Mapping[str, Any], prefix: tuple[str, ...], lines: list[str]) -> None:
    scalars = {k: v for k, v in data.items() if v is not None and not isinstance(v, Mapping)}
    tables = {k: v for k, v in data.items() if isinstance(v, Mapping)}
    if prefix and (scalars or not tables):
        lines.append("")
        lines.append(f"[{'.'.join(prefix)}]")
    for k, v in scalars.items():
        lines.append(f"{k} = {_value(v)}")
    for k, v in tables.items():
        _table(v, (*prefix, k), lines)


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v)  # a JSON string is a TOML basic string
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    raise TypeError(f"cannot write {type(v).__name__} as TOML")
