from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from pathlib import PurePosixPath
from uuid import uuid4

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone


class Role(models.TextChoices):
    VIEWER = "viewer", "Viewer"
    CODER = "coder", "Coder"
    OWNER = "owner", "Owner"


# Roles form a ladder: each one can do everything the ones below it can.
ROLE_RANK: dict[str, int] = {Role.VIEWER: 1, Role.CODER: 2, Role.OWNER: 3}


class Study(models.Model):
    uuid = models.UUIDField(default=uuid4, unique=True, editable=False)
    title = models.CharField(max_length=300)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(blank=True)
    citation = models.TextField(blank=True, help_text="How to cite the study or its source paper.")
    doi = models.CharField("DOI", max_length=200, blank=True)
    research_questions = models.TextField(blank=True, help_text="One research question per line.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]
        verbose_name_plural = "studies"

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("studies:dashboard", kwargs={"slug": self.slug})

    @property
    def research_question_list(self) -> list[str]:
        return [line.strip() for line in self.research_questions.splitlines() if line.strip()]

    @property
    def doi_url(self) -> str:
        doi = self.doi.strip()
        if not doi:
            return ""
        return doi if doi.startswith("http") else f"https://doi.org/{doi}"


class Membership(models.Model):
    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.VIEWER)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["study", "user__username"]
        constraints = [models.UniqueConstraint(fields=["study", "user"], name="unique_membership")]

    def __str__(self) -> str:
        return f"{self.user} in {self.study} ({self.role})"

    def has_role(self, role: str) -> bool:
        return ROLE_RANK[self.role] >= ROLE_RANK[role]

    @property
    def can_code(self) -> bool:
        return self.has_role(Role.CODER)

    @property
    def can_manage(self) -> bool:
        return self.has_role(Role.OWNER)


def _invitation_token() -> str:
    return secrets.token_urlsafe(24)


def _invitation_expiry() -> datetime:
    return timezone.now() + timedelta(days=14)


class Invitation(models.Model):
    """A link an owner shares by hand: no e-mail server is needed."""

    uuid = models.UUIDField(default=uuid4, unique=True, editable=False)
    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="invitations")
    token = models.CharField(max_length=64, unique=True, default=_invitation_token, editable=False)
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.CODER)
    note = models.CharField(max_length=200, blank=True, help_text="Who the link is for (only you see this).")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(default=_invitation_expiry)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invitation to {self.study} as {self.role}"

    @property
    def is_usable(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > timezone.now()

    def get_absolute_url(self) -> str:
        return reverse("accounts:accept_invitation", kwargs={"token": self.token})


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    # The task could not be handed to the task service (broker unreachable); the job and its
    # file are kept and it is sent again when the service is back (`sweep_jobs`) or by hand.
    WAITING = "waiting", "Waiting for the task service"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class JobKind(models.TextChoices):
    """Every kind of background work; each has one Celery task."""

    IMPORT_TRANSCRIPT = "import_transcript", "Transcript import"
    EXPORT_PARTICIPANTS = "export_participants", "Participant table export"
    EXPORT_CODEBOOK = "export_codebook", "Codebook export"
    EXPORT_SEGMENTS = "export_segments", "Coded segments export"
    NLP_PROCESS = "nlp_process", "Text processing"
    SUGGEST_TRAIN = "suggest_train", "Suggestion model training"
    SUGGEST_RUN = "suggest_run", "Code suggestions"
    DEID_DETECT = "deid_detect", "De-identification scan"
    SANDBOX_RUN = "sandbox_run", "Explainer sandbox computation"


class Job(models.Model):
    """One row per piece of background work (imports, NLP, exports...).

    Created in the request, handed to a Celery task by id on commit; the task
    is idempotent and the page polls this row for progress.
    """

    uuid = models.UUIDField(default=uuid4, unique=True, editable=False)
    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="jobs")
    kind = models.CharField(max_length=50, choices=JobKind.choices)
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent done, 0-100.")
    message = models.CharField(max_length=500, blank=True)
    error = models.TextField(blank=True)
    params = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    input_name = models.CharField(max_length=255, blank=True)
    input_file = models.FileField(upload_to="jobs/input/%Y/%m/", blank=True)
    result_file = models.FileField(upload_to="jobs/result/%Y/%m/", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # When the task was last handed to the task service (None: never, or that failed).
    sent_at = models.DateTimeField(null=True, blank=True)
    # A running task touches this every few seconds; a stale heartbeat means its worker died.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # How many times a worker has started this job (a died worker's job is started again).
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["study", "kind", "-created_at"]),
            models.Index(fields=["status", "heartbeat_at"], name="job_status_heartbeat"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.status}"

    @property
    def result_filename(self) -> str:
        """The name a finished export is downloaded as."""
        if not self.result_file:
            return ""
        return str(self.result.get("filename") or PurePosixPath(self.result_file.name or "").name)

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)

    def get_absolute_url(self) -> str:
        return reverse("studies:job_detail", kwargs={"slug": self.study.slug, "job_uuid": self.uuid})


class StagedKind(models.TextChoices):
    PARTICIPANT_TABLE = "participant_table", "Participant table"
    CODEBOOK = "codebook", "Codebook"
    TRANSCRIPT = "transcript", "Transcript"


STAGED_UPLOAD_LIFETIME = timedelta(days=1)


def _staged_expiry() -> datetime:
    return timezone.now() + STAGED_UPLOAD_LIFETIME


class StagedUpload(models.Model):
    """An uploaded file kept between a preview and its confirmation (two-step imports).

    Not a job: nothing runs in the background. It belongs to the person who uploaded it, is
    deleted when the import is confirmed, and expires after a day (`purge_staged_uploads`).
    """

    uuid = models.UUIDField(default=uuid4, unique=True, editable=False)
    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="staged_uploads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=30, choices=StagedKind.choices)
    name = models.CharField(max_length=255)
    data = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(default=_staged_expiry, db_index=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.name}"
