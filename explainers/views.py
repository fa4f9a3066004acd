"""The technique pages of a study: the vocabulary with how often the study's interviews mention each
technique, and one technique's mentions in context. Pages read stored mentions only (see
`explainers.selectors`); none runs spaCy.

The explainer sandbox lives on the same pages: each technique page has a "Live demo" section per
demo of the technique (`explainers.sandbox.base.demos_for`), and `sandbox` lists every demo by
family. A demo answers GETs (it changes nothing, so viewers use it too): htmx asks `demo` for the
result fragment whenever a control changes; without JavaScript the form submits to the page itself,
which renders that demo with its result. Heavy computations are jobs (`explainers.tasks`) that
coders and owners start with a POST; their cached results are shown to every member."""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

import numpy as np
import pandas as pd
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import escape
from django.views.decorators.http import require_GET

from accounts.utils import acting_user
from studies import dispatch
from studies.access import get_study_access, get_study_for_user, study_access
from studies.http import safe_next
from studies.models import Job, JobStatus, Study
from themes.charts import Chart, chart_for_block

from .forms import DemoForm, dataset_name, dom_id, model_name
from .sandbox.base import Block, Demo, DemoResult, HeavyTask, all_demos, demos_for, get_demo
from .selectors import MENTION_CAP, PER_DOCUMENT, mention_counts, technique_citations, technique_documents
from .tasks import find_heavy, heavy_params, start_heavy, stored_blocks
from .techniques import FAMILIES, by_family, by_slug

logger = logging.getLogger(__name__)


@login_required
def technique_list(request: HttpRequest, slug: str) -> HttpResponse:
    study = get_study_for_user(request, slug)
    counts = mention_counts(study)
    demonstrated = {s for d in all_demos() for s in d.slugs}
    families: list[dict[str, Any]] = []
    for family, label in FAMILIES.items():
        rows = [
            {"technique": t, "mentions": counts.get(t.slug, (0, 0))[0], "documents": counts.get(t.slug, (0, 0))[1],
             "demo": t.slug in demonstrated}
            for t in sorted(by_family(family), key=lambda t: t.name.casefold())
        ]  # fmt: skip
        if rows:
            families.append({"label": label, "rows": rows, "mentioned": sum(1 for r in rows if r["mentions"])})
    return render(
        request,
        "explainers/technique_list.html",
        {
            "study": study,
            "families": families,
            "total_mentions": sum(n for n, _ in counts.values()),
            "techniques_mentioned": len(counts),
            "demonstrated": sum(1 for f in families for r in f["rows"] if r["demo"]),
        },
    )


@login_required
def technique_detail(request: HttpRequest, slug: str, technique_slug: str) -> HttpResponse:
    study = get_study_for_user(request, slug)
    try:
        technique = by_slug(technique_slug)
    except KeyError:
        raise Http404("No such technique.") from None
    documents, total = technique_documents(study, technique.slug)
    shown = sum(len(d.excerpts) for d in documents)
    panels = technique_demo_panels(request, study, technique.slug)
    asked = request.GET.get("demo_key")
    if asked and asked not in {p.demo.key for p in panels}:
        messages.error(request, f"{technique.name} has no live demo called “{asked}”; its demos are below.")
    return render(
        request,
        "explainers/technique_detail.html",
        {
            "study": study,
            "technique": technique,
            "family": FAMILIES.get(technique.family, technique.family),
            "recognised_as": _distinct([*technique.acronyms, *technique.variants]),
            "documents": documents,
            "total": total,
            "shown": shown,
            "cap": MENTION_CAP,
            "per_document": PER_DOCUMENT,
            "citations": technique_citations(study, technique.slug, request.user),
            "panels": panels,
            "charts": bool(panels),
        },
    )


def _distinct(terms: list[str]) -> list[str]:
    """Terms once each, whatever their case, spaces or hyphens ("counterfactual" and "counter
    factual" read as the same term twice): the vocabulary keeps every spelling for matching, the
    page shows the first."""
    seen: set[str] = set()
    kept = []
    for term in terms:
        key = re.sub(r"[\s_-]+", "", term.casefold())
        if key not in seen:
            seen.add(key)
            kept.append(term)
    return kept


# --- the explainer sandbox -------------------------------------------------------------------------

