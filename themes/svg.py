"""Static SVG of the heat map and the thematic map, for reports: plain SVG written in Python.

No browser and no JavaScript: a report (or a reader without scripts) gets the same picture the page
draws. Every text node and attribute goes through `escape` (names of codes and themes are the
users'); numbers are formatted by us. The thematic map's layout is deterministic (the same study
gives the same file): top-level themes on a circle, sub-themes around their parent, each code
beside the first theme holding it, co-occurrence links drawn underneath as thick as their Jaccard.
"""

from __future__ import annotations

import math
from typing import Any
from xml.sax.saxutils import escape as _escape

import pandas as pd

FONT = "system-ui, -apple-system, Segoe UI, sans-serif"


def escape(value: object) -> str:
    """Text safe in SVG content and in double-quoted attributes."""
    return _escape(str(value), {'"': "&quot;", "'": "&#39;"})


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _blue(share: float) -> str:
    """White to dark blue, like the page's "blues" scheme."""
    share = min(1.0, max(0.0, share))
    low, high = (247, 251, 255), (8, 48, 107)
    r, g, b = (round(lo + (hi - lo) * share) for lo, hi in zip(low, high, strict=True))
    return f"#{r:02x}{g:02x}{b:02x}"


def heatmap_svg(frame: pd.DataFrame, *, title: str, decimals: int = 0) -> str:
    """A matrix as an SVG heat map: row labels on the left, column labels above (turned), the number
    in each cell; the colour is the value over the matrix's largest off-diagonal value (a diagonal of
    totals would wash out the rest)."""
    rows, columns = [str(r) for r in frame.index], [str(c) for c in frame.columns]
    values = frame.to_numpy(dtype=float) if len(rows) and len(columns) else None
    cell, left, top = 26, 190, 170
    width, height = left + cell * len(columns) + 20, top + cell * len(rows) + 40
    peak = 0.0
    if values is not None:
        masked = values.copy()
        if masked.shape[0] == masked.shape[1] and list(frame.index) == list(frame.columns):
            for i in range(len(masked)):
                masked[i, i] = 0
        peak = float(masked.max()) if masked.size else 0.0
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'font-family="{FONT}" font-size="11" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="10" y="20" font-size="14" font-weight="bold">{escape(_short(title, 120))}</text>',
    ]
    for j, column in enumerate(columns):
        x = left + j * cell + cell / 2
        out.append(
            f'<text transform="translate({x:.1f},{top - 6}) rotate(-55)" text-anchor="start">'
            f"<title>{escape(column)}</title>{escape(_short(column, 26))}</text>"
        )
    for i, row in enumerate(rows):
        y = top + i * cell
        out.append(
            f'<text x="{left - 6}" y="{y + cell * 0.65:.1f}" text-anchor="end"><title>{escape(row)}</title>'
            f"{escape(_short(row, 30))}</text>"
        )
        for j in range(len(columns)):
            value = float(values[i, j]) if values is not None else 0.0
            share = value / peak if peak else 0.0
            fill = _blue(share) if not (i == j and rows == columns) else "#e4e7eb"
            label = f"{value:.{decimals}f}" if value else ""
            ink = "white" if share > 0.55 and fill != "#e4e7eb" else "#102a43"
            x = left + j * cell
            out.append(
                f'<rect x="{x}" y="{y}" width="{cell}" height="{cell}" fill="{fill}" stroke="white">'
                f"<title>{escape(row)} × {escape(columns[j])}: {label or 0}</title></rect>"
            )
            if label:
                size = 9 if len(label) > 3 else 10
                out.append(
                    f'<text x="{x + cell / 2:.1f}" y="{y + cell * 0.66:.1f}" text-anchor="middle" font-size="{size}" '
                    f'fill="{ink}">{escape(label)}</text>'
                )
    out.append("</svg>")
    return "\n".join(out)


