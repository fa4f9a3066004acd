from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from coding.codebook_io import parse_csv, parse_indented, validate_plan
from coding.models import Code, Coding, Memo
from coding.services import codebook as services
from coding.services.history import UndoRefused, undo_last
from interviews.importers import ImportFailure
from tests.conftest import Team

from .helpers import make_transcript


def _code(team: Team, name: str, parent: Code | None = None) -> Code:
    return services.create_code(study=team.study, user=team.coder, name=name, parent=parent)


@pytest.mark.django_db
def test_create_rename_recolour_with_version_check(team: Team) -> None:
    code = _code(team, "Trust")
    updated = services.update_code(code=code, user=team.coder, expected_version=1, name="Over-trust", colour="#AABBCC")
    assert (updated.name, updated.colour, updated.version) == ("Over-trust", "#aabbcc", 2)
    with pytest.raises(services.Conflict) as excinfo:
        services.update_code(code=code, user=team.owner, expected_version=1, name="Mistrust")
    assert excinfo.value.current.name == "Over-trust"
    assert Code.objects.get(pk=code.pk).name == "Over-trust"
    with pytest.raises(ValidationError):
        services.update_code(code=code, user=team.coder, expected_version=2, colour="red")


@pytest.mark.django_db
def test_names_unique_per_level(team: Team) -> None:
    parent = _code(team, "Explanations")
    _code(team, "SHAP", parent)
    with pytest.raises(ValidationError):
        _code(team, "shap", parent)
    _code(team, "SHAP")  # same name at another level is fine


@pytest.mark.django_db
def test_move_prevents_cycles_and_reorders(team: Team) -> None:
    a, b = _code(team, "A"), _code(team, "B")
    child = _code(team, "A1", a)
    with pytest.raises(ValidationError):
        services.move_code(code=a, user=team.coder, parent=child)
    with pytest.raises(ValidationError):
        services.move_code(code=a, user=team.coder, parent=a)
    services.move_code(code=b, user=team.coder, parent=None, position=0)
    assert list(Code.objects.alive().filter(parent=None).order_by("order").values_list("name", flat=True)) == ["B", "A"]
    services.move_code(code=b, user=team.coder, parent=a)
    assert Code.objects.get(pk=b.pk).parent == a


@pytest.mark.django_db
def test_merge_collapses_duplicates_moves_memos_children_and_undoes(team: Team) -> None:
    transcript = make_transcript(team.study)
    a, b = _code(team, "Distrust"), _code(team, "Mistrust")
    kid = _code(team, "Of vendors", a)
    Coding.objects.create(transcript=transcript, code=a, start=0, end=5, coder=team.coder)
    Coding.objects.create(transcript=transcript, code=a, start=10, end=15, coder=team.coder)
    Coding.objects.create(transcript=transcript, code=b, start=0, end=5, coder=team.coder)
    memo = Memo.objects.create(study=team.study, target="code", code=a, body="note")
    outcome = services.merge_codes(source=a, target=b, user=team.coder)
    assert (outcome.moved, outcome.collapsed) == (2, 1)
    assert Coding.objects.filter(code=b, retired_at=None).count() == 2
    assert Memo.objects.get(pk=memo.pk).code == b and Code.objects.get(pk=kid.pk).parent == b
    assert Code.objects.get(pk=a.pk).deleted_at is not None
    undo_last(study=team.study, user=team.coder)
    assert Code.objects.get(pk=a.pk).deleted_at is None
    assert Coding.objects.filter(code=a, retired_at=None).count() == 2
    assert Coding.objects.filter(code=b, retired_at=None).count() == 1
    assert Memo.objects.get(pk=memo.pk).code == a and Code.objects.get(pk=kid.pk).parent == a


