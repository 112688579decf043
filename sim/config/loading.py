"""Load scenarios and strategies from TOML, with errors a marketer can act on.

Configs are data: TOML only (``tomllib``), nothing evaluated. Every problem becomes one
:class:`~sim.errors.InputError` naming the file, the key path, the value and what is allowed,
with a "did you mean" hint for misspelt keys.
"""

from __future__ import annotations

import difflib
import math
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from sim.config.fields import field_at
from sim.config.paths import KeyPath, deep_copy, set_value
from sim.config.scenario import Scenario
from sim.config.strategy import Strategy
from sim.errors import InputError
from sim.files import not_regular, read_bounded

M = TypeVar("M", bound=BaseModel)

#: Config files larger than this are refused (a config is a page of text, not data).
MAX_CONFIG_BYTES = 1_000_000
#: Tables and arrays nested deeper than this are refused (the shipped configs nest 4 deep).
MAX_NESTING_DEPTH = 32


def read_toml(path: str | Path) -> dict[str, Any]:
    """Parse a TOML file, turning every failure into an :class:`InputError`.

    Only a regular file is read (a pipe would block, ``/dev/zero`` never ends), at most
    :data:`MAX_CONFIG_BYTES` of it, and tables and arrays may nest at most
    :data:`MAX_NESTING_DEPTH` deep (the parser recurses once per level).
    """
    p = Path(path)
    where = str(path)
    if not p.exists():
        raise InputError(where, "file not found")
    if p.is_dir():
        raise InputError(where, "is a directory, expected a .toml file")
    problem = not_regular(p)
    if problem:
        raise InputError(where, problem)
    try:
        size = p.stat().st_size
    except OSError as exc:
        raise InputError(where, f"cannot be read ({exc.strerror})") from None
    if size > MAX_CONFIG_BYTES:
        raise InputError(where, f"{size:,} bytes; a config may be at most {MAX_CONFIG_BYTES:,}")
    raw = read_bounded(p, where, MAX_CONFIG_BYTES)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(where, f"is not UTF-8 text (byte {exc.start}); save it as UTF-8") from None
    too_deep = (
        f"tables and arrays nested more than {MAX_NESTING_DEPTH} levels deep; "
        f"a config may nest at most {MAX_NESTING_DEPTH}"
    )
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(where, f"TOML syntax error: {exc}") from None
    except RecursionError:
        raise InputError(where, too_deep) from None
    if nesting_depth(data) > MAX_NESTING_DEPTH:
        raise InputError(where, too_deep)
    return data


def nesting_depth(value: Any) -> int:
    """How deep tables (dicts) and arrays (lists) nest in ``value``, without recursing.

    >>> nesting_depth(1), nesting_depth({"a": 1}), nesting_depth({"a": [[1], {"b": []}]})
    (0, 1, 4)
    """
    deepest = 0
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        depth += 1
        deepest = max(deepest, depth)
        stack.extend((child, depth) for child in children)
    return deepest


def build(model: type[M], data: Mapping[str, Any], where: str) -> M:
    """Validate ``data`` into ``model``; the first problem becomes an :class:`InputError`.

    >>> from sim.config.strategy import Fees
    >>> build(Fees, {"platform_usd_per_month": 10}, "s.toml").platform_usd_per_month
    10.0
    >>> try:
    ...     build(Fees, {"platfrom_usd_per_month": 10}, "s.toml")
    ... except InputError as exc:
    ...     print(exc.where, "|", exc.problem.split(";")[0])
    s.toml: platfrom_usd_per_month | unknown key (did you mean 'platform_usd_per_month'?)
    """
    try:
        return model.model_validate(dict(data))
    except ValidationError as exc:
        raise _to_input_error(exc, model, data, where) from None


def load_scenario(path: str | Path, overrides: Mapping[str, Any] | None = None) -> Scenario:
    """Load a :class:`Scenario` from a TOML file, applying dotted-key ``overrides``.

    >>> s = load_scenario("configs/scenarios/medical_practice.toml", {"months": 3})
    >>> (s.months, s.leads_per_month)
    (3, 100.0)
    """
    data = read_toml(path)
    if overrides:
        data = apply_overrides(data, overrides, str(path), Scenario)
    return build(Scenario, data, str(path))


