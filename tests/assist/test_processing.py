"""Storing NLP results: offsets, speech only, idempotence, staleness, query counts, the job, the command."""

from __future__ import annotations

import contextlib
import hashlib
import io
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assist import services
from assist.models import TechniqueMention, TextAnalysis
from assist.selectors import (
    current_analysis,
    technique_mentions,
    transcript_mentions,
    transcript_sentences,
    unprocessed_transcripts,
)
from assist.services import process_transcripts, queue_processing, speech_only
from assist.tasks import process_nlp_task
from interviews.models import Speaker, SpeakerTurn, Transcript
from interviews.services.corrections import correct_transcript
from interviews.services.imports import import_transcript
from studies.jobs import create_job
from studies.models import Job, JobKind, JobStatus, Study
from tests.conftest import Team
from tests.factories import make_study

pytestmark = pytest.mark.django_db

# Code points that are two UTF-16 units (emoji) or combine (e + U+0301) before the mentions: offsets
# are code points into the canonical text, not bytes or UTF-16 units.
TURNS = [
    ("Interviewer", "Did you try LIME? 👍🏽 Tell me."),
    ("P1", "Yes. We used SHAP values, e\u0301 included. Then integrated gradients!"),
]


def make_transcript(study: Study, turns: list[tuple[str, str]] = TURNS, title: str = "P1") -> Transcript:
    """A transcript laid out as the importer lays it out: "Label: speech" turns, blank lines between."""
    parts: list[str] = []
    spans: list[tuple[str, int, int]] = []
    position = 0
    for label, speech in turns:
        if parts:
            parts.append("\n\n")
            position += 2
        prefix = f"{label}: "
        parts.append(prefix + speech)
        spans.append((label, position + len(prefix), position + len(prefix) + len(speech)))
        position += len(prefix) + len(speech)
    text = "".join(parts)
    transcript = Transcript.objects.create(
        study=study, title=title, text=text, text_sha256=hashlib.sha256(text.encode()).hexdigest(),
        char_count=len(text), word_count=sum(len(s.split()) for _, s in turns),
    )  # fmt: skip
    speakers = {label: Speaker.objects.get_or_create(transcript=transcript, label=label)[0] for label, _ in turns}
    SpeakerTurn.objects.bulk_create(
        SpeakerTurn(transcript=transcript, index=i, speaker=speakers[label], start=start, end=end)
        for i, (label, start, end) in enumerate(spans)
    )
    return transcript


def stored(transcript: Transcript) -> list[tuple[Any, ...]]:
    return list(
        TechniqueMention.objects.filter(transcript=transcript)
        .order_by("start")
        .values_list("start", "end", "technique", "text", "text_version", "pipeline_version")
    )


def test_sentences_and_mentions_are_stored_at_code_point_offsets(team: Team) -> None:
    transcript = make_transcript(team.study)
    summary = process_transcripts([transcript])

    text = transcript.text
    found = {(m.technique, text[m.start : m.end]) for m in transcript_mentions(transcript)}
    assert {"lime", "shap", "integrated-gradients"} <= {slug for slug, _ in found}
    for mention in transcript_mentions(transcript):
        assert text[mention.start : mention.end] == mention.text
    lime = transcript_mentions(transcript).get(technique="lime")
    assert (lime.start, lime.end) == (text.index("LIME"), text.index("LIME") + 4)
    gradients = transcript_mentions(transcript).get(technique="integrated-gradients")
    assert text[gradients.start : gradients.end].lower() == "integrated gradients"

    sentences = transcript_sentences(transcript)
    assert sentences is not None
    assert [text[s:e].strip() for s, e in sentences] == [
        "Did you try LIME?", "👍🏽 Tell me.", "Yes.", "We used SHAP values, e\u0301 included.", "Then integrated gradients!",
    ]  # fmt: skip
    assert summary.transcripts == 1 and summary.sentences == 5 and summary.mentions == len(found)
    analysis = current_analysis(transcript)
    assert analysis is not None and analysis.word_count == transcript.word_count and analysis.mention_count == 3
    assert abs(timezone.now() - analysis.processed_at) < timedelta(minutes=1)  # stored raw, read back aware


def test_speaker_labels_are_not_read(team: Team) -> None:
    transcript = make_transcript(team.study, [("LIME", "Hello there."), ("SHAP", "We rely on LIME.")])
    process_transcripts([transcript])
    text = transcript.text
    assert [(m.technique, m.start) for m in transcript_mentions(transcript)] == [("lime", text.rindex("LIME"))]
    # No sentence starts in a label: every one lies inside a speaker turn.
    turns = list(transcript.turns.values_list("start", "end"))
    for start, end in transcript_sentences(transcript) or []:
        assert any(t0 <= start and end <= t1 for t0, t1 in turns)


