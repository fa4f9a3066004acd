"""Intercoder agreement benchmark: 3 coders × 40 transcripts (400,000 words) × 80 codes.

    createdb -h 127.0.0.1 -U postgres thematica_agreement
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/thematica_agreement .venv/bin/python bench/agreement_bench.py

The study (slug `agreement-bench`) is built once in the database named by DATABASE_URL and reused:
40 generated transcripts of 10,000 words split into speaker turns at blank lines, stored sentences
of 15 words (the sentence level's units), 80 codes and three coders who code the same passages
with their own boundaries: each code has 1-10 "true" passages per transcript (code i has 1 + i % 10),
each coder codes each with probability 0.85 with both ends moved by up to 15 characters, and adds
a stray passage with probability 0.3; a coder's overlapping codings of one code are joined, as the
app does. Two codes nobody uses and one only the first coder uses are the edge cases a real
codebook has.

Then, median and p95 over the runs (after one warm-up) of the whole `agreement.report.agreement_report`
(codebook, transcripts, units and codings read from the database; every code's table over all
units and over coded units) at each level. Baseline, same run, on the same codings: the naive
character-level computation, one boolean per character per coder in numpy arrays over the whole
corpus for each code, and the same for turns (one boolean per turn), both filled coding by coding;
their pattern counts are checked equal to the sweep's. Last line:
`char_s= sentence_s= turn_s= document_s= baseline_char_s= baseline_turn_s= codings=`.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
import uuid
from functools import partial
from typing import Any

import numpy as np
from _django import setup
from _timing import p95, timed

SLUG = "agreement-bench"
TRANSCRIPTS = 40
WORDS = 10_000
CODES = 80
CODERS = 3
SENTENCE_WORDS = 15


def _joined(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping or touching spans of one coder and code joined (what applying a code does)."""
    out: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def _sentences(text: str, turns: list[tuple[int, int]]) -> list[list[int]]:
    """Runs of SENTENCE_WORDS words inside each turn."""
    sentences = []
    for start, end in turns:
        words = [(i + start, i + start + len(w)) for i, w in _words(text[start:end])]
        for k in range(0, len(words), SENTENCE_WORDS):
            chunk = words[k : k + SENTENCE_WORDS]
            sentences.append([chunk[0][0], chunk[-1][1]])
    return sentences


def _words(text: str) -> list[tuple[int, str]]:
    found, position = [], 0
    for word in text.split(" "):
        found.append((position, word))
        position += len(word) + 1
    return found


