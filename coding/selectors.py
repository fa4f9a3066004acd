"""Reads of the coding workspace.

`visible_codings` is the one place that decides which codings a user may see
(blind agreement rounds will hide other coders' codings here); every view and
export goes through it.
"""

from __future__ import annotations

import bisect
import itertools
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pandas as pd
from django.db.models import Q, QuerySet

from accounts.models import User
from interviews.models import Participant, SpeakerTurn, Transcript
from studies.models import Study

from .models import Code, Coding


def visible_codings(*, study: Study, user: User | Any) -> QuerySet[Coding]:
    """Live codings of live codes in `study` that `user` may see."""
    return Coding.objects.filter(transcript__study=study, deleted_at__isnull=True, code__deleted_at__isnull=True)


def transcript_codings(*, transcript: Transcript, user: User | Any) -> QuerySet[Coding]:
    return visible_codings(study=transcript.study, user=user).filter(transcript=transcript)


def study_codes(*, study: Study) -> QuerySet[Code]:
    return Code.objects.alive().filter(study=study).order_by("order", "name")


def coding_payload(coding: Coding) -> dict[str, Any]:
    """The JSON shape the reader draws; keep in step with static/js/reader.js."""
    return {
        "id": str(coding.uuid),
        "code": coding.code_id,
        "start": coding.start,
        "end": coding.end,
        "coder": coding.coder_id,
        "at": coding.created_at.isoformat(),
        "review": coding.needs_review,
    }


def code_payload(code: Code) -> dict[str, Any]:
    return {"id": code.pk, "uuid": str(code.uuid), "name": code.name, "colour": code.colour, "parent": code.parent_id}


def coding_changes_since(*, transcript: Transcript, user: User | Any, since: datetime) -> dict[str, Any]:
    """Codings added or removed in `transcript` after `since` (the reader's poll)."""
    # A coding stamped just before `since` may commit just after the previous poll read:
    # look back a little and let the reader drop what it already has.
    since = since - timedelta(seconds=10)
    visible = transcript_codings(transcript=transcript, user=user)
    added = [coding_payload(c) for c in visible.filter(created_at__gt=since).order_by("created_at")]
    removed = [
        str(u)
        for u in Coding.objects.filter(transcript=transcript, deleted_at__gt=since).values_list("uuid", flat=True)
    ]
    codes = [code_payload(c) for c in study_codes(study=transcript.study)]
    return {"added": added, "removed": removed, "codes": codes}


def coding_counts(*, study: Study, user: User | Any, by: str) -> dict[int, int]:
    """Visible codings counted per `by` ("code_id" or "transcript_id"); counts also go through
    `visible_codings`, so a blind round never leaks how much others have coded."""
    from django.db.models import Count

    rows = visible_codings(study=study, user=user).values(by).annotate(n=Count("id")).values_list(by, "n")
    return dict(rows)


def codebook_tree(*, study: Study, user: User | Any) -> list[tuple[Code, int, int]]:
    """Live codes in tree order as (code, depth, visible coding count)."""
    counts = coding_counts(study=study, user=user, by="code_id")
    codes = list(Code.objects.alive().filter(study=study).order_by("order", "name"))
    children: dict[int | None, list[Code]] = {}
    ids = {c.pk for c in codes}
    for code in codes:
        parent = code.parent_id if code.parent_id in ids else None
        children.setdefault(parent, []).append(code)
    ordered: list[tuple[Code, int, int]] = []

    def walk(parent: int | None, depth: int) -> None:
        for code in children.get(parent, []):
            ordered.append((code, depth, counts.get(code.pk, 0)))
            walk(code.pk, depth + 1)

    walk(None, 0)
    return ordered


# --- retrieval -----------------------------------------------------------------------------------


@dataclass
class RetrievalQuery:
    """What to retrieve. `mode` "any" (OR) or "all" (AND) over `codes`; `exclude` (NOT) codes;
    `scope` "span" (codings overlap) or "turn" (codings in the same speaker turn)."""

    codes: list[int] = field(default_factory=list)
    mode: str = "any"
    exclude: list[int] = field(default_factory=list)
    scope: str = "span"
    participants: Q | None = None
    transcripts: list[int] = field(default_factory=list)
    coders: list[int] = field(default_factory=list)
    date_from: datetime | None = None
    date_to: datetime | None = None


