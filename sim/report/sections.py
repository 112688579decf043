"""The report's sections: a registry of builders, so a new view is a new module.

A section builder takes the :class:`~sim.report.run_folder.RunFolder` and returns a
:class:`Section` (a title and its parts: HTML fragments and figures) or ``None`` when the run
has nothing for it (a sweep figure for a run without a sweep). The page is the registered
sections in ``order``; the built-in ones use 10 (expectations), 20 (results), 30 (figures),
40 (sales desk), 50 (lead sources) and 1000 (run details), so a study's section fits between
them. A module adds its own with the decorator and is listed in :data:`SECTION_MODULES`:

    >>> from sim.report.sections import Section, register_section, unregister_section
    >>> @register_section("example", order=65)
    ... def example(run):
    ...     return Section("example", "Example", ("<p>Hello.</p>",))
    >>> "example" in registered_sections()
    True
    >>> unregister_section("example")
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Union

import plotly.graph_objects as go

if TYPE_CHECKING:
    from sim.report.run_folder import RunFolder

#: Modules whose import registers report sections (each calls :func:`register_section`).
SECTION_MODULES: list[str] = [
    "sim.report.builtin_sections",
    "sim.report.desk",
    "sim.report.sources",
]


@dataclass(frozen=True)
class ReportFigure:
    """A figure of the report: its element id, heading, caption and plotly figure."""

    id: str
    heading: str
    caption: str
    figure: go.Figure


Part = Union[str, ReportFigure]  # noqa: UP007 - a runtime alias


@dataclass(frozen=True)
class Section:
    """A titled part of the report: HTML fragments (already escaped) and figures, in order."""

    id: str
    title: str
    parts: tuple[Part, ...]

    @property
    def figures(self) -> list[ReportFigure]:
        return [p for p in self.parts if isinstance(p, ReportFigure)]


SectionBuilder = Callable[["RunFolder"], Section | None]


@dataclass(frozen=True)
class SectionSpec:
    name: str
    order: float
    build: SectionBuilder


_REGISTRY: dict[str, SectionSpec] = {}


def register_section(name: str, *, order: float) -> Callable[[SectionBuilder], SectionBuilder]:
    """Register a section builder under ``name`` (re-registering replaces it)."""

    def decorate(build: SectionBuilder) -> SectionBuilder:
        _REGISTRY[name] = SectionSpec(name, order, build)
        return build

    return decorate


def unregister_section(name: str) -> None:
    """Remove a section (for tests and for reports that leave a view out)."""
    _REGISTRY.pop(name, None)


def registered_sections() -> list[str]:
    """Names of the registered sections, in page order."""
    _load_modules()
    return [s.name for s in sorted(_REGISTRY.values(), key=lambda s: (s.order, s.name))]


def report_sections(run: RunFolder) -> list[Section]:
    """The sections a run supports, in page order."""
    _load_modules()
    out = []
    for spec in sorted(_REGISTRY.values(), key=lambda s: (s.order, s.name)):
        section = spec.build(run)
        if section is not None:
            out.append(section)
    return out


def _load_modules() -> None:
    for name in SECTION_MODULES:
        importlib.import_module(name)
