"""Findings: a claim under a theme, its supporting and counter-evidence excerpts, its cited techniques.

Each function is one user action: atomic, checked against the study, logged in the study history
(`coding.services.history.record`, object_type "finding"). An excerpt is chosen from a live coding
the user may see (read through `coding.selectors.findings`); it keeps the coding's uuid, which is
followed to the live coding whenever the finding is shown (`themes.coverage`), and a snapshot of the
words and offsets, which is what remains when the coding is later removed.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone

from accounts.models import User
from coding.selectors.findings import chosen_coding
from coding.services.codebook import Conflict
from coding.services.history import Entry, record, record_many
from explainers.techniques import by_slug
from interviews.models import Participant, Transcript
from interviews.ordering import natural_key

from ..models import ExcerptKind, Finding, FindingExcerpt, FindingParticipant, FindingTechnique, Theme

__all__ = [
    "Conflict",
    "add_excerpt",
    "attribute_participants",
    "cite_technique",
    "create_finding",
    "delete_finding",
    "move_excerpt",
    "remove_excerpt",
    "restore_finding",
    "uncite_technique",
    "update_finding",
]

CLAIM_MAX = 2_000
NARRATIVE_MAX = 200_000


def _clean(claim: str, narrative: str) -> tuple[str, str]:
    claim, narrative = claim.strip(), narrative.strip()
    if not claim:
        raise ValidationError("A finding needs a claim.")
    if len(claim) > CLAIM_MAX:
        raise ValidationError(f"A claim is at most {CLAIM_MAX:,} characters; say more in the narrative.")
    if len(narrative) > NARRATIVE_MAX:
        raise ValidationError("A narrative is limited to 200,000 characters.")
    return claim, narrative


def _lock(finding: Finding) -> Finding:
    return Finding.objects.select_for_update().select_related("study", "theme").get(pk=finding.pk)


def _log(finding: Finding, user: User | None, action: str, summary: str, **extra: Any) -> None:
    record(
        study=finding.study, user=user, action=action, object_type="finding", object_uuid=finding.uuid,
        summary=summary, **extra,
    )  # fmt: skip


@transaction.atomic
def create_finding(*, theme: Theme, user: User | None, claim: str, narrative: str = "") -> Finding:
    """A new finding, last under its theme."""
    if theme.deleted_at is not None:
        raise ValidationError("This theme was deleted; restore it first.")
    claim, narrative = _clean(claim, narrative)
    Theme.objects.select_for_update().filter(pk=theme.pk).first()  # serialises the order of concurrent adds
    last = Finding.objects.filter(theme=theme).aggregate(m=Max("order"))["m"]
    finding = Finding.objects.create(
        study=theme.study, theme=theme, claim=claim, narrative=narrative, order=(last or 0) + 1, created_by=user
    )
    _log(finding, user, "create", f"wrote finding “{claim[:120]}” under “{theme.name[:80]}”",
         after={"claim": claim, "narrative": narrative, "theme": str(theme.uuid)})  # fmt: skip
    return finding


@transaction.atomic
def update_finding(
    *, finding: Finding, user: User | None, expected_version: int, claim: str, narrative: str
) -> Finding:
    """Change the claim and narrative; a stale `expected_version` raises Conflict and saves nothing."""
    locked = _lock(finding)
    if locked.version != expected_version or locked.deleted_at is not None:
        raise Conflict(locked)
    claim, narrative = _clean(claim, narrative)
    before = {"claim": locked.claim, "narrative": locked.narrative}
    after = {"claim": claim, "narrative": narrative}
    if before == after:
        return locked
    locked.claim, locked.narrative = claim, narrative
    locked.version = F("version") + 1  # type: ignore[assignment]
    locked.save(update_fields=["claim", "narrative", "version"])
    locked.refresh_from_db(fields=["version"])
    _log(locked, user, "update", f"edited finding “{claim[:120]}”", before=before, after=after)
    return locked


@transaction.atomic
def delete_finding(*, finding: Finding, user: User | None) -> Finding:
    locked = _lock(finding)
    if locked.deleted_at is None:
        locked.deleted_at = timezone.now()
        locked.save(update_fields=["deleted_at"])
        _log(locked, user, "delete", f"deleted finding “{locked.claim[:120]}”",
             before={"deleted_at": None}, after={"deleted_at": locked.deleted_at.isoformat()})  # fmt: skip
    return locked


@transaction.atomic
def restore_finding(*, finding: Finding, user: User | None) -> Finding:
    locked = _lock(finding)
    if locked.deleted_at is not None:
        if locked.theme.deleted_at is not None:
            raise ValidationError("Its theme was deleted; restore the theme first.")
        before = locked.deleted_at.isoformat()
        locked.deleted_at = None
        locked.save(update_fields=["deleted_at"])
        _log(locked, user, "restore", f"restored finding “{locked.claim[:120]}”",
             before={"deleted_at": before}, after={"deleted_at": None})  # fmt: skip
    return locked


def _live_finding(finding: Finding) -> Finding:
    locked = _lock(finding)
    if locked.deleted_at is not None:
        raise ValidationError("This finding was deleted; restore it first.")
    return locked


@transaction.atomic
def add_excerpt(
    *, finding: Finding, user: User | None, coding_uuid: UUID | str, kind: str = ExcerptKind.SUPPORT
) -> FindingExcerpt:
    """Quote a coding as support or counter-evidence. The coding must be live and one the user may
    see, in the finding's study; quoting the same coding twice the same way is refused."""
    if kind not in ExcerptKind.values:
        raise ValidationError("An excerpt supports a finding or counts against it.")
    locked = _live_finding(finding)
    coding = chosen_coding(study=locked.study, user=user, uuid=coding_uuid)
    if coding is None:
        raise ValidationError("That coding was not found (it may have been changed or removed); pick it again.")
    transcript = Transcript.objects.only("text", "title", "study_id").get(pk=coding["transcript_id"])
    quote = transcript.text[coding["start"] : coding["end"]]
    last = FindingExcerpt.objects.filter(finding=locked).aggregate(m=Max("order"))["m"]
    try:
        with transaction.atomic():
            excerpt = FindingExcerpt.objects.create(
                finding=locked, kind=kind, coding_uuid=coding["uuid"], transcript=transcript,
                start=coding["start"], end=coding["end"], text_version=coding["text_version"], quote=quote,
                order=(last or 0) + 1, added_by=user,
            )  # fmt: skip
    except IntegrityError:
        raise ValidationError("This excerpt is already quoted in this finding.") from None
    label = "support" if kind == ExcerptKind.SUPPORT else "counter-evidence"
    _log(locked, user, "add_excerpt", f"quoted “{quote[:100]}” from {transcript.title} as {label}",
         after={"excerpt": str(excerpt.uuid), "coding": str(coding["uuid"]), "kind": kind})  # fmt: skip
    return excerpt


