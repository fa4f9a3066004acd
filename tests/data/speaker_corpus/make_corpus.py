"""Writes the binary files of the speaker corpus (docx, odt, pdf, xlsx) from the sources below.

Run: .venv/bin/python -m tests.data.speaker_corpus.make_corpus
The text files beside this one (txt, md, html, vtt, srt, csv) are written by hand; each file has its
expected turns in `<file>.json`. Everything is synthetic test data. The builders here are also used
by tests/interviews/test_speaker_conventions.py to make small documents in memory; their output is
deterministic (fixed zip dates, fixed workbook properties).
"""

from __future__ import annotations

import datetime
import io
import textwrap
import zipfile
from collections.abc import Sequence
from pathlib import Path
from xml.sax.saxutils import escape

from tests.data.pdf_bytes import write_pdf
from tests.data.transcripts.make_samples import DOCX_CONTENT_TYPES, DOCX_RELS, ODT_MANIFEST

HERE = Path(__file__).resolve().parent
_ZIP_DATE = (2024, 1, 1, 0, 0, 0)

# --- Word -----------------------------------------------------------------------------------------


def _zip(members: Sequence[tuple[str, str]], *, stored_first: bool = False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for index, (name, content) in enumerate(members):
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_STORED if stored_first and index == 0 else zipfile.ZIP_DEFLATED
            archive.writestr(info, content)
    return buffer.getvalue()


def _docx_run(text: str, bold: bool = False) -> str:
    props = "<w:rPr><w:b/></w:rPr>" if bold else ""
    parts = text.split("\t")
    runs = "<w:r><w:tab/></w:r>".join(
        f'<w:r>{props}<w:t xml:space="preserve">{escape(part)}</w:t></w:r>' for part in parts
    )
    return runs


def _docx_package(body_xml: str) -> bytes:
    """A Word file (fixed zip dates) whose document body is `body_xml`."""
    document = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"<w:body>{body_xml}<w:sectPr/></w:body></w:document>"
    )
    return _zip(
        [("[Content_Types].xml", DOCX_CONTENT_TYPES), ("_rels/.rels", DOCX_RELS), ("word/document.xml", document)]
    )


def docx(paragraphs: Sequence[str], *, bold_labels: bool = False) -> bytes:
    """One Word paragraph per item ("" is an empty paragraph). With bold_labels, a leading
    `Label:` is a bold run of its own, as people format transcripts in Word."""
    body = []
    for paragraph in paragraphs:
        label, sep, rest = paragraph.partition(":")
        if bold_labels and sep and 0 < len(label) <= 30 and "\n" not in label:
            runs = _docx_run(label + ":", bold=True) + _docx_run(rest)
        else:
            runs = _docx_run(paragraph)
        body.append(f"<w:p>{runs}</w:p>")
    return _docx_package("".join(body))


def docx_table(title: str, rows: Sequence[tuple[str, str]]) -> bytes:
    """A Word transcript laid out as a two-column table: speaker | speech, after a title paragraph."""

    def cell(text: str) -> str:
        return f"<w:tc><w:p>{_docx_run(text)}</w:p></w:tc>"

    table = "<w:tbl>" + "".join(f"<w:tr>{cell(who)}{cell(said)}</w:tr>" for who, said in rows) + "</w:tbl>"
    return _docx_package(f"<w:p>{_docx_run(title)}</w:p>{table}")


# --- OpenDocument ---------------------------------------------------------------------------------


def odt(paragraphs: Sequence[str]) -> bytes:
    """One OpenDocument paragraph per item; runs of spaces are written as <text:s/> as LibreOffice does."""

    def paragraph(text: str) -> str:
        out = []
        for index, chunk in enumerate(escape(text).split("  ")):
            if index:
                out.append('<text:s text:c="2"/>')
            out.append(chunk)
        return f"<text:p>{''.join(out)}</text:p>"

    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f"<office:body><office:text>{''.join(paragraph(p) for p in paragraphs)}</office:text></office:body>"
        "</office:document-content>"
    )
    return _zip(
        [
            ("mimetype", "application/vnd.oasis.opendocument.text"),
            ("META-INF/manifest.xml", ODT_MANIFEST),
            ("content.xml", content),
        ],
        stored_first=True,
    )


