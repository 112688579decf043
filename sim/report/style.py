"""Colours, number formats and the base layout every figure shares.

An arm keeps its colour across figures *and across reports*: the control is grey, and every
other arm's name is hashed into the palette (Okabe-Ito, distinguishable with the common
colour-vision deficiencies, and three of Tol's colours). Two arms of one report whose names
hash to the same colour are told apart by taking the next free colour, in name order, so
colours stay distinct up to 12 arms and each name keeps its own colour whenever it can.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

import plotly.graph_objects as go

CONTROL_COLOR = "#555555"
#: Okabe and Ito (2008) without black and yellow (too dark / too pale on white), then Tol's
#: muted scheme for more arms.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#999933",
           "#882255", "#44AA99", "#AA4499", "#332288", "#117733")  # fmt: skip
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif"
DASH = "\u2014"


def color_slot(name: str) -> int:
    """The palette index a name prefers: a hash of the name, the same in every report.

    >>> color_slot("stage_nurture") == color_slot("stage_nurture")
    True
    """
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "big") % len(PALETTE)


def arm_colors(arms: Iterable[str], control: str | None = None) -> dict[str, str]:
    """One colour per arm from its name, the control in grey; distinct up to 12 other arms.

    >>> c = arm_colors(["base", "b", "c"], control="base")
    >>> c["base"], c["b"] == arm_colors(["b", "zz", "c"])["b"], len(set(c.values()))
    ('#555555', True, 3)
    """
    arms = list(dict.fromkeys(arms))
    out: dict[str, str] = {a: CONTROL_COLOR for a in arms if a == control}
    taken: set[int] = set()
    for arm in sorted(a for a in arms if a != control):
        slot = color_slot(arm)
        if len(taken) < len(PALETTE):
            while slot in taken:  # the next free colour: distinct within the report
                slot = (slot + 1) % len(PALETTE)
        taken.add(slot)
        out[arm] = PALETTE[slot]
    return {a: out[a] for a in arms}


def pick_colors(
    arms: Iterable[str], colors: Mapping[str, str] | None, control: str | None = None
) -> dict[str, str]:
    """``colors`` where given, the default palette for the other arms."""
    arms = list(dict.fromkeys(arms))
    default = arm_colors(arms, control)
    return {a: (colors or {}).get(a, default[a]) for a in arms}


def with_alpha(color: str, alpha: float) -> str:
    """``#RRGGBB`` as an ``rgba(...)`` string (for interval bands).

    >>> with_alpha("#0072B2", 0.2)
    'rgba(0,114,178,0.2)'
    """
    h = color.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha:g})"


def is_number(x: Any) -> bool:
    """A finite real number (not None, NaN or text)."""
    try:
        return x is not None and not isinstance(x, (str, bytes)) and math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


def pct(x: Any, digits: int = 1) -> str:
    """A share as a percentage; NaN as a dash.

    >>> pct(0.1834), pct(float("nan"))
    ('18.3%', '—')
    """
    return f"{float(x):.{digits}%}" if is_number(x) else DASH


def signed_pct(x: Any, digits: int = 1) -> str:
    """A relative change with its sign.

    >>> signed_pct(0.125), signed_pct(-0.02)
    ('+12.5%', '-2.0%')
    """
    return f"{float(x):+.{digits}%}" if is_number(x) else DASH


def pp(x: Any, digits: int = 1) -> str:
    """A difference of two rates in percentage points.

    >>> pp(0.031), pp(-0.0049)
    ('+3.1 pp', '-0.5 pp')
    """
    return f"{100 * float(x):+.{digits}f} pp" if is_number(x) else DASH


def usd(x: Any, digits: int | None = None) -> str:
    """Dollars with ``digits`` decimals (default: cents below $100, whole dollars above).

    A report formats each quantity with one number of decimals (:func:`usd_digits`), so an
    interval never reads "$97.88 to $106".

    >>> usd(1234.567), usd(12.345), usd(None), usd(97.88, 0), usd(5, 2)
    ('$1,235', '$12.35', '—', '$98', '$5.00')
    """
    if not is_number(x):
        return DASH
    v = float(x)
    sign = "-" if v < 0 else ""
    if digits is None:
        digits = 2 if abs(v) < 100 else 0
    return f"{sign}${abs(v):,.{digits}f}"


def usd_digits(values: Iterable[Any]) -> int:
    """Decimals for one dollar quantity: whole dollars when any value reaches $100, else cents.

    >>> usd_digits([97.88, 106.2]), usd_digits([3.2, 12.5]), usd_digits([float("nan")])
    (0, 2, 2)
    """
    finite = [abs(float(v)) for v in values if is_number(v)]
    return 0 if finite and max(finite) >= 100 else 2


def p_value(x: Any) -> str:
    """A p-value to two significant figures, small ones as an inequality.

    >>> p_value(0.04567), p_value(0.00002), p_value(0.5)
    ('0.046', '<0.001', '0.50')
    """
    if not is_number(x):
        return DASH
    v = float(x)
    return "<0.001" if v < 0.001 else f"{v:.2g}" if v < 0.1 else f"{v:.2f}"


def p_phrase(x: Any) -> str:
    """A p-value in a sentence: ``p = 0.046`` or ``p < 0.001``.

    >>> p_phrase(0.04567), p_phrase(1e-9)
    ('p = 0.046', 'p < 0.001')
    """
    text = p_value(x)
    return f"p < {text[1:]}" if text.startswith("<") else f"p = {text}"


def number(x: Any, digits: int = 2) -> str:
    """A plain number with thousands separators.

    >>> number(12345.678, 1), number(3)
    ('12,345.7', '3')
    """
    if not is_number(x):
        return DASH
    v = float(x)
    return f"{int(v):,}" if v.is_integer() else f"{v:,.{digits}f}"


def metric_kind(metric: str) -> str:
    """``usd``, ``share`` or ``number``: how a metric's values read.

    >>> metric_kind("cost_per_conversion_usd"), metric_kind("abs_lift"), metric_kind("n")
    ('usd', 'share', 'number')
    """
    if metric.endswith("_usd") or "cost" in metric:
        return "usd"
    if any(w in metric for w in ("rate", "lift", "power", "share", "cif", "prob")):
        return "share"
    return "number"


def format_value(metric: str, x: Any) -> str:
    """A value of ``metric`` formatted by :func:`metric_kind` (lifts in pp or signed %)."""
    if metric.startswith("abs_lift"):
        return pp(x)
    if metric.startswith("rel_lift"):
        return signed_pct(x)
    kind = metric_kind(metric)
    return usd(x) if kind == "usd" else pct(x) if kind == "share" else number(x, 3)


def axis_format(metric: str) -> dict[str, Any]:
    """Plotly axis settings for a metric's values."""
    kind = metric_kind(metric)
    if kind == "usd":
        return {"tickprefix": "$", "tickformat": ",.0f"}
    if kind == "share":
        return {"tickformat": ".0%"}
    return {}


