"""Shared pieces of the config models: strict models and constrained number types."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

#: A probability: a float in [0, 1].
Probability = Annotated[float, Field(ge=0.0, le=1.0)]
#: A rate, duration or amount: a float >= 0.
NonNegative = Annotated[float, Field(ge=0.0)]
#: Strictly positive float.
Positive = Annotated[float, Field(gt=0.0)]


class StrictModel(BaseModel):
    """A config section: unknown keys, NaN and infinity are errors; values are frozen."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, frozen=True)


#: Tolerance for "shares sum to 1": loose enough for hand-written decimals like 0.33.
SHARE_TOLERANCE = 1e-6


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
