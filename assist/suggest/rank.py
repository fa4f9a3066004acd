"""Combining rule hits and model scores into at most `top` candidates per segment.

For each (segment, code):

- the rule signal is the best score (`rules.rule_score`) among the code's rules that matched there;
- the model signal is the model's probability for the code (enabled codes only);
- when the model learnt the code from at least `TRUSTED_EXAMPLES` (20) examples and gives it under
  `MIN_SCORE`, the rule signal is multiplied by `DISAGREEMENT_FACTOR` (0.5): a rule nobody has
  decided on yet no longer outranks a disagreeing model, one that decisions proved still shows;
- ``score = max(rule, model)``, plus ``AGREEMENT_BOOST * min(rule, model)`` when both signals are
  present and each is at least `MIN_SCORE` (two independent signals agreeing are more likely right
  than either alone), capped at `MAX_SCORE` so a suggestion is never shown as certain.

Candidates scoring under `MIN_SCORE` are dropped; each segment keeps its best `top`, best first.
Bands: "high" (>= 0.75), "medium" (>= 0.5), "low". Sorting by uncertainty puts the scores nearest
0.5 first (`uncertainty`): the decisions that teach the model most.

No numpy needed: model scores may be any sequence indexable by segment.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .rules import RuleHit

MIN_SCORE = 0.3
HIGH = 0.75
MEDIUM = 0.5
AGREEMENT_BOOST = 0.1
MAX_SCORE = 0.99
# When the model has learnt a code from at least TRUSTED_EXAMPLES coded examples and gives it under
# DISAGREEMENT_BELOW on a segment, a rule hit's score there is multiplied by DISAGREEMENT_FACTOR: an
# undecided rule (0.5) is then not shown against the model, while a rule whose decisions proved it
# (score >= 0.6, e.g. 5 accepted and none rejected) still is. Below TRUSTED_EXAMPLES (a model just
# enabled) rules are left alone: that is when they find most that the model misses. Measured on the
# sample study (docs/benchmarks.md).
DISAGREEMENT_FACTOR = 0.5
DISAGREEMENT_BELOW = MIN_SCORE
TRUSTED_EXAMPLES = 20
TOP = 3


def band(score: float) -> str:
    """ "high" (>= 0.75), "medium" (>= 0.5) or "low"."""
    if score >= HIGH:
        return "high"
    if score >= MEDIUM:
        return "medium"
    return "low"


def uncertainty(score: float) -> float:
    """The sort key for "most uncertain first": distance from 0.5, ascending."""
    return abs(score - 0.5)


def combine(rule: float | None, model: float | None) -> float:
    """One (segment, code)'s score from its best rule score and model probability (either may be None)."""
    if rule is None and model is None:
        return 0.0
    if rule is None or model is None:
        return float(rule if model is None else model)  # type: ignore[arg-type]
    score = max(rule, model)
    if min(rule, model) >= MIN_SCORE:
        score += AGREEMENT_BOOST * min(rule, model)
    return min(score, MAX_SCORE)


@dataclass
class Candidate:
    """A suggestion to store: `segment` index, `code_id`, `score` and its `band`, which signals made it
    (`source`: "rule", "model" or "rule+model"), the matched rules (best first) and their words'
    `spans`, and the most similar coded excerpts of the code, (key, code_id, similarity)."""

    segment: int
    code_id: int
    score: float
    band: str
    source: str
    rule_ids: list[int] = field(default_factory=list)
    spans: list[tuple[int, int]] = field(default_factory=list)
    similar: list[tuple[str, int, float]] = field(default_factory=list)


def rank(
    n_segments: int,
    rule_hits: Sequence[RuleHit],
    model_scores: Mapping[int, Sequence[float] | Any] | None,
    similar: Sequence[Sequence[tuple[str, int, float]]] | None = None,
    top: int = TOP,
    *,
    rule_scores: Mapping[int, float] | None = None,
    min_score: float = MIN_SCORE,
    model_counts: Mapping[int, int] | None = None,
) -> list[Candidate]:
    """Candidates for `n_segments` segments, by segment, best first within each.

    A hit's rule scores `rule_scores[rule_id]` if given, else the hit's own `score` (set by
    `match_rules`), else as a new rule (0.5). `model_scores` is {code_id: probability per segment} (`TrainedModel.predict`);
    `similar` is per segment (`TrainedModel.similar`), filtered here to each candidate's code.
    `model_counts` ({code_id: positive training examples}, `TrainedModel.counts`): a model damps a
    disagreeing rule only for codes with at least TRUSTED_EXAMPLES (None: for every code)."""
    from .rules import rule_score

    default_rule = rule_score(0, 0)
    scores = rule_scores or {}
    # (segment, code) -> [(rule score, rule id, spans)]
    by_pair: dict[tuple[int, int], list[tuple[float, int, list[tuple[int, int]]]]] = {}
    for hit in rule_hits:
        by_pair.setdefault((hit.segment, hit.code_id), []).append(
            (scores.get(hit.rule_id, default_rule if hit.score is None else hit.score), hit.rule_id, hit.spans)
        )
    per_segment: dict[int, list[Candidate]] = {}
    codes_of_model = list(model_scores or {})
    for segment in range(n_segments):
        codes = {code for (s, code) in by_pair if s == segment} if by_pair else set()
        codes.update(codes_of_model)
        for code in codes:
            hits = sorted(by_pair.get((segment, code), []), key=lambda h: (-h[0], h[1]))
            rule = hits[0][0] if hits else None
            model = float(model_scores[code][segment]) if model_scores and code in model_scores else None
            trusted = model_counts is None or model_counts.get(code, 0) >= TRUSTED_EXAMPLES
            if rule is not None and model is not None and model < DISAGREEMENT_BELOW and trusted:
                # The model knows this code and disagrees: the rule's score is damped (not vetoed).
                rule *= DISAGREEMENT_FACTOR
            # A low model probability adds nothing to a rule hit.
            model_part = None if (model is not None and model < min_score and hits) else model
            score = combine(rule, model_part)
            if score < min_score:
                continue
            if hits and model_part is not None and model_part >= min_score:
                source = "rule+model"
            elif hits and (model_part is None or (rule or 0) >= model_part):
                source = "rule"
            else:
                source = "model"
            spans = sorted({span for h in hits for span in h[2]})
            evidence = [s for s in (similar[segment] if similar else ()) if s[1] == code][:3]
            per_segment.setdefault(segment, []).append(
                Candidate(
                    segment=segment,
                    code_id=code,
                    score=round(score, 4),
                    band=band(score),
                    source=source,
                    rule_ids=[h[1] for h in hits],
                    spans=spans,
                    similar=[(k, c, s) for k, c, s in evidence],
                )
            )
    ranked: list[Candidate] = []
    for segment in sorted(per_segment):
        ranked.extend(sorted(per_segment[segment], key=lambda c: (-c.score, c.code_id))[:top])
    return ranked
