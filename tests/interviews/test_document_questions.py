from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from interviews.models import Protocol, ProtocolQuestion, SpeakerTurn
from interviews.selectors import suggest_question_links
from interviews.services.imports import import_transcript
from tests.conftest import Team, csrf_post

TEXT = (
    b"Interviewer: So, how would you test the models you build?\n\nP1: Mostly manual test cases.\n\n"
    b"Interviewer: And what do you think about the black box nature of these tools?\n\nP1: It worries me.\n\n"
    b"Interviewer: Great, thanks a lot!\n"
)


def _setup(team: Team) -> tuple[Any, list[Any]]:
    protocol = Protocol.objects.create(study=team.study, title="Outline")
    questions = [
        ProtocolQuestion.objects.create(protocol=protocol, order=i, text=t)
        for i, t in enumerate([
            "What stakeholders do you work with?",
            "How do you test your models?",
            "What are your thoughts on the black box nature of these decision-making modeling tools?",
        ])
    ]  # fmt: skip
    transcript = import_transcript(
        study=team.study, filename="p1.txt", data=TEXT, user=None, protocol=protocol
    ).transcript
    return transcript, questions


@pytest.mark.django_db
def test_suggestions_match_paraphrased_questions(team: Team) -> None:
    transcript, questions = _setup(team)
    suggestions = {s["turn"].index: s["question"] for s in suggest_question_links(transcript=transcript)}  # type: ignore[attr-defined]
    assert suggestions == {0: questions[1], 2: questions[2]}


@pytest.mark.django_db
def test_accept_suggestions_and_manual_link(team: Team) -> None:
    transcript, questions = _setup(team)
    url = reverse("interviews:document_questions", args=[team.study.slug, transcript.uuid])
    page = team.client("coder").get(url).content.decode()
    assert "suggested" in page
    ids = dict(SpeakerTurn.objects.filter(transcript=transcript).values_list("index", "pk"))
    response = csrf_post(
        team.client("coder"),
        url,
        {f"turn-{ids[0]}": questions[1].pk, f"turn-{ids[2]}": questions[2].pk, f"turn-{ids[4]}": ""},
    )
    assert response.status_code == 302
    links = dict(SpeakerTurn.objects.filter(transcript=transcript).values_list("index", "question"))
    assert links == {0: questions[1].pk, 1: None, 2: questions[2].pk, 3: None, 4: None}


@pytest.mark.django_db
def test_a_page_opened_before_a_turn_was_split_links_the_turn_it_showed(team: Team) -> None:
    from interviews.services.speakers import split_turn

    transcript, questions = _setup(team)
    url = reverse("interviews:document_questions", args=[team.study.slug, transcript.uuid])
    page = team.client("coder").get(url).content.decode()
    shown = SpeakerTurn.objects.get(transcript=transcript, index=2)
    assert f'name="turn-{shown.pk}"' in page
    first = SpeakerTurn.objects.get(transcript=transcript, index=0)
    split_turn(turn=first, at=first.start + transcript.text[first.start : first.end].index(" ") + 1, user=team.owner)
    csrf_post(team.client("coder"), url, {f"turn-{shown.pk}": questions[2].pk})
    shown.refresh_from_db()
    assert shown.index == 3 and shown.question_id == questions[2].pk
    assert not SpeakerTurn.objects.filter(transcript=transcript, index=2, question__isnull=False).exists()
