"""Code suggestions' jobs end to end (eager Celery): a run from rules, training then a run from the
model, idempotence, never suggesting what is coded or was rejected, processing queueing a run, and
set-based writes (the same number of queries for 10 and for 200 suggestions)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import uuid4

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assist.models import Suggestion, SuggestionModel, SuggestionRule, SuggestionStatus
from assist.services import process_transcripts, queue_processing
from assist.suggestions import (
    accept_suggestion,
    generate_suggestions,
    queue_suggestions,
    queue_training,
    reject_suggestion,
)
from assist.tasks import suggest_task
from coding.services.codings import apply_coding
from interviews.models import Transcript
from studies.models import Job, JobKind, JobStatus, Study
from tests.assist.test_processing import make_transcript
from tests.conftest import Team

from .suggestion_helpers import make_code, make_rule, processed_transcript, sentence_with, sentences

pytestmark = pytest.mark.django_db

TRUST = [
    "The clinicians trust the model when they see the reasons.",
    "Nobody trusted the scores at first.",
    "Trust grew once the doctors could check a few cases themselves.",
    "I think trust comes from being able to question the model.",
    "They stopped trusting it after one bad week.",
    "Building trust took us most of a year.",
    "The nurses trust a score they can argue with.",
]
DRIFT = [
    "We monitor drift in the input data every week.",
    "The monitoring dashboard shows when the data shifts.",
    "Drift in the lab values broke the model last spring.",
    "We retrain when the monitoring alarms fire.",
    "Data drift is the thing that worries me most.",
    "Our monitoring caught a drift in the age distribution.",
    "Every Monday someone looks at the drift report.",
]
OTHER = ["The weather was nice that day.", "We had lunch in the canteen.", "My office is on the third floor."]


def interview(study: Study, title: str, lines: list[str]) -> Transcript:
    turns = [("Interviewer", "Tell me about it.")]
    turns += [("P", line) for line in lines]
    transcript = make_transcript(study, turns, title=title)
    from assist.services import process_transcripts

    process_transcripts([transcript])
    transcript.refresh_from_db()
    return transcript


def run_on_commit(capture: Any, fn: Callable[[], Any]) -> Any:
    with capture(execute=True):
        return fn()


def test_a_run_from_rules_stores_suggestions_with_evidence_and_is_idempotent(
    team: Team, django_capture_on_commit_callbacks: Any
) -> None:
    transcript = processed_transcript(team.study)
    explain = make_code(team.study, "Explanations")
    rule = make_rule(explain, "SHAP")

    job = run_on_commit(
        django_capture_on_commit_callbacks, lambda: queue_suggestions(study=team.study, user=team.coder)
    )

    job.refresh_from_db()
    assert job.kind == JobKind.SUGGEST_RUN and job.status == JobStatus.DONE, job.error
    found = list(Suggestion.objects.order_by("start"))
    assert [transcript.text[s.start : s.end] for s in found] == [
        "We show SHAP values for every prediction.",
        "SHAP helped us find a leak in the data.",
    ]
    first = found[0]
    assert (first.code, first.source, first.rule, first.status) == (explain, "rule", rule, SuggestionStatus.OPEN)
    assert first.score == pytest.approx(0.5) and first.band == "medium"
    assert first.evidence["rules"] == [rule.pk]
    assert [transcript.text[a:b] for a, b in first.evidence["spans"]] == ["SHAP"]
    assert job.result["suggestions"] == 2 and job.result["transcripts"] == 1
    assert job.result["url"].endswith("/suggestions/")

    # The same job delivered again does nothing; a new run keeps the open ones as they are: same
    # rows, same uuids (a reviewer's open page stays valid across the runs after each training).
    suggest_task.delay(job.pk)
    again = run_on_commit(django_capture_on_commit_callbacks, lambda: queue_suggestions(study=team.study, user=None))
    again.refresh_from_db()
    assert again.status == JobStatus.DONE and again.result["suggestions"] == 2
    assert (again.result["replaced"], again.result["added"], again.result["updated"]) == (0, 0, 0)
    assert sorted(Suggestion.objects.values_list("pk", "uuid", "start", "end", "code_id", "status")) == sorted(
        (s.pk, s.uuid, s.start, s.end, s.code_id, s.status) for s in found
    )


def test_a_run_updates_open_suggestions_in_place_and_removes_only_those_gone(team: Team, client: Any) -> None:
    processed_transcript(team.study)
    explain = make_code(team.study, "Explanations")
    rule = make_rule(explain, "SHAP")
    generate_suggestions(Transcript.objects.all(), study=team.study)
    values, leak = Suggestion.objects.order_by("start")
    # The rule's precision changes (decisions elsewhere) and a second rule matches one sentence.
    SuggestionRule.objects.filter(pk=rule.pk).update(accepted=10)
    make_rule(explain, "leak")

    summary = generate_suggestions(Transcript.objects.all(), study=team.study)

    assert (summary.added, summary.updated, summary.replaced) == (0, 2, 0)
    after = {s.pk: s for s in Suggestion.objects.all()}
    assert set(after) == {values.pk, leak.pk} and after[leak.pk].uuid == leak.uuid
    assert after[values.pk].score > values.score and len(after[leak.pk].evidence["rules"]) == 2

    # The page a reviewer opened before the run still works: accepting the old uuid codes it.
    client.force_login(team.coder)
    url = reverse("assist:accept", args=[team.study.slug, leak.uuid])
    response = client.post(url, {"next": reverse("assist:queue", args=[team.study.slug])})
    assert response.status_code == 302
    assert Suggestion.objects.get(pk=leak.pk).status == SuggestionStatus.ACCEPTED

    # A rule deleted outright: only what nothing makes any more is removed.
    SuggestionRule.objects.update(deleted_at=timezone.now())
    summary = generate_suggestions(Transcript.objects.all(), study=team.study)
    assert summary.replaced == 1 and list(Suggestion.objects.values_list("pk", flat=True)) == [leak.pk]


def test_a_run_never_suggests_what_is_coded_or_was_rejected_there(team: Team) -> None:
    transcript = processed_transcript(team.study)
    explain = make_code(team.study, "Explanations")
    make_rule(explain, "SHAP")
    generate_suggestions(Transcript.objects.all(), study=team.study)
    first, _ = Suggestion.objects.order_by("start")
    reject_suggestion(suggestion=first, user=team.coder)
    # Coded by hand (by someone else), not through the suggestion.
    start, end = sentence_with(transcript, "leak")
    apply_coding(transcript=transcript, code=explain, start=start, end=end, coder=team.owner)

    summary = generate_suggestions(Transcript.objects.all(), study=team.study)

    assert summary.suggestions == 0
    assert list(Suggestion.objects.values_list("pk", "status")) == [(first.pk, SuggestionStatus.REJECTED)]


def test_decided_suggestions_survive_a_run(team: Team) -> None:
    processed_transcript(team.study)
    explain = make_code(team.study, "Explanations")
    make_rule(explain, "SHAP")
    generate_suggestions(Transcript.objects.all(), study=team.study)
    first = Suggestion.objects.order_by("start").first()
    assert first is not None
    coding = accept_suggestion(suggestion=first, user=team.coder)
    generate_suggestions(Transcript.objects.all(), study=team.study)
    first.refresh_from_db()
    assert first.status == SuggestionStatus.ACCEPTED and first.coding_uuid == coding.uuid
    assert Suggestion.objects.filter(status=SuggestionStatus.OPEN).count() == 1


def test_training_stores_a_model_then_a_run_suggests_from_it(
    team: Team, django_capture_on_commit_callbacks: Any
) -> None:
    trust, drift = make_code(team.study, "Trust"), make_code(team.study, "Monitoring")
    coded = [
        interview(team.study, "A", TRUST[:4] + DRIFT[:4] + OTHER),
        interview(team.study, "B", TRUST[4:6] + DRIFT[4:6] + OTHER[:1]),
    ]
    for transcript in coded:
        for start, end in sentences(transcript):
            text = transcript.text[start:end]
            code = trust if text in TRUST else drift if text in DRIFT else None
            if code is not None:
                apply_coding(transcript=transcript, code=code, start=start, end=end, coder=team.coder)
    fresh = interview(team.study, "C", [TRUST[6], DRIFT[6], OTHER[2]])

    job = run_on_commit(django_capture_on_commit_callbacks, lambda: queue_training(study=team.study, user=team.owner))

    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.error
    model = SuggestionModel.objects.get(study=team.study)
    assert model.version == 1 and sorted(model.enabled) == sorted([trust.pk, drift.pk])
    assert model.counts == {str(trust.pk): 6, str(drift.pk): 6} and len(model.blob) > 0
    assert job.result["version"] == 1 and job.result["enabled"] == 2
    run = Job.objects.get(kind=JobKind.SUGGEST_RUN)
    assert run.status == JobStatus.DONE and run.created_by == team.owner, run.error
    suggested = {
        (fresh.text[s.start : s.end], s.code_id)
        for s in Suggestion.objects.filter(transcript=fresh).order_by("-score")
        if s.band in ("high", "medium")
    }
    assert (TRUST[6], trust.pk) in suggested and (DRIFT[6], drift.pk) in suggested
    best = Suggestion.objects.filter(transcript=fresh, start=sentence_with(fresh, "nurses")[0]).order_by("-score")[0]
    assert best.code == trust and best.source == "model" and best.model_version == 1
    assert best.evidence["similar"] and all(code == trust.pk for _, code, _ in best.evidence["similar"])
    # Coded transcripts get no suggestion of what is already coded there.
    for s in Suggestion.objects.filter(transcript__in=coded):
        text = s.transcript.text[s.start : s.end]
        assert not ((text in TRUST and s.code == trust) or (text in DRIFT and s.code == drift))

    # Training again makes version 2 (the same job delivered again does nothing).
    from assist.tasks import train_suggestions_task

    train_suggestions_task.delay(job.pk)
    assert SuggestionModel.objects.count() == 1
    run_on_commit(django_capture_on_commit_callbacks, lambda: queue_training(study=team.study, user=team.owner))
    assert list(SuggestionModel.objects.order_by("version").values_list("version", flat=True)) == [1, 2]
    # Only the current version keeps its fitted model (and the study's vocabulary inside it).
    blobs = dict(SuggestionModel.objects.values_list("version", "blob"))
    assert bytes(blobs[1]) == b"" and len(blobs[2]) > 0


def test_training_without_enough_examples_stores_counts_only(
    team: Team, django_capture_on_commit_callbacks: Any
) -> None:
    trust = make_code(team.study, "Trust")
    transcript = interview(team.study, "A", TRUST[:3])
    for start, end in sentences(transcript)[1:]:
        apply_coding(transcript=transcript, code=trust, start=start, end=end, coder=team.coder)
    job = run_on_commit(django_capture_on_commit_callbacks, lambda: queue_training(study=team.study, user=team.owner))
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.error
    model = SuggestionModel.objects.get()
    assert model.enabled == [] and model.counts == {str(trust.pk): 3}
    assert not Suggestion.objects.exists()


def test_processing_a_transcript_queues_suggestions_when_the_study_uses_them(
    team: Team, django_capture_on_commit_callbacks: Any
) -> None:
    transcript = make_transcript(team.study, [("P1", "We show SHAP values. Nothing else.")])
    run_on_commit(django_capture_on_commit_callbacks, lambda: queue_processing(study=team.study, user=team.coder))
    assert not Job.objects.filter(kind=JobKind.SUGGEST_RUN).exists()  # no rules, no model: nothing to suggest

    make_rule(make_code(team.study, "Explanations"), "SHAP")
    run_on_commit(
        django_capture_on_commit_callbacks,
        lambda: queue_processing(study=team.study, user=team.coder, transcripts=[transcript]),
    )
    run = Job.objects.get(kind=JobKind.SUGGEST_RUN)
    assert run.status == JobStatus.DONE and run.params == {"transcripts": [str(transcript.uuid)]}, run.error
    assert Suggestion.objects.get().start == transcript.text.index("We show")


def _study_with_suggestions(team: Team, n_sentences: int) -> Study:
    """A transcript of `n_sentences` sentences that a keyword rule matches each of."""
    from tests.factories import make_study

    study = make_study(owner=team.owner)
    speech = " ".join(f"Sentence {i} mentions SHAP." for i in range(n_sentences))
    interview(study, f"T{n_sentences}", [speech])
    make_rule(make_code(study, "Explanations"), "SHAP")
    return study


def test_a_run_stores_with_a_constant_number_of_queries(team: Team) -> None:
    counts = []
    for n in (10, 200):
        study = _study_with_suggestions(team, n)
        with CaptureQueriesContext(connection) as queries:
            summary = generate_suggestions(Transcript.objects.filter(study=study), study=study)
        assert summary.suggestions == n
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_the_queue_reads_a_page_with_a_constant_number_of_queries(team: Team) -> None:
    from assist.selectors import suggestion_queue

    counts = []
    for n in (10, 200):
        study = _study_with_suggestions(team, n)
        generate_suggestions(Transcript.objects.filter(study=study), study=study)
        queue = suggestion_queue(study=study, user=team.owner)
        with CaptureQueriesContext(connection) as queries:
            assert len(queue) == n
            rows = queue[0:50]
            assert [r.excerpt for r in rows][:1] == ["Sentence 0 mentions SHAP."]
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 4, counts


def test_a_training_job_started_again_after_its_worker_died_stores_one_version(team: Team) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from assist.tasks import train_suggestions_task

    trust = make_code(team.study, "Trust")
    transcript = interview(team.study, "A", TRUST)
    for start, end in sentences(transcript)[1:]:
        apply_coding(transcript=transcript, code=trust, start=start, end=end, coder=team.coder)
    job = Job.objects.create(study=team.study, kind=JobKind.SUGGEST_TRAIN, params={"all": True}, created_by=team.owner)
    long_ago = timezone.now() - timedelta(hours=1)
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.RUNNING, attempts=1, started_at=long_ago, heartbeat_at=long_ago
    )

    train_suggestions_task.delay(job.pk)
    train_suggestions_task.delay(job.pk)  # delivered once more: the job is done, nothing happens

    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.attempts == 2, job.error
    assert list(SuggestionModel.objects.values_list("version", "enabled")) == [(1, [trust.pk])]


def test_reprocessing_a_study_from_the_command_line_queues_its_suggestions(team: Team) -> None:
    import io

    from django.core.management import call_command

    make_transcript(team.study, [("P1", "We show SHAP values. Nothing else.")])
    out = io.StringIO()
    call_command("process_nlp", "--study", team.study.slug, stdout=out, stderr=io.StringIO())
    assert not Job.objects.filter(kind=JobKind.SUGGEST_RUN).exists()  # no rules, no model

    make_rule(make_code(team.study, "Explanations"), "SHAP")
    call_command("process_nlp", "--study", team.study.slug, stdout=out, stderr=io.StringIO())
    run = Job.objects.get(kind=JobKind.SUGGEST_RUN)
    assert run.params == {"all": True} and out.getvalue().endswith(f"{team.study.slug}: code suggestions queued.\n")


def test_rejections_outlive_a_text_correction(team: Team) -> None:
    transcript = processed_transcript(team.study)
    explain = make_code(team.study, "Explanations")
    rule = make_rule(explain, "SHAP")
    generate_suggestions(Transcript.objects.all(), study=team.study)
    for suggestion in Suggestion.objects.all():
        reject_suggestion(suggestion=suggestion, user=team.coder)
    rejected = {s.pk: transcript.text[s.start : s.end] for s in Suggestion.objects.all()}

    # A correction before both sentences (and one at the very end, which moves the last sentence's end).
    from interviews.services.corrections import correct_transcript

    new_text = "Recorded in May. " + transcript.text + "."
    correct_transcript(transcript=transcript, new_text=new_text, user=team.owner, expected_version=1)
    transcript.refresh_from_db()
    process_transcripts([transcript])

    summary = generate_suggestions(Transcript.objects.all(), study=team.study)

    assert summary.suggestions == 0
    moved = {s.pk: s for s in Suggestion.objects.all()}
    assert set(moved) == set(rejected)
    for pk, words in rejected.items():
        s = moved[pk]
        assert s.status == SuggestionStatus.REJECTED and s.text_version == 2
        assert transcript.text[s.start : s.end] == words
        assert [transcript.text[a:b] for a, b in s.evidence["spans"]] == ["SHAP"]
    rule.refresh_from_db()
    assert rule.rejected == 2
    # The next model still learns them as negatives.
    from assist.suggest.examples import build_examples

    negatives = [e.text for e in build_examples(team.study) if explain.pk in e.negative_codes]
    assert sorted(negatives) == sorted(rejected.values())


def test_carrying_decided_suggestions_is_set_based(team: Team, django_assert_max_num_queries: Any) -> None:
    from assist.suggestions import carry_decided

    transcript = processed_transcript(team.study)
    codes = [make_code(team.study, f"C{i}") for i in range(6)]
    spans = sentences(transcript)
    made = [
        Suggestion(
            study=team.study, transcript=transcript, text_version=1, start=s, end=e, code=c, score=0.5,
            band="medium", source="rule", evidence={"spans": [[s, s + 1]]}, status=SuggestionStatus.REJECTED,
            run=uuid4(),
        )
        for c in codes for s, e in spans
    ]  # fmt: skip
    Suggestion.objects.bulk_create(made)
    with django_assert_max_num_queries(3):
        moved = carry_decided(
            transcript=transcript, old_version=1, new_version=2, new_length=len(transcript.text) + 3,
            map_span=lambda s, e: (s + 3, e + 3, False),
        )  # fmt: skip
    assert moved == len(made) and set(Suggestion.objects.values_list("text_version", flat=True)) == {2}


def test_a_regex_rule_that_runs_out_of_time_keeps_its_suggestions_and_says_so(team: Team, monkeypatch: Any) -> None:
    import coding.patterns

    processed_transcript(team.study)
    explain = make_code(team.study, "Explanations")
    rule = make_rule(explain, "SHAP", kind="regex")
    generate_suggestions(Transcript.objects.all(), study=team.study)
    before = sorted(Suggestion.objects.values_list("pk", "uuid"))
    assert len(before) == 2

    monkeypatch.setattr(coding.patterns, "search_deadline", lambda: 0.0)  # every search is already late
    summary = generate_suggestions(Transcript.objects.all(), study=team.study)

    assert summary.timed_out_rules == [rule.pk] and summary.replaced == 0
    assert sorted(Suggestion.objects.values_list("pk", "uuid")) == before
    rule.refresh_from_db()
    assert rule.timed_out_at is not None
    page = team.client("coder").get(reverse("coding:code_detail", args=[team.study.slug, explain.uuid]))
    assert "ran out of time on some text" in page.content.decode()

    monkeypatch.undo()  # in time again: a run over the whole study clears the mark
    generate_suggestions(Transcript.objects.all(), study=team.study)
    rule.refresh_from_db()
    assert rule.timed_out_at is None and sorted(Suggestion.objects.values_list("pk", "uuid")) == before
