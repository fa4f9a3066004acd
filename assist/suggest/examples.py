"""A study's training examples: its codings snapped to the stored sentences, rejections as negatives.

Suggestions are made per sentence (segment), so the model learns from sentences too:

- a sentence is a positive of a code when one of the code's live codings covers at least half of the
  sentence, or lies inside it; a coding that makes no sentence positive that way (it straddles a
  boundary, covering a little of each) makes the sentence it overlaps most a positive;
- a sentence where a suggestion of a code was rejected is a negative of that code (BACKEND's
  ``Suggestion`` rows, status "rejected", on the transcript's current text);
- the other sentences of a coded transcript, up to the end of its last coding (the part someone has
  read and coded), are background examples with no code: they teach the model what is not coded,
  which most sentences of an interview are. Sentences after the last coding may simply not be read
  yet, so they are left out.

A coded transcript without stored sentences (never processed) contributes its codings' own texts.
Sentences come from the stored `TextAnalysis` of the transcript's current text (any pipeline version:
the sentence boundaries do not depend on the technique vocabulary).

Set-based: four queries for the whole study at most, however many codings and transcripts
(codings; analyses with texts; texts of unprocessed coded transcripts; rejected suggestions).
Codings are read only through `coding.selectors.training_codings`.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Any

from django.db.models import F, Q

from studies.models import Study

from .model import Example

HALF = 0.5


@dataclass
class LabelledSegment:
    """A sentence (or a coding's own span) of a transcript with its codes."""

    transcript_id: int
    start: int
    end: int
    text: str
    codes: set[int] = field(default_factory=set)
    negative_codes: set[int] = field(default_factory=set)
    key: str = ""

    def example(self) -> Example:
        return Example(
            key=self.key or f"{self.transcript_id}:{self.start}:{self.end}",
            text=self.text,
            codes=frozenset(self.codes),
            negative_codes=frozenset(self.negative_codes - self.codes),
        )


def _rejected(study: Study) -> list[tuple[int, int, int, int]]:
    """(transcript_id, start, end, code_id) of suggestions people turned down on current texts: the
    rejected ones, and those accepted as another code (the suggested code was wrong there)."""
    from assist.models import Suggestion

    return list(
        Suggestion.objects.filter(study=study, text_version=F("transcript__text_version"))
        .filter(Q(status="rejected") | Q(status="accepted", final_code__isnull=False))
        .order_by()
        .values_list("transcript_id", "start", "end", "code_id")
    )


def _snap(sentences: list[tuple[int, int]], starts: list[int], start: int, end: int) -> list[int]:
    """Indices of the sentences [start, end) makes positive (see the module docstring)."""
    i = max(0, bisect.bisect_right(starts, start) - 1)
    chosen: list[int] = []
    best, best_overlap = -1, 0
    while i < len(sentences) and sentences[i][0] < end:
        s, e = sentences[i]
        overlap = min(e, end) - max(s, start)
        if overlap > 0:
            if overlap >= HALF * (e - s) or (s <= start and end <= e):
                chosen.append(i)
            if overlap > best_overlap:
                best, best_overlap = i, overlap
        i += 1
    if not chosen and best >= 0:
        chosen.append(best)
    return chosen


def study_segments(study: Study) -> list[LabelledSegment]:
    """The labelled sentences of the study's coded transcripts (see the module docstring), in
    transcript and text order."""
    from assist.models import TextAnalysis
    from coding.selectors.training import training_codings
    from interviews.models import Transcript

    codings: dict[int, list[tuple[str, int, int, int]]] = {}
    for uuid, transcript_id, code_id, start, end in training_codings(study=study):
        codings.setdefault(transcript_id, []).append((str(uuid), code_id, start, end))
    rejected: dict[int, list[tuple[int, int, int]]] = {}
    for transcript_id, start, end, code_id in _rejected(study):
        rejected.setdefault(transcript_id, []).append((start, end, code_id))
    wanted = sorted(set(codings) | set(rejected))
    if not wanted:
        return []
    analysed: dict[int, tuple[list[Any], str]] = {
        tid: (sentences, text)
        for tid, sentences, text in TextAnalysis.objects.filter(
            transcript_id__in=wanted, transcript__study=study, text_version=F("transcript__text_version")
        ).values_list("transcript_id", "sentences", "transcript__text")
    }
    missing = [tid for tid in wanted if tid not in analysed]
    texts: dict[int, str] = dict(Transcript.objects.filter(pk__in=missing).values_list("pk", "text")) if missing else {}

    segments: list[LabelledSegment] = []
    for tid in wanted:
        if tid in analysed:
            raw, text = analysed[tid]
            sentences = sorted((int(s), int(e)) for s, e in raw)
            starts = [s for s, _ in sentences]
            labelled = [LabelledSegment(tid, s, e, text[s:e]) for s, e in sentences]
            read_until = -1
            for uuid, code_id, start, end in codings.get(tid, []):
                for i in _snap(sentences, starts, start, end):
                    labelled[i].codes.add(code_id)
                    labelled[i].key = labelled[i].key or uuid
                    read_until = max(read_until, i)
            for start, end, code_id in rejected.get(tid, []):
                for i in _snap(sentences, starts, start, end):
                    labelled[i].negative_codes.add(code_id)
                    read_until = max(read_until, i)
            segments.extend(labelled[: read_until + 1])
        else:
            text = texts.get(tid, "")
            for uuid, code_id, start, end in codings.get(tid, []):
                segments.append(LabelledSegment(tid, start, end, text[start:end], {code_id}, set(), uuid))
            for start, end, code_id in rejected.get(tid, []):
                segments.append(LabelledSegment(tid, start, end, text[start:end], set(), {code_id}))
    return [s for s in segments if s.text.strip()]


def build_examples(study: Study) -> list[Example]:
    """The study's training examples (see the module docstring), in a constant number of queries."""
    return [segment.example() for segment in study_segments(study)]