def test_a_transcript_without_turns_is_read_whole(team: Team) -> None:
    text = "Notes: they compared LIME with SHAP."
    transcript = Transcript.objects.create(study=team.study, title="notes", text=text, char_count=len(text))
    process_transcripts([transcript])
    assert [m.technique for m in transcript_mentions(transcript)] == ["lime", "shap"]


def test_a_very_long_turn_is_read_in_pieces_with_offsets_into_the_whole_text(team: Team) -> None:
    speech = "we " * 120_000 + "tried LIME."  # past spaCy's max_length for one document
    transcript = make_transcript(team.study, [("Interviewer", "Hello."), ("P1", speech)])
    process_transcripts([transcript])
    (lime,) = transcript_mentions(transcript)
    assert lime.start == transcript.text.index("LIME") and lime.end == lime.start + 4


def test_speech_only_cuts_sentences_at_turns_and_drops_mentions_in_labels() -> None:
    text = "I: Why\n\nP1: Because LIME. Fine"
    turns = [(3, 6), (text.index("Because"), len(text))]
    lime, fine = text.index("LIME"), text.index("Fine")
    # A "sentence" from the first turn across the label into the second (no full stop after "Why"), and
    # one inside the label.
    sentences, mentions = speech_only(
        [(3, lime + 5), (fine, len(text)), (8, 11)], [(8, 10, "x", "P1"), (lime, lime + 4, "lime", "LIME")], turns, text
    )
    assert [text[s:e] for s, e in sentences] == ["Why", "Because LIME.", "Fine"]
    assert mentions == [(lime, lime + 4, "lime", "LIME")]
    assert speech_only([(0, 3)], [(0, 3, "x", "abc")], [], "abc") == ([(0, 3)], [(0, 3, "x", "abc")])


def test_processing_again_stores_the_same_rows_once(team: Team) -> None:
    transcript = make_transcript(team.study)
    process_transcripts([transcript])
    first, analyses = stored(transcript), list(TextAnalysis.objects.values_list("transcript", "sentences"))
    process_transcripts(Transcript.objects.filter(pk=transcript.pk))
    assert stored(transcript) == first and len(first) >= 3
    assert list(TextAnalysis.objects.values_list("transcript", "sentences")) == analyses


def test_a_job_started_again_after_its_worker_died_stores_its_rows_once(team: Team) -> None:
    transcript = make_transcript(team.study)
    job = Job.objects.create(study=team.study, kind=JobKind.NLP_PROCESS, params={"transcripts": [str(transcript.uuid)]})
    # The first attempt stored its results and died before finishing the job.
    process_transcripts([transcript])
    before = stored(transcript)
    long_ago = timezone.now() - timedelta(hours=1)
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.RUNNING, attempts=1, started_at=long_ago, heartbeat_at=long_ago
    )

    process_nlp_task.delay(job.pk)

    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.attempts == 2
    assert stored(transcript) == before and TextAnalysis.objects.count() == 1
    assert job.result["transcripts"] == 1 and job.result["mentions"] == len(before)


def test_results_of_an_older_text_or_pipeline_are_not_shown(team: Team, monkeypatch: pytest.MonkeyPatch) -> None:
    transcript = make_transcript(team.study)
    other = make_transcript(team.study, [("P2", "LIME again.")], title="P2")
    process_transcripts([transcript, other])
    assert technique_mentions(team.study, "lime").count() == 2

    correct_transcript(transcript=transcript, new_text="Intro. " + transcript.text, user=team.owner, expected_version=1)
    transcript.refresh_from_db()
    assert transcript_mentions(transcript).count() == 0 and current_analysis(transcript) is None
    assert transcript_sentences(transcript) is None
    assert [m.transcript_id for m in technique_mentions(team.study, "lime")] == [other.pk]
    assert list(unprocessed_transcripts(team.study)) == [transcript]

    process_transcripts(unprocessed_transcripts(team.study))
    lime = transcript_mentions(transcript).get(technique="lime")
    assert transcript.text[lime.start : lime.end] == "LIME" and lime.text_version == 2
    assert technique_mentions(team.study, "lime").count() == 2 and not unprocessed_transcripts(team.study).exists()

    import assist.pipeline

    monkeypatch.setattr(assist.pipeline, "PIPELINE_VERSION", "a-newer-vocabulary")
    assert technique_mentions(team.study).count() == 0 and transcript_mentions(transcript).count() == 0
    assert unprocessed_transcripts(team.study).count() == 2


