"""Participants and their typed attributes (the case variables of QDA tools)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from studies.models import StagedUpload, Study
from studies.staging import claim_staged_upload
from studies.text import Removed, storable, storable_value

from ..models import Attribute, AttributeType, AttributeValue, Participant
from ..tables import rows_of

TRUE_WORDS = {"yes", "y", "true", "t", "1", "ja", "oui", "sí", "si"}
FALSE_WORDS = {"no", "n", "false", "f", "0", "nein", "non"}
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%Y/%m/%d", "%d %B %Y", "%B %d, %Y", "%d %b %Y")


def parse_value(attribute: Attribute, raw: Any) -> dict[str, Any]:
    """The typed columns for `raw` (a string or a spreadsheet cell); ValidationError if it does not fit."""
    empty = {"value_text": "", "value_number": None, "value_date": None, "value_bool": None}
    if raw is None or (isinstance(raw, float) and raw != raw) or (isinstance(raw, str) and not raw.strip()):
        return empty
    kind = attribute.type
    if kind == AttributeType.NUMBER:
        if isinstance(raw, bool):
            raise ValidationError(f"“{raw}” is not a number.")
        try:
            number = float(str(raw).strip().replace(",", ".")) if not isinstance(raw, int | float) else float(raw)
        except ValueError as exc:
            raise ValidationError(f"“{raw}” is not a number.") from exc
        if number != number or number in (float("inf"), float("-inf")):
            raise ValidationError(f"“{raw}” is not a number.")
        return {**empty, "value_number": number}
    if kind == AttributeType.DATE:
        if isinstance(raw, dt.datetime):
            return {**empty, "value_date": raw.date()}
        if isinstance(raw, dt.date):
            return {**empty, "value_date": raw}
        text = str(raw).strip()
        for fmt in DATE_FORMATS:
            try:
                return {**empty, "value_date": dt.datetime.strptime(text, fmt).date()}
            except ValueError:
                continue
        raise ValidationError(f"“{raw}” is not a date (write it as YYYY-MM-DD).")
    if kind == AttributeType.BOOLEAN:
        if isinstance(raw, bool):
            return {**empty, "value_bool": raw}
        word = str(raw).strip().lower()
        if word in TRUE_WORDS:
            return {**empty, "value_bool": True}
        if word in FALSE_WORDS:
            return {**empty, "value_bool": False}
        raise ValidationError(f"“{raw}” is not yes or no.")
    text = str(raw).strip()
    if isinstance(raw, float) and raw.is_integer():
        text = str(int(raw))
    if kind == AttributeType.CATEGORY and attribute.choices and text not in attribute.choices:
        raise ValidationError(f"“{text}” is not one of the allowed values: {', '.join(attribute.choices)}.")
    return {**empty, "value_text": text}


def _clean_choices(kind: str, choices: list[str]) -> list[str]:
    cleaned: list[str] = []
    for choice in choices:
        choice = choice.strip()
        if choice and choice not in cleaned:
            cleaned.append(choice)
    return cleaned if kind == AttributeType.CATEGORY else []


@transaction.atomic
def create_attribute(
    *, study: Study, name: str, type: str, choices: list[str] | None = None, description: str = ""
) -> Attribute:
    name = name.strip()
    if not name:
        raise ValidationError("An attribute needs a name.")
    if type not in AttributeType.values:
        raise ValidationError(f"Unknown attribute type {type!r}.")
    if Attribute.objects.filter(study=study, name__iexact=name).exists():
        raise ValidationError(f"There is already an attribute called “{name}”.")
    order = (Attribute.objects.filter(study=study).aggregate(m=Max("order"))["m"] or 0) + 1
    return Attribute.objects.create(
        study=study, name=name, type=type, choices=_clean_choices(type, choices or []), description=description,
        order=order,
    )  # fmt: skip


@transaction.atomic
def update_attribute(*, attribute: Attribute, name: str, type: str, choices: list[str], description: str) -> Attribute:
    """Rename or retype an attribute; existing values are converted or the change is refused."""
    name = name.strip()
    if not name:
        raise ValidationError("An attribute needs a name.")
    if Attribute.objects.filter(study=attribute.study, name__iexact=name).exclude(pk=attribute.pk).exists():
        raise ValidationError(f"There is already an attribute called “{name}”.")
    old = Attribute.objects.select_for_update().get(pk=attribute.pk)
    candidate = Attribute(study=old.study, name=name, type=type, choices=_clean_choices(type, choices))
    converted: list[tuple[AttributeValue, dict[str, Any]]] = []
    problems: list[str] = []
    for value in AttributeValue.objects.filter(attribute=old).select_related("participant"):
        try:
            converted.append((value, parse_value(candidate, value.display)))
        except ValidationError as exc:
            problems.append(f"{value.participant.label}: {' '.join(exc.messages)}")
    if problems:
        raise ValidationError(
            f"Existing values do not fit the new settings, so nothing was changed: {'; '.join(problems[:10])}"
            + (f" (and {len(problems) - 10} more)" if len(problems) > 10 else "")
        )
    for value, columns in converted:
        for key, column_value in columns.items():
            setattr(value, key, column_value)
        value.save(update_fields=list(columns))
    attribute.name, attribute.type, attribute.choices = name, type, candidate.choices
    attribute.description = description
    attribute.save(update_fields=["name", "type", "choices", "description"])
    return attribute


@transaction.atomic
def delete_attribute(*, attribute: Attribute) -> int:
    count = attribute.values.count()
    attribute.delete()
    return count


@transaction.atomic
def save_participant(
    *, study: Study, label: str, notes: str = "", values: dict[Attribute, Any], participant: Participant | None = None
) -> Participant:
    label = label.strip()
    if not label:
        raise ValidationError("A participant needs an id (e.g. P1).")
    clash = Participant.objects.filter(study=study, label__iexact=label)
    if participant is not None:
        clash = clash.exclude(pk=participant.pk)
    if clash.exists():
        raise ValidationError(f"There is already a participant {label}.")
    errors = {}
    parsed = {}
    for attribute, raw in values.items():
        try:
            parsed[attribute] = parse_value(attribute, raw)
        except ValidationError as exc:
            errors[attribute.name] = exc.messages
    if errors:
        raise ValidationError(errors)
    if participant is None:
        participant = Participant.objects.create(study=study, label=label, notes=notes)
    else:
        participant.label, participant.notes = label, notes
        participant.save(update_fields=["label", "notes"])
    for attribute, columns in parsed.items():
        AttributeValue.objects.update_or_create(participant=participant, attribute=attribute, defaults=columns)
    return participant


@transaction.atomic
def delete_participant(*, participant: Participant) -> None:
    participant.delete()


# --- table import --------------------------------------------------------------------------------

IGNORE = "ignore"
ID = "id"


@dataclass
class ColumnPlan:
    """What to do with one column: the id, an existing attribute, a new attribute, or ignore."""

    column: str
    action: str  # "id" | "ignore" | "attribute" | "new"
    attribute: Attribute | None = None
    new_type: str = AttributeType.TEXT


@dataclass
class RowError:
    row: int
    column: str
    value: str
    problem: str


@dataclass
class TableImportOutcome:
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)
    new_attributes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # e.g. characters that cannot be stored, removed


def suggest_type(values: list[Any]) -> tuple[str, list[str]]:
    """Guess an attribute type (and category values) from a column's non-empty values."""
    present = [v for v in values if v is not None and str(v).strip() and not (isinstance(v, float) and v != v)]
    if not present:
        return AttributeType.TEXT, []
    probe = Attribute(type=AttributeType.NUMBER)
    for kind in (AttributeType.BOOLEAN, AttributeType.NUMBER, AttributeType.DATE):
        probe.type = kind
        try:
            for value in present:
                parse_value(probe, value)
        except ValidationError:
            continue
        if kind == AttributeType.BOOLEAN and all(str(v).strip() in ("0", "1") for v in present):
            continue  # 0/1 columns are more often counts than yes/no
        return kind, []
    distinct = sorted({str(v).strip() for v in present})
    repeats = len(distinct) <= len(present) / 2
    short = all(len(v) <= 20 for v in distinct)
    if len(distinct) <= 12 and (repeats or short) and all(len(v) <= 60 for v in distinct):
        return AttributeType.CATEGORY, distinct
    return AttributeType.TEXT, []