@dataclass
class Segment:
    transcript_id: int
    start: int
    end: int
    code_ids: tuple[int, ...]
    coding_ids: tuple[int, ...] = ()


@dataclass
class SegmentPage:
    segments: list[dict[str, Any]]
    total: int
    per_code: list[tuple[Code, int]]
    per_participant: list[tuple[str, int]]


def _turn_spans(transcript_ids: set[int]) -> dict[int, list[tuple[int, int, int]]]:
    spans: dict[int, list[tuple[int, int, int]]] = {}
    for tid, index, start, end in (
        SpeakerTurn.objects.filter(transcript_id__in=transcript_ids)
        .order_by("transcript_id", "start")
        .values_list("transcript_id", "index", "start", "end")
    ):
        spans.setdefault(tid, []).append((start, end, index))
    return spans


def _turn_of(spans: list[tuple[int, int, int]], position: int) -> tuple[int, int, int] | None:
    starts = [s for s, _, _ in spans]
    i = bisect.bisect_right(starts, position) - 1
    if i >= 0 and spans[i][0] <= position <= spans[i][1]:
        return spans[i]
    return None


def find_segments(*, study: Study, user: User | Any, query: RetrievalQuery) -> list[Segment]:
    """Every segment that answers `query`, in document order. All filtering of codings goes
    through `visible_codings`."""
    codings = visible_codings(study=study, user=user)
    if query.transcripts:
        codings = codings.filter(transcript_id__in=query.transcripts)
    if query.participants is not None:
        matching = Participant.objects.filter(study=study).filter(query.participants)
        codings = codings.filter(transcript__participants__in=matching).distinct()
    if query.coders:
        codings = codings.filter(coder_id__in=query.coders)
    if query.date_from:
        codings = codings.filter(created_at__gte=query.date_from)
    if query.date_to:
        codings = codings.filter(created_at__lte=query.date_to)
    wanted = set(query.codes) | set(query.exclude)
    rows = list(
        codings.filter(code_id__in=wanted).values_list("id", "transcript_id", "code_id", "start", "end")
        if wanted
        else codings.values_list("id", "transcript_id", "code_id", "start", "end")
    )
    by_transcript: dict[int, list[tuple[int, int, int, int]]] = {}
    for cid, tid, code_id, start, end in rows:
        by_transcript.setdefault(tid, []).append((cid, code_id, start, end))
    turns = _turn_spans(set(by_transcript)) if query.scope == "turn" else {}
    segments: list[Segment] = []
    include = set(query.codes)
    for tid, items in by_transcript.items():
        items.sort(key=lambda item: (item[2], item[3]))
        excluded = [item for item in items if item[1] in query.exclude]
        chosen = [item for item in items if item[1] in include] if include else [i for i in items if i not in excluded]
        if query.mode == "all" and len(include) > 1:
            found = _all_of(chosen, include, query.scope, turns.get(tid, []))
        else:
            found = [(s, e, (c,), (cid,)) for cid, c, s, e in chosen]
        for start, end, code_ids, coding_ids in found:
            if excluded and _hits_excluded(start, end, excluded, query.scope, turns.get(tid, [])):
                continue
            segments.append(Segment(tid, start, end, code_ids, coding_ids))
    segments.sort(key=lambda s: (s.transcript_id, s.start, s.end))
    return segments


