"""Measuring code suggestions on a study's own coding: whole transcripts held out.

The study's labelled sentences (`examples.study_segments`: coded sentences, and the uncoded ones of
the coded part of each transcript) are split by transcript: a seeded `holdout` share of the coded
transcripts is the test set, the model is trained on the rest, and every test sentence gets the
suggestions each system would show. Gold = the codes the sentence was coded with (snapped as for
training). Systems:

``combined``  rules + model, ranked as the queue ranks them (`rank.rank`: top 3, score >= 0.3);
``model``     the learned model alone, same ranking;
``rules``     the study's live rules alone (each at its stored score), same ranking;
``frequent``  the 3 codes most frequent in training, suggested for every sentence, best first.

Figures, over all test sentences (coded or not, as the queue would show them):

- P@1: of the sentences with a suggestion, the share whose first suggestion is a gold code;
- P@3: of all suggestions shown (at most 3 per sentence), the share that are gold codes;
- R@3: of all gold (sentence, code) pairs, the share found among the shown suggestions;
- micro F1 from those counts; macro F1: the F1 of each code (gold in the test set or suggested),
  averaged with equal weight;
- coverage: the share of coded test sentences with at least one suggestion.

The learning curve trains on at most N positive examples per code (seeded subsample; the uncoded
sentences are all kept) and reports the same figures for the combined and model-only systems; codes
with fewer than `model.MIN_EXAMPLES` examples have no model, as in the application.

Rule scores come from the rules' stored accept/reject counts, which may include decisions on the
held-out transcripts (a small optimistic bias once a study has many decisions; none on the sample).
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from studies.models import Study

from .examples import LabelledSegment, study_segments
from .model import MIN_EXAMPLES, Example, TrainedModel, train
from .rank import MIN_SCORE, TOP, Candidate, rank
from .rules import RuleHit, RuleSpec, compile_rules, match_rules, rule_specs

CURVE = (3, 6, 10, 20, 40)


@dataclass
class Scores:
    p_at_1: float = 0.0
    p_at_3: float = 0.0
    r_at_3: float = 0.0
    micro_f1: float = 0.0
    macro_f1: float = 0.0
    coverage: float = 0.0
    shown: int = 0


@dataclass
class CurvePoint:
    per_code: int | None  # None: all examples
    examples: int
    enabled: int
    combined: Scores
    model: Scores


@dataclass
class Report:
    study: str
    seed: int
    holdout: float
    features: str
    train_transcripts: int = 0
    test_transcripts: int = 0
    train_examples: int = 0
    test_segments: int = 0
    gold_pairs: int = 0
    codes: int = 0
    enabled: int = 0
    rules: int = 0
    train_seconds: float = 0.0
    suggest_ms_per_segment: float = 0.0
    blob_kb: float = 0.0
    systems: dict[str, Scores] = field(default_factory=dict)
    curve: list[CurvePoint] = field(default_factory=list)

    def last_line(self) -> str:
        c, f, r = self.systems["combined"], self.systems["frequent"], self.systems["rules"]
        return (
            f"p_at_1={c.p_at_1:.3f} p_at_3={c.p_at_3:.3f} r_at_3={c.r_at_3:.3f} macro_f1={c.macro_f1:.3f} "
            f"frequent_p_at_3={f.p_at_3:.3f} rules_p_at_3={r.p_at_3:.3f}"
        )


def _f1(tp: int, fp: int, fn: int) -> float:
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def score(gold: Sequence[set[int]], suggested: Sequence[Sequence[int]]) -> Scores:
    """The figures (module docstring) of ranked suggestions `suggested[i]` for gold codes `gold[i]`."""
    first_right = with_suggestion = tp = shown = found = coded = covered = 0
    per_code: dict[int, list[int]] = {}  # code -> [tp, fp, fn]
    for codes, ranked in zip(gold, suggested, strict=True):
        ranked = list(ranked)[:TOP]
        if ranked:
            with_suggestion += 1
            first_right += ranked[0] in codes
        hits = [c for c in ranked if c in codes]
        tp += len(hits)
        shown += len(ranked)
        found += len(set(hits))
        if codes:
            coded += 1
            covered += bool(ranked)
        for code in set(ranked) | codes:
            counts = per_code.setdefault(code, [0, 0, 0])
            if code in ranked and code in codes:
                counts[0] += 1
            elif code in ranked:
                counts[1] += 1
            else:
                counts[2] += 1
    gold_pairs = sum(len(codes) for codes in gold)
    return Scores(
        p_at_1=first_right / with_suggestion if with_suggestion else 0.0,
        p_at_3=tp / shown if shown else 0.0,
        r_at_3=found / gold_pairs if gold_pairs else 0.0,
        micro_f1=_f1(tp, shown - tp, gold_pairs - found),
        macro_f1=sum(_f1(*c) for c in per_code.values()) / len(per_code) if per_code else 0.0,
        coverage=covered / coded if coded else 0.0,
        shown=shown,
    )


def _ranked(n: int, candidates: list[Candidate]) -> list[list[int]]:
    out: list[list[int]] = [[] for _ in range(n)]
    for c in candidates:
        out[c.segment].append(c.code_id)
    return out


def study_rules(study: Study) -> list[RuleSpec]:
    """The study's live rules as RuleSpecs ([] while the SuggestionRule model does not exist)."""
    try:
        from assist.models import SuggestionRule  # type: ignore[attr-defined]
    except ImportError:
        return []
    rows = SuggestionRule.objects.filter(study=study, deleted_at__isnull=True, code__deleted_at__isnull=True)
    return rule_specs(rows.order_by("pk").values("id", "code_id", "kind", "pattern", "accepted", "rejected"))


