"""Retrieval of coded segments: by codes (AND/OR/NOT, same span or same turn), participant
attributes, documents, coders and dates.

Every query starts from `visible_codings`. The common case (any of some codes, nothing
excluded) is counted and paged in SQL; AND and NOT work on the codings of the codes they
name only, never on the whole study.

Segments always come in reading order, whatever the query: documents in natural order of
their titles ("P2" before "P10", case-insensitive), then by position in the document. The
page, its export and the export job share that order.
"""

from __future__ import annotations

import bisect
import itertools
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd
from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When

from accounts.models import User
from interviews.models import Participant, SpeakerTurn, Transcript
from interviews.ordering import natural_key
from studies.models import Study

from ..models import Code, Coding
from .visibility import visible_codings, visible_codings_of_live_codes

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

    @property
    def groups(self) -> list[dict[str, Any]]:
        """The page's segments by document, then by speaker turn: each document's title and
        participants once, each turn's speaker once, however many segments it holds."""
        return group_rows(self.segments)


def document_order(*, study: Study) -> dict[int, int]:
    """Each document's rank in natural order of titles (P2 before P10), ties by creation."""
    titles = Transcript.objects.filter(study=study).values_list("pk", "title")
    ranked = sorted(titles, key=lambda row: (natural_key(row[1]), row[0]))
    return {pk: rank for rank, (pk, _) in enumerate(ranked)}


def _in_reading_order(segments: list[Segment], rank: dict[int, int]) -> list[Segment]:
    last = len(rank)
    return sorted(segments, key=lambda s: (rank.get(s.transcript_id, last), s.start, s.end, s.coding_ids))


class TurnIndex:
    """Speaker turns of some transcripts, for finding the turn of a position by bisection."""

    def __init__(self, transcript_ids: set[int]) -> None:
        self.spans: dict[int, list[tuple[int, int, int]]] = {}
        for tid, index, start, end in (
            SpeakerTurn.objects.filter(transcript_id__in=transcript_ids)
            .order_by("transcript_id", "start")
            .values_list("transcript_id", "index", "start", "end")
        ):
            self.spans.setdefault(tid, []).append((start, end, index))
        self.starts = {tid: [s for s, _, _ in spans] for tid, spans in self.spans.items()}

    def turn_of(self, transcript_id: int, position: int) -> tuple[int, int, int] | None:
        """(start, end, index) of the turn holding `position`, or None."""
        spans = self.spans.get(transcript_id)
        if not spans:
            return None
        i = bisect.bisect_right(self.starts[transcript_id], position) - 1
        if i >= 0 and spans[i][0] <= position <= spans[i][1]:
            return spans[i]
        return None


def filtered_codings(*, study: Study, user: User | Any, query: RetrievalQuery) -> QuerySet[Coding]:
    """The visible codings that pass the query's filters (documents, participants, coders, dates)."""
    codings = visible_codings(study=study, user=user)
    if query.transcripts:
        codings = codings.filter(transcript_id__in=query.transcripts)
    if query.participants is not None:
        matching = Participant.objects.filter(study=study).filter(query.participants).values("pk")
        linked = Participant.transcripts.through.objects.filter(participant_id__in=matching).values("transcript_id")
        codings = codings.filter(transcript_id__in=linked)
    if query.coders:
        codings = codings.filter(coder_id__in=query.coders)
    if query.date_from:
        codings = codings.filter(created_at__gte=query.date_from)
    if query.date_to:
        codings = codings.filter(created_at__lte=query.date_to)
    return codings


