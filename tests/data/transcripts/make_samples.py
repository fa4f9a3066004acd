"""Writes the binary sample transcripts (docx, odt, xlsx, pdf) used by the importer tests.

Run: .venv/bin/python -m tests.data.transcripts.make_samples
The text samples beside this file are written by hand. All content is synthetic.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from tests.data.pdf_bytes import write_pdf

HERE = Path(__file__).resolve().parent

DOCX_CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>
</Types>"""
DOCX_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>
</Relationships>"""


def docx_bytes(body_xml: str) -> bytes:
    document = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"<w:body>{body_xml}<w:sectPr/></w:body></w:document>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", DOCX_CONTENT_TYPES)
        archive.writestr("_rels/.rels", DOCX_RELS)
        archive.writestr("word/document.xml", document)
    return buffer.getvalue()


def p(*runs: str) -> str:
    return "<w:p>" + "".join(runs) + "</w:p>"


def r(text: str, bold: bool = False) -> str:
    props = "<w:rPr><w:b/></w:rPr>" if bold else ""
    return f'<w:r>{props}<w:t xml:space="preserve">{text}</w:t></w:r>'


SAMPLE_DOCX_BODY = "".join(
    [
        p(r("Interview P3 — 14 May 2024")),
        p(),
        p(r("Interviewer:", bold=True), r(" How do you explain the credit model’s decisions?")),
        p(),
        p(
            r("P3:", bold=True),
            r(" We use SHAP"),
            '<w:del w:id="1" w:author="Ana"><w:r><w:delText> and LIME</w:delText></w:r></w:del>',
            '<w:ins w:id="2" w:author="Ana"><w:r><w:t xml:space="preserve"> values</w:t></w:r></w:ins>',
            r("\u00a0for every “adverse action” notice."),
        ),
        p(r("Then a counterfactual:"), "<w:r><w:tab/></w:r>", r("what would flip it? 👍🏽")),
        p(),
        p(r("Interviewer:", bold=True), r(" Thanks.")),
    ]
)

ODT_MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">
<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.text"/>
<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
</manifest:manifest>"""


def odt_bytes(text_xml: str) -> bytes:
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f"<office:body><office:text>{text_xml}</office:text></office:body></office:document-content>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")
        archive.writestr("META-INF/manifest.xml", ODT_MANIFEST)
        archive.writestr("content.xml", content)
    return buffer.getvalue()


SAMPLE_ODT_TEXT = (
    "<text:tracked-changes><text:changed-region text:id='c1'><text:deletion>"
    "<text:p>DELETED DRAFT TEXT</text:p></text:deletion></text:changed-region></text:tracked-changes>"
    "<text:h>Interview R2</text:h>"
    "<text:p>[Interviewer] Do you trust<text:s text:c='2'/>black boxes?</text:p>"
    "<text:p>[R2] I <text:span>don’t mind</text:span> the unknown,<text:line-break/>but I do mind harm.</text:p>"
    "<text:p>[Interviewer] What about <text:span>الشفافية</text:span> (transparency)?</text:p>"
    "<text:p>[R2] Counterfactuals help<text:tab/>a lot.</text:p>"
)


def pdf_bytes(lines: list[str]) -> bytes:
    """A minimal PDF whose page draws `lines` with a standard font (a real text layer)."""

    def escape(s: str) -> str:
        return s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    stream_lines = ["BT", "/F1 11 Tf", "14 TL", "72 760 Td"]
    for line in lines:
        stream_lines.append(f"({escape(line)}) Tj T*")
    stream_lines.append("ET")
    stream = "\n".join(stream_lines).encode("latin-1")
    return _pdf([b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"], stream, with_font=True)


def pdf_without_text() -> bytes:
    """A page that only draws a rectangle: what a scan without OCR looks like to a parser."""
    return _pdf([], b"0 0 1 rg 72 600 200 100 re f", with_font=False)


def _pdf(extra: list[bytes], stream: bytes, *, with_font: bool) -> bytes:
    resources = b"<< /Font << /F1 5 0 R >> >>" if with_font else b"<< >>"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources " + resources + b" >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        *extra,
    ]
    return write_pdf(objects)


SAMPLE_PDF_LINES = [
    "Interviewer: Which explanation methods do you deploy?",
    "P7: Feature importance for the engineers.",
    "Interviewer: And for customers?",
    "P7: Nothing yet, honestly.",
]


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


SAMPLE_XLSX_ROWS: list[list[object]] = [
    ["Speaker", "Start", "Text"],
    ["Interviewer", "00:00:03", "Tell me about your model monitoring."],
    ["P9", "00:00:08", "We watch drift weekly."],
    ["P9", "00:00:15", "And we retrain monthly."],
    ["Interviewer", "00:00:21", "Any explanations?"],
]


def main() -> None:
    (HERE / "sample.docx").write_bytes(docx_bytes(SAMPLE_DOCX_BODY))
    (HERE / "sample.odt").write_bytes(odt_bytes(SAMPLE_ODT_TEXT))
    (HERE / "sample.pdf").write_bytes(pdf_bytes(SAMPLE_PDF_LINES))
    (HERE / "scanned.pdf").write_bytes(pdf_without_text())
    (HERE / "sample.xlsx").write_bytes(xlsx_bytes(SAMPLE_XLSX_ROWS))


if __name__ == "__main__":
    main()
