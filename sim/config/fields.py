"""What the config models allow at a key path: the field, its type and its bounds.

Key paths (:mod:`sim.config.paths`) name values; this module checks a path against the
pydantic models *before* any value is set, so a misspelt key is reported with a "did you
mean" even where the file leaves the value at its default, and so a prior or a search range
can be checked against the field's own bounds.

Example:
    >>> from sim.config.scenario import Scenario
    >>> f = field_at(Scenario, ("content", "match_advance_prob"))
    >>> (f.kind, f.low, f.high)
    ('float', 0.0, 1.0)
    >>> field_at(Scenario, ("sources", "web_form", "share")).kind
    'float'
    >>> try:
    ...     field_at(Scenario, ("contnet", "x"))
    ... except InputError as exc:
    ...     print(exc.where, "|", exc.problem.split(";")[0])
    contnet | unknown key (did you mean 'content'?)
"""

from __future__ import annotations

import difflib
import math
import types
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from sim.errors import InputError


@dataclass(frozen=True)
class FieldSpec:
    """The leaf a key path reaches.

    ``kind`` is one of ``float``, ``int``, ``bool``, ``str``, ``choice`` (a ``Literal``),
    ``table`` (a sub-model), ``list`` (an array, addressed whole). ``low``/``high`` are the
    inclusive or exclusive bounds the model enforces (``low_open`` says which), ``choices``
    the allowed values of a ``choice``; ``optional`` means ``None`` is allowed.
    """

    path: str
    kind: str
    low: float = -math.inf
    high: float = math.inf
    low_open: bool = False
    high_open: bool = False
    choices: tuple[Any, ...] = ()
    optional: bool = False
    description: str = ""
    default: Any = None

    def admits(self, value: float) -> bool:
        """Whether a number lies within the field's bounds.

        >>> FieldSpec("p", "float", 0.0, 1.0).admits(1.0)
        True
        >>> FieldSpec("x", "float", 0.0, low_open=True).admits(0.0)
        False
        """
        lo_ok = value > self.low if self.low_open else value >= self.low
        hi_ok = value < self.high if self.high_open else value <= self.high
        return lo_ok and hi_ok

    def bounds_text(self) -> str:
        """The allowed range as a phrase, e.g. ``in [0, 1]`` or ``> 0``."""
        if self.kind == "choice":
            return "one of " + ", ".join(repr(c) for c in self.choices)
        lo, hi = math.isfinite(self.low), math.isfinite(self.high)
        if lo and hi:
            a = "(" if self.low_open else "["
            b = ")" if self.high_open else "]"
            return f"in {a}{self.low:g}, {self.high:g}{b}"
        if lo:
            return f"{'>' if self.low_open else '>='} {self.low:g}"
        if hi:
            return f"{'<' if self.high_open else '<='} {self.high:g}"
        return "any number"


def field_at(model: type[BaseModel], parts: tuple[str, ...] | list[str]) -> FieldSpec:
    """The :class:`FieldSpec` that ``parts`` reach in ``model``; :class:`InputError` if none."""
    current: Any = model
    info: FieldInfo | None = None
    walked: list[str] = []
    parts = list(parts)
    i = 0
    while i < len(parts):
        part = parts[i]
        model_cls = _model_of(current)
        if model_cls is not None and not _is_sequence(current):
            fields = model_cls.model_fields
            if part not in fields:
                raise _unknown(part, sorted(fields), walked)
            info = fields[part]
            current = info.annotation
            walked.append(part)
            i += 1
            continue
        if _is_sequence(current):
            # A list item: by position (numbers) or by name (tables with a name key).
            item = _item_type(current)
            item_model = _model_of(item)
            if not part.isdigit() and (item_model is None or "name" not in item_model.model_fields):
                where = ".".join(walked)
                raise InputError(where, f"items are addressed by position 0, 1, ...; got {part!r}")
            current = item
            walked.append(part)
            i += 1
            continue
        where = ".".join(walked)
        raise InputError(where, f"is a value, not a table: nothing below it ({part!r})")
    return _spec(".".join(walked), current, info)


def _spec(path: str, annotation: Any, info: FieldInfo | None) -> FieldSpec:
    optional = False
    if get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        optional = len(args) < len(get_args(annotation))
        annotation = args[0] if len(args) == 1 else annotation
    metadata = list(getattr(info, "metadata", []) or [])
    if get_origin(annotation) is Annotated:
        base, *extra = get_args(annotation)
        metadata += [m for e in extra for m in getattr(e, "metadata", [e])]
        annotation = base
    low, high, low_open, high_open = -math.inf, math.inf, False, False
    for m in metadata:
        for attr, is_low, is_open in (("ge", 1, 0), ("gt", 1, 1), ("le", 0, 0), ("lt", 0, 1)):
            v = getattr(m, attr, None)
            if v is None:
                continue
            if is_low:
                low, low_open = float(v), bool(is_open)
            else:
                high, high_open = float(v), bool(is_open)
    description = (info.description or "") if info is not None else ""
    default = None
    if info is not None and not info.is_required():
        default = info.get_default(call_default_factory=True)
    common = {"optional": optional, "description": description, "default": default}
    if get_origin(annotation) is Literal:
        return FieldSpec(path, "choice", choices=get_args(annotation), **common)
    if annotation is bool:
        return FieldSpec(path, "bool", **common)
    if annotation in (int, float):
        kind = "int" if annotation is int else "float"
        return FieldSpec(path, kind, low, high, low_open, high_open, **common)
    if annotation is str:
        return FieldSpec(path, "str", **common)
    if _is_sequence(annotation):
        return FieldSpec(path, "list", **common)
    if _model_of(annotation) is not None:
        return FieldSpec(path, "table", **common)
    return FieldSpec(path, "str", **common)


def _unknown(part: str, allowed: list[str], walked: list[str]) -> InputError:
    hint = difflib.get_close_matches(part, allowed, n=1, cutoff=0.6)
    did = f" (did you mean {hint[0]!r}?)" if hint else ""
    where = ".".join([*walked, part])
    return InputError(where, f"unknown key{did}; allowed: {', '.join(allowed)}")


def _is_sequence(annotation: Any) -> bool:
    if get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        return len(args) == 1 and _is_sequence(args[0])
    return get_origin(annotation) in (list, tuple)


def _item_type(annotation: Any) -> Any:
    if get_origin(annotation) in (Union, types.UnionType):
        annotation = next(a for a in get_args(annotation) if a is not type(None))
    args = [a for a in get_args(annotation) if a is not Ellipsis]
    return args[0] if args else Any


def _model_of(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if get_origin(annotation) in (Union, types.UnionType):
        for arg in get_args(annotation):
            found = _model_of(arg)
            if found is not None:
                return found
    return None