def _all_of(
    items: list[tuple[int, int, int, int]], codes: set[int], scope: str, turns: list[tuple[int, int, int]]
) -> list[tuple[int, int, tuple[int, ...], tuple[int, ...]]]:
    if scope == "turn":
        per_turn: dict[int, dict[int, list[int]]] = {}
        spans: dict[int, tuple[int, int]] = {}
        for cid, code, start, _ in items:
            turn = _turn_of(turns, start)
            if turn is None:
                continue
            spans[turn[2]] = (turn[0], turn[1])
            per_turn.setdefault(turn[2], {}).setdefault(code, []).append(cid)
        return [
            (*spans[index], tuple(sorted(found)), tuple(sorted(c for ids in found.values() for c in ids)))
            for index, found in sorted(per_turn.items())
            if set(found) >= codes
        ]
    # Same span: the regions where codings of every chosen code overlap, by a sweep over
    # the coding boundaries (O(n log n); a pairwise comparison would be quadratic).
    boundaries: dict[int, list[tuple[int, int, int]]] = {}
    for cid, code, start, end in items:
        boundaries.setdefault(start, []).append((1, cid, code))
        boundaries.setdefault(end, []).append((-1, cid, code))
    active: dict[int, int] = {}
    per_code: dict[int, int] = {}
    results: list[tuple[int, int, tuple[int, ...], tuple[int, ...]]] = []
    positions = sorted(boundaries)
    for left, right in itertools.pairwise(positions):
        for delta, cid, code in boundaries[left]:
            if delta > 0:
                active[cid] = code
            else:
                active.pop(cid, None)
            per_code[code] = per_code.get(code, 0) + delta
        if all(per_code.get(code, 0) > 0 for code in codes):
            ids = tuple(sorted(active))
            if results and results[-1][1] == left and results[-1][3] == ids:
                results[-1] = (results[-1][0], right, results[-1][2], ids)
            else:
                results.append((left, right, tuple(sorted(codes)), ids))
    return results


def _hits_excluded(
    start: int, end: int, excluded: list[tuple[int, int, int, int]], scope: str, turns: list[tuple[int, int, int]]
) -> bool:
    if scope == "turn":
        turn = _turn_of(turns, start)
        lo, hi = (turn[0], turn[1]) if turn else (start, end)
        return any(s < hi and lo < e for _, _, s, e in excluded)
    return any(s < end and start < e for _, _, s, e in excluded)


def segment_page(
    *, study: Study, segments: list[Segment], page: int, per_page: int = 50, context: int = 0
) -> SegmentPage:
    """The page's segments with text, speaker and participant; counts over all segments."""
    total = len(segments)
    chosen = segments[(page - 1) * per_page : page * per_page]
    transcript_ids = {s.transcript_id for s in chosen}
    transcripts = {t.pk: t for t in Transcript.objects.filter(pk__in=transcript_ids).only("uuid", "title", "text")}
    turns = {
        (t.transcript_id, t.index): t
        for t in SpeakerTurn.objects.filter(transcript_id__in=transcript_ids).select_related("speaker__participant")
    }
    spans: dict[int, list[tuple[int, int, int]]] = {}
    for (tid, index), each in turns.items():
        spans.setdefault(tid, []).append((each.start, each.end, index))
    for value in spans.values():
        value.sort()
    codes = {c.pk: c for c in Code.objects.filter(study=study)}
    all_tids = {s.transcript_id for s in segments}
    labels: dict[int, list[str]] = {}
    for tid, label in Participant.transcripts.through.objects.filter(transcript_id__in=all_tids).values_list(
        "transcript_id", "participant__label"
    ):
        labels.setdefault(tid, []).append(label)
    rows = []
    for segment in chosen:
        transcript = transcripts[segment.transcript_id]
        turn_span = _turn_of(spans.get(segment.transcript_id, []), segment.start)
        turn: SpeakerTurn | None = turns.get((segment.transcript_id, turn_span[2])) if turn_span else None
        speaker = turn.speaker if turn and turn.speaker_id else None
        participant = (
            speaker.participant.label
            if speaker and speaker.participant
            else ", ".join(labels.get(segment.transcript_id, []))
        )
        rows.append(
            {
                "segment": segment,
                "transcript": transcript,
                "text": transcript.text[segment.start : segment.end],
                "before": transcript.text[max(0, segment.start - context) : segment.start] if context else "",
                "after": transcript.text[segment.end : segment.end + context] if context else "",
                "codes": [codes[c] for c in segment.code_ids if c in codes],
                "speaker": speaker.label if speaker else "",
                "participant": participant,
            }
        )
    per_code: dict[int, int] = {}
    per_participant: dict[str, int] = {}
    for segment in segments:
        for code_id in segment.code_ids:
            per_code[code_id] = per_code.get(code_id, 0) + 1
        for label in labels.get(segment.transcript_id, ["(none)"]):
            per_participant[label] = per_participant.get(label, 0) + 1
    return SegmentPage(
        segments=rows,
        total=total,
        per_code=sorted(((codes[c], n) for c, n in per_code.items() if c in codes), key=lambda x: -x[1]),
        per_participant=sorted(per_participant.items(), key=lambda x: (-x[1], x[0])),
    )