# --- Excel ----------------------------------------------------------------------------------------


def xlsx(rows: Sequence[Sequence[object]]) -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook()
    fixed = datetime.datetime(2024, 1, 1)
    workbook.properties.created = fixed
    workbook.properties.modified = fixed
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- PDF ------------------------------------------------------------------------------------------

# A line of a page: (x, y, text) in points from the bottom left; text may be a list of
# (x offset, text) pieces drawn separately, as layout programs place columns.
PdfLine = tuple[float, float, str | list[tuple[float, str]]]


def _pdf_string(text: str) -> str:
    out = []
    for byte in text.encode("cp1252"):
        char = chr(byte)
        if char in "\\()":
            out.append("\\" + char)
        elif 32 <= byte < 127:
            out.append(char)
        else:
            out.append(f"\\{byte:03o}")
    return "(" + "".join(out) + ")"


def pdf(pages: Sequence[Sequence[PdfLine]], *, size: float = 11) -> bytes:
    """A PDF whose pages draw the given lines in Helvetica (WinAnsi encoding): a real text layer."""
    objects: list[bytes] = [
        b"",
        b"",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    kids = []
    for lines in pages:
        ops = ["BT", f"/F1 {size:g} Tf"]
        for x, y, text in lines:
            pieces = [(0.0, text)] if isinstance(text, str) else text
            for dx, piece in pieces:
                ops.append(f"1 0 0 1 {x + dx:g} {y:g} Tm {_pdf_string(piece)} Tj")
        ops.append("ET")
        stream = "\n".join(ops).encode("ascii")
        page_number = len(objects) + 1
        kids.append(f"{page_number} 0 R")
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {page_number + 1} 0 R "
            "/Resources << /Font << /F1 3 0 R >> >> >>".encode()
        )
        objects.append(b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream")
    objects[0] = b"<< /Type /Catalog /Pages 2 0 R >>"
    objects[1] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(kids)} >>".encode()
    return write_pdf(objects)


def flow(
    paragraphs: Sequence[Sequence[str]],
    *,
    left: float = 72,
    top: float = 740,
    bottom: float = 72,
    leading: float = 14,
    gap: float = 10,
    first_indent: float = 0,
    lines_per_page: int | None = None,
) -> list[list[PdfLine]]:
    """Place paragraphs (each given as its lines, already wrapped) on pages like a word processor:
    `gap` points between paragraphs, the first line indented by `first_indent`."""
    pages: list[list[PdfLine]] = [[]]
    y = top
    for paragraph in paragraphs:
        if pages[-1]:
            y -= gap
        for index, line in enumerate(paragraph):
            full = lines_per_page is not None and len(pages[-1]) >= lines_per_page
            if y < bottom or full:
                pages.append([])
                y = top
            pages[-1].append((left + (first_indent if index == 0 else 0), y, line))
            y -= leading
    return pages


def wrap(text: str, width: int = 78) -> list[str]:
    return textwrap.wrap(text, width=width, break_long_words=False, break_on_hyphens=False)


# --- the corpus's binary files ----------------------------------------------------------------------

GERMAN_DOCX = [
    "Interview B07 – Pflegeheim am See (synthetische Testdaten)",
    "Interviewer: Wie lange arbeiten Sie schon in der Pflege?",
    "Befragte: Seit elf Jahren, davon sechs hier im Haus.",
    "Interviewer: Welche Rolle spielt die Dokumentationssoftware für Sie?",
    "Befragte: Eine große. Die Vorschläge der Software übernehme ich aber selten ungeprüft.",
    "Ich schaue immer zuerst auf die Bewohnerin oder den Bewohner.",
    "Interviewer: Was würde Ihnen helfen?",
    "Befragte: Wenn die Software sagt, warum sie etwas vorschlägt.",
    "Interviewerin 2: Darf ich kurz nachfragen: Wer entscheidet am Ende?",
    "Befragte: Immer die Pflegefachkraft, nie das Programm.",
    "Interviewer : Vielen Dank für das Gespräch.",
]

