"""The live demo's form: what the user picked (dataset, model, instance, what-if edits, locks,
options), parsed and checked before a demo runs.

Everything arrives as a query string (the demo answers GETs: it changes nothing), so anything may
arrive: an unknown dataset or model, a row number past the test split, letters in a number. Each
gives a field error the page shows next to its field; the demo does not run with input it would
misread. A value that is a number but outside a feature's range is not an error: the dataset clips
it and the result says so (`data.Bundle.parse`).

The form is built per demo and per dataset: the what-if editor has one field per feature of the
chosen dataset, so the dataset is read from the raw input first (`_pick`), then the rest of the
fields are made for it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
from django import forms

from .sandbox.base import Demo, DemoRequest, Option

# How many instances the picker lists (the filter narrows them; any row can be typed in the URL).
INSTANCE_LIMIT = 100
# Option kinds beyond base.Option's four: free text (a sentence for the text demos).
TEXT_MAX = 2000


def dom_id(key: str) -> str:
    """A demo key as an HTML id fragment."""
    return re.sub(r"[^A-Za-z0-9_-]", "-", key)


def dataset_info(slug: str) -> Any | None:
    """The sandbox dataset `slug` (`data.DATASETS`), or None for a dataset the data module does not
    hold (a demo over the study's own text)."""
    from .sandbox import data

    return data.DATASETS.get(slug)


# Datasets and models of demos over the study's own data (not in the sandbox's data and model modules).
STUDY_DATASETS = {"study-text": "This study's coded sentences"}
STUDY_MODELS = {"suggestions": "This study's code-suggestion model"}


def dataset_name(slug: str) -> str:
    info = dataset_info(slug)
    if info is not None:
        return str(info.name)
    return STUDY_DATASETS.get(slug, slug.replace("-", " ").capitalize())


def model_name(slug: str, dataset: str = "") -> str:
    """The model's name for the dataset's task ("Logistic regression" or "Linear regression")."""
    from .sandbox import models

    spec = models.MODELS.get(slug)
    info = dataset_info(dataset)
    if spec is None:
        return STUDY_MODELS.get(slug, slug.replace("-", " ").capitalize())
    if info is not None:
        return str(spec.label(info))
    return str(spec.labels.get("classification", slug))


def _option_field(option: Option) -> forms.Field:
    common: dict[str, Any] = {"label": option.label, "help_text": option.help, "required": False}
    if option.kind == "int":
        return forms.IntegerField(
            min_value=None if option.minimum is None else math.ceil(option.minimum),
            max_value=None if option.maximum is None else math.floor(option.maximum),
            **common,
        )
    if option.kind == "float":
        return forms.FloatField(
            min_value=option.minimum,
            max_value=option.maximum,
            widget=forms.NumberInput(attrs={"step": "any"}),
            **common,
        )
    if option.kind == "choice":
        return forms.ChoiceField(choices=list(option.choices), **common)
    if option.kind == "bool":
        return forms.BooleanField(**common)
    # Free text (kind "text": a sentence, a code's name); `maximum` is its length.
    length = int(option.maximum) if option.maximum else TEXT_MAX
    widget = forms.Textarea(attrs={"rows": 2}) if length > 200 else forms.TextInput()
    return forms.CharField(max_length=length, widget=widget, **common)


def _initial_option(option: Option) -> Any:
    return option.default


@dataclass
class Feature:
    """One row of the what-if editor, rendered by hand (its value is the instance's, or the edit):
    the input's name, id and value, the categories of a select, and the lock box."""

    name: str
    field_name: str
    id: str
    label: str
    kind: str
    value: str
    categories: tuple[str, ...]
    errors: list[str]
    help: str
    base: str
    edited: bool
    immutable: bool
    lock_name: str
    lock_id: str
    locked: bool


class DemoForm(forms.Form):
    """The controls of one demo. `data` is the query (bound) or None (the demo's defaults).

    After `is_valid()`, `request()` is the `DemoRequest` to run and `controls_changed` says whether
    the instance list and the editor must be drawn again (another dataset, instance or filter): the
    htmx answer then carries them too; otherwise only the result changes and the field being typed
    in is left alone.
    """

    demo_key = forms.CharField(widget=forms.HiddenInput, required=False)
    dataset = forms.ChoiceField(label="Dataset")
    model = forms.ChoiceField(label="Model")

    def __init__(self, demo: Demo, data: Any = None, *, study: Any = None, **kwargs: Any) -> None:
        self.demo = demo
        self.study = study
        self.html_id = dom_id(demo.key)
        super().__init__(data, auto_id=f"{self.html_id}-%s", initial={"demo_key": demo.key}, **kwargs)
        cast(forms.ChoiceField, self.fields["dataset"]).choices = [(s, dataset_name(s)) for s in demo.datasets]
        self.dataset_slug = self._pick("dataset", demo.datasets)
        cast(forms.ChoiceField, self.fields["model"]).choices = [
            (s, model_name(s, self.dataset_slug)) for s in demo.models
        ]
        self.model_slug = self._pick("model", demo.models)
        self.info: Any = dataset_info(self.dataset_slug)
        self.bundle: Any = None
        self.instances: list[tuple[int, str]] = []
        self.filter_note = ""
        self.controls_changed = not self.is_bound
        self._tabular = False
        if demo.local and self.info is not None:
            from .sandbox import data

            self.bundle = data.load(self.dataset_slug)
            self._add_instance_fields()
            self._tabular = self.info.modality == "tabular"
            if self._tabular:
                self._add_feature_fields()
        for option in demo.options:
            field = _option_field(option)
            field.initial = _initial_option(option)
            self.fields[f"opt-{option.name}"] = field

    # --- building -------------------------------------------------------------------------------

    def _pick(self, name: str, allowed: tuple[str, ...]) -> str:
        """The raw value of `name` if allowed, else the demo's default (the field reports the error)."""
        raw = self.data.get(name) if self.is_bound else None
        return raw if raw in allowed else allowed[0]

    def _raw(self, name: str, default: str = "") -> str:
        if not self.is_bound:
            return default
        value = self.data.get(name, default)
        return str(value) if value is not None else default

    def _add_instance_fields(self) -> None:
        info, rows = self.info, self.bundle.test_rows
        if info.task == "classification":
            self.fields["predicted"] = forms.ChoiceField(
                label="Predicted class", required=False, choices=[("", "Any"), *((c, c) for c in info.class_names)]
            )
        numeric = [(f.name, f.label) for f in info.features if f.kind == "numeric"]
        if info.modality == "tabular" and numeric:
            self.fields["feature"] = forms.ChoiceField(
                label="Feature range", required=False, choices=[("", "No range filter"), *numeric]
            )
            self.fields["lo"] = forms.FloatField(
                label="From", required=False, widget=forms.NumberInput(attrs={"step": "any"})
            )
            self.fields["hi"] = forms.FloatField(
                label="To", required=False, widget=forms.NumberInput(attrs={"step": "any"})
            )
        self.fields["index"] = forms.IntegerField(
            label="Instance",
            min_value=0,
            max_value=rows - 1,
            initial=0,
            required=False,
            error_messages={
                "min_value": f"Choose a row of the test split, 0 to {rows - 1}.",
                "max_value": f"The test split has rows 0 to {rows - 1}.",
                "invalid": f"The instance is a row number of the test split, 0 to {rows - 1}.",
            },
        )
        # What the editor and the instance list show: a change of either redraws them.
        self.fields["shown"] = forms.CharField(widget=forms.HiddenInput, required=False)
        self.fields["listed"] = forms.CharField(widget=forms.HiddenInput, required=False)

    def _add_feature_fields(self) -> None:
        for f in self.info.features:
            if f.kind == "categorical":
                field: forms.Field = forms.ChoiceField(
                    label=f.label, required=False, choices=[(c, c) for c in f.categories]
                )
            else:
                field = forms.CharField(
                    label=f.label,
                    required=False,
                    max_length=40,
                    widget=forms.NumberInput(attrs={"step": "any"}),
                    help_text=f"{f.minimum:g} to {f.maximum:g} in the data",
                )
            self.fields[f"f-{f.name}"] = field
            if self.demo.lockable:
                self.fields[f"lock-{f.name}"] = forms.BooleanField(
                    label=f"Lock {f.label}", required=False, initial=False
                )

    # --- cleaning -------------------------------------------------------------------------------

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.demo.local or self.bundle is None:
            return cleaned
        info = self.info
        for f in info.features if self._tabular else ():
            raw = str(cleaned.get(f"f-{f.name}") or "").strip()
            if f.kind == "numeric" and raw:
                try:
                    value = float(raw)
                except ValueError:
                    self.add_error(f"f-{f.name}", f"{f.label}: “{raw}” is not a number.")
                    continue
                if not math.isfinite(value):
                    self.add_error(f"f-{f.name}", f"{f.label}: enter a finite number.")
        lo, hi, feature = cleaned.get("lo"), cleaned.get("hi"), cleaned.get("feature")
        if lo is not None and hi is not None and lo > hi:
            self.add_error("hi", "The range ends below where it starts.")
        if (lo is not None or hi is not None) and not feature:
            self.add_error("feature", "Choose the feature the range applies to.")
        return cleaned

    # --- after is_valid() --------------------------------------------------------------------------

    def _listed_state(self) -> str:
        c = self.cleaned_data
        return "|".join(
            str(v if v is not None else "")
            for v in (
                self.dataset_slug,
                self.model_slug,
                c.get("predicted"),
                c.get("feature"),
                c.get("lo"),
                c.get("hi"),
            )
        )

    def resolve_instances(self) -> None:
        """List the instances the filter keeps and settle which one is explained: the one asked for,
        or, when the filter just changed and drops it, the first the filter keeps."""
        if self.bundle is None:
            return
        from .sandbox import common

        c = self.cleaned_data
        listed = self._listed_state()
        filter_changed = self.is_bound and self._raw("listed") != listed
        if self.is_bound and self._raw("listed") and filter_changed:
            self.controls_changed = True
        frame = common.instances(
            self.dataset_slug,
            self.model_slug,
            predicted=c.get("predicted") or None,
            feature=c.get("feature") or None,
            lo=c.get("lo"),
            hi=c.get("hi"),
            limit=INSTANCE_LIMIT,
        )
        self.instances = [(int(row["index"]), instance_label(row, self.info)) for _, row in frame.iterrows()]
        index = c.get("index")
        if index is None:
            filtered = bool(c.get("predicted") or c.get("feature"))
            if self.demo.default_index is not None and not filtered:
                # The demo's own starting row (a counterfactual starts from an unfavourable outcome).
                index = self.demo.default_index(self.dataset_slug, self.model_slug)
            else:
                index = self.instances[0][0] if self.instances else 0
        kept = {i for i, _ in self.instances}
        if filter_changed and self.is_bound and self._raw("listed") and index not in kept and self.instances:
            index = self.instances[0][0]
        if not self.instances:
            self.filter_note = "No row of the test split matches this filter; showing the chosen instance."
        elif len(self.instances) >= INSTANCE_LIMIT:
            self.filter_note = f"The first {INSTANCE_LIMIT} matching rows are listed; narrow the filter to see others."
        if index not in kept:
            # The explained row stays choosable even when the filter leaves it out.
            self.instances.insert(0, (index, f"#{index} (outside the filter)"))
        self.chosen_index = int(index)
        self.listed_state = listed
        shown = f"{self.dataset_slug}:{self.chosen_index}"
        self.reset_edits = self.is_bound and self._raw("shown") not in ("", shown)
        if self.reset_edits or (self.is_bound and not self._raw("shown")):
            self.controls_changed = True
        self.shown_state = shown

    def overrides(self) -> dict[str, str]:
        """The editor's values that differ from the instance (what-if edits), by feature name."""
        if not self._tabular or self.reset_edits or not self.is_bound:
            return {}
        base = self.bundle.X_test[self.chosen_index]
        edits: dict[str, str] = {}
        for j, f in enumerate(self.info.features):
            raw = str(self.cleaned_data.get(f"f-{f.name}") or "").strip()
            if not raw:
                continue
            if f.kind == "categorical":
                if raw != self.bundle.display_value(j, base[j]):
                    edits[f.name] = raw
            elif not np.isclose(float(raw), float(base[j]), rtol=0, atol=1e-9):
                edits[f.name] = raw
        return edits

    def locked(self) -> tuple[str, ...]:
        if not self.demo.lockable or not self._tabular:
            return ()
        return tuple(f.name for f in self.info.features if self.cleaned_data.get(f"lock-{f.name}"))

    def options(self) -> dict[str, str]:
        values: dict[str, str] = {}
        for option in self.demo.options:
            value = self.cleaned_data.get(f"opt-{option.name}") if self.is_bound else option.default
            if option.kind == "bool":
                values[option.name] = "true" if value else "false"
            elif value is None or value == "":
                continue
            else:
                values[option.name] = str(value)
        return values

    def request(self) -> DemoRequest:
        if self.bundle is not None and not hasattr(self, "chosen_index"):
            self.resolve_instances()
        return DemoRequest(
            dataset=self.dataset_slug,
            model=self.model_slug,
            index=getattr(self, "chosen_index", 0),
            overrides=self.overrides() if self.bundle is not None else {},
            options=self.options(),
            locked=self.locked(),
            study=self.study,
        )

    # --- rendering ----------------------------------------------------------------------------

    def option_fields(self) -> list[forms.BoundField]:
        return [self[f"opt-{o.name}"] for o in self.demo.options]

    def filter_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("predicted", "feature", "lo", "hi") if name in self.fields]

    def editor(self) -> list[Feature]:
        """The what-if editor's rows, showing the instance's values with the edits that apply (and
        what was typed where it is in error)."""
        if not self._tabular:
            return []
        base = self.bundle.X_test[getattr(self, "chosen_index", 0)]
        valid = self.is_bound and not self.errors
        edits = self.overrides() if valid else {}
        locked = set(self.locked()) if valid else set()
        rows = []
        for j, f in enumerate(self.info.features):
            name = f"f-{f.name}"
            shown = self.bundle.display_value(j, base[j])
            base_text = str(shown) if f.kind == "categorical" else f"{float(shown):g}"
            value = edits.get(f.name, base_text)
            errors = [str(e) for e in self.errors.get(name, [])] if self.is_bound else []
            if errors:
                value = str(self.data.get(name, value))  # what was typed, beside its error
            rows.append(
                Feature(
                    name=f.name,
                    field_name=name,
                    id=f"{self.html_id}-{name}",
                    label=f.label,
                    kind=f.kind,
                    value=value,
                    categories=tuple(f.categories),
                    errors=errors,
                    help=str(self.fields[name].help_text or ""),
                    base=base_text,
                    edited=f.name in edits,
                    immutable=f.immutable,
                    lock_name=f"lock-{f.name}",
                    lock_id=f"{self.html_id}-lock-{f.name}",
                    locked=f.name in locked,
                )
            )
        return rows


def instance_label(row: Any, info: Any) -> str:
    """A picker entry: the row number, what the model predicts (with the number explained) and the
    true label."""
    index, value, true = int(row["index"]), float(row["value"]), row["true"]
    if info.task != "classification":
        return f"#{index} · predicted {value:.1f} · true {float(true):.1f}"
    if len(info.class_names) == 2:
        target = info.class_names[info.target_class]
        return f"#{index} · predicted {row['predicted']} · P({target}) {value:.2f} · true {true}"
    return f"#{index} · predicted {row['predicted']} ({value:.2f}) · true {true}"
