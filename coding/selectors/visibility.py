"""Who sees which coding: the one rule every read of codings goes through.

`visible_codings` decides which live codings a user may see (blind agreement rounds will
hide other coders' codings here). Counts, the poll, the access helper for one coding and
every retrieval start from it; `tests/test_coding_reads.py` fails when code outside
`coding.selectors` and `coding.services` queries `Coding` directly.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.db.models import Count, QuerySet

from accounts.models import User
from interviews.models import Transcript
from studies.models import Study

from ..models import Code, Coding


def _rule(*, study: Study, user: User | Any) -> QuerySet[Coding]:
    """The visibility rule itself, on coding rows of any code (blind rounds narrow it here)."""
    return Coding.objects.filter(study=study)


def visible_rows(*, study: Study, user: User | Any) -> QuerySet[Coding]:
    """Coding rows, live or retired, of live codes in `study` that `user` may see."""
    return _rule(study=study, user=user).filter(code__deleted_at__isnull=True)


def visible_codings(*, study: Study, user: User | Any) -> QuerySet[Coding]:
    """Live codings of live codes in `study` that `user` may see."""
    return visible_rows(study=study, user=user).filter(retired_at__isnull=True)


def visible_codings_of_live_codes(*, study: Study, user: User | Any, code_ids: list[int]) -> QuerySet[Coding]:
    """Live codings of `code_ids`, codes the caller took from the live codebook, that the user
    may see: the same rule as `visible_codings` without joining the codes again (a subquery
    run once per row, as retrieval's AND is, should not)."""
    return _rule(study=study, user=user).filter(retired_at__isnull=True, code_id__in=code_ids)


def transcript_codings(*, transcript: Transcript, user: User | Any) -> QuerySet[Coding]:
    return visible_codings(study=transcript.study, user=user).filter(transcript=transcript)


def visible_coding(*, study: Study, user: User | Any, uuid: UUID | str) -> Coding | None:
    """One coding row the user may see, live or retired, or None (the access helper's source;
    the services then tell a retired coding apart with a clear message)."""
    try:
        return visible_rows(study=study, user=user).select_related("transcript__study", "code", "coder").get(uuid=uuid)
    except (Coding.DoesNotExist, ValueError):
        return None


def visible_retired_since(*, transcript: Transcript, user: User | Any, since: Any) -> QuerySet[Coding]:
    """Rows retired after `since` in `transcript` that the user could see (the poll drops them)."""
    return visible_rows(study=transcript.study, user=user).filter(transcript=transcript, retired_at__gt=since)


def has_visible_codings(*, transcript: Transcript, user: User | Any) -> bool:
    return transcript_codings(transcript=transcript, user=user).exists()


def coding_counts(*, study: Study, user: User | Any, by: str, transcripts: list[int] | None = None) -> dict[int, int]:
    """Visible codings counted per `by` ("code_id" or "transcript_id") in one grouped query,
    over some `transcripts` only if given."""
    if by not in ("code_id", "transcript_id", "coder_id"):
        raise ValueError(f"Cannot count codings by {by!r}.")
    # Grouped without joining codes (an index-only scan of the live rows); codings of deleted
    # codes are then left out by code, which is the same rule as `visible_codings`.
    live = _rule(study=study, user=user).filter(retired_at__isnull=True)
    if transcripts is not None:
        live = live.filter(transcript_id__in=transcripts)
    deleted = Code.objects.filter(study=study, deleted_at__isnull=False).values("pk")
    if by != "code_id":
        live = live.exclude(code_id__in=deleted)
    counts = dict(live.values(by).annotate(n=Count("*")).values_list(by, "n"))
    if by == "code_id":
        for pk in deleted.values_list("pk", flat=True):
            counts.pop(pk, None)
    return counts


def code_coding_count(*, code: Code, user: User | Any) -> int:
    """Visible live codings of one code (the deletion-impact and split counts)."""
    return visible_codings(study=code.study, user=user).filter(code=code).count()


def codings_by_uuid(*, study: Study, user: User | Any, code: Code, uuids: list[str]) -> QuerySet[Coding]:
    """The visible live codings of `code` among `uuids` (a split's chosen codings)."""
    valid = []
    for value in uuids:
        try:
            valid.append(UUID(str(value)))
        except ValueError:
            continue
    return visible_codings(study=study, user=user).filter(code=code, uuid__in=valid)