@transaction.atomic
def import_participant_table(
    *, study: Study, rows: list[dict[str, Any]], plan: list[ColumnPlan], choices_for_new: dict[str, list[str]]
) -> TableImportOutcome:
    """All or nothing: every row is validated first; with any error nothing is written."""
    outcome = TableImportOutcome()
    # Cells may hold characters PostgreSQL cannot store (NUL): removed, with a warning.
    removed = Removed()
    rows = [{column: storable_value(value, removed) for column, value in row.items()} for row in rows]
    id_columns = [p.column for p in plan if p.action == ID]
    if len(id_columns) != 1:
        outcome.errors.append(RowError(0, "", "", "Map exactly one column to the participant id."))
        return outcome
    id_column = id_columns[0]
    attributes: dict[str, Attribute] = {}
    for item in plan:
        if item.action == "attribute" and item.attribute is not None:
            attributes[item.column] = item.attribute
        elif item.action == "new":
            if Attribute.objects.filter(study=study, name__iexact=item.column.strip()).exists():
                outcome.errors.append(RowError(0, item.column, "", "An attribute with this name exists; map to it."))
                continue
            attributes[item.column] = Attribute(
                study=study, name=storable(item.column, removed).strip()[:100], type=item.new_type,
                choices=[storable(c, removed) for c in choices_for_new.get(item.column, [])]
                if item.new_type == AttributeType.CATEGORY else [],
            )  # fmt: skip
    seen: dict[str, int] = {}
    parsed_rows: list[tuple[str, dict[str, dict[str, Any]]]] = []
    for number, row in enumerate(rows, start=2):  # row 1 is the header
        raw_label = row.get(id_column)
        label = "" if raw_label is None else str(raw_label).strip()
        if isinstance(raw_label, float) and raw_label.is_integer():
            label = str(int(raw_label))
        if not label or label.lower() == "nan":
            outcome.errors.append(RowError(number, id_column, "", "The participant id is empty."))
            continue
        if label.lower() in seen:
            outcome.errors.append(
                RowError(number, id_column, label, f"Duplicate id (also on row {seen[label.lower()]}).")
            )
            continue
        seen[label.lower()] = number
        values: dict[str, dict[str, Any]] = {}
        for column, attribute in attributes.items():
            raw = row.get(column)
            try:
                values[column] = parse_value(attribute, raw)
            except ValidationError as exc:
                outcome.errors.append(RowError(number, column, "" if raw is None else str(raw), " ".join(exc.messages)))
        parsed_rows.append((label, values))
    if outcome.errors:
        return outcome
    if removed:
        outcome.warnings.append(removed.warning())
    for attribute in attributes.values():
        if attribute.pk is None:
            attribute.order = (Attribute.objects.filter(study=study).aggregate(m=Max("order"))["m"] or 0) + 1
            attribute.save()
            outcome.new_attributes.append(attribute.name)
    existing = {p.label.lower(): p for p in Participant.objects.filter(study=study)}
    for label, values in parsed_rows:
        participant = existing.get(label.lower())
        if participant is None:
            participant = Participant.objects.create(study=study, label=label)
            outcome.created += 1
        else:
            outcome.updated += 1
        for column, columns in values.items():
            AttributeValue.objects.update_or_create(
                participant=participant, attribute=attributes[column], defaults=columns
            )
    return outcome


