"""Stored NLP results of transcripts, so that no page ever runs spaCy.

A transcript's results belong to one text version and one pipeline version; results of an older text
(a correction came after them) or an older pipeline (the technique vocabulary or the rules changed)
are stale and never shown (`assist.selectors`). Processing a transcript again replaces its results
in one transaction (`assist.services.process_transcripts`).

Sentences are stored as one JSON array of [start, end] pairs per transcript (`TextAnalysis`), not
one row per sentence: every reader of them wants all the sentences of one transcript at once (code
suggestions run sentence by sentence over a transcript; the reader snaps to sentence boundaries),
none looks a sentence up by itself, and a 10,000-word interview has some 600 of them, so one row
keeps writing and reading a transcript's sentences to one statement. Technique mentions are rows
(`TechniqueMention`): they are few, and they are looked up both ways — the mentions in a transcript
(the reader highlights them) and the mentions of a technique across a study (its page).

Offsets are Unicode code point offsets into `Transcript.text`, end exclusive, like every offset.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from interviews.models import Transcript
from studies.models import Study


class TextAnalysis(models.Model):
    """The sentences of one transcript's text, and what processing it found (one row per transcript,
    replaced when the transcript is processed again)."""

    transcript = models.OneToOneField(Transcript, on_delete=models.CASCADE, related_name="text_analysis")
    text_version = models.PositiveIntegerField(help_text="The Transcript.text_version analysed.")
    pipeline_version = models.CharField(max_length=64, help_text="assist.pipeline.PIPELINE_VERSION at the time.")
    sentences = models.JSONField(default=list, blank=True, help_text="[[start, end], ...] in text order.")
    word_count = models.PositiveIntegerField(default=0)
    mention_count = models.PositiveIntegerField(default=0)
    processed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "text analyses"

    def __str__(self) -> str:
        return f"analysis of {self.transcript_id} v{self.text_version} ({self.pipeline_version})"


class TechniqueMention(models.Model):
    """One place where a transcript names an explainability technique of the vocabulary
    (`explainers.techniques`), by its stable slug. Only speech counts: speaker labels are not read."""

    # Denormalised from the transcript: "mentions of a technique in a study" is one index range.
    # Neither key gets an index of its own: the two below start with them (fewer indexes to write).
    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="+", db_index=False)
    transcript = models.ForeignKey(
        Transcript, on_delete=models.CASCADE, related_name="technique_mentions", db_index=False
    )
    text_version = models.PositiveIntegerField()
    pipeline_version = models.CharField(max_length=64)
    start = models.PositiveIntegerField(help_text="Code point offset, inclusive.")
    end = models.PositiveIntegerField(help_text="Code point offset, exclusive.")
    technique = models.CharField(max_length=80, help_text="The technique's slug in explainers.techniques.")
    text = models.CharField(max_length=200, help_text="The words as they appear (cut to 200 characters).")

    class Meta:
        ordering = ["transcript", "start", "end"]
        constraints = [
            models.CheckConstraint(condition=models.Q(end__gt=models.F("start")), name="mention_end_after_start"),
        ]
        indexes = [
            models.Index(fields=["study", "technique", "transcript", "start"], name="mention_study_technique"),
            models.Index(fields=["transcript", "start"], name="mention_transcript_start"),
        ]

    def __str__(self) -> str:
        return f"{self.technique} at {self.start}-{self.end} of {self.transcript_id}"
