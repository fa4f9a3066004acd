"""Auto-coding by search: preview every hit, then apply the chosen ones as one undoable batch."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from studies.models import Study

from ..models import Code, Coding
from ..selectors.search import Hit
from .codebook import find_or_create_code
from .history import new_batch, record
from .rows import join_memos, lock_transcripts, retire

SCOPES = ("match", "sentence", "turn")


@functools.lru_cache(maxsize=1)
def _sentencizer():  # type: ignore[no-untyped-def]
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp


def widen(hits: list[Hit], scope: str) -> list[Hit]:
    """Grow each hit to its sentence or speaker turn; duplicates (two hits in one sentence) merge.
    The turns of every hit are read in one query."""
    if scope not in SCOPES:
        raise ValidationError(f"Unknown scope {scope!r}.")
    if scope == "match":
        return hits
    from interviews.models import SpeakerTurn

    wanted = {(h.transcript.pk, h.turn_index) for h in hits if h.turn_index is not None}
    turn_spans: dict[tuple[int, int | None], tuple[int, int]] = {
        (tid, index): (start, end)
        for tid, index, start, end in SpeakerTurn.objects.filter(
            transcript_id__in={tid for tid, _ in wanted}, index__in={index for _, index in wanted}
        ).values_list("transcript_id", "index", "start", "end")
        if (tid, index) in wanted
    }
    sentence_cache: dict[tuple[int, int | None], list[tuple[int, int]]] = {}
    widened: dict[tuple[int, int, int], Hit] = {}
    for hit in hits:
        key = (hit.transcript.pk, hit.turn_index)
        turn_start, turn_end = turn_spans.get(key, (0, len(hit.transcript.text)))
        start, end = turn_start, turn_end
        if scope == "sentence":
            if key not in sentence_cache:
                doc = _sentencizer()(hit.transcript.text[turn_start:turn_end])
                sentence_cache[key] = [(turn_start + s.start_char, turn_start + s.end_char) for s in doc.sents]
            for s_start, s_end in sentence_cache[key]:
                if s_start <= hit.start < s_end:
                    start, end = s_start, max(s_end, hit.end)
                    break
        text = hit.transcript.text[start:end]
        trimmed = len(text) - len(text.rstrip())
        end -= trimmed
        widened[(hit.transcript.pk, start, end)] = Hit(
            hit.transcript, start, end, hit.turn_index, hit.speaker, hit.role
        )
    return sorted(widened.values(), key=lambda h: (h.transcript.title, h.start))


@dataclass
class AutocodeOutcome:
    batch: UUID
    applied: int
    skipped: int
    code: Code
    created_code: bool = False


@transaction.atomic
def apply_autocode(
    *,
    study: Study,
    user: User,
    hits: list[Hit],
    description: str,
    code: Code | None = None,
    new_code_name: str = "",
) -> AutocodeOutcome:
    """Code every hit with `code` (or a new code) as one undoable batch, set-based.

    Hits already inside one of the user's codings of the code are skipped; hits that overlap
    or touch them, or each other, are joined into their union.
    """
    if not hits:
        raise ValidationError("No hits are selected.")
    batch = new_batch()
    created_code = False
    if code is None:
        if not new_code_name.strip():
            raise ValidationError("Choose the code to apply, or name a new one.")
        code, created_code = find_or_create_code(study=study, user=user, name=new_code_name, batch=batch)
    if code.study_id != study.pk or code.deleted_at is not None:
        raise ValidationError("That code is not in this study's codebook.")
    transcripts = {h.transcript.pk: h.transcript for h in hits}
    for hit in hits:
        if hit.transcript.study_id != study.pk or not 0 <= hit.start < hit.end <= len(hit.transcript.text):
            raise ValidationError("A hit lies outside its document; search again.")
    now = timezone.now()
    # The hits were found in the text as it was read; refuse if a document was corrected since.
    current = dict(lock_transcripts(list(transcripts)))
    if any(current.get(tid) != t.text_version for tid, t in transcripts.items()):
        raise ValidationError("A document was corrected in the meantime; search again.")
    existing = list(
        Coding.objects.live()
        .filter(study=study, code=code, coder=user, transcript_id__in=transcripts)
        .values_list("pk", "transcript_id", "text_version", "start", "end")
    )
    versions = {tid: t.text_version for tid, t in transcripts.items()}
    # Per transcript: the existing codings and the hits, joined where they overlap or touch.
    spans: dict[int, list[tuple[int, int, int | None]]] = {}
    for pk, tid, version, start, end in existing:
        if version != versions[tid]:
            raise ValidationError("A document was corrected in the meantime; search again.")
        spans.setdefault(tid, []).append((start, end, pk))
    for hit in hits:
        spans.setdefault(hit.transcript.pk, []).append((hit.start, hit.end, None))
    new_rows: list[Coding] = []
    absorbed: list[int] = []
    joined_into: dict[int, Coding] = {}
    skipped = 0
    for tid, items in spans.items():
        items.sort(key=lambda item: (item[0], -item[1]))
        group: list[tuple[int, int, int | None]] = []
        for item in [*items, (10**12, 10**12, None)]:
            if group and item[0] <= max(g[1] for g in group):
                group.append(item)
                continue
            if group:
                old = [g[2] for g in group if g[2] is not None]
                fresh = len(group) - len(old)
                start, end = min(g[0] for g in group), max(g[1] for g in group)
                if fresh == 0:
                    pass  # no hit here: the user's codings stay as they are
                elif old and any(g[0] == start and g[1] == end for g in group if g[2] is not None):
                    skipped += fresh  # every hit lies inside a coding that is already there
                else:
                    absorbed += old
                    row = Coding(study_id=study.pk, transcript_id=tid, text_version=versions[tid], code=code,
                                 coder=user, start=start, end=end, batch=batch, created_at=now,
                                 replaces_id=min(old) if old else None)  # fmt: skip
                    new_rows.append(row)
                    joined_into.update(dict.fromkeys(old, row))
            group = [item]
    if absorbed:
        retire(Coding.objects.filter(pk__in=absorbed), batch=batch, now=now)
    Coding.objects.bulk_create(new_rows)
    memo_moves = join_memos({pk: row.pk for pk, row in joined_into.items()}) if joined_into else []
    applied = len(hits) - skipped
    record(
        study=study, user=user, action="apply", object_type="coding",
        object_uuid=new_rows[0].uuid if new_rows else code.uuid, batch=batch,
        summary=f"auto-coded “{code.name}” in {applied} passage{"s" if applied != 1 else ""} ({description})",
        after={"code": str(code.uuid), "codings": len(new_rows), "memo_moves": memo_moves},
    )  # fmt: skip
    return AutocodeOutcome(batch=batch, applied=applied, skipped=skipped, code=code, created_code=created_code)
