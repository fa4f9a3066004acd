"""The NLP pipeline: components, matching rules, offsets, caching, offline build, measured recognition."""

from __future__ import annotations

import importlib.util
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import spacy

from assist import pipeline
from assist.pipeline import Analysis, Mention, analyse, build_nlp, get_nlp

ROOT = Path(__file__).resolve().parents[2]


def mentions(text: str) -> list[tuple[str, str]]:
    """(slug, covered text) of each mention, checking the offsets against the text."""
    (analysis,) = analyse([text])
    for m in analysis.mentions:
        assert text[m.start : m.end] == m.text
    return [(m.slug, m.text) for m in analysis.mentions]


def test_pipeline_is_blank_english_with_the_three_components() -> None:
    nlp = get_nlp()
    assert nlp.lang == "en"
    assert nlp.pipe_names == ["sentencizer", "thematica_norm", "techniques"]
    assert nlp.vocab.vectors.shape[0] == 0  # nothing trained, nothing downloaded


def test_get_nlp_is_built_once_per_process() -> None:
    assert get_nlp() is get_nlp()


def test_build_needs_no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the pipeline tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    nlp = build_nlp()
    doc = nlp("We used LIME.")
    assert [span.label_ for span in doc.spans["techniques"]] == ["lime"]


def test_importing_the_module_does_not_import_spacy() -> None:
    code = "import sys, assist.pipeline as p; print(p.PIPELINE_VERSION); assert 'spacy' not in sys.modules"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == pipeline.PIPELINE_VERSION


def test_norm_is_the_lower_cased_lookup_lemma() -> None:
    doc = get_nlp()("Influence Functions were better than saliency maps")
    assert [t.norm_ for t in doc] == ["influence", "function", "be", "well", "than", "saliency", "map"]


def test_norm_of_an_unknown_word_is_its_lower_case() -> None:
    doc = get_nlp()("KernelSHAP Heatmaps")
    assert [t.norm_ for t in doc] == ["kernelshap", "heatmaps"]


# --- matching rules --------------------------------------------------------------


def test_acronyms_match_case_sensitively() -> None:
    assert mentions("We used LIME and SHAP.") == [("lime", "LIME"), ("shap", "SHAP")]
    assert mentions("A gin with lime juice, a Lime tart, lime green slides.") == []
    assert mentions("The shap library and a Shap plot; a shapely roof.") == []


def test_acronym_plural_and_possessive() -> None:
    assert mentions("The PDPs were clear; SHAP's summary plot too.") == [
        ("partial-dependence", "PDPs"),
        ("shap", "SHAP"),
    ]


def test_phrases_match_on_lemmas_in_any_case() -> None:
    assert mentions("Influence Functions and the saliency maps.") == [
        ("influence-functions", "Influence Functions"),
        ("saliency-maps", "saliency maps"),
    ]
    assert mentions("COUNTERFACTUAL EXPLANATIONS") == [("counterfactual-explanations", "COUNTERFACTUAL EXPLANATIONS")]


def test_plural_of_a_word_the_lemma_table_does_not_know() -> None:
    assert "heatmaps" not in pipeline.load_lemma_table()
    assert mentions("The heatmaps and the heat-maps.") == [("heatmaps", "heatmaps"), ("heatmaps", "heat-maps")]


def test_longest_match_wins() -> None:
    assert mentions("KernelSHAP, Kernel SHAP and TreeSHAP.") == [
        ("kernel-shap", "KernelSHAP"),
        ("kernel-shap", "Kernel SHAP"),
        ("tree-shap", "TreeSHAP"),
    ]
    assert mentions("A surrogate decision tree.") == [("surrogate-models", "surrogate decision tree")]
    assert mentions("Data Shapley prices data.") == [("data-valuation", "Data Shapley")]


