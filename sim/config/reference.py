"""The config reference, generated from the models themselves.

Every key of a config file is a field of a pydantic model; its meaning is the ``#:`` comment
above the field in the model's source (the convention of this package), its type, default
and bounds come from the field. ``docs/config-reference.md`` is this module's output
(``python docs/make_config_reference.py``), and a test fails when the two differ, so the
reference cannot drift from the code.

Example:
    >>> from sim.config.strategy import Fees
    >>> print(model_table(Fees, "fees").splitlines()[2][:60])
    | `platform_usd_per_month` | number >= 0 | 0 | USD a month |
"""

from __future__ import annotations

import inspect
import math
import re
import textwrap
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel

from sim.config.fields import FieldSpec, _is_sequence, _item_type, _model_of, _spec

#: Units read off a key's name (the project's names carry their units).
_UNITS = (
    ("_usd_per_month", "USD a month"),
    ("_usd_per_hour", "USD an hour"),
    ("_usd", "USD"),
    ("_per_day", "per day"),
    ("_days", "days"),
    ("_hours", "hours"),
    ("_hour", "hour of day (0-24)"),
    ("_minutes", "minutes"),
    ("_prob", "probability"),
    ("_share", "share (0-1)"),
)


def field_comments(model: type[BaseModel]) -> dict[str, str]:
    """The ``#:`` comment lines above each field of ``model``, joined.

    >>> from sim.config.scenario import Appointment
    >>> field_comments(Appointment)["min_days"].startswith("Days from booking")
    True
    """
    try:
        source = textwrap.dedent(inspect.getsource(model))
    except (OSError, TypeError):  # pragma: no cover - no source (frozen app)
        return {}
    out: dict[str, str] = {}
    pending: list[str] = []
    for line in source.splitlines():
        stripped = line.strip()
        if stripped.startswith("#:"):
            pending.append(stripped[2:].strip())
            continue
        m = re.match(r"^\s{4}([a-z_][a-z0-9_]*)\s*:", line)
        if m and pending:
            out[m.group(1)] = " ".join(pending)
        if stripped and not stripped.startswith("#"):
            pending = []
    return out


def unit_of(name: str) -> str:
    """The unit a key's name carries, e.g. ``USD`` for ``cost_per_lead_usd``.

    >>> unit_of("reach_half_life_hours"), unit_of("agents")
    ('hours', '')
    """
    for suffix, unit in _UNITS:
        if name.endswith(suffix):
            return unit
    return ""


def type_text(spec: FieldSpec, annotation: Any) -> str:
    """A field's type and range in words: ``probability``, ``whole number 1-10000`` ..."""
    if spec.kind == "choice":
        return "one of " + ", ".join(f'"{c}"' for c in spec.choices)
    if spec.kind == "bool":
        return "true or false"
    if spec.kind == "str":
        return "table of key = value" if _is_mapping(annotation) else "text"
    if spec.kind == "table":
        return "table"
    if spec.kind == "list":
        item = _item_type(annotation)
        if _model_of(item) is not None:
            return "list of tables"
        if item is str:
            return "list of text"
        return "list of numbers" if item in (int, float) or _is_number_type(item) else "list"
    word = "whole number" if spec.kind == "int" else "number"
    if (spec.low, spec.high) == (0.0, 1.0) and not (spec.low_open or spec.high_open):
        return "probability (0-1)"
    if math.isinf(spec.low) and math.isinf(spec.high):
        return word
    return f"{word} {spec.bounds_text().removeprefix('in ')}"


def _is_mapping(annotation: Any) -> bool:
    import types
    from typing import Union, get_args, get_origin

    if get_origin(annotation) in (Union, types.UnionType):
        return any(_is_mapping(a) for a in get_args(annotation))
    return get_origin(annotation) is dict or annotation is dict


def _is_number_type(annotation: Any) -> bool:
    from typing import Annotated, get_args, get_origin

    if get_origin(annotation) is Annotated:
        return get_args(annotation)[0] in (int, float)
    return False


def model_table(model: type[BaseModel], prefix: str) -> str:
    """A markdown table of the scalar keys of one model, under the key path ``prefix``."""
    comments = field_comments(model)
    rows = ["| key | type | default | unit | meaning |", "|---|---|---|---|---|"]
    for name, info in model.model_fields.items():
        spec = _spec(name, info.annotation, info)
        if spec.kind == "table" and not spec.optional:
            continue  # described in its own section
        meaning = (comments.get(name) or "").replace("``", "`")
        rows.append(
            f"| `{name}` | {type_text(spec, info.annotation)}{' or none' if spec.optional else ''}"
            f" | {_default(info, spec)} | {unit_of(name)} | {meaning} |"
        )
    return "\n".join(rows)


def _default(info: Any, spec: FieldSpec) -> str:
    if info.is_required():
        return "required"
    value = info.get_default(call_default_factory=True)
    if isinstance(value, BaseModel):
        return "(table)"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, str):
        return f'"{value}"' if value else '""'
    if value is None:
        return "none"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(f"{v:g}" if isinstance(v, float) else str(v) for v in value) + "]"
    return str(value)


def sections(model: type[BaseModel], prefix: str = "") -> list[tuple[str, type[BaseModel]]]:
    """``(key path, model)`` for the model and every table below it, depth first."""
    out = [(prefix, model)]
    for name, info in model.model_fields.items():
        ann = info.annotation
        sub = _model_of(_item_type(ann) if _is_sequence(ann) else ann)
        if sub is None:
            continue
        key = f"{prefix}.{name}" if prefix else name
        if _is_sequence(ann):
            key += "[]"
        out += sections(sub, key)
    return out


def reference(models: Sequence[tuple[str, type[BaseModel], str]]) -> str:
    """The whole reference: for each ``(title, model, intro)``, every table and its keys."""
    parts = [
        "# Config reference",
        "",
        "Generated from the pydantic models by `python docs/make_config_reference.py`; a test "
        "fails when this file and the code differ. Keys are TOML keys; a key path such as "
        "`email.cadence.awareness.interval_days` names one value for `--set`, a prior or a "
        "search range (list items by position or by name: `sources.web_form.share`).",
        "",
    ]
    for title, model, intro in models:
        parts += [f"## {title}", "", intro, ""]
        seen: set[type[BaseModel]] = set()
        for key, sub in sections(model):
            table = model_table(sub, key)
            if table.count("\n") < 2:
                continue
            if not key:
                heading = "top level"
            elif key.endswith("[]") and "[]" not in key[:-2]:
                heading = f"`[[{key[:-2]}]]` (one table per item)"
            else:
                heading = f"`[{key.replace('[]', '')}]`" + (
                    " (in each item)" if "[]" in key else ""
                )
            doc = (inspect.getdoc(sub) or "").split("\n\n")[0].replace("\n", " ")
            doc = doc.replace("``", "`").replace(":func:", "")
            parts += [f"### {heading}", ""]
            if doc and sub not in seen:
                parts += [doc, ""]
            parts += [table, ""]
            seen.add(sub)
    return "\n".join(parts).rstrip() + "\n"
