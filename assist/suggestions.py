"""Code suggestions: rules, decisions, training and generation runs (one atomic service per action).

    create_rule(code=..., user=..., kind="keyword", pattern="SHAP")   # queues a suggestion run
    accept_suggestion(suggestion=s, user=u)                            # -> an ordinary Coding by u
    accept_suggestion(suggestion=s, user=u, code=other, start=.., end=..)
    reject_suggestion(suggestion=s, user=u)
    queue_training(study=..., user=...)    # SUGGEST_TRAIN job: trains, stores a model, queues a run
    queue_suggestions(study=..., user=...) # SUGGEST_RUN job: rules + current model over processed text

Suggestions are stored apart from codings and never counted as codings. Accepting one writes an
ordinary insert-only coding by the accepting user through `coding.services.codings.apply_coding`,
in one history batch with a `suggestion`/`accept` entry that keeps the provenance ("suggested by
rule “SHAP”", "suggested by model v3"); the suggestion keeps the coding's uuid. Rules named in the
evidence count the decision (accepted += 1, or rejected += 1 for a rejection or an acceptance as
another code) with F() in one UPDATE. A decision is undone with the coding history's undo (the
batch is `Suggestion.decision_batch`): the coding is retired, the suggestion reopened, the counters
go back (`undo_decision`, called by `coding.services.history`).

The model is retrained after coding changes: `coding.services.history.record` calls
`after_coding_change` for coding and suggestion entries, which, once the transaction commits and at
most every THEMATICA_SUGGEST_TRAIN_EVERY_S per study, queues a training job when some code has
MIN_EXAMPLES codings and coding changed since the current model's `coding_mark`. A change while the
study's gate is closed schedules one check for when it opens (`retrain_check_task`, a countdown), and
a training that finishes checks for changes made while it ran, so the last change is always learnt.
Only with a worker: when tasks run in the web process (no broker, `make run`) nothing trains by
itself, so no decision request ever runs a training; the pages say the model is out of date and
offer "Retrain now" (`model_out_of_date`). A training that read older coding than the current
model's never becomes current (`store_model`).

Runs update open suggestions in place (`_store_group`: ids and uuids kept, so a reviewer's page stays
valid across runs); corrections carry decided ones onto the new text (`carry_decided`).

spaCy and scikit-learn are imported only inside the job functions (`assist.suggest.*` lazily).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple
from uuid import UUID, uuid4

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Case, Exists, F, IntegerField, Max, OuterRef, QuerySet, Value, When
from django.utils import timezone

from accounts.models import User
from coding.models import Code, Coding, LogEntry
from coding.selectors.suggesting import coded_spans, codings_per_code
from coding.services.codings import apply_coding
from coding.services.history import new_batch, record
from coding.services.rows import lock_transcripts
from interviews.models import Transcript
from studies.dispatch import runs_in_process
from studies.jobs import create_job, enqueue
from studies.models import Job, JobKind, JobStatus, Study

from .models import (
    RuleKind,
    Suggestion,
    SuggestionModel,
    SuggestionRule,
    SuggestionSource,
    SuggestionStatus,
    TextAnalysis,
)

MIN_EXAMPLES_FALLBACK = 6  # assist.suggest.model.MIN_EXAMPLES, read lazily (no sklearn at import)
RUN_GROUP_TRANSCRIPTS = 25  # transcripts matched, ranked and stored together
TRAINING_INPUTS = ("coding", "suggestion")  # history object types that change what a model learns
ALREADY_DECIDED = "Someone already decided on this suggestion; reload the queue."
# Gone between the page and the decision: a run no longer makes it (a rule deleted or changed, the
# model retrained), or its code was coded there meanwhile.
WITHDRAWN = (
    "This suggestion is no longer made (the rules or the model changed since the page loaded); reload the queue."
)
logger = logging.getLogger(__name__)
STALE = "The text of this document was corrected since this suggestion was made; it no longer applies."


class SuggestionDecided(ValidationError):
    """The suggestion is no longer open: someone else decided on it first (or it was replaced)."""


def min_examples() -> int:
    try:
        from .suggest.model import MIN_EXAMPLES
    except ImportError:  # pragma: no cover - the engine is part of the project
        return MIN_EXAMPLES_FALLBACK
    return int(MIN_EXAMPLES)


# --- rules --------------------------------------------------------------------------------------------


def _clean_rule(*, study: Study, code: Code, kind: str, pattern: str) -> tuple[str, str]:
    if code.study_id != study.pk or code.deleted_at is not None:
        raise ValidationError("That code is not in this study's codebook.")
    if kind not in RuleKind.values:
        raise ValidationError(f"Unknown kind of rule {kind!r}.")
    pattern = (pattern or "").strip()
    if not pattern:
        raise ValidationError("A rule needs a pattern.")
    if len(pattern) > 300:
        raise ValidationError("A rule's pattern is at most 300 characters.")
    from .suggest.rules import validate_rule  # RE2 and the lemma syntax; no spaCy needed to validate

    problem = validate_rule(kind, pattern)
    if problem:
        raise ValidationError(problem)
    return kind, pattern


@transaction.atomic
def create_rule(
    *, code: Code, user: User | None, kind: str, pattern: str, study: Study | None = None
) -> SuggestionRule:
    """Attach a rule to `code`; a suggestion run of the study is queued on commit."""
    study = study or code.study
    kind, pattern = _clean_rule(study=study, code=code, kind=kind, pattern=pattern)
    rule = SuggestionRule.objects.create(study=study, code=code, kind=kind, pattern=pattern, created_by=user)
    _queue_run_on_commit(study, user)
    return rule


def _queue_run_on_commit(study: Study, user: User | None) -> None:
    """Queue a study-wide run once this transaction commits. Not before: `queue_suggestions` reuses a
    run no worker has started yet, and a worker starting it before the commit would not see the
    change that asked for it."""
    transaction.on_commit(lambda: queue_suggestions(study=study, user=user))


@transaction.atomic
def update_rule(
    *, rule: SuggestionRule, user: User | None, kind: str | None = None, pattern: str | None = None
) -> SuggestionRule:
    """Change a rule's kind or pattern. A changed rule is a new rule as far as its precision goes, so
    its counters start again from zero (the old decisions were about other matches)."""
    rule = SuggestionRule.objects.select_for_update().select_related("code", "study").get(pk=rule.pk)
    if rule.deleted_at is not None:
        raise ValidationError("This rule was deleted.")
    new_kind, new_pattern = _clean_rule(
        study=rule.study, code=rule.code, kind=kind or rule.kind, pattern=rule.pattern if pattern is None else pattern
    )
    if (new_kind, new_pattern) == (rule.kind, rule.pattern):
        return rule
    rule.kind, rule.pattern, rule.accepted, rule.rejected = new_kind, new_pattern, 0, 0
    rule.timed_out_at = None
    rule.save(update_fields=["kind", "pattern", "accepted", "rejected", "timed_out_at"])
    _queue_run_on_commit(rule.study, user)
    return rule


@transaction.atomic
def delete_rule(*, rule: SuggestionRule, user: User | None) -> None:
    """Soft-delete a rule (its counters stay as a record). Open suggestions that only it made go at
    once; a suggestion run (queued) re-ranks the ones it shared with other rules or the model."""
    deleted = SuggestionRule.objects.filter(pk=rule.pk, deleted_at__isnull=True).update(deleted_at=timezone.now())
    if deleted:
        only_this = Suggestion.objects.filter(rule=rule, status=SuggestionStatus.OPEN, source=SuggestionSource.RULE)
        ids = [
            pk
            for pk, evidence in only_this.values_list("pk", "evidence")
            if (evidence or {}).get("rules") in (None, [], [rule.pk])
        ]
        Suggestion.objects.filter(pk__in=ids).delete()
        _queue_run_on_commit(rule.study, user)


# --- decisions ----------------------------------------------------------------------------------------


def _lock_open(suggestion: Suggestion) -> Suggestion:
    """The suggestion, locked, if it is still open on its transcript's present text. The transcript
    row is locked first, in the order every coding writer and suggestion run takes them (transcript,
    then suggestions), so a decision and a run of the same transcript wait for each other instead of
    deadlocking."""
    lock_transcripts([suggestion.transcript_id])
    locked = (
        Suggestion.objects.select_for_update(of=("self",))
        .select_related("transcript", "code", "rule", "study")
        .filter(pk=suggestion.pk)
        .first()
    )
    if locked is None:
        raise SuggestionDecided(WITHDRAWN)
    if locked.status != SuggestionStatus.OPEN:
        raise SuggestionDecided(ALREADY_DECIDED)
    if locked.text_version != locked.transcript.text_version:
        raise ValidationError(STALE)
    return locked


def provenance(suggestion: Suggestion, rule_pattern: str | None = None) -> str:
    """The provenance text: "suggested by rule “SHAP”", "suggested by model v3", or both."""
    parts = []
    rule = suggestion.rule if suggestion.rule_id else None
    pattern = rule_pattern if rule_pattern is not None else (rule.pattern if rule is not None else None)
    if pattern is not None and suggestion.source != SuggestionSource.MODEL:
        parts.append(f"rule “{pattern}”")
    if suggestion.model_version is not None and suggestion.source != SuggestionSource.RULE:
        parts.append(f"model v{suggestion.model_version}")
    return "suggested by " + (" and ".join(parts) or "a rule")


def _rule_ids(suggestion: Suggestion) -> list[int]:
    ids = (suggestion.evidence or {}).get("rules") or []
    if not ids and suggestion.rule_id:
        ids = [suggestion.rule_id]
    return [int(i) for i in ids]


def _count(rule_ids: dict[int, int], counter: str, sign: int = 1) -> None:
    """Add `sign * n` to `counter` of each rule in {rule_id: n}: one UPDATE (never below zero)."""
    if not rule_ids:
        return
    step = Case(
        *(When(pk=pk, then=Value(sign * n)) for pk, n in rule_ids.items()),
        default=Value(0),
        output_field=IntegerField(),
    )
    rules = SuggestionRule.objects.filter(pk__in=list(rule_ids))
    if sign < 0:
        rules = rules.filter(**{f"{counter}__gt": 0})
    rules.update(**{counter: F(counter) + step})


@transaction.atomic
def accept_suggestion(
    *,
    suggestion: Suggestion,
    user: User,
    code: Code | None = None,
    start: int | None = None,
    end: int | None = None,
    expected_text: str | None = None,
) -> Coding:
    """Accept a suggestion as an ordinary coding by `user`: as suggested, or with another `code`,
    or on another span (`start`/`end`, e.g. the whole speaker turn; `expected_text` guards it).

    The rules in its evidence count an acceptance; accepted as another code, they count a rejection
    (the suggested code was wrong). Other open suggestions of the final code overlapping the coded
    span are superseded (now coded). SuggestionDecided if someone decided first."""
    s = _lock_open(suggestion)
    final_code = code or s.code
    final_start = s.start if start is None else int(start)
    final_end = s.end if end is None else int(end)
    batch = new_batch()
    coding, _created = apply_coding(
        transcript=s.transcript, code=final_code, start=final_start, end=final_end, coder=user,
        expected_text=expected_text, batch=batch,
    )  # fmt: skip
    now = timezone.now()
    same_code = final_code.pk == s.code_id
    rules = _rule_ids(s)
    counter = "accepted" if same_code else "rejected"
    _count(dict.fromkeys(rules, 1), counter)
    superseded = list(
        Suggestion.objects.filter(
            transcript_id=s.transcript_id, text_version=s.text_version, status=SuggestionStatus.OPEN,
            code=final_code, start__lt=final_end, end__gt=final_start,
        ).exclude(pk=s.pk).values_list("pk", "uuid")
    )  # fmt: skip
    if superseded:
        Suggestion.objects.filter(pk__in=[pk for pk, _ in superseded]).update(
            status=SuggestionStatus.SUPERSEDED, decided_by=user, decided_at=now, decision_batch=batch
        )
    s.status, s.decided_by, s.decided_at, s.decision_batch = SuggestionStatus.ACCEPTED, user, now, batch
    s.coding_uuid = coding.uuid
    s.final_code = None if same_code else final_code
    changed_span = (final_start, final_end) != (s.start, s.end)
    s.final_start, s.final_end = (final_start, final_end) if changed_span else (None, None)
    s.save(update_fields=[
        "status", "decided_by", "decided_at", "decision_batch", "coding_uuid", "final_code", "final_start", "final_end",
    ])  # fmt: skip
    how = "" if same_code else f" as “{final_code.name}”"
    record(
        study=s.study, user=user, action="accept", object_type="suggestion", object_uuid=s.uuid,
        summary=f"accepted “{s.code.name}”{how} on {s.transcript.title}, {provenance(s)}",
        before={"status": SuggestionStatus.OPEN},
        after={
            "status": SuggestionStatus.ACCEPTED, "coding": str(coding.uuid), "code": str(final_code.uuid),
            "start": final_start, "end": final_end, "rules": rules, "counter": counter,
            "superseded": [str(u) for _, u in superseded],
        },
        batch=batch,
    )  # fmt: skip
    return coding


@transaction.atomic
def reject_suggestion(*, suggestion: Suggestion, user: User) -> Suggestion:
    """Reject a suggestion: its rules count a rejection, the next model learns it as a negative, and
    that code is not suggested on that segment again. SuggestionDecided if someone decided first."""
    s = _lock_open(suggestion)
    batch = new_batch()
    rules = _rule_ids(s)
    _count(dict.fromkeys(rules, 1), "rejected")
    s.status, s.decided_by, s.decided_at, s.decision_batch = SuggestionStatus.REJECTED, user, timezone.now(), batch
    s.save(update_fields=["status", "decided_by", "decided_at", "decision_batch"])
    record(
        study=s.study, user=user, action="reject", object_type="suggestion", object_uuid=s.uuid,
        summary=f"rejected “{s.code.name}” on {s.transcript.title}, {provenance(s)}",
        before={"status": SuggestionStatus.OPEN},
        after={"status": SuggestionStatus.REJECTED, "rules": rules, "counter": "rejected", "superseded": []},
        batch=batch,
    )  # fmt: skip
    return s


def undo_decision(entry: LogEntry) -> None:
    """Invert a `suggestion` history entry (called by `coding.services.history.undo_batch`, which has
    already retired the coding an acceptance made): reopen the suggestion and those it superseded,
    and take the decision back from its rules' counters. A suggestion that a newer run replaced (an
    open one of the same code and segment exists) stays decided."""
    after = entry.after or {}
    uuids = [str(entry.object_uuid), *after.get("superseded", [])]
    duplicate = Suggestion.objects.filter(
        transcript_id=OuterRef("transcript_id"), text_version=OuterRef("text_version"), start=OuterRef("start"),
        end=OuterRef("end"), code_id=OuterRef("code_id"), status=SuggestionStatus.OPEN,
    )  # fmt: skip
    reopened = (
        Suggestion.objects.filter(uuid__in=uuids, decision_batch=entry.batch)
        .exclude(status=SuggestionStatus.OPEN)
        .exclude(Exists(duplicate))
        .update(
            status=SuggestionStatus.OPEN, decided_by=None, decided_at=None, decision_batch=None, final_code=None,
            final_start=None, final_end=None, coding_uuid=None,
        )
    )  # fmt: skip
    if reopened and after.get("counter") in ("accepted", "rejected"):
        _count(dict.fromkeys((int(i) for i in after.get("rules") or []), 1), str(after["counter"]), sign=-1)


# --- text corrections ---------------------------------------------------------------------------


def carry_decided(
    *,
    transcript: Transcript,
    old_version: int,
    new_version: int,
    new_length: int,
    map_span: Callable[[int, int], tuple[int, int, bool]],
) -> int:
    """Move the decided suggestions of `old_version` onto `new_version` through the correction's
    offset map (`interviews.services.corrections.correct_transcript` calls this next to
    `coding.services.reanchor.reanchor_codings`, in its transaction, with the transcript locked).

    A rejection must outlive a correction (de-identification included): the rejected code is not
    suggested on that sentence again, the next model still learns it as a negative, and the rule is
    not charged a second rejection. Accepted ones keep their provenance on the new text. Open ones
    stay behind (stale, never shown) until the next run removes them. Returns how many moved; two
    statements whatever their number."""
    rows = list(
        Suggestion.objects.filter(transcript=transcript, text_version=old_version)
        .exclude(status=SuggestionStatus.OPEN)
        .only("pk", "start", "end", "final_start", "final_end", "evidence")
    )

    def place(start: int, end: int) -> tuple[int, int]:
        new_start, new_end, _touched = map_span(start, end)
        if new_end <= new_start:  # its words were deleted: kept on one character nearby, as codings are
            new_start = min(new_start, max(0, new_length - 1))
            new_end = new_start + 1
        return new_start, new_end

    for row in rows:
        row.text_version = new_version
        row.start, row.end = place(row.start, row.end)
        if row.final_start is not None and row.final_end is not None:
            row.final_start, row.final_end = place(row.final_start, row.final_end)
        evidence = dict(row.evidence or {})
        if evidence.get("spans"):
            evidence["spans"] = [list(place(int(a), int(b))) for a, b in evidence["spans"]]
        row.evidence = evidence
    Suggestion.objects.bulk_update(
        rows, ["text_version", "start", "end", "final_start", "final_end", "evidence"], batch_size=500
    )
    return len(rows)


# --- jobs -----------------------------------------------------------------------------------------


def _pending(study: Study, kind: JobKind, params: dict[str, Any]) -> Job | None:
    """A job of `kind` with the same params that no worker has started yet: queueing it again would
    do the same work twice (a burst of rule edits queues one run). Reusing it is only right once the
    change that asks for it has committed (the job reads the state when it starts), so the callers
    that change something queue on commit (`_queue_run_on_commit`, the training trigger). The row is
    locked: a worker claiming it meanwhile (`studies.jobs._start`) is waited for, and then seen started."""
    return (
        Job.objects.select_for_update()  # waits for a worker claiming it (`studies.jobs._start`)
        .filter(study=study, kind=kind, status__in=[JobStatus.QUEUED, JobStatus.WAITING], started_at__isnull=True)
        .filter(params=params)
        .order_by("-pk")
        .first()
    )


def queue_training(*, study: Study, user: User | None) -> Job:
    """Queue training a suggestion model on the study's coding so far (then a suggestion run)."""
    params: dict[str, Any] = {"all": True}
    with transaction.atomic():
        pending = _pending(study, JobKind.SUGGEST_TRAIN, params)
        if pending is not None:
            return pending
        from .tasks import train_suggestions_task  # the tasks module imports this one

        job = create_job(study=study, kind=JobKind.SUGGEST_TRAIN, user=user, params=params)
        enqueue(train_suggestions_task, job)
    return job


