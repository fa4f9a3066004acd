"""protocol_list, protocol_detail (its edit actions) and protocol_delete."""

from __future__ import annotations

import pytest
from django.urls import reverse

from interviews.models import Protocol, ProtocolQuestion
from interviews.services.protocols import parse_question_list
from tests.conftest import Team, csrf_post


def test_parse_question_list() -> None:
    text = "# Background\n1. What is your role?\n- How long?\n\n# Interpretability\n• Do you use SHAP?\n"
    assert parse_question_list(text) == [
        ("Background", "What is your role?"),
        ("Background", "How long?"),
        ("Interpretability", "Do you use SHAP?"),
    ]


@pytest.mark.django_db
def test_create_with_bulk_questions_then_reorder_edit_delete(team: Team) -> None:
    client = team.client("coder")
    response = csrf_post(client, reverse("interviews:protocol_list", args=[team.study.slug]),
                         {"title": "Main", "questions": "# A\nFirst?\nSecond?\n# B\nThird?"})  # fmt: skip
    protocol = Protocol.objects.get()
    assert response.status_code == 302
    q = list(protocol.questions.order_by("order"))
    assert [(x.section, x.text) for x in q] == [("A", "First?"), ("A", "Second?"), ("B", "Third?")]
    url = protocol.get_absolute_url()
    csrf_post(client, url, {"action": "down", "question": q[0].pk})
    assert list(protocol.questions.order_by("order").values_list("text", flat=True)) == ["Second?", "First?", "Third?"]
    csrf_post(client, url, {"action": "edit", "question": q[2].pk, "text": "Third, reworded?", "section": "B"})
    csrf_post(client, url, {"action": "delete", "question": q[1].pk})
    assert list(protocol.questions.order_by("order").values_list("text", flat=True)) == ["First?", "Third, reworded?"]
    body = team.client("viewer").get(url).content.decode()
    assert "Third, reworded?" in body and "Move up" not in body


@pytest.mark.django_db
def test_empty_title_and_unknown_action(team: Team) -> None:
    response = csrf_post(
        team.client("coder"), reverse("interviews:protocol_list", args=[team.study.slug]), {"title": " "}
    )
    assert response.status_code == 400 and "needs a title" in response.content.decode()
    protocol = Protocol.objects.create(study=team.study, title="P")
    assert csrf_post(team.client("coder"), protocol.get_absolute_url(), {"action": "explode"}).status_code == 400


@pytest.mark.django_db
def test_delete_protocol(team: Team) -> None:
    protocol = Protocol.objects.create(study=team.study, title="P")
    ProtocolQuestion.objects.create(protocol=protocol, text="Q?")
    url = reverse("interviews:protocol_delete", args=[team.study.slug, protocol.uuid])
    assert csrf_post(team.client("coder"), url).status_code == 302
    assert not Protocol.objects.exists() and not ProtocolQuestion.objects.exists()