FRENCH_ODT = [
    "Entretien 5 – médecine générale (données de test synthétiques)",
    "Enquêteur\u00a0: Depuis quand utilisez-vous l’outil d’aide au diagnostic\u202f?",
    "Enquêtée\u00a0: Depuis deux ans. Au début, je le consultais pour chaque patient.",
    "Enquêteur\u00a0: Et maintenant\u202f?",
    "Enquêtée\u00a0: Seulement quand j’hésite. Il ne m’explique pas assez ses propositions.",
    "Je voudrais savoir sur quels symptômes il s’appuie.",
    "Enquêtrice\u00a0: Une dernière question\u00a0: en parlez-vous avec vos patients\u202f?",
    "Enquêtée\u00a0: Rarement. Ils me font confiance, pas à la machine.",
]

TEAMS_DOCX = [
    "Interview with P12 – Teams recording (synthetic test data)",
    "Jordan Lee   0:03",
    "Good morning. Can everyone hear me?",
    "Priya Natarajan   0:07",
    "Yes, loud and clear.",
    "Jordan Lee   0:10",
    "Great. Let's begin with how your team uses dashboards.",
    "Priya Natarajan   0:16",
    "We have three dashboards.",
    "The second one explains each forecast with Shapley values.",
    "Unknown Speaker   0:31",
    "Sorry, I joined late.",
    "Jordan Lee   0:35",
    "No problem. Priya, please go on.",
    "Priya Natarajan   0:38",
    "The planners mostly look at the top three drivers.",
]

BARE_NAMES_ODT = [
    "Anna Keller",
    "Welcome back. Last time we talked about the pilot on ward 4.",
    "Marc Dubois",
    "Yes, and since then we have rolled it out to two more wards.",
    "Anna Keller",
    "What changed for the nurses?",
    "Marc Dubois",
    "They see the risk score next to each patient now.",
    "Some of them asked for the reasons behind the score.",
    "Unknown Speaker",
    "Can I add something here?",
    "Anna Keller",
    "Please.",
]

THINK_ALOUD_DOCX = [
    "Think-aloud session 3, checkout flow (synthetic test data)",
    "Facilitator: Please add the blue backpack to your basket.",
    "Right, I see the backpack. I'm clicking “Add to basket”.",
    "Nothing happened? Oh, there's a small message at the top.",
    "Facilitator: What are you thinking now?",
    "I'm not sure it worked. I would expect the basket icon to change.",
    "Facilitator: Now please go to the checkout.",
    "OK, checkout. It wants me to create an account first, which I don't like.",
]

# A wrapped interview as a word processor prints it: justified lines with runs of spaces, a
# hyphenated word at a line end, an indented second paragraph, a turn running over a page break.
WRAPPED_PDF_PAGES: list[list[PdfLine]] = [
    [
        (72, 740, "Interview 9 (synthetic test data)"),
        (72, 712, "Interviewer: Could you describe how your team decides whether a model is ready to"),
        (72, 698, "be used by the claims handlers, and who takes part in that decision?"),
        (72, 670, "R9:  We  have  a  review  board  with  two  data  scientists,  one  claims  handler  and"),
        (72, 656, "someone from compliance. They look at accuracy, but also at the explana-"),
        (72, 642, "tions the model gives for a sample of fifty claims. The explanations matter"),
        (72, 628, "more than the accuracy."),
        (90, 614, "Last year the board rejected a model because its explanations relied on the"),
        (72, 600, "postcode. That was a well-"),
        (72, 586, "known problem, but nobody had checked it before."),
        (72, 558, "Interviewer: What happened after the rejection?"),
        (72, 530, "R9: The team removed the postcode and retrained the model. The new"),
        (72, 516, "explanations were accepted by the board in the next meeting, and"),
    ],
    [
        (72, 740, "the model went live three weeks later."),
        (72, 712, "Interviewer: Thank you."),
    ],
]