def queue_suggestions(*, study: Study, user: User | None, transcripts: Iterable[Transcript] | None = None) -> Job:
    """Queue a suggestion run over `transcripts` (the whole study when None), sent on commit."""
    params: dict[str, Any] = {"all": True}
    if transcripts is not None:
        params = {"transcripts": sorted(str(t.uuid) for t in transcripts)}
    with transaction.atomic():
        pending = _pending(study, JobKind.SUGGEST_RUN, {"all": True}) or _pending(study, JobKind.SUGGEST_RUN, params)
        if pending is not None:
            return pending
        from .tasks import suggest_task

        job = create_job(study=study, kind=JobKind.SUGGEST_RUN, user=user, params=params)
        enqueue(suggest_task, job)
    return job


def study_uses_suggestions(study: Study) -> bool:
    """Whether the study has live rules or a trained model (then processing queues a run)."""
    return (
        SuggestionRule.objects.filter(study=study, deleted_at__isnull=True, code__deleted_at__isnull=True).exists()
        or SuggestionModel.objects.filter(study=study).exclude(enabled=[]).exists()
    )


def queue_after_processing(*, study: Study, user: User | None, transcripts: Iterable[Transcript] | None) -> Job | None:
    """After text processing: suggestions for the processed transcripts, if the study uses them."""
    if not study_uses_suggestions(study):
        return None
    return queue_suggestions(study=study, user=user, transcripts=transcripts)


