"""Writing the calibration's TOML files: plain data to TOML, with comments on chosen keys."""

from __future__ import annotations

import json
import math
from typing import Any


def value(v: Any) -> str:
    """One TOML value.

    >>> value(0.25), value("a"), value([1, 2.5]), value({"x": 1}), value(True)
    ('0.25', '"a"', '[1, 2.5]', '{ x = 1 }', 'true')
    """
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if not math.isfinite(v):
            raise ValueError(f"{v} has no TOML form")
        return repr(float(f"{v:.10g}"))
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list | tuple):
        return "[" + ", ".join(value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{_key(k)} = {value(x)}" for k, x in v.items()) + " }"
    if v is None:
        raise ValueError("None has no TOML form")
    return value(v.item() if hasattr(v, "item") else str(v))


def _key(k: str) -> str:
    return k if k.replace("_", "").replace("-", "").isalnum() else json.dumps(k)


def document(data: dict[str, Any], comments: dict[str, str] | None = None) -> str:
    """``data`` as a TOML document; ``comments[path]`` is appended to the key at ``path``.

    Lists of tables whose items have a ``name`` use it in paths (``sources.web_form.share``).

    >>> print(document({"a": 1, "t": {"b": 2}}, {"t.b": "calibrated"}), end="")
    a = 1
    <BLANKLINE>
    [t]
    b = 2  # calibrated
    """
    comments = comments or {}
    lines: list[str] = []
    _table(lines, data, "", "", comments)
    return "\n".join(lines).lstrip("\n") + "\n"


def _is_table_list(v: Any) -> bool:
    return isinstance(v, list) and bool(v) and all(isinstance(x, dict) for x in v)


def _table(lines, data, header, path, comments) -> None:
    scalars = {k: v for k, v in data.items() if not isinstance(v, dict) and not _is_table_list(v)}
    for k, v in scalars.items():
        if v is None:
            continue
        p = f"{path}{k}"
        note = f"  # {comments[p]}" if p in comments else ""
        lines.append(f"{_key(k)} = {value(v)}{note}")
    for k, v in data.items():
        if isinstance(v, dict):
            name = f"{header}.{_key(k)}" if header else _key(k)
            lines += ["", f"[{name}]"]
            _table(lines, v, name, f"{path}{k}.", comments)
        elif _is_table_list(v):
            name = f"{header}.{_key(k)}" if header else _key(k)
            for i, item in enumerate(v):
                lines += ["", f"[[{name}]]"]
                label = item.get("name", i)
                _table(lines, item, name, f"{path}{k}.{label}.", comments)