# Rows a result table shows (an image's pixels in small multiples can be thousands).
TABLE_ROWS = 500
# Query keys a demo's form sends that are not state (htmx's and the lazy first load's).
NOT_STATE = {"initial", "next", "csrfmiddlewaretoken"}


@dataclass
class ShownTable:
    columns: list[tuple[str, bool]]
    rows: list[list[tuple[str, bool]]]  # (cell, numeric)
    total: int
    # The first `marked` rows are the chart's highlighted ones (kept first when the frame is capped).
    marked: int = 0

    @property
    def left_out(self) -> int:
        return self.total - len(self.rows)


@dataclass
class ShownBlock:
    """A result block as the page shows it: texts (escaped by the template), the chart of the one
    chart helper and the table of the same figures."""

    id: str
    title: str
    text: str
    claim: str
    chart: Chart | None
    table: ShownTable | None


@dataclass
class HeavyPanel:
    id: str
    task: HeavyTask
    job: Job | None
    blocks: list[ShownBlock]
    can_run: bool
    poll_url: str
    post_url: str
    # No broker (Celery eager): the computation runs inside the request that starts it.
    in_process: bool = False

    @property
    def polling(self) -> bool:
        return self.job is not None and not self.job.is_finished


@dataclass
class DemoPanel:
    demo: Demo
    form: DemoForm
    id: str
    url: str
    page_url: str
    query: list[tuple[str, str]]
    ran: bool = False
    # Load the result once the panel is scrolled into view rather than with the page (a technique
    # page's second and later demos: the first one's result comes sooner).
    lazy: bool = False
    result: DemoResult | None = None
    errors: list[str] = field(default_factory=list)
    blocks: list[ShownBlock] = field(default_factory=list)
    heavy: list[HeavyPanel] = field(default_factory=list)
    edits: list[tuple[str, str, str]] = field(default_factory=list)
    techniques: list[Any] = field(default_factory=list)

    @property
    def query_string(self) -> str:
        return urlencode(self.query)

    @property
    def next_url(self) -> str:
        """Where starting a heavy computation without JavaScript comes back to."""
        return f"{self.page_url}?{self.query_string}#demo-{self.id}"

    @property
    def editor(self) -> list[Any]:
        return self.form.editor()

    @property
    def status(self) -> str:
        """The one line the live region announces after an update."""
        if self.errors:
            return f"Not updated: {self.errors[0]}"
        prediction = self.result.prediction if self.result else None
        if prediction is None:
            return "Updated."
        if prediction.scores:
            return f"Updated: predicted {prediction.label}; {prediction.target or 'value'} {prediction.value:.3f}."
        return f"Updated: predicted {prediction.label}."


def _number(value: float) -> str:
    """A float without a format: four significant digits, but never an exponent for a large number
    (a credit amount reads 15,940, not 1.594e+04)."""
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.4g}"


def _cell(value: Any, fmt: str, integral: bool = False) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "—"
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, bool):
        return "yes" if value else "no"
    # A whole-number column, or a count among measures ("Images averaged 200", not "200.000"): from
    # 10 up a whole number in a decimals column is a count, not a rounded measurement.
    if (
        isinstance(value, (int, float))
        and math.isfinite(value)
        and (integral or (float(value).is_integer() and abs(value) >= 10))
    ):
        return f"{int(value):,}"
    if fmt:
        try:
            text = format(value, fmt)
        except (TypeError, ValueError):
            pass
        else:
            # A "g" format turns a large number into an exponent: write it out instead.
            return _number(value) if "e+" in text and isinstance(value, (int, float)) else text
    if isinstance(value, float):
        return _number(value)
    return str(value)


def _integral(column: pd.Series, fmt: str) -> bool:
    """Whether a numeric column holds whole numbers only (counts, steps, depths), so that it is shown
    without decimals ("250 cases", not "250.000"). A column formatted for decimals whose values all
    lie in [-1, 1] (a score that happens to be 0 or 1) keeps its format."""
    if pd.api.types.is_bool_dtype(column) or not pd.api.types.is_numeric_dtype(column):
        return False
    if pd.api.types.is_integer_dtype(column):
        return True
    values = column.dropna().to_numpy(dtype=float)
    if not len(values) or not np.all(np.isfinite(values)) or not np.all(values == np.round(values)):
        return False
    return not (fmt and np.all(np.abs(values) <= 1))


