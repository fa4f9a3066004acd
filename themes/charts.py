"""The one chart helper: every analytics view describes its chart here and `static/js/charts.js` draws it.

A `Chart` is data only: a Vega-Lite spec (heat maps, lines, bars; drawn by vega-embed with its
CSP-safe expression interpreter) or a Cytoscape.js graph (the thematic map), handed to the page with
`json_script` (never inlined as HTML, so code and theme names stay text) and drawn by `charts.js`
from the npm packages under `static/vendor/` (no CDN). Every chart is paired on the page with a table
of the same numbers (`templates/themes/_chart.html`), which is what screen readers and keyboards use.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

# Vega-Lite's colour schemes are named; "blues" reads as "more" without a legend lesson.
HEAT_SCHEME = "blues"
FONT = "system-ui, -apple-system, 'Segoe UI', sans-serif"


@dataclass
class Chart:
    """A chart for `charts.js`: `kind` "vega-lite" or "cytoscape", the `spec` it draws, and a
    `description` that is also the chart's accessible name (the table beside it holds the data)."""

    id: str
    kind: str
    spec: dict[str, Any]
    description: str
    height: int = 0
    links: dict[str, str] = field(default_factory=dict)

    @property
    def data_id(self) -> str:
        return f"{self.id}-data"

    @property
    def payload(self) -> dict[str, Any]:
        return {"kind": self.kind, "spec": self.spec, "links": self.links}


def _base(description: str) -> dict[str, Any]:
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        "description": description,
        "background": "white",
        "config": {"font": FONT, "axis": {"labelFontSize": 11, "titleFontSize": 12}, "view": {"stroke": None}},
    }