def build() -> None:
    from django.db import connection, transaction
    from scale_bench import _copy

    from accounts.models import User
    from assist.models import TextAnalysis
    from assist.selectors import pipeline_version
    from coding.models import Code, Coding
    from interviews.models import SpeakerTurn, Transcript
    from studies.models import Membership, Role, Study
    from studies.services import create_study
    from tests.data.synthetic import synthetic_transcript

    existing = Study.objects.filter(slug=SLUG).first()
    if existing is not None and Transcript.objects.filter(study=existing).count() == TRANSCRIPTS:
        print(f"reusing {SLUG}", file=sys.stderr)
        return
    if existing is not None:
        existing.delete()
    started = time.perf_counter()
    rng = random.Random(13)
    coders = [
        User.objects.filter(username=f"{SLUG}-coder{i}").first()
        or User.objects.create_user(f"{SLUG}-coder{i}", password=None)
        for i in range(CODERS)
    ]
    with transaction.atomic():
        study = create_study(owner=coders[0], title="Agreement bench")
        Study.objects.filter(pk=study.pk).update(slug=SLUG)
        study.refresh_from_db()
        Membership.objects.bulk_create([Membership(study=study, user=u, role=Role.CODER) for u in coders[1:]])
        codes = Code.objects.bulk_create(Code(study=study, name=f"Code {i:02d}", order=i) for i in range(CODES))
        documents = []
        for i in range(TRANSCRIPTS):
            text = synthetic_transcript(rng, WORDS)
            documents.append(Transcript(study=study, title=f"Interview {i:02d}", text=text, char_count=len(text),
                                        word_count=len(text.split())))  # fmt: skip
        documents = Transcript.objects.bulk_create(documents)
        turns, analyses = [], []
        for transcript in documents:
            position, spans = 0, []
            for block in transcript.text.split("\n\n"):
                spans.append((position, position + len(block)))
                position += len(block) + 2
            turns += [SpeakerTurn(transcript=transcript, index=k, start=s, end=e) for k, (s, e) in enumerate(spans)]
            analyses.append(TextAnalysis(transcript=transcript, text_version=transcript.text_version,
                                         pipeline_version=pipeline_version(),
                                         sentences=_sentences(transcript.text, spans)))  # fmt: skip
        SpeakerTurn.objects.bulk_create(turns, batch_size=5000)
        TextAnalysis.objects.bulk_create(analyses)
        rows = []
        now = "2026-01-01 00:00:00+00"
        for transcript in documents:
            length = len(transcript.text)
            for i, code in enumerate(codes):
                if i in (0, 1):  # nobody uses these
                    continue
                passages = []
                for _ in range(1 + i % 10):
                    start = rng.randrange(0, length - 700)
                    passages.append((start, start + rng.randint(30, 600)))
                for c, coder in enumerate(coders):
                    if i == 2 and c > 0:  # only the first coder uses this one
                        continue
                    mine = []
                    for start, end in passages:
                        if rng.random() < 0.85:
                            s = max(0, start + rng.randint(-15, 15))
                            mine.append((s, max(s + 1, min(length, end + rng.randint(-15, 15)))))
                    if rng.random() < 0.3:
                        s = rng.randrange(0, length - 300)
                        mine.append((s, s + rng.randint(20, 300)))
                    rows += [(uuid.uuid4(), study.pk, transcript.pk, 1, code.pk, s, e, coder.pk, now, uuid.uuid4(),
                              False) for s, e in _joined(mine)]  # fmt: skip
        _copy("coding_coding", ["uuid", "study_id", "transcript_id", "text_version", "code_id", "start", "end",
                                "coder_id", "created_at", "batch", "needs_review"], rows)  # fmt: skip
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    total = Coding.objects.filter(study__slug=SLUG).count()
    print(f"{SLUG}: {total} codings built in {time.perf_counter() - started:.0f} s", file=sys.stderr)


