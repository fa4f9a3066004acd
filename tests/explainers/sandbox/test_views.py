"""The sandbox's web layer: the live demo on a technique page (htmx fragment and the page without
JavaScript), what the form makes of any input, the heavy computations as jobs with cached results,
the sandbox index, and the charts of every kind.

A small demo registered by a fixture (and removed after) records the requests it is given, so the
tests see what the form hands a demo; the real demos are exercised through their pages."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
import pytest
from django.test import Client
from django.urls import reverse

from explainers.sandbox import base, common, data
from explainers.sandbox.base import Block, ChartSpec, Demo, DemoRequest, DemoResult, HeavyTask, Option
from explainers.tasks import heavy_params
from studies.dispatch import TASKS
from studies.jobs import time_limit_message
from studies.models import Job, JobKind, JobStatus
from tests.conftest import Team, csrf_post
from themes.charts import chart_for_block

pytestmark = pytest.mark.django_db

KEY = "h5-test-demo"
EVIL = '<script>alert("x")</script>'


class Recorder:
    """The demo's run: remembers each request and explains with (x - training mean) per feature,
    so an edit of a feature changes its bar."""

    def __init__(self) -> None:
        self.requests: list[DemoRequest] = []
        self.fail = False
        self.heavy_runs = 0

    def run(self, request: DemoRequest) -> DemoResult:
        self.requests.append(request)
        if self.fail:
            raise RuntimeError("the demo broke")
        resolved = common.resolve(request)
        bundle = resolved.bundle
        delta = (resolved.x - bundle.X_train.mean(axis=0)) / bundle.scale
        frame = pd.DataFrame({"feature": [bundle.label(n) for n in bundle.feature_names], "Cook's value": delta})
        blocks = [
            Block(
                f"Deltas {EVIL}",
                text=f"Plain text {EVIL}",
                frame=frame,
                chart=ChartSpec("attribution", x="Cook's value", y="feature"),
                formats={"Cook's value": ".4f"},
            ),
            Block("A claim", text="What this run found.", claim=f"Someone said {EVIL}"),
        ]
        return DemoResult(resolved.prediction, blocks, resolved.instance, [*resolved.notes, "A note."])

    def heavy(self, request: DemoRequest, progress: Any) -> list[Block]:
        self.heavy_runs += 1
        progress(50, "Halfway")
        frame = pd.DataFrame({"step": [1, 2, 3], "score": [0.5, float("nan"), np.float64(0.9)]})
        return [
            Block("Heavy result", text="Computed in a job.", frame=frame, chart=ChartSpec("line", x="step", y="score"))
        ]


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    base._load()
    rec = Recorder()
    demo = Demo(
        key=KEY,
        title="Test demo",
        slugs=("integrated-gradients",),
        datasets=("credit", "diabetes"),
        models=("linear", "boosting"),
        run=rec.run,
        options=(
            Option("samples", "Samples", "int", 10, minimum=1, maximum=50),
            Option("centre", "Centre", "bool", True),
            Option("norm", "Norm", "choice", "l1", choices=(("l1", "L1"), ("l2", "L2"))),
        ),
        heavy=(HeavyTask("stability", "Stability over reruns", rec.heavy, description="Slow."),),
        lockable=True,
        summary="A demo for the tests.",
    )
    base.register(demo)
    try:
        yield rec
    finally:
        base._REGISTRY.pop(KEY, None)


def _demo_url(team: Team) -> str:
    return reverse("explainers:demo", args=[team.study.slug, KEY])


def _hx(client: Client, url: str, params: dict[str, Any] | None = None) -> Any:
    return client.get(url, params or {}, HTTP_HX_REQUEST="true")


def _state(html: str) -> dict[str, str]:
    """The hidden state of the controls the page drew (what the next request of the form carries)."""
    return {name: value for name, value in re.findall(r'name="(shown|listed)" value="([^"]*)"', html)}


def _query(team: Team, **extra: str) -> dict[str, str]:
    html = _hx(team.client("viewer"), _demo_url(team)).content.decode()
    return {"demo_key": KEY, "dataset": "credit", "model": "linear", "index": "0", **_state(html), **extra}


def _value(html: str) -> str:
    match = re.search(r'class="prediction-value">([^<]+)<', html)
    assert match, html[:2000]
    return match.group(1)


# --- the live demo ----------------------------------------------------------------------------------


def test_technique_page_has_a_live_demo_per_demo_with_labelled_controls(team: Team, recorder: Recorder) -> None:
    response = team.client("viewer").get(
        reverse("explainers:technique_detail", args=[team.study.slug, "integrated-gradients"])
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="live-demo"' in html and 'id="demo-h5-test-demo"' in html and 'id="demo-integrated-gradients"' in html
    # The result loads after the page (htmx, with the form's values); the page itself ran nothing.
    # The first demo loads with the page, the others once scrolled to (so the first comes sooner).
    assert 'hx-get="/studies/interp/sandbox/integrated-gradients/" hx-trigger="load"' in html
    assert 'hx-get="/studies/interp/sandbox/h5-test-demo/" hx-trigger="revealed"' in html
    assert "computed when you scroll to it" in html
    assert recorder.requests == []
    # Every control has a label: dataset, model, filters, instance, each feature, each lock, options.
    panel = html[html.index('id="demo-h5-test-demo"') :]
    panel = panel[: panel.index("</section>\n", panel.index("demo-result"))]
    ids = re.findall(r'<(?:input|select|textarea)[^>]* id="([^"]+)"', panel)
    labelled = set(re.findall(r'<label[^>]* for="([^"]+)"', panel))
    assert len(ids) > 40 and set(ids) <= labelled, sorted(set(ids) - labelled)
    assert 'aria-live="polite"' in panel
    # The charts' scripts (no CDN, with the page's nonce) and the findings citing it stay on the page.
    assert "vendor/vega-lite/vega-lite.min.js" in html and "js/sandbox.js" in html
    assert 'id="citations-head"' in html and 'id="mentions-head"' in html


def test_fragment_runs_the_demo_and_an_edit_changes_the_explanation(team: Team, recorder: Recorder) -> None:
    client = team.client("viewer")
    first = _hx(client, _demo_url(team), _query(team))
    html = first.content.decode()
    assert first.status_code == 200
    assert recorder.requests[-1].overrides == {}
    duration = data.load("credit").X_test[0][1]
    edited = _hx(client, _demo_url(team), _query(team, **{"f-duration_in_month": "72"}))
    html2 = edited.content.decode()
    assert recorder.requests[-1].overrides == {"duration_in_month": "72"}
    assert _value(html2) != _value(html)
    assert f"Duration (months) {duration:g} → 72" in html2
    # Only the result changed: the controls (with the field being typed in) are not sent again.
    assert 'id="h5-test-demo-controls"' not in html2
    # The live region says what changed.
    assert re.search(r'<p id="h5-test-demo-status" hx-swap-oob="innerHTML">Updated: predicted \w+', html2)
    # The address follows the form, so a reload (or a shared link) shows the same.
    assert "f-duration_in_month=72" in edited["HX-Replace-Url"]
    # An unchanged value is not an edit.
    _hx(client, _demo_url(team), _query(team, **{"f-duration_in_month": f"{duration:g}"}))
    assert recorder.requests[-1].overrides == {}


def test_page_without_javascript_renders_the_asked_demo_with_its_result(team: Team, recorder: Recorder) -> None:
    url = reverse("explainers:technique_detail", args=[team.study.slug, "integrated-gradients"])
    html = team.client("viewer").get(url, _query(team, **{"f-age_in_years": "40"})).content.decode()
    assert recorder.requests[-1].overrides == {"age_in_years": "40"}
    panel = html[html.index('id="demo-h5-test-demo"') :]
    assert 'class="prediction-value"' in panel.split('id="demo-integrated-gradients"')[0]
    # The form submits to this page, with the demo named.
    assert f'action="{url}#demo-h5-test-demo"' in html and f'name="demo_key" value="{KEY}"' in html
    # An unknown demo named in the address: a message, the page as usual.
    html = team.client("viewer").get(url, {"demo_key": "nope<b>"}).content.decode()
    assert "has no live demo called “nope&lt;b&gt;”" in html


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"dataset": "mnist"}, "Select a valid choice. mnist is not one of the available choices."),
        ({"model": "gpt"}, "Select a valid choice. gpt is not one of the available choices."),
        ({"f-credit_amount": "lots"}, "Credit amount (DM): “lots” is not a number."),
        ({"f-credit_amount": "nan"}, "Credit amount (DM): enter a finite number."),
        ({"index": "9999"}, "The test split has rows 0 to 249."),
        ({"index": "-3"}, "Choose a row of the test split, 0 to 249."),
        ({"index": "two"}, "The instance is a row number of the test split, 0 to 249."),
        ({"opt-samples": "500"}, "Samples: Ensure this value is less than or equal to 50."),
        ({"opt-samples": "many"}, "Samples: Enter a whole number."),
        ({"opt-norm": "l7"}, "Norm: Select a valid choice."),
        ({"feature": "duration_in_month", "lo": "30", "hi": "10"}, "The range ends below where it starts."),
        ({"lo": "3"}, "Choose the feature the range applies to."),
        ({"f-purpose": "a yacht"}, "Purpose: Select a valid choice."),
    ],
)
def test_bad_input_is_a_clear_message_and_runs_nothing(
    team: Team, recorder: Recorder, extra: dict[str, str], message: str
) -> None:
    response = _hx(team.client("viewer"), _demo_url(team), _query(team, **extra))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Nothing was computed" in html and message in html.replace("&quot;", '"')
    assert len(recorder.requests) == 1  # only the first, valid, request of _query ran
    # The controls come back with the error beside its field.
    assert 'id="h5-test-demo-controls" hx-swap-oob="innerHTML"' in html


def test_an_edit_out_of_range_is_clipped_with_a_note(team: Team, recorder: Recorder) -> None:
    html = _hx(team.client("viewer"), _demo_url(team), _query(team, **{"f-age_in_years": "150"})).content.decode()
    assert recorder.requests[-1].overrides == {"age_in_years": "150"}
    assert "outside the range seen in the data (19 to 75); used 75." in html


def test_unknown_demo_or_task_is_404(team: Team, recorder: Recorder) -> None:
    client = team.client("viewer")
    assert client.get(reverse("explainers:demo", args=[team.study.slug, "no-such-demo"])).status_code == 404
    url = reverse("explainers:heavy", args=[team.study.slug, KEY, "nope"])
    assert _hx(client, url).status_code == 404


def test_a_failing_demo_is_a_message_not_a_500(team: Team, recorder: Recorder) -> None:
    recorder.fail = True
    response = _hx(team.client("viewer"), _demo_url(team), _query(team))
    assert response.status_code == 200
    assert "The demo could not compute this (RuntimeError: the demo broke)" in response.content.decode()


def test_another_instance_drops_the_edits_and_redraws_the_controls(team: Team, recorder: Recorder) -> None:
    query = _query(team, **{"f-duration_in_month": "72"})
    query["index"] = "5"  # the editor still shows row 0 (shown="credit:0")
    html = _hx(team.client("viewer"), _demo_url(team), query).content.decode()
    assert recorder.requests[-1].index == 5 and recorder.requests[-1].overrides == {}
    controls = html[html.index('id="h5-test-demo-controls" hx-swap-oob') :]
    assert 'name="shown" value="credit:5"' in controls
    shown = data.load("credit").X_test[5][1]
    assert f'name="f-duration_in_month" id="h5-test-demo-f-duration_in_month" value="{shown:g}"' in controls
    assert '<option value="5" selected>' in controls


def test_filter_lists_matching_instances_and_moves_to_one(team: Team, recorder: Recorder) -> None:
    query = _query(team, predicted="bad", feature="duration_in_month", lo="30", hi="48")
    html = _hx(team.client("viewer"), _demo_url(team), query).content.decode()
    frame = common.instances("credit", "linear", predicted="bad", feature="duration_in_month", lo=30, hi=48)
    assert len(frame) > 0
    listed = [int(i) for i in re.findall(r'<option value="(\d+)"', html.split('name="index"')[1].split("</select>")[0])]
    assert listed == [int(i) for i in frame["index"]]
    # Row 0 is not among them: the demo explains the first that is.
    assert recorder.requests[-1].index == int(frame["index"].iloc[0])
    assert "predicted bad" in html


def test_locks_options_and_dataset_reach_the_demo(team: Team, recorder: Recorder) -> None:
    client = team.client("viewer")
    query = _query(team, **{"lock-age_in_years": "on", "opt-samples": "20", "opt-norm": "l2"})
    _hx(client, _demo_url(team), query)  # the unticked "centre" box sends nothing: false, not its default
    request = recorder.requests[-1]
    assert request.locked == ("age_in_years",)
    assert request.options == {"samples": "20", "centre": "false", "norm": "l2"}
    assert request.study == team.study
    html = _hx(client, _demo_url(team), {"demo_key": KEY, "dataset": "diabetes", "model": "boosting"}).content.decode()
    assert (recorder.requests[-1].dataset, recorder.requests[-1].model) == ("diabetes", "boosting")
    assert "Body mass index" in html and "Gradient boosting (trees)" in html
    # The defaults: the first dataset and model, each option's default.
    _hx(client, _demo_url(team))
    assert recorder.requests[-1].options == {"samples": "10", "centre": "true", "norm": "l1"}


def test_everything_from_a_demo_is_escaped_and_chart_data_is_json(team: Team, recorder: Recorder) -> None:
    html = _hx(team.client("viewer"), _demo_url(team), _query(team)).content.decode()
    assert EVIL not in html
    assert "Deltas &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "Someone said &lt;script&gt;" in html and "A note." in html
    payload = re.search(r'<script id="h5-test-demo-b0-chart-data" type="application/json">(.*?)</script>', html, re.S)
    assert payload
    chart = json.loads(payload.group(1))
    assert chart["kind"] == "vega-lite" and "<script" not in payload.group(1)
    # The table beside the chart has the same figures, formatted as the block asks.
    assert re.search(r'<td class="num">-?\d+\.\d{4}</td>', html)


# --- heavy computations --------------------------------------------------------------------------


def _heavy_url(team: Team) -> str:
    return reverse("explainers:heavy", args=[team.study.slug, KEY, "stability"])


def test_viewers_cannot_start_a_heavy_computation_and_outsiders_do_not_see_it(team: Team, recorder: Recorder) -> None:
    query = _query(team)
    assert csrf_post(team.client("viewer"), _heavy_url(team), query).status_code == 403
    assert csrf_post(team.client("outsider"), _heavy_url(team), query).status_code == 404
    assert team.client("outsider").get(_demo_url(team), query).status_code == 404
    assert not Job.objects.exists()
    html = _hx(team.client("viewer"), _demo_url(team), query).content.decode()
    assert "A coder or owner of this study can run it" in html and "Run: Stability over reruns" not in html


def test_heavy_computation_runs_as_a_job_and_is_cached_for_everyone(
    team: Team, recorder: Recorder, django_capture_on_commit_callbacks: Any
) -> None:
    query = _query(team, **{"opt-samples": "12"})
    coder = team.client("coder")
    assert "Run: Stability over reruns" in _hx(coder, _demo_url(team), query).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = csrf_post(coder, _heavy_url(team), {**query, "next": "/studies/interp/techniques/x/"})
    assert response.status_code == 302 and response["Location"] == "/studies/interp/techniques/x/"
    job = Job.objects.get()
    assert (job.kind, job.status, job.created_by) == (JobKind.SANDBOX_RUN, JobStatus.DONE, team.coder)
    assert job.params["options"] == {"samples": 12, "centre": False, "norm": "l1"}
    assert job.result["blocks"][0]["frame"]["data"][1] == [2, None]  # NaN stored as null (strict JSON)
    assert recorder.heavy_runs == 1
    # Everyone sees the result for these settings, viewers too; nobody is offered to run it again.
    html = _hx(team.client("viewer"), _demo_url(team), query).content.decode()
    assert "Heavy result" in html and "Computed in a job." in html and "everyone in the study sees it" in html
    poll = _hx(team.client("viewer"), _heavy_url(team), query).content.decode()
    assert "Heavy result" in poll and "hx-trigger" not in poll
    # It is about many instances: the same result on another row.
    assert "Heavy result" in _hx(team.client("viewer"), _demo_url(team), {**query, "index": "3"}).content.decode()
    # Asking again with the same settings reuses it; other settings are another computation.
    with django_capture_on_commit_callbacks(execute=True):
        csrf_post(coder, _heavy_url(team), query)
    assert Job.objects.count() == 1 and recorder.heavy_runs == 1
    with django_capture_on_commit_callbacks(execute=True):
        csrf_post(coder, _heavy_url(team), _query(team, **{"opt-samples": "13"}), HTTP_HX_REQUEST="true")
    assert Job.objects.count() == 2 and recorder.heavy_runs == 2
    assert "Run: Stability over reruns" in _hx(coder, _demo_url(team), _query(team)).content.decode()


def test_a_running_heavy_job_is_polled_and_the_key_follows_the_model(
    team: Team, recorder: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    query = _query(team)
    response = csrf_post(team.client("owner"), _heavy_url(team), query, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    job = Job.objects.get()
    assert job.status == JobStatus.QUEUED  # sent on commit: not in this test's transaction
    assert 'hx-trigger="every 1s"' in html and "<progress" in html
    demo = base.get_demo(KEY)
    # The form sent no "centre" (an unticked box): false.
    request = DemoRequest(dataset="credit", model="linear", index=0, options={"centre": "false", "samples": "10"})
    assert job.params["key"] == heavy_params(demo, demo.heavy[0], request)["key"]
    other = heavy_params(demo, demo.heavy[0], DemoRequest(dataset="credit", model="boosting", index=0))
    assert other["key"] != job.params["key"] and other["fingerprint"] != job.params["fingerprint"]
    # A heavy computation is about many instances: another row (or edits) is the same computation.
    moved = DemoRequest(
        dataset="credit", model="linear", index=7, overrides={"age_in_years": "50"}, options=request.options
    )
    assert heavy_params(demo, demo.heavy[0], moved)["key"] == job.params["key"]
    # A new sandbox revision (a fixed demo) computes kept results again.
    from explainers.sandbox import base as sandbox_base

    revised = DemoRequest(dataset="credit", model="linear", index=0, options=request.options)
    before = heavy_params(demo, demo.heavy[0], revised)["key"]
    monkeypatch.setattr(sandbox_base, "SANDBOX_REVISION", sandbox_base.SANDBOX_REVISION + 1)
    assert heavy_params(demo, demo.heavy[0], revised)["key"] != before


def test_job_kind_has_its_task_limits_and_hint() -> None:
    assert TASKS[JobKind.SANDBOX_RUN] == "explainers.tasks.sandbox_run_task"
    assert "Smaller settings" in time_limit_message(JobKind.SANDBOX_RUN)


# --- the index and the list ------------------------------------------------------------------------


def test_sandbox_index_lists_every_demo_and_the_list_marks_techniques_with_one(team: Team) -> None:
    client = team.client("viewer")
    html = client.get(reverse("explainers:sandbox", args=[team.study.slug])).content.decode()
    demos = list(base.all_demos())
    assert len(demos) >= 20
    for demo in demos:
        assert f'href="/studies/interp/sandbox/{demo.key}/"' in html
    listing = client.get(reverse("explainers:technique_list", args=[team.study.slug])).content.decode()
    row = re.search(r'id="technique-integrated-gradients">(.*?)</tr>', listing, re.S)
    assert row and "live demo</span>" in row.group(1)
    demonstrated = {s for d in demos for s in d.slugs}
    marked = {
        slug
        for slug, cells in re.findall(r'id="technique-([\w-]+)">(.*?)</tr>', listing, re.S)
        if "demo-badge" in cells
    }
    assert marked == demonstrated


def test_each_demo_page_answers_without_javascript(team: Team) -> None:
    client = team.client("viewer")
    for demo in base.all_demos():
        response = client.get(reverse("explainers:demo", args=[team.study.slug, demo.key]))
        html = response.content.decode()
        assert response.status_code == 200, demo.key
        assert "Nothing was computed" not in html, demo.key
        assert 'class="demo-block' in html, demo.key


# --- charts ------------------------------------------------------------------------------------------


def _spec_fields(spec: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(spec, dict):
        for key, value in spec.items():
            if key == "field":
                found.add(value)
            found |= _spec_fields(value)
    elif isinstance(spec, list):
        for value in spec:
            found |= _spec_fields(value)
    return found


@pytest.mark.parametrize(
    ("spec", "frame"),
    [
        (ChartSpec("attribution", x="Cook's d.", y="feature"), pd.DataFrame({"feature": ["a", "b"], "Cook's d.": [0.5, -0.2]})),
        (ChartSpec("bars", x="class", y="mean |SHAP|", series="feature[0]"),
         pd.DataFrame({"class": ["good", "bad"], "mean |SHAP|": [0.1, 0.2], "feature[0]": ["x", "x"]})),
        (ChartSpec("line", x="x", y="y", series="case", highlight="average", diagonal=True),
         pd.DataFrame({"x": [0.0, 1.0, 0.0, 1.0], "y": [0.1, 0.8, 0.2, np.nan], "case": ["1", "1", "average", "average"]})),
        (ChartSpec("scatter", x="d", y="i", series="label", highlight="chosen"),
         pd.DataFrame({"d": [1, 2, 3], "i": [0.1, 0.3, 0.2], "label": ["a", "b", "a"], "chosen": [False, True, False]})),
        (ChartSpec("image", x="col", y="row", value="saliency", series="image", diverging=True),
         pd.DataFrame({"col": [0, 1, 0, 1], "row": [0, 0, 1, 1], "saliency": [-2.0, 1.0, 0.5, 0.0], "image": ["a"] * 4})),
        (ChartSpec("heatmap", x="predicted", y="true", value="count"),
         pd.DataFrame({"predicted": ["0", "1"], "true": ["0", "0"], "count": [np.int64(5), np.int64(2)]})),
    ],
)  # fmt: skip
def test_chart_for_block_draws_each_kind_from_safe_fields(spec: ChartSpec, frame: pd.DataFrame) -> None:
    chart = chart_for_block(Block("A title", frame=frame, chart=spec), "c1")
    assert chart.kind == "vega-lite" and chart.description == "A title"
    text = json.dumps(chart.spec, allow_nan=False)  # strict JSON: no NaN, numpy numbers converted
    fields = _spec_fields(chart.spec)
    # Vega reads field names as access paths: the data's columns are renamed, titles keep the names.
    assert fields and all(re.fullmatch(r"c\d+|direction", f) for f in fields), fields
    assert spec.x in text or spec.x_title in text
    if spec.kind == "attribution":
        values = chart.spec["data"]["values"]
        assert [v["direction"] for v in values] == ["raises", "lowers"]
    if spec.kind == "image":
        scale = chart.spec["spec"]["encoding"]["color"]["scale"]
        assert scale["domain"] == [-2.0, 2.0] and scale["domainMid"] == 0
    if spec.kind == "line":
        marks = [layer["mark"] for layer in chart.spec["layer"]]
        assert marks[0].get("strokeDash") == [4, 4]  # the diagonal first
        assert marks[-1]["strokeWidth"] > marks[1]["strokeWidth"]  # the highlighted series thick
    if spec.kind == "scatter":
        assert len(chart.spec["layer"][1]["data"]["values"]) == 1


def test_chart_for_block_refuses_a_column_the_frame_lacks() -> None:
    with pytest.raises(KeyError):
        chart_for_block(Block("t", frame=pd.DataFrame({"a": [1]}), chart=ChartSpec("bars", x="a", y="b")), "c")


# --- fixes after the tester's report (t1) -------------------------------------------------------------


def test_heavy_button_uses_the_label_and_says_at_once_that_and_where_it_runs(
    team: Team, recorder: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    from studies import dispatch

    html = _hx(team.client("coder"), _demo_url(team), _query(team)).content.decode()
    heavy = html[html.index('class="demo-heavy"') :]
    # No broker (tests run tasks in the process): said honestly, on the badge and beside the button.
    assert "Run: Stability over reruns</button>" in heavy  # the label as written, not lower-cased
    assert "slow: computed on the server when started" in heavy and "computed in the background" not in heavy
    assert "runs on this server while the page waits" in heavy
    # The click disables the button and fills a live region at once (htmx; sandbox.js writes the line).
    assert 'hx-disabled-elt="find button"' in heavy and 'hx-indicator="#h5-test-demo-heavy-stability-running"' in heavy
    assert 'data-running="Running… (this can take up to a minute; the result appears here)"' in heavy
    assert 'id="h5-test-demo-heavy-stability-running" class="heavy-running" role="status" aria-live="polite"' in heavy
    # With a broker, a worker runs it and the panel polls its progress.
    monkeypatch.setattr(dispatch, "runs_in_process", lambda: False)
    html = _hx(team.client("coder"), _demo_url(team), _query(team)).content.decode()
    assert "computed in the background" in html and "Starting… (it runs in the background" in html


def test_table_numbers_whole_numbers_as_integers_and_no_exponents() -> None:
    from explainers.views import shown_table

    frame = pd.DataFrame(
        {
            "steps": [16.0, 8.0],
            "cases": [250.0, 1185.0],
            "credit": [10840.3, 15940.0],
            "plain": [15940.3, 0.123456],
            "probability": [1.0, 0.0],
            "count": np.array([1234, 5], dtype=np.int64),
            "rule": ["Credit amount (DM) ≤ 10,840", "x"],
        }
    )
    formats = {"steps": ".4f", "cases": ".3f", "credit": ".4g", "probability": ".3f"}
    table = shown_table(Block("t", frame=frame, formats=formats))
    assert table is not None
    assert [cell for cell, _ in table.rows[0]] == [
        "16",
        "250",
        "10,840",
        "15,940",
        "1.000",
        "1,234",
        "Credit amount (DM) ≤ 10,840",
    ]
    assert [cell for cell, _ in table.rows[1]] == ["8", "1,185", "15,940", "0.1235", "0.000", "5", "x"]
    # A column of measures: a count among them is written whole, a small measure keeps its decimals.
    measures = pd.DataFrame({"measure": ["Images averaged", "Correlation", "Distance"], "value": [200.0, 0.0912, 2.0]})
    table = shown_table(Block("m", frame=measures, formats={"value": ".3f"}))
    assert table is not None and [row[1][0] for row in table.rows] == ["200", "0.091", "2.000"]


def test_a_capped_table_keeps_the_highlighted_rows_first_and_says_how_many_are_left_out() -> None:
    from django.template.loader import render_to_string

    from explainers.views import TABLE_ROWS, shown_blocks

    n = 750
    marked = [535, 676, 746, 3]
    frame = pd.DataFrame(
        {"row": range(n), "influence": np.linspace(0, 1, n), "chosen": [i in marked for i in range(n)]}
    )
    block = Block("Influence", frame=frame, chart=ChartSpec("scatter", x="row", y="influence", highlight="chosen"))
    shown = shown_blocks([block], "p")[0]
    table = shown.table
    assert (
        table is not None and len(table.rows) == TABLE_ROWS and table.marked == 4 and table.left_out == n - TABLE_ROWS
    )
    assert [row[0][0] for row in table.rows[:4]] == ["3", "535", "676", "746"]
    assert [row[0][0] for row in table.rows[4:6]] == ["0", "1"]
    html = render_to_string("explainers/_demo_block.html", {"b": shown})
    assert "750 rows: 500 shown, the 4 highlighted in the chart first, 250 not shown" in html
    assert html.count('<tr class="marked">') == 4
    # Not capped: the frame's own order, nothing marked.
    small = shown_blocks([Block("s", frame=frame.head(10), chart=block.chart)], "q")[0].table
    assert small is not None and small.marked == 0 and small.left_out == 0


def test_recognised_as_lists_each_term_once(team: Team) -> None:
    url = reverse("explainers:technique_detail", args=[team.study.slug, "counterfactual-explanations"])
    html = team.client("viewer").get(url).content.decode()
    chips = re.findall(r'<span class="chip">([^<]+)</span>', html.split('class="recognised"')[1].split("</p>")[0])
    keys = [re.sub(r"[\s_-]+", "", c.casefold()) for c in chips]
    assert "counterfactual" in chips and len(keys) == len(set(keys)), chips
    assert "counter factual" not in chips


def test_chart_axes_of_whole_numbers_have_whole_ticks() -> None:
    frame = pd.DataFrame({"depth": [1, 2, 3], "accuracy": [0.7, 0.8, 0.85], "cases": [12000.0, 0.0, 3.0]})
    chart = chart_for_block(Block("t", frame=frame, chart=ChartSpec("line", x="depth", y="accuracy")), "c")
    x = chart.spec["layer"][0]["encoding"]["x"]
    assert x["axis"]["format"] == ",d" and x["axis"]["tickMinStep"] == 1
    assert chart.spec["layer"][0]["encoding"]["y"]["axis"]["format"] == ",~r"
    bars = chart_for_block(Block("t", frame=frame, chart=ChartSpec("bars", x="depth", y="cases")), "c")
    assert bars.spec["encoding"]["y"]["axis"] == {"format": ",d", "tickMinStep": 1}


def test_image_charts_draw_inputs_grey_maps_diverging_and_wrap() -> None:
    pixels = [(r, c) for r in range(8) for c in range(8)]
    rng = np.random.default_rng(0)
    parts = []
    for name, values in [
        ("The digit", rng.uniform(0, 1, 64)),
        ("Saliency", rng.uniform(-1, 1, 64)),
        ("Saliency on the ink", rng.uniform(-0.5, 0.5, 64)),
    ]:
        parts.append(pd.DataFrame({"panel": name, "row": [p[0] for p in pixels], "column": [p[1] for p in pixels],
                                   "value": values}))  # fmt: skip
    frame = pd.concat(parts, ignore_index=True)
    spec = ChartSpec("image", x="column", y="row", value="value", series="panel", diverging=True)
    chart = chart_for_block(Block("t", frame=frame, chart=spec), "c").spec
    views = chart["concat"]
    assert [v["title"]["text"] for v in views] == ["The digit", "Saliency", "Saliency on the ink"]
    scales = [v["encoding"]["color"]["scale"] for v in views]
    assert scales[0]["scheme"] == "greys" and scales[0]["domain"][0] == 0
    # The maps share one symmetric diverging scale (the larger peak), and one legend between them.
    peak = float(frame.loc[frame["panel"] != "The digit", "value"].abs().max())
    assert scales[1] == scales[2] == {"scheme": "redblue", "reverse": True, "domain": [-peak, peak], "domainMid": 0}
    assert [v["encoding"]["color"]["legend"] is None for v in views] == [False, False, True]
    # charts.js sets the columns from the page's width: one panel's width is handed over.
    assert chart["usermeta"]["wrap"] == {"panel": 8 * 14 + 20 if 8 * 14 >= 120 else 140, "count": 3}
    # Inputs only (the images behind the maps): grey from white at 0.
    inputs = chart_for_block(Block("t", frame=parts[0], chart=replace_spec(spec, diverging=False)), "c").spec
    assert inputs["spec"]["encoding"]["color"]["scale"] == {
        "scheme": "greys",
        "domain": [0, float(parts[0]["value"].max())],
    }


def replace_spec(spec: ChartSpec, **changes: Any) -> ChartSpec:
    from dataclasses import replace

    return replace(spec, **changes)


def test_a_demo_with_a_default_row_opens_on_it_unless_a_row_or_filter_is_chosen(team: Team) -> None:
    """Counterfactual demos start from an unfavourable outcome (recourse), not from row 0."""
    from explainers.sandbox.demos.counterfactual import default_index

    url = reverse("explainers:demo", args=[team.study.slug, "counterfactual-wachter"])
    client = team.client("viewer")
    start = default_index("credit", "linear")
    assert start != 0
    html = _hx(client, url, {"dataset": "credit", "model": "linear"}).content.decode()
    assert f'<option value="{start}" selected' in html
    chosen = _hx(client, url, {"dataset": "credit", "model": "linear", "index": "0"}).content.decode()
    assert '<option value="0" selected' in chosen


def test_a_heavy_task_is_offered_only_for_its_datasets(team: Team) -> None:
    """The infeasibility count needs features that cannot change in real life: breast-cancer has none."""
    url = reverse("explainers:demo", args=[team.study.slug, "counterfactual-wachter"])
    heavy = reverse("explainers:heavy", args=[team.study.slug, "counterfactual-wachter", "infeasibility"])
    coder = team.client("coder")
    on_credit = _hx(coder, url, {"dataset": "credit", "model": "linear"}).content.decode()
    assert heavy in on_credit
    on_cancer = _hx(coder, url, {"dataset": "breast-cancer", "model": "linear"}).content.decode()
    assert heavy not in on_cancer
    params = {"dataset": "breast-cancer", "model": "linear"}
    assert _hx(coder, heavy, params).status_code == 404
    assert csrf_post(coder, heavy, params).status_code == 404
    assert not Job.objects.exists()
