"""One reader per source format. Each returns a `Source`: plain text for the speaker detection
(`speakers.detect_turns`), or turns already split (subtitle cues, table rows). `parse_document` then
resolves speakers and `canonical.build` lays the turns out."""

from __future__ import annotations

import csv
import html
import io
import itertools
import re
from collections import Counter
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from html.parser import HTMLParser
from xml.etree.ElementTree import Element

from . import safety
from .base import ImportFailure, RawTurn
from .canonical import normalise
from .encoding import decode
from .speakers import BARE, INLINE, MARKED, TIMED, classify_line, is_known_label, mark_unlabelled, time_only
from .timestamps import to_ms


@dataclass
class Source:
    """What a reader found. Either `text` (plain text, for speaker detection) or `turns`."""

    encoding: str = ""
    text: str | None = None
    # Every line of `text` is a paragraph (Word, ODT, reflowed PDF); False: blank lines separate
    # paragraphs (HTML); None: decide from the text (plain text, Markdown).
    paragraph_lines: bool | None = None
    turns: list[RawTurn] | None = None
    convention: str = ""
    auto_participant: bool = True  # whether "auto" may attribute unlabelled speech to the participant
    warnings: list[str] = dataclass_field(default_factory=list)  # counts in the file that were clamped, for the user


# --- bounds on what a file's own counts can make us build ----------------------------------------

# A document's text may be as long as a plain-text file could be. Zip-based formats expand, and an
# ODT space count (`<text:s text:c="300000000"/>`) multiplies: a 400-byte file asked for 300 MB.
MAX_TEXT_CHARS = 50 * 1024 * 1024
MAX_REPEATED_SPACES = 1000  # one `<text:s>`; word processors write a few, never thousands
MAX_XML_DEPTH = 200  # nested elements walked (Word and ODF nest some 10 to 30 deep)
MAX_TABLE_COLUMNS = 64  # a transcript table has a speaker, a text and maybe two time columns
MAX_TABLE_ROWS = 100_000  # rows read (empty ones too), some 30 times the turns of a long interview
MAX_PDF_PAGES = 5000
MAX_LABEL_CHARS = 200  # a speaker name, as `Speaker.label` stores it


class _Text:
    """The pieces of a document's text, with the running total checked against MAX_TEXT_CHARS."""

    def __init__(self, filename: str, kind: str) -> None:
        self.filename, self.kind = filename, kind
        self.pieces: list[str] = []
        self.size = 0
        self.clamped = 0  # space runs shortened to MAX_REPEATED_SPACES
        self.bad_counts = 0  # space counts that were no whole number

    def append(self, piece: str) -> None:
        self.size += len(piece)
        if self.size > MAX_TEXT_CHARS:
            raise ImportFailure(
                self.filename,
                f"would expand to more than {MAX_TEXT_CHARS:,} characters of text; "
                f"refused as a possible decompression bomb",
            )
        self.pieces.append(piece)

    def spaces(self, count: str | None) -> None:
        """`<text:s text:c="...">`: a run of spaces whose length the file says."""
        try:
            n = int(count) if count is not None else 1
        except ValueError:
            self.bad_counts += 1
            n = 1
        if n > MAX_REPEATED_SPACES:
            self.clamped += 1
            n = MAX_REPEATED_SPACES
        self.append(" " * max(n, 1))

    def check_depth(self, depth: int) -> None:
        if depth > MAX_XML_DEPTH:
            raise ImportFailure(
                self.filename, f"nests its elements more than {MAX_XML_DEPTH} deep; this is not a real {self.kind}"
            )

    def source(self) -> Source:
        warnings = []
        if self.clamped:
            warnings.append(
                f"{self.filename}: {self.clamped:,} run{'s' if self.clamped != 1 else ''} of spaces longer than "
                f"{MAX_REPEATED_SPACES:,} {'were' if self.clamped != 1 else 'was'} shortened to {MAX_REPEATED_SPACES:,}."
            )
        if self.bad_counts:
            warnings.append(
                f"{self.filename}: {self.bad_counts:,} space count{'s' if self.bad_counts != 1 else ''} (text:c) "
                f"{'were' if self.bad_counts != 1 else 'was'} not a whole number and read as one space."
            )
        return Source(text=normalise("".join(self.pieces)), paragraph_lines=True, warnings=warnings)


