"""What every live demo of the explainer sandbox hands the pages, the jobs and the benchmark.

A demo is a `Demo` registered under the technique slugs it demonstrates (slugs of
`explainers.techniques`, the one vocabulary). The page calls `demo.run(request)` with the dataset, model,
instance, what-if edits and options the user chose and renders the `DemoResult` it returns: the
prediction, then blocks of text, chart and table. A heavy computation (stability reruns over many
instances, t-SNE, a robustness score over a test set) is a `HeavyTask` that runs as a job; its result
is a list of blocks too, stored as JSON.

Results are data only (no HTML): the page escapes every string, and `ChartSpec` names a chart kind that
`themes.charts`, the one chart helper, turns into Vega-Lite. Every chart's frame is also its table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

# Chart kinds and the frame columns each reads (see `ChartSpec`).
CHART_KINDS = {
    # Signed horizontal bars, one per feature, positive and negative in two colours: x = value, y = label.
    "attribution",
    # Bars of a value per category, optionally one colour per `series`: x = category, y = value.
    "bars",
    # Lines of y over x, one per `series` value; `highlight` names the series drawn thick (PDP over ICE);
    # `diagonal` adds the y = x reference (reliability diagrams).
    "line",
    # Points of y over x, coloured by `series`; `highlight` names the column that is true for the points
    # to mark (the chosen instance).
    "scatter",
    # An image as a grid: x = column index, y = row index, value = colour; `series` makes small
    # multiples (one image per series value); `diverging` centres the scale on 0 (signed saliency).
    "image",
    # A matrix: x = column label, y = row label, value = colour.
    "heatmap",
}


@dataclass
class ChartSpec:
    """A chart of `Block.frame`: its kind and which columns it reads."""

    kind: str
    x: str = ""
    y: str = ""
    value: str = ""
    series: str = ""
    highlight: str = ""
    x_title: str = ""
    y_title: str = ""
    diverging: bool = False
    diagonal: bool = False
    description: str = ""

    def __post_init__(self) -> None:
        if self.kind not in CHART_KINDS:
            raise ValueError(f"Unknown chart kind {self.kind!r}")


@dataclass
class Block:
    """One part of a result: a heading, a short text (plain, escaped on the page), and optionally a
    frame shown as a table and, with `chart`, as a chart. `claim` marks a "claim under test" block:
    the claim as a seed paper makes it (`claim`) and what this run found (`text`)."""

    title: str
    text: str = ""
    frame: pd.DataFrame | None = None
    chart: ChartSpec | None = None
    claim: str = ""
    # Columns of `frame` not shown in the table (e.g. a chart's colour key).
    hidden_columns: tuple[str, ...] = ()
    # Number formats for table columns, Python format specs: {"value": ".3f"}.
    formats: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "text": self.text,
            "frame": None if self.frame is None else self.frame.to_dict(orient="split"),
            "chart": None if self.chart is None else self.chart.__dict__.copy(),
            "claim": self.claim,
            "hidden_columns": list(self.hidden_columns),
            "formats": dict(self.formats),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Block:
        frame = data.get("frame")
        chart = data.get("chart")
        return cls(
            title=data["title"],
            text=data.get("text", ""),
            frame=None if frame is None else pd.DataFrame(**frame),
            chart=None if chart is None else ChartSpec(**chart),
            claim=data.get("claim", ""),
            hidden_columns=tuple(data.get("hidden_columns", ())),
            formats=dict(data.get("formats", {})),
        )


@dataclass
class Prediction:
    """What the model says about the instance: `label` (class name, or the value formatted for a
    regression), `scores` (class name → probability; empty for a regression) and `value` (the number
    the explanation explains: the probability of `target` for a classifier, the prediction for a
    regression)."""

    label: str
    value: float
    target: str = ""
    scores: dict[str, float] = field(default_factory=dict)


@dataclass
class Option:
    """A setting of a demo shown as a form field: kind "int", "float", "choice", "bool" or "text" (free
    text, e.g. the sentence a text demo explains; `maximum` caps its length; an empty default means the
    demo picks one). Choices are (value, label) pairs. Values arrive as strings in
    `DemoRequest.options`; `Demo.option` parses."""

    name: str
    label: str
    kind: str
    default: Any
    choices: tuple[tuple[str, str], ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    help: str = ""


@dataclass
class DemoRequest:
    """What the user chose. `index` is a row of the dataset's test split (`data.Bundle.test_rows`);
    `overrides` are what-if edits, feature name → value as typed (numbers as strings, categories by
    label); `options` are the demo's settings by `Option.name`; `study` is set for demos that use the
    study's own data (the text demos) and None elsewhere. `locked` names features a counterfactual may
    not change."""

    dataset: str
    model: str
    index: int = 0
    overrides: dict[str, str] = field(default_factory=dict)
    options: dict[str, str] = field(default_factory=dict)
    locked: tuple[str, ...] = ()
    study: Any = None
    seed: int = 0


@dataclass
class DemoResult:
    prediction: Prediction | None
    blocks: list[Block]
    # The model-space instance that was explained, after the what-if edits (display values, by feature).
    instance: dict[str, Any] = field(default_factory=dict)
    # Warnings for the user (an edit out of range, a setting clipped to its bounds...).
    notes: list[str] = field(default_factory=list)


@dataclass
class HeavyTask:
    """A computation too slow for a request: run as a job with progress. `run(request, progress)`
    returns blocks; `progress(percent, message)` reports. Results are cached by the job layer on
    (demo, task name, dataset, model, options, model fingerprint)."""

    name: str
    label: str
    run: Callable[[DemoRequest, Callable[[int, str], None]], list[Block]]
    description: str = ""
    # The datasets it applies to (empty: every dataset of its demo).
    datasets: tuple[str, ...] = ()

    def offered_for(self, dataset: str) -> bool:
        return not self.datasets or dataset in self.datasets


@dataclass
class Demo:
    """A live demo. `slugs`: the techniques it demonstrates (the first is its home; the others show it
    too). `datasets` and `models`: the dataset and model slugs it accepts (`data.DATASETS`,
    `models.MODELS`); the first of each is the default."""

    key: str
    title: str
    slugs: tuple[str, ...]
    datasets: tuple[str, ...]
    models: tuple[str, ...]
    run: Callable[[DemoRequest], DemoResult]
    options: tuple[Option, ...] = ()
    heavy: tuple[HeavyTask, ...] = ()
    # Whether the demo explains one instance (shows the instance picker and what-if editor).
    local: bool = True
    # Whether the demo can lock features (counterfactuals).
    lockable: bool = False
    summary: str = ""
    # The row to show when the user has not picked one, given (dataset, model); None means row 0.
    # Counterfactual demos start at a row with the unfavourable outcome, so what they show is recourse.
    default_index: Callable[[str, str], int] | None = None

    def option(self, request: DemoRequest, name: str) -> Any:
        """The parsed value of option `name`: the default when missing or malformed, clipped to bounds."""
        opt = next(o for o in self.options if o.name == name)
        raw = request.options.get(name)
        if raw is None or raw == "":
            return opt.default
        try:
            if opt.kind == "int":
                value: Any = int(float(raw))
            elif opt.kind == "float":
                value = float(raw)
            elif opt.kind == "bool":
                return str(raw).lower() in {"1", "true", "on", "yes"}
            elif opt.kind == "text":
                text = str(raw).strip()
                return text[: int(opt.maximum)] if opt.maximum is not None else text
            else:
                return raw if raw in {c[0] for c in opt.choices} else opt.default
        except ValueError:
            return opt.default
        if opt.minimum is not None:
            value = max(value, type(value)(opt.minimum))
        if opt.maximum is not None:
            value = min(value, type(value)(opt.maximum))
        return value


# Bump when a demo's computation changes: heavy results kept under an older revision are computed
# again (`explainers.tasks.heavy_params`).
SANDBOX_REVISION = 2

_REGISTRY: dict[str, Demo] = {}


def register(demo: Demo) -> Demo:
    if demo.key in _REGISTRY:
        raise ValueError(f"Demo {demo.key!r} registered twice")
    _REGISTRY[demo.key] = demo
    return demo


def all_demos() -> Iterable[Demo]:
    _load()
    return list(_REGISTRY.values())


def demos_for(technique_slug: str) -> list[Demo]:
    """The demos of a technique: its home demos first."""
    _load()
    home = [d for d in _REGISTRY.values() if d.slugs[0] == technique_slug]
    other = [d for d in _REGISTRY.values() if technique_slug in d.slugs[1:]]
    return home + other


def get_demo(key: str) -> Demo:
    _load()
    return _REGISTRY[key]


_BLAS_LIMITED = False


def one_blas_thread() -> None:
    """Limit numpy's BLAS to one thread in this process, once. Explainers multiply many small
    matrices; on a 2-core machine a second BLAS thread gains nothing and, when other processes are
    busy, its spin-waiting makes a product ten times slower. The limit is process-wide (threadpoolctl
    cannot limit one thread), so it is set once for good rather than around each demo, where one
    request leaving its block would lift the limit under another request still running."""
    global _BLAS_LIMITED
    if not _BLAS_LIMITED:
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=1, user_api="blas")
        _BLAS_LIMITED = True


def _load() -> None:
    """Import the demo modules (each registers its demos at import) and limit BLAS to one thread."""
    one_blas_thread()
    from . import demos  # noqa: F401
