from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from coding.models import Code, Coding
from coding.selectors import compile_pattern, search_hits
from coding.services.autocode import apply_autocode, widen
from coding.services.history import undo_batch
from tests.conftest import Team

from .helpers import make_transcript

TEXT = "Interviewer: Is SHAP useful?\n\nP1: SHAP is useful. We also try LIME. SHAP wins.\n\nInterviewer: Thanks.\n"


def _hits(team: Team, scope: str, role: str = "") -> list:  # type: ignore[type-arg]
    return widen(
        search_hits(study=team.study, pattern=compile_pattern(text="shap", mode="words"), speaker_role=role), scope
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("scope", "role", "expected"),
    [
        ("match", "", ["SHAP", "SHAP", "SHAP"]),
        ("sentence", "participant", ["SHAP is useful.", "SHAP wins."]),
        ("turn", "", ["Is SHAP useful?", "SHAP is useful. We also try LIME. SHAP wins."]),
        ("match", "interviewer", ["SHAP"]),
    ],
)
def test_scopes_and_roles(team: Team, scope: str, role: str, expected: list[str]) -> None:
    t = make_transcript(team.study, TEXT)
    assert [t.text[h.start : h.end] for h in _hits(team, scope, role)] == expected


@pytest.mark.django_db
def test_apply_skips_duplicates_and_undoes_as_unit(team: Team) -> None:
    make_transcript(team.study, TEXT)
    code = Code.objects.create(study=team.study, name="SHAP")
    hits = _hits(team, "match")
    first = apply_autocode(study=team.study, user=team.coder, code=code, hits=hits[:2], description="test")
    second = apply_autocode(study=team.study, user=team.coder, code=code, hits=hits, description="test")
    assert (first.applied, second.applied, second.skipped) == (2, 1, 2)
    undo_batch(study=team.study, user=team.coder, batch=first.batch)
    assert Coding.objects.filter(retired_at=None).count() == 1


@pytest.mark.django_db
def test_apply_refuses_empty_and_foreign_code(team: Team) -> None:
    from tests.factories import make_study

    make_transcript(team.study, TEXT)
    with pytest.raises(ValidationError):
        apply_autocode(
            study=team.study,
            user=team.coder,
            code=Code.objects.create(study=team.study, name="x"),
            hits=[],
            description="",
        )
    foreign = Code.objects.create(study=make_study(), name="y")
    with pytest.raises(ValidationError):
        apply_autocode(study=team.study, user=team.coder, code=foreign, hits=_hits(team, "match"), description="")
