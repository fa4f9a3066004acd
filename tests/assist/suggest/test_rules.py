"""Rules: every kind (inflections, lemmas, case, wildcards, regex), validation, the score formula."""

from __future__ import annotations

import pytest

from assist.suggest.rules import (
    RuleSpec,
    compile_rules,
    match_rules,
    rule_score,
    rule_specs,
    validate_rule,
)


def words(text: str, kind: str, pattern: str, segments: list[tuple[int, int]] | None = None) -> list[str]:
    """The matched words of one rule over `text` (one segment unless given)."""
    hits = match_rules([RuleSpec(1, 10, kind, pattern)], text, segments or [(0, len(text))])
    return [text[s:e] for hit in hits for s, e in hit.spans]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("I Trusted it.", ["Trusted"]),
        ("We are trusting the model.", ["trusting"]),
        ("She trusts them; TRUST matters.", ["trusts", "TRUST"]),
        ("Trustworthy is another word.", []),
        ("No distrust here.", []),
    ],
)
def test_keyword_matches_every_inflection_in_any_case_and_only_whole_words(text: str, found: list[str]) -> None:
    assert words(text, "keyword", "trust") == found


def test_keyword_plural_the_lemma_table_does_not_know() -> None:
    assert words("The heatmaps and one heatmap.", "keyword", "heatmap") == ["heatmaps", "heatmap"]
    assert words("The heatmaps and one heatmap.", "keyword", "heatmaps") == ["heatmaps", "heatmap"]


def test_keyword_with_a_hyphen_matches_with_or_without_it() -> None:
    assert words("Send an e-mail or an e mail.", "keyword", "e-mail") == ["e-mail", "e mail"]


def test_phrase_matches_lemmas_in_order() -> None:
    text = "Saliency maps helped; a saliency-map too; but map saliency is not it."
    assert words(text, "phrase", "saliency maps") == ["Saliency maps", "saliency-map"]
    assert words("Influence Functions were used.", "phrase", "influence function") == ["Influence Functions"]


def test_phrase_does_not_match_across_punctuation() -> None:
    assert words("We saw the saliency, map it later.", "phrase", "saliency map") == []


def test_lemma_pattern_gap_is_at_most_five_words() -> None:
    assert words("I trusted the new shiny models.", "lemma", "trust ... model") == ["trusted", "models"]
    assert words("Trust models.", "lemma", "trust ... model") == ["Trust models"]
    six = "Trust one two three four five six model."
    assert words(six, "lemma", "trust ... model") == []
    five = "Trust one two three four five model."
    assert words(five, "lemma", "trust ... model") == ["Trust", "model"]


def test_lemma_pattern_star_is_exactly_one_word() -> None:
    assert words("We explain it to clients.", "lemma", "explain * to") == ["explain", "to"]
    assert words("We explain to clients.", "lemma", "explain * to") == []
    assert words("We explain it all to clients.", "lemma", "explain * to") == []


def test_regex_is_case_insensitive_unless_the_pattern_says_so() -> None:
    assert words("shap and SHAP", "regex", "shap") == ["shap", "SHAP"]
    assert words("shap and SHAP", "regex", "(?-i)SHAP") == ["SHAP"]


def test_spans_are_transcript_code_points_and_hits_name_their_segment() -> None:
    text = "P1: 👍🏽 é fine.\n\nP2: We trusted SHAP. Then nothing."
    first = text.index("We")
    second = text.index("Then")
    segments = [(4, text.index("\n")), (first, second - 1), (second, len(text))]
    rules = [RuleSpec(1, 10, "keyword", "trust"), RuleSpec(2, 11, "regex", "shap"), RuleSpec(3, 12, "keyword", "fine")]
    hits = match_rules(rules, text, segments)
    assert [(h.segment, h.rule_id, h.code_id) for h in hits] == [(0, 3, 12), (1, 1, 10), (1, 2, 11)]
    assert [text[s:e] for h in hits for s, e in h.spans] == ["fine", "trusted", "SHAP"]
    assert hits[1].score == 0.5


def test_bad_stored_rules_are_skipped_not_raised() -> None:
    ruleset = compile_rules([RuleSpec(1, 10, "regex", "(a)\\1"), RuleSpec(2, 10, "keyword", "two words")])
    assert len(ruleset) == 0
    assert match_rules(ruleset, "a a", [(0, 3)]) == []


@pytest.mark.parametrize(
    ("kind", "pattern", "message"),
    [
        ("keyword", "", "Type the word"),
        ("keyword", "two words", "A keyword is one word"),
        ("keyword", "!!", "has no letter or digit"),
        ("phrase", "one", "A phrase has several words"),
        ("phrase", "explain * to", "Wildcards"),
        ("lemma", "... trust", "starts and ends with a word"),
        ("lemma", "trust *", "starts and ends with a word"),
        ("lemma", "a ... ... b", "Two ... in a row"),
        ("lemma", "* ...", "at least one word"),
        ("regex", "(a)\\1", "backreference"),
        ("regex", "(?=x)y", "Lookahead"),
        ("regex", "(unclosed", "missing"),
        ("regex", "x" * 301, "too long"),
        ("other", "x", "Unknown kind"),
    ],
)
def test_bad_patterns_get_a_clear_message(kind: str, pattern: str, message: str) -> None:
    problem = validate_rule(kind, pattern)
    assert problem is not None and message.lower() in problem.lower()


@pytest.mark.parametrize(
    ("kind", "pattern"),
    [("keyword", "trust"), ("phrase", "saliency maps"), ("lemma", "trust ... model"), ("regex", "(?-i)SHAP\\w*")],
)
def test_good_patterns_validate(kind: str, pattern: str) -> None:
    assert validate_rule(kind, pattern) is None


def test_validation_loads_no_spacy() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from assist.suggest.rules import validate_rule; "
        "assert validate_rule('lemma', 'trust ... model') is None; assert validate_rule('regex', 'a+') is None; "
        "print('spacy' in sys.modules, 'sklearn' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False False"


def test_rule_score_is_the_smoothed_precision() -> None:
    assert rule_score(0, 0) == 0.5
    assert rule_score(10, 0) == 0.75
    assert rule_score(0, 10) == 0.25
    assert rule_score(3, 1) == pytest.approx(8 / 14)
    assert RuleSpec(1, 2, "keyword", "x", accepted=5, rejected=5).score == 0.5
    assert rule_specs([{"id": 1, "code_id": 2, "kind": "keyword", "pattern": "x", "accepted": 1, "rejected": 0}])[
        0
    ].score == pytest.approx(6 / 11)


def test_segments_out_of_order_or_overlapping_each_get_their_own_words() -> None:
    text = "We trust it. They trust us."
    second = (text.index("They"), len(text))
    hits = match_rules([RuleSpec(1, 10, "keyword", "trust")], text, [second, (0, len(text)), (0, 12)])
    assert [(h.segment, [text[s:e] for s, e in h.spans]) for h in hits] == [
        (0, ["trust"]),
        (1, ["trust", "trust"]),
        (2, ["trust"]),
    ]
    assert hits[0].spans == [(text.rindex("trust"), text.rindex("trust") + 5)]