def test_hyphen_and_space_variants() -> None:
    assert mentions("t-SNE, tSNE and t SNE.") == [("t-sne", "t-SNE"), ("t-sne", "tSNE"), ("t-sne", "t SNE")]
    assert mentions("counter-factual explanations, counter factuals") == [
        ("counterfactual-explanations", "counter-factual explanations"),
        ("counterfactual-explanations", "counter factuals"),
    ]


def test_optional_words() -> None:
    assert mentions("We monitor our models and monitor models.") == [
        ("model-monitoring", "monitor our models"),
        ("model-monitoring", "monitor models"),
    ]


def test_mention_takes_a_following_output_noun_only() -> None:
    assert mentions("SHAP values, LIME explanations, Shapley value explanations.") == [
        ("shap", "SHAP values"),
        ("lime", "LIME"),
        ("shapley-values", "Shapley value"),
    ]
    # Never across a sentence boundary or a line break.
    assert mentions("We used SHAP. Values matter.") == [("shap", "SHAP")]
    assert mentions("We used SHAP\nvalues") == [("shap", "SHAP")]


def test_ordinary_senses_are_not_mentions() -> None:
    text = (
        "My manager's influence. We drifted off topic. The calibration of the scanner. "
        "A product prototype. A surrogate mother. The sensitivity of the test. Thanks for your attention."
    )
    assert mentions(text) == []


# --- offsets ---------------------------------------------------------------------


def test_offsets_are_code_points_with_emoji_and_combining_marks() -> None:
    text = "Caf\u00e9 \U0001f44d\U0001f3fd e\u0301 \U0001f9d1\u200d\U0001f4bb: we used LIME, then \U0001f600 t-SNE."
    (analysis,) = analyse([text])
    assert [(m.start, m.end, m.slug) for m in analysis.mentions] == [
        (text.index("LIME"), text.index("LIME") + 4, "lime"),
        (text.index("t-SNE"), text.index("t-SNE") + 5, "t-sne"),
    ]
    # Code points, not UTF-16 units or bytes: "Café " 5, thumbs up + skin tone 2, space, e + combining
    # acute 2, space, technologist (person + ZWJ + laptop) 3, ": we used " 10.
    assert analysis.mentions[0].start == 5 + 2 + 1 + 2 + 1 + 3 + 10 == 24
    assert len(text[:24].encode("utf-16-le")) // 2 == 28  # four astral characters
    assert analysis.sentences == [(0, len(text))]


def test_sentence_offsets_exclude_surrounding_whitespace() -> None:
    text = "  First one. Second one!\n\n  Third, with LIME?  \n"
    (analysis,) = analyse([text])
    assert [text[s:e] for s, e in analysis.sentences] == ["First one.", "Second one!", "Third, with LIME?"]
    assert analysis.mentions == [Mention(text.index("LIME"), text.index("LIME") + 4, "lime", "LIME")]


def test_citation_and_figure_abbreviations_do_not_end_sentences() -> None:
    text = "Hong et al. [25] interviewed practitioners. See Fig. 3 and cf. Table 2. It worked, etc. Then LIME."
    (analysis,) = analyse([text])
    assert [text[s:e] for s, e in analysis.sentences] == [
        "Hong et al. [25] interviewed practitioners.",
        "See Fig. 3 and cf. Table 2.",
        "It worked, etc.",
        "Then LIME.",
    ]


def test_one_analysis_per_text_in_order_including_empty_texts() -> None:
    results = list(analyse(["", "LIME here.", "   ", "SHAP there."], batch_size=2))
    assert [[m.slug for m in a.mentions] for a in results] == [[], ["lime"], [], ["shap"]]
    assert results[0] == Analysis()
    assert results[2].sentences == []
    assert results[1].words == 2