@transaction.atomic
def remove_excerpt(*, excerpt: FindingExcerpt, user: User | None) -> None:
    locked = _live_finding(excerpt.finding)
    row = FindingExcerpt.objects.filter(pk=excerpt.pk, finding=locked).first()
    if row is None:
        return
    snapshot = {
        "excerpt": str(row.uuid), "coding": str(row.coding_uuid), "kind": row.kind, "quote": row.quote,
        "start": row.start, "end": row.end, "transcript": str(row.transcript.uuid) if row.transcript else None,
    }  # fmt: skip
    row.delete()
    _log(locked, user, "remove_excerpt", f"removed the quote “{row.quote[:100]}”", before=snapshot)


def note_document_deleted(*, transcript: Transcript, user: User | None, batch: UUID) -> int:
    """Called by `interviews.services.documents.delete_transcript` before the document goes: each
    finding quoting it gets a history entry in the deletion's `batch` saying which quotes no longer
    count and why (the excerpts stay, shown as "removed: its document was deleted"). Returns how
    many findings lost quotes. One query and one insert, whatever the number of findings and excerpts."""
    rows = list(
        FindingExcerpt.objects.filter(transcript=transcript)
        .select_related("finding")
        .order_by("finding_id", "kind", "order", "id")
    )
    by_finding: dict[int, list[FindingExcerpt]] = {}
    for row in rows:
        by_finding.setdefault(row.finding_id, []).append(row)
    entries = []
    for excerpts in by_finding.values():
        finding = excerpts[0].finding
        quotes = ", ".join(f"“{e.quote[:60]}”" for e in excerpts[:3]) + (
            f" and {len(excerpts) - 3} more" if len(excerpts) > 3 else ""
        )
        count = f"{len(excerpts)} quote{'s' if len(excerpts) != 1 else ''}"
        entries.append(Entry(
            action="document_deleted", object_type="finding", object_uuid=finding.uuid,
            summary=f"{count} of “{finding.claim[:80]}” no longer count{'s' if len(excerpts) == 1 else ''}: "
                    f"{'its' if len(excerpts) == 1 else 'their'} document “{transcript.title}” was deleted ({quotes})",
            before={"document": str(transcript.uuid), "title": transcript.title,
                    "excerpts": [str(e.uuid) for e in excerpts]},
        ))  # fmt: skip
    if entries:
        record_many(study=transcript.study, user=user, batch=batch, entries=entries)
    return len(by_finding)