# --- plain text and Markdown -------------------------------------------------------------------

_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+", re.MULTILINE)


def read_text(data: bytes, filename: str) -> Source:
    text, encoding = decode(data, filename)
    return Source(encoding, normalise(text))


def read_markdown(data: bytes, filename: str) -> Source:
    text, encoding = decode(data, filename)
    return Source(encoding, _MD_HEADING.sub("", normalise(text)))


# --- HTML ----------------------------------------------------------------------------------------

_BLOCK_TAGS = {
    "p", "div", "section", "article", "header", "footer", "main", "aside", "blockquote", "pre", "li", "ul", "ol",
    "dl", "dt", "dd", "table", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "figure", "figcaption", "body",
}  # fmt: skip
_SKIP_TAGS = {"script", "style", "head", "title", "template", "noscript", "svg", "iframe", "object"}


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self.skip_depth += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n\n")
        elif tag in ("td", "th"):
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self.skip_depth = max(0, self.skip_depth - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self.skip_depth:
            self.parts.append(re.sub(r"[ \t\r\n]+", " ", data))


def read_html(data: bytes, filename: str) -> Source:
    text, encoding = decode(data, filename)
    parser = _TextExtractor()
    parser.feed(text)
    parser.close()
    plain = "\n".join(line.strip() for line in "".join(parser.parts).split("\n"))
    return Source(encoding, normalise(plain), paragraph_lines=False)


# --- subtitles: WebVTT and SRT --------------------------------------------------------------------

_CUE_TIME = re.compile(
    r"^\s*(?P<start>(?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3})\s*-->\s*(?P<end>(?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3})"
)
# Possessive and bounded quantifiers: a cue of a million "<" or spaces is read in linear time.
_VOICE = re.compile(rf"<v(?:\.[\w.-]++)?\s++([^<>]{{1,{MAX_LABEL_CHARS}}})>")
_TAGS = re.compile(r"<[^<>]*+>")
_CUE_SPEAKER = re.compile(r"^\s*+(?:-\s*+)?(?P<label>[^\W\d_][\w.'’\- ]{0,39}?)\s{0,20}+:\s++(?P<rest>.+)$", re.DOTALL)


def _cue_ms(value: str) -> int | None:
    value = value.replace(",", ".")
    if value.count(":") == 1:
        value = "0:" + value
    return to_ms(value)


def _cue_text(lines: list[str]) -> tuple[str | None, str]:
    raw = " ".join(line.strip() for line in lines if line.strip())
    speaker = None
    voice = _VOICE.search(raw)
    if voice:
        speaker = voice.group(1).strip()
    text = html.unescape(_TAGS.sub("", raw)).replace("\u200e", "").replace("\u200f", "").strip()
    if speaker is None:
        labelled = _CUE_SPEAKER.match(text)
        if labelled and (labelled.group("label")[0].isupper() or is_known_label(labelled.group("label"))):
            speaker, text = labelled.group("label").strip(), labelled.group("rest").strip()
    return speaker, text


def _read_cues(text: str, filename: str, kind: str) -> Source:
    blocks = re.split(r"\n\s*\n", normalise(text).strip())
    cues: list[RawTurn] = []
    for block in blocks:
        lines = block.split("\n")
        if kind == "vtt" and lines[0].startswith(("WEBVTT", "NOTE", "STYLE", "REGION")):
            continue
        timing_index = next((i for i, line in enumerate(lines[:3]) if _CUE_TIME.match(line)), None)
        if timing_index is None:
            continue
        timing = _CUE_TIME.match(lines[timing_index])
        assert timing is not None
        speaker, cue_text = _cue_text(lines[timing_index + 1 :])
        if cue_text:
            cues.append(
                RawTurn(speaker, cue_text, _cue_ms(timing.group("start")), _cue_ms(timing.group("end")), joiner=" ")
            )
    if not cues:
        raise ImportFailure(filename, f"has no {kind.upper()} cues (expected lines like 00:00:01.000 --> 00:00:04.000)")
    if any(cue.speaker for cue in cues):
        # Labelled cues are joined into turns by the common rule; a run of cues without a speaker
        # is one unlabelled paragraph (it continues the previous speaker unless told otherwise).
        runs: list[list[RawTurn]] = []
        for cue in cues:
            if cue.speaker is None and runs and runs[-1][0].speaker is None:
                runs[-1].append(cue)
            else:
                runs.append([cue])
        return Source(
            turns=mark_unlabelled([_join_cues(run) for run in runs]),
            convention="speaker names in subtitle cues",
            auto_participant=False,
        )
    # No speakers at all: a pause of two seconds or more starts a new paragraph.
    paragraphs: list[list[RawTurn]] = []
    for cue in cues:
        last = paragraphs[-1][-1] if paragraphs else None
        if last and last.end_ms is not None and cue.start_ms is not None and cue.start_ms - last.end_ms < 2000:
            paragraphs[-1].append(cue)
        else:
            paragraphs.append([cue])
    return Source(
        turns=[_join_cues(paragraph) for paragraph in paragraphs],
        convention="subtitle cues without speaker names: a pause of 2 s starts a paragraph",
    )


def _join_cues(run: list[RawTurn]) -> RawTurn:
    first = run[0]
    if len(run) > 1:
        first.text = " ".join(cue.text for cue in run)
        first.end_ms = run[-1].end_ms
    return first


def read_vtt(data: bytes, filename: str) -> Source:
    text, encoding = decode(data, filename)
    if not text.lstrip("\ufeff").startswith("WEBVTT"):
        raise ImportFailure(filename, "is not a WebVTT file (it must start with WEBVTT)")
    source = _read_cues(text, filename, "vtt")
    source.encoding = encoding
    return source


def read_srt(data: bytes, filename: str) -> Source:
    text, encoding = decode(data, filename)
    source = _read_cues(text, filename, "srt")
    source.encoding = encoding
    return source


# --- tables: CSV and XLSX ------------------------------------------------------------------------

COLUMN_NAMES = {
    "speaker": ("speaker", "speaker name", "name", "who", "participant", "person", "role"),
    "text": ("text", "utterance", "transcript", "content", "speech", "dialogue", "dialog", "message", "line"),
    "start": ("start", "start time", "begin", "timestamp", "time", "in", "start_time", "starttime"),
    "end": ("end", "end time", "stop", "out", "end_time", "endtime"),
}


def _map_columns(header: list[str], filename: str) -> dict[str, int]:
    normalised = [re.sub(r"[\s_]+", " ", str(h or "").strip().lower()) for h in header]
    mapping: dict[str, int] = {}
    for field, names in COLUMN_NAMES.items():
        for i, name in enumerate(normalised):
            if name in {n.replace("_", " ") for n in names} and i not in mapping.values():
                mapping[field] = i
                break
    missing = [f for f in ("speaker", "text") if f not in mapping]
    if missing:
        found = ", ".join(repr(h) for h in header if str(h or "").strip()) or "none"
        raise ImportFailure(
            filename,
            f"is missing the {' and '.join(missing)} column{'s' if len(missing) > 1 else ''} "
            f"(expected columns: speaker, text, and optionally start, end; found: {found})",
        )
    return mapping


def _rows_to_turns(rows: list[list[object]], filename: str) -> Source:
    if not rows:
        raise ImportFailure(filename, "is empty")
    mapping = _map_columns([str(c) if c is not None else "" for c in rows[0]], filename)
    turns: list[RawTurn] = []
    for number, row in enumerate(rows[1:], start=2):

        def cell(field: str, row: list[object] = row) -> str:
            index = mapping.get(field)
            if index is None or index >= len(row) or row[index] is None:
                return ""
            return str(row[index]).strip()

        text = cell("text")
        if not text:
            continue
        speaker = cell("speaker")
        if len(speaker) > MAX_LABEL_CHARS:
            raise ImportFailure(
                filename,
                f"has a speaker of {len(speaker):,} characters in row {number}; a speaker name has at most "
                f"{MAX_LABEL_CHARS} (are the speaker and text columns swapped?)",
            )
        turns.append(RawTurn(speaker or None, text, _table_ms(cell("start")), _table_ms(cell("end"))))
    if not turns:
        raise ImportFailure(filename, "has a header but no rows with text")
    # A row with an empty speaker cell is an unlabelled paragraph; rows of one speaker join later.
    return Source(turns=mark_unlabelled(turns), convention="a speaker column")


def _table_ms(value: str) -> int | None:
    if not value:
        return None
    # Spreadsheets turn 00:12:31 into a time of day or a fraction of a day.
    match = re.search(r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d++)?", value[:100])
    return to_ms(match.group(0)) if match else to_ms(value)


def read_csv(data: bytes, filename: str) -> Source:
    text, encoding = decode(data, filename)
    sample = text[:10_000]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    rows: list[list[object]] = []
    try:
        for number, row in enumerate(csv.reader(io.StringIO(text), dialect), start=1):
            _check_table_row(number, filename)
            if any(c.strip() for c in row[:MAX_TABLE_COLUMNS]):
                rows.append(list(row[:MAX_TABLE_COLUMNS]))
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise ImportFailure(
                filename, f"has a cell longer than {csv.field_size_limit():,} characters (or an unclosed quote)"
            ) from exc
        raise ImportFailure(filename, f"is not a valid CSV file ({exc})") from exc
    source = _rows_to_turns(rows, filename)
    source.encoding = encoding
    return source


def read_xlsx(data: bytes, filename: str) -> Source:
    import openpyxl

    safety.open_zip(data, filename, "Excel workbook")
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for damaged files
        raise ImportFailure(filename, "is not a valid Excel workbook (the file is corrupt or truncated)") from exc
    try:
        sheet = workbook.worksheets[0]
        # The declared dimension (`<dimension ref="A1:XFD1048576"/>`) would make openpyxl pad every
        # row to 16,384 cells and add empty rows up to row 1,048,576: only real rows and the first
        # MAX_TABLE_COLUMNS columns are read.
        sheet.reset_dimensions()  # type: ignore[union-attr]
        rows = []
        for number, row in enumerate(sheet.iter_rows(max_col=MAX_TABLE_COLUMNS, values_only=True), start=1):
            _check_table_row(number, filename)
            if any(c not in (None, "") for c in row):
                rows.append(list(row))
    finally:
        workbook.close()
    return _rows_to_turns(rows, filename)


def _check_table_row(number: int, filename: str) -> None:
    if number > MAX_TABLE_ROWS:
        raise ImportFailure(
            filename, f"has more than {MAX_TABLE_ROWS:,} rows (empty rows included); a transcript table has far fewer"
        )


# --- Word (docx) ---------------------------------------------------------------------------------

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
# Tracked deletions and moved-away text are not part of the accepted document.
_DOCX_SKIP = {f"{_W}del", f"{_W}moveFrom", f"{_W}instrText", f"{_W}delText", f"{_W}rPr", f"{_W}pPr"}


def _docx_runs(element: Element, out: _Text, depth: int = 0) -> None:
    # Table spans (gridSpan, vMerge) and other counts are never expanded: each cell's text is read once.
    out.check_depth(depth)
    for child in element:
        tag = child.tag
        if tag in _DOCX_SKIP:
            continue
        if tag == f"{_W}t":
            out.append(child.text or "")
        elif tag == f"{_W}tab":
            out.append("\t")
        elif tag in (f"{_W}br", f"{_W}cr"):
            out.append("\n")
        elif tag == f"{_W}noBreakHyphen":
            out.append("\u2011")
        elif tag == f"{_W}p":
            _docx_runs(child, out, depth + 1)
            out.append("\n")
        else:
            _docx_runs(child, out, depth + 1)


def read_docx(data: bytes, filename: str) -> Source:
    archive = safety.open_zip(data, filename, "Word document")
    root = safety.parse_xml(
        safety.read_member(archive, "word/document.xml", filename, "Word document"), filename, "Word document"
    )
    body = root.find(f"{_W}body")
    if body is None:
        raise ImportFailure(filename, "is not a valid Word document (it has no body)")
    out = _Text(filename, "Word document")
    _docx_runs(body, out)
    return out.source()  # one Word paragraph per line


# --- OpenDocument text (odt) ---------------------------------------------------------------------

_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_ODT_SKIP = {f"{_TEXT}tracked-changes", f"{_OFFICE}annotation", f"{_TEXT}note", f"{_TEXT}deletion"}
_ODT_BLOCKS = {f"{_TEXT}p", f"{_TEXT}h"}


def _odt_inline(element: Element, out: _Text, depth: int) -> None:
    out.check_depth(depth)
    if element.text:
        out.append(element.text)
    for child in element:
        tag = child.tag
        if tag in _ODT_SKIP:
            pass
        elif tag == f"{_TEXT}s":
            out.spaces(child.get(f"{_TEXT}c"))
        elif tag == f"{_TEXT}tab":
            out.append("\t")
        elif tag == f"{_TEXT}line-break":
            out.append("\n")
        elif tag in _ODT_BLOCKS:
            _odt_inline(child, out, depth + 1)
            out.append("\n")
        else:
            _odt_inline(child, out, depth + 1)
        if child.tail:
            out.append(child.tail)


def _odt_blocks(element: Element, out: _Text, depth: int = 0) -> None:
    # Repeated rows and columns (table:number-rows-repeated, number-columns-repeated) are never
    # expanded: each cell's text is read once, however many times the file says it repeats.
    out.check_depth(depth)
    for child in element:
        if child.tag in _ODT_SKIP:
            continue
        if child.tag in _ODT_BLOCKS:
            _odt_inline(child, out, depth + 1)
            out.append("\n")
        else:
            _odt_blocks(child, out, depth + 1)


def read_odt(data: bytes, filename: str) -> Source:
    archive = safety.open_zip(data, filename, "OpenDocument text")
    root = safety.parse_xml(
        safety.read_member(archive, "content.xml", filename, "OpenDocument text"), filename, "OpenDocument text"
    )
    body = root.find(f"{_OFFICE}body/{_OFFICE}text")
    if body is None:
        raise ImportFailure(filename, "is not an OpenDocument text (it has no text body)")
    out = _Text(filename, "OpenDocument text")
    _odt_blocks(body, out)
    return out.source()


# --- PDF -----------------------------------------------------------------------------------------


def read_pdf(data: bytes, filename: str) -> Source:
    import logging

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise ImportFailure(filename, "is an encrypted PDF; remove the password and import it again")
        if len(reader.pages) > MAX_PDF_PAGES:
            raise ImportFailure(
                filename, f"has {len(reader.pages):,} pages; a transcript of over {MAX_PDF_PAGES:,} pages is refused"
            )
        pages = [page.extract_text() or "" for page in reader.pages]
    except ImportFailure:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError, AttributeError) as exc:
        raise ImportFailure(filename, "is not a valid PDF (the file is corrupt or truncated)") from exc
    text = "\n\n".join(pages)
    if len(re.sub(r"\s", "", text)) < 10:
        raise ImportFailure(
            filename,
            "has no text layer (it looks scanned or made of images); OCR is not offered, "
            "so export the transcript as text from its source",
        )
    # The layout mode keeps indents and the vertical gaps between paragraphs as blank lines. It is
    # used when it holds exactly the same characters as the plain extraction (no word lost).
    layout: list[str] | None
    try:
        layout = [page.extract_text(extraction_mode="layout") or "" for page in reader.pages]
    except Exception:  # any failure of this optional pass falls back to the plain extraction
        layout = None
    if layout is not None and Counter("".join(text.split())) == Counter("".join("".join(layout).split())):
        return Source(text=reflow([normalise(page) for page in layout], layout=True), paragraph_lines=True)
    return Source(text=reflow([normalise(page) for page in pages], layout=False), paragraph_lines=True)