def naive_patterns(codings: Any, positions: dict[int, tuple[np.ndarray, np.ndarray]], total: int, coders: list[int],
                   codes: list[int]) -> dict[int, np.ndarray]:  # fmt: skip
    """Pattern counts per code from one boolean per unit and coder, filled coding by coding:
    `positions[transcript]` maps a coding's [start, end) to unit indexes [lo, hi)."""
    out = {}
    frame = codings.sort_values("code_id")
    groups = {code: rows for code, rows in frame.groupby("code_id")}
    for code in codes:
        marks = np.zeros((len(coders), total), dtype=bool)
        rows = groups.get(code)
        if rows is not None:
            for t, coder, start, end in rows[["transcript_id", "coder_id", "start", "end"]].itertuples(index=False):
                lo, hi = positions[t][0][start], positions[t][1][end]
                marks[coders.index(coder), lo:hi] = True
        pattern = (marks.astype(np.int64) << np.arange(len(coders))[:, None]).sum(axis=0)
        out[code] = np.bincount(pattern, minlength=2 ** len(coders))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    database = setup()
    build()
    from accounts.models import User
    from agreement.report import agreement_report
    from agreement.stats import presence_agreement
    from agreement.units import Level, presence
    from coding.models import Code
    from coding.selectors.agreement import agreement_codings
    from interviews.models import SpeakerTurn, Transcript
    from studies.models import Study

    study = Study.objects.get(slug=SLUG)
    coders = list(User.objects.filter(username__startswith=f"{SLUG}-coder").order_by("username"))
    coder_ids = [c.pk for c in coders]
    codes = list(Code.objects.filter(study=study).order_by("order").values_list("pk", flat=True))
    texts = dict(Transcript.objects.filter(study=study).values_list("pk", "text"))
    ids = sorted(texts)
    words = sum(len(t.split()) for t in texts.values())
    runs = args.runs
    seconds: dict[str, list[float]] = {}
    for level in Level:
        report_at = partial(agreement_report, study=study, user=None, coders=coders, level=level)
        seconds[level.value] = [ms / 1000 for ms in timed(report_at, runs)]
        print(f"  {level.value}: median {statistics.median(seconds[level.value]):.3f} s", file=sys.stderr)

    # The baselines, on the same codings and units (reading them is timed too).
    def naive(level: Level) -> dict[int, np.ndarray]:
        codings = agreement_codings(study=study, user=None, coder_ids=coder_ids, transcript_ids=ids, code_ids=codes)
        turns: dict[int, list[tuple[int, int]]] = {}
        if level is not Level.CHARACTER:
            for t, start, end in SpeakerTurn.objects.filter(transcript_id__in=ids).values_list(
                "transcript_id", "start", "end"
            ):
                turns.setdefault(t, []).append((start, end))
        maps: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        base = 0
        for t in ids:
            n = len(texts[t])
            if level is Level.CHARACTER:
                index = np.arange(n + 1) + base
                maps[t] = (index, index)
                base += n
            else:
                spans = np.array(sorted(turns.get(t, [])), dtype=np.int64).reshape(-1, 2)
                spans = spans[spans[:, 1] > spans[:, 0]]
                offsets = np.arange(n + 1)
                # Units a coding [s, e) overlaps: those ending after s up to those starting before e.
                maps[t] = (np.searchsorted(spans[:, 1], offsets, side="right") + base,
                           np.searchsorted(spans[:, 0], offsets, side="left") + base)  # fmt: skip
                base += len(spans)
        counts = naive_patterns(codings, maps, base, coder_ids, codes)
        for code in codes:
            presence_agreement(np.arange(2 ** len(coder_ids)), counts[code], len(coder_ids))
        return counts

    baseline = {}
    for level in (Level.CHARACTER, Level.TURN):
        baseline[level.value] = [ms / 1000 for ms in timed(partial(naive, level), max(1, runs // 2))]
        found = presence(study=study, user=None, level=level, coder_ids=coder_ids, transcript_ids=ids, code_ids=codes)
        expected = naive(level)
        for code in codes:
            patterns, weights = found.of_code(code)
            got = np.zeros(2 ** len(coder_ids), dtype=np.int64)
            got[patterns] = weights
            assert got.tolist() == expected[code].tolist(), (level, code)
        print(f"  baseline {level.value}: median {statistics.median(baseline[level.value]):.3f} s (same pattern counts)",
              file=sys.stderr)  # fmt: skip

    report = agreement_report(study=study, user=None, coders=coders, level=Level.CHARACTER)
    overall = report.all_units.iloc[-1]
    coded = report.coded_units.iloc[-1]
    live = len(agreement_codings(study=study, user=None, coder_ids=coder_ids, transcript_ids=ids, code_ids=codes))
    print(f"database: {database}")
    print(f"study {SLUG}: {len(ids)} transcripts, {words:,} words, {report.all_units['units'].iloc[0]:,} characters, "
          f"{len(codes)} codes, {len(coders)} coders, {live:,} codings")  # fmt: skip
    print(f"character level overall: percent {overall['percent']:.1f}, Fleiss κ {overall['fleiss_kappa']:.3f}, "
          f"α {overall['krippendorff_alpha']:.3f}; coded units only: percent {coded['percent']:.1f}, "
          f"Fleiss κ {coded['fleiss_kappa']:.3f}, α {coded['krippendorff_alpha']:.3f}")  # fmt: skip
    for name, values in seconds.items():
        print(f"agreement_report {name}: median {statistics.median(values):.3f} s, p95 {p95(values):.3f} s")
    for name, values in baseline.items():
        print(f"baseline {name} (one boolean per unit and coder): median {statistics.median(values):.3f} s")
    last = {f"{name}_s": statistics.median(values) for name, values in seconds.items()}
    last |= {f"baseline_{name}_s": statistics.median(values) for name, values in baseline.items()}
    print(" ".join(f"{name}={value:.3f}" for name, value in last.items()) + f" codings={live}")


if __name__ == "__main__":
    started = time.perf_counter()
    main()
    print(f"(took {time.perf_counter() - started:.0f} s)", file=sys.stderr)
