"""The corpus: participants with typed attributes, protocols, transcripts, turns.

Offsets everywhere are Unicode code point offsets into `Transcript.text`
(NFC, newlines normalised to \\n), end exclusive: the REFI-QDA convention.
"""

from __future__ import annotations

from uuid import uuid4

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from studies.models import Study


class AttributeType(models.TextChoices):
    TEXT = "text", "Text"
    NUMBER = "number", "Number"
    CATEGORY = "category", "Category"
    DATE = "date", "Date"
    BOOLEAN = "boolean", "Yes/no"


class Attribute(models.Model):
    """A typed case variable defined per study (e.g. role, resources)."""

    uuid = models.UUIDField(default=uuid4, unique=True, editable=False)
    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="attributes")
    name = models.CharField(max_length=100)
    type = models.CharField(max_length=10, choices=AttributeType.choices, default=AttributeType.TEXT)
    choices = models.JSONField(default=list, blank=True, help_text="Allowed values of a category attribute.")
    description = models.CharField(max_length=300, blank=True)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["study", "order", "name"]
        constraints = [models.UniqueConstraint(fields=["study", "name"], name="unique_attribute_name")]

    def __str__(self) -> str:
        return self.name


class Participant(models.Model):
    uuid = models.UUIDField(default=uuid4, unique=True, editable=False)
    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="participants")
    label = models.CharField(max_length=50, help_text="Identifier used in the study, e.g. P1 or R3.")
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["study", "label"]
        constraints = [models.UniqueConstraint(fields=["study", "label"], name="unique_participant_label")]

    def __str__(self) -> str:
        return self.label

    def get_absolute_url(self) -> str:
        return reverse("interviews:participant_detail", kwargs={"slug": self.study.slug, "participant_uuid": self.uuid})


class AttributeValue(models.Model):
    """One participant's value for one attribute, in the column of its type.

    Typed columns (rather than one text column) let retrieval filter with real
    comparisons: `years > 5`, `date < 2020-01-01`, `role in (DS, PM)`.
    """

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="values")
    attribute = models.ForeignKey(Attribute, on_delete=models.CASCADE, related_name="values")
    value_text = models.TextField(blank=True, default="")
    value_number = models.FloatField(null=True, blank=True)
    value_date = models.DateField(null=True, blank=True)
    value_bool = models.BooleanField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["participant", "attribute"], name="unique_attribute_value")]
        indexes = [models.Index(fields=["attribute", "value_text"])]

    def __str__(self) -> str:
        return f"{self.attribute}={self.display}"

    @property
    def display(self) -> str:
        kind = self.attribute.type
        if kind == AttributeType.NUMBER:
            if self.value_number is None:
                return ""
            return f"{self.value_number:g}"
        if kind == AttributeType.DATE:
            return self.value_date.isoformat() if self.value_date else ""
        if kind == AttributeType.BOOLEAN:
            return "" if self.value_bool is None else ("yes" if self.value_bool else "no")
        return self.value_text


