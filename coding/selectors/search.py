"""Keyword in context and search patterns (KWIC, auto-code): matches in speech, by turn."""

from __future__ import annotations

import re
from dataclasses import dataclass

from interviews.models import SpeakerTurn, Transcript
from interviews.ordering import naturally
from studies.models import Study

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
    # The text version with the text: the hits' offsets are only good for that version.
    # Natural order of titles (P2 before P10), as retrieval shows segments, then creation order.
    documents = naturally(
        Transcript.objects.filter(study=study).only("uuid", "title", "text", "text_version").order_by("pk"),
        key=lambda d: d.title,
    )
    if transcripts:
        wanted = set(transcripts)
        documents = [d for d in documents if d.pk in wanted]
    # All turns of these documents in one query (not one per document).
    by_document: dict[int, list[SpeakerTurn]] = {}
    for turn in (
        SpeakerTurn.objects.filter(transcript_id__in=[d.pk for d in documents])
        .select_related("speaker")
        .order_by("transcript_id", "start")
    ):
        by_document.setdefault(turn.transcript_id, []).append(turn)
    hits: list[Hit] = []
    for transcript in documents:
        turns = by_document.get(transcript.pk) or [
            SpeakerTurn(transcript=transcript, index=0, start=0, end=len(transcript.text))
        ]
        for turn in turns:
            speaker = turn.speaker if turn.speaker_id else None
            role = speaker.role if speaker else ""
            if speaker_role and role != speaker_role:
                continue
            speech = transcript.text[turn.start : turn.end]
            for match in pattern.finditer(speech):
                if match.end() == match.start():
                    continue
                hits.append(Hit(transcript, turn.start + match.start(), turn.start + match.end(), turn.index,
                                speaker.label if speaker else "", role))  # fmt: skip
                if len(hits) >= MAX_HITS:
                    return hits
    return hits
