"""Every supported format, read from the sample files in tests/data/transcripts/."""

from __future__ import annotations

import unicodedata

from .importer_helpers import parse, turns


def test_txt_with_bracket_timestamps_and_continuation_lines() -> None:
    doc = parse("interview_p1.txt")
    assert doc.format == "txt"
    assert turns(doc) == [
        (None, "Interview with P1, 3 March 2024 (synthetic test data)", None),
        ("Interviewer", "Could you describe how your team uses SHAP?", 5000),
        (
            "P1",
            "Sure. We compute SHAP values for every model before launch.\nIt’s mostly for debugging — “sanity checks”, really.",
            12000,
        ),
        ("Interviewer", "And LIME?", 90000),
        ("P1", "We tried LIME, but the explanations were unstable… so we stopped. 🙂", 94000),
    ]


def test_markdown_bold_labels_and_headings() -> None:
    doc = parse("interview_p2.md")
    assert [t[0] for t in turns(doc)] == [None, "Interviewer", "P2", "Interviewer", "P2"]
    assert turns(doc)[0][1] == "Interview P2"
    assert turns(doc)[2][1] == "Knowing *why* the model says no to a loan applicant."


def test_html_drops_script_and_style_and_unescapes() -> None:
    doc = parse("interview_p4.html")
    assert "__xss" not in doc.text and "color: red" not in doc.text
    speech = dict((s, t) for s, t, _ in turns(doc) if s == "P4")
    assert speech["P4"] == "The heatmaps <sometimes> highlight the ruler, not the lesion."
    assert ("P4", "Radiologists distrust them — they want counterfactual images instead.", None) in turns(doc)


def test_vtt_voices_markup_and_merged_cues() -> None:
    doc = parse("interview_p5.vtt")
    assert turns(doc) == [
        ("Interviewer", "Thanks for joining. Can you hear me? Great, let's start.", 1000),
        ("P5", "We use partial dependence plots & feature importance. Mostly for the risk team.", 6500),
        ("Interviewer", "Interesting.", 12500),
    ]
    assert doc.turns[1].end_ms == 12000


def test_srt_labels_and_merging() -> None:
    doc = parse("interview_p6.srt")
    assert turns(doc) == [
        ("Interviewer", "What tools do you use for explanations?", 500),
        ("P6", "Mostly InterpretML and some in-house dashboards. Nothing fancy.", 3200),
        ("Interviewer", "Thank you.", 10000),
    ]


def test_csv_columns_quotes_and_merge() -> None:
    doc = parse("interview_p8.csv")
    assert turns(doc)[1] == (
        "P8",
        'Only the top three features, in plain language.\nLegal insisted on that, "for transparency".',
        6000,
    )


def test_xlsx() -> None:
    doc = parse("sample.xlsx")
    assert turns(doc) == [
        ("Interviewer", "Tell me about your model monitoring.", 3000),
        ("P9", "We watch drift weekly.\nAnd we retrain monthly.", 8000),
        ("Interviewer", "Any explanations?", 21000),
    ]


def test_docx_accepts_tracked_changes_and_keeps_emoji() -> None:
    doc = parse("sample.docx")
    p3 = next(text for speaker, text, _ in turns(doc) if speaker == "P3")
    assert "LIME" not in doc.text  # deleted in a tracked change
    assert (
        p3 == "We use SHAP values for every “adverse action” notice.\nThen a counterfactual:\twhat would flip it? 👍🏽"
    )


def test_odt_skips_tracked_deletions_keeps_rtl_and_spaces() -> None:
    doc = parse("sample.odt")
    assert "DELETED DRAFT" not in doc.text
    assert ("R2", "I don’t mind the unknown,\nbut I do mind harm.", None) in turns(doc)
    assert ("Interviewer", "Do you trust  black boxes?", None) in turns(doc)
    assert "الشفافية" in doc.text


def test_pdf_text_layer() -> None:
    doc = parse("sample.pdf")
    assert [s for s, _, _ in turns(doc)] == ["Interviewer", "P7", "Interviewer", "P7"]
    assert turns(doc)[3][1] == "Nothing yet, honestly."


def test_canonical_text_is_nfc_and_offsets_are_code_points() -> None:
    decomposed = "Interviewer: Caf\u0065\u0301?\n\nP1: Oui 👍🏽 e\u0301 fin.\n"
    doc = parse("nfc.txt", decomposed.encode())
    assert unicodedata.is_normalized("NFC", doc.text)
    assert turns(doc)[1][1] == "Oui 👍🏽 é fin."
    assert doc.text == "Interviewer: Café?\n\nP1: Oui 👍🏽 é fin."
    assert doc.turns[1].start == len("Interviewer: Café?\n\nP1: ")


def test_non_breaking_spaces_become_spaces() -> None:
    doc = parse("nbsp.txt", "P1: one\u00a0two\u202fthree".encode())
    assert turns(doc)[0][1] == "one two three"