def test_technique_mentions_of_a_study_leave_out_other_studies(team: Team) -> None:
    elsewhere = make_study("Elsewhere", owner=team.owner, slug="elsewhere")
    mine, theirs = make_transcript(team.study), make_transcript(elsewhere)
    process_transcripts([mine, theirs])
    assert {m.transcript_id for m in technique_mentions(team.study)} == {mine.pk}
    assert set(technique_mentions(team.study, "shap").values_list("technique", flat=True)) == {"shap"}


def test_a_text_corrected_while_it_was_analysed_is_not_stored(team: Team, monkeypatch: pytest.MonkeyPatch) -> None:
    transcript = make_transcript(team.study)
    real = services._analyse_group

    def analyse_then_correct(ids: list[int], words: dict[int, int], on: Callable[[int], None]) -> Any:
        results = real(ids, words, on)
        Transcript.objects.filter(pk=transcript.pk).update(text_version=F("text_version") + 1)
        return results

    monkeypatch.setattr(services, "_analyse_group", analyse_then_correct)
    summary = process_transcripts([transcript])
    assert (summary.transcripts, summary.skipped) == (0, 1)
    assert not TextAnalysis.objects.exists() and not TechniqueMention.objects.exists()


def test_storing_takes_as_many_queries_for_twenty_transcripts_as_for_one(team: Team) -> None:
    one = [make_transcript(team.study, title="solo")]
    many = [
        make_transcript(team.study, [(f"P{i}", "We use LIME and SHAP. " * (i + 1)), ("I", "Saliency maps?")], f"T{i}")
        for i in range(20)
    ]
    process_transcripts(one)  # spaCy is loaded outside the counted runs

    def count(transcripts: list[Transcript]) -> int:
        with CaptureQueriesContext(connection) as queries:
            process_transcripts(transcripts)
        return len(queries)

    assert count(one) == count(many)
    assert TechniqueMention.objects.filter(transcript__in=many).count() == sum(2 * (i + 1) + 1 for i in range(20))


@pytest.fixture
def processing_on(settings: Any) -> None:
    settings.THEMATICA_NLP_ON_TEXT_CHANGE = True


INTERVIEW = (
    b"Interviewer: Do you use LIME?\n\nP1: Yes, and SHAP.\n\nInterviewer: Why?\n\nP1: Saliency maps confuse us.\n"
)


@pytest.mark.usefixtures("processing_on")
def test_an_import_and_a_correction_queue_processing_on_commit(
    team: Team, django_capture_on_commit_callbacks: Any
) -> None:
    other = make_transcript(team.study, title="imported before")
    with django_capture_on_commit_callbacks(execute=True):
        transcript = import_transcript(study=team.study, filename="p1.txt", data=INTERVIEW, user=team.coder).transcript
        job = Job.objects.get(kind=JobKind.NLP_PROCESS)
        assert job.status == JobStatus.QUEUED and not TextAnalysis.objects.exists()  # nothing before commit
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.created_by == team.coder
    assert job.params == {"transcripts": [str(transcript.uuid)]} and job.result["transcripts"] == 1
    assert current_analysis(other) is None  # only the imported transcript
    assert {m.technique for m in transcript_mentions(transcript)} == {"lime", "shap", "saliency-maps"}
    assert job.result["url"] == transcript.get_absolute_url()
    assert job.result["link_text"] == f"Open “{transcript.title}” (3 technique mentions)"

    with django_capture_on_commit_callbacks(execute=True):
        correct_transcript(
            transcript=transcript, new_text=transcript.text.replace("LIME", "LIME or SHAP"), user=team.owner,
            expected_version=1,
        )  # fmt: skip
    assert Job.objects.filter(kind=JobKind.NLP_PROCESS, status=JobStatus.DONE).count() == 2
    assert [m.technique for m in transcript_mentions(transcript)].count("shap") == 2


def test_no_job_is_queued_when_processing_on_text_change_is_off(team: Team) -> None:
    import_transcript(study=team.study, filename="p1.txt", data=INTERVIEW, user=team.coder)
    assert not Job.objects.filter(kind=JobKind.NLP_PROCESS).exists()