class Protocol(models.Model):
    uuid = models.UUIDField(default=uuid4, unique=True, editable=False)
    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="protocols")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["study", "title"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("interviews:protocol_detail", kwargs={"slug": self.study.slug, "protocol_uuid": self.uuid})


class ProtocolQuestion(models.Model):
    uuid = models.UUIDField(default=uuid4, unique=True, editable=False)
    protocol = models.ForeignKey(Protocol, on_delete=models.CASCADE, related_name="questions")
    section = models.CharField(max_length=200, blank=True)
    text = models.TextField()
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["protocol", "order", "id"]

    def __str__(self) -> str:
        return self.text[:80]


class TranscriptMode(models.TextChoices):
    """How a document holds an interview, or that it holds none: OTHER is text of the study that is
    no interview (a paper's own prose, a report, field documents). Its codings count like any
    others, but per-interview figures (the saturation curve) leave it out and say so."""

    RECORDED = "recorded", "Recorded"
    NOTES = "notes", "Notes"
    EXCERPTS = "excerpts", "Published excerpts"
    OTHER = "other", "Not an interview (other text)"


class Transcript(models.Model):
    """A document of the corpus. `text` is canonical and immutable once coded."""

    uuid = models.UUIDField(default=uuid4, unique=True, editable=False)
    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="transcripts")
    title = models.CharField(max_length=300)
    participants = models.ManyToManyField(Participant, blank=True, related_name="transcripts")
    protocol = models.ForeignKey(Protocol, null=True, blank=True, on_delete=models.SET_NULL, related_name="transcripts")
    interview_date = models.DateField(null=True, blank=True)
    duration_seconds = models.PositiveIntegerField(null=True, blank=True)
    interviewer = models.CharField(max_length=200, blank=True)
    mode = models.CharField(max_length=10, choices=TranscriptMode.choices, default=TranscriptMode.RECORDED)
    language = models.CharField(max_length=20, default="en")
    citation = models.TextField(blank=True, help_text="Source of published excerpts.")
    source_filename = models.CharField(max_length=255, blank=True)
    source_format = models.CharField(max_length=10, blank=True)
    source_sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    text = models.TextField()
    text_sha256 = models.CharField(max_length=64, blank=True)
    text_version = models.PositiveIntegerField(default=1)
    char_count = models.PositiveIntegerField(default=0)
    word_count = models.PositiveIntegerField(default=0)
    import_warnings = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["study", "title"]
        indexes = [models.Index(fields=["study", "source_sha256"])]

    def __str__(self) -> str:
        return self.title

    @property
    def is_interview(self) -> bool:
        return self.mode != TranscriptMode.OTHER

    def get_absolute_url(self) -> str:
        return reverse("interviews:transcript_detail", kwargs={"slug": self.study.slug, "transcript_uuid": self.uuid})


class SpeakerRole(models.TextChoices):
    PARTICIPANT = "participant", "Participant"
    INTERVIEWER = "interviewer", "Interview team"
    OTHER = "other", "Other"


class Speaker(models.Model):
    """A speaker label as it appears in one transcript, mapped to a person."""

    transcript = models.ForeignKey(Transcript, on_delete=models.CASCADE, related_name="speakers")
    label = models.CharField(max_length=200)
    role = models.CharField(max_length=12, choices=SpeakerRole.choices, default=SpeakerRole.PARTICIPANT)
    participant = models.ForeignKey(
        Participant, null=True, blank=True, on_delete=models.SET_NULL, related_name="speakers"
    )

    class Meta:
        ordering = ["transcript", "label"]
        constraints = [models.UniqueConstraint(fields=["transcript", "label"], name="unique_speaker_label")]

    def __str__(self) -> str:
        return self.label


class SpeakerTurn(models.Model):
    transcript = models.ForeignKey(Transcript, on_delete=models.CASCADE, related_name="turns")
    index = models.PositiveIntegerField()
    speaker = models.ForeignKey(Speaker, null=True, blank=True, on_delete=models.SET_NULL, related_name="turns")
    start = models.PositiveIntegerField(help_text="Code point offset, inclusive.")
    end = models.PositiveIntegerField(help_text="Code point offset, exclusive.")
    start_ms = models.PositiveBigIntegerField(null=True, blank=True)
    end_ms = models.PositiveBigIntegerField(null=True, blank=True)
    question = models.ForeignKey(
        ProtocolQuestion, null=True, blank=True, on_delete=models.SET_NULL, related_name="turns"
    )

    class Meta:
        ordering = ["transcript", "index"]
        constraints = [
            models.UniqueConstraint(fields=["transcript", "index"], name="unique_turn_index"),
            models.CheckConstraint(condition=models.Q(end__gte=models.F("start")), name="turn_end_after_start"),
        ]
        indexes = [models.Index(fields=["transcript", "start"])]

    def __str__(self) -> str:
        return f"turn {self.index} of {self.transcript_id}"
