"""Processing transcripts with the NLP pipeline and storing the results.

    queue_processing(study=..., user=..., transcripts=[t])   # a job, sent on commit (after an import,
                                                             # a correction, a vocabulary change)
    process_transcripts(transcripts, progress=...)           # the work itself: jobs and process_nlp

Only speech is read. Each transcript's whole canonical text goes through `nlp.pipe` (batched over
the transcripts; offsets stay direct, and one document per transcript costs less than one per
turn), then what lies outside its speaker turns is dropped: a mention in a speaker label does not
count, and sentences are cut at turn boundaries, so none runs from one speaker into the next. A
transcript without turns is all speech. A group of transcripts is stored with a constant number of
statements however long its texts are (on SQLite, one INSERT per 1,000 mentions).

Idempotent: a transcript's results are replaced in one transaction, under a lock on its row, so a
job started again after its worker died (or two racing attempts) leaves one set of rows. A text
corrected while it was being analysed is not stored: the correction queued its own processing.

spaCy is imported here only inside `process_transcripts`: importing this module (the import and
correction services do, to queue the job) never loads it.
"""

from __future__ import annotations

import bisect
import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import Field, QuerySet
from django.utils import timezone

from accounts.models import User
from coding.services.rows import lock_transcripts
from interviews.models import SpeakerTurn, Transcript
from studies.jobs import create_job, enqueue
from studies.models import Job, JobKind, Study

from .models import TechniqueMention, TextAnalysis

# A group of transcripts is loaded, analysed and stored together: at most this many, or this many
# characters of text (one long transcript makes a group of its own).
GROUP_TRANSCRIPTS = 50
GROUP_CHARS = 2_000_000
PIPE_BATCH_SIZE = 64
INSERT_ROWS = 1000  # rows per INSERT outside PostgreSQL (fewer if the database takes fewer parameters)
MENTION_TEXT_CHARS = 200


