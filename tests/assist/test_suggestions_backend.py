"""Code suggestions' services: decisions with provenance and rule counters, superseding, undo, stale
text, the queue's order and counts, and suggestions never counted as codings."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from assist.models import Suggestion, SuggestionRule, SuggestionStatus
from assist.selectors import (
    code_model_status,
    open_suggestion_count,
    suggestion_counts,
    suggestion_queue,
    turn_spans,
)
from assist.suggestions import (
    SuggestionDecided,
    accept_suggestion,
    create_rule,
    delete_rule,
    reject_suggestion,
    update_rule,
)
from coding.models import LogEntry
from coding.selectors import codebook_tree, coding_counts, transcript_codings
from coding.services.history import undo_batch, undo_last
from interviews.services.corrections import correct_transcript
from studies.models import Job, JobKind
from tests.conftest import Team

from .suggestion_helpers import make_code, make_rule, make_suggestion, processed_transcript, sentence_with

pytestmark = pytest.mark.django_db


def turn_span(suggestion: Suggestion) -> tuple[int, int]:
    start, end, _speaker, _text = turn_spans([suggestion])[suggestion.pk]
    return start, end


def score(rule: SuggestionRule) -> float:
    rule.refresh_from_db()
    return rule.score


def test_accepting_makes_an_ordinary_coding_by_the_accepting_user_with_provenance(team: Team) -> None:
    transcript = processed_transcript(team.study)
    code = make_code(team.study, "Explanations")
    rule = make_rule(code, "SHAP")
    span = sentence_with(transcript, "SHAP values")
    suggestion = make_suggestion(transcript, code, span, rule=rule, score=0.5)

    coding = accept_suggestion(suggestion=suggestion, user=team.coder)

    live = list(transcript_codings(transcript=transcript, user=team.coder))
    assert live == [coding]
    assert (coding.coder, coding.code, coding.start, coding.end) == (team.coder, code, *span)
    assert coding.retired_at is None and coding.text_version == transcript.text_version
    suggestion.refresh_from_db()
    assert suggestion.status == SuggestionStatus.ACCEPTED and suggestion.decided_by == team.coder
    assert suggestion.coding_uuid == coding.uuid and suggestion.final_code is None and suggestion.final_start is None
    # One history batch: the coding service's own entry and the provenance.
    assert suggestion.decision_batch is not None
    entries = list(LogEntry.objects.filter(batch=suggestion.decision_batch).order_by("pk"))
    assert [(e.object_type, e.action) for e in entries] == [("coding", "apply"), ("suggestion", "accept")]
    assert entries[0].object_uuid == coding.uuid and coding.batch == suggestion.decision_batch
    assert entries[1].summary == "accepted “Explanations” on P1, suggested by rule “SHAP”"
    # The rule counted the acceptance: (1 + 5) / (1 + 0 + 10).
    rule.refresh_from_db()
    assert (rule.accepted, rule.rejected) == (1, 0) and rule.score == pytest.approx(6 / 11)


def test_model_provenance_names_the_model_version(team: Team) -> None:
    transcript = processed_transcript(team.study)
    code = make_code(team.study, "Trust")
    suggestion = make_suggestion(transcript, code, sentence_with(transcript, "trust"), model_version=7)
    accept_suggestion(suggestion=suggestion, user=team.owner)
    assert LogEntry.objects.get(action="accept").summary.endswith("suggested by model v7")


def test_rejecting_counts_against_every_rule_in_the_evidence(team: Team) -> None:
    transcript = processed_transcript(team.study)
    code = make_code(team.study, "Explanations")
    shap, values = make_rule(code, "SHAP"), make_rule(code, "values", accepted=3, rejected=1)
    suggestion = make_suggestion(transcript, code, sentence_with(transcript, "SHAP values"), rule=shap)
    Suggestion.objects.filter(pk=suggestion.pk).update(evidence={"rules": [shap.pk, values.pk], "spans": []})
    suggestion.refresh_from_db()

    rejected = reject_suggestion(suggestion=suggestion, user=team.coder)

    assert rejected.status == SuggestionStatus.REJECTED and rejected.decided_by == team.coder
    assert score(shap) == pytest.approx(5 / 11)  # (0 + 5) / (0 + 1 + 10)
    assert score(values) == pytest.approx(8 / 15)  # (3 + 5) / (3 + 2 + 10)
    assert not transcript_codings(transcript=transcript, user=team.coder).exists()
    assert LogEntry.objects.get(object_type="suggestion").action == "reject"


def test_accepting_as_another_code_codes_that_code_and_counts_a_rejection_for_the_rule(team: Team) -> None:
    transcript = processed_transcript(team.study)
    suggested, other = make_code(team.study, "Explanations"), make_code(team.study, "Data quality")
    rule = make_rule(suggested, "SHAP")
    span = sentence_with(transcript, "leak")
    suggestion = make_suggestion(transcript, suggested, span, rule=rule)

    coding = accept_suggestion(suggestion=suggestion, user=team.coder, code=other)

    assert (coding.code, coding.start, coding.end) == (other, *span)
    suggestion.refresh_from_db()
    assert suggestion.status == SuggestionStatus.ACCEPTED and suggestion.final_code == other
    rule.refresh_from_db()
    assert (rule.accepted, rule.rejected) == (0, 1)
    assert "as “Data quality”" in LogEntry.objects.get(action="accept").summary


def test_accepting_with_another_span_the_whole_turn_or_an_edited_one(team: Team) -> None:
    transcript = processed_transcript(team.study)
    code = make_code(team.study, "Explanations")
    first = make_suggestion(transcript, code, sentence_with(transcript, "SHAP values"))
    turn = turn_span(first)
    assert transcript.text[turn[0] : turn[1]].startswith("We show SHAP") and turn[1] - turn[0] > first.end - first.start

    coding = accept_suggestion(
        suggestion=first, user=team.coder, start=turn[0], end=turn[1], expected_text=transcript.text[turn[0] : turn[1]]
    )
    assert (coding.start, coding.end) == turn
    first.refresh_from_db()
    assert (first.final_start, first.final_end) == turn

    # An edited span whose text does not match the document is refused, and nothing changes.
    second = make_suggestion(transcript, code, sentence_with(transcript, "counterfactual"))
    with pytest.raises(ValidationError, match="does not match"):
        accept_suggestion(suggestion=second, user=team.coder, start=second.start, end=second.end, expected_text="nope")
    second.refresh_from_db()
    assert second.status == SuggestionStatus.OPEN
    assert transcript_codings(transcript=transcript, user=team.coder).count() == 1


def test_deciding_twice_is_refused_with_a_clear_message(team: Team) -> None:
    transcript = processed_transcript(team.study)
    code = make_code(team.study, "Explanations")
    rule = make_rule(code, "SHAP")
    suggestion = make_suggestion(transcript, code, sentence_with(transcript, "SHAP values"), rule=rule)
    stale_copy = Suggestion.objects.get(pk=suggestion.pk)  # what a second reviewer's page holds
    accept_suggestion(suggestion=suggestion, user=team.coder)

    with pytest.raises(SuggestionDecided, match="Someone already decided"):
        reject_suggestion(suggestion=stale_copy, user=team.owner)
    with pytest.raises(SuggestionDecided):
        accept_suggestion(suggestion=stale_copy, user=team.owner)
    rule.refresh_from_db()
    assert (rule.accepted, rule.rejected) == (1, 0)
    assert transcript_codings(transcript=transcript, user=team.owner).count() == 1

    # One a run no longer makes is not said to be "decided by someone".
    gone = make_suggestion(transcript, code, sentence_with(transcript, "leak"), rule=rule)
    Suggestion.objects.filter(pk=gone.pk).delete()
    with pytest.raises(SuggestionDecided, match="no longer made"):
        reject_suggestion(suggestion=gone, user=team.owner)


def test_accepting_supersedes_other_open_suggestions_of_the_code_on_the_coded_span(team: Team) -> None:
    transcript = processed_transcript(team.study)
    code, other = make_code(team.study, "Explanations"), make_code(team.study, "Trust")
    first = make_suggestion(transcript, code, sentence_with(transcript, "SHAP values"))
    same_turn = make_suggestion(transcript, code, sentence_with(transcript, "saliency"))
    other_code = make_suggestion(transcript, other, sentence_with(transcript, "saliency"))
    elsewhere = make_suggestion(transcript, code, sentence_with(transcript, "counterfactual"))
    start, end = turn_span(first)

    accept_suggestion(suggestion=first, user=team.coder, start=start, end=end)

    statuses = dict(Suggestion.objects.values_list("pk", "status"))
    assert statuses[same_turn.pk] == SuggestionStatus.SUPERSEDED
    assert statuses[other_code.pk] == statuses[elsewhere.pk] == SuggestionStatus.OPEN
    assert [row.suggestion.pk for row in suggestion_queue(study=team.study, user=team.coder, code=code)] == [
        elsewhere.pk
    ]


def test_undoing_an_acceptance_retires_the_coding_and_reopens_the_suggestion(team: Team) -> None:
    transcript = processed_transcript(team.study)
    code = make_code(team.study, "Explanations")
    rule = make_rule(code, "SHAP")
    suggestion = make_suggestion(transcript, code, sentence_with(transcript, "SHAP values"), rule=rule)
    superseded = make_suggestion(transcript, code, sentence_with(transcript, "trust"))
    start, end = turn_span(suggestion)
    accept_suggestion(suggestion=suggestion, user=team.coder, start=start, end=end)
    suggestion.refresh_from_db()
    assert suggestion.decision_batch is not None

    undo_batch(study=team.study, user=team.coder, batch=suggestion.decision_batch)

    assert not transcript_codings(transcript=transcript, user=team.coder).exists()
    suggestion.refresh_from_db()
    assert suggestion.status == SuggestionStatus.OPEN and suggestion.coding_uuid is None
    assert suggestion.decided_by is None and suggestion.final_start is None
    superseded.refresh_from_db()
    assert superseded.status == SuggestionStatus.OPEN
    rule.refresh_from_db()
    assert (rule.accepted, rule.rejected) == (0, 0)
    # Decided again afterwards as usual.
    reject_suggestion(suggestion=suggestion, user=team.coder)
    undo_last(study=team.study, user=team.coder)
    suggestion.refresh_from_db()
    rule.refresh_from_db()
    assert suggestion.status == SuggestionStatus.OPEN and (rule.accepted, rule.rejected) == (0, 0)


def test_suggestions_of_an_older_text_are_hidden_and_cannot_be_accepted(team: Team) -> None:
    transcript = processed_transcript(team.study)
    code = make_code(team.study, "Explanations")
    suggestion = make_suggestion(transcript, code, sentence_with(transcript, "SHAP values"))
    assert open_suggestion_count(study=team.study, transcript=transcript) == 1

    correct_transcript(transcript=transcript, new_text="Intro. " + transcript.text, user=team.owner, expected_version=1)

    assert open_suggestion_count(study=team.study) == 0
    assert len(suggestion_queue(study=team.study, user=team.coder)) == 0
    assert suggestion_counts(team.study) == {"by_transcript": {}, "by_code": {}, "total": 0}
    with pytest.raises(ValidationError, match="corrected since"):
        accept_suggestion(suggestion=suggestion, user=team.coder)
    assert not transcript_codings(transcript=transcript, user=team.coder).exists()


def test_suggestions_are_never_counted_as_codings(team: Team) -> None:
    transcript = processed_transcript(team.study)
    code = make_code(team.study, "Explanations")
    before = (
        coding_counts(study=team.study, user=team.owner, by="code_id"),
        coding_counts(study=team.study, user=team.owner, by="transcript_id"),
        [(row.code.pk, row.count) for row in codebook_tree(study=team.study, user=team.owner)],
    )
    for words in ("SHAP values", "trust", "saliency", "drift", "counterfactual"):
        make_suggestion(transcript, code, sentence_with(transcript, words), score=0.9)
    after = (
        coding_counts(study=team.study, user=team.owner, by="code_id"),
        coding_counts(study=team.study, user=team.owner, by="transcript_id"),
        [(row.code.pk, row.count) for row in codebook_tree(study=team.study, user=team.owner)],
    )
    assert after == before and before[0] == {}
    # Accepted, it counts as the one coding it made.
    accept_suggestion(suggestion=Suggestion.objects.first(), user=team.coder)  # type: ignore[arg-type]
    assert coding_counts(study=team.study, user=team.owner, by="code_id") == {code.pk: 1}


def test_the_queue_by_score_or_uncertainty_with_filters_and_counts(team: Team) -> None:
    transcript = processed_transcript(team.study)
    other = processed_transcript(team.study, [("P2", "We tried LIME once. It was slow.")], title="P2")
    explain, trust = make_code(team.study, "Explanations"), make_code(team.study, "Trust")
    rule = make_rule(explain, "SHAP")
    a = make_suggestion(transcript, explain, sentence_with(transcript, "SHAP values"), score=0.95, rule=rule)
    b = make_suggestion(transcript, trust, sentence_with(transcript, "trust"), score=0.52, model_version=2)
    c = make_suggestion(transcript, explain, sentence_with(transcript, "saliency"), score=0.31)
    d = make_suggestion(other, trust, sentence_with(other, "LIME"), score=0.7)
    decided = make_suggestion(other, explain, sentence_with(other, "slow"), score=0.99)
    reject_suggestion(suggestion=decided, user=team.coder)

    def pks(**filters: object) -> list[int]:
        return [row.suggestion.pk for row in suggestion_queue(study=team.study, user=team.coder, **filters)]  # type: ignore[arg-type]

    assert pks() == [a.pk, d.pk, b.pk, c.pk]
    assert pks(order="uncertainty") == [b.pk, c.pk, d.pk, a.pk]  # |score - 0.5|: .02, .19, .2, .45
    assert pks(transcript=other) == [d.pk]
    assert pks(code=explain) == [a.pk, c.pk]
    assert pks(status="rejected") == [decided.pk]
    counts = suggestion_counts(team.study)
    assert counts == {
        "by_transcript": {transcript.pk: 3, other.pk: 1},
        "by_code": {explain.pk: 2, trust.pk: 2},
        "total": 4,
    }

    row = suggestion_queue(study=team.study, user=team.coder)[0]
    assert row.excerpt == transcript.text[a.start : a.end] and row.excerpt_start == a.start
    assert row.speaker == "P1" and transcript.text[row.turn_start : row.turn_end].startswith("We show SHAP")
    assert row.source_label == "rule “SHAP”, precision 0.50" and row.code_name == "Explanations"
    assert suggestion_queue(study=team.study, user=team.coder)[2].source_label == "model v2, 0.52"


def test_rules_are_validated_and_changes_queue_a_suggestion_run(
    team: Team, django_capture_on_commit_callbacks: Any
) -> None:
    def committed(change: Callable[[], Any]) -> Any:
        """Run `change`, then what it asked for on commit (a job queued, not sent: it stays unstarted)."""
        with django_capture_on_commit_callbacks() as callbacks:
            result = change()
        for callback in callbacks:
            callback()
        return result

    code = make_code(team.study, "Explanations")
    with pytest.raises(ValidationError):
        create_rule(code=code, user=team.coder, kind="regex", pattern="(unclosed")
    with pytest.raises(ValidationError):
        create_rule(code=code, user=team.coder, kind="keyword", pattern="   ")
    foreign = make_code(_other_study(team), "Elsewhere")
    with pytest.raises(ValidationError, match="not in this study"):
        create_rule(code=foreign, user=team.coder, kind="keyword", pattern="SHAP", study=team.study)
    assert not Job.objects.exists()

    # Queued once the change commits (a run reused before then could miss the new rule).
    with django_capture_on_commit_callbacks() as callbacks:
        rule = create_rule(code=code, user=team.coder, kind="keyword", pattern="  SHAP ")
    assert not Job.objects.exists() and len(callbacks) == 1
    callbacks[0]()
    assert (rule.pattern, rule.study, rule.created_by) == ("SHAP", team.study, team.coder)
    runs = Job.objects.filter(kind=JobKind.SUGGEST_RUN)
    assert runs.count() == 1 and runs.get().params == {"all": True}
    # A burst of changes queues no second run while the first has not started.
    SuggestionRule.objects.filter(pk=rule.pk).update(accepted=4, rejected=2)
    rule.refresh_from_db()
    updated = committed(lambda: update_rule(rule=rule, user=team.coder, kind="phrase", pattern="SHAP values"))
    assert (updated.kind, updated.pattern, updated.accepted, updated.rejected) == ("phrase", "SHAP values", 0, 0)
    transcript = processed_transcript(team.study)
    other = make_rule(code, "values")
    alone = make_suggestion(transcript, code, sentence_with(transcript, "leak"), rule=updated)
    shared = make_suggestion(transcript, code, sentence_with(transcript, "SHAP values"), rule=updated)
    Suggestion.objects.filter(pk=shared.pk).update(evidence={"rules": [updated.pk, other.pk]})
    committed(lambda: delete_rule(rule=updated, user=team.coder))
    updated.refresh_from_db()
    assert updated.deleted_at is not None and runs.count() == 1
    # What only the deleted rule suggested goes at once; the run re-ranks the rest.
    assert list(Suggestion.objects.values_list("pk", flat=True)) == [shared.pk]
    assert not any(r.suggestion.pk == alone.pk for r in suggestion_queue(study=team.study, user=team.coder))


def _other_study(team: Team):  # type: ignore[no-untyped-def]
    from tests.factories import make_study

    return make_study(owner=team.owner)


def test_code_model_status_before_and_after_a_model(team: Team) -> None:
    from assist.models import SuggestionModel

    code, rare = make_code(team.study, "Explanations"), make_code(team.study, "Rare")
    assert code_model_status(team.study) == {code.pk: ("needs more examples", 0), rare.pk: ("needs more examples", 0)}
    SuggestionModel.objects.create(
        study=team.study,
        version=1,
        examples=20,
        counts={str(code.pk): 9, str(rare.pk): 2},
        enabled=[code.pk],
        blob=b"x",
    )
    assert code_model_status(team.study) == {code.pk: ("enabled", 9), rare.pk: ("needs more examples", 2)}