# --- the mapping step of a table import ----------------------------------------------------------

NEW = "new"
ATTRIBUTE_CHOICE = "attr:"  # followed by the attribute's pk
ID_NAMES = ("id", "pid", "participant", "label")


@dataclass
class ColumnChoice:
    """One column of an uploaded table on the mapping form, with what the form proposes for it."""

    index: int
    name: str
    suggested: str  # the type of a new attribute made from it
    choices: list[str]  # the category values seen, if it looks like a category
    default: str  # "id" | "new" | "attr:<pk>" | "ignore"


def table_columns(*, study: Study, frame: pd.DataFrame) -> list[ColumnChoice]:
    """The mapping form's proposal: the first id-like column is the id, columns named like an
    attribute map to it, the others become new attributes of the type their values suggest."""
    by_name = {a.name.lower(): a for a in Attribute.objects.filter(study=study)}
    columns: list[ColumnChoice] = []
    for index, name in enumerate(frame.columns):
        suggested, choices = suggest_type(frame[name].tolist())
        if index == 0 or name.lower() in ID_NAMES:
            default = ID if not any(c.default == ID for c in columns) else IGNORE
        elif name.lower() in by_name:
            default = f"{ATTRIBUTE_CHOICE}{by_name[name.lower()].pk}"
        else:
            default = NEW
        columns.append(ColumnChoice(index, name, suggested, choices, default))
    return columns


def _column_plan(
    study: Study, frame: pd.DataFrame, columns: list[ColumnChoice], mapping: dict[int, str], types: dict[int, str]
) -> tuple[list[ColumnPlan], dict[str, list[str]]]:
    attributes = {f"{ATTRIBUTE_CHOICE}{a.pk}": a for a in Attribute.objects.filter(study=study)}
    plan: list[ColumnPlan] = []
    choices_for_new: dict[str, list[str]] = {}
    for column in columns:
        choice = mapping.get(column.index, IGNORE)
        if choice == ID:
            plan.append(ColumnPlan(column.name, ID))
        elif choice == NEW:
            new_type = types.get(column.index, column.suggested)
            plan.append(ColumnPlan(column.name, NEW, new_type=new_type))
            choices_for_new[column.name] = column.choices or sorted(
                {str(v).strip() for v in frame[column.name] if str(v).strip()}
            )
        elif choice in attributes:
            plan.append(ColumnPlan(column.name, "attribute", attribute=attributes[choice]))
    return plan, choices_for_new


@transaction.atomic
def import_mapped_table(
    *,
    study: Study,
    frame: pd.DataFrame,
    columns: list[ColumnChoice],
    mapping: dict[int, str],
    types: dict[int, str],
    staged: StagedUpload | None = None,
) -> TableImportOutcome:
    """Import `frame` with the mapping chosen per column index (`mapping`: "id", "new", "attr:<pk>"
    or "ignore"; `types`: the type of each new attribute). All or nothing: with any row error
    nothing is written and the staged upload is kept for another try; on success it is deleted
    in the same transaction (a second confirmation finds it gone: StagedUploadExpired)."""
    for index, new_type in types.items():
        if new_type not in AttributeType.values:
            raise ValidationError(f"Unknown attribute type {new_type!r} for column {index + 1}.")
    if staged is not None:
        claim_staged_upload(staged)
    plan, choices_for_new = _column_plan(study, frame, columns, mapping, types)
    outcome = import_participant_table(study=study, rows=rows_of(frame), plan=plan, choices_for_new=choices_for_new)
    if outcome.errors:
        transaction.set_rollback(True)  # gives the staged upload back; nothing else was written
    return outcome
