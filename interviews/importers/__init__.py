"""Transcript importers: every source format becomes one canonical text with speaker turns.

`parse_document(filename, data, max_bytes=..., options=SpeakerOptions(...))` is the single entry
point. The format is chosen by the file's content where its magic bytes say so, else by its
extension. A file whose content is a different known binary format than its extension claims (a PDF
named .docx) is read as what it really is, with a warning; a .docx/.odt/.xlsx/.pdf whose content is
not that format at all is refused with a message naming the file.

Whatever goes wrong inside a reader is an ImportFailure naming the file: a damaged or hostile file
never surfaces as "Internal error: ValueError" nor stops a batch. Characters PostgreSQL cannot store
(NUL, lone surrogates) are removed with a warning (`studies.text`).

Every format goes through the same speaker steps (see `speakers`): detection of labels, one speaker
per person whatever the label's spacing or case, attribution of unlabelled paragraphs, renames,
and one turn for consecutive turns of one speaker. `ParsedDocument.report` says what was found.
"""

from __future__ import annotations

import io
import logging
import zipfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import PurePath

from studies.text import Removed, storable

from . import formats, safety, speakers
from .base import ImportFailure, ImportReport, ParsedDocument, ParsedTurn, RawTurn, SpeakerOptions, SpeakerSummary
from .canonical import build
from .speakers import label_key, speaker_role

__all__ = [
    "SUPPORTED_EXTENSIONS", "ImportFailure", "ImportReport", "ParsedDocument", "ParsedTurn", "RawTurn",
    "SpeakerOptions", "SpeakerSummary", "label_key", "parse_document", "speaker_role",
]  # fmt: skip

Reader = Callable[[bytes, str], formats.Source]
READERS: dict[str, Reader] = {
    "txt": formats.read_text,
    "text": formats.read_text,
    "md": formats.read_markdown,
    "markdown": formats.read_markdown,
    "html": formats.read_html,
    "htm": formats.read_html,
    "vtt": formats.read_vtt,
    "srt": formats.read_srt,
    "csv": formats.read_csv,
    "xlsx": formats.read_xlsx,
    "docx": formats.read_docx,
    "odt": formats.read_odt,
    "pdf": formats.read_pdf,
}
SUPPORTED_EXTENSIONS = sorted({"txt", "md", "html", "htm", "vtt", "srt", "csv", "xlsx", "docx", "odt", "pdf"})
BINARY_FORMATS = {"docx": "Word document", "odt": "OpenDocument text", "xlsx": "Excel workbook", "pdf": "PDF"}
FORMAT_NAMES = {
    "txt": "a text file", "text": "a text file", "md": "a Markdown file", "markdown": "a Markdown file",
    "html": "an HTML page", "htm": "an HTML page", "vtt": "a WebVTT subtitle file", "srt": "an SRT subtitle file",
    "csv": "a CSV table", "xlsx": "an Excel workbook", "docx": "a Word document", "odt": "an OpenDocument text",
    "pdf": "a PDF",
}  # fmt: skip
MAX_ERROR_DETAIL = 160

logger = logging.getLogger(__name__)


def sniff(data: bytes) -> str | None:
    """The format the bytes really are, for the formats with a signature."""
    if data.startswith(b"%PDF-") or data[:1024].lstrip().startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole"
    if data.startswith(b"PK\x03\x04"):
        try:
            names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
        except (zipfile.BadZipFile, EOFError, ValueError):
            return "zip"
        if "word/document.xml" in names:
            return "docx"
        if "content.xml" in names:
            return "odt"
        if "xl/workbook.xml" in names:
            return "xlsx"
        return "zip"
    if data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"WEBVTT"):
        return "vtt"
    return None