@dataclass
class Progress:
    """How far `process_transcripts` is, reported after each transcript is analysed."""

    transcripts_done: int
    transcripts_total: int
    words_done: int
    words_total: int
    seconds: float

    @property
    def words_per_s(self) -> float:
        return self.words_done / self.seconds if self.seconds > 0 else 0.0

    @property
    def percent(self) -> int:
        if self.words_total:
            return min(100, self.words_done * 100 // self.words_total)
        return 100 if self.transcripts_done >= self.transcripts_total else 0


@dataclass
class ProcessingSummary:
    transcripts: int = 0  # analysed and stored
    skipped: int = 0  # corrected or deleted while being analysed: not stored
    words: int = 0
    sentences: int = 0
    mentions: int = 0
    seconds: float = 0.0
    pipeline_version: str = ""
    by_technique: dict[str, int] = field(default_factory=dict)

    @property
    def words_per_s(self) -> float:
        return self.words / self.seconds if self.seconds > 0 else 0.0

    def as_json(self) -> dict[str, Any]:
        return {
            "transcripts": self.transcripts,
            "skipped": self.skipped,
            "words": self.words,
            "sentences": self.sentences,
            "mentions": self.mentions,
            "seconds": round(self.seconds, 3),
            "pipeline_version": self.pipeline_version,
            "by_technique": dict(sorted(self.by_technique.items())),
        }


@dataclass
class _Result:
    """One transcript's analysis, before it is stored."""

    transcript_id: int
    study_id: int
    text_version: int
    words: int
    sentences: list[tuple[int, int]] = field(default_factory=list)
    mentions: list[tuple[int, int, str, str]] = field(default_factory=list)


def speech_only(
    sentences: Iterable[tuple[int, int]],
    mentions: Iterable[tuple[int, int, str, str]],
    turns: list[tuple[int, int]],
    text: str,
) -> tuple[list[tuple[int, int]], list[tuple[int, int, str, str]]]:
    """Keep what lies in speech: sentences are cut at turn boundaries (a sentence never runs from one
    speaker into the next, nor into a label), mentions outside every turn (in a speaker label) are
    dropped. `turns` are the transcript's (start, end) in text order; none means all is speech."""
    if not turns:
        return list(sentences), list(mentions)
    kept_sentences: list[tuple[int, int]] = []
    i, count, previous = 0, len(turns), -1
    for start, end in sentences:
        if start < previous:
            i = 0  # out of order (never from the pipeline): search from the first turn again
        previous = start
        while i < count and turns[i][1] <= start:
            i += 1
        if i < count and turns[i][0] <= start and end <= turns[i][1]:
            kept_sentences.append((start, end))  # inside one turn: most sentences
            continue
        j = i
        while j < count and turns[j][0] < end:
            lo, hi = max(start, turns[j][0]), min(end, turns[j][1])
            while lo < hi and text[lo].isspace():
                lo += 1
            while hi > lo and text[hi - 1].isspace():
                hi -= 1
            if lo < hi:
                kept_sentences.append((lo, hi))
            j += 1
    starts = [start for start, _ in turns]
    kept_mentions = []
    for mention in mentions:
        i = bisect.bisect_right(starts, mention[0]) - 1
        if i >= 0 and mention[1] <= turns[i][1]:
            kept_mentions.append(mention)
    return kept_sentences, kept_mentions


def _ids(transcripts: Iterable[Transcript] | QuerySet[Transcript]) -> list[int]:
    if isinstance(transcripts, QuerySet):
        return list(transcripts.values_list("pk", flat=True))
    return [t.pk for t in transcripts]


def _groups(ids: list[int]) -> tuple[list[list[int]], dict[int, int]]:
    """The transcripts in groups (GROUP_TRANSCRIPTS, GROUP_CHARS) and each one's word count."""
    rows = Transcript.objects.filter(pk__in=ids).order_by("pk").values_list("pk", "char_count", "word_count")
    groups: list[list[int]] = []
    words: dict[int, int] = {}
    current: list[int] = []
    chars = 0
    for pk, char_count, word_count in rows:
        if current and (len(current) >= GROUP_TRANSCRIPTS or chars + char_count > GROUP_CHARS):
            groups.append(current)
            current, chars = [], 0
        current.append(pk)
        chars += char_count
        words[pk] = word_count
    if current:
        groups.append(current)
    return groups, words


def _analyse_group(ids: list[int], words: dict[int, int], on_transcript: Callable[[int], None]) -> list[_Result]:
    """Analyse a group of transcripts; `on_transcript(words)` is called as each one is done."""
    from .pipeline import analyse  # loads spaCy (once per process)

    transcripts = list(
        Transcript.objects.filter(pk__in=ids).order_by("pk").only("pk", "study_id", "text", "text_version")
    )
    turns: dict[int, list[tuple[int, int]]] = {}
    for transcript_id, start, end in (
        SpeakerTurn.objects.filter(transcript_id__in=ids)
        .order_by("transcript_id", "start")
        .values_list("transcript_id", "start", "end")
    ):
        turns.setdefault(transcript_id, []).append((start, end))

    # The whole canonical text goes through the pipeline (offsets stay direct, and one document per
    # transcript is cheaper than one per turn); what lies outside speech is dropped afterwards.
    analyses = analyse((t.text for t in transcripts), batch_size=PIPE_BATCH_SIZE)
    results: list[_Result] = []
    for transcript, analysis in zip(transcripts, analyses, strict=True):
        result = _Result(transcript.pk, transcript.study_id, transcript.text_version, words.get(transcript.pk, 0))
        result.sentences, result.mentions = speech_only(
            analysis.sentences,
            ((m.start, m.end, m.slug, m.text[:MENTION_TEXT_CHARS]) for m in analysis.mentions),
            turns.get(transcript.pk, []),
            transcript.text,
        )
        results.append(result)
        on_transcript(result.words)
    return results


def _field(model: type[models.Model], name: str) -> Field[Any, Any]:
    field = model._meta.get_field(name)
    assert isinstance(field, Field)
    return field


def _insert(model: type[models.Model], fields: list[str], rows: list[tuple[Any, ...]]) -> None:
    """INSERT plain rows (values as the database takes them) with a constant number of statements:
    COPY on PostgreSQL, multi-row VALUES of up to INSERT_ROWS rows elsewhere. `bulk_create` spends
    ~40 µs of Python per row preparing its fields, which made storing a study's mentions cost as
    much as finding them (bench/nlp_bench.py)."""
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(str(_field(model, name).column)) for name in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # PostgreSQL's own bulk load, through psycopg's cursor (Django's query log does not see it).
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        one_row = "(" + ", ".join(["%s"] * len(fields)) + ")"
        per_statement = max(1, min(INSERT_ROWS, (connection.features.max_query_params or 999) // len(fields)))
        for i in range(0, len(rows), per_statement):
            chunk = rows[i : i + per_statement]
            cursor.execute(
                f"INSERT INTO {table} ({names}) VALUES {', '.join([one_row] * len(chunk))}",  # noqa: S608 (names are the model's)
                [value for row in chunk for value in row],
            )


def _store(results: list[_Result], pipeline_version: str) -> list[_Result]:
    """Replace the stored results of the transcripts whose text is still the one analysed; those
    stored. Locks the transcripts' rows (in id order) so a concurrent run waits and then replaces.
    A constant number of statements whatever the number of transcripts and mentions (on SQLite,
    one INSERT per INSERT_ROWS mentions)."""
    with transaction.atomic():
        # The lock a text correction and coding writes take too (FOR NO KEY UPDATE on PostgreSQL).
        current = dict(lock_transcripts([r.transcript_id for r in results]))
        kept = [r for r in results if current.get(r.transcript_id) == r.text_version]
        if not kept:
            return kept
        ids = [r.transcript_id for r in kept]
        # Values as the database takes them (the raw INSERT below does not prepare fields).
        now = _field(TextAnalysis, "processed_at").get_db_prep_value(timezone.now(), connection)
        TechniqueMention.objects.filter(transcript_id__in=ids).delete()
        TextAnalysis.objects.filter(transcript_id__in=ids).delete()
        _insert(
            TextAnalysis,
            [
                "transcript",
                "text_version",
                "pipeline_version",
                "sentences",
                "word_count",
                "mention_count",
                "processed_at",
            ],
            [
                (
                    r.transcript_id,
                    r.text_version,
                    pipeline_version,
                    json.dumps(r.sentences),
                    r.words,
                    len(r.mentions),
                    now,
                )
                for r in kept
            ],
        )
        _insert(
            TechniqueMention,
            ["study", "transcript", "text_version", "pipeline_version", "start", "end", "technique", "text"],
            [
                (r.study_id, r.transcript_id, r.text_version, pipeline_version, start, end, slug, text)
                for r in kept
                for start, end, slug, text in r.mentions
            ],
        )
    return kept


def process_transcripts(
    transcripts: Iterable[Transcript] | QuerySet[Transcript],
    *,
    progress: Callable[[Progress], None] | None = None,
) -> ProcessingSummary:
    """Segment `transcripts` into sentences and find the technique mentions in their speech, and
    store both, replacing what was stored for them. Each group of transcripts is committed on its
    own (a long run does not hold locks on the whole study), and running it again stores the same."""
    from .pipeline import PIPELINE_VERSION

    version = str(PIPELINE_VERSION)
    began = time.perf_counter()
    summary = ProcessingSummary(pipeline_version=version)
    groups, words = _groups(_ids(transcripts))
    total_transcripts, total_words = len(words), sum(words.values())
    done = {"transcripts": 0, "words": 0}

    def analysed(transcript_words: int) -> None:
        done["transcripts"] += 1
        done["words"] += transcript_words
        if progress is not None:
            elapsed = time.perf_counter() - began
            progress(Progress(done["transcripts"], total_transcripts, done["words"], total_words, elapsed))

    for group in groups:
        results = _analyse_group(group, words, analysed)
        stored = _store(results, version)
        summary.transcripts += len(stored)
        summary.skipped += len(results) - len(stored)
        for r in stored:
            summary.words += r.words
            summary.sentences += len(r.sentences)
            summary.mentions += len(r.mentions)
            for _, _, slug, _ in r.mentions:
                summary.by_technique[slug] = summary.by_technique.get(slug, 0) + 1
    summary.seconds = time.perf_counter() - began
    return summary


def queue_processing(*, study: Study, user: User | None, transcripts: Iterable[Transcript] | None = None) -> Job:
    """Queue a text-processing job for `transcripts` (the whole study when None), sent once the
    surrounding transaction commits: after an import, a correction, or a change of the vocabulary."""
    from .tasks import process_nlp_task  # the tasks module imports this one

    params: dict[str, Any] = {"all": True}
    if transcripts is not None:
        params = {"transcripts": [str(t.uuid) for t in transcripts]}
    job = create_job(study=study, kind=JobKind.NLP_PROCESS, user=user, params=params)
    enqueue(process_nlp_task, job)
    return job


def queue_after_text_change(transcript: Transcript, *, user: User | None) -> Job | None:
    """Queue the processing of a transcript just imported or corrected (None when
    THEMATICA_NLP_ON_TEXT_CHANGE is off: `manage.py process_nlp --stale` catches up)."""
    if not settings.THEMATICA_NLP_ON_TEXT_CHANGE:
        return None
    return queue_processing(study=transcript.study, user=user, transcripts=[transcript])


def job_transcripts(job: Job) -> QuerySet[Transcript]:
    """The transcripts a text-processing job is about (those deleted since are left out)."""
    transcripts = Transcript.objects.filter(study_id=job.study_id)
    if (job.params or {}).get("all"):
        return transcripts
    return transcripts.filter(uuid__in=(job.params or {}).get("transcripts") or [])
