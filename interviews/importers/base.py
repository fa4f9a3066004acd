"""Types shared by the importers."""

from __future__ import annotations

from dataclasses import dataclass, field


class ImportFailure(Exception):
    """A file that cannot be imported. The message names the file and the problem, for people."""

    def __init__(self, filename: str, problem: str) -> None:
        self.filename = filename
        self.problem = problem
        super().__init__(f"{filename}: {problem}")


@dataclass
class RawTurn:
    """A turn as read from the source, before the canonical text is laid out."""

    speaker: str | None
    text: str
    start_ms: int | None = None
    end_ms: int | None = None


@dataclass
class ParsedTurn:
    speaker: str | None
    start: int
    end: int
    start_ms: int | None = None
    end_ms: int | None = None


@dataclass
class ParsedDocument:
    """The canonical text and its turns; offsets are code points, end exclusive."""

    text: str
    turns: list[ParsedTurn]
    format: str
    warnings: list[str] = field(default_factory=list)
    encoding: str = ""

    @property
    def speakers(self) -> list[str]:
        seen: dict[str, None] = {}
        for turn in self.turns:
            if turn.speaker:
                seen.setdefault(turn.speaker, None)
        return list(seen)

    @property
    def word_count(self) -> int:
        return sum(len(self.text[t.start : t.end].split()) for t in self.turns)