def load_strategy(path: str | Path, overrides: Mapping[str, Any] | None = None) -> Strategy:
    """Load a :class:`Strategy` from a TOML file; its name defaults to the file's stem."""
    data = read_toml(path)
    if not set(data) - {"name", "description"}:
        raise InputError(
            str(path),
            "the strategy is empty: it needs an [email] or [sales.on_arrival] / "
            "[sales.on_handoff] table (a do-nothing control says so: [email] enabled = false)",
        )
    data.setdefault("name", Path(path).stem)
    if overrides:
        data = apply_overrides(data, overrides, str(path), Strategy)
    return build(Strategy, data, str(path))


def apply_overrides(
    data: Mapping[str, Any],
    overrides: Mapping[str, Any],
    where: str,
    model: type[BaseModel] | None = None,
) -> dict:
    """Return a deep copy of ``data`` with ``{"key.path": value}`` overrides set.

    Keys are key paths (:mod:`sim.config.paths`): list items by position or name
    (``sources.web_form.cost_per_lead_usd``). With ``model``, each path is first checked
    against the model, so a misspelt key is reported with a "did you mean" even where the
    file leaves the value at its default.

    >>> apply_overrides({"a": {"b": 1}}, {"a.b": 2, "c": 3}, "x")
    {'a': {'b': 2}, 'c': 3}
    >>> apply_overrides({"sources": [{"name": "w", "share": 1}]}, {"sources.w.share": 0.5}, "x")
    {'sources': [{'name': 'w', 'share': 0.5}]}
    """
    out = deep_copy(data)
    for key, value in overrides.items():
        at = f"{where}: override {key!r}"
        path = KeyPath.parse(key, at)
        if model is not None:
            try:
                field_at(model, path.parts)
            except InputError as exc:  # reported as pydantic would: file: key path: problem
                raise InputError(f"{where}: {exc.where}", exc.problem) from None
        try:
            out = set_value(out, path, value)
        except InputError as exc:
            raise InputError(where, f"override {key!r}: {exc.problem}") from None
    return out


def _to_input_error(
    exc: ValidationError, model: type[BaseModel], data: Mapping[str, Any], where: str
) -> InputError:
    err = exc.errors(include_url=False)[0]
    loc = [str(p) for p in err["loc"]]
    # Show list positions the way TOML users write them: sources[1].share.
    path = ""
    for part in loc:
        path += f"[{part}]" if part.isdigit() else (f".{part}" if path else part)
    kind = err["type"]
    value = err.get("input")
    if kind == "extra_forbidden":
        allowed = _fields_at(model, loc[:-1])
        hint = difflib.get_close_matches(loc[-1], allowed, n=1, cutoff=0.6)
        did = f" (did you mean {hint[0]!r}?)" if hint else ""
        return InputError(f"{where}: {path}", f"unknown key{did}; allowed: {', '.join(allowed)}")
    if kind == "missing":
        return InputError(f"{where}: {path}", "required key is missing")
    msg = err["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    if isinstance(value, float) and not math.isfinite(value):
        return InputError(f"{where}: {path}", f"{value} is not allowed: must be a finite number")
    listed = isinstance(value, list) and kind == "value_error"  # a validator's own message
    if kind.startswith("model_") or not loc or isinstance(value, dict) or listed:
        return InputError(f"{where}: {path or '(top level)'}", msg)
    shown = repr(value) if isinstance(value, str) else str(value)
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return InputError(f"{where}: {path}", f"{shown} is not allowed: {_allowed(msg)}")


def _allowed(msg: str) -> str:
    """Turn pydantic's "Input should be ..." into "must be ..."."""
    for prefix in ("Input should be ", "Input should "):
        if msg.startswith(prefix):
            return "must be " + msg[len(prefix) :]
    return msg


def _fields_at(model: type[BaseModel], loc: list[str]) -> list[str]:
    """Field names of the (nested) model at ``loc``, for "did you mean" hints."""
    current: Any = model
    for part in loc:
        if part.isdigit():
            continue
        field = getattr(current, "model_fields", {}).get(part)
        if field is None:
            return []
        current = _model_of(field.annotation)
        if current is None:
            return []
    return sorted(getattr(current, "model_fields", {}))


def _model_of(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _model_of(arg)
        if found is not None:
            return found
    return None
