from __future__ import annotations

import pytest

from coding.query import QueryError, participant_filter, tokenize
from interviews.models import Participant
from interviews.services import participants as services
from tests.conftest import Team


@pytest.fixture
def people(team: Team) -> Team:
    role = services.create_attribute(study=team.study, name="role", type="category", choices=["DS", "PM", "SE"])
    res = services.create_attribute(study=team.study, name="resources", type="category", choices=["$", "$$", "$$$"])
    years = services.create_attribute(study=team.study, name="years", type="number")
    since = services.create_attribute(study=team.study, name="joined", type="date")
    remote = services.create_attribute(study=team.study, name="remote", type="boolean")
    org = services.create_attribute(study=team.study, name="organisation type", type="text")
    rows = [
        ("P1", "DS", "$", "3", "2019-05-01", "yes", "Startup"),
        ("P2", "DS", "$$$", "10", "2015-01-01", "no", "Publicly listed"),
        ("P3", "PM", "$$", "6", "2021-09-09", "yes", "Startup"),
        ("P4", "", "", "", "", "", ""),
    ]
    for label, *values in rows:
        services.save_participant(
            study=team.study, label=label, values=dict(zip([role, res, years, since, remote, org], values, strict=True))
        )
    return team


def _labels(team: Team, text: str) -> list[str]:
    q = participant_filter(study=team.study, text=text)
    return sorted(Participant.objects.filter(study=team.study).filter(q).values_list("label", flat=True))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("role = DS", ["P1", "P2"]),
        ("role = ds", ["P1", "P2"]),
        ("role = DS and resources in ($, $$)", ["P1"]),
        ("years >= 6", ["P2", "P3"]),
        ("years < 6 or role = PM", ["P1", "P3"]),
        ("joined < 2020-01-01", ["P1", "P2"]),
        ("remote = yes", ["P1", "P3"]),
        ('"organisation type" ~ start', ["P1", "P3"]),
        ("role != DS", ["P3", "P4"]),
        ("not (role = DS or role = PM)", ["P4"]),
        ("", ["P1", "P2", "P3", "P4"]),
    ],
)
def test_expressions(people: Team, text: str, expected: list[str]) -> None:
    assert _labels(people, text) == expected


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "message", "position"),
    [
        ("rol = DS", "Unknown attribute 'rol'", 1),
        ("role DS", "Expected an operator", 6),
        ("role = DS and", "Expected an attribute name", 14),
        ("years > many", "is not a number", 9),
        ("role > DS", "compares numbers and dates", 8),
        ("(role = DS", "closing parenthesis", 11),
        ("role in (DS", "closing parenthesis", 12),
        ("role = DS )", "Unexpected ')'", 11),
        ("role = DS ; drop", "Unexpected ';'", 11),
        ("years ~ 5", "works on text attributes", 9),
    ],
)
def test_errors_point_at_position(people: Team, text: str, message: str, position: int) -> None:
    with pytest.raises(QueryError) as excinfo:
        participant_filter(study=people.study, text=text)
    assert message in str(excinfo.value.messages[0])
    assert f"at character {position})" in excinfo.value.messages[0]


def test_tokenize_quoted_strings() -> None:
    tokens = tokenize('title = "Data \\"lead\\" scientist"')
    assert [t.value for t in tokens[:3]] == ["title", "=", 'Data "lead" scientist']