def _layout(data: dict[str, Any], size: float) -> dict[str, tuple[float, float]]:
    """Positions of the map's nodes in a `size` square (see the module's docstring)."""
    centre = size / 2
    themes = [n for n in data["nodes"] if n["kind"] == "theme"]
    codes = [n for n in data["nodes"] if n["kind"] == "code"]
    children: dict[str | None, list[dict[str, Any]]] = {}
    for theme in themes:
        children.setdefault(theme.get("parent"), []).append(theme)
    position: dict[str, tuple[float, float]] = {}
    roots = children.get(None, [])
    ring = size * 0.32 if len(roots) > 1 else 0.0

    def place(node: dict[str, Any], x: float, y: float, angle: float, radius: float) -> None:
        position[node["id"]] = (x, y)
        kids = children.get(node["id"], [])
        for k, kid in enumerate(kids):
            a = angle + (k - (len(kids) - 1) / 2) * (math.pi / max(3, len(kids) + 1))
            place(kid, x + radius * math.cos(a), y + radius * math.sin(a), a, radius * 0.6)

    for i, root in enumerate(roots):
        angle = 2 * math.pi * i / max(1, len(roots)) - math.pi / 2
        place(root, centre + ring * math.cos(angle), centre + ring * math.sin(angle), angle, size * 0.14)
    home: dict[str, str] = {}
    for edge in data["edges"]:
        if edge["kind"] == "member" and edge["target"] not in home and edge["source"] in position:
            home[edge["target"]] = edge["source"]
    around: dict[str, list[str]] = {}
    loose: list[str] = []
    for code in codes:
        if code["id"] in home:
            around.setdefault(home[code["id"]], []).append(code["id"])
        else:
            loose.append(code["id"])
    for theme_id, members in around.items():
        x, y = position[theme_id]
        radius = 46.0 + 4 * len(members)
        for k, member in enumerate(members):
            a = 2 * math.pi * k / len(members) + 0.3
            position[member] = (x + radius * math.cos(a), y + radius * math.sin(a))
    for k, member in enumerate(loose):  # codes of no theme (a study without themes): one circle
        a = 2 * math.pi * k / max(1, len(loose))
        radius = size * 0.4 if themes else size * 0.36
        position[member] = (centre + radius * math.cos(a), centre + radius * math.sin(a))
    return position


def map_svg(data: dict[str, Any], *, title: str, size: int = 900) -> str:
    """The thematic map (`themes.analysis.thematic_map`) as a standalone SVG."""
    position = _layout(data, size)
    height = size + 40
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{height}" viewBox="0 0 {size} {height}" '
        f'font-family="{FONT}" font-size="11" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<rect width="{size}" height="{height}" fill="white"/>',
        f'<text x="10" y="22" font-size="15" font-weight="bold">{escape(_short(title, 110))}</text>',
        '<g transform="translate(0,30)">',
    ]
    styles = {
        "cooccurrence": 'stroke="#2b6cb0" stroke-opacity="0.45"',
        "member": 'stroke="#9aa5b1"',
        "subtheme": 'stroke="#b7791f" stroke-dasharray="5 3"',
    }
    for kind in ("cooccurrence", "member", "subtheme"):
        for edge in data["edges"]:
            if edge["kind"] != kind or edge["source"] not in position or edge["target"] not in position:
                continue
            (x1, y1), (x2, y2) = position[edge["source"]], position[edge["target"]]
            width = 1 + 8 * edge["weight"] if kind == "cooccurrence" else 1.3
            out.append(
                f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" {styles[kind]} '
                f'stroke-width="{width:.2f}"/>'
            )
    for node in data["nodes"]:
        if node["id"] not in position:
            continue
        x, y = position[node["id"]]
        label = escape(_short(node["label"], 34))
        if node["kind"] == "theme":
            big = not node.get("parent")
            w, h = (150, 30) if big else (120, 24)
            out.append(
                f"<g><title>{escape(node['label'])}</title>"
                f'<rect x="{x - w / 2:.1f}" y="{y - h / 2:.1f}" width="{w}" height="{h}" rx="6" '
                f'fill="{"#fde7a9" if big else "#fff4d6"}" stroke="#b7791f" stroke-width="1.5"/>'
                f'<text x="{x:.1f}" y="{y + 4:.1f}" text-anchor="middle" font-weight="bold" '
                f'font-size="{11 if big else 10}">{escape(_short(node["label"], 24 if big else 20))}</text></g>'
            )
        else:
            radius = 5 + min(12, (node.get("codings") or 0) ** 0.5 / 2)
            colour = node.get("colour") or "#888888"
            if not (len(colour) == 7 and colour.startswith("#")):
                colour = "#888888"
            out.append(
                f"<g><title>{escape(node['label'])} ({node.get('codings', 0)} codings)</title>"
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius:.1f}" fill="{escape(colour)}" stroke="#52606d"/>'
                f'<text x="{x:.1f}" y="{y + radius + 11:.1f}" text-anchor="middle" fill="#243b53">{label}</text></g>'
            )
    out.append("</g></svg>")
    return "\n".join(out)
