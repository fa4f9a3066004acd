"""The one chart helper: every analytics view describes its chart here and `static/js/charts.js` draws it.

A `Chart` is data only: a Vega-Lite spec (heat maps, lines, bars; drawn by vega-embed with its
CSP-safe expression interpreter) or a Cytoscape.js graph (the thematic map), handed to the page with
`json_script` (never inlined as HTML, so code and theme names stay text) and drawn by `charts.js`
from the npm packages under `static/vendor/` (no CDN). Every chart is paired on the page with a table
of the same numbers (`templates/themes/_chart.html`), which is what screen readers and keyboards use.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
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


# --- the explainer sandbox's charts (explainers.sandbox.base.ChartSpec) ----------------------------

# Two colours a colour-blind reader tells apart: what raises the explained value and what lowers it.
RAISES, LOWERS = "#2b6cb0", "#dd6b20"
# Many thin lines (ICE curves) behind one drawn thick (their average, the partial dependence).
FAINT, STRONG = "#9fb3c8", "#102a43"


def _plain(value: Any) -> Any:
    """A frame cell as JSON: numpy scalars as Python numbers, NaN and infinities as null (the data
    goes through `json_script`, whose JSON has no NaN)."""
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return None
    if isinstance(value, (bool, int, float, str)) or value is None:
        return value
    return str(value)


def _records(frame: pd.DataFrame, columns: list[str]) -> list[dict[str, Any]]:
    keep = [c for c in dict.fromkeys(columns) if c and c in frame.columns]
    return [{c: _plain(v) for c, v in zip(keep, row, strict=True)} for row in frame[keep].itertuples(index=False)]


def _title(frame: pd.DataFrame, column: str) -> str:
    """A column's name as the block's frame has it (the chart's data renames columns)."""
    return str(frame.attrs.get("titles", {}).get(column, column))


def _numeric(frame: pd.DataFrame, column: str) -> bool:
    return bool(column in frame.columns and pd.api.types.is_numeric_dtype(frame[column]))


def _whole(frame: pd.DataFrame, column: str) -> bool:
    """Whether a numeric column holds whole numbers only (a tree's depth, a count of cases)."""
    if not _numeric(frame, column) or pd.api.types.is_bool_dtype(frame[column]):
        return False
    values = pd.to_numeric(frame[column], errors="coerce").dropna()
    return bool(len(values)) and bool(((values % 1) == 0).all())


def _axis(frame: pd.DataFrame, column: str, **extra: Any) -> dict[str, Any]:
    """A quantitative axis: whole-number columns get whole-number ticks (no 1.2, 1.4 between depths),
    and every number is written with thousands separators rather than as an exponent."""
    axis: dict[str, Any] = {**extra}
    if _whole(frame, column):
        axis.update({"format": ",d", "tickMinStep": 1})
    elif _numeric(frame, column):
        axis.setdefault("format", ",~r")
    return axis


def _tooltip(frame: pd.DataFrame, columns: list[str]) -> list[dict[str, Any]]:
    tips = []
    titles = frame.attrs.get("titles", {})
    for c in dict.fromkeys(columns):
        if c and c in frame.columns:
            tip: dict[str, Any] = {
                "field": c,
                "title": titles.get(c, c),
                "type": "quantitative" if _numeric(frame, c) else "nominal",
            }
            if _whole(frame, c):
                tip["format"] = ",d"
            elif _numeric(frame, c):
                tip["format"] = ",.4~r"
            tips.append(tip)
    return tips


def _attribution(frame: pd.DataFrame, spec: Any, description: str) -> tuple[dict[str, Any], int]:
    """Signed horizontal bars in the frame's order (demos sort by size): the direction is its own
    column, so the two colours need no expression and get a legend that says what they mean."""
    values = _records(frame, [spec.x, spec.y])
    for row in values:
        row["direction"] = "raises" if (row.get(spec.x) or 0) >= 0 else "lowers"
    order = [str(v) for v in frame[spec.y]]
    body = {
        "data": {"values": values},
        "width": "container",
        "autosize": {"type": "fit-x", "contains": "padding"},
        "height": {"step": 20},
        "layer": [
            {
                "mark": {"type": "bar"},
                "encoding": {
                    "y": {"field": spec.y, "type": "nominal", "sort": order, "title": spec.y_title or None,
                          "axis": {"labelLimit": 170}},
                    "x": {"field": spec.x, "type": "quantitative", "title": spec.x_title or _title(frame, spec.x),
                          "axis": _axis(frame, spec.x, titleAnchor="end", labelOverlap=True)},
                    "color": {"field": "direction", "type": "nominal", "title": None,
                              "scale": {"domain": ["raises", "lowers"], "range": [RAISES, LOWERS]},
                              "legend": {"orient": "top", "direction": "horizontal"}},
                    "tooltip": _tooltip(frame, [spec.y, spec.x]),
                },
            },
            # The zero line is decoration: no ARIA role of its own (an unnamed graphics symbol).
            {"mark": {"type": "rule", "color": "#52606d", "aria": False}, "encoding": {"x": {"datum": 0}}},
        ],
    }  # fmt: skip
    return body, 60 + 20 * len(values)


def _bars(frame: pd.DataFrame, spec: Any, description: str) -> tuple[dict[str, Any], int]:
    values = _records(frame, [spec.x, spec.y, spec.series])
    order = list(dict.fromkeys(str(v) for v in frame[spec.x]))
    encoding: dict[str, Any] = {
        "x": {"field": spec.x, "type": "nominal", "sort": order, "title": spec.x_title or None,
              "axis": {"labelAngle": 0 if len(order) <= 8 else -45, "labelLimit": 140}},
        "y": {"field": spec.y, "type": "quantitative", "title": spec.y_title or _title(frame, spec.y),
              "axis": _axis(frame, spec.y)},
        "tooltip": _tooltip(frame, [spec.x, spec.series, spec.y]),
    }  # fmt: skip
    mark: dict[str, Any] = {"type": "bar"}
    if spec.series:
        series = list(dict.fromkeys(str(v) for v in frame[spec.series]))
        encoding["color"] = {"field": spec.series, "type": "nominal", "sort": series, "title": _title(frame, spec.series),
                             "legend": {"orient": "bottom"}}  # fmt: skip
        encoding["xOffset"] = {"field": spec.series, "type": "nominal", "sort": series}
    else:
        mark["color"] = "#3182bd"
    return {"data": {"values": values}, "width": "container", "height": 260, "mark": mark, "encoding": encoding}, 320


def _axis_type(frame: pd.DataFrame, column: str) -> str:
    return "quantitative" if _numeric(frame, column) else "ordinal"


def _line(frame: pd.DataFrame, spec: Any, description: str) -> tuple[dict[str, Any], int]:
    """Lines of y over x, one per series. With `highlight`, that series is drawn thick and dark over
    the others drawn thin and faint (a partial dependence over its ICE curves); `diagonal` adds the
    dashed y = x of a reliability diagram."""
    values = _records(frame, [spec.x, spec.y, spec.series])
    x_type = _axis_type(frame, spec.x)
    x_enc: dict[str, Any] = {"field": spec.x, "type": x_type, "title": spec.x_title or _title(frame, spec.x)}
    if x_type == "ordinal":
        x_enc["sort"] = list(dict.fromkeys(str(v) for v in frame[spec.x]))
    else:
        x_enc["axis"] = _axis(frame, spec.x)
    y_enc = {"field": spec.y, "type": "quantitative", "title": spec.y_title or _title(frame, spec.y),
             "axis": _axis(frame, spec.y)}  # fmt: skip
    tips = _tooltip(frame, [spec.series, spec.x, spec.y])
    layers: list[dict[str, Any]] = []
    few = len(values) <= 60
    if spec.series and spec.highlight:
        key = spec.series
        others = [r for r in values if str(r.get(key)) != spec.highlight]
        marked = [r for r in values if str(r.get(key)) == spec.highlight]
        layers.append({
            "data": {"values": others},
            "mark": {"type": "line", "color": FAINT, "strokeWidth": 1, "opacity": 0.6},
            "encoding": {"x": x_enc, "y": y_enc, "detail": {"field": key, "type": "nominal"}, "tooltip": tips},
        })  # fmt: skip
        layers.append({
            "data": {"values": marked},
            "mark": {"type": "line", "color": STRONG, "strokeWidth": 3.5, "point": len(marked) <= 40},
            "encoding": {"x": x_enc, "y": y_enc, "tooltip": tips},
        })  # fmt: skip
    elif spec.series:
        series = list(dict.fromkeys(str(v) for v in frame[spec.series]))
        layers.append({
            "data": {"values": values},
            "mark": {"type": "line", "strokeWidth": 2, "point": few},
            "encoding": {"x": x_enc, "y": y_enc, "tooltip": tips,
                         "color": {"field": spec.series, "type": "nominal", "sort": series, "title": _title(frame, spec.series),
                                   "legend": {"orient": "bottom"}}},
        })  # fmt: skip
    else:
        layers.append({
            "data": {"values": values},
            "mark": {"type": "line", "color": "#08519c", "strokeWidth": 2, "point": few},
            "encoding": {"x": x_enc, "y": y_enc, "tooltip": tips},
        })  # fmt: skip
    if spec.diagonal and x_type == "quantitative":
        numbers = [v for r in values for v in (r.get(spec.x), r.get(spec.y)) if isinstance(v, (int, float))]
        low, high = (min(numbers), max(numbers)) if numbers else (0.0, 1.0)
        layers.insert(0, {
            "data": {"values": [{spec.x: low, spec.y: low}, {spec.x: high, spec.y: high}]},
            "mark": {"type": "line", "color": "#7b8794", "strokeDash": [4, 4], "strokeWidth": 1, "aria": False},
            "encoding": {"x": x_enc, "y": y_enc},
        })  # fmt: skip
    return {"width": "container", "height": 300, "layer": layers}, 360


def _scatter(frame: pd.DataFrame, spec: Any, description: str) -> tuple[dict[str, Any], int]:
    """Points of y over x coloured by series; rows where the `highlight` column is true are drawn on
    top, larger and ringed (the chosen instance among the others)."""
    values = _records(frame, [spec.x, spec.y, spec.series, spec.highlight])
    x_enc = {"field": spec.x, "type": _axis_type(frame, spec.x), "title": spec.x_title or _title(frame, spec.x),
             "scale": {"zero": False}}  # fmt: skip
    if x_enc["type"] == "quantitative":
        x_enc["axis"] = _axis(frame, spec.x)
    y_enc = {
        "field": spec.y,
        "type": "quantitative",
        "title": spec.y_title or _title(frame, spec.y),
        "scale": {"zero": False},
        "axis": _axis(frame, spec.y),
    }
    encoding: dict[str, Any] = {"x": x_enc, "y": y_enc, "tooltip": _tooltip(frame, [spec.series, spec.x, spec.y])}
    if spec.series:
        series = list(dict.fromkeys(str(v) for v in frame[spec.series]))
        encoding["color"] = {"field": spec.series, "type": "nominal", "sort": series, "title": _title(frame, spec.series),
                             "legend": {"orient": "bottom"}}  # fmt: skip
    point: dict[str, Any] = {"type": "point", "filled": True, "size": 36, "opacity": 0.7}
    if not spec.series:
        point["color"] = "#3182bd"
    layers: list[dict[str, Any]] = [{"data": {"values": values}, "mark": point, "encoding": encoding}]
    if spec.highlight:
        marked = [r for r in values if r.get(spec.highlight) in (True, 1, "true", "True")]
        layers.append({
            "data": {"values": marked},
            "mark": {"type": "point", "shape": "diamond", "filled": True, "size": 220, "color": "#d64545",
                     "stroke": "#102a43", "strokeWidth": 1.5},
            "encoding": {"x": x_enc, "y": y_enc, "tooltip": encoding["tooltip"]},
        })  # fmt: skip
    return {"width": "container", "height": 320, "layer": layers}, 380


def _series_values(values: list[dict[str, Any]], spec: Any) -> dict[str, list[float]]:
    found: dict[str, list[float]] = {}
    for r in values:
        v = r.get(spec.value)
        found.setdefault(str(r.get(spec.series)), []).extend([v] if isinstance(v, (int, float)) else [])
    return found


def _image(frame: pd.DataFrame, spec: Any, description: str) -> tuple[dict[str, Any], int]:
    """Pixels as squares, row 0 at the top.

    One colour convention on every image chart: an input image (a digit's ink) is grey, white for
    blank paper; a signed attribution (saliency, gradient, a perturbation) is diverging, centred on
    0 and symmetric, blue below and red above, on one scale shared by the small multiples (so two
    maps compare). A diverging chart's panels whose values are all non-negative are its input images
    (the demos put "the digit" beside its maps) and get the grey scale and its own legend; the
    signed panels share the diverging one.

    Small multiples wrap: `usermeta.wrap` gives a panel's width and `charts.js` sets the number of
    columns to what the page's width holds (five on a desktop, two on a phone), legends below."""
    values = _records(frame, [spec.x, spec.y, spec.value, spec.series])
    columns = sorted({r[spec.x] for r in values if r.get(spec.x) is not None}, key=float)
    rows = sorted({r[spec.y] for r in values if r.get(spec.y) is not None}, key=float)
    cell = 14 if len(columns) <= 16 else max(3, 224 // max(1, len(columns)))
    title = _title(frame, spec.value)
    legend = {"orient": "bottom", "direction": "horizontal", "gradientLength": 160}
    x = {"field": spec.x, "type": "ordinal", "sort": columns, "axis": None}
    y = {"field": spec.y, "type": "ordinal", "sort": rows, "axis": None}
    tooltip = _tooltip(frame, [spec.series, spec.y, spec.x, spec.value])
    per_series = _series_values(values, spec) if spec.series else {"": [r[spec.value] for r in values
                                                                          if isinstance(r.get(spec.value), (int, float))]}  # fmt: skip
    inputs = [name for name, v in per_series.items() if not spec.diverging or (v and min(v) >= 0)]
    signed = [name for name in per_series if name not in inputs]

    def grey(names: list[str], legend_title: str) -> dict[str, Any]:
        top = max((max(per_series[n], default=0.0) for n in names), default=1.0) or 1.0
        return {"field": spec.value, "type": "quantitative", "title": legend_title,
                "scale": {"scheme": "greys", "domain": [0, top]}, "legend": legend}  # fmt: skip

    def diverging(names: list[str]) -> dict[str, Any]:
        peak = max((abs(v) for n in names for v in per_series[n]), default=1.0) or 1.0
        return {"field": spec.value, "type": "quantitative", "title": title, "legend": legend,
                "scale": {"scheme": "redblue", "reverse": True, "domain": [-peak, peak], "domainMid": 0}}  # fmt: skip

    size = {"width": cell * len(columns), "height": cell * len(rows)}
    panel = max(cell * len(columns), 120) + 20
    if signed and inputs:
        # Two colour scales: each panel its own view (concatenated, wrapped like small multiples),
        # every grey panel on the same grey scale and every map on the same diverging one; one
        # legend of each kind, under the first panel of its kind.
        legend = {**legend, "gradientLength": max(60, cell * len(columns))}
        views = []
        for name in per_series:
            first = name in (inputs[0], signed[0])
            color = grey(inputs, "ink (input image)") if name in inputs else diverging(signed)
            color["legend"] = legend if first else None
            views.append({
                "title": {"text": name, "fontSize": 11, "fontWeight": "normal", "limit": 140},
                "transform": [{"filter": {"field": spec.series, "equal": name}}],
                **size, "mark": {"type": "rect"},
                "encoding": {"x": x, "y": y, "color": color, "tooltip": tooltip},
            })  # fmt: skip
        body = {
            "data": {"values": values},
            "concat": views,
            "columns": min(len(views), 5),
            "resolve": {"scale": {"color": "independent"}, "legend": {"color": "independent"}},
            "usermeta": {"wrap": {"panel": panel, "count": len(views)}},
        }
        return body, (cell * len(rows) + 110) * -(-len(views) // 5)
    color = diverging(signed) if signed else grey(inputs, title)
    inner = {**size, "mark": {"type": "rect"}, "encoding": {"x": x, "y": y, "color": color, "tooltip": tooltip}}
    if spec.series:
        series = list(per_series)
        per_row = max(1, min(len(series), 5))
        body = {
            "data": {"values": values},
            "facet": {"field": spec.series, "type": "nominal", "sort": series, "title": None,
                      "header": {"labelFontSize": 11, "labelLimit": 140}},
            "columns": per_row,
            "spec": inner,
            "usermeta": {"wrap": {"panel": panel, "count": len(series)}},
        }  # fmt: skip
        return body, (cell * len(rows) + 40) * -(-len(series) // per_row) + 70
    return {"data": {"values": values}, **inner}, cell * len(rows) + 110


def _matrix(frame: pd.DataFrame, spec: Any, description: str) -> tuple[dict[str, Any], int]:
    values = _records(frame, [spec.x, spec.y, spec.value])
    columns = list(dict.fromkeys(str(v) for v in frame[spec.x]))
    rows = list(dict.fromkeys(str(v) for v in frame[spec.y]))
    cell = max(16, min(40, 560 // max(1, len(columns))))
    numbers = [r[spec.value] for r in values if isinstance(r.get(spec.value), (int, float))]
    if spec.diverging:
        peak = max((abs(v) for v in numbers), default=1.0) or 1.0
        scale: dict[str, Any] = {"scheme": "redblue", "reverse": True, "domain": [-peak, peak], "domainMid": 0}
    else:
        scale = {"scheme": HEAT_SCHEME}
    x = {"field": spec.x, "type": "nominal", "sort": columns, "title": spec.x_title or None,
         "axis": {"labelAngle": -45 if len(columns) > 6 else 0, "labelLimit": 140}}  # fmt: skip
    y = {"field": spec.y, "type": "nominal", "sort": rows, "title": spec.y_title or None, "axis": {"labelLimit": 180}}
    tips = _tooltip(frame, [spec.y, spec.x, spec.value])
    layers: list[dict[str, Any]] = [
        {
            "mark": {"type": "rect", "stroke": "white"},
            "encoding": {"color": {"field": spec.value, "type": "quantitative", "scale": scale, "title": _title(frame, spec.value)},
                         "tooltip": tips},
        },
    ]  # fmt: skip
    if cell >= 28 and len(values) <= 400:
        layers.append({
            "mark": {"type": "text", "fontSize": 10, "color": "#102a43"},
            "encoding": {"text": {"field": spec.value, "type": "quantitative", "format": ".2~f"}, "tooltip": tips},
        })  # fmt: skip
    body = {
        "data": {"values": values}, "width": cell * len(columns), "height": cell * len(rows),
        "encoding": {"x": x, "y": y}, "layer": layers,
    }  # fmt: skip
    return body, cell * len(rows) + 120


_KINDS = {
    "attribution": _attribution,
    "bars": _bars,
    "line": _line,
    "scatter": _scatter,
    "image": _image,
    "heatmap": _matrix,
}


def chart_for_block(block: Any, chart_id: str) -> Chart:
    """The chart of a sandbox result block (`explainers.sandbox.base.Block` with a `ChartSpec`):
    its frame drawn as the spec's kind says. The block's frame is also the table beside the chart.

    Columns are renamed c0, c1... in the chart's data: Vega reads a field name as an access path, so a
    name with a dot, a bracket or a quote ("Cook's distance") would not be found. Axis, legend and
    tooltip titles keep the frame's names."""
    spec = block.chart
    if spec is None or block.frame is None:
        raise ValueError("The block has no chart.")
    description = spec.description or block.title
    names = {str(c): f"c{i}" for i, c in enumerate(block.frame.columns)}
    frame = block.frame.copy()
    frame.columns = [names[str(c)] for c in block.frame.columns]
    frame.attrs["titles"] = {safe: name for name, safe in names.items()}
    safe = replace(
        spec,
        x=names.get(spec.x, ""),
        y=names.get(spec.y, ""),
        value=names.get(spec.value, ""),
        series=names.get(spec.series, ""),
        # A line chart's `highlight` is a value of its series; a scatter's is a column.
        highlight=names.get(spec.highlight, "") if spec.kind == "scatter" else spec.highlight,
    )
    for column in (spec.x, spec.y, spec.value, spec.series, spec.highlight if spec.kind == "scatter" else ""):
        if column and column not in names:
            raise KeyError(f"Chart column {column!r} is not in the block's frame")
    body, height = _KINDS[spec.kind](frame, safe, description)
    return Chart(id=chart_id, kind="vega-lite", spec={**_base(description), **body}, description=description,
                 height=height)  # fmt: skip
