"""Technique mentions drawn inline in the reader's text, each a link to its technique's page.

The reader's script (static/js/reader.js) maps code point offsets onto a turn's text nodes, whatever
elements hold them, so a mention can be a real `<a>` inside `.turn-text`: the text content of the
turn stays exactly `Transcript.text[turn.start:turn.end]`, and selecting or coding across a mention
gives the same offsets as without it. Mentions come from `explainers.selectors.transcript_techniques`
(stored, current mentions: the one query the reader's panel already makes); nothing here runs spaCy
or queries the database, so marking costs the same whatever the number of turns or mentions.

The markup is built here, escaped piece by piece, rather than in the template: a template loop over
the pieces of hundreds of turns costs far more than string joins (see test_reader_performance).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from typing import Protocol

from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString

from .techniques import by_slug


class MarkableTurn(Protocol):
    """What of a reader turn (coding.selectors.reader.ReaderTurn) marking reads and writes."""

    start: int
    end: int
    text: str
    text_html: str


def _link(slug: str, study_slug: str, cache: dict[str, str | None]) -> str | None:
    """The opening tag of a mention of `slug`, or None for a slug the vocabulary no longer has
    (a stale pipeline version; shown as plain text rather than a broken link)."""
    if slug not in cache:
        try:
            technique = by_slug(slug)
        except KeyError:
            cache[slug] = None
        else:
            href = reverse("explainers:technique_detail", args=[study_slug, slug])
            # draggable=false: a drag that starts on a mention selects text like anywhere else in the
            # turn, instead of dragging the link away.
            cache[slug] = (
                f'<a class="mention" href="{escape(href)}" data-technique="{escape(slug)}" draggable="false" '
                f'title="Technique: {escape(technique.name)}">'
            )
    return cache[slug]


def mark_mentions(turns: Sequence[MarkableTurn], mentions: Iterable[tuple[int, int, str]], study_slug: str) -> None:
    """Set each turn's `text_html`: its text, escaped, with every mention inside it wrapped in a link
    to the technique's page. `mentions` are (start, end, slug) in text order, as code point offsets
    into the transcript's text; a mention that overlaps an earlier one is skipped (the pipeline keeps
    the longest of overlapping matches, so this only guards against bad rows), and one that crosses a
    turn's edge is cut to the turn (speaker labels between turns are never part of a mention)."""
    starts = [t.start for t in turns]
    per_turn: list[list[tuple[int, int, str]]] = [[] for _ in turns]
    last_end = -1
    for start, end, slug in mentions:
        if start < last_end or end <= start:
            continue
        last_end = end
        i = max(0, bisect_right(starts, start) - 1)
        while i < len(turns) and turns[i].start < end:
            s, e = max(start, turns[i].start), min(end, turns[i].end)
            if e > s:
                per_turn[i].append((s, e, slug))
            i += 1
    tags: dict[str, str | None] = {}
    for turn, spots in zip(turns, per_turn, strict=True):
        if not spots:
            turn.text_html = escape(turn.text)
            continue
        parts: list[str] = []
        at = 0
        for s, e, slug in spots:
            local_start, local_end = s - turn.start, e - turn.start
            tag = _link(slug, study_slug, tags)
            if tag is None:
                continue
            parts.append(escape(turn.text[at:local_start]))
            parts.append(f"{tag}{escape(turn.text[local_start:local_end])}</a>")
            at = local_end
        parts.append(escape(turn.text[at:]))
        turn.text_html = SafeString("".join(parts))
