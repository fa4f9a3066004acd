"""What the technique pages and the reader's panel show: current stored mentions (through
`assist.selectors`, never spaCy), counted and cut into excerpts by the database, so a page costs
the same few queries however many mentions there are."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, Value, Window
from django.db.models.functions import Greatest, Least, RowNumber, Substr

from assist.models import TechniqueMention
from assist.selectors import current_analysis, technique_mentions, transcript_mentions
from interviews.models import Transcript
from interviews.ordering import natural_key
from studies.models import Study

from .techniques import Technique, by_slug

# Characters of context either side of a mention in an excerpt.
CONTEXT = 60
# Excerpts on a technique's page, in all and per document; the rest are counted.
MENTION_CAP = 200
PER_DOCUMENT = 20
# Positions of one technique listed in the reader's panel.
PANEL_POSITIONS = 12

_SPACE = re.compile(r"\s+")


def mention_counts(study: Study) -> dict[str, tuple[int, int]]:
    """Slug → (mentions, documents) of the study's current mentions, in one aggregate query."""
    rows = (
        technique_mentions(study)
        .order_by()
        .values("technique")
        .annotate(n=Count("id"), documents=Count("transcript", distinct=True))
        .values_list("technique", "n", "documents")
    )
    return {slug: (n, documents) for slug, n, documents in rows}


@dataclass
class Excerpt:
    start: int
    end: int
    left: str
    match: str
    right: str


@dataclass
class DocumentMentions:
    uuid: Any
    title: str
    count: int
    excerpts: list[Excerpt] = field(default_factory=list)


def _left(text: str, cut: bool) -> str:
    text = _SPACE.sub(" ", text)
    if cut and " " in text:  # started mid-word: begin at the next word
        text = "…" + text[text.index(" ") :]
    return text


def _right(text: str, cut: bool) -> str:
    text = _SPACE.sub(" ", text)
    if cut and " " in text:
        text = text[: text.rindex(" ")] + " …"
    return text


def technique_documents(study: Study, slug: str, cap: int = MENTION_CAP) -> tuple[list[DocumentMentions], int]:
    """The study's documents that mention technique `slug`, in natural title order, each with its
    mention count and its first PER_DOCUMENT mentions as excerpts of ±CONTEXT characters (documents
    from the first on, while the excerpts stay within `cap`; the later ones are listed with their
    count only); and the total number of mentions. Two queries: the counts per document, then the
    excerpts, cut out of the text by the database."""
    mentions = technique_mentions(study, slug)
    per_document = (
        mentions.order_by()
        .values("transcript_id", "transcript__uuid", "transcript__title")
        .annotate(n=Count("id"))
        .values_list("transcript_id", "transcript__uuid", "transcript__title", "n")
    )
    ordered = sorted(per_document, key=lambda row: (natural_key(row[2]), row[0]))
    documents = {pk: DocumentMentions(uuid=uuid, title=title, count=n) for pk, uuid, title, n in ordered}
    total = sum(d.count for d in documents.values())
    shown, budget = [], cap
    for pk, document in documents.items():
        budget -= min(document.count, PER_DOCUMENT)
        if budget < 0:
            break
        shown.append(pk)
    if not shown:
        return list(documents.values()), total
    text = F("transcript__text")
    rank = Window(RowNumber(), partition_by=[F("transcript_id")], order_by=[F("start").asc(), F("end").asc()])
    rows = (
        mentions.filter(transcript_id__in=shown)
        .annotate(
            rank=rank,
            left_text=Substr(text, Greatest(F("start") - CONTEXT + 1, Value(1)), Least(F("start"), Value(CONTEXT))),
            match_text=Substr(text, F("start") + 1, F("end") - F("start")),
            right_text=Substr(text, F("end") + 1, Value(CONTEXT + 1)),
        )
        .filter(rank__lte=PER_DOCUMENT)
        .values_list("transcript_id", "start", "end", "left_text", "match_text", "right_text")
    )
    for pk, start, end, left, match, right in rows:
        right = right or ""
        documents[pk].excerpts.append(
            Excerpt(
                start=start,
                end=end,
                left=_left(left or "", cut=start > CONTEXT),
                match=_SPACE.sub(" ", match or ""),
                right=_right(right[:CONTEXT], cut=len(right) > CONTEXT),
            )
        )
    return list(documents.values()), total


@dataclass
class PanelTechnique:
    technique: Technique
    count: int
    positions: list[tuple[int, int]]


def transcript_techniques(transcript: Transcript) -> dict[str, Any]:
    """The reader's "Techniques mentioned" panel: the techniques in the transcript's present text
    with their counts and first positions, most mentioned first, and whether the text was processed
    at all (asked only when nothing was found: a current mention implies a current analysis); and
    every mention as (start, end, slug) in text order, which the reader marks inline
    (`explainers.marks`) from this same query."""
    mentions: list[TechniqueMention] = list(transcript_mentions(transcript).only("start", "end", "technique"))
    counts = Counter(m.technique for m in mentions)
    positions: dict[str, list[tuple[int, int]]] = {}
    for m in mentions:
        spots = positions.setdefault(m.technique, [])
        if len(spots) < PANEL_POSITIONS:
            spots.append((m.start, m.end))
    techniques = []
    for slug, n in counts.items():
        try:
            technique = by_slug(slug)
        except KeyError:  # a slug retired from the vocabulary: its pipeline version is stale anyway
            continue
        techniques.append(PanelTechnique(technique=technique, count=n, positions=positions[slug]))
    techniques.sort(key=lambda t: (-t.count, t.technique.name.casefold()))
    processed = bool(mentions) or current_analysis(transcript) is not None
    return {
        "techniques": techniques,
        "processed": processed,
        "mentions": [(m.start, m.end, m.technique) for m in mentions],
    }


def technique_citations(study: Study, slug: str, user: Any) -> list[Any]:
    """The study's findings citing technique `slug`, each with its theme, quotes and coverage as they
    stand: the technique's page links back to the findings that link to it
    (`themes.coverage.citing_findings`)."""
    from themes.coverage import citing_findings

    return citing_findings(study=study, slug=slug, user=user)