def _overlaps_every_other(*, study: Study, user: User | Any, query: RetrievalQuery, include: set[int]) -> Q:
    """Codings of an AND (same span) that can take part in an answer: each must overlap a
    coding of every other chosen code (passing the same filters). Excluded codes' codings are
    all kept, for the NOT test. The database answers this through its index on (code,
    transcript), so a code with 100,000 codings ANDed with a rare one reads few rows."""
    condition = Q(code_id__in=set(query.exclude) - include)
    for code in include:
        others = Q(code_id=code)
        for other in include - {code}:
            # Same transcript as the outer coding, so only the per-coding filters apply here.
            partner = visible_codings_of_live_codes(study=study, user=user, code_ids=[other]).filter(
                transcript_id=OuterRef("transcript_id"),
                text_version=OuterRef("text_version"),  # always equal for live rows; lets the index lead
                start__lt=OuterRef("end"),
                end__gt=OuterRef("start"),
            )
            if query.coders:
                partner = partner.filter(coder_id__in=query.coders)
            if query.date_from:
                partner = partner.filter(created_at__gte=query.date_from)
            if query.date_to:
                partner = partner.filter(created_at__lte=query.date_to)
            others &= Q(Exists(partner))
        condition |= others
    return condition


def _is_simple(query: RetrievalQuery) -> bool:
    """Any of the codes (or all codings), nothing excluded: every coding is its own segment."""
    return not query.exclude and (query.mode == "any" or len(set(query.codes)) <= 1)


def find_segments(*, study: Study, user: User | Any, query: RetrievalQuery) -> list[Segment]:
    """Every segment that answers `query`, in document order."""
    codings = filtered_codings(study=study, user=user, query=query)
    wanted = set(query.codes) | set(query.exclude)
    if wanted:
        codings = codings.filter(code_id__in=wanted)
    include = set(query.codes)
    if query.mode == "all" and query.scope == "span" and len(include) > 1:
        codings = codings.filter(_overlaps_every_other(study=study, user=user, query=query, include=include))
    rows = codings.values_list("id", "transcript_id", "code_id", "start", "end")
    rank = document_order(study=study)
    if _is_simple(query):
        # In position order from SQL; a stable sort by document rank keeps it within each one.
        last = len(rank)
        return sorted(
            (
                Segment(tid, start, end, (code_id,), (cid,))
                for cid, tid, code_id, start, end in rows.order_by("transcript_id", "start", "end", "id")
            ),
            key=lambda s: rank.get(s.transcript_id, last),
        )
    by_transcript: dict[int, list[tuple[int, int, int, int]]] = {}
    for cid, tid, code_id, start, end in rows:
        by_transcript.setdefault(tid, []).append((cid, code_id, start, end))
    turns = TurnIndex(set(by_transcript)) if query.scope == "turn" else None
    segments: list[Segment] = []
    for tid, items in by_transcript.items():
        items.sort(key=lambda item: (item[2], item[3]))
        excluded = [item for item in items if item[1] in query.exclude]
        chosen = [item for item in items if item[1] in include] if include else [i for i in items if i not in excluded]
        if query.mode == "all" and len(include) > 1:
            found = _all_of(chosen, include, query.scope, turns, tid)
        else:
            found = [(s, e, (c,), (cid,)) for cid, c, s, e in chosen]
        for start, end, code_ids, coding_ids in found:
            if excluded and _hits_excluded(start, end, excluded, query.scope, turns, tid):
                continue
            segments.append(Segment(tid, start, end, code_ids, coding_ids))
    return _in_reading_order(segments, rank)


@dataclass
class SegmentCounts:
    total: int
    per_code: dict[int, int]
    per_transcript: dict[int, int]


