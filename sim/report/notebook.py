"""A plotly renderer for notebooks that draws in JupyterLab and in static HTML exports alike.

plotly's default notebook renderer emits only ``application/vnd.plotly.v1+json``, which
JupyterLab and VS Code draw but nbconvert, nbviewer and CI artefacts cannot: an exported
notebook shows no figure at all. plotly's ``notebook`` renderer emits HTML, but loads MathJax
from a CDN for every figure. This renderer emits both in one output:

- ``application/vnd.plotly.v1+json`` for JupyterLab, Notebook 7 and VS Code (they prefer it);
- ``text/html``, self-contained: the first figure of a kernel session carries plotly.js
  inline (once), every figure waits for it if its own script runs first, and nothing is
  loaded from the network.

The bundled plotly.js is wrapped so it always defines ``window.Plotly``, even on a page that
has loaded require.js (nbconvert's templates do), where its UMD header would otherwise
register an anonymous AMD module and define no global.

Example:
    >>> import plotly.graph_objects as go
    >>> renderer = OfflineNotebookRenderer()
    >>> bundle = renderer.to_mimebundle(go.Figure(go.Bar(y=[1, 2])).to_dict())
    >>> sorted(bundle)
    ['application/vnd.plotly.v1+json', 'text/html']
    >>> html = bundle["text/html"]
    >>> "<script src" in html, get_plotlyjs() in html  # plotly.js inline, nothing linked
    (False, True)
    >>> from copy import copy  # plotly shows each figure with a copy of the renderer
    >>> get_plotlyjs() in copy(renderer).to_mimebundle(go.Figure().to_dict())["text/html"]
    False
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import plotly.io as pio
from plotly.io._base_renderers import MimetypeRenderer, PlotlyRenderer
from plotly.offline import get_plotlyjs

#: The name the renderer is registered under in ``plotly.io.renderers``.
RENDERER_NAME = "nurture"
#: plotly config of notebook figures: no logo, no cloud links.
NOTEBOOK_CONFIG = {"displaylogo": False, "responsive": True}
PLOTLY_MIME = "application/vnd.plotly.v1+json"


def _plotlyjs_script() -> str:
    # ``define``, ``module`` and ``exports`` are shadowed (undefined) inside the wrapper, so
    # the UMD header of plotly.min.js falls through to setting the global.
    return (
        "<script>window.PlotlyConfig = {MathJaxConfig: 'local'};</script>"
        "<script>(function (define, module, exports) {\n"
        f"{get_plotlyjs()}\n"
        "}).call(window); window.Plotly = window.Plotly || globalThis.Plotly;</script>"
    )


class OfflineNotebookRenderer(MimetypeRenderer):
    """Emit the plotly mimetype and self-contained HTML for every figure.

    Args:
        config: plotly config for the figures (default :data:`NOTEBOOK_CONFIG`).
    """

    def __init__(self, config: dict[str, Any] | None = None) -> None:
        self.config = dict(NOTEBOOK_CONFIG if config is None else config)
        # Shared by the shallow copies plotly makes for every figure it shows.
        self.session = {"plotlyjs_sent": False, "count": 0}

    def to_mimebundle(self, fig_dict: dict[str, Any]) -> dict[str, Any]:
        bundle = PlotlyRenderer(config=self.config).to_mimebundle(dict(fig_dict))
        bundle["text/html"] = self.html(bundle[PLOTLY_MIME])
        return bundle

    def html(self, fig: dict[str, Any]) -> str:
        """The figure's HTML: a div and a script that draws it once plotly.js is there."""
        self.session["count"] += 1
        data = json.dumps({"data": fig.get("data", []), "layout": fig.get("layout", {})},
                          sort_keys=True, separators=(",", ":"))  # fmt: skip
        # Ids from the content and the figure's place in the session: the same notebook run
        # gives the same HTML.
        div_id = f"nurture-{hashlib.sha256(data.encode()).hexdigest()[:12]}-{self.session['count']}"
        height = (fig.get("layout") or {}).get("height") or 525
        script = (
            "<script>(function () {\n"
            f"  var fig = {data};\n"
            f"  var config = {json.dumps(self.config, sort_keys=True)};\n"
            f'  function draw() {{ window.Plotly.newPlot("{div_id}", fig.data, fig.layout, '
            "config); }\n"
            "  if (window.Plotly) { draw(); } else { window.addEventListener('load', draw); }\n"
            "})();</script>"
        )
        prefix = ""
        if not self.session["plotlyjs_sent"]:
            prefix = _plotlyjs_script()
            self.session["plotlyjs_sent"] = True
        return (f'{prefix}<div id="{div_id}" class="plotly-graph-div" '
                f'style="height:{int(height)}px; width:100%;"></div>{script}')  # fmt: skip


def use_notebook_renderer(config: dict[str, Any] | None = None) -> str:
    """Make :class:`OfflineNotebookRenderer` plotly's default renderer; return its name.

    Call it once at the top of a notebook: figures then draw in JupyterLab and in
    ``jupyter nbconvert --to html`` exports, offline.
    """
    pio.renderers[RENDERER_NAME] = OfflineNotebookRenderer(config)
    pio.renderers.default = RENDERER_NAME
    return RENDERER_NAME
