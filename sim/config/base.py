"""Shared pieces of the config models: strict models and constrained number types."""

from __future__ import annotations

import types
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

#: A probability: a float in [0, 1].
Probability = Annotated[float, Field(ge=0.0, le=1.0)]
#: A rate, duration or amount: a float >= 0.
NonNegative = Annotated[float, Field(ge=0.0)]
#: Strictly positive float.
Positive = Annotated[float, Field(gt=0.0)]


class StrictModel(BaseModel):
    """A config section: unknown keys, NaN and infinity are errors; values are frozen."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, frozen=True)

    @field_validator("*", mode="before")
    @classmethod
    def _numbers_are_numbers(cls, value: Any, info: ValidationInfo) -> Any:
        # pydantic's lax mode would read months = "12" or months = true as numbers; in TOML
        # those are a string and a boolean, most likely a mistake, so say so.
        field = cls.model_fields.get(info.field_name or "")
        if field is not None and _is_number(field.annotation) and isinstance(value, (str, bool)):
            raise ValueError("must be a number (TOML: no quotes, not true/false)")
        return value


def _is_number(annotation: Any) -> bool:
    """``int``, ``float`` or an optional one (possibly ``Annotated``)."""
    if get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    if annotation in (int, float):
        return True
    if get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        return bool(args) and all(_is_number(a) for a in args)
    return False


#: Tolerance for "shares sum to 1": loose enough for honest six-decimal input such as
#: 0.333333 x 3 = 0.999999. The world uses the shares as written, so the arrival rate is off
#: by at most this fraction and the last stage of a mix takes the remainder: far below any
#: effect a simulation can resolve.
SHARE_TOLERANCE = 1e-5


def check_shares(values: dict[str, float] | list[float], what: str) -> None:
    """Raise ValueError unless the shares are non-negative and sum to 1.

    >>> check_shares([0.25, 0.75], "mix")
    >>> check_shares([0.5, 0.6], "mix")
    Traceback (most recent call last):
    ...
    ValueError: mix must sum to 1, got 1.1
    """
    items = list(values.values()) if isinstance(values, dict) else list(values)
    total = sum(items)
    if abs(total - 1.0) > SHARE_TOLERANCE:
        raise ValueError(f"{what} must sum to 1, got {total:.6g}")


def tables_turn_on(data: Any, keys: tuple[str, ...]) -> Any:
    """A table written in a file turns its feature on unless it says ``enabled = false``.

    Writing ``[email]`` or ``[sales.on_handoff]`` and forgetting ``enabled = true`` used to
    leave the feature off without a word (while its fees were still charged); a table that
    configures a feature means the feature is wanted. (Only tables that are written count: a
    feature left out of the file stays off.)
    """
    if not isinstance(data, dict):
        return data
    out = dict(data)
    for key in keys:
        table = out.get(key)
        if isinstance(table, dict) and "enabled" not in table:
            out[key] = {**table, "enabled": True}
    return out