def _page_in_sql(
    *, study: Study, user: User | Any, query: RetrievalQuery, page: int, per_page: int
) -> tuple[list[Segment], SegmentCounts]:
    codings = filtered_codings(study=study, user=user, query=query)
    if query.codes:
        codings = codings.filter(code_id__in=set(query.codes))
    per_code = dict(codings.values("code_id").annotate(n=Count("id")).values_list("code_id", "n"))
    per_transcript = dict(codings.values("transcript_id").annotate(n=Count("id")).values_list("transcript_id", "n"))
    counts = SegmentCounts(sum(per_code.values()), per_code, per_transcript)
    # The page's window in reading order, found from the per-document counts: only the
    # documents it touches are read, ranked in SQL by a CASE over those few documents.
    rank = document_order(study=study)
    last = len(rank)
    offset = (page - 1) * per_page
    before = covered = 0
    touched: list[int] = []
    for tid in sorted(per_transcript, key=lambda t: (rank.get(t, last), t)):
        n = per_transcript[tid]
        if not touched and before + n <= offset:
            before += n
            continue
        touched.append(tid)
        covered += n
        if before + covered >= offset + per_page:
            break
    if not touched:
        return [], counts
    # One document (the usual page of a large study) needs no CASE: its index gives the order.
    order = (
        [Case(*(When(transcript_id=t, then=Value(i)) for i, t in enumerate(touched)), output_field=IntegerField())]
        if len(touched) > 1
        else []
    )
    skip = offset - before
    rows = (
        codings.filter(transcript_id__in=touched)
        .order_by(*order, "start", "end", "id")
        .values_list("id", "transcript_id", "code_id", "start", "end")[skip : skip + per_page]
    )
    segments = [Segment(tid, start, end, (code_id,), (cid,)) for cid, tid, code_id, start, end in rows]
    return segments, counts


def _page_in_python(
    *, study: Study, user: User | Any, query: RetrievalQuery, page: int, per_page: int
) -> tuple[list[Segment], SegmentCounts]:
    segments = find_segments(study=study, user=user, query=query)
    per_code: dict[int, int] = {}
    per_transcript: dict[int, int] = {}
    for segment in segments:
        for code_id in segment.code_ids:
            per_code[code_id] = per_code.get(code_id, 0) + 1
        per_transcript[segment.transcript_id] = per_transcript.get(segment.transcript_id, 0) + 1
    chosen = segments[(page - 1) * per_page : page * per_page]
    return chosen, SegmentCounts(len(segments), per_code, per_transcript)


def _all_of(
    items: list[tuple[int, int, int, int]], codes: set[int], scope: str, turns: TurnIndex | None, tid: int
) -> list[tuple[int, int, tuple[int, ...], tuple[int, ...]]]:
    if scope == "turn" and turns is not None:
        per_turn: dict[int, dict[int, list[int]]] = {}
        spans: dict[int, tuple[int, int]] = {}
        for cid, code, start, _ in items:
            turn = turns.turn_of(tid, start)
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
    # the coding boundaries (O(n log n); a pairwise comparison would be quadratic). Only
    # codings that overlap one of the rarest code's codings can take part: keep just those.
    items = _near_rarest(items, codes)
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


def _near_rarest(items: list[tuple[int, int, int, int]], codes: set[int]) -> list[tuple[int, int, int, int]]:
    """The items that overlap a coding of the code with the fewest codings (none if a code is absent)."""
    by_code: dict[int, list[tuple[int, int, int, int]]] = {}
    for item in items:
        by_code.setdefault(item[1], []).append(item)
    if any(code not in by_code for code in codes):
        return []
    rarest = min(codes, key=lambda code: len(by_code[code]))
    windows: list[tuple[int, int]] = []
    for _, _, start, end in sorted(by_code[rarest], key=lambda item: item[2]):
        if windows and start <= windows[-1][1]:
            windows[-1] = (windows[-1][0], max(windows[-1][1], end))
        else:
            windows.append((start, end))
    starts = [w[0] for w in windows]
    kept = []
    for item in items:
        i = bisect.bisect_left(starts, item[3]) - 1  # the last window starting before the item ends
        if i >= 0 and windows[i][1] > item[2]:
            kept.append(item)
    return kept


def _hits_excluded(
    start: int, end: int, excluded: list[tuple[int, int, int, int]], scope: str, turns: TurnIndex | None, tid: int
) -> bool:
    if scope == "turn" and turns is not None:
        turn = turns.turn_of(tid, start)
        lo, hi = (turn[0], turn[1]) if turn else (start, end)
        return any(s < hi and lo < e for _, _, s, e in excluded)
    return any(s < end and start < e for _, _, s, e in excluded)


