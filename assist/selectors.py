"""Reads of stored NLP results: only current ones, never spaCy.

A stored result is current when it belongs to its transcript's present text version and to the
present pipeline version; anything else (a correction came after it, the vocabulary changed) is
stale and read as absent until the transcript is processed again. Pages read these; none runs the
pipeline (a test loads pages in a fresh interpreter and checks spaCy stays unimported).
"""

from __future__ import annotations

from django.db.models import F, Q, QuerySet

from interviews.models import Transcript
from studies.models import Study

from .models import TechniqueMention, TextAnalysis


def pipeline_version() -> str:
    """The present pipeline version (`assist.pipeline.PIPELINE_VERSION`; reading it loads no spaCy)."""
    from .pipeline import PIPELINE_VERSION

    return str(PIPELINE_VERSION)


def current_analysis(transcript: Transcript) -> TextAnalysis | None:
    """The transcript's stored analysis if it is current, else None (never processed, or stale)."""
    return TextAnalysis.objects.filter(
        transcript=transcript, text_version=transcript.text_version, pipeline_version=pipeline_version()
    ).first()


def transcript_sentences(transcript: Transcript) -> list[tuple[int, int]] | None:
    """The (start, end) of the transcript's sentences in text order; None when not (currently) processed."""
    analysis = current_analysis(transcript)
    if analysis is None:
        return None
    return [(int(start), int(end)) for start, end in analysis.sentences]


def transcript_mentions(transcript: Transcript) -> QuerySet[TechniqueMention]:
    """The technique mentions in the transcript's present text, in text order."""
    return TechniqueMention.objects.filter(
        transcript=transcript, text_version=transcript.text_version, pipeline_version=pipeline_version()
    ).order_by("start", "end")


def technique_mentions(study: Study, slug: str | None = None) -> QuerySet[TechniqueMention]:
    """The current technique mentions of a study (of one technique when `slug` is given), with their
    transcript's title and uuid, by transcript then position."""
    mentions = TechniqueMention.objects.filter(
        study=study, pipeline_version=pipeline_version(), text_version=F("transcript__text_version")
    )
    if slug is not None:
        mentions = mentions.filter(technique=slug)
    return mentions.select_related("transcript").only(
        "start", "end", "technique", "text", "text_version", "transcript__uuid", "transcript__title",
        "transcript__text_version", "transcript__study_id",
    ).order_by("transcript__title", "transcript_id", "start")  # fmt: skip


def unprocessed_transcripts(study: Study) -> QuerySet[Transcript]:
    """The study's transcripts without a current analysis: never processed, corrected since, or
    processed by an older pipeline."""
    current = Q(text_analysis__text_version=F("text_version")) & Q(text_analysis__pipeline_version=pipeline_version())
    return Transcript.objects.filter(study=study).exclude(current)