OTTER_PDF_PAGES: list[list[PdfLine]] = [
    [
        (72, 740, "Focus group 2 - transcript (synthetic test data)"),
        (72, 712, [(0, "Moderator"), (100, "0:00")]),
        (72, 698, "Welcome, everyone. Let's start with a round of introductions. Please"),
        (72, 684, "say your name and what you do."),
        (72, 656, [(0, "Lina Haddad"), (100, "0:12")]),
        (72, 642, "I'm Lina, I work as a pharmacist in a hospital."),
        (72, 614, [(0, "Tom Becker"), (100, "0:19")]),
        (72, 600, "Tom, I'm a GP. I use the prescribing assistant every day."),
        (72, 572, [(0, "Unknown Speaker"), (100, "0:27")]),
        (72, 558, "Sorry, is the recording on?"),
        (72, 530, [(0, "Moderator"), (100, "0:30")]),
        (72, 516, "Yes, it is. Tom, what does the assistant explain to you?"),
        (72, 488, [(0, "Tom Becker"), (100, "0:36")]),
        (72, 474, "It shows the interactions it found and the guideline it follows, which"),
        (72, 460, "is enough for me most of the time."),
    ]
]

XLSX_ROWS: list[list[object]] = [
    ["Speaker", "Start", "Text"],
    ["Interviewer 1", "00:00:02", "Welcome. Could you introduce yourself?"],
    ["P3", "00:00:06", "I'm a loan officer at a cooperative bank."],
    ["P3", "00:00:10", "I have been there for nine years."],
    ["Interviewer1", "00:00:15", "Which tools show you the credit score?"],
    ["P3", "00:00:19", "The core banking system, with a short list of reasons."],
    [None, "00:00:26", "The reasons are often too generic to explain to a customer."],
    ["Interviewer 2", "00:00:33", "Do customers ask for the reasons?"],
    ["P3", "00:00:36", "Almost always, when the answer is no."],
]


WORD_TABLE_ROWS = [
    ("Interviewer", "Could you describe your role in the project?"),
    ("P2", "I run the data team that maintains the scoring models."),
    ("Interviewer", "Which explanation methods do you use?"),
    ("P2", "Mostly SHAP values, summarised as three reasons per decision."),
    ("Interviewer 2", "Do the case workers read those reasons?"),
    ("P2", "The experienced ones do; new staff rely on the score alone."),
]


def corpus_files() -> dict[str, bytes]:
    return {
        "04_german.docx": docx(GERMAN_DOCX),
        "05_french.odt": odt(FRENCH_ODT),
        "08_teams.docx": docx(TEAMS_DOCX),
        "09_bare_names.odt": odt(BARE_NAMES_ODT),
        "12_think_aloud.docx": docx(THINK_ALOUD_DOCX, bold_labels=True),
        "13_wrapped.pdf": pdf(WRAPPED_PDF_PAGES),
        "14_otter.pdf": pdf(OTTER_PDF_PAGES),
        "18_table.xlsx": xlsx(XLSX_ROWS),
        "22_word_table.docx": docx_table("Interview P2 – scoring team (synthetic test data)", WORD_TABLE_ROWS),
    }


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)):
        return [text for item in value for text in _strings(item)]
    return [str(value)] if value is not None and not isinstance(value, (int, float)) else []


def corpus_sources() -> dict[str, str]:
    """The text the builders put into each binary file (for the word-preservation check)."""
    sources = {
        "04_german.docx": GERMAN_DOCX,
        "05_french.odt": FRENCH_ODT,
        "08_teams.docx": TEAMS_DOCX,
        "09_bare_names.odt": BARE_NAMES_ODT,
        "12_think_aloud.docx": THINK_ALOUD_DOCX,
        "13_wrapped.pdf": WRAPPED_PDF_PAGES,
        "14_otter.pdf": OTTER_PDF_PAGES,
        "18_table.xlsx": XLSX_ROWS,
        "22_word_table.docx": ["Interview P2 – scoring team (synthetic test data)", WORD_TABLE_ROWS],
    }
    return {name: "\n".join(_strings(value)) for name, value in sources.items()}


def main() -> None:
    for name, data in corpus_files().items():
        (HERE / name).write_bytes(data)


if __name__ == "__main__":
    main()