def job_transcripts(job: Job) -> QuerySet[Transcript]:
    transcripts = Transcript.objects.filter(study_id=job.study_id)
    if (job.params or {}).get("all"):
        return transcripts
    return transcripts.filter(uuid__in=(job.params or {}).get("transcripts") or [])


# --- the retraining trigger ---------------------------------------------------------------------------


def _gate_key(study_id: int) -> str:
    return f"thematica:suggest-train:{study_id}"


def auto_training() -> bool:
    """Whether coding changes retrain the model by themselves. Not when tasks run in the web process
    (no broker: `make run`): a training and the study-wide run after it would then run inside
    whichever request committed the change, and a reviewer's accept would take seconds. There the
    queue and the code page say the model is out of date and offer "Retrain now" (`model_out_of_date`)."""
    return bool(getattr(settings, "THEMATICA_SUGGEST_AUTO_TRAIN", True)) and not runs_in_process()


def after_coding_change(*, study_id: int, user_id: int | None) -> None:
    """Called for each coding or suggestion history entry: once the transaction commits, maybe queue
    training. Cheap: registering a callback; the callback does no query while the study's gate is
    closed (it was trained less than THEMATICA_SUGGEST_TRAIN_EVERY_S ago; a check is then scheduled
    for the end of the window instead, so the last change of a window is learnt too)."""
    if not auto_training():
        return
    # Once per study and transaction: a demo load or an import writing 1,000 history entries in one
    # transaction registers one callback, not 1,000 that would each count the study's codings.
    for _sids, registered, _robust in getattr(transaction.get_connection(), "run_on_commit", ()):
        if isinstance(registered, _TrainingCheck) and registered.study_id == study_id and not registered.ran:
            return
    transaction.on_commit(_TrainingCheck(study_id, user_id))


