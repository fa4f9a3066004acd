"""Encodings transcripts arrive in: UTF-8 with and without BOM, UTF-16 (with and without BOM), cp1252."""

from __future__ import annotations

import codecs

import pytest

from .importer_helpers import parse, turns

TEXT = "Interviewer: Was the “black box” a problem?\n\nP1: Not really — café-level risk, naïve users… 12€.\n"
EXPECTED = "Not really — café-level risk, naïve users… 12€."


@pytest.mark.parametrize(
    ("label", "data"),
    [
        ("utf-8", TEXT.encode("utf-8")),
        ("utf-8-bom", codecs.BOM_UTF8 + TEXT.encode("utf-8")),
        ("utf-16-le-bom", TEXT.encode("utf-16")),
        ("utf-16-be-bom", codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be")),
        ("utf-16-le-no-bom", TEXT.encode("utf-16-le")),
        ("cp1252", TEXT.encode("cp1252")),
    ],
)
@pytest.mark.parametrize("extension", ["txt", "srt-like", "csv"])
def test_encodings(label: str, data: bytes, extension: str) -> None:
    if extension == "csv":
        body = 'speaker,text\nInterviewer,"Was the “black box” a problem?"\nP1,"Not really — café-level risk, naïve users… 12€."\n'
        codec = {
            "utf-8-bom": "utf-8-sig",
            "utf-16-le-bom": "utf-16",
            "utf-16-be-bom": "utf-16-be",
            "utf-16-le-no-bom": "utf-16-le",
        }.get(label, label)
        data = (codecs.BOM_UTF16_BE if label == "utf-16-be-bom" else b"") + body.encode(codec)
        doc = parse(f"{label}.csv", data)
    elif extension == "srt-like":
        doc = parse(f"{label}.md", data)
    else:
        doc = parse(f"{label}.txt", data)
    assert turns(doc)[-1][1] == EXPECTED


def test_latin1_bytes_that_are_not_utf8() -> None:
    doc = parse("latin.txt", "P1: Ça coûte très cher.".encode("latin-1"))
    assert turns(doc)[0][1] == "Ça coûte très cher."
