"""The analytics pages: co-occurrence, crosstab, frequencies, saturation and the thematic map.

Each page parses its options with a form, asks `themes.analysis` for a DataFrame, and shows it as a
chart (`themes.charts`, drawn by `static/js/charts.js`) with the same numbers as a table beside it.
`?format=csv|xlsx` downloads that DataFrame (cells and headers that a spreadsheet would run as a
formula are escaped), `?format=svg` the heat map or the map as a static SVG for reports
(`themes.svg`). Any member may read them; they change nothing.
"""

from __future__ import annotations

import io
from typing import Any

import pandas as pd
from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.http import require_GET
from openpyxl.styles import Font

from interviews.models import Attribute
from interviews.tables import FORMULA_PREFIXES, neutralise_formulas
from studies.access import get_study_for_user
from studies.exports import ExportFile, attachment
from studies.models import Study

from .. import analysis, charts
from ..svg import heatmap_svg, map_svg

FORMATS = [("", "page"), ("csv", "CSV"), ("xlsx", "XLSX"), ("svg", "SVG")]
# The heat map's table and chart stay readable (and drawable: a cell is two SVG marks) up to this many
# codes; the downloads always have them all.
LIMITS = [("15", "15"), ("25", "25"), ("50", "50"), ("100", "100")]
# Frequency tables wider than this many columns are cut on the page (the download has them all).
PAGE_COLUMNS = 40

TABS = [
    ("cooccurrence", "Co-occurrence"),
    ("crosstab", "Crosstab"),
    ("frequencies", "Frequencies"),
    ("saturation", "Saturation"),
    ("map", "Thematic map"),
]


# --- forms ---------------------------------------------------------------------------------------


class CooccurrenceForm(forms.Form):
    mode = forms.ChoiceField(
        choices=[("overlap", "overlapping spans"), ("span", "the same span"), ("turn", "the same speaker turn")],
        initial="overlap", required=False,
    )  # fmt: skip
    normalise = forms.ChoiceField(choices=[("", "counts"), ("jaccard", "Jaccard")], required=False)
    limit = forms.ChoiceField(choices=LIMITS, initial="25", required=False, label="Codes")
    format = forms.ChoiceField(choices=FORMATS, required=False)