@dataclass
class _TrainingCheck:
    """The on-commit callback of `after_coding_change` (recognisable, so one is registered per study
    and transaction; `ran` tells one already run apart where callbacks outlive their commit: tests)."""

    study_id: int
    user_id: int | None
    ran: bool = False

    def __call__(self) -> None:
        self.ran = True
        maybe_queue_training(study_id=self.study_id, user_id=self.user_id)


def _train_every() -> int:
    return max(1, int(getattr(settings, "THEMATICA_SUGGEST_TRAIN_EVERY_S", 60)))


def _later_key(study_id: int) -> str:
    return f"thematica:suggest-train-later:{study_id}"


def _check_later(study_id: int, user_id: int | None) -> None:
    """Schedule one `maybe_queue_training` for when the study's gate opens (a Celery countdown; one per
    window: later calls find it scheduled). No query: the gate's value is the time it opens."""
    from django.core.cache import cache

    opens = cache.get(_gate_key(study_id))
    wait = _train_every()
    if isinstance(opens, float):
        wait = max(0, min(wait, int(opens - time.time()) + 1))
    if not cache.add(_later_key(study_id), True, wait + 5):
        return  # already scheduled for this window
    from .tasks import retrain_check_task  # the tasks module imports this one

    try:
        retrain_check_task.apply_async(args=(study_id, user_id), countdown=wait, retry=False)
    except Exception:  # the broker is away: tried again by a change after this window (not per request)
        logger.warning("Could not schedule a retraining check for study %s", study_id, exc_info=True)


