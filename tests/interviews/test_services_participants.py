from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from interviews.models import Attribute, AttributeValue, Participant
from interviews.services import participants as services
from tests.conftest import Team


def _attr(team: Team, name: str, kind: str, choices: list[str] | None = None) -> Attribute:
    return services.create_attribute(study=team.study, name=name, type=kind, choices=choices)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "raw", "column", "expected"),
    [
        ("number", "5", "value_number", 5.0),
        ("number", "2,5", "value_number", 2.5),
        ("date", "2020-01-31", "value_date", dt.date(2020, 1, 31)),
        ("date", "31/01/2020", "value_date", dt.date(2020, 1, 31)),
        ("boolean", "Yes", "value_bool", True),
        ("boolean", "false", "value_bool", False),
        ("category", "DS", "value_text", "DS"),
        ("text", "  Senior DS ", "value_text", "Senior DS"),
        ("number", "", "value_number", None),
    ],
)
def test_parse_value(team: Team, kind: str, raw: str, column: str, expected: object) -> None:
    attribute = _attr(team, "a", kind, ["DS", "PM"] if kind == "category" else None)
    assert services.parse_value(attribute, raw)[column] == expected


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "raw"),
    [("number", "five"), ("date", "soon"), ("boolean", "maybe"), ("category", "CEO"), ("number", "nan")],
)
def test_parse_value_rejects(team: Team, kind: str, raw: str) -> None:
    attribute = _attr(team, "a", kind, ["DS", "PM"] if kind == "category" else None)
    with pytest.raises(ValidationError):
        services.parse_value(attribute, raw)


@pytest.mark.django_db
def test_duplicate_attribute_name_and_unknown_type(team: Team) -> None:
    _attr(team, "Role", "text")
    with pytest.raises(ValidationError, match="already"):
        _attr(team, "role", "text")
    with pytest.raises(ValidationError, match="Unknown"):
        _attr(team, "x", "colour")


@pytest.mark.django_db
def test_retyping_converts_or_refuses(team: Team) -> None:
    years = _attr(team, "years", "text")
    p1 = services.save_participant(study=team.study, label="P1", values={years: "5"})
    services.update_attribute(attribute=years, name="years", type="number", choices=[], description="")
    assert AttributeValue.objects.get(participant=p1).value_number == 5.0
    services.save_participant(study=team.study, label="P2", values={years: "7"})
    role = _attr(team, "role", "text")
    services.save_participant(study=team.study, label="P3", values={role: "CEO"})
    with pytest.raises(ValidationError, match="P3"):
        services.update_attribute(attribute=role, name="role", type="category", choices=["DS"], description="")
    role.refresh_from_db()
    assert role.type == "text"


@pytest.mark.django_db
def test_save_participant_reports_field_errors(team: Team) -> None:
    years = _attr(team, "years", "number")
    with pytest.raises(ValidationError) as excinfo:
        services.save_participant(study=team.study, label="P1", values={years: "many"})
    assert "years" in excinfo.value.message_dict
    assert not Participant.objects.exists()


def _plan(team: Team) -> list[services.ColumnPlan]:
    return [
        services.ColumnPlan("id", "id"),
        services.ColumnPlan("role", "new", new_type="category"),
        services.ColumnPlan("years", "new", new_type="number"),
    ]


@pytest.mark.django_db
def test_table_import_all_or_nothing_with_row_errors(team: Team) -> None:
    rows = [
        {"id": "P1", "role": "DS", "years": "3"},
        {"id": "P2", "role": "PM", "years": "lots"},
        {"id": "P1", "role": "DS", "years": "1"},
    ]
    outcome = services.import_participant_table(
        study=team.study, rows=rows, plan=_plan(team), choices_for_new={"role": ["DS", "PM"]}
    )
    assert [(e.row, e.column) for e in outcome.errors] == [(3, "years"), (4, "id")]
    assert not Participant.objects.exists() and not Attribute.objects.exists()


@pytest.mark.django_db
def test_table_import_creates_and_updates(team: Team) -> None:
    services.save_participant(study=team.study, label="P1", values={})
    rows: list[dict[str, object]] = [{"id": "P1", "role": "DS", "years": "3"}, {"id": "P2", "role": "PM", "years": 4.0}]
    outcome = services.import_participant_table(
        study=team.study, rows=rows, plan=_plan(team), choices_for_new={"role": ["DS", "PM"]}
    )
    assert (outcome.created, outcome.updated, outcome.errors) == (1, 1, [])
    assert AttributeValue.objects.get(participant__label="P2", attribute__name="years").value_number == 4.0


@pytest.mark.django_db
def test_table_import_needs_one_id_column(team: Team) -> None:
    outcome = services.import_participant_table(study=team.study, rows=[{"a": 1}], plan=[], choices_for_new={})
    assert "exactly one column" in outcome.errors[0].problem


def test_suggest_type() -> None:
    assert services.suggest_type(["1", "2.5", None])[0] == "number"
    assert services.suggest_type(["yes", "no", "Yes"])[0] == "boolean"
    assert services.suggest_type(["2020-01-01", "2021-02-03"])[0] == "date"
    assert services.suggest_type(["DS", "PM", "DS", "DS", "UX", "PM"]) == ("category", ["DS", "PM", "UX"])
    assert services.suggest_type(["a long free text answer", "another one"])[0] == "text"


@pytest.mark.django_db
def test_mapping_plan_proposal_and_atomic_import(team: Team) -> None:
    import pandas as pd

    from studies.models import StagedKind, StagedUpload
    from studies.staging import stage_upload

    role = services.create_attribute(study=team.study, name="Role", type="category", choices=["DS", "PM"])
    frame = pd.DataFrame({"pid": ["P1", "P2"], "role": ["DS", "PM"], "years": ["3", "5"], "x": ["a", "b"]})
    columns = services.table_columns(study=team.study, frame=frame)
    assert [c.default for c in columns] == ["id", f"attr:{role.pk}", "new", "new"]
    assert columns[2].suggested == "number"
    staged = stage_upload(study=team.study, user=team.coder, kind=StagedKind.PARTICIPANT_TABLE, name="t.csv", data=b"")
    bad = services.import_mapped_table(
        study=team.study, frame=frame, columns=columns, mapping={1: f"attr:{role.pk}", 2: "new"}, types={2: "number"},
        staged=staged,
    )  # fmt: skip
    assert bad.errors and bad.errors[0].problem == "Map exactly one column to the participant id."
    assert StagedUpload.objects.filter(pk=staged.pk).exists()  # kept for another try
    outcome = services.import_mapped_table(
        study=team.study, frame=frame, columns=columns, mapping={0: "id", 1: f"attr:{role.pk}", 2: "new", 3: "ignore"},
        types={2: "number"}, staged=staged,
    )  # fmt: skip
    assert (outcome.created, outcome.new_attributes, outcome.errors) == (2, ["years"], [])
    assert not StagedUpload.objects.filter(pk=staged.pk).exists()
    assert Participant.objects.get(label="P2").values.get(attribute=role).value_text == "PM"