class CrosstabForm(forms.Form):
    rows = forms.ChoiceField(choices=[("code", "codes"), ("theme", "themes")], required=False)
    attribute = forms.ChoiceField(choices=[], required=False)
    measure = forms.ChoiceField(choices=[("codings", "codings"), ("participants", "participants")], required=False)
    format = forms.ChoiceField(choices=FORMATS[:3], required=False)

    def __init__(self, *args: Any, study: Study, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        names = list(Attribute.objects.filter(study=study).order_by("order", "name").values_list("name", flat=True))
        field = self.fields["attribute"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(n, n) for n in names]


class FrequenciesForm(forms.Form):
    by = forms.ChoiceField(choices=[("transcript", "transcript"), ("participant", "participant")], required=False)
    format = forms.ChoiceField(choices=FORMATS[:3], required=False)


class DownloadForm(forms.Form):
    format = forms.ChoiceField(choices=FORMATS, required=False)


def _bound[F: forms.Form](form_class: type[F], request: HttpRequest, **kwargs: Any) -> F:
    """The form bound to the query, each option the user did not give taken at its default, so the
    page's controls show what the figures are."""
    data = request.GET.copy()
    form = form_class(**kwargs)
    for name, field in form.fields.items():
        if not data.get(name):
            choices = list(getattr(field, "choices", []))
            default = field.initial or (choices[0][0] if choices else "")
            if default:
                data[name] = default
    return form_class(data, **kwargs)


def _options(form: forms.Form) -> dict[str, Any]:
    """The form's cleaned options, each field's initial (or first choice) where the input was bad:
    an analysis page never refuses a hand-edited address."""
    form.is_valid()
    options = {}
    for name, bound in form.fields.items():
        value = form.cleaned_data.get(name) if name not in form.errors else None
        if not value:
            choices = list(getattr(bound, "choices", []))
            value = bound.initial or (choices[0][0] if choices else "")
        options[name] = value
    return options


# --- downloads -----------------------------------------------------------------------------------


def _safe(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def download_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame as a sheet: its index as the first column, every text cell and header that a
    spreadsheet would run as a formula (= + - @) prefixed with an apostrophe."""
    sheet = frame.reset_index() if frame.index.name or not isinstance(frame.index, pd.RangeIndex) else frame.copy()
    sheet.columns = [_safe(str(c)) for c in sheet.columns]
    sheet.attrs = {}
    return neutralise_formulas(sheet)


def xlsx_bytes(sheets: dict[str, pd.DataFrame]) -> bytes:
    """An XLSX of one sheet per frame, each with its header row (and first column, the labels) frozen
    in view."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            frame.to_excel(writer, index=False, sheet_name=name[:31])
            worksheet = writer.sheets[name[:31]]
            worksheet.freeze_panes = "B2"
            for cell in worksheet[1]:
                cell.font = Font(bold=True)
    return buffer.getvalue()


def _download(study: Study, frame: pd.DataFrame, name: str, fmt: str) -> HttpResponse:
    sheet = download_frame(frame)
    filename = f"{study.slug}-{name}"
    if fmt == "xlsx":
        return attachment(ExportFile(f"{filename}.xlsx", xlsx_bytes({name: sheet}), len(sheet)))
    return attachment(ExportFile(f"{filename}.csv", sheet.to_csv(index=False).encode("utf-8-sig"), len(sheet)))


def _svg(study: Study, svg: str, name: str) -> HttpResponse:
    response = HttpResponse(svg.encode("utf-8"), content_type="image/svg+xml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{study.slug}-{name}.svg"'
    # Opened directly, an SVG is a document: no script may run in it whatever it holds.
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


# --- tables --------------------------------------------------------------------------------------


def table(frame: pd.DataFrame, *, row_links: list[str] | None = None, column_notes: dict[str, str] | None = None,
          decimals: int = 0, max_columns: int | None = None, depths: list[int] | None = None) -> dict[str, Any]:  # fmt: skip
    """A frame as the template's table: header, rows of (label, link, cells), and how many columns
    were left off the page."""
    columns = [str(c) for c in frame.columns]
    shown = columns if max_columns is None else columns[:max_columns]
    values = frame.to_numpy()[:, : len(shown)] if len(shown) else frame.to_numpy()
    rows = []
    for i, label in enumerate(frame.index):
        cells = [f"{v:.{decimals}f}" if decimals else f"{int(v)}" for v in values[i]] if len(shown) else []
        rows.append({"label": str(label), "link": row_links[i] if row_links else "", "cells": cells,
                     "depth": depths[i] if depths else 0})  # fmt: skip
    notes = column_notes or {}
    return {
        "corner": frame.index.name or "",
        "columns": [{"label": c, "note": notes.get(c, "")} for c in shown],
        "rows": rows,
        "hidden_columns": len(columns) - len(shown),
    }


def _retrieval_links(study: Study, uuids: list[str]) -> list[str]:
    base = reverse("coding:retrieval", args=[study.slug])
    return [f"{base}?code={u}" for u in uuids]


def _theme_links(study: Study, uuids: list[str]) -> list[str]:
    nil = "00000000-0000-0000-0000-000000000000"
    pattern = reverse("themes:detail", args=[study.slug, nil])
    return [pattern.replace(nil, u) for u in uuids]


def _render(request: HttpRequest, study: Study, tab: str, template: str, context: dict[str, Any]) -> HttpResponse:
    query = request.GET.copy()
    query.pop("format", None)
    downloads = {
        fmt: f"?{'&'.join(filter(None, [query.urlencode(), f'format={fmt}']))}" for fmt in ("csv", "xlsx", "svg")
    }
    return render(
        request,
        template,
        {"study": study, "tab": tab, "tabs": TABS, "downloads": downloads, **context},
    )


# --- pages ---------------------------------------------------------------------------------------


@login_required
@require_GET
def analytics_index(request: HttpRequest, slug: str) -> HttpResponse:
    study = get_study_for_user(request, slug)
    return render(request, "themes/analytics_index.html", {"study": study, "tab": "", "tabs": TABS})


@login_required
@require_GET
def cooccurrence(request: HttpRequest, slug: str) -> HttpResponse:
    study = get_study_for_user(request, slug)
    form = _bound(CooccurrenceForm, request)
    options = _options(form)
    limit = int(options["limit"])
    normalise = options["normalise"] or None
    frame = analysis.cooccurrence(
        study, request.user, mode=options["mode"], normalise=normalise,
        limit=None if options["format"] in ("csv", "xlsx") else limit,
    )  # fmt: skip
    name = f"cooccurrence-{options['mode']}{'-jaccard' if normalise else ''}"
    what = {"overlap": "overlapping codings", "span": "codings of the same span", "turn": "speaker turns"}
    unit = "Jaccard" if normalise else what[options["mode"]]
    title = f"Code co-occurrence: {unit}, {study.title}"
    if options["format"] in ("csv", "xlsx"):
        return _download(study, frame, name, options["format"])
    if options["format"] == "svg":
        return _svg(study, heatmap_svg(frame, title=title, decimals=2 if normalise else 0), name)
    decimals = 2 if normalise else 0
    description = (
        f"Heat map of how often each pair of the {len(frame)} codes shown co-occur ({unit}); "
        "the diagonal is each code's own total. The table below has the same figures."
    )
    chart = charts.heatmap(frame, chart_id="cooccurrence", description=description, value_title=unit,
                           fmt=".2f" if normalise else "d")  # fmt: skip
    return _render(request, study, "cooccurrence", "themes/analytics_cooccurrence.html", {
        "form": form, "options": options, "chart": chart, "frame_size": len(frame), "unit": unit,
        "table": table(frame, row_links=_retrieval_links(study, frame.attrs["code_uuids"]), decimals=decimals),
    })  # fmt: skip


@login_required
@require_GET
def crosstab(request: HttpRequest, slug: str) -> HttpResponse:
    study = get_study_for_user(request, slug)
    form = _bound(CrosstabForm, request, study=study)
    options = _options(form)
    context: dict[str, Any] = {"form": form, "options": options, "chart": None, "table": None}
    if not options["attribute"]:
        return _render(request, study, "crosstab", "themes/analytics_crosstab.html", context)
    frame = analysis.crosstab(
        study, request.user, rows=options["rows"], attribute=options["attribute"], measure=options["measure"]
    )
    name = f"crosstab-{options['rows']}-{slugify(options['attribute']) or 'attribute'}-{options['measure']}"
    if options["format"] in ("csv", "xlsx"):
        return _download(study, frame, name, options["format"])
    denominators = frame.attrs["denominators"]
    links = _retrieval_links if options["rows"] == "code" else _theme_links
    description = (
        f"Heat map of {options['measure']} of each {options['rows']} by {options['attribute']}. "
        "The table below has the same figures."
    )
    context.update(
        chart=charts.heatmap(frame, chart_id="crosstab", description=description, value_title=options["measure"])
        if len(frame) and len(frame.columns) else None,
        table=table(frame, row_links=links(study, frame.attrs["uuids"]), depths=frame.attrs.get("depths"),
                    column_notes={k: f"{v} participant{'s' if v != 1 else ''}" for k, v in denominators.items()}),
    )  # fmt: skip
    return _render(request, study, "crosstab", "themes/analytics_crosstab.html", context)


@login_required
@require_GET
def frequencies(request: HttpRequest, slug: str) -> HttpResponse:
    study = get_study_for_user(request, slug)
    form = _bound(FrequenciesForm, request)
    options = _options(form)
    frame = analysis.frequencies(study, request.user, by=options["by"])
    if options["format"] in ("csv", "xlsx"):
        return _download(study, frame, f"frequencies-by-{options['by']}", options["format"])
    totals = pd.DataFrame({
        "code": list(frame.index), "codings": frame.sum(axis=1).astype(int).tolist(),
        "present": (frame > 0).sum(axis=1).astype(int).tolist(),
    })  # fmt: skip
    chart = None
    if len(totals):
        top = totals.sort_values("codings", ascending=False, kind="stable").head(40)
        chart = charts.bars(
            top, category="code", value="codings", chart_id="frequencies", value_title="codings",
            description=f"Bar chart of the {len(top)} most used codes by number of codings. "
            f"The table below has each code's codings per {options['by']}.",
        )  # fmt: skip
    summary = frame.assign(total=frame.sum(axis=1), **{f"{options['by']}s": (frame > 0).sum(axis=1)})
    summary = summary[["total", f"{options['by']}s", *frame.columns]]
    return _render(request, study, "frequencies", "themes/analytics_frequencies.html", {
        "form": form, "options": options, "chart": chart,
        "table": table(summary, row_links=_retrieval_links(study, frame.attrs["code_uuids"]),
                       max_columns=PAGE_COLUMNS + 2),
    })  # fmt: skip


@login_required
@require_GET
def saturation(request: HttpRequest, slug: str) -> HttpResponse:
    study = get_study_for_user(request, slug)
    form = DownloadForm(request.GET)
    options = _options(form)
    frame = analysis.saturation(study, request.user)
    if options["format"] in ("csv", "xlsx"):
        return _download(study, frame, "saturation", options["format"])
    chart = None
    if len(frame):
        chart = charts.lines(
            frame, x="position", ys=["cumulative_codes"], bars="new_codes", chart_id="saturation",
            x_title="interview, in interview order", y_title="codes",
            tooltip=["transcript", "participants", "new_codes", "cumulative_codes", "codings"],
            description=f"Saturation curve: codes used so far (line) and new codes (bars) over the {len(frame)} "
            "interviews in interview order. The table below has the same figures.",
        )  # fmt: skip
    last_new = int(frame.loc[frame["new_codes"] > 0, "position"].max()) if (frame["new_codes"] > 0).any() else 0
    return _render(request, study, "saturation", "themes/analytics_saturation.html", {
        "form": form, "chart": chart, "rows": frame.to_dict("records"), "last_new": last_new,
        "total": int(frame["cumulative_codes"].iloc[-1]) if len(frame) else 0,
        "codebook_size": frame.attrs.get("total_codes", 0), "transcripts": len(frame),
        "left_out": frame.attrs.get("left_out", []),
    })  # fmt: skip


@login_required
@require_GET
def thematic_map(request: HttpRequest, slug: str) -> HttpResponse:
    study = get_study_for_user(request, slug)
    form = DownloadForm(request.GET)
    options = _options(form)
    data = analysis.thematic_map(study, request.user)
    nodes, links = analysis.map_tables(data)
    if options["format"] == "csv":
        return _download(study, links.set_index("from"), "thematic-map-links", "csv")
    if options["format"] == "xlsx":  # both tables, a sheet each
        sheets = {"links": download_frame(links.set_index("from")), "nodes": download_frame(nodes.set_index("kind"))}
        return attachment(ExportFile(f"{study.slug}-thematic-map.xlsx", xlsx_bytes(sheets), len(links)))
    if options["format"] == "svg":
        return _svg(study, map_svg(data, title=f"Thematic map: {study.title}"), "thematic-map")
    nil = "00000000-0000-0000-0000-000000000000"
    patterns = {
        "code": f"{reverse('coding:retrieval', args=[study.slug])}?code={{uuid}}",
        "theme": reverse("themes:detail", args=[study.slug, nil]).replace(nil, "{uuid}"),
    }
    themes = sum(1 for n in data["nodes"] if n["kind"] == "theme")
    codes = sum(1 for n in data["nodes"] if n["kind"] == "code")
    chart = charts.network(
        data, chart_id="thematic-map", links=patterns,
        description=f"Network of {themes} themes and {codes} codes: lines join a theme to its codes and "
        "sub-themes, blue lines join codes that co-occur (thicker: higher Jaccard). The tables below "
        "list the same nodes and links.",
    )  # fmt: skip
    labels = {n["id"]: n["label"] for n in data["nodes"]}
    node_rows = [
        {**node, "url": patterns[node["kind"]].replace("{uuid}", node["uuid"]),
         "parent_label": labels.get(node.get("parent") or "", "")}
        for node in data["nodes"]
    ]  # fmt: skip
    link_rows = [{**row, "co_occurrences": row["co-occurrences"]} for row in links.to_dict("records")]
    return _render(request, study, "map", "themes/analytics_map.html", {
        "chart": chart if data["nodes"] else None, "nodes": node_rows, "links": link_rows, "theme_count": themes,
        "code_count": codes,
    })  # fmt: skip