def test_long_texts_are_cut_into_pieces_without_shifting_offsets(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "".join(f"Line {i} used LIME and \U0001f600 saliency maps.\n" for i in range(40))
    whole = next(analyse([text]))
    monkeypatch.setattr(pipeline, "MAX_CHUNK", 120)
    pieces = list(pipeline.chunks(text, 120))
    assert len(pieces) > 10 and "".join(piece for _, piece in pieces) == text
    cut = next(analyse([text]))
    assert cut.mentions == whole.mentions and len(cut.mentions) == 80
    assert cut.sentences == whole.sentences
    assert cut.words == whole.words


def test_a_line_longer_than_a_piece_is_cut_hard() -> None:
    text = "x" * 250
    assert [(offset, len(piece)) for offset, piece in pipeline.chunks(text, 100)] == [(0, 100), (100, 100), (200, 50)]


# --- versioning and serialisation ------------------------------------------------


def test_pipeline_version_follows_the_vocabulary(monkeypatch: pytest.MonkeyPatch) -> None:
    import explainers.techniques as techniques

    before = pipeline._vocabulary_digest()
    assert before == pipeline._vocabulary_digest()
    assert f"{pipeline.PIPELINE_REVISION}-{before}" == pipeline.PIPELINE_VERSION
    monkeypatch.setattr(techniques, "TECHNIQUES", techniques.TECHNIQUES[:-1])
    assert pipeline._vocabulary_digest() != before


def test_saved_pipeline_carries_its_lemma_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    get_nlp().to_disk(tmp_path / "nlp")
    assert (tmp_path / "nlp" / "thematica_norm" / "lemma_lookup.msgpack").exists()
    # Loading must not go back to spacy-lookups-data.
    monkeypatch.setattr(pipeline, "load_lemma_table", lambda: pytest.fail("lemma table reloaded"))
    loaded = spacy.load(tmp_path / "nlp")
    doc = loaded("Influence Functions and the saliency maps")
    assert [t.norm_ for t in doc][:2] == ["influence", "function"]
    assert [(s.label_, s.text) for s in doc.spans["techniques"]] == [
        ("influence-functions", "Influence Functions"),
        ("saliency-maps", "saliency maps"),
    ]


def test_optional_alternatives_must_be_single_tokens() -> None:
    nlp = get_nlp()
    with pytest.raises(ValueError, match="not one token"):
        pipeline._parse_variant("calibrate [people's] trust", lambda t: [x.text for x in nlp.tokenizer(t)])


# --- measured recognition --------------------------------------------------------


def _eval_module():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("technique_eval", ROOT / "bench" / "technique_eval.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def test_recognition_precision_and_recall_on_the_annotated_sample() -> None:
    evaluation = _eval_module()
    sentences = evaluation.parse_sample(evaluation.DEFAULT_SAMPLE)
    assert len(sentences) >= 120
    assert sum(1 for s in sentences if not s.gold) >= 30  # distractors
    evaluation.predict(sentences)
    total, by_part, _ = evaluation.score(sentences, lenient=False)
    assert total.precision >= 0.95 and total.recall >= 0.93, total.line()
    held_out = by_part["held-out"]
    assert held_out.precision >= 0.9 and held_out.recall >= 0.8, held_out.line()


def test_evaluation_script_last_line() -> None:
    result = subprocess.run(
        [sys.executable, "bench/technique_eval.py"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    last = result.stdout.strip().splitlines()[-1]
    match = re.fullmatch(
        r"precision=(\d\.\d{3}) recall=(\d\.\d{3}) f1=(\d\.\d{3}) sentences=(\d+) mentions=(\d+)", last
    )
    assert match, last
    assert float(match.group(1)) >= 0.9 and float(match.group(2)) >= 0.9
    assert int(match.group(4)) >= 120


def test_evaluation_rejects_an_unknown_slug(tmp_path: Path) -> None:
    sample = tmp_path / "sample.txt"
    sample.write_text("We used [LIME](lime-juice).\n", encoding="utf-8")
    with pytest.raises(ValueError, match="unknown slug 'lime-juice'"):
        _eval_module().parse_sample(sample)