def maybe_queue_training(*, study_id: int, user_id: int | None) -> Job | None:
    """Queue training if some code has MIN_EXAMPLES codings and coding changed since the current
    model's mark, at most every THEMATICA_SUGGEST_TRAIN_EVERY_S per study. The gate is taken only
    when a job is queued (a study still short of examples checks again at the next change); a change
    while it is closed schedules a check for when it opens (`_check_later`), so the last change of a
    window still leads to a training."""
    from django.core.cache import cache

    key = _gate_key(study_id)
    if cache.get(key):
        _check_later(study_id, user_id)
        return None
    study = Study.objects.filter(pk=study_id).first()
    if study is None:
        return None
    if not training_due(study):
        return None
    every = _train_every()
    if not cache.add(key, time.time() + every, every):  # taken meanwhile by another process
        _check_later(study_id, user_id)
        return None
    user = User.objects.filter(pk=user_id).first() if user_id else None
    return queue_training(study=study, user=user)


def training_due(study: Study) -> bool:
    """Whether a training would learn something new: some code has MIN_EXAMPLES codings and coding
    (or a decision) changed since the current model's mark. Two queries at most."""
    if max(codings_per_code(study=study).values(), default=0) < min_examples():
        return False
    model = current_model(study)
    if model is None:
        return True
    return LogEntry.objects.filter(study=study, object_type__in=TRAINING_INPUTS, pk__gt=model.coding_mark).exists()


def model_out_of_date(study: Study) -> bool:
    """For the pages, when nothing retrains by itself (`auto_training()` is off): coding changed since
    the model was trained (or one could be trained and none is), so "Retrain now" would help. False
    while a training is queued or running."""
    if auto_training():
        return False
    if Job.objects.filter(
        study=study, kind=JobKind.SUGGEST_TRAIN, status__in=[JobStatus.QUEUED, JobStatus.WAITING, JobStatus.RUNNING]
    ).exists():
        return False
    return training_due(study)


# --- training -----------------------------------------------------------------------------------------


def coding_mark(study: Study) -> int:
    """The study's highest history entry id: what a model trained now has seen."""
    return int(LogEntry.objects.filter(study=study).aggregate(m=Max("pk"))["m"] or 0)


@dataclass
class Fitted:
    """A trained model not stored yet (`fit_model`), so the training runs outside any transaction."""

    mark: int
    examples: int
    counts: dict[int, int]
    enabled: list[int]
    blob: bytes
    metrics: dict[str, Any]


def fit_model(study: Study) -> Fitted:
    """Build the study's examples and train on them. With no code at MIN_EXAMPLES yet nothing is
    trained: the counts still say how many examples each code has."""
    from .suggest.examples import build_examples
    from .suggest.model import code_counts, train

    mark = coding_mark(study)  # read first: a change made meanwhile is newer than the mark
    began = time.perf_counter()
    examples = build_examples(study)
    counts = code_counts(examples)
    blob, enabled = b"", []
    metrics: dict[str, Any] = {}
    if max(counts.values(), default=0) >= min_examples():
        trained = train(examples)
        blob = trained.dumps()
        counts = {int(k): int(v) for k, v in trained.counts.items()}
        enabled = sorted(int(c) for c in trained.enabled)
        metrics = dict(getattr(trained, "metrics", {}) or {})
    metrics["train_seconds"] = round(time.perf_counter() - began, 3)
    metrics["blob_bytes"] = len(blob)
    return Fitted(mark, len(examples), counts, enabled, blob, metrics)