def segment_page(
    *, study: Study, user: User | Any, query: RetrievalQuery, page: int, per_page: int = 50, context: int = 0
) -> SegmentPage:
    """One page of segments with text, speaker and participant; counts over all of them."""
    page = max(1, page)
    if _is_simple(query):
        chosen, counts = _page_in_sql(study=study, user=user, query=query, page=page, per_page=per_page)
    else:
        chosen, counts = _page_in_python(study=study, user=user, query=query, page=page, per_page=per_page)
    codes = {c.pk: c for c in Code.objects.filter(study=study).only("pk", "uuid", "name", "colour")}
    labels = _participant_labels(set(counts.per_transcript))
    per_participant: dict[str, int] = {}
    for tid, n in counts.per_transcript.items():
        for label in labels.get(tid, ["(none)"]):
            per_participant[label] = per_participant.get(label, 0) + n
    return SegmentPage(
        segments=_rows(chosen, codes=codes, labels=labels, context=context),
        total=counts.total,
        per_code=sorted(((codes[c], n) for c, n in counts.per_code.items() if c in codes), key=lambda x: -x[1]),
        per_participant=sorted(per_participant.items(), key=lambda x: (-x[1], natural_key(x[0]))),
    )


def _participant_labels(transcript_ids: set[int]) -> dict[int, list[str]]:
    labels: dict[int, list[str]] = {}
    for tid, label in (
        Participant.transcripts.through.objects.filter(transcript_id__in=transcript_ids)
        .order_by("participant__label")
        .values_list("transcript_id", "participant__label")
    ):
        labels.setdefault(tid, []).append(label)
    return labels


def _rows(
    chosen: list[Segment], *, codes: dict[int, Code], labels: dict[int, list[str]], context: int
) -> list[dict[str, Any]]:
    """Text, speaker and participant of some segments, in a fixed number of queries."""
    transcript_ids = {s.transcript_id for s in chosen}
    transcripts = {t.pk: t for t in Transcript.objects.filter(pk__in=transcript_ids).only("uuid", "title", "text")}
    turns = TurnIndex(transcript_ids)
    speakers = {
        (tid, index): (label, participant or "")
        for tid, index, label, participant in SpeakerTurn.objects.filter(
            transcript_id__in=transcript_ids, speaker__isnull=False
        ).values_list("transcript_id", "index", "speaker__label", "speaker__participant__label")
    }
    rows = []
    for key, segment in enumerate(chosen):
        transcript = transcripts[segment.transcript_id]
        span = turns.turn_of(segment.transcript_id, segment.start)
        speaker, speaker_participant = speakers.get((segment.transcript_id, span[2]), ("", "")) if span else ("", "")
        participant = speaker_participant or ", ".join(labels.get(segment.transcript_id, []))
        rows.append(
            {
                "key": key,
                "segment": segment,
                "transcript": transcript,
                "text": transcript.text[segment.start : segment.end],
                "before": transcript.text[max(0, segment.start - context) : segment.start] if context else "",
                "after": transcript.text[segment.end : segment.end + context] if context else "",
                "codes": [codes[c] for c in segment.code_ids if c in codes],
                "turn": span[2] if span else None,
                "whole_turn": span is not None and segment.start <= span[0] and segment.end >= span[1],
                "speaker": speaker,
                "speaker_participant": speaker_participant,
                "participant": participant,
                "participants": labels.get(segment.transcript_id, []),
            }
        )
    return rows


