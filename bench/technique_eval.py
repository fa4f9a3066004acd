"""Precision and recall of technique recognition on the hand-annotated sample.

    .venv/bin/python bench/technique_eval.py [--sample tests/data/technique_sample.txt] [--lenient]

The sample (format and annotation rules in its header) marks each gold mention
as ``[words](slug)``.  The markup is stripped, the plain sentences go through
``assist.pipeline.analyse`` exactly as a transcript would, and predictions are
compared with the gold mentions.

Strict scoring (the default and the figures on the last line): a prediction is
right when its start, end and slug all equal a gold mention's.  ``--lenient``
scores the last line by overlap with the same slug instead (one-to-one); both
are always printed.  Figures are given overall, per sample part (``#@ part:``
lines; the held-out part was written after the vocabulary was frozen) and per
technique family, followed by every error.  The last line is
``precision= recall= f1= sentences= mentions=``.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_SAMPLE = ROOT / "tests" / "data" / "technique_sample.txt"
MARKUP = re.compile(r"\[([^\[\]]+)\]\(([a-z0-9-]+)\)")
PART = re.compile(r"^#@\s*part:\s*(\S+)")


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    slug: str


@dataclass
class Sentence:
    line: int
    part: str
    text: str
    gold: list[Span]
    predicted: list[Span] = field(default_factory=list)


def parse_sample(path: Path) -> list[Sentence]:
    """Sentences with gold spans; raises ValueError on an unknown slug or stray markup."""
    from explainers.techniques import by_slug

    sentences = []
    part = "development"
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if match := PART.match(raw):
            part = match.group(1)
            continue
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        text, gold, pos = [], [], 0
        length = 0
        for match in MARKUP.finditer(raw):
            before = raw[pos : match.start()]
            text.append(before)
            length += len(before)
            words, slug = match.group(1), match.group(2)
            try:
                by_slug(slug)
            except KeyError:
                raise ValueError(f"line {number}: unknown slug {slug!r}") from None
            gold.append(Span(length, length + len(words), slug))
            text.append(words)
            length += len(words)
            pos = match.end()
        text.append(raw[pos:])
        plain = "".join(text)
        if "](" in plain or re.search(r"\[[^\]]*\]", plain):
            raise ValueError(f"line {number}: malformed markup: {raw}")
        sentences.append(Sentence(number, part, plain, gold))
    return sentences


def predict(sentences: list[Sentence]) -> None:
    from assist.pipeline import analyse

    for sentence, analysis in zip(sentences, analyse(s.text for s in sentences), strict=True):
        sentence.predicted = [Span(m.start, m.end, m.slug) for m in analysis.mentions]


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, other: Score) -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def line(self) -> str:
        return f"P={self.precision:.3f} R={self.recall:.3f} F1={self.f1:.3f} (tp={self.tp} fp={self.fp} fn={self.fn})"


def match(sentence: Sentence, *, lenient: bool) -> tuple[list[Span], list[Span], list[Span]]:
    """(true positives, false positives, false negatives) as predicted/gold spans."""
    unmatched = list(sentence.gold)
    tps, fps = [], []
    for p in sentence.predicted:
        hit = next(
            (
                g
                for g in unmatched
                if g.slug == p.slug
                and ((g.start, g.end) == (p.start, p.end) or (lenient and p.start < g.end and g.start < p.end))
            ),
            None,
        )
        if hit is None:
            fps.append(p)
        else:
            unmatched.remove(hit)
            tps.append(p)
    return tps, fps, unmatched


def score(sentences: list[Sentence], *, lenient: bool) -> tuple[Score, dict[str, Score], dict[str, Score]]:
    from explainers.techniques import by_slug

    total = Score()
    by_part: dict[str, Score] = {}
    by_family: dict[str, Score] = {}
    for sentence in sentences:
        tps, fps, fns = match(sentence, lenient=lenient)
        part = by_part.setdefault(sentence.part, Score())
        for spans, kind in ((tps, "tp"), (fps, "fp"), (fns, "fn")):
            for span in spans:
                family = by_family.setdefault(by_slug(span.slug).family, Score())
                for target in (total, part, family):
                    setattr(target, kind, getattr(target, kind) + 1)
    return total, by_part, by_family


def show(sentence: Sentence, span: Span) -> str:
    t = sentence.text
    return f"{t[: span.start]}[{t[span.start : span.end]}]{t[span.end :]}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sample", type=Path, default=DEFAULT_SAMPLE)
    parser.add_argument("--lenient", action="store_true", help="score the last line by overlap, not exact spans")
    args = parser.parse_args(argv)

    from assist.pipeline import PIPELINE_VERSION
    from explainers.techniques import FAMILIES, TECHNIQUES

    sentences = parse_sample(args.sample)
    predict(sentences)
    gold_count = sum(len(s.gold) for s in sentences)
    without = sum(1 for s in sentences if not s.gold)
    print(f"Technique recognition, pipeline {PIPELINE_VERSION}, vocabulary of {len(TECHNIQUES)} techniques")
    print(
        f"Sample {args.sample.name}: {len(sentences)} sentences ({without} without mentions), {gold_count} gold mentions"
    )
    covered = Counter(span.slug for s in sentences for span in s.gold)
    print(f"Techniques with gold mentions: {len(covered)} of {len(TECHNIQUES)}")

    results = {}
    for lenient in (False, True):
        name = "lenient (overlap, same slug)" if lenient else "strict (exact span and slug)"
        total, by_part, by_family = score(sentences, lenient=lenient)
        results[lenient] = total
        print(f"\n{name}: {total.line()}")
        for part, part_score in by_part.items():
            print(f"  part {part:<12} {part_score.line()}")
        if not lenient:
            print("  per family:")
            for family, family_score in sorted(by_family.items()):
                print(f"    {FAMILIES[family]:<42} {family_score.line()}")

    print("\nErrors (strict):")
    for sentence in sentences:
        _, fps, fns = match(sentence, lenient=False)
        for span in fps:
            print(f"  FP line {sentence.line} {span.slug}: {show(sentence, span)}")
        for span in fns:
            print(f"  FN line {sentence.line} {span.slug}: {show(sentence, span)}")

    final = results[args.lenient]
    print(
        f"precision={final.precision:.3f} recall={final.recall:.3f} f1={final.f1:.3f} "
        f"sentences={len(sentences)} mentions={gold_count}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