def store_model(study: Study, fitted: Fitted) -> SuggestionModel:
    """Store `fitted` as the study's next model version (in the caller's transaction, which also
    finishes the job), unless the current model was trained on newer coding (then that one is
    returned, and nothing is stored: its `coding_mark` differs from `fitted.mark`). A model with nothing enabled is stored too: its counts feed "needs more
    examples", and its mark stops the trigger from training again until coding changes."""
    locked = list(Study.objects.select_for_update().filter(pk=study.pk).values_list("pk", flat=True))
    if not locked:
        raise ValidationError("The study was deleted.")
    newest = SuggestionModel.objects.filter(study=study).order_by("-version").defer("blob").first()
    if newest is not None and newest.coding_mark > fitted.mark:
        # Two trainings overlapped and the other one read newer coding: it stays current (versions
        # follow the data, not the order in which trainings finish). Nothing is stored.
        return newest
    latest = newest.version if newest is not None else 0
    stored = SuggestionModel.objects.create(
        study=study, version=latest + 1, examples=fitted.examples,
        counts={str(k): v for k, v in fitted.counts.items()}, enabled=fitted.enabled, blob=fitted.blob,
        coding_mark=fitted.mark, metrics=fitted.metrics,
    )  # fmt: skip
    # Earlier versions keep their row (provenance names them: "suggested by model v7", and their
    # metrics are the model's history) but not their fitted model: only the current one is ever
    # loaded, and a fitted model holds the study's vocabulary, names that de-identification has
    # since replaced among them, at some 200 KB a version (one a minute while people code).
    SuggestionModel.objects.filter(study=study, version__lt=stored.version).exclude(blob=b"").update(blob=b"")
    return stored


def train_model(study: Study) -> SuggestionModel:
    """Train and store the next model version (`fit_model` then `store_model`)."""
    fitted = fit_model(study)
    with transaction.atomic():
        return store_model(study, fitted)


def current_model(study: Study, *, with_blob: bool = False) -> SuggestionModel | None:
    models = SuggestionModel.objects.filter(study=study).order_by("-version")
    if not with_blob:
        models = models.defer("blob")
    return models.first()


# --- generation runs --------------------------------------------------------------------------------


@dataclass
class RunProgress:
    transcripts_done: int
    transcripts_total: int

    @property
    def percent(self) -> int:
        return 100 if not self.transcripts_total else self.transcripts_done * 100 // self.transcripts_total


@dataclass
class RunSummary:
    transcripts: int = 0
    skipped: int = 0  # not processed (no current analysis) or corrected during the run
    suggestions: int = 0
    replaced: int = 0  # open suggestions removed: no longer made (or of an older text version)
    added: int = 0
    updated: int = 0  # kept (same id), with a new score, band or evidence
    rules: int = 0
    timed_out_rules: list[int] = field(default_factory=list)
    model_version: int | None = None
    seconds: float = 0.0
    by_band: dict[str, int] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "transcripts": self.transcripts, "skipped": self.skipped, "suggestions": self.suggestions,
            "replaced": self.replaced, "added": self.added, "updated": self.updated, "rules": self.rules,
            "timed_out_rules": sorted(self.timed_out_rules), "model_version": self.model_version,
            "seconds": round(self.seconds, 3), "by_band": dict(sorted(self.by_band.items())),
        }  # fmt: skip


class _Row(NamedTuple):
    """A suggestion to insert (plain values: building 1,000 model instances costs more than ranking)."""

    transcript_id: int
    text_version: int
    start: int
    end: int
    code_id: int
    score: float
    band: str
    source: str
    rule_id: int | None
    model_version: int | None
    evidence: dict[str, Any]


@dataclass
class _Planned:
    transcript_id: int
    text_version: int
    rows: list[_Row]
    timed_out: set[int] = field(default_factory=set)  # regex rules given up on this text


def _covers(segment: tuple[int, int], coded: tuple[int, int]) -> bool:
    """A coding covers a segment when it lies inside it or overlaps at least half of it (the rule
    `assist.suggest.examples` snaps positives with)."""
    (s, e), (cs, ce) = segment, coded
    overlap = min(e, ce) - max(s, cs)
    if overlap <= 0:
        return False
    return (s <= cs and ce <= e) or overlap * 2 >= (e - s)