def test_a_study_job_processes_every_transcript_and_reports_progress(
    team: Team, django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    transcripts = [make_transcript(team.study, title=f"T{i}") for i in range(3)]
    reported: list[tuple[int, str]] = []
    import assist.tasks

    def record(job: Job, progress: int, message: str = "") -> None:
        reported.append((progress, message))

    monkeypatch.setattr(assist.tasks, "report_progress", record)
    monkeypatch.setattr(assist.tasks, "PROGRESS_EVERY_S", 0)
    with django_capture_on_commit_callbacks(execute=True):
        job = queue_processing(study=team.study, user=team.owner)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.result["transcripts"] == 3
    assert job.result["by_technique"]["lime"] == 3 and job.result["url"] == "/studies/interp/documents/"
    assert job.result["link_text"] == f"3 transcripts processed ({job.result['mentions']} technique mentions)"
    assert TextAnalysis.objects.filter(transcript__in=transcripts).count() == 3
    words = sum(t.word_count for t in transcripts)
    assert reported[-1] == (100, f"3/3 transcripts, {words:,} words") and len(reported) == 4


def test_a_job_past_its_soft_time_limit_fails_pointing_at_the_command(
    team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    import assist.tasks

    def too_long(*args: Any, **kwargs: Any) -> None:
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(assist.tasks, "process_transcripts", too_long)
    job = create_job(study=team.study, kind=JobKind.NLP_PROCESS, user=None, params={"all": True})
    process_nlp_task.delay(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.error.startswith("The text processing took longer than 30 minutes and was stopped.")
    assert "`manage.py process_nlp` processes a study without a time limit" in job.error


def test_the_command_processes_a_study_with_progress_on_stderr(team: Team) -> None:
    first, second = make_transcript(team.study, title="A"), make_transcript(team.study, title="B")
    out, err = io.StringIO(), io.StringIO()
    call_command("process_nlp", "--study", "interp", stdout=out, stderr=err)
    assert out.getvalue().startswith("interp: 2 transcript(s) processed, ")
    assert "technique mention(s)" in out.getvalue() and "words/s" in out.getvalue()
    assert (
        err.getvalue().splitlines()[-1].startswith(f"2/2 transcripts, {first.word_count + second.word_count:,} words, ")
    )
    assert TextAnalysis.objects.count() == 2

    # --stale: only what is not current.
    correct_transcript(transcript=second, new_text=second.text + " More.", user=None, expected_version=1)
    out = io.StringIO()
    call_command("process_nlp", "--study", "interp", "--stale", stdout=out, stderr=io.StringIO())
    assert out.getvalue().startswith("interp: 1 transcript(s) processed, ")
    assert not unprocessed_transcripts(team.study).exists()


def test_the_command_refuses_unknown_studies_and_missing_choices(team: Team) -> None:
    with pytest.raises(CommandError, match="No study with the slug nope"):
        call_command("process_nlp", "--study", "nope")
    with pytest.raises(CommandError, match="--all-studies"):
        call_command("process_nlp")
    with pytest.raises(CommandError, match="--all-studies"):
        call_command("process_nlp", "--study", "interp", "--all-studies")


def test_the_command_processes_all_studies(team: Team) -> None:
    make_study("Second", owner=team.owner, slug="second")
    make_transcript(team.study)
    out = io.StringIO()
    call_command("process_nlp", "--all-studies", stdout=out, stderr=io.StringIO())
    assert out.getvalue().splitlines()[0].startswith("interp: 1 transcript(s)")
    assert out.getvalue().splitlines()[1] == "second: no transcripts to process."


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_attempts_storing_at_once_leave_one_set_of_rows(team: Team, monkeypatch: pytest.MonkeyPatch) -> None:
    """A redelivered job racing the attempt it replaces: both reach the insert together unless the
    transcript's row lock makes the second wait (then it replaces the first's rows)."""
    transcript = make_transcript(team.study)
    process_transcripts([transcript])  # spaCy loaded before the race
    expected = stored(transcript)
    TechniqueMention.objects.all().delete()
    both_at_insert = threading.Barrier(2, timeout=1.5)
    real_insert = services._insert

    def insert_together(*args: Any) -> None:
        # Broken when the other attempt waits for this one's lock: go on alone.
        with contextlib.suppress(threading.BrokenBarrierError):
            both_at_insert.wait()
        real_insert(*args)

    monkeypatch.setattr(services, "_insert", insert_together)
    errors: list[BaseException] = []

    def attempt() -> None:
        try:
            process_transcripts([transcript])
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert stored(transcript) == expected and TextAnalysis.objects.filter(transcript=transcript).count() == 1