@transaction.atomic
def move_excerpt(*, excerpt: FindingExcerpt, user: User | None, direction: str) -> None:
    """Move an excerpt one place up or down among the finding's excerpts of its kind; the orders are
    renumbered 1..n in one bulk update, so earlier gaps or ties never stall a move."""
    if direction not in ("up", "down"):
        raise ValidationError("Move an excerpt up or down.")
    locked = _live_finding(excerpt.finding)
    rows = list(FindingExcerpt.objects.filter(finding=locked, kind=excerpt.kind).order_by("order", "id"))
    index = next((i for i, row in enumerate(rows) if row.pk == excerpt.pk), None)
    if index is None:
        return
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(rows):
        return
    rows[index], rows[other] = rows[other], rows[index]
    for position, row in enumerate(rows, start=1):
        row.order = position
    FindingExcerpt.objects.bulk_update(rows, ["order"])
    _log(locked, user, "move_excerpt", f"moved the quote “{excerpt.quote[:100]}” {direction}",
         after={"excerpt": str(excerpt.uuid), "direction": direction})  # fmt: skip


@transaction.atomic
def cite_technique(*, finding: Finding, user: User | None, slug: str) -> FindingTechnique:
    """Cite an explainability technique of the vocabulary (idempotent)."""
    try:
        technique = by_slug(slug)
    except KeyError:
        raise ValidationError("Unknown technique.") from None
    locked = _live_finding(finding)
    citation, created = FindingTechnique.objects.get_or_create(
        finding=locked, technique=technique.slug, defaults={"added_by": user}
    )
    if created:
        _log(locked, user, "cite", f"cited {technique.name} in “{locked.claim[:100]}”",
             after={"technique": technique.slug})  # fmt: skip
    return citation


@transaction.atomic
def uncite_technique(*, finding: Finding, user: User | None, slug: str) -> None:
    locked = _live_finding(finding)
    deleted, _ = FindingTechnique.objects.filter(finding=locked, technique=slug).delete()
    if deleted:
        _log(locked, user, "uncite", f"no longer cites {slug} in “{locked.claim[:100]}”",
             before={"technique": slug})  # fmt: skip


@transaction.atomic
def attribute_participants(*, finding: Finding, user: User | None, participants: list[Participant]) -> list[str]:
    """Make `participants` the finding's participants attributed without a quote (replacing the
    previous set), in a fixed number of queries however many; returns their labels. Participants
    must be the study's."""
    locked = _live_finding(finding)
    wanted = {p.pk: p for p in participants}
    if any(p.study_id != locked.study_id for p in wanted.values()):
        raise ValidationError("A participant of another study cannot support this finding.")
    current = dict(
        FindingParticipant.objects.filter(finding=locked).values_list("participant_id", "participant__label")
    )
    added = [pk for pk in wanted if pk not in current]
    removed = [pk for pk in current if pk not in wanted]
    if not added and not removed:
        return sorted(current.values(), key=natural_key)
    if removed:
        FindingParticipant.objects.filter(finding=locked, participant_id__in=removed).delete()
    if added:
        FindingParticipant.objects.bulk_create(
            [FindingParticipant(finding=locked, participant_id=pk, added_by=user) for pk in added]
        )
    before = sorted(current.values(), key=natural_key)
    after = sorted((p.label for p in wanted.values()), key=natural_key)
    _log(locked, user, "attribute",
         f"attributed “{locked.claim[:100]}” to {', '.join(after) or 'no participant'} without a quote",
         before={"attributed": before}, after={"attributed": after})  # fmt: skip
    return after