def _plan_group(
    *,
    study: Study,
    analyses: list[tuple[int, int, str, list[tuple[int, int]]]],
    rules: Any,
    rule_patterns: dict[int, tuple[str, float]],
    trained: Any,
    model_version: int | None,
    live_codes: set[int],
) -> list[_Planned]:
    """Match, score and rank the segments of a group of transcripts; the suggestions to store."""
    from .suggest.rank import band as band_of
    from .suggest.rank import rank
    from .suggest.rules import match_rules

    ids = [a[0] for a in analyses]
    coded = coded_spans(study=study, transcript_ids=ids)
    # Rejections on the present text (a correction carries decided suggestions over: `carry_decided`),
    # matched like codings, by covering the segment: sentence ends may move a little with the text.
    rejected: dict[int, dict[int, list[tuple[int, int]]]] = {}
    for transcript_id, start, end, code_id in Suggestion.objects.filter(
        transcript_id__in=ids, status=SuggestionStatus.REJECTED, text_version=F("transcript__text_version")
    ).values_list("transcript_id", "start", "end", "code_id"):
        rejected.setdefault(transcript_id, {}).setdefault(code_id, []).append((start, end))
    planned: list[_Planned] = []
    for transcript_id, text_version, text, segments in analyses:
        timed_out: set[int] = set()
        hits = match_rules(rules, text, segments, timed_out=timed_out) if rules is not None and segments else []
        scores: dict[int, Any] = {}
        similar: list[Any] = []
        if trained is not None and segments:
            texts = [text[s:e] for s, e in segments]
            scores = {int(c): p for c, p in trained.predict(texts).items() if int(c) in live_codes}
            similar = trained.similar(texts, k=3)
        counts = getattr(trained, "counts", None)
        candidates = rank(len(segments), hits, scores, similar, top=3, model_counts=counts) if segments else []
        mine: dict[int, list[tuple[int, int]]] = {}
        for cid, cs, ce in coded.get(transcript_id, []):
            mine.setdefault(cid, []).append((cs, ce))
        no = rejected.get(transcript_id, {})
        rows: list[_Row] = []
        for c in candidates:
            start, end = segments[c.segment]
            code_id = int(c.code_id)
            if code_id not in live_codes:
                continue
            if any(_covers((start, end), span) for span in (*mine.get(code_id, ()), *no.get(code_id, ()))):
                continue
            rule_ids = [int(r) for r in (c.rule_ids or [])]
            best_rule = max(rule_ids, key=lambda r: rule_patterns.get(r, ("", 0.0))[1]) if rule_ids else None
            source = str(c.source)
            rows.append(
                _Row(
                    transcript_id, text_version, start, end, code_id, round(float(c.score), 4),
                    str(c.band or band_of(float(c.score))), source, best_rule,
                    model_version if source != SuggestionSource.RULE else None,
                    {
                        "rules": rule_ids,
                        "spans": [[int(a), int(b)] for a, b in (c.spans or [])],
                        "similar": [[str(k), int(cid), round(float(sim), 3)] for k, cid, sim in (c.similar or [])],
                    },
                )
            )  # fmt: skip
        planned.append(_Planned(transcript_id, text_version, rows, timed_out))
    return planned


INSERT_FIELDS = [
    "uuid", "study", "transcript", "text_version", "start", "end", "code", "score", "band", "source", "rule",
    "model_version", "evidence", "status", "created_at", "run",
]  # fmt: skip


def _insert_rows(study_id: int, rows: list[_Row], run: UUID) -> None:
    """INSERT the rows with `assist.services._insert` (COPY on PostgreSQL, multi-row VALUES elsewhere):
    values prepared as the database takes them, the constant ones once."""
    from .services import _field, _insert

    def prep(name: str, value: Any) -> Any:
        return _field(Suggestion, name).get_db_prep_value(value, connection)

    now, run_value = prep("created_at", timezone.now()), prep("run", run)
    uuid_field = _field(Suggestion, "uuid")
    _insert(
        Suggestion,
        INSERT_FIELDS,
        [
            (
                uuid_field.get_db_prep_value(uuid4(), connection), study_id, r.transcript_id, r.text_version, r.start,
                r.end, r.code_id, r.score, r.band, r.source, r.rule_id, r.model_version, json.dumps(r.evidence),
                SuggestionStatus.OPEN.value, now, run_value,
            )
            for r in rows
        ],
    )  # fmt: skip


UPDATE_FIELDS = ["score", "band", "source", "rule", "model_version", "evidence", "run"]


@dataclass
class _Stored:
    added: int = 0
    updated: int = 0
    removed: int = 0


def _store_group(study_id: int, planned: list[_Planned], run: UUID) -> tuple[list[_Planned], _Stored]:
    """Bring the open suggestions of each transcript whose text is still the one analysed up to date,
    in place: a suggestion made again (same text version, segment and code) keeps its id and uuid and
    gets the new score, band, source, rule, model version and evidence; new ones are inserted; open
    ones no longer made are deleted, except those of a regex rule given up on that text (its matches
    are unknown this time, so what it found before stays). Decided ones are never touched. A page a
    reviewer has open therefore stays valid across the runs that follow each training.

    Under the transcripts' row locks, in one transaction, with a constant number of statements."""
    counts = _Stored()
    with transaction.atomic():
        current = dict(lock_transcripts([p.transcript_id for p in planned]))
        kept = [p for p in planned if current.get(p.transcript_id) == p.text_version]
        if not kept:
            return [], counts
        ids = [p.transcript_id for p in kept]
        existing: dict[tuple[int, int, int, int, int], tuple[Any, ...]] = {}
        for row in Suggestion.objects.filter(transcript_id__in=ids, status=SuggestionStatus.OPEN).values_list(
            "pk", "transcript_id", "text_version", "start", "end", "code_id", "score", "band", "source", "rule_id",
            "model_version", "evidence",
        ):  # fmt: skip
            existing[(row[1], row[2], row[3], row[4], row[5])] = row
        # Decided while this run was ranking (a reviewer got there between the read and the lock).
        decided = set(
            Suggestion.objects.filter(transcript_id__in=ids, text_version=F("transcript__text_version"))
            .exclude(status=SuggestionStatus.OPEN)
            .values_list("transcript_id", "start", "end", "code_id")
        )
        inserts: list[_Row] = []
        updates: list[Suggestion] = []
        made: set[tuple[int, int, int, int, int]] = set()
        for p in kept:
            p.rows = [r for r in p.rows if (r.transcript_id, r.start, r.end, r.code_id) not in decided]
            for r in p.rows:
                key = (r.transcript_id, r.text_version, r.start, r.end, r.code_id)
                made.add(key)
                old = existing.get(key)
                if old is None:
                    inserts.append(r)
                elif old[6:] != (r.score, r.band, r.source, r.rule_id, r.model_version, r.evidence):
                    updates.append(
                        Suggestion(
                            pk=old[0], score=r.score, band=r.band, source=r.source, rule_id=r.rule_id,
                            model_version=r.model_version, evidence=r.evidence, run=run,
                        )
                    )  # fmt: skip
        given_up = {p.transcript_id: (p.text_version, p.timed_out) for p in kept if p.timed_out}
        gone = []
        for key, old in existing.items():
            if key in made:
                continue
            version, rules = given_up.get(key[0], (None, set()))
            if key[1] == version and rules.intersection((old[11] or {}).get("rules") or [old[9]]):
                continue  # a rule given up on this text made it: kept as it was
            gone.append(old[0])
        if gone:
            counts.removed, _ = Suggestion.objects.filter(pk__in=gone).delete()
        if updates:
            Suggestion.objects.bulk_update(updates, UPDATE_FIELDS, batch_size=500)
        _insert_rows(study_id, inserts, run)
        counts.added, counts.updated = len(inserts), len(updates)
    return kept, counts


