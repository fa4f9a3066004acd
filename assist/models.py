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

from uuid import uuid4

from django.conf import settings
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


# --- code suggestions -------------------------------------------------------------------------------
#
# Suggestions are stored apart from codings and are never read as codings: accepting one writes an
# ordinary insert-only coding by the accepting user through `coding.services`, and the suggestion
# keeps the coding's uuid as provenance. Rules and the trained model are per study.


class RuleKind(models.TextChoices):
    KEYWORD = "keyword", "Keyword"
    PHRASE = "phrase", "Phrase"
    LEMMA = "lemma", "Lemma pattern"
    REGEX = "regex", "Regular expression"


class SuggestionRule(models.Model):
    """A rule a researcher attached to a code: segments it matches are suggested for the code. Its
    score is its smoothed precision from past decisions (`assist.suggest.rules.rule_score`), kept as
    two counters updated with F() by the accept and reject services."""

    uuid = models.UUIDField(default=uuid4, unique=True, editable=False)
    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="+", db_index=False)
    code = models.ForeignKey("coding.Code", on_delete=models.CASCADE, related_name="suggestion_rules")
    kind = models.CharField(max_length=10, choices=RuleKind.choices, default=RuleKind.KEYWORD)
    pattern = models.CharField(max_length=300)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(default=timezone.now)
    deleted_at = models.DateTimeField(null=True, blank=True)
    accepted = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    timed_out_at = models.DateTimeField(
        null=True, blank=True, help_text="When a run last gave this regex up (search time limit); cleared by an edit."
    )

    class Meta:
        ordering = ["code", "created_at", "pk"]
        indexes = [models.Index(fields=["study", "code"], name="rule_study_code")]

    def __str__(self) -> str:
        return f"{self.kind} “{self.pattern}” → {self.code_id}"

    @property
    def is_live(self) -> bool:
        return self.deleted_at is None

    @property
    def score(self) -> float:
        """Smoothed precision, (accepted + 5) / (accepted + rejected + 10): THE formula is ENGINE's."""
        from .suggest.rules import rule_score  # no spaCy at import time

        return float(rule_score(self.accepted, self.rejected))


class SuggestionModel(models.Model):
    """One trained suggestion model of a study; the latest version is the current one. `blob` is the
    pickled `assist.suggest.model.TrainedModel`; `coding_mark` is the study's highest history entry
    id when its examples were read, so "coding changed since" is one indexed EXISTS."""

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="+", db_index=False)
    version = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    examples = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict, blank=True, help_text="{code_id: positive examples}")
    enabled = models.JSONField(default=list, blank=True, help_text="[code_id] with enough examples")
    blob = models.BinaryField()
    coding_mark = models.BigIntegerField(default=0, help_text="Max LogEntry id of the study when trained.")
    metrics = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["study", "-version"]
        constraints = [models.UniqueConstraint(fields=["study", "version"], name="suggestion_model_version")]

    def __str__(self) -> str:
        return f"model v{self.version} of {self.study_id}"


class SuggestionStatus(models.TextChoices):
    OPEN = "open", "Open"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"
    SUPERSEDED = "superseded", "Superseded"


class SuggestionSource(models.TextChoices):
    RULE = "rule", "Rule"
    MODEL = "model", "Model"
    BOTH = "rule+model", "Rule and model"


class Suggestion(models.Model):
    """A code suggested for one segment (a sentence) of one text version of a transcript.

    Each generation run brings a transcript's open suggestions up to date in place: one made again
    (same text version, segment and code) keeps its id and uuid, with the new score and evidence;
    `run` is the last run that changed it. Decided ones are kept: accepted ones as provenance of the
    coding they made (`coding_uuid`), rejected ones as negatives for the next model and so the same
    code is not suggested there again. A correction carries decided ones onto the new text version
    (`assist.suggestions.carry_decided`); an open suggestion of an older version is stale and never
    shown (the next run removes it)."""

    uuid = models.UUIDField(default=uuid4, unique=True, editable=False)
    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="+", db_index=False)
    transcript = models.ForeignKey(Transcript, on_delete=models.CASCADE, related_name="suggestions", db_index=False)
    text_version = models.PositiveIntegerField()
    start = models.PositiveIntegerField(help_text="Code point offset of the segment, inclusive.")
    end = models.PositiveIntegerField(help_text="Code point offset of the segment, exclusive.")
    code = models.ForeignKey("coding.Code", on_delete=models.CASCADE, related_name="+", db_index=False)
    score = models.FloatField()
    band = models.CharField(max_length=8)
    source = models.CharField(max_length=10, choices=SuggestionSource.choices)
    rule = models.ForeignKey(
        SuggestionRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    model_version = models.PositiveIntegerField(null=True, blank=True)
    evidence = models.JSONField(
        default=dict, blank=True, help_text='{"rules": [ids], "spans": [[s, e]], "similar": [[key, code_id, sim]]}'
    )
    status = models.CharField(max_length=10, choices=SuggestionStatus.choices, default=SuggestionStatus.OPEN)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_batch = models.UUIDField(null=True, blank=True, help_text="The history batch of the decision.")
    final_code = models.ForeignKey(
        "coding.Code", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    final_start = models.PositiveIntegerField(null=True, blank=True)
    final_end = models.PositiveIntegerField(null=True, blank=True)
    coding_uuid = models.UUIDField(null=True, blank=True, help_text="The coding the acceptance made.")
    created_at = models.DateTimeField(default=timezone.now)
    run = models.UUIDField(help_text="The generation run that made it.")

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(end__gt=models.F("start")), name="suggestion_end_after_start"),
            # One open suggestion of a code per segment: a run replaces, never adds to, the open ones.
            models.UniqueConstraint(
                fields=["transcript", "text_version", "start", "end", "code"],
                condition=models.Q(status="open"),
                name="suggestion_unique_open",
            ),
        ]
        indexes = [
            models.Index("study", "transcript", "status", models.F("score").desc(), name="suggestion_queue_transcript"),
            models.Index("study", "code", "status", models.F("score").desc(), name="suggestion_queue_code"),
            models.Index(
                fields=["coding_uuid"], condition=models.Q(coding_uuid__isnull=False), name="suggestion_coding"
            ),
            models.Index(
                fields=["decision_batch"], condition=models.Q(decision_batch__isnull=False), name="suggestion_batch"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code_id}? {self.start}-{self.end} of {self.transcript_id} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status == SuggestionStatus.OPEN