def _cap(examples: list[Example], per_code: int, seed: int) -> list[Example]:
    """At most `per_code` positives of each code (an example keeps the codes it was chosen for)."""
    rng = random.Random(seed)
    order = list(range(len(examples)))
    rng.shuffle(order)
    taken: dict[int, int] = {}
    out: list[Example] = []
    for i in order:
        e = examples[i]
        if not e.codes:
            out.append(e)
            continue
        kept = set()
        for code in sorted(e.codes):
            if taken.get(code, 0) < per_code:
                taken[code] = taken.get(code, 0) + 1
                kept.add(code)
        if kept:
            out.append(Example(e.key, e.text, frozenset(kept), e.negative_codes))
    return out


def _systems(
    n: int, hits: list[RuleHit], model: TrainedModel, texts: list[str]
) -> tuple[list[list[int]], list[list[int]]]:
    scores = model.predict(texts)
    combined = _ranked(n, rank(n, hits, scores, None, TOP, model_counts=model.counts))
    alone = _ranked(n, rank(n, [], scores, None, TOP))
    return combined, alone


def evaluate(
    study: Study,
    *,
    holdout: float = 0.3,
    seed: int = 0,
    features: str = "both",
    curve: Sequence[int] = CURVE,
    segments: list[LabelledSegment] | None = None,
) -> Report:
    """Hold out whole transcripts, train on the rest, and score every system (module docstring).
    Raises ValueError when the study has fewer than two coded transcripts."""
    if not 0 < holdout < 1:
        raise ValueError("--holdout is a share between 0 and 1, e.g. 0.3.")
    segments = study_segments(study) if segments is None else segments
    tids = sorted({s.transcript_id for s in segments if s.codes})
    if len(tids) < 2:
        raise ValueError("The study needs at least two coded transcripts (one to train on, one to test).")
    rng = random.Random(seed)
    rng.shuffle(tids)
    n_test = min(len(tids) - 1, max(1, round(holdout * len(tids))))
    test_ids = set(tids[:n_test])
    train_examples = [s.example() for s in segments if s.transcript_id not in test_ids and s.transcript_id in tids]
    test = [s for s in segments if s.transcript_id in test_ids]
    gold = [set(s.codes) for s in test]
    texts = [s.text for s in test]
    n = len(test)

    report = Report(study=study.slug, seed=seed, holdout=holdout, features=features)
    report.train_transcripts, report.test_transcripts = len(tids) - n_test, n_test
    report.train_examples, report.test_segments = len(train_examples), n
    report.gold_pairs = sum(len(g) for g in gold)

    rules = study_rules(study)
    report.rules = len(rules)
    # All test sentences as one text, so the rules run in one batched pass.
    joined, offsets, position = [], [], 0
    for text in texts:
        joined.append(text)
        offsets.append((position, position + len(text)))
        position += len(text) + 1
    hits = match_rules(compile_rules(rules), "\n".join(joined), offsets) if rules else []

    began = time.perf_counter()
    model = train(train_examples, features=features, seed=seed)
    report.train_seconds = time.perf_counter() - began
    report.codes, report.enabled = len(model.counts), len(model.enabled)
    report.blob_kb = len(model.dumps()) / 1024

    began = time.perf_counter()
    combined, alone = _systems(n, hits, model, texts)
    model.similar(texts)
    report.suggest_ms_per_segment = (time.perf_counter() - began) * 1000 / max(1, n)
    rules_only = _ranked(n, rank(n, hits, None, None, TOP))
    counts = sorted(model.counts.items(), key=lambda item: (-item[1], item[0]))
    frequent = [[code for code, _ in counts[:TOP]] for _ in range(n)]
    report.systems = {
        "combined": score(gold, combined),
        "model": score(gold, alone),
        "rules": score(gold, rules_only),
        "frequent": score(gold, frequent),
    }
    most = max(model.counts.values(), default=0)
    for per_code in [c for c in curve if c < most] + [None]:
        subset = train_examples if per_code is None else _cap(train_examples, per_code, seed)
        small = model if per_code is None else train(subset, features=features, seed=seed)
        c_ranked, m_ranked = _systems(n, hits, small, texts)
        report.curve.append(
            CurvePoint(per_code, len(subset), len(small.enabled), score(gold, c_ranked), score(gold, m_ranked))
        )
    return report