# --- PDF reflow: wrapped lines back into paragraphs ---------------------------------------------------

_SPACE_RUNS = re.compile(r"[ \t]{2,}+")
_SENTENCE_END = tuple('.?!…:"”»)')
_BULLETS = ("• ", "· ", "– ", "- ", "* ", "▪ ", "◦ ")
_WORDS = re.compile(r"[^\W\d_]+")
# Only from the start of a word, possessively: tried from every letter of a long word, the pattern
# rescanned the rest of it each time (20,000 letters took 10 s).
_HYPHENATED = re.compile(r"(?<![^\W\d_])[^\W\d_]++(?:-[^\W\d_]++)++")
_LAST_FRAGMENT = re.compile(r"([^\W\d_]+)-$")
_FIRST_FRAGMENT = re.compile(r"^[^\W\d_]+")


@dataclass
class _Line:
    indent: int
    text: str
    gap: int  # blank lines above it (-1: first line of a page)
    kind: int | None  # speaker-label kind of the line, if it looks like one
    time: bool  # holds only a time


def reflow(pages: list[str], *, layout: bool) -> str:
    """Join the wrapped lines of PDF pages into paragraphs, one per line.

    A line continues the previous one unless a paragraph ends there: a blank line (more blank lines
    than between the lines of a paragraph, for double-spaced documents), a line that starts with a
    speaker label or is a time, a label alone on the line before, a previous line that is short
    (< 60 % of the usual line width), or a previous line ending a sentence that is shorter than
    85 % of the width (or followed by a deeper indent) with a capital, digit, quote or bullet after.
    Runs of spaces collapse to one. A hyphen at a line end is dropped only when the joined word
    occurs elsewhere in the document and the hyphenated one does not ("explana-|tions"); otherwise
    the hyphen stays and the halves join without a space ("well-|known").
    """
    lines: list[_Line] = []
    for page in pages:
        blank = -1
        for raw in page.split("\n"):
            stripped = raw.strip()
            if not stripped:
                blank = blank + 1 if blank >= 0 else blank
                continue
            text = _SPACE_RUNS.sub(" ", stripped) if "  " in stripped or "\t" in stripped else stripped
            candidate = classify_line(text)
            lines.append(
                _Line(
                    len(raw) - len(raw.lstrip(" ")) if layout else 0,
                    text,
                    blank,
                    candidate[0] if candidate else None,
                    time_only(text)[0],
                )
            )
            blank = 0
    if not lines:
        return ""
    gaps = Counter(line.gap for line in lines if line.gap >= 0)
    usual_gap = min((gap for gap, n in gaps.items() if n == max(gaps.values())), default=0)
    lengths = sorted(line.indent + len(line.text) for line in lines)
    width = lengths[int(0.9 * (len(lengths) - 1))]
    joined_text = "\n".join(line.text for line in lines).casefold()
    vocabulary = set(_WORDS.findall(joined_text))
    hyphenated = set(_HYPHENATED.findall(joined_text))

    # Pieces of the text, joined once at the end: a paragraph grows by a piece per line, not by
    # copying itself (which made long paragraphs quadratic).
    pieces: list[str] = [lines[0].text]
    first_of_paragraph = True
    for previous, line in itertools.pairwise(lines):
        if _ends_paragraph(previous, line, usual_gap, width, first_of_paragraph):
            pieces.append("\n")
            pieces.append(line.text)
            first_of_paragraph = True
        else:
            pieces[-1], joiner = _join(pieces[-1], line.text, vocabulary, hyphenated)
            pieces.append(joiner)
            pieces.append(line.text)
            first_of_paragraph = False
    return "".join(pieces)


