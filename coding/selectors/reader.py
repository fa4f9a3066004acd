"""What the transcript reader shows, gathered in a fixed number of queries."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.db.models import F, Prefetch, Value
from django.db.models.functions import Least, Substr
from django.utils.html import escape
from django.utils.safestring import mark_safe

from accounts.models import User
from interviews.models import AttributeValue, Participant, SpeakerTurn, Transcript
from studies.models import Study

from ..models import Memo
from .codebook import study_codes
from .payloads import PAYLOAD_FIELDS, code_payload, coding_row_payload
from .visibility import transcript_codings, visible_rows

# How much of a coded span a memo shows as its quote.
QUOTE_CHARS = 200


def quote(text: str) -> str:
    """`text` cut to QUOTE_CHARS characters (an ellipsis marks the cut)."""
    return text if len(text) <= QUOTE_CHARS else text[:QUOTE_CHARS].rstrip() + "…"


@dataclass
class ReaderTurn:
    index: int
    start: int
    end: int
    text: str
    speaker: str  # the label of the turn's Speaker (speaker review may reassign it), never the text's label
    role: str
    participant: str
    start_ms: int | None
    # The turn's codes, drawn here so the first layout already has them (the reader's script
    # redraws them only when codings change): a key the script compares and the markup.
    codes_key: str = ""
    codes_html: str = ""
    # The text as markup, escaped, with technique mentions as links (explainers.marks); set by the view.
    text_html: str = ""


# How many codes a turn's summary shows (all are read out); keep in step with static/js/reader.js.
VISIBLE_SUMMARY = 6


def _turn_summaries(turns: list[ReaderTurn], codings: list[dict[str, Any]], codes: dict[int, Any]) -> None:
    """Fill each turn's `codes_key` (code id:count pairs) and `codes_html` from the codings that
    overlap its speech, the codes in reading order of their first coding: what
    static/js/reader.js (updateSummaries) draws."""
    starts = [t.start for t in turns]
    ends = [t.end for t in turns]
    last = len(turns)
    per_turn: list[dict[int, int]] = [{} for _ in turns]
    # `codings` come in the script's reading order: start, end, then id.
    for row in codings:
        code_id, start, end = row["code_id"], row["start"], row["end"]
        if code_id not in codes:
            continue
        i = max(0, bisect_right(starts, start) - 1)
        while i < last and starts[i] < end:
            if min(end, ends[i]) > max(start, starts[i]):
                counts = per_turn[i]
                counts[code_id] = counts.get(code_id, 0) + 1
            i += 1
    escaped: dict[int, tuple[str, str]] = {}
    for turn, counts in zip(turns, per_turn, strict=True):
        if not counts:
            continue
        parts: list[str] = []
        labels: list[str] = []
        items: list[str] = []
        for code_id, n in counts.items():
            code = codes[code_id]
            if code_id not in escaped:
                escaped[code_id] = (escape(code.name), escape(code.colour))
            name, colour = escaped[code_id]
            parts.append(f"{code_id}:{n}")
            label = f"{name} ({n})" if n > 1 else name
            labels.append(label)
            if len(items) < VISIBLE_SUMMARY:
                items.append(f'<span class="tc" style="--c: {colour}">{label}</span>')
        if len(counts) > VISIBLE_SUMMARY:
            items.append(f'<span class="tc more">+{len(counts) - VISIBLE_SUMMARY} more</span>')
        turn.codes_key = "|".join(parts)
        turn.codes_html = mark_safe(  # noqa: S308 - names and colours are escaped above
            f'<span class="visually-hidden">Coded: {", ".join(labels)}</span>'
            f'<span aria-hidden="true">{"".join(items)}</span>'
        )


@dataclass(frozen=True)
class CodingExcerpt:
    """Where a coding memo points: its code, document and coded words."""

    code_name: str
    code_colour: str
    transcript_uuid: UUID
    transcript_title: str
    start: int
    end: int
    quote: str  # empty when the coding was on an earlier text version
    removed: bool


def coding_excerpts(*, study: Study, user: User | Any, coding_ids: list[int]) -> dict[int, CodingExcerpt]:
    """The codings `coding_ids` (live or removed) that `user` may see, with their quotes, in one
    query: only the first QUOTE_CHARS characters of each coded span are read from the database."""
    if not coding_ids:
        return {}
    rows = (
        visible_rows(study=study, user=user)
        .filter(pk__in=coding_ids)
        .annotate(
            quote_text=Substr("transcript__text", F("start") + 1, Least(F("end") - F("start"), Value(QUOTE_CHARS + 1)))
        )
        .values_list(
            "pk", "code__name", "code__colour", "transcript__uuid", "transcript__title", "start", "end",
            "retired_at", "text_version", "transcript__text_version", "quote_text",
        )
    )  # fmt: skip
    found = {}
    for pk, name, colour, t_uuid, title, start, end, retired_at, version, current, text in rows:
        found[pk] = CodingExcerpt(
            code_name=name,
            code_colour=colour,
            transcript_uuid=t_uuid,
            transcript_title=title,
            start=start,
            end=end,
            # Offsets of a coding on an earlier text version point into that version's text.
            quote=quote(text or "") if version == current else "",
            removed=retired_at is not None,
        )
    return found


def _speech(turns: list[ReaderTurn], starts: list[int], start: int, end: int) -> str:
    """The words of [start, end) as the reader shows them: the speech of each turn it covers,
    without the speaker labels between turns."""
    first = max(0, bisect_right(starts, start) - 1)
    pieces = []
    for turn in turns[first:]:
        if turn.start >= end:
            break
        piece = turn.text[max(start, turn.start) - turn.start : min(end, turn.end) - turn.start]
        if piece.strip():
            pieces.append(piece.strip())
    return " … ".join(pieces)


def reader_context(*, transcript: Transcript, user: User | Any) -> dict[str, Any]:
    text = transcript.text
    turns = [
        ReaderTurn(
            index=t.index,
            start=t.start,
            end=t.end,
            text=text[t.start : t.end],
            speaker=t.speaker.label if t.speaker else "",
            role=t.speaker.role if t.speaker else "",
            participant=t.speaker.participant.label if t.speaker and t.speaker.participant else "",
            start_ms=t.start_ms,
        )
        for t in SpeakerTurn.objects.filter(transcript=transcript)
        .select_related("speaker__participant")
        .order_by("index")
    ]
    if not turns and text:
        # A document without turns is shown as one block so it can still be read and coded.
        turns = [ReaderTurn(0, 0, len(text), text, "", "", "", None)]
    participants = list(
        Participant.objects.filter(transcripts=transcript)
        .prefetch_related(
            Prefetch(
                "values",
                queryset=AttributeValue.objects.select_related("attribute").order_by(
                    "attribute__order", "attribute__name"
                ),
            )
        )
        .order_by("label")
    )
    codes = list(study_codes(study=transcript.study))
    # Plain rows, not model instances: a transcript may hold thousands of codings.
    codings = list(
        transcript_codings(transcript=transcript, user=user).order_by("start", "end", "uuid").values(*PAYLOAD_FIELDS)
    )
    coder_ids = {c["coder_id"] for c in codings if c["coder_id"]}
    if getattr(user, "pk", None):
        coder_ids.add(user.pk)
    coders = {u.pk: str(u) for u in User.objects.filter(pk__in=coder_ids)}
    _turn_summaries(turns, codings, {c.pk: c for c in codes})
    counts: dict[int, int] = {}
    for coding in codings:
        counts[coding["code_id"]] = counts.get(coding["code_id"], 0) + 1
    # Memos on this document's codings (live ones the user may see), shown in the memo card and
    # in the codings panel.
    codes_by_id = {c.pk: c for c in codes}
    coding_memos = []
    starts = [t.start for t in turns]
    # Only memos of the codings read above (through the visibility rule) are shown.
    visible = {c["uuid"] for c in codings}
    for memo in (
        Memo.objects.filter(study=transcript.study, deleted_at__isnull=True, coding__transcript=transcript)
        .select_related("author", "coding")
        .order_by("coding__start", "coding__end", "created_at")
    ):
        coding = memo.coding
        code = codes_by_id.get(coding.code_id) if coding is not None else None
        if coding is None or code is None or coding.uuid not in visible:
            continue
        memo.coding_uuid = str(coding.uuid)  # type: ignore[attr-defined]
        memo.code_name, memo.code_colour = code.name, code.colour  # type: ignore[attr-defined]
        memo.start, memo.end = coding.start, coding.end  # type: ignore[attr-defined]
        memo.quote = quote(_speech(turns, starts, coding.start, coding.end))  # type: ignore[attr-defined]
        coding_memos.append(memo)
    return {
        "turns": turns,
        "participants": participants,
        "codes": codes,
        "code_counts": counts,
        "codes_json": [code_payload(c) for c in codes],
        "codings_json": [coding_row_payload(c) for c in codings],
        "coders_json": coders,
        "memos": list(transcript.memos.filter(deleted_at__isnull=True).select_related("author")),
        "coding_memos": coding_memos,
        "memo_target": "transcript",
        "memo_uuid": transcript.uuid,
    }
