"""The coding workspace: codebook, codings, memos and the history log.

Codings are insert-only rows (a removal sets `deleted_at`), so two coders on
one transcript never overwrite each other. Codes and memos carry a `version`
that a stale edit is checked against.
"""

from __future__ import annotations

from uuid import uuid4

from django.conf import settings
from django.db import models
from django.utils import timezone

from interviews.models import Participant, Transcript
from studies.models import Study


class CodeQuerySet(models.QuerySet["Code"]):
    def alive(self) -> CodeQuerySet:
        return self.filter(deleted_at__isnull=True)


class Code(models.Model):
    uuid = models.UUIDField(default=uuid4, unique=True, editable=False)
    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="codes")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children")
    name = models.CharField(max_length=200)
    colour = models.CharField(max_length=7, default="#ffd166", help_text="Hex colour, #rrggbb.")
    definition = models.TextField(blank=True)
    inclusion = models.TextField("inclusion criteria", blank=True)
    exclusion = models.TextField("exclusion criteria", blank=True)
    typical_example = models.TextField(blank=True)
    atypical_example = models.TextField(blank=True)
    order = models.IntegerField(default=0)
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    deleted_at = models.DateTimeField(null=True, blank=True)

    objects = CodeQuerySet.as_manager()

    class Meta:
        ordering = ["study", "order", "name"]
        indexes = [models.Index(fields=["study", "deleted_at"])]

    def __str__(self) -> str:
        return self.name


class Coding(models.Model):
    """A code applied to [start, end) of a transcript's canonical text."""

    uuid = models.UUIDField(default=uuid4, unique=True, editable=False)
    transcript = models.ForeignKey(Transcript, on_delete=models.CASCADE, related_name="codings")
    code = models.ForeignKey(Code, on_delete=models.CASCADE, related_name="codings")
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    coder = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="codings")
    created_at = models.DateTimeField(default=timezone.now)
    deleted_at = models.DateTimeField(null=True, blank=True)
    # Set when a transcript correction could not place this coding exactly.
    needs_review = models.BooleanField(default=False)
    # Groups codings applied together (auto-code, turn coding) for undo.
    batch = models.UUIDField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["transcript", "start", "end"]
        constraints = [
            models.CheckConstraint(condition=models.Q(end__gt=models.F("start")), name="coding_nonempty"),
        ]
        indexes = [
            models.Index(fields=["transcript", "deleted_at", "start"]),
            models.Index(fields=["code", "deleted_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.code_id}@{self.start}-{self.end}"


class MemoTarget(models.TextChoices):
    STUDY = "study", "Study journal"
    CODE = "code", "Code"
    CODING = "coding", "Coding"
    TRANSCRIPT = "transcript", "Transcript"
    PARTICIPANT = "participant", "Participant"


class Memo(models.Model):
    uuid = models.UUIDField(default=uuid4, unique=True, editable=False)
    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="memos")
    target = models.CharField(max_length=12, choices=MemoTarget.choices, default=MemoTarget.STUDY)
    code = models.ForeignKey(Code, null=True, blank=True, on_delete=models.CASCADE, related_name="memos")
    coding = models.ForeignKey(Coding, null=True, blank=True, on_delete=models.CASCADE, related_name="memos")
    transcript = models.ForeignKey(Transcript, null=True, blank=True, on_delete=models.CASCADE, related_name="memos")
    participant = models.ForeignKey(Participant, null=True, blank=True, on_delete=models.CASCADE, related_name="memos")
    title = models.CharField(max_length=200, blank=True)
    body = models.TextField(help_text="Markdown.")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="memos")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return self.title or self.body[:60]


class LogEntry(models.Model):
    """Append-only history of changes to codes, codings and memos.

    `before`/`after` hold the changed fields; undo replays `before`. Entries
    sharing a `batch` are undone together.
    """

    uuid = models.UUIDField(default=uuid4, unique=True, editable=False)
    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="log_entries")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(max_length=40)
    object_type = models.CharField(max_length=20)
    object_uuid = models.UUIDField()
    summary = models.CharField(max_length=300, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    batch = models.UUIDField(default=uuid4, db_index=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["study", "-created_at"]), models.Index(fields=["study", "user", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.action} {self.object_type} {self.object_uuid}"