def segments_frame(*, study: Study, segments: list[Segment]) -> pd.DataFrame:
    """All segments as a table (the retrieval page's export)."""
    page = segment_page(study=study, segments=segments, page=1, per_page=max(1, len(segments)))
    return pd.DataFrame(
        [
            {
                "document": row["transcript"].title,
                "participant": row["participant"],
                "speaker": row["speaker"],
                "codes": "; ".join(c.name for c in row["codes"]),
                "start": row["segment"].start,
                "end": row["segment"].end,
                "text": row["text"],
            }
            for row in page.segments
        ],
        columns=["document", "participant", "speaker", "codes", "start", "end", "text"],
    )


# --- keyword in context and search patterns ------------------------------------------------------

MAX_PATTERN_LENGTH = 300
MAX_HITS = 5000
# Nested quantifiers such as (a+)+ can take exponential time in Python's regex engine.
_NESTED_QUANTIFIER = re.compile(r"\((?:[^()\\]|\\.)*[+*}](?:[^()\\]|\\.)*\)\s*[+*{]")


class PatternError(ValueError):
    pass


def compile_pattern(*, text: str, mode: str, case_sensitive: bool = False) -> re.Pattern[str]:
    """A keyword/phrase ("words"), a list of phrases ("phrases", one per line) or a regex ("regex")."""
    text = text.strip()
    if not text:
        raise PatternError("Type something to search for.")
    if len(text) > MAX_PATTERN_LENGTH * (20 if mode == "phrases" else 1):
        raise PatternError("The search is too long.")
    flags = 0 if case_sensitive else re.IGNORECASE
    if mode == "regex":
        if _NESTED_QUANTIFIER.search(text):
            raise PatternError("Nested repetition like (a+)+ can run for hours; rewrite the expression without it.")
        try:
            return re.compile(text, flags)
        except re.error as exc:
            raise PatternError(f"Not a valid regular expression: {exc}") from exc
    phrases = [line.strip() for line in text.splitlines() if line.strip()] if mode == "phrases" else [text]
    alternatives = "|".join(
        rf"(?<!\w){re.escape(p).replace(chr(92) + ' ', r'\s+')}(?!\w)" for p in sorted(phrases, key=len, reverse=True)
    )
    return re.compile(alternatives, flags)


@dataclass
class Hit:
    transcript: Transcript
    start: int
    end: int
    turn_index: int | None
    speaker: str
    role: str

    @property
    def key(self) -> str:
        return f"{self.transcript.pk}:{self.start}:{self.end}"


def search_hits(
    *, study: Study, pattern: re.Pattern[str], transcripts: list[int] | None = None, speaker_role: str = ""
) -> list[Hit]:
    """Matches of `pattern` in the study's transcripts (speech only), in document order."""
    documents = Transcript.objects.filter(study=study).only("uuid", "title", "text").order_by("title")
    if transcripts:
        documents = documents.filter(pk__in=transcripts)
    hits: list[Hit] = []
    for transcript in documents:
        turns = list(SpeakerTurn.objects.filter(transcript=transcript).select_related("speaker").order_by("start"))
        if not turns:
            turns = [SpeakerTurn(transcript=transcript, index=0, start=0, end=len(transcript.text))]
        for turn in turns:
            role = turn.speaker.role if turn.speaker_id and turn.speaker else ""
            if speaker_role and role != speaker_role:
                continue
            speech = transcript.text[turn.start : turn.end]
            for match in pattern.finditer(speech):
                if match.end() == match.start():
                    continue
                hits.append(Hit(transcript, turn.start + match.start(), turn.start + match.end(), turn.index,
                                turn.speaker.label if turn.speaker_id and turn.speaker else "", role))  # fmt: skip
                if len(hits) >= MAX_HITS:
                    return hits
    return hits
