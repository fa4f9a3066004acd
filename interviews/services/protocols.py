"""Interview protocols: ordered questions in sections, and links from turns to questions."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from studies.models import Study

from ..models import Protocol, ProtocolQuestion, SpeakerTurn


@transaction.atomic
def create_protocol(*, study: Study, title: str, description: str = "") -> Protocol:
    title = title.strip()
    if not title:
        raise ValidationError("A protocol needs a title.")
    return Protocol.objects.create(study=study, title=title[:200], description=description)


@transaction.atomic
def update_protocol(*, protocol: Protocol, title: str, description: str) -> Protocol:
    if not title.strip():
        raise ValidationError("A protocol needs a title.")
    protocol.title, protocol.description = title.strip()[:200], description
    protocol.save(update_fields=["title", "description"])
    return protocol


def parse_question_list(text: str) -> list[tuple[str, str]]:
    """Pasted questions, one per line; `# Heading` lines start a section. Bullets and numbers are dropped."""
    import re

    section = ""
    questions: list[tuple[str, str]] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            section = line.lstrip("#").strip()[:200]
            continue
        line = re.sub(r"^(?:[-*•]|\d+[.)])\s+", "", line)
        if line:
            questions.append((section, line))
    return questions


@transaction.atomic
def add_questions(*, protocol: Protocol, text: str) -> list[ProtocolQuestion]:
    parsed = parse_question_list(text)
    if not parsed:
        raise ValidationError("Write at least one question (one per line; # starts a section).")
    start = (protocol.questions.aggregate(m=Max("order"))["m"] or 0) + 1
    return ProtocolQuestion.objects.bulk_create(
        ProtocolQuestion(protocol=protocol, section=section, text=question, order=start + i)
        for i, (section, question) in enumerate(parsed)
    )


@transaction.atomic
def move_question(*, question: ProtocolQuestion, direction: int) -> None:
    questions = list(
        ProtocolQuestion.objects.select_for_update().filter(protocol=question.protocol).order_by("order", "id")
    )
    index = next(i for i, q in enumerate(questions) if q.pk == question.pk)
    other = index + (1 if direction > 0 else -1)
    if not 0 <= other < len(questions):
        return
    questions[index], questions[other] = questions[other], questions[index]
    for order, item in enumerate(questions, start=1):
        if item.order != order:
            item.order = order
            item.save(update_fields=["order"])


@transaction.atomic
def update_question(*, question: ProtocolQuestion, text: str, section: str) -> ProtocolQuestion:
    if not text.strip():
        raise ValidationError("A question needs text.")
    question.text, question.section = text.strip(), section.strip()[:200]
    question.save(update_fields=["text", "section"])
    return question


@transaction.atomic
def delete_question(*, question: ProtocolQuestion) -> None:
    question.delete()


@transaction.atomic
def link_turn(*, turn: SpeakerTurn, question: ProtocolQuestion | None) -> SpeakerTurn:
    if question is not None and question.protocol.study_id != turn.transcript.study_id:
        raise ValidationError("That question is not in this study.")
    turn.question = question
    turn.save(update_fields=["question"])
    return turn
