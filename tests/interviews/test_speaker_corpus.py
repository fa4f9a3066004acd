"""Turn accuracy on the labelled speaker corpus (tests/data/speaker_corpus/).

Each file there has its expected turns in `<file>.json`: the speaker label and the first words of
each turn, in order (plus, for some files, import options and facts the report must state).

Turn accuracy of a file = expected turns found with the right speaker and the right boundaries,
divided by the larger of the expected and the found number of turns (so a missed speaker change
and a spurious one both count). A turn's boundaries are right when a found turn starts with its
first words and the found turn after it starts with the next expected turn's first words (or both
are the last). Every file must reach 100 %; no convention in the corpus is ambiguous enough to
need a lower threshold.

Run with `-s` to see the per-file table; it is also printed in any failure message.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from interviews.importers import ParsedDocument, SpeakerOptions, parse_document
from tests.data.speaker_corpus.make_corpus import corpus_files, corpus_sources

CORPUS = Path(__file__).resolve().parent.parent / "data" / "speaker_corpus"
FILES = sorted(
    path.name
    for path in CORPUS.iterdir()
    if path.suffix not in (".json", ".py", ".pyc") and path.is_file() and not path.name.startswith("_")
)


@dataclass
class Score:
    name: str
    convention: str
    expected: int
    found: int
    correct: int

    @property
    def accuracy(self) -> float:
        return self.correct / max(self.expected, self.found, 1)


def _spec(name: str) -> dict[str, Any]:
    return json.loads((CORPUS / f"{name}.json").read_text(encoding="utf-8"))


def _options(spec: dict[str, Any]) -> SpeakerOptions:
    raw = spec.get("options", {})
    return SpeakerOptions(
        renames=raw.get("renames", {}),
        unlabelled=raw.get("unlabelled", "auto"),
        participant_labels=tuple(raw.get("participant_labels", ())),
    )


def _parse(name: str, data: bytes | None = None) -> ParsedDocument:
    raw = data if data is not None else (CORPUS / name).read_bytes()
    return parse_document(name, raw, max_bytes=50 * 1024 * 1024, options=_options(_spec(name)))


def score(name: str, doc: ParsedDocument, expected: list[list[str | None]]) -> Score:
    found = [(t.speaker, doc.text[t.start : t.end]) for t in doc.turns]
    correct = 0
    position = 0
    for index, (speaker, words) in enumerate(expected):
        assert isinstance(words, str)
        match = next((k for k in range(position, len(found)) if found[k][1].startswith(words)), None)
        if match is None:
            continue
        position = match + 1
        following = expected[index + 1][1] if index + 1 < len(expected) else None
        if following is None:
            ends_right = match == len(found) - 1
        else:
            assert isinstance(following, str)
            ends_right = match + 1 < len(found) and found[match + 1][1].startswith(following)
        correct += found[match][0] == speaker and ends_right
    return Score(name, _spec(name)["convention"], len(expected), len(found), correct)


def _table(scores: list[Score]) -> str:
    rows = [f"{'file':<28} {'format':<6} {'expected':>8} {'found':>6} {'right':>6} {'accuracy':>9}  convention"]
    for s in scores:
        rows.append(
            f"{s.name:<28} {s.name.rsplit('.', 1)[-1]:<6} {s.expected:>8} {s.found:>6} {s.correct:>6} "
            f"{s.accuracy:>8.0%}  {s.convention}"
        )
    expected = sum(s.expected for s in scores)
    correct = sum(s.correct for s in scores)
    rows.append(f"{'all files':<28} {'':<6} {expected:>8} {sum(s.found for s in scores):>6} {correct:>6} "
                f"{correct / max(expected, 1):>8.0%}")  # fmt: skip
    return "\n".join(rows)


def test_corpus_covers_the_conventions_and_formats() -> None:
    assert len(FILES) >= 12
    assert {name.rsplit(".", 1)[-1] for name in FILES} >= {
        "txt",
        "md",
        "docx",
        "odt",
        "pdf",
        "vtt",
        "srt",
        "csv",
        "xlsx",
    }
    for name in FILES:
        assert (CORPUS / f"{name}.json").exists(), name


def test_turn_accuracy_table(capsys: pytest.CaptureFixture[str]) -> None:
    scores = [score(name, _parse(name), _spec(name)["turns"]) for name in FILES]
    table = _table(scores)
    with capsys.disabled():
        print("\nSpeaker corpus, turn accuracy:\n" + table)  # noqa: T201 - the table is this test's report
    assert all(s.accuracy == 1 for s in scores), table


@pytest.mark.parametrize("name", FILES)
def test_every_file_is_fully_right(name: str) -> None:
    spec = _spec(name)
    doc = _parse(name)
    result = score(name, doc, spec["turns"])
    assert result.accuracy == 1, (
        _table([result]) + "\nfound: " + repr([(t.speaker, doc.text[t.start : t.start + 40]) for t in doc.turns])
    )
    report = spec.get("report", {})
    if "unlabelled" in report:
        assert doc.report.unlabelled == report["unlabelled"]
    if "participant_label" in report:
        assert doc.report.participant_label == report["participant_label"]
    if "speakers" in report:
        assert [s.label for s in doc.report.speakers] == report["speakers"]
    summaries = {s.label: s for s in doc.report.speakers}
    for label, role in report.get("roles", {}).items():
        assert summaries[label].role == role, label
    for label, doubts in report.get("speaker_doubts", {}).items():
        assert summaries[label].doubts == doubts, label
    if "start_ms" in report:
        assert [t.start_ms for t in doc.turns] == report["start_ms"]
    for index, text in report.get("texts", {}).items():
        turn = doc.turns[int(index)]
        assert doc.text[turn.start : turn.end] == text
    # The report agrees with the turns.
    assert sum(s.turns for s in doc.report.speakers) == sum(1 for t in doc.turns if t.speaker)
    assert doc.report.words == sum(len(doc.text[t.start : t.end].split()) for t in doc.turns)


_WORD = re.compile(r"[^\W_]+")


def _words(text: str) -> Counter[str]:
    return Counter(w.casefold() for w in _WORD.findall(text))


@pytest.mark.parametrize("name", FILES)
def test_every_word_of_the_file_is_kept(name: str) -> None:
    """No word is lost or invented: the words of the source (the file's text, or what the builder put
    into a binary file) are the words of the stored text plus those of the speaker labels. Numbers
    may go (timestamps, cue numbers), and so may the file's own format words listed in the
    expectations as "format_words" (a WEBVTT header, a table's column names)."""
    source = corpus_sources().get(name) or (CORPUS / name).read_text(encoding="utf-8")
    if name.endswith(".html"):
        source = re.sub(r"<[^>]*>", " ", source)
    doc = _parse(name)
    speech = _words(doc.text)
    labels = Counter[str]()
    for summary in doc.report.speakers:
        labels.update(_words(" ".join([summary.label, *summary.source_labels])))
    joined = _words(re.sub(r"-\s+", "", source))  # words hyphenated at a PDF line end, joined
    invented = [w for w in speech - _words(source) if w not in labels and w not in joined]
    assert not invented, f"invented: {invented}"
    allowed = {w.casefold() for w in _spec(name).get("format_words", [])}
    lost = {
        word: n
        for word, n in (_words(source) - speech).items()
        # a fragment of a word hyphenated at a PDF line end ("explana-"), stored joined, is not lost
        if word not in labels and word not in allowed and not word.isdigit() and word in joined
    }
    assert not lost, f"lost: {lost}"


@pytest.mark.parametrize("name", sorted(corpus_files()))
def test_committed_binary_files_match_make_corpus(name: str) -> None:
    """The binary files are written by make_corpus.py; what it builds now reads the same."""
    fresh = _parse(name, corpus_files()[name])
    committed = _parse(name)
    assert fresh.text == committed.text
    assert [(t.speaker, t.start, t.end) for t in fresh.turns] == [(t.speaker, t.start, t.end) for t in committed.turns]