@pytest.mark.django_db
def test_split_moves_chosen_codings_and_undo_removes_new_code(team: Team) -> None:
    transcript = make_transcript(team.study)
    a = _code(team, "Explanations")
    keep = Coding.objects.create(transcript=transcript, code=a, start=0, end=5, coder=team.coder)
    move = Coding.objects.create(transcript=transcript, code=a, start=10, end=15, coder=team.coder)
    outcome = services.split_code(source=a, coding_uuids=[str(move.uuid)], new_name="Counterfactuals", user=team.coder)
    new = outcome.code
    assert outcome.moved == 1
    assert Coding.objects.get(replaces=move, retired_at=None).code == new
    assert Coding.objects.get(pk=keep.pk).code == a and Coding.objects.get(pk=keep.pk).retired_at is None
    with pytest.raises(ValidationError):
        services.split_code(source=a, coding_uuids=[], new_name="x", user=team.coder)
    undo_last(study=team.study, user=team.coder)
    live = Coding.objects.filter(retired_at=None)
    assert sorted(live.values_list("code__name", "start")) == [("Explanations", 0), ("Explanations", 10)]
    assert Code.objects.get(pk=new.pk).deleted_at is not None


@pytest.mark.django_db
def test_delete_counts_soft_deletes_and_restores(team: Team) -> None:
    transcript = make_transcript(team.study)
    parent = _code(team, "Parent")
    code = _code(team, "Trust", parent)
    kid = _code(team, "Over-trust", code)
    Coding.objects.create(transcript=transcript, code=code, start=0, end=5, coder=team.coder)
    impact = services.delete_code(code=code, user=team.coder)
    assert (impact.codings, impact.children, impact.memos) == (1, 1, 0)
    assert Code.objects.get(pk=kid.pk).parent == parent
    assert not Code.objects.alive().filter(pk=code.pk).exists()
    services.restore_code(code=Code.objects.get(pk=code.pk), user=team.coder)
    assert Code.objects.alive().filter(pk=code.pk).exists()


@pytest.mark.django_db
def test_undo_refuses_when_someone_edited_since(team: Team) -> None:
    code = _code(team, "Trust")
    services.update_code(code=code, user=team.coder, expected_version=1, name="Trust in models")
    services.update_code(code=code, user=team.owner, expected_version=2, name="Trust (models)")
    with pytest.raises(UndoRefused, match="edited again"):
        undo_last(study=team.study, user=team.coder)
    assert Code.objects.get(pk=code.pk).name == "Trust (models)"


def test_parse_indented_and_csv() -> None:
    text = b"Trust\n\tOver-trust : trusting too much\n\tUnder-trust\nExplanations\n    SHAP\n        Force plots\n"
    planned = parse_indented("cb.txt", text)
    assert [p.path for p in planned] == [
        ("Trust",), ("Trust", "Over-trust"), ("Trust", "Under-trust"), ("Explanations",),
        ("Explanations", "SHAP"), ("Explanations", "SHAP", "Force plots"),
    ]  # fmt: skip
    assert planned[1].fields == {"definition": "trusting too much"}
    rows = parse_csv("cb.csv", b"Code,Parent,Description,Color\nTrust,,Belief,#112233\nOver-trust,Trust,,\n")
    assert rows[1].path == ("Trust", "Over-trust") and rows[0].fields == {"definition": "Belief", "colour": "#112233"}


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("cb.csv", b"", "is empty"),
        ("cb.csv", b"parent,description\nx,y\n", "no name column"),
        ("cb.csv", b"name,parent\nA,Missing\n", "not defined"),
        ("cb.csv", b"name\nA\na\n", "twice"),
        ("cb.csv", b"name,colour\nA,red\n", "#rrggbb"),
        ("cb.txt", b"   \n", "is empty"),
    ],
)
def test_codebook_bad_input(name: str, data: bytes, message: str) -> None:
    with pytest.raises(ImportFailure, match=message):
        planned = parse_csv(name, data) if name.endswith(".csv") else parse_indented(name, data)
        validate_plan(name, planned, set())


@pytest.mark.django_db
def test_import_codebook_skips_existing(team: Team) -> None:
    _code(team, "Trust")
    planned = parse_indented("cb.txt", b"Trust\n  Over-trust\nBias\n")
    outcome = services.import_codebook(study=team.study, user=team.coder, planned=planned)
    assert (outcome.created, outcome.existing) == (2, 1)
    assert getattr(Code.objects.get(name="Over-trust").parent, "name", None) == "Trust"
