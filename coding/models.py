"""The coding workspace: codebook, codings, memos and the history log.

Codings are insert-only rows (see `Coding`), so two coders on one transcript
never overwrite each other and history, agreement and exports can follow a coding. Codes and memos carry a `version`
that a stale edit is checked against.
"""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from django.conf import settings
from django.db import models
from django.utils import timezone

from interviews.models import Participant, Transcript
from studies.models import Study

from .ids import uuid7


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
        ordering = ["order", "name"]
        indexes = [models.Index(fields=["study", "deleted_at"])]

    def __str__(self) -> str:
        return self.name


class CodingQuerySet(models.QuerySet["Coding"]):
    def live(self) -> CodingQuerySet:
        return self.filter(retired_at__isnull=True)


class Coding(models.Model):
    """A code applied by one coder to [start, end) of one text version of a transcript.

    Rows are insert-only. Removing a coding *retires* it (`retired_at`, `retired_batch`);
    recoding, resizing, merging, splitting and re-anchoring retire the row and insert its
    replacement, which points back with `replaces`, all in one history batch. So the table
    is its own history: `batch` is the action that inserted a row and `retired_batch` the
    one that retired it, and undoing an action is set-based over those two columns.

    Live rows (`retired_at` is null) are always on their transcript's current text
    version: a correction re-anchors every row of the old version onto the new one.
    `study` is stored on each row (it is the transcript's) for the hot filters.

    Read codings only through `coding.selectors` (a test enforces it).
    """

    # Every index and every foreign-key check costs each insert and each retirement, and a
    # merge of 100,000 codings writes 200,000 row versions. So the foreign keys use the
    # composite indexes below instead of one index each, and carry no database constraint:
    # PostgreSQL checks a constraint by locking the parent row (FOR KEY SHARE) once per
    # inserted row, which alone took 2 s of such a merge. Rows are written only by
    # `coding.services` (which check study, transcript, code and coder) and deleted only
    # through the ORM, whose on_delete rules (CASCADE, SET_NULL) Django applies itself.
    uuid = models.UUIDField(default=uuid7, unique=True, editable=False)
    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False)
    transcript = models.ForeignKey(
        Transcript, on_delete=models.CASCADE, related_name="codings", db_index=False, db_constraint=False
    )
    text_version = models.PositiveIntegerField(help_text="The transcript text version the offsets refer to.")
    code = models.ForeignKey(
        Code, on_delete=models.CASCADE, related_name="codings", db_index=False, db_constraint=False
    )
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    coder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="codings",
        db_index=False,
        db_constraint=False,
    )
    created_at = models.DateTimeField(default=timezone.now)
    # The history batch (one user action) that inserted this row.
    batch = models.UUIDField(default=uuid4, db_index=True)
    retired_at = models.DateTimeField(null=True, blank=True)
    retired_batch = models.UUIDField(null=True, blank=True)
    replaces = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="replaced_by",
        db_constraint=False,
        db_index=False,
    )
    # Set when a text correction could not place this coding exactly.
    needs_review = models.BooleanField(default=False)

    objects = CodingQuerySet.as_manager()

    class Meta:
        # No default ordering: a table of millions of rows is ordered where a page needs it.
        constraints = [
            models.CheckConstraint(condition=models.Q(end__gt=models.F("start")), name="coding_nonempty"),
            models.UniqueConstraint(
                fields=["transcript", "text_version", "code", "coder", "start", "end"],
                condition=models.Q(retired_at__isnull=True),
                name="coding_unique_live",
            ),
        ]
        indexes = [
            # Counts per code over a study: an index-only scan of the narrowest index (a wider
            # one made the count three times slower at 1,000,000 codings).
            models.Index(
                fields=["study", "code"], condition=models.Q(retired_at__isnull=True), name="coding_live_study_code"
            ),
            # A study's codings of a code by transcript and position: a code's codings (merge,
            # split, retrieval) and "a coding of code C in transcript T overlapping [s, e)"
            # (retrieval's AND), whose plan must not depend on fresh statistics. A coder's own
            # codings of a code in a transcript (joins on apply) come from `coding_unique_live`.
            models.Index(
                fields=["study", "code", "transcript", "start"],
                condition=models.Q(retired_at__isnull=True),
                name="coding_live_code_text",
            ),
            # Retired rows: by the batch that retired them (undo) and by transcript (the poll,
            # re-anchoring). Live rows of a transcript come from `coding_unique_live`. Deleting a
            # whole transcript, code or user, which no page does, scans the table.
            models.Index(
                fields=["retired_batch"], condition=models.Q(retired_at__isnull=False), name="coding_retired_batch"
            ),
            models.Index(
                fields=["transcript", "retired_at"],
                condition=models.Q(retired_at__isnull=False),
                name="coding_retired_text",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code_id}@{self.start}-{self.end}"

    @property
    def is_live(self) -> bool:
        return self.retired_at is None

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The study and text version are the transcript's unless given (bulk inserts give them).
        if self.study_id is None:
            self.study_id = self.transcript.study_id
        if self.text_version is None:
            self.text_version = self.transcript.text_version
        super().save(*args, **kwargs)


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