def choose_format(filename: str, data: bytes) -> tuple[str, list[str]]:
    extension = PurePath(filename).suffix.lower().lstrip(".")
    actual = sniff(data)
    warnings: list[str] = []
    if actual == "ole":
        raise ImportFailure(filename, "is a legacy Word/Excel 97–2003 file; save it as .docx or .xlsx and import that")
    if actual in READERS and actual != extension and not (actual == "vtt" and extension in ("txt", "vtt")):
        if extension in READERS:
            warnings.append(f"{filename} is named .{extension} but is really a {actual.upper()} file; read it as that.")
        return actual, warnings
    if actual == "zip" and extension in BINARY_FORMATS:
        raise ImportFailure(filename, f"is a zip archive but not a valid {BINARY_FORMATS[extension]}")
    if extension in BINARY_FORMATS and actual is None:
        if not data.startswith(b"PK") and extension != "pdf":
            raise ImportFailure(
                filename,
                f"is not a valid {BINARY_FORMATS[extension]} (the file is corrupt, "
                "truncated or not what its name says)",
            )
        if extension == "pdf":
            raise ImportFailure(filename, "is not a valid PDF (it does not start with %PDF)")
    if extension not in READERS:
        supported = ", ".join(f".{e}" for e in SUPPORTED_EXTENSIONS)
        raise ImportFailure(filename, f"has an unsupported type .{extension or '(none)'} (supported: {supported})")
    return extension, warnings


def parse_document(
    filename: str, data: bytes, *, max_bytes: int, options: SpeakerOptions | None = None
) -> ParsedDocument:
    """Parse one file. `options` carries the import preview's choices; None means the detected defaults.

    The result's `report` (ImportReport) describes the speakers found and what looks doubtful; it is
    filled for every format. Parsing is pure (no database), so a preview can call it again with new
    options and get exactly what an import with those options would store.
    """
    options = options or SpeakerOptions()
    if not data or not data.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise ImportFailure(filename, "is empty")
    safety.check_size(data, filename, max_bytes)
    kind, warnings = choose_format(filename, data)
    try:
        return _parse(filename, data, kind, warnings, options)
    except ImportFailure:
        raise
    except Exception as exc:  # RecursionError and MemoryError included
        # A parser library's own exception on a damaged or hostile file (ValueError, KeyError,
        # struct.error, ...): the user learns which file, and the batch goes on.
        logger.warning("Could not read %s as %s", filename, kind, exc_info=True)
        detail = f"{exc.__class__.__name__}: {exc}" if str(exc) else exc.__class__.__name__
        if len(detail) > MAX_ERROR_DETAIL:
            detail = detail[: MAX_ERROR_DETAIL - 1] + "…"
        raise ImportFailure(
            filename,
            f"could not be read as {FORMAT_NAMES.get(kind, kind)}; the file is damaged or uses something the "
            f"importer does not understand ({detail})",
        ) from exc


def _parse(filename: str, data: bytes, kind: str, warnings: list[str], options: SpeakerOptions) -> ParsedDocument:
    source = READERS[kind](data, filename)
    warnings = [*warnings, *source.warnings]
    removed = Removed()
    if source.text is not None:
        source.text = storable(source.text, removed)
    for turn in source.turns or []:
        turn.text = storable(turn.text, removed)
        turn.speaker = storable(turn.speaker, removed) if turn.speaker else turn.speaker
    if removed:
        warnings.append(removed.warning(filename))
    options = replace(options, renames={k: storable(v) for k, v in options.renames.items()})
    if source.text is not None:
        detection = speakers.detect_turns(
            source.text, participant_labels=options.participant_labels, paragraph_lines=source.paragraph_lines
        )
    else:
        detection = speakers.Detection(
            source.turns or [],
            [source.convention] if source.convention else [],
            auto_participant=source.auto_participant,
        )
    resolution = speakers.resolve(detection, options)
    text, turns = build(resolution.turns)
    if not turns:
        raise ImportFailure(filename, "contains no text")
    report = speakers.build_report(text, [(t.speaker, t.start, t.end) for t in turns], detection, resolution, options)
    return ParsedDocument(
        text=text, turns=turns, format=kind, warnings=warnings, encoding=source.encoding, report=report
    )
