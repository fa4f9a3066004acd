"""Ranking: the combined score, the agreement boost, the cut-off, top 3, bands, sources, evidence."""

from __future__ import annotations

import pytest

from assist.suggest.rank import AGREEMENT_BOOST, TRUSTED_EXAMPLES, band, combine, rank, uncertainty
from assist.suggest.rules import RuleHit


@pytest.mark.parametrize(
    ("score", "expected"),
    [(0.75, "high"), (0.99, "high"), (0.7499, "medium"), (0.5, "medium"), (0.4999, "low"), (0.3, "low")],
)
def test_bands(score: float, expected: str) -> None:
    assert band(score) == expected


def test_combine_is_the_max_with_a_small_boost_when_both_agree() -> None:
    assert combine(0.6, None) == 0.6
    assert combine(None, 0.4) == 0.4
    assert combine(0.6, 0.5) == pytest.approx(0.6 + AGREEMENT_BOOST * 0.5)
    assert combine(0.6, 0.1) == 0.6  # a weak model signal adds nothing
    assert combine(0.95, 0.9) == 0.99  # never certain


def test_rank_drops_low_scores_keeps_top_three_best_first() -> None:
    scores = {1: [0.9, 0.1], 2: [0.8, 0.29], 3: [0.7, 0.2], 4: [0.6, 0.0]}
    ranked = rank(2, [], scores, None, top=3)
    assert [(c.segment, c.code_id) for c in ranked] == [(0, 1), (0, 2), (0, 3)]
    assert [c.band for c in ranked] == ["high", "high", "medium"]
    assert all(c.source == "model" for c in ranked)


def test_rule_hits_use_their_score_and_combine_with_the_model() -> None:
    hits = [
        RuleHit(0, 7, 1, [(0, 5)], score=0.6),
        RuleHit(0, 8, 1, [(10, 14)], score=0.7),
        RuleHit(1, 9, 2, [(20, 25)]),  # no score: a new rule, 0.5
    ]
    ranked = rank(2, hits, {1: [0.5, 0.0]}, [[("k1", 1, 0.8), ("k2", 2, 0.7)], []])
    first, second = ranked
    assert (first.segment, first.code_id, first.source) == (0, 1, "rule+model")
    assert first.score == pytest.approx(0.7 + AGREEMENT_BOOST * 0.5)
    assert first.rule_ids == [8, 7] and first.spans == [(0, 5), (10, 14)]
    assert first.similar == [("k1", 1, 0.8)]  # evidence of this code only
    assert (second.segment, second.code_id, second.source, second.score) == (1, 2, "rule", 0.5)


def test_rule_scores_can_be_overridden() -> None:
    [c] = rank(1, [RuleHit(0, 7, 1, [(0, 1)], score=0.9)], None, None, rule_scores={7: 0.31})
    assert c.score == 0.31 and c.band == "low"
    assert rank(1, [RuleHit(0, 7, 1, [(0, 1)])], None, None, rule_scores={7: 0.25}) == []


def test_uncertainty_sorts_scores_nearest_a_half_first() -> None:
    assert sorted([0.9, 0.55, 0.35, 0.7], key=uncertainty) == [0.55, 0.35, 0.7, 0.9]


def test_a_model_that_knows_the_code_and_disagrees_damps_the_rule() -> None:
    # Code 1 has a model (enabled) that gives it 0.1 on both segments; code 2 has none.
    hits = [
        RuleHit(0, 7, 1, [(0, 5)], score=0.5),  # undecided rule: not shown against the model
        RuleHit(1, 8, 1, [(10, 14)], score=0.8),  # a rule decisions proved: still shown, lower
        RuleHit(1, 9, 2, [(20, 25)], score=0.5),  # no model for code 2: the rule alone decides
    ]
    ranked = rank(2, hits, {1: [0.1, 0.1]}, None)
    assert [(c.segment, c.code_id, c.source) for c in ranked] == [(1, 2, "rule"), (1, 1, "rule")]
    assert [c.score for c in ranked] == [0.5, pytest.approx(0.4)]
    # A model just enabled (fewer than TRUSTED_EXAMPLES for the code) leaves the rules alone.
    young = rank(2, hits, {1: [0.1, 0.1]}, None, model_counts={1: TRUSTED_EXAMPLES - 1})
    assert [(c.segment, c.code_id, c.score) for c in young] == [(0, 1, 0.5), (1, 1, 0.8), (1, 2, 0.5)]
    grown = rank(2, hits, {1: [0.1, 0.1]}, None, model_counts={1: TRUSTED_EXAMPLES})
    assert [(c.segment, c.code_id) for c in grown] == [(1, 2), (1, 1)]
