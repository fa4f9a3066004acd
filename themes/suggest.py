"""Candidate themes suggested by clustering codes on co-occurrence, and a theme's boundary cues.

Codes that are often applied to the same words belong to one idea more often than not; a group of
such codes that no theme holds yet is worth a look as a candidate theme. The clustering is
deliberately simple and explainable: codes are linked when the Jaccard index of their codings
(overlapping pairs / (codings of A + codings of B − overlapping pairs)) reaches a threshold and they
co-occur at least `min_pairs` times, and each connected group of two to `max_size` codes is one
suggestion, described by its strongest links. A researcher can see *why* each was suggested.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from accounts.models import User
from coding.models import Code
from coding.selectors import coding_counts
from coding.selectors.themes import code_pair_overlaps, codings_per_code, documents_of_codes
from studies.models import Study

MIN_JACCARD = 0.15
MIN_PAIRS = 2
MAX_SIZE = 12
MAX_SUGGESTIONS = 8


@dataclass
class Suggestion:
    codes: list[Code]
    links: list[tuple[Code, Code, int, float]]  # strongest first: a, b, overlapping pairs, Jaccard
    key: str  # stable for the same set of codes (ignoring a suggestion remembers it)

    @property
    def name(self) -> str:
        return " / ".join(code.name for code in self.codes[:3]) + ("…" if len(self.codes) > 3 else "")


def suggestion_key(code_uuids: list[str]) -> str:
    return hashlib.sha256(",".join(sorted(code_uuids)).encode()).hexdigest()[:16]


def _overlaps(study: Study, user: User | Any, code_ids: list[int]) -> dict[tuple[int, int], int]:
    """Overlapping coding pairs per ordered code pair, from ANALYTICS' co-occurrence matrix (the one
    the heat map shows, so a suggestion and the map agree), else the minimal selector of
    `coding.selectors.themes` (kept as the fallback and as the theme page's boundary cue)."""
    try:
        from themes.analysis import cooccurrence
    except ImportError:  # pragma: no cover - the analytics module is part of the app
        return code_pair_overlaps(study=study, user=user, inside=code_ids)
    frame = cooccurrence(study, user, mode="overlap", codes=code_ids)
    ids = [int(pk) for pk in frame.attrs.get("code_ids", [])]
    if len(ids) != len(frame.index):
        return code_pair_overlaps(study=study, user=user, inside=code_ids)
    values = frame.to_numpy()
    out: dict[tuple[int, int], int] = {}
    for i, a in enumerate(ids):
        for j, b in enumerate(ids):
            if i != j and values[i, j]:
                out[(a, b)] = int(values[i, j])
    return out


def suggest_themes(
    *,
    study: Study,
    user: User | Any,
    codes: list[Code],
    ignored: set[str] = frozenset(),  # type: ignore[assignment]
    min_jaccard: float = MIN_JACCARD,
    min_pairs: int = MIN_PAIRS,
) -> list[Suggestion]:
    """Groups of `codes` (usually the unassigned ones) that co-occur, strongest first."""
    by_id = {code.pk: code for code in codes}
    if len(by_id) < 2:
        return []
    counts = coding_counts(study=study, user=user, by="code_id")
    pairs = _overlaps(study, user, list(by_id))
    edges: dict[tuple[int, int], tuple[int, float]] = {}
    for (a, b), n in pairs.items():
        if a >= b or a not in by_id or b not in by_id:
            continue
        n = max(n, pairs.get((b, a), 0))
        union = counts.get(a, 0) + counts.get(b, 0) - n
        jaccard = n / union if union > 0 else 0.0
        if n >= min_pairs and jaccard >= min_jaccard:
            edges[(a, b)] = (n, jaccard)
    # Connected components (union-find) over the strong links.
    root: dict[int, int] = {}

    def find(x: int) -> int:
        root.setdefault(x, x)
        while root[x] != x:
            root[x] = root[root[x]]
            x = root[x]
        return x

    for a, b in edges:
        root[find(a)] = find(b)
    groups: dict[int, list[int]] = {}
    for node in {n for edge in edges for n in edge}:
        groups.setdefault(find(node), []).append(node)
    suggestions = []
    for members in groups.values():
        if not 2 <= len(members) <= MAX_SIZE:
            continue
        member_set = set(members)
        links = sorted(
            ((by_id[a], by_id[b], n, j) for (a, b), (n, j) in edges.items() if a in member_set),
            key=lambda link: (-link[3], -link[2]),
        )
        ordered = sorted((by_id[m] for m in members), key=lambda c: (-counts.get(c.pk, 0), c.name))
        key = suggestion_key([str(c.uuid) for c in ordered])
        if key in ignored:
            continue
        suggestions.append(Suggestion(codes=ordered, links=links, key=key))
    suggestions.sort(key=lambda s: (-max(link[3] for link in s.links), -len(s.codes)))
    return suggestions[:MAX_SUGGESTIONS]


@dataclass
class BoundaryCue:
    inside: Code
    outside: Code
    pairs: int
    share: float  # of the inside code's codings (in the documents looked at) that overlap the outside code


@dataclass
class Boundary:
    cues: list[BoundaryCue]
    documents: int  # documents looked at
    of_documents: int  # documents holding codings of the theme


# Overlaps are counted within documents, and a theme of 200,000 codings over 1,000 documents
# takes seconds to join against every coding of them; past this many documents the cue is
# computed on the first ones (by id) and says so.
BOUNDARY_DOCUMENTS = 40
BOUNDARY_CODINGS = 20_000


def boundary_cues(*, study: Study, user: User | Any, code_ids: list[int], limit: int = 15) -> Boundary:
    """Codes of a theme that co-occur with codes outside it, most entangled first: a cue that
    the theme's boundary may be in the wrong place (or that the outside code belongs in it)."""
    if not code_ids:
        return Boundary([], 0, 0)
    counts = codings_per_code(study=study, user=user, code_ids=code_ids)
    transcripts: list[int] | None = None
    documents = of_documents = 0
    if sum(counts.values()) > BOUNDARY_CODINGS:
        transcripts, of_documents, counts = documents_of_codes(
            study=study, user=user, code_ids=code_ids, limit=BOUNDARY_DOCUMENTS
        )
        documents = len(transcripts)
    pairs = code_pair_overlaps(study=study, user=user, inside=code_ids, outside_only=True, transcripts=transcripts)
    if not pairs:
        return Boundary([], documents, of_documents)
    wanted = {a for a, _ in pairs} | {b for _, b in pairs}
    codes = {c.pk: c for c in Code.objects.filter(pk__in=wanted)}
    cues = [
        BoundaryCue(codes[a], codes[b], n, min(1.0, n / counts[a]) if counts.get(a) else 0.0)
        for (a, b), n in pairs.items()
        if a in codes and b in codes
    ]
    cues.sort(key=lambda c: (-c.share, -c.pairs, c.inside.name))
    return Boundary(cues[:limit], documents, of_documents)
