"""Key paths: one way to name any value of a scenario or a strategy.

A key path is what ``--set``, suite overrides, a prior and a search range all use to say
*which* value varies. It is the TOML key path with three additions:

- list items by position or by name: ``sources.0.share``, ``sources[0].share`` (as error
  messages print it) and ``sources.web_form.share`` all name the same value; arrays of numbers
  by position (``seasonality.11``, ``email.open_multiplier_by_stage.2``);
- a target before a colon: ``scenario:`` (the default, may be left out), ``strategy:`` (every
  strategy of a run: the one strategy of ``nurture run`` or of a search) or ``strategy[NAME]:``
  (one strategy of several, by its name);
- paths are checked against the pydantic models, so a path to a value the file leaves at its
  default is valid, and a misspelt key gets a "did you mean".

Example:
    >>> p = KeyPath.parse("sources[1].cost_per_lead_usd")
    >>> p.target, p.parts
    ('scenario', ('sources', '1', 'cost_per_lead_usd'))
    >>> str(KeyPath.parse("strategy[stage_nurture]:email.max_emails"))
    'strategy[stage_nurture]:email.max_emails'
    >>> set_value({"sources": [{"name": "web", "share": 1.0}]}, "sources.web.share", 0.5)
    {'sources': [{'name': 'web', 'share': 0.5}]}
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sim.errors import InputError

TARGETS = ("scenario", "strategy")
_TARGET = re.compile(r"^(scenario|strategy)(?:\[([^\]]+)\])?:(.*)$")
_SEGMENT = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.=-]*$")
#: Deepest key path accepted (configs are a few levels deep; this only stops abuse).
MAX_DEPTH = 12


@dataclass(frozen=True)
class KeyPath:
    """A parsed key path: which config (``target``, optionally one strategy) and which keys."""

    target: str
    parts: tuple[str, ...]
    strategy: str | None = None

    @classmethod
    def parse(cls, text: str, where: str = "key path") -> KeyPath:
        """Parse ``text``; raise :class:`InputError` naming ``where`` if it is malformed.

        >>> KeyPath.parse("strategy:email.cadence.awareness.interval_days").parts[-1]
        'interval_days'
        >>> KeyPath.parse("journey..awareness")
        Traceback (most recent call last):
        ...
        sim.errors.InputError: key path: 'journey..awareness': empty key between dots
        """
        if not isinstance(text, str) or not text.strip():
            raise InputError(where, f"{text!r}: a key path such as 'content.match_advance_prob'")
        raw = text.strip()
        target, strategy, rest = "scenario", None, raw
        m = _TARGET.match(raw)
        if m:
            target, strategy, rest = m.group(1), m.group(2), m.group(3)
            if target == "scenario" and strategy is not None:
                raise InputError(where, f"{raw!r}: only strategy[NAME]: names one config")
        elif ":" in raw:
            head = raw.split(":", 1)[0]
            raise InputError(
                where,
                f"{raw!r}: unknown target {head!r}; use scenario:, strategy: or strategy[NAME]:",
            )
        # sources[1].share -> sources.1.share
        rest = re.sub(r"\[(\d+)\]", r".\1", rest)
        parts = tuple(rest.split("."))
        if any(p == "" for p in parts):
            raise InputError(where, f"{raw!r}: empty key between dots")
        if len(parts) > MAX_DEPTH:
            raise InputError(where, f"{raw!r}: {len(parts)} keys deep; at most {MAX_DEPTH}")
        for p in parts:
            if not _SEGMENT.match(p):
                raise InputError(where, f"{raw!r}: key {p!r} may use letters, digits and _ only")
        return cls(target, parts, strategy)

    def __str__(self) -> str:
        head = "" if self.target == "scenario" else self.target
        if self.strategy is not None:
            head += f"[{self.strategy}]"
        return f"{head}:{'.'.join(self.parts)}" if head else ".".join(self.parts)

    @property
    def dotted(self) -> str:
        """The keys alone, e.g. ``email.max_emails``."""
        return ".".join(self.parts)

    def applies_to(self, strategy_name: str) -> bool:
        """Whether this (strategy) path changes the strategy called ``strategy_name``."""
        return self.target == "strategy" and self.strategy in (None, strategy_name)


def parse_assignment(text: str, where: str = "--set") -> tuple[KeyPath, Any]:
    """Parse ``KEY=VALUE`` as ``--set`` takes it; the value is read as TOML, else as text.

    >>> path, value = parse_assignment("sources.web_form.cost_per_lead_usd=35")
    >>> (path.dotted, value)
    ('sources.web_form.cost_per_lead_usd', 35)
    >>> parse_assignment("strategy:email.cadence.awareness.content=generic")[1]
    'generic'
    >>> parse_assignment("seasonality=[1.2, 0.8]")[1]
    [1.2, 0.8]
    """
    if "=" not in text:
        raise InputError(f"{where} {text!r}", "expected KEY=VALUE, e.g. months=6")
    key, _, raw = text.partition("=")
    path = KeyPath.parse(key, f"{where} {text!r}")
    raw = raw.strip()
    if not raw:
        raise InputError(f"{where} {text!r}", "the value after '=' is empty")
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw  # a bare word such as generic or exponential
    return path, value


def get_value(data: Any, path: KeyPath | str, where: str = "") -> Any:
    """The value at ``path`` in plain data (dicts and lists, as TOML or ``model_dump`` gives).

    >>> get_value({"a": [{"name": "x", "b": 2}]}, "a.x.b")
    2
    """
    kp = path if isinstance(path, KeyPath) else KeyPath.parse(path, where or "key path")
    node = data
    for i, part in enumerate(kp.parts):
        node = _child(node, part, kp, i, where, create=False)
    return node


def set_value(data: Any, path: KeyPath | str, value: Any, where: str = "") -> Any:
    """A copy of ``data`` with the value at ``path`` set; missing tables on the way are made.

    >>> set_value({"email": {}}, "email.cadence.awareness.content", "generic")
    {'email': {'cadence': {'awareness': {'content': 'generic'}}}}
    """
    out = deep_copy(data)
    set_in_place(out, path, value, where)
    return out


def set_in_place(data: Any, path: KeyPath | str, value: Any, where: str = "") -> None:
    """Set the value at ``path`` in ``data`` itself (which must be plain dicts and lists)."""
    kp = path if isinstance(path, KeyPath) else KeyPath.parse(path, where or "key path")
    node = data
    for i, part in enumerate(kp.parts[:-1]):
        node = _child(node, part, kp, i, where, create=True)
    last = kp.parts[-1]
    if isinstance(node, list):
        node[_index(node, last, kp, len(kp.parts) - 1, where)] = value
    elif isinstance(node, dict):
        node[last] = value
    else:
        raise _not_a_table(kp, len(kp.parts) - 2, where)


def _child(node: Any, part: str, kp: KeyPath, i: int, where: str, create: bool) -> Any:
    if isinstance(node, dict):
        if part not in node:
            if not create:
                raise InputError(_at(where, kp), f"no key {part!r} at {_prefix(kp, i)}")
            node[part] = {}
        elif create and node[part] is None:
            node[part] = {}  # an optional table left empty (a strategy without a cadence)
        return node[part]
    if isinstance(node, list):
        return node[_index(node, part, kp, i, where)]
    raise _not_a_table(kp, i - 1, where)


def _index(items: list, part: str, kp: KeyPath, i: int, where: str) -> int:
    """A list position from a number or from an item's ``name``."""
    if part.isdigit():
        k = int(part)
        if k >= len(items):
            raise InputError(
                _at(where, kp),
                f"{_prefix(kp, i)} has {len(items)} items; positions are 0 to {len(items) - 1}",
            )
        return k
    names = [it.get("name") for it in items if isinstance(it, dict)]
    if part in names:
        return names.index(part)
    shown = ", ".join(str(n) for n in names if n is not None)
    hint = difflib.get_close_matches(part, [str(n) for n in names if n], n=1, cutoff=0.6)
    did = f" (did you mean {hint[0]!r}?)" if hint else ""
    allowed = f"a position 0 to {len(items) - 1}" + (f" or a name: {shown}" if shown else "")
    raise InputError(_at(where, kp), f"{_prefix(kp, i)} has no item {part!r}{did}; use {allowed}")


def _not_a_table(kp: KeyPath, i: int, where: str) -> InputError:
    return InputError(_at(where, kp), f"'{_prefix(kp, i + 1)}' is not a table (it holds a value)")


def _prefix(kp: KeyPath, i: int) -> str:
    return ".".join(kp.parts[:i]) or "(top level)"


def _at(where: str, kp: KeyPath) -> str:
    return f"{where}: {kp}" if where else str(kp)


def deep_copy(data: Any) -> Any:
    """Copy nested dicts and lists (tuples become lists, as in TOML)."""
    if isinstance(data, Mapping):
        return {k: deep_copy(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [deep_copy(v) for v in data]
    return data
