"""Celery tasks of text processing and code suggestions: each takes a Job id.

- `process_nlp_task` calls `assist.services.process_transcripts` (then queues suggestions for the
  transcripts when the study uses them);
- `train_suggestions_task` trains and stores a suggestion model (`assist.suggestions.fit_model`,
  `store_model`),
  then queues a suggestion run;
- `suggest_task` runs the rules and the current model (`assist.suggestions.generate_suggestions`).
"""

from __future__ import annotations

import time

from celery import shared_task
from django.db import transaction
from django.urls import NoReverseMatch, reverse

from studies.jobs import finish_job, job_context, job_task, report_progress
from studies.models import JobKind

from .services import Progress, job_transcripts, process_transcripts

PROGRESS_EVERY_S = 1.0  # one progress write a second at most, however many transcripts


def _queue_url(slug: str) -> str:
    """The study's suggestion queue (the codebook if the pages are not installed)."""
    try:
        return reverse("assist:queue", args=[slug])
    except NoReverseMatch:
        return reverse("coding:codebook", args=[slug])


@job_task(JobKind.NLP_PROCESS)
def process_nlp_task(job_id: int) -> None:
    # Each group of transcripts commits its results on its own (a study-wide run must not hold row
    # locks on every transcript until it ends); a transcript's results are replaced as a whole, so
    # an attempt started again after its worker died stores the same rows once.
    with job_context(job_id) as job:
        if job is None:
            return
        report_progress(job, 0, "Processing the text")
        last = [0.0]

        def progress(p: Progress) -> None:
            now = time.monotonic()
            if now - last[0] >= PROGRESS_EVERY_S or p.transcripts_done == p.transcripts_total:
                last[0] = now
                report_progress(
                    job, p.percent, f"{p.transcripts_done}/{p.transcripts_total} transcripts, {p.words_done:,} words"
                )

        transcripts = job_transcripts(job)
        summary = process_transcripts(transcripts, progress=progress)
        # The job's page links to what was processed (studies/_job_status.html shows url/link_text).
        found = f"{summary.mentions} technique mention{'s' if summary.mentions != 1 else ''}"
        one = not (job.params or {}).get("all") and summary.transcripts + summary.skipped == 1
        only = transcripts.first() if one else None
        if only is not None:
            link = {"url": only.get_absolute_url(), "link_text": f"Open “{only.title}” ({found})"}
        else:
            link = {
                "url": reverse("interviews:document_list", args=[job.study.slug]),
                "link_text": f"{summary.transcripts} transcripts processed ({found})",
            }
        job.result = {**summary.as_json(), **link}
        if summary.transcripts:
            # Sentences changed: suggestions for them are made again (when the study has rules or a model).
            from .suggestions import queue_after_processing

            whole_study = bool((job.params or {}).get("all"))
            queue_after_processing(
                study=job.study, user=job.created_by, transcripts=None if whole_study else transcripts.only("uuid")
            )


@job_task(JobKind.SUGGEST_TRAIN)
def train_suggestions_task(job_id: int) -> None:
    # The model row is written in the same transaction as `finish_job`: an attempt started again
    # after its worker died, or a racing one, stores one version (the other rolls back).
    # The job reads the coding when it starts (`fit_model` takes the mark first); a change committed
    # after that is newer than the mark, and the check on commit sees it and queues again (gated).
    from .suggestions import (
        auto_training,
        fit_model,
        maybe_queue_training,
        queue_suggestions,
        store_model,
        training_due,
    )

    with job_context(job_id) as job:
        if job is None:
            return
        report_progress(job, 5, "Reading the study's coding and training")
        fitted = fit_model(job.study)  # outside any transaction: it only reads, and takes a while
        report_progress(job, 90, "Storing the model")
        with transaction.atomic():
            model = store_model(job.study, fitted)
            stored = model.coding_mark == fitted.mark
            enabled = len(model.enabled)
            what = f"{enabled} code{'s' if enabled != 1 else ''} enabled"
            finish_job(
                job,
                result={
                    "version": model.version, "examples": model.examples, "enabled": enabled,
                    "counts": model.counts, "metrics": model.metrics, "stored": stored,
                    "url": _queue_url(job.study.slug),
                    "link_text": f"Model v{model.version}: {what}" if stored
                    else f"Model v{model.version} kept: a training on newer coding finished first",
                },
            )  # fmt: skip
            if stored:
                queue_suggestions(study=job.study, user=job.created_by)  # sent once this commits
            if auto_training():
                # Coding that changed while this trained (after its mark) is learnt by the next one.
                study, user_id = job.study, job.created_by_id
                transaction.on_commit(
                    lambda: training_due(study) and maybe_queue_training(study_id=study.pk, user_id=user_id)
                )


@shared_task(ignore_result=True)
def retrain_check_task(study_id: int, user_id: int | None = None) -> None:
    """The retraining check scheduled for the end of a study's gate window (`_check_later`): not a job
    (nothing slow, nothing to show): it queues a training job if coding changed since the model."""
    from django.core.cache import cache

    from .suggestions import _later_key, maybe_queue_training

    cache.delete(_later_key(study_id))
    maybe_queue_training(study_id=study_id, user_id=user_id)


@job_task(JobKind.SUGGEST_RUN)
def suggest_task(job_id: int) -> None:
    # Each group of transcripts replaces its open suggestions in a transaction of its own; a run
    # started again stores the same suggestions once.
    from .suggestions import RunProgress, generate_suggestions
    from .suggestions import job_transcripts as suggestion_transcripts

    with job_context(job_id) as job:
        if job is None:
            return
        report_progress(job, 0, "Suggesting codes")
        last = [0.0]

        def progress(p: RunProgress) -> None:
            now = time.monotonic()
            if now - last[0] >= PROGRESS_EVERY_S or p.transcripts_done == p.transcripts_total:
                last[0] = now
                report_progress(job, p.percent, f"{p.transcripts_done}/{p.transcripts_total} transcripts")

        summary = generate_suggestions(suggestion_transcripts(job), study=job.study, progress=progress)
        n, slow = summary.suggestions, len(summary.timed_out_rules)
        note = f" ({slow} rule{'s' if slow != 1 else ''} too slow: see the code's rules)" if slow else ""
        job.result = {
            **summary.as_json(),
            "url": _queue_url(job.study.slug),
            "link_text": f"{n} suggestion{'s' if n != 1 else ''} to review{note}",
        }