def _highlighted(block: Block) -> pd.Series | None:
    """Which rows of the block's frame its chart marks (a scatter's highlight column, a line chart's
    highlighted series), or None."""
    spec, frame = block.chart, block.frame
    if spec is None or frame is None or not spec.highlight:
        return None
    if spec.kind == "scatter" and spec.highlight in frame.columns:
        column = frame[spec.highlight]
        return column.map(lambda v: v in (True, 1, "true", "True")).astype(bool)
    if spec.kind == "line" and spec.series in frame.columns:
        return (frame[spec.series].astype(str) == spec.highlight).astype(bool)
    return None


def shown_table(block: Block) -> ShownTable | None:
    """The table of a block's frame, at most TABLE_ROWS rows. When it is capped, the rows the chart
    highlights come first, so the table never leaves out the points the text talks about."""
    if block.frame is None or not len(block.frame.columns):
        return None
    frame = block.frame
    marked = 0
    highlighted = _highlighted(block) if len(frame) > TABLE_ROWS else None
    if highlighted is not None and highlighted.any():
        mask = highlighted.to_numpy()
        marked = min(int(mask.sum()), TABLE_ROWS)
        frame = pd.concat([frame[mask], frame[~mask]])
    # By position: a frame may repeat a column name.
    keep = [i for i, c in enumerate(frame.columns) if c not in block.hidden_columns]
    frame = frame.iloc[:, keep]
    columns = list(frame.columns)
    numeric = [
        pd.api.types.is_numeric_dtype(frame.iloc[:, i]) and not pd.api.types.is_bool_dtype(frame.iloc[:, i])
        for i in range(len(columns))
    ]
    formats = [block.formats.get(str(c), "") for c in columns]
    integral = [_integral(frame.iloc[:, i], formats[i]) for i in range(len(columns))]
    rows = [
        [(_cell(v, f, whole), n) for v, f, whole, n in zip(row, formats, integral, numeric, strict=True)]
        for row in frame.head(TABLE_ROWS).itertuples(index=False, name=None)
    ]
    return ShownTable(columns=[(str(c), n) for c, n in zip(columns, numeric, strict=True)], rows=rows,
                      total=len(frame), marked=marked)  # fmt: skip


def shown_blocks(blocks: list[Block], prefix: str) -> list[ShownBlock]:
    shown = []
    for i, block in enumerate(blocks):
        block_id = f"{prefix}-b{i}"
        chart = None
        if block.chart is not None and block.frame is not None and len(block.frame):
            try:
                chart = chart_for_block(block, f"{block_id}-chart")
            except (KeyError, ValueError, TypeError):
                logger.exception("Sandbox block %r: chart %s could not be built", block.title, block.chart.kind)
        shown.append(
            ShownBlock(
                id=block_id,
                title=block.title,
                text=block.text,
                claim=block.claim,
                chart=chart,
                table=shown_table(block),
            )
        )
    return shown


def _demo_or_404(key: str) -> Demo:
    try:
        return get_demo(key)
    except KeyError:
        raise Http404("No such demo.") from None


def _state(data: Any) -> list[tuple[str, str]]:
    """The form's values as query pairs (the heavy panels' links and forms carry them)."""
    pairs = [(k, v) for k, vs in data.lists() for v in vs] if hasattr(data, "lists") else list(data.items())
    return [(str(k), str(v)) for k, v in pairs if k not in NOT_STATE]


def _form_errors(form: DemoForm) -> list[str]:
    messages_ = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields and name != "__all__" else ""
        for error in map(str, errors):
            # Feature errors already name their feature.
            messages_.append(error if not label or error.startswith(str(label)) else f"{label}: {error}")
    return messages_


def _default_data(demo: Demo) -> dict[str, str]:
    data = {"demo_key": demo.key, "dataset": demo.datasets[0], "model": demo.models[0]}
    for option in demo.options:
        if option.kind == "bool":
            if option.default:
                data[f"opt-{option.name}"] = "on"
        elif option.default is not None:
            data[f"opt-{option.name}"] = str(option.default)
    return data


