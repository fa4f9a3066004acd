"""Themes and findings: where a study's results take shape.

A `Theme` groups codes (`ThemeCode`, a code may sit in several themes) and other themes
(`parent`, any depth, never a cycle): Hopkins & Booth went from 945 codes to 101 detailed
themes to 6 overarching ones. A `Finding` is a claim under a theme backed by quoted
excerpts (`FindingExcerpt`, support or counter-evidence) and citing explainability
techniques (`FindingTechnique`).

Excerpts point at codings by uuid, not by foreign key: codings are insert-only, so a resize,
recode, merge or re-anchor retires the chosen row and inserts its successor.
`coding.selectors.lineage.live_successors` follows that chain when an excerpt is shown;
the `quote`/offset snapshot is the fallback when the coding was removed.

Themes and findings carry a `version` that a stale edit is checked against (as `Code.version`),
are soft-deleted (`deleted_at`) and every change is logged in the study history
(`coding.services.history.record`, object_type "theme" / "finding").
"""

from __future__ import annotations

from uuid import uuid4

from django.conf import settings
from django.db import models
from django.utils import timezone

from coding.models import Code
from interviews.models import Participant, Transcript
from studies.models import Study


class ThemeStatus(models.TextChoices):
    CANDIDATE = "candidate", "Candidate"
    REVIEWED = "reviewed", "Reviewed"
    FINAL = "final", "Final"


class ThemeQuerySet(models.QuerySet["Theme"]):
    def alive(self) -> ThemeQuerySet:
        return self.filter(deleted_at__isnull=True)


class Theme(models.Model):
    uuid = models.UUIDField(default=uuid4, unique=True, editable=False)
    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="themes")
    # A detailed theme under an overarching one; any depth. The services refuse cycles.
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children")
    # Often a participant's words ("It's Tough."), hence longer than a code name.
    name = models.CharField(max_length=300)
    definition = models.TextField(blank=True)
    narrative = models.TextField(blank=True, help_text="Markdown.")
    status = models.CharField(max_length=10, choices=ThemeStatus.choices, default=ThemeStatus.CANDIDATE)
    status_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status_at = models.DateTimeField(null=True, blank=True)
    order = models.IntegerField(default=0)
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    deleted_at = models.DateTimeField(null=True, blank=True)

    codes = models.ManyToManyField(Code, through="ThemeCode", related_name="themes")

    objects = ThemeQuerySet.as_manager()

    class Meta:
        ordering = ["order", "id"]
        indexes = [models.Index(fields=["study", "deleted_at"])]

    def __str__(self) -> str:
        return self.name


class ThemeCode(models.Model):
    """A code in a theme. A code may belong to several themes."""

    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="theme_codes")
    code = models.ForeignKey(Code, on_delete=models.CASCADE, related_name="theme_codes")
    order = models.IntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["theme", "code"], name="themecode_unique")]

    def __str__(self) -> str:
        return f"{self.code_id} in {self.theme_id}"


class FindingQuerySet(models.QuerySet["Finding"]):
    def alive(self) -> FindingQuerySet:
        return self.filter(deleted_at__isnull=True)


class Finding(models.Model):
    """A claim under a theme, backed by quoted excerpts and citing techniques."""

    uuid = models.UUIDField(default=uuid4, unique=True, editable=False)
    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="findings")
    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="findings")
    claim = models.TextField()
    narrative = models.TextField(blank=True, help_text="Markdown.")
    order = models.IntegerField(default=0)
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    deleted_at = models.DateTimeField(null=True, blank=True)

    objects = FindingQuerySet.as_manager()

    class Meta:
        ordering = ["order", "id"]
        indexes = [models.Index(fields=["theme", "deleted_at"]), models.Index(fields=["study", "deleted_at"])]

    def __str__(self) -> str:
        return self.claim[:80]


class ExcerptKind(models.TextChoices):
    SUPPORT = "support", "Supporting"
    COUNTER = "counter", "Counter-evidence"


class FindingExcerpt(models.Model):
    """A quote chosen from a coding, as evidence for or against a finding.

    `coding_uuid` is the coding chosen; the live coding that now holds it comes from
    `live_successors`. `transcript`/`start`/`end`/`text_version`/`quote` are the snapshot
    shown (with a "coding changed/removed" note) when no live successor exists; `transcript` is
    None once the document was deleted (the quote stays, not counted in coverage).
    """

    uuid = models.UUIDField(default=uuid4, unique=True, editable=False)
    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="excerpts")
    kind = models.CharField(max_length=8, choices=ExcerptKind.choices, default=ExcerptKind.SUPPORT)
    coding_uuid = models.UUIDField(db_index=True)
    # SET_NULL: deleting a document must not silently take the evidence of a finding with it; the
    # excerpt stays, showing its stored quote as "removed: its document was deleted", uncounted.
    transcript = models.ForeignKey(Transcript, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    text_version = models.PositiveIntegerField()
    quote = models.TextField()
    order = models.IntegerField(default=0)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["finding", "kind", "coding_uuid"], name="findingexcerpt_unique"),
            models.CheckConstraint(condition=models.Q(end__gt=models.F("start")), name="findingexcerpt_nonempty"),
        ]

    def __str__(self) -> str:
        return self.quote[:80]


class FindingTechnique(models.Model):
    """An explainability technique (a slug of `explainers.techniques`) cited by a finding."""

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="techniques")
    technique = models.SlugField(max_length=80)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["technique"]
        constraints = [models.UniqueConstraint(fields=["finding", "technique"], name="findingtechnique_unique")]
        indexes = [models.Index(fields=["technique"])]

    def __str__(self) -> str:
        return self.technique


class FindingParticipant(models.Model):
    """A participant the researcher attributes a finding to without quoting them: the claim rests on
    their interview (or on notes, as papers often say), but no excerpt of theirs is chosen. Coverage
    counts them beside the participants with a supporting excerpt and says which is which, so a reader
    can tell quoted evidence from attribution."""

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="attributed")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="+")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["finding", "participant"], name="findingparticipant_unique")]

    def __str__(self) -> str:
        return f"{self.finding_id} ← {self.participant_id}"