def format_report(report: Report) -> list[str]:
    """The command's lines, the `name=value` summary last."""
    lines = [
        f"Study {report.study}: {report.train_transcripts} transcripts for training, {report.test_transcripts} held "
        f"out (holdout {report.holdout}, seed {report.seed}); features {report.features}.",
        f"Training: {report.train_examples} sentences, {report.codes} codes, {report.enabled} with a model "
        f"(>= {MIN_EXAMPLES} examples), {report.train_seconds:.2f} s, model {report.blob_kb:.0f} KB. "
        f"Rules: {report.rules}.",
        f"Test: {report.test_segments} sentences, {report.gold_pairs} coded (sentence, code) pairs; "
        f"suggestions shown when score >= {MIN_SCORE}, at most {TOP} per sentence; "
        f"{report.suggest_ms_per_segment:.2f} ms per sentence (model, ranking, similar excerpts).",
        "",
        f"{'system':<10} {'P@1':>6} {'P@3':>6} {'R@3':>6} {'microF1':>8} {'macroF1':>8} {'coverage':>9} {'shown':>6}",
    ]
    for name, s in report.systems.items():
        lines.append(
            f"{name:<10} {s.p_at_1:>6.3f} {s.p_at_3:>6.3f} {s.r_at_3:>6.3f} {s.micro_f1:>8.3f} {s.macro_f1:>8.3f} "
            f"{s.coverage:>9.3f} {s.shown:>6}"
        )
    lines += [
        "",
        "Learning curve (at most N positive examples per code in training):",
        f"{'N':>5} {'examples':>9} {'enabled':>8} {'P@3':>6} {'R@3':>6} {'macroF1':>8} {'model P@3':>10} "
        f"{'model R@3':>10}",
    ]
    for point in report.curve:
        label = "all" if point.per_code is None else str(point.per_code)
        lines.append(
            f"{label:>5} {point.examples:>9} {point.enabled:>8} {point.combined.p_at_3:>6.3f} "
            f"{point.combined.r_at_3:>6.3f} {point.combined.macro_f1:>8.3f} {point.model.p_at_3:>10.3f} "
            f"{point.model.r_at_3:>10.3f}"
        )
    lines += ["", report.last_line()]
    return lines


def report_as_json(report: Report) -> dict[str, Any]:
    """The figures as JSON (for SuggestionModel.metrics or a file)."""
    from dataclasses import asdict

    return asdict(report)