def generate_suggestions(
    transcripts: QuerySet[Transcript], *, study: Study, progress: Callable[[RunProgress], None] | None = None
) -> RunSummary:
    """Run the study's live rules and its current model over the processed segments of
    `transcripts`, bringing each one's open suggestions up to date in place (`_store_group`: ids
    kept). Groups of transcripts commit on their own; running it again changes nothing (idempotent)."""
    from .selectors import pipeline_version
    from .suggest.rules import RuleSpec, compile_rules

    began = time.perf_counter()
    summary = RunSummary()
    live_codes = set(Code.objects.filter(study=study, deleted_at__isnull=True).values_list("pk", flat=True))
    rule_rows = list(
        SuggestionRule.objects.filter(study=study, deleted_at__isnull=True, code_id__in=live_codes).values_list(
            "pk", "code_id", "kind", "pattern", "accepted", "rejected"
        )
    )
    specs = [RuleSpec(id=pk, code_id=c, kind=k, pattern=p, accepted=a, rejected=r) for pk, c, k, p, a, r in rule_rows]
    rule_patterns = {spec.id: (spec.pattern, float(spec.score)) for spec in specs}
    summary.rules = len(specs)
    rules = compile_rules(specs) if specs else None  # compiled once for the whole run
    model = current_model(study, with_blob=True)
    trained = None
    if model is not None and model.enabled and model.blob:
        from .suggest.model import TrainedModel

        trained = TrainedModel.loads(bytes(model.blob))
        summary.model_version = model.version
    ids = list(transcripts.filter(study=study).order_by("pk").values_list("pk", flat=True))
    total = len(ids)
    run = uuid4()
    version = pipeline_version()
    done = 0
    timed_out: set[int] = set()
    for i in range(0, total, RUN_GROUP_TRANSCRIPTS):
        group = ids[i : i + RUN_GROUP_TRANSCRIPTS]
        rows = (
            TextAnalysis.objects.filter(
                transcript_id__in=group,
                text_version=F("transcript__text_version"),
                pipeline_version=version,
            )
            .order_by("transcript_id")
            .values_list("transcript_id", "text_version", "transcript__text", "sentences")
        )
        analyses = [(t, v, text, [(int(s), int(e)) for s, e in sentences]) for t, v, text, sentences in rows]
        summary.skipped += len(group) - len(analyses)
        if analyses and (rules is not None or trained is not None):
            planned = _plan_group(
                study=study, analyses=analyses, rules=rules, rule_patterns=rule_patterns, trained=trained,
                model_version=summary.model_version, live_codes=live_codes,
            )  # fmt: skip
        else:
            planned = [_Planned(t, v, []) for t, v, _, _ in analyses]
        stored, counts = _store_group(study.pk, planned, run) if planned else ([], _Stored())
        summary.transcripts += len(stored)
        summary.skipped += len(planned) - len(stored)
        summary.replaced += counts.removed
        summary.added += counts.added
        summary.updated += counts.updated
        for p in stored:
            timed_out.update(p.timed_out)
            summary.suggestions += len(p.rows)
            for row in p.rows:
                summary.by_band[row.band] = summary.by_band.get(row.band, 0) + 1
        done += len(group)
        if progress is not None:
            progress(RunProgress(done, total))
    _note_timeouts(study, timed_out, whole_study=total == Transcript.objects.filter(study=study).count())
    summary.timed_out_rules = sorted(timed_out)
    summary.seconds = time.perf_counter() - began
    return summary


def _note_timeouts(study: Study, timed_out: set[int], *, whole_study: bool) -> None:
    """Mark the regex rules given up in this run (the code page's rules panel says so); a run over the
    whole study in which a rule ran to the end clears its mark."""
    rules = SuggestionRule.objects.filter(study=study, deleted_at__isnull=True)
    if timed_out:
        rules.filter(pk__in=timed_out).update(timed_out_at=timezone.now())
    if whole_study:
        rules.filter(timed_out_at__isnull=False).exclude(pk__in=timed_out).update(timed_out_at=None)


__all__ = [
    "SuggestionDecided",
    "accept_suggestion",
    "after_coding_change",
    "carry_decided",
    "create_rule",
    "delete_rule",
    "generate_suggestions",
    "maybe_queue_training",
    "queue_after_processing",
    "queue_suggestions",
    "queue_training",
    "reject_suggestion",
    "train_model",
    "undo_decision",
    "update_rule",
]