def _ends_paragraph(previous: _Line, line: _Line, usual_gap: int, width: int, first_of_paragraph: bool) -> bool:
    if line.gap > usual_gap:
        return True
    if line.kind in (INLINE, MARKED, TIMED) or line.time or previous.kind in (TIMED, BARE) or previous.time:
        return True
    if previous.text.endswith("-") and previous.text[-2:-1].isalpha():
        return False  # a word hyphenated at the line end goes on
    length = previous.indent + len(previous.text)
    if length < 0.6 * width or line.text.startswith(_BULLETS):
        return True
    if previous.text.endswith(_SENTENCE_END):
        if line.kind == BARE:
            return True
        deeper = line.indent > previous.indent and not first_of_paragraph
        first = line.text[0]
        starts = first.isupper() or first.isdigit() or first in "\"'“‘«(["
        return starts and (length < 0.85 * width or deeper)
    return False


def _join(previous: str, line: str, vocabulary: set[str], hyphenated: set[str]) -> tuple[str, str]:
    """How `line` continues the paragraph whose last line is `previous`: (`previous` as it stays,
    what goes between them)."""
    if previous.endswith("\u00ad"):
        return previous[:-1], ""
    if previous.endswith("-") and len(previous) > 1 and previous[-2].isalnum():
        head = _LAST_FRAGMENT.search(previous[-60:])
        tail = _FIRST_FRAGMENT.match(line)
        if head and tail and line[0].islower():
            word = (head.group(1) + tail.group(0)).casefold()
            if word in vocabulary and f"{head.group(1)}-{tail.group(0)}".casefold() not in hyphenated:
                return previous[:-1], ""
        return previous, ""
    return previous, " "