def build_panel(request: HttpRequest, study: Study, demo: Demo, data: Any, *, page_url: str, run: bool) -> DemoPanel:
    """One demo's controls and, with `run`, its result: the form parsed (errors instead of a run on
    bad input), the demo run, its blocks, and its heavy tasks with their cached results."""
    form = DemoForm(demo, data if data is not None else _default_data(demo), study=study)
    valid = form.is_valid()
    if form.bundle is not None:
        form.resolve_instances()
    panel = DemoPanel(
        demo=demo,
        form=form,
        id=form.html_id,
        url=reverse("explainers:demo", args=[study.slug, demo.key]),
        page_url=page_url,
        query=_state(form.data),
        techniques=[t for t in (_technique(s) for s in demo.slugs) if t is not None],
    )
    if not valid:
        form.controls_changed = True
        panel.errors = _form_errors(form)
        panel.ran = run
        return panel
    if not run:
        return panel
    demo_request = form.request()
    panel.ran = True
    try:
        panel.result = demo.run(demo_request)
    except Exception as exc:  # a demo's bug must not take the page down
        logger.exception("Sandbox demo %s failed on %r", demo.key, demo_request)
        panel.errors = [f"The demo could not compute this ({exc.__class__.__name__}: {str(exc)[:200]}). "
                        "Try another instance or the default settings."]  # fmt: skip
        return panel
    panel.blocks = shown_blocks(panel.result.blocks, panel.id)
    if form.bundle is not None and demo_request.overrides:
        panel.edits = [
            (form.bundle.label(name), _base_value(form, name), value) for name, value in demo_request.overrides.items()
        ]
    access = study_access(request)
    for task in demo.heavy:
        if not task.offered_for(demo_request.dataset):
            continue
        params = heavy_params(demo, task, demo_request)
        job = find_heavy(study, params["key"])
        if job is not None and job.status == JobStatus.WAITING and dispatch.resend_waiting_jobs_lazily():
            job.refresh_from_db()
        panel.heavy.append(_heavy_panel(study, demo, task, job, access.can_code, panel.id))
    return panel


def _base_value(form: DemoForm, name: str) -> str:
    j = form.bundle.feature_names.index(name)
    value = form.bundle.display_value(j, form.bundle.X_test[form.chosen_index][j])
    return str(value) if isinstance(value, str) else f"{float(value):g}"


def _heavy_panel(study: Study, demo: Demo, task: HeavyTask, job: Job | None, can_run: bool, prefix: str) -> HeavyPanel:
    panel_id = f"{prefix}-heavy-{dom_id(task.name)}"
    blocks = shown_blocks(stored_blocks(job), panel_id) if job is not None and job.status == JobStatus.DONE else []
    url = reverse("explainers:heavy", args=[study.slug, demo.key, task.name])
    return HeavyPanel(id=panel_id, task=task, job=job, blocks=blocks, can_run=can_run, poll_url=url, post_url=url,
                      in_process=dispatch.runs_in_process())  # fmt: skip


def _technique(slug: str) -> Any:
    try:
        return by_slug(slug)
    except KeyError:
        return None


def _page_url(request: HttpRequest, study: Study, fallback: str) -> str:
    """The page a demo's form is on (htmx names it): its path, if it is one of this study's."""
    current = request.headers.get("HX-Current-URL", "")
    path = urlsplit(current).path if current else ""
    prefix = reverse("explainers:technique_list", args=[study.slug]).removesuffix("techniques/")
    return path if path.startswith(prefix) else fallback


def _sandbox_scripts_context() -> dict[str, Any]:
    return {"charts": True}


@login_required
@require_GET
def demo(request: HttpRequest, slug: str, demo_key: str) -> HttpResponse:
    """One demo. To htmx: the result fragment (and, when the instance, dataset or filter changed,
    the controls again, out of band). Otherwise the demo's own page, run with the query."""
    study = get_study_for_user(request, slug)
    the_demo = _demo_or_404(demo_key)
    own_page = reverse("explainers:demo", args=[study.slug, the_demo.key])
    data = request.GET if request.GET.get("dataset") or request.GET.get("demo_key") else None
    if not request.headers.get("HX-Request"):
        panel = build_panel(request, study, the_demo, data, page_url=own_page, run=True)
        return render(
            request,
            "explainers/sandbox_demo.html",
            {"study": study, "panel": panel, "demo": the_demo, **_sandbox_scripts_context()},
        )
    page_url = _page_url(request, study, own_page)
    panel = build_panel(request, study, the_demo, data, page_url=page_url, run=True)
    response = render(
        request,
        "explainers/_demo_update.html",
        {"study": study, "panel": panel, "announce": not request.GET.get("initial")},
    )
    if data is not None and not request.GET.get("initial"):
        response["HX-Replace-Url"] = f"{page_url}?{urlencode(panel.query)}#demo-{panel.id}"
    return response


