from __future__ import annotations

import pytest
from django.urls import reverse

from coding.models import Code, Coding
from interviews.models import Attribute, AttributeValue, Participant, Transcript
from interviews.services.imports import import_transcript
from tests.conftest import Team


def _big_transcript(team: Team, turns: int = 400) -> Transcript:
    lines = []
    for i in range(turns):
        who = "Interviewer" if i % 2 == 0 else "P1"
        lines.append(f"[00:{i // 60 % 60:02d}:{i % 60:02d}] {who}: " + "word " * 50)
    return import_transcript(study=team.study, filename="big.txt", data="\n".join(lines).encode(), user=None).transcript


@pytest.mark.django_db
def test_reader_shows_turns_times_attributes_and_escapes(team: Team) -> None:
    p1 = Participant.objects.create(study=team.study, label="P1")
    role = Attribute.objects.create(study=team.study, name="role", type="category", choices=["DS"])
    AttributeValue.objects.create(participant=p1, attribute=role, value_text="DS")
    data = b"[00:01:05] Interviewer: <b>hi</b> & welcome\n\n[00:01:09] P1: Hello"
    transcript = import_transcript(study=team.study, filename="p1.txt", data=data, user=None).transcript
    body = (
        team.client("viewer")
        .get(reverse("interviews:transcript_detail", args=[team.study.slug, transcript.uuid]))
        .content.decode()
    )
    assert (
        '<div class="turn-text" data-start="13" tabindex="0" aria-describedby="turn-codes-0">'
        "&lt;b&gt;hi&lt;/b&gt; &amp; welcome</div>"
    ) in body
    assert "0:01:05" in body and ">role<" in body and ">DS<" in body
    assert "Code turn" not in body  # viewers read only


@pytest.mark.django_db
def test_reader_query_count_does_not_grow_with_codings(team: Team, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    transcript = _big_transcript(team)
    codes = [Code.objects.create(study=team.study, name=f"C{i}") for i in range(20)]
    turns = list(transcript.turns.all())
    Coding.objects.bulk_create(
        Coding(
            transcript=transcript,
            study=team.study,
            text_version=1,
            code=codes[i % 20],
            start=t.start,
            end=t.start + 4 + i % 7,
            coder=team.coder,
        )
        for i, t in enumerate(turns * 3)
    )
    client = team.client("coder")
    url = reverse("interviews:transcript_detail", args=[team.study.slug, transcript.uuid])
    with django_assert_max_num_queries(16):
        response = client.get(url)
    assert response.status_code == 200 and response.content.decode().count('class="turn role-') == 400