def heatmap(frame: pd.DataFrame, *, chart_id: str, description: str, value_title: str, fmt: str = "d") -> Chart:
    """A matrix (rows × columns of numbers, labels as index and columns) as a heat map, rows and
    columns in the frame's order, with the number written in each non-zero cell. Zero cells stay pale
    grey, and so does a square matrix's diagonal (each code's own total, which would otherwise set the
    colour scale and wash out every pair)."""
    rows, columns = [str(r) for r in frame.index], [str(c) for c in frame.columns]
    square = rows == columns
    matrix = frame.to_numpy(dtype=float)
    shaded = [
        (float(v) if v and not (square and i == j) else None)
        for i, series in enumerate(matrix.tolist())
        for j, v in enumerate(series)
    ]
    peak = max((v for v in shaded if v is not None), default=0.0)
    values = []
    for k, (r, c) in enumerate((r, c) for r in rows for c in columns):
        value = float(matrix.flat[k])
        shade = shaded[k]
        values.append({
            "row": r, "column": c, "value": value, "shade": shade,
            "ink": "#ffffff" if shade is not None and peak and shade > 0.6 * peak else "#102a43",
        })  # fmt: skip
    cell = max(14, min(28, 720 // max(1, len(columns))))
    label_limit = 180
    text_format = ".2f" if fmt != "d" else "d"
    x = {"field": "column", "type": "nominal", "sort": columns, "title": frame.columns.name or None,
         "axis": {"labelAngle": -50, "labelLimit": label_limit, "orient": "top"}}  # fmt: skip
    y = {"field": "row", "type": "nominal", "sort": rows, "title": frame.index.name or None,
         "axis": {"labelLimit": label_limit}}  # fmt: skip
    tooltip = [{"field": "row", "title": frame.index.name or "row"},
               {"field": "column", "title": frame.columns.name or "column"},
               {"field": "value", "title": value_title, "format": text_format}]  # fmt: skip
    spec = {
        **_base(description),
        "data": {"values": values},
        "width": cell * len(columns),
        "height": cell * len(rows),
        "encoding": {"x": x, "y": y},
        # The text's colour (white on dark cells) is its own scale: a shared one fails to compile.
        "resolve": {"scale": {"color": "independent"}},
        # Pale cells underneath; the coloured layer drops cells without a shade (zeros, the diagonal);
        # zeros are left blank by a condition on a field predicate (no expression to interpret).
        "layer": [
            {"mark": {"type": "rect", "fill": "#eef0f4", "stroke": "white"}, "encoding": {"tooltip": tooltip}},
            {
                "mark": {"type": "rect", "stroke": "white", "strokeWidth": 1},
                "encoding": {
                    "color": {
                        "field": "shade",
                        "type": "quantitative",
                        "title": value_title,
                        "scale": {"scheme": HEAT_SCHEME, "domainMin": 0},
                    },
                    "tooltip": tooltip,
                },
            },
            {
                "mark": {"type": "text", "fontSize": 9 if cell < 22 else 10},
                "encoding": {
                    "text": {
                        "condition": {"test": {"field": "value", "equal": 0}, "value": ""},
                        "field": "value",
                        "type": "quantitative",
                        "format": text_format,
                    },
                    "color": {"field": "ink", "type": "nominal", "scale": None, "legend": None},
                    "tooltip": tooltip,
                },
            },
        ],
    }
    return Chart(id=chart_id, kind="vega-lite", spec=spec, description=description)


def lines(
    frame: pd.DataFrame, *, x: str, ys: list[str], chart_id: str, description: str, x_title: str, y_title: str,
    tooltip: list[str] | None = None, bars: str | None = None,
) -> Chart:  # fmt: skip
    """Lines of some columns of `frame` over `x` (kept in the frame's order), optionally with one
    column drawn as bars behind them (the saturation curve: new codes as bars, the total as a line)."""
    keep = list(dict.fromkeys([x, *ys, *(tooltip or []), *([bars] if bars else [])]))
    values = frame[keep].to_dict("records")
    order = [str(v) for v in frame[x]]
    tips = [{"field": name, "type": "nominal" if frame[name].dtype == object else "quantitative"} for name in keep]
    x_enc = {"field": x, "type": "ordinal", "sort": order, "title": x_title,
             "axis": {"labelAngle": 0, "labelLimit": 120, "labelOverlap": True}}  # fmt: skip
    layers: list[dict[str, Any]] = []
    if bars:
        layers.append({
            "mark": {"type": "bar", "color": "#9ecae1"},
            "encoding": {"x": x_enc, "y": {"field": bars, "type": "quantitative", "title": y_title},
                         "tooltip": tips},
        })  # fmt: skip
    for name in ys:
        layers.append({
            "mark": {"type": "line", "point": len(values) <= 60, "color": "#08519c", "strokeWidth": 2},
            "encoding": {"x": x_enc, "y": {"field": name, "type": "quantitative", "title": y_title},
                         "tooltip": tips},
        })  # fmt: skip
    spec = {
        **_base(description), "data": {"values": values}, "width": "container", "height": 320, "layer": layers,
        "resolve": {"scale": {"y": "shared"}},
    }  # fmt: skip
    return Chart(id=chart_id, kind="vega-lite", spec=spec, description=description, height=380)


def bars(frame: pd.DataFrame, *, category: str, value: str, chart_id: str, description: str,
         value_title: str) -> Chart:  # fmt: skip
    """Horizontal bars of `value` per `category`, in the frame's order."""
    values = frame[[category, value]].to_dict("records")
    spec = {
        **_base(description),
        "data": {"values": values},
        "width": "container",
        "autosize": {"type": "fit-x", "contains": "padding"},
        "height": {"step": 16},
        "mark": {"type": "bar", "color": "#3182bd"},
        "encoding": {
            "y": {
                "field": category,
                "type": "nominal",
                "sort": [str(v) for v in frame[category]],
                "title": None,
                "axis": {"labelLimit": 220},
            },
            "x": {
                "field": value,
                "type": "quantitative",
                "title": value_title,
                "axis": {"format": "d", "tickMinStep": 1},
            },
            "tooltip": [{"field": category}, {"field": value, "title": value_title}],
        },
    }
    return Chart(id=chart_id, kind="vega-lite", spec=spec, description=description)


def network(data: dict[str, Any], *, chart_id: str, description: str, links: dict[str, str]) -> Chart:
    """The thematic map as Cytoscape.js elements: themes as rounded boxes, codes as dots in their
    colour, membership as grey lines and co-occurrence as blue lines as thick as their Jaccard.
    `links` are URL patterns with `{uuid}` for a click (or Enter in the table) to follow."""
    elements: list[dict[str, Any]] = []
    for node in data["nodes"]:
        classes = node["kind"] + (f" depth{min(node.get('depth', 0), 2)}" if node["kind"] == "theme" else "")
        elements.append({"group": "nodes", "classes": classes,
                         "data": {"id": node["id"], "label": node["label"], "uuid": node["uuid"],
                                  "kind": node["kind"], "colour": node.get("colour", "#888888"),
                                  "size": 14 + min(30, (node.get("codings") or 0) ** 0.5)}})  # fmt: skip
    for i, edge in enumerate(data["edges"]):
        elements.append({"group": "edges", "classes": edge["kind"],
                         "data": {"id": f"e{i}", "source": edge["source"], "target": edge["target"],
                                  "weight": edge["weight"], "width": 1 + 8 * edge["weight"]
                                  if edge["kind"] == "cooccurrence" else 1.5}})  # fmt: skip
    return Chart(id=chart_id, kind="cytoscape", spec={"elements": elements}, description=description, height=620,
                 links=links)  # fmt: skip