@login_required
def heavy(request: HttpRequest, slug: str, demo_key: str, task: str) -> HttpResponse:
    """A demo's heavy computation for the settings in the query (GET: its state, polled while it
    runs) or the form (POST: start it; coders and owners)."""
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    access = get_study_access(request, slug, write=request.method == "POST")
    study = access.study
    the_demo = _demo_or_404(demo_key)
    the_task = next((t for t in the_demo.heavy if t.name == task), None)
    if the_task is None:
        raise Http404("No such computation.")
    own_page = reverse("explainers:demo", args=[study.slug, the_demo.key])
    data = request.POST if request.method == "POST" else request.GET
    form = DemoForm(the_demo, data if data.get("dataset") else _default_data(the_demo), study=study)
    if not form.is_valid():
        message = "; ".join(_form_errors(form))
        if request.headers.get("HX-Request"):
            return HttpResponse(f'<p class="error" role="alert">{escape(message)}</p>', status=200)
        messages.error(request, message)
        return redirect(safe_next(request, own_page))
    demo_request = form.request()
    if not the_task.offered_for(demo_request.dataset):
        raise Http404("This computation is not offered for this dataset.")
    job: Job | None
    if request.method == "POST":
        job, started = start_heavy(
            study=study, user=acting_user(request), demo=the_demo, task=the_task, request=demo_request
        )
        if not request.headers.get("HX-Request"):
            if started:
                messages.success(request, f"{the_task.label}: started; the result appears on the page when it is done.")
            return redirect(safe_next(request, f"{own_page}?{urlencode(_state(data))}"))
    else:
        if not request.headers.get("HX-Request"):
            return redirect(f"{own_page}?{urlencode(_state(data))}")
        job = find_heavy(study, heavy_params(the_demo, the_task, demo_request)["key"])
        if job is not None and job.status == JobStatus.WAITING and dispatch.resend_waiting_jobs_lazily():
            job.refresh_from_db()
    panel = _heavy_panel(study, the_demo, the_task, job, access.can_code, form.html_id)
    query = _state(data)
    return render(
        request,
        "explainers/_heavy.html",
        {
            "study": study,
            "h": panel,
            "query": query,
            "query_string": urlencode(query),
            "next_url": safe_next(request, f"{own_page}?{urlencode(query)}#demo-{form.html_id}"),
        },
    )


@login_required
@require_GET
def sandbox(request: HttpRequest, slug: str) -> HttpResponse:
    """Every demo of the sandbox, by the family of the technique it is at home in."""
    study = get_study_for_user(request, slug)
    by_family_: dict[str, list[dict[str, Any]]] = {}
    for d in all_demos():
        home = _technique(d.slugs[0])
        family = home.family if home is not None else ""
        by_family_.setdefault(family, []).append(
            {
                "demo": d,
                "techniques": [t for t in (_technique(s) for s in d.slugs) if t is not None],
                "datasets": [dataset_name(s) for s in d.datasets],
                "models": [model_name(s, d.datasets[0]) for s in d.models],
            }
        )

    def title(entry: dict[str, Any]) -> str:
        return str(entry["demo"].title).casefold()

    families: list[dict[str, Any]] = [
        {"label": label, "demos": sorted(by_family_[key], key=title)}
        for key, label in [*FAMILIES.items(), ("", "Other")]
        if key in by_family_
    ]
    return render(
        request,
        "explainers/sandbox.html",
        {"study": study, "families": families, "demo_count": sum(len(f["demos"]) for f in families)},
    )


def technique_demo_panels(request: HttpRequest, study: Study, technique_slug: str) -> list[DemoPanel]:
    """The technique page's live demos: the one the query names is run (the page without
    JavaScript); the others load their result with htmx, the first once the page is shown and the
    rest when scrolled to (four demos computed and drawn at once kept the first waiting)."""
    page_url = reverse("explainers:technique_detail", args=[study.slug, technique_slug])
    asked = request.GET.get("demo_key", "")
    panels = []
    for i, d in enumerate(demos_for(technique_slug)):
        bound = asked == d.key
        panel = build_panel(request, study, d, request.GET if bound else None, page_url=page_url, run=bound)
        panel.lazy = i > 0
        panels.append(panel)
    return panels
