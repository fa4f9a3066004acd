"""Bad input gets a clear message naming the file and the problem."""

from __future__ import annotations

import io
import zipfile

import pytest

from interviews.importers import ImportFailure, parse_document
from tests.data.transcripts.make_samples import SAMPLE_DOCX_BODY, docx_bytes, odt_bytes

from .importer_helpers import DATA, LIMIT, parse


def _fails(name: str, data: bytes, *, max_bytes: int = LIMIT) -> str:
    with pytest.raises(ImportFailure) as excinfo:
        parse_document(name, data, max_bytes=max_bytes)
    message = str(excinfo.value)
    assert message.startswith(f"{name}: "), message
    return message


def _zip(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize("name", ["empty.txt", "empty.docx", "empty.vtt", "empty.csv"])
def test_empty_file(name: str) -> None:
    assert "is empty" in _fails(name, b"")


def test_whitespace_only_file_is_empty() -> None:
    assert "is empty" in _fails("blank.txt", b"  \n\n \t\n")


def test_over_size_limit() -> None:
    assert "the limit is 1.0 KB" in _fails("big.txt", b"P1: hi\n" * 500, max_bytes=1024)


@pytest.mark.parametrize(("name", "kind"), [("cut.docx", "Word document"), ("cut.odt", "OpenDocument text")])
def test_truncated_zip_documents(name: str, kind: str) -> None:
    data = (DATA / ("sample.docx" if name.endswith("docx") else "sample.odt")).read_bytes()
    message = _fails(name, data[: len(data) // 2])
    assert f"not a valid {kind}" in message


def test_truncated_pdf() -> None:
    data = (DATA / "sample.pdf").read_bytes()
    assert "not a valid PDF" in _fails("cut.pdf", data[:200])


def test_pdf_without_text_layer_says_no_ocr() -> None:
    message = _fails("scanned.pdf", (DATA / "scanned.pdf").read_bytes())
    assert "no text layer" in message and "OCR is not offered" in message


def test_docx_that_is_really_plain_text_is_refused() -> None:
    assert "not a valid Word document" in _fails("liar.docx", b"Interviewer: hello\nP1: hi\n")


def test_docx_that_is_really_a_pdf_is_read_as_pdf_with_warning() -> None:
    doc = parse("really-a-pdf.docx", (DATA / "sample.pdf").read_bytes())
    assert doc.format == "pdf"
    assert any("really a PDF" in w for w in doc.warnings)


def test_txt_that_is_really_a_docx_is_read_as_docx() -> None:
    doc = parse("notes.txt", (DATA / "sample.docx").read_bytes())
    assert doc.format == "docx" and "SHAP" in doc.text


def test_legacy_word_file() -> None:
    assert "97–2003" in _fails("old.doc.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)


def test_unsupported_extension() -> None:
    assert "unsupported type .rtf" in _fails("x.rtf", b"{\\rtf1 hello}")


def test_binary_garbage() -> None:
    garbage = bytes(range(256)) * 40
    assert "does not look like text" in _fails("garbage.txt", garbage)


def test_zip_bomb_disguised_as_docx() -> None:
    bomb = _zip({"word/document.xml": b"<" + b"a" * (30 * 1024 * 1024)})
    assert len(bomb) < 200_000
    assert "zip bomb" in _fails("bomb.docx", bomb)


def test_zip_bomb_disguised_as_odt_with_many_members() -> None:
    members = {f"part{i}.xml": b"x" for i in range(2100)}
    members["content.xml"] = b"<x/>"
    assert "parts" in _fails("many.odt", _zip(members))


def test_zip_member_lying_about_its_size() -> None:
    from interviews.importers import safety

    archive = zipfile.ZipFile(io.BytesIO(docx_bytes(SAMPLE_DOCX_BODY)))
    # A crafted central directory can declare a tiny size for a huge member.
    archive.getinfo("word/document.xml").file_size = 10
    with pytest.raises(ImportFailure) as excinfo:
        safety.read_member(archive, "word/document.xml", "liar.docx", "Word document")
    # zipfile notices the mismatch first (bad CRC) or our bounded read does: either way, refused.
    assert "liar.docx: " in str(excinfo.value) and "Word document" in str(excinfo.value)


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>&lol2;</w:t></w:r></w:p></w:body></w:document>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:text><text:p>&xxe;</text:p></office:text></office:body></office:document-content>"""


def test_entity_expansion_in_docx() -> None:
    data = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": BILLION_LAUGHS})
    assert "refused for safety" in _fails("laughs.docx", data)


def test_external_entity_in_odt() -> None:
    data = _zip({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": EXTERNAL_ENTITY})
    message = _fails("xxe.odt", data)
    assert "refused for safety" in message and "root:" not in message


def test_malformed_xml_in_docx() -> None:
    data = _zip({"word/document.xml": b"<w:document><w:body><w:p>"})
    assert "XML is malformed" in _fails("broken.docx", data)


def test_docx_without_document_part() -> None:
    assert "not a valid Word document" in _fails("odd.docx", _zip({"word/other.xml": b"<x/>"}))


def test_csv_missing_columns_names_expected_and_found() -> None:
    message = _fails("table.csv", b"who said,what\nP1,hello\n")
    assert "missing the speaker and text columns" in message
    assert "expected columns: speaker, text" in message and "'what'" in message


def test_csv_missing_text_column() -> None:
    assert "missing the text column" in _fails("table.csv", b"speaker,start\nP1,00:01\n")


def test_xlsx_missing_columns() -> None:
    from tests.data.transcripts.make_samples import xlsx_bytes

    assert "missing the speaker and text columns" in _fails("t.xlsx", xlsx_bytes([["a", "b"], [1, 2]]))


def test_vtt_without_cues() -> None:
    assert "has no VTT cues" in _fails("empty.vtt", b"WEBVTT\n\nNOTE nothing here\n")


def test_vtt_without_header() -> None:
    assert "must start with WEBVTT" in _fails("bad.vtt", b"00:00:01.000 --> 00:00:02.000\nhi\n")


def test_odt_without_text() -> None:
    assert "contains no text" in _fails("blank.odt", odt_bytes("<text:p/>"))


def test_odt_without_body() -> None:
    data = _zip(
        {"content.xml": b'<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"/>'}
    )
    assert "has no text body" in _fails("nobody.odt", data)
