"""Decisions racing each other and a suggestion run (PostgreSQL: real row locks between connections)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection

from assist import suggestions
from assist.models import Suggestion, SuggestionStatus
from assist.suggestions import SuggestionDecided, accept_suggestion, generate_suggestions
from coding.selectors import transcript_codings
from interviews.models import Transcript
from tests.conftest import Team

from .suggestion_helpers import make_code, make_rule, processed_transcript

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_reviewers_accepting_at_once_make_one_coding(team: Team) -> None:
    transcript = processed_transcript(team.study)
    make_rule(make_code(team.study, "Explanations"), "SHAP")
    generate_suggestions(Transcript.objects.all(), study=team.study)
    target = Suggestion.objects.order_by("start").first()
    assert target is not None
    start = threading.Barrier(2, timeout=5)
    outcomes: list[str] = []

    def review(user: Any) -> None:
        try:
            start.wait()
            accept_suggestion(suggestion=Suggestion.objects.get(pk=target.pk), user=user)
            outcomes.append("accepted")
        except SuggestionDecided:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=review, args=(u,)) for u in (team.coder, team.owner)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["accepted", "refused"]
    assert transcript_codings(transcript=transcript, user=team.owner).count() == 1
    target.refresh_from_db()
    assert target.status == SuggestionStatus.ACCEPTED


def test_a_run_does_not_bring_back_a_suggestion_accepted_while_it_ranked(
    team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    processed_transcript(team.study)
    make_rule(make_code(team.study, "Explanations"), "SHAP")
    generate_suggestions(Transcript.objects.all(), study=team.study)
    target = Suggestion.objects.order_by("start").first()
    assert target is not None
    planned, decided = threading.Event(), threading.Event()
    real_store = suggestions._store_group

    def store_after_the_decision(*args: Any) -> Any:
        planned.set()
        assert decided.wait(5)
        return real_store(*args)

    monkeypatch.setattr(suggestions, "_store_group", store_after_the_decision)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            generate_suggestions(Transcript.objects.all(), study=team.study)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    assert planned.wait(30), errors
    accept_suggestion(suggestion=target, user=team.coder)
    decided.set()
    thread.join()

    assert not errors, errors
    same = Suggestion.objects.filter(transcript_id=target.transcript_id, start=target.start, code_id=target.code_id)
    assert list(same.values_list("status", flat=True)) == [SuggestionStatus.ACCEPTED]
    assert Suggestion.objects.filter(status=SuggestionStatus.OPEN).count() == 1