def hover_format(metric: str) -> str:
    """A d3 format for a metric's values in hover labels."""
    kind = metric_kind(metric)
    return "$,.2f" if kind == "usd" else ".2%" if kind == "share" else ",.4g"


def label(metric: str) -> str:
    """A readable name for a column.

    >>> label("marketing_cost_per_conversion_usd"), label("sweep_value")
    ('Marketing cost per patient', 'Sweep value')
    """
    known = {
        "conversion_rate": "Conversion rate (patients / leads)",
        "abs_lift": "Absolute lift (pp)",
        "rel_lift": "Relative lift",
        "cost_per_conversion_usd": "Cost per patient (fully loaded)",
        "marketing_cost_per_conversion_usd": "Marketing cost per patient",
        "booked_rate": "Booked rate",
        "lost_rate": "Lost rate",
        "unsubscribe_rate": "Unsubscribe rate",
        "complaint_rate": "Complaint rate",
        "emails_per_lead": "Emails per lead",
        "cost_per_conversion": "Cost per patient (fully loaded)",
        "marketing_cost_per_conversion": "Marketing cost per patient",
        "cost_acquisition_per_conversion_usd": "Acquisition cost per patient",
        "cost_email_per_conversion_usd": "Email cost per patient",
        "cost_sales_per_conversion_usd": "Sales cost per patient",
        "cost_fixed_per_conversion_usd": "Fixed cost per patient",
        "conversions": "Patients",
        "n": "Leads",
        "p_value": "p-value",
        "p_value_adjusted": "Adjusted p-value",
        "n_per_arm": "Leads per arm",
        "months": "Months of leads",
        "power": "Power",
    }
    if metric in known:
        return known[metric]
    text = metric.removesuffix("_usd").replace("_", " ").replace("conversion", "patient")
    return text[:1].upper() + text[1:]


#: More arms than this and legends move to the right of the plot, one entry a line.
LEGEND_TOP_MAX = 4


def base_layout(
    fig: go.Figure, title: str, *, height: int = 420, legend_right: bool = False
) -> go.Figure:
    """Apply the shared look: white background, system font, title then legend on top.

    Title and legend are placed in pixels from the top of the figure (container
    coordinates), above the plot area, so they never cover subplot titles or data. With
    ``legend_right`` (many arms) the legend is a column right of the plot instead, so a long
    list of arm names never wraps into the plot.
    """
    top = 100 if not legend_right else 70
    legend = (
        {"orientation": "v", "x": 1.02, "xanchor": "left", "y": 1.0, "yanchor": "top",
         "font": {"size": 12}}
        if legend_right
        else {"orientation": "h", "x": 0.0, "xanchor": "left", "xref": "container",
              "y": 1 - 44 / height, "yanchor": "top", "yref": "container"}
    )  # fmt: skip
    fig.update_layout(
        template="plotly_white",
        title={"text": title, "x": 0.0, "xanchor": "left", "xref": "container",
               "y": 1 - 12 / height, "yanchor": "top", "yref": "container",
               "font": {"size": 16}, "pad": {"l": 12}},
        font={"family": FONT, "size": 13, "color": "#222"},
        height=height,
        margin={"l": 70, "r": 30, "t": top, "b": 60},
        legend=legend,
        hoverlabel={"font": {"family": FONT}},
    )  # fmt: skip
    return fig


def wrap_label(text: str, width: int = 16) -> str:
    """A long arm name broken onto lines (at ``_``, ``-``, ``/`` or spaces) for tick labels.

    >>> wrap_label("speed_to_lead_five_minutes", 12)
    'speed_to_<br>lead_five_<br>minutes'
    >>> wrap_label("short")
    'short'
    """
    if len(text) <= width:
        return text
    pieces = re.split(r"(?<=[_\-/ ])", text)
    lines, line = [], ""
    for piece in pieces:
        if line and len(line) + len(piece) > width:
            lines.append(line)
            line = ""
        line += piece
    lines.append(line)
    return "<br>".join(lines)
