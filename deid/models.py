"""De-identification: the study's mapping, proposals per transcript, and applications to revert.

Offsets are Unicode code point offsets into `Transcript.text` of the proposal's `text_version`, end
exclusive, like every offset. A proposal belongs to one text version: once a correction or an
application makes a new version, the page shows none until the transcript is scanned again.

`Pseudonym` is the study's mapping (original → pseudonym). It holds the identities the study
de-identifies, so only owners see it (`deid.views.mapping`); the same original (compared after
collapsing whitespace and case) always gets the same pseudonym in a study.

A scan reserves an entry (and its number) for every original it proposes, so two documents never
show one "Person 3" for two people; the entry becomes part of the mapping proper (`confirmed`) once
a proposal of it is accepted. Confirmed numbers are kept dense: confirming takes the smallest number
no confirmed entry has, swapping with the reservation that held it (`deid.services.confirm`), so
false hits the researcher rejects neither appear in the mapping nor use up "Person N" numbers.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from interviews.models import Transcript
from studies.models import Study

from .detect import EMAIL, KINDS, ORGANISATION, PERSON, PHONE, PLACE, SOURCES, URL

KIND_CHOICES = [
    (PERSON, "Person"),
    (ORGANISATION, "Organisation"),
    (PLACE, "Place"),
    (EMAIL, "E-mail address"),
    (PHONE, "Phone number"),
    (URL, "URL"),
]
assert [k for k, _ in KIND_CHOICES] == list(KINDS)
SOURCE_CHOICES = [(s, s.capitalize()) for s in SOURCES]


def original_key(original: str) -> str:
    """What makes two originals the same one: whitespace collapsed, case folded."""
    return " ".join(original.split()).casefold()[:300]


class Pseudonym(models.Model):
    """One entry of a study's mapping."""

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="pseudonyms")
    key = models.CharField(max_length=300, help_text="original_key(original)")
    original = models.CharField(max_length=300)
    kind = models.CharField(max_length=20, choices=KIND_CHOICES)
    pseudonym = models.CharField(max_length=100)
    number = models.PositiveIntegerField(null=True, blank=True, help_text="N of 'Person N', for allocation.")
    confirmed = models.BooleanField(
        default=False, help_text="A proposal of this original was accepted: an identifier, not a false hit."
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["kind", "number", "original"]
        constraints = [models.UniqueConstraint(fields=["study", "key"], name="deid_pseudonym_unique_original")]

    def __str__(self) -> str:
        return f"{self.original} → {self.pseudonym}"


class ProposalStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    ACCEPTED = "accepted", "Accepted"
    EDITED = "edited", "Accepted with another pseudonym"
    REJECTED = "rejected", "Rejected"


class Proposal(models.Model):
    """A span of one text version proposed for replacement."""

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="+", db_index=False)
    transcript = models.ForeignKey(Transcript, on_delete=models.CASCADE, related_name="deid_proposals", db_index=False)
    text_version = models.PositiveIntegerField()
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    kind = models.CharField(max_length=20, choices=KIND_CHOICES)
    source = models.CharField(max_length=20, choices=SOURCE_CHOICES)
    original = models.CharField(max_length=300)
    pseudonym = models.CharField(max_length=100)
    status = models.CharField(max_length=10, choices=ProposalStatus.choices, default=ProposalStatus.PROPOSED)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["transcript", "text_version", "start"]
        constraints = [
            models.CheckConstraint(condition=models.Q(end__gt=models.F("start")), name="deid_proposal_end_after_start"),
            models.UniqueConstraint(fields=["transcript", "text_version", "start"], name="deid_proposal_unique_start"),
        ]
        indexes = [models.Index(fields=["study", "status"], name="deid_proposal_study_status")]

    def __str__(self) -> str:
        return f"{self.original!r} → {self.pseudonym!r} ({self.status})"

    @property
    def accepted(self) -> bool:
        return self.status in (ProposalStatus.ACCEPTED, ProposalStatus.EDITED)


class Application(models.Model):
    """Replacements applied to a transcript: text version `from_version` became `to_version`.

    `replacements` are [new_start, new_end, original, pseudonym, kind] in text order, offsets into
    the text of `to_version`: revert puts each original back at its place (another new version).
    `speakers` are [speaker_pk, original_label, new_label] of the speaker labels it pseudonymised,
    which revert puts back too; `elsewhere` the other values it scrubbed (the title, the file name,
    the import warnings, the document's jobs), each put back by revert where nothing changed it
    since. Like the mapping, all three hold originals: owners only."""

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="+")
    transcript = models.ForeignKey(Transcript, on_delete=models.CASCADE, related_name="deid_applications")
    from_version = models.PositiveIntegerField()
    to_version = models.PositiveIntegerField()
    replacements = models.JSONField(default=list)
    speakers = models.JSONField(default=list, blank=True)
    elsewhere = models.JSONField(
        default=list, blank=True,
        help_text="[model, pk, field, original value, new value] of what else it scrubbed: the document's "
        "title, file name and import warnings, its jobs' names, parameters and results.",
    )  # fmt: skip
    applied_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    applied_at = models.DateTimeField(default=timezone.now)
    reverted_to_version = models.PositiveIntegerField(null=True, blank=True)
    reverted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reverted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-applied_at", "-pk"]

    def __str__(self) -> str:
        return f"de-identification of {self.transcript_id} v{self.from_version}→v{self.to_version}"

    @property
    def reverted(self) -> bool:
        return self.reverted_at is not None
