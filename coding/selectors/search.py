"""Keyword in context and search patterns (KWIC, auto-code): matches in speech, by turn."""

from __future__ import annotations

from dataclasses import dataclass

from interviews.models import SpeakerTurn, Transcript
from interviews.ordering import naturally
from studies.models import Study

from ..patterns import MAX_PATTERN_LENGTH, PatternError, UserPattern, compile_user_pattern, search_deadline

MAX_HITS = 5000
# Compiled in coding.patterns (RE2, linear time), the one place user patterns are compiled.
compile_pattern = compile_user_pattern

__all__ = ["MAX_HITS", "MAX_PATTERN_LENGTH", "Hit", "PatternError", "UserPattern", "compile_pattern", "search_hits"]


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
    *, study: Study, pattern: UserPattern, transcripts: list[int] | None = None, speaker_role: str = ""
) -> list[Hit]:
    """Matches of `pattern` in the study's transcripts (speech only), in document order.
    Raises PatternError when the matching outlasts its time budget (see coding.patterns)."""
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
    deadline = search_deadline()
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
            for start, end in pattern.spans(speech, deadline=deadline):
                hits.append(Hit(transcript, turn.start + start, turn.start + end, turn.index,
                                speaker.label if speaker else "", role))  # fmt: skip
                if len(hits) >= MAX_HITS:
                    return hits
    return hits
