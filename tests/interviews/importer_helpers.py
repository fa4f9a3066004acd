from __future__ import annotations

from pathlib import Path

from interviews.importers import ParsedDocument, parse_document

DATA = Path(__file__).resolve().parent.parent / "data" / "transcripts"
LIMIT = 50 * 1024 * 1024


def parse(name: str, data: bytes | None = None) -> ParsedDocument:
    return parse_document(name, data if data is not None else (DATA / name).read_bytes(), max_bytes=LIMIT)


def turns(doc: ParsedDocument) -> list[tuple[str | None, str, int | None]]:
    """(speaker, speech sliced from the canonical text by its offsets, start_ms)."""
    return [(t.speaker, doc.text[t.start : t.end], t.start_ms) for t in doc.turns]