def group_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Consecutive rows of one document, and within it of one speaker turn, grouped (rows
    stay in their order): `[{transcript, participants, turns: [{turn, speaker,
    speaker_participant, rows}]}]`. Rows outside any turn form groups without a speaker."""
    documents: list[dict[str, Any]] = []
    for row in rows:
        if not documents or documents[-1]["transcript"].pk != row["transcript"].pk:
            documents.append({"transcript": row["transcript"], "participants": row["participants"], "turns": []})
        turns = documents[-1]["turns"]
        if not turns or row["turn"] is None or turns[-1]["turn"] != row["turn"]:
            turns.append(
                {
                    "turn": row["turn"],
                    "speaker": row["speaker"],
                    "speaker_participant": row["speaker_participant"],
                    "rows": [],
                }
            )
        turns[-1]["rows"].append(row)
    return documents


# --- the text around a segment --------------------------------------------------------------

CONTEXT_LIMIT = 2000  # code points of context shown on each side, however long a turn is


@dataclass
class ContextTurn:
    """One turn (or paragraph, in a document without turns) of a segment's context: its
    speaker and its text cut into the part before the segment, the segment's part, the rest."""

    speaker: str
    role: str
    start: int
    end: int
    before: str
    hit: str
    after: str
    cut_before: bool = False
    cut_after: bool = False

    @property
    def is_hit(self) -> bool:
        return bool(self.hit)


def _context_turn(
    text: str, span: tuple[int, int], start: int, end: int, speaker: str = "", role: str = ""
) -> ContextTurn:
    lo, hi = span
    hit_start, hit_end = max(start, lo), min(end, hi)
    if hit_start >= hit_end:  # a neighbouring turn: cut in the middle, away from the segment
        hit_start = hit_end = hi if lo < start else lo
    before, hit, after = text[lo:hit_start], text[hit_start:hit_end], text[hit_end:hi]
    turn = ContextTurn(speaker, role, lo, hi, before[-CONTEXT_LIMIT:], hit, after[:CONTEXT_LIMIT])
    turn.cut_before, turn.cut_after = len(before) > CONTEXT_LIMIT, len(after) > CONTEXT_LIMIT
    return turn


def _paragraph(text: str, position: int) -> tuple[int, int]:
    """The blank-line-separated paragraph holding `position`."""
    lo = text.rfind("\n\n", 0, position)
    hi = text.find("\n\n", position)
    return (0 if lo < 0 else lo + 2), (len(text) if hi < 0 else hi)


def segment_context(*, transcript: Transcript, start: int, end: int, around: bool) -> list[ContextTurn]:
    """The speaker turns a segment lies in, and with `around` the turn before and the turn
    after, each with its speaker; in at most three queries. A document without turns gives
    its paragraphs instead. Turns are ranges over the canonical text, so this reads no codings."""
    text = transcript.text
    turns = list(
        SpeakerTurn.objects.filter(transcript=transcript, start__lt=max(end, start + 1), end__gt=start)
        .select_related("speaker")
        .order_by("start")
    )
    if not turns:
        lo, hi = _paragraph(text, start)[0], _paragraph(text, max(start, end - 1))[1]
        spans = [(lo, hi)]
        if around:
            previous = len(text[:lo].rstrip()) - 1  # the last character of the paragraph before
            following = len(text) - len(text[hi:].lstrip())  # the first of the paragraph after
            if previous >= 0:
                spans.insert(0, _paragraph(text, previous))
            if following < len(text):
                spans.append(_paragraph(text, following))
        return [_context_turn(text, span, start, end) for span in spans]
    if around:
        neighbours = SpeakerTurn.objects.filter(transcript=transcript).select_related("speaker")
        turn_before = neighbours.filter(start__lt=turns[0].start).order_by("-start").first()
        turn_after = neighbours.filter(start__gte=turns[-1].end).order_by("start").first()
        turns = [t for t in (turn_before, *turns, turn_after) if t is not None]
    return [
        _context_turn(
            text,
            (turn.start, turn.end),
            start,
            end,
            turn.speaker.label if turn.speaker else "",
            turn.speaker.role if turn.speaker else "",
        )
        for turn in turns
    ]


SEGMENT_COLUMNS = ["document", "participant", "speaker", "codes", "start", "end", "text"]


def segments_frame(*, study: Study, segments: list[Segment]) -> pd.DataFrame:
    """Segments as a table (the retrieval page's export)."""
    codes = {c.pk: c for c in Code.objects.filter(study=study)}
    labels = _participant_labels({s.transcript_id for s in segments})
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
            for row in _rows(segments, codes=codes, labels=labels, context=0)
        ],
        columns=SEGMENT_COLUMNS,
    )
