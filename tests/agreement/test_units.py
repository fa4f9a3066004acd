"""Unit construction: the sweep against per-character and per-unit loops, and a tiny study built
through `coding.services` at each level."""

from __future__ import annotations

import itertools
import random

import krippendorff
import numpy as np
import pandas as pd
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from sklearn.metrics import cohen_kappa_score

from agreement import units
from agreement.stats import presence_agreement
from agreement.units import Level, UnitsUnavailable
from assist.models import TextAnalysis
from assist.selectors import pipeline_version
from coding.models import Code
from coding.services.codings import apply_coding
from interviews.models import SpeakerTurn, Transcript
from tests.coding.helpers import make_transcript

from .conftest import SECOND, Tiny

pytestmark = pytest.mark.django_db

# --- the sweep on generated data, against naive loops -------------------------------------------


def _naive_units(level: Level, codings: pd.DataFrame, lengths: dict[int, int], unit_frame: pd.DataFrame | None,
                 coders: list[int], code: int) -> np.ndarray:  # fmt: skip
    """Units × coders presence by loops: one boolean per character, unit or document."""
    columns = []
    for coder in coders:
        mine = codings[(codings["coder_id"] == coder) & (codings["code_id"] == code)]
        if level is Level.CHARACTER:
            parts = []
            for t, n in sorted(lengths.items()):
                marks = np.zeros(n, dtype=bool)
                for _, row in mine[mine["transcript_id"] == t].iterrows():
                    marks[row["start"] : row["end"]] = True
                parts.append(marks)
            columns.append(np.concatenate(parts))
        elif level is Level.DOCUMENT:
            columns.append(np.array([(mine["transcript_id"] == t).any() for t in sorted(lengths)]))
        else:
            assert unit_frame is not None
            flags = []
            for t in sorted(lengths):
                for _, unit in unit_frame[unit_frame["transcript_id"] == t].sort_values("start").iterrows():
                    if unit["end"] <= unit["start"]:
                        continue
                    here = mine[mine["transcript_id"] == t]
                    flags.append(bool(((here["start"] < unit["end"]) & (here["end"] > unit["start"])).any()))
            columns.append(np.array(flags, dtype=bool))
    return np.column_stack(columns).astype(float)


def _generated(seed: int) -> tuple[pd.DataFrame, dict[int, int], pd.DataFrame]:
    rng = random.Random(seed)
    lengths = {t: rng.randint(50, 400) for t in (3, 7, 11)}
    rows = []
    for _ in range(60):
        t = rng.choice(list(lengths))
        start = rng.randrange(0, lengths[t] - 1)
        rows.append((t, rng.choice([1, 2, 3]), rng.choice([10, 20, 30]), start, rng.randint(start + 1, lengths[t])))
    codings = pd.DataFrame(rows, columns=["transcript_id", "code_id", "coder_id", "start", "end"])
    unit_rows = []
    for t, n in lengths.items():
        cuts = sorted(rng.sample(range(1, n), 8))
        bounds = [0, *cuts, n]
        # Units with a gap of one character between them (as turns have), and an empty one.
        unit_rows += [(t, a, max(a, b - 1)) for a, b in itertools.pairwise(bounds)]
    return codings, lengths, pd.DataFrame(unit_rows, columns=["transcript_id", "start", "end"])


@pytest.mark.parametrize("level", list(Level))
@pytest.mark.parametrize("seed", range(5))
def test_patterns_match_naive_loops(level: Level, seed: int) -> None:
    codings, lengths, unit_frame = _generated(seed)
    coders, codes = [10, 20, 30], [1, 2, 3, 4]
    found = units.presence_of(level=level, spans=codings, coder_ids=coders, code_ids=codes, lengths=lengths,
                              units=unit_frame)  # fmt: skip
    for code in codes:
        naive = _naive_units(level, codings, lengths, unit_frame, coders, code)
        assert found.total == len(naive)
        patterns, weights = found.of_code(code)
        expected_patterns = (naive.astype(int) << np.arange(3)).sum(axis=1)
        counts = np.bincount(expected_patterns, minlength=8)
        got = np.zeros(8, dtype=np.int64)
        got[patterns] = weights
        assert got.tolist() == counts.tolist()
        coded, coded_weights = found.of_code(code, exclude_uncoded=True)
        assert 0 not in coded.tolist()
        assert coded_weights.sum() == (expected_patterns > 0).sum()
        figures = presence_agreement(patterns, weights, 3)
        if (naive.std(axis=0) > 0).any():
            alpha = krippendorff.alpha(reliability_data=naive.T, level_of_measurement="nominal")
            assert figures.krippendorff_alpha == pytest.approx(alpha, abs=1e-9)
        else:
            assert figures.krippendorff_alpha is None


def test_pooled_overall_counts_each_unit_and_code_pair() -> None:
    codings, lengths, unit_frame = _generated(1)
    found = units.presence_of(level=Level.TURN, spans=codings, coder_ids=[10, 20], code_ids=[1, 2, 3],
                              lengths=lengths, units=unit_frame)  # fmt: skip
    patterns, weights = found.of_code(None)
    assert weights.sum() == 3 * found.total
    per_code = np.sum([np.bincount(*found.of_code(c), minlength=4) for c in (1, 2, 3)], axis=0)
    assert np.bincount(patterns, weights=weights, minlength=4).tolist() == per_code.tolist()


def test_the_sweep_counts_a_coders_overlapping_codings_once() -> None:
    found = units.sweep(np.array([0, 0, 0]), np.array([0, 5, 20]), np.array([10, 15, 30]), np.array([0, 0, 1]), 2)
    assert (found.group.tolist(), found.pattern.tolist(), found.weight.tolist()) == ([0, 0], [1, 2], [15, 10])


# --- a tiny study through the services ----------------------------------------------------------


def _presence(tiny: Tiny, level: Level, coders: tuple[str, ...] = ("alice", "bob")) -> units.Presence:
    return units.presence(
        study=tiny.study,
        user=None,
        level=level,
        coder_ids=[u.pk for u in tiny.users(*coders)],
        transcript_ids=list(Transcript.objects.filter(study=tiny.study).values_list("pk", flat=True)),
        code_ids=[tiny.trust.pk, tiny.risk.pk, tiny.unused.pk],
    )


def _by_pattern(found: units.Presence, code: Code) -> dict[int, int]:
    patterns, weights = found.of_code(code.pk)
    return {int(p): int(w) for p, w in zip(patterns, weights, strict=True) if w}


def test_character_level(tiny: Tiny) -> None:
    found = _presence(tiny, Level.CHARACTER)
    first, second = tiny.first, tiny.second
    total = len(first.text) + len(second.text)
    assert found.total == total
    # Trust: alice alone on [0, 5), both on [5, 10), bob alone on [10, 15).
    assert _by_pattern(found, tiny.trust) == {0: total - 15, 1: 5, 3: 5, 2: 5}
    assert _by_pattern(found, tiny.risk) == {0: total - 25, 1: 5, 3: 5, 2: 15}
    assert _by_pattern(found, tiny.unused) == {0: total}
    # Against scikit-learn on one boolean per character of Trust.
    a = np.zeros(total)
    b = np.zeros(total)
    a[0:10], b[5:15] = 1, 1
    figures = presence_agreement(*found.of_code(tiny.trust.pk), 2)
    assert figures.cohen_kappa == pytest.approx(cohen_kappa_score(a, b), abs=1e-12)
    coded = presence_agreement(*found.of_code(tiny.trust.pk, exclude_uncoded=True), 2)
    assert coded.units == 15
    assert coded.percent == pytest.approx(5 / 15)


def test_turn_level(tiny: Tiny) -> None:
    found = _presence(tiny, Level.TURN)
    spans = list(SpeakerTurn.objects.filter(transcript__study=tiny.study).order_by("transcript_id", "index")
                 .values_list("start", "end"))  # fmt: skip
    # The speaker labels are outside the turns: "Interviewer: " is [0, 13).
    assert spans == [(13, 34), (40, 88), (103, 107), (113, 143), (13, 29), (35, 80)]
    assert found.total == 6
    # Trust: alice's [0, 10) lies in the label, bob's [5, 15) overlaps the first turn.
    assert _by_pattern(found, tiny.trust) == {0: 5, 2: 1}
    # Risk: alice's [35, 45) and bob's [40, 60) both in the second document's second turn.
    assert _by_pattern(found, tiny.risk) == {0: 5, 3: 1}
    assert _by_pattern(found, tiny.unused) == {0: 6}


def test_sentence_level_needs_sentences(tiny: Tiny) -> None:
    with pytest.raises(UnitsUnavailable, match="2 document"):
        _presence(tiny, Level.SENTENCE)
    first, second = tiny.first, tiny.second
    TextAnalysis.objects.create(transcript=first, text_version=first.text_version, pipeline_version=pipeline_version(),
                                sentences=[[0, 8], [8, 12], [12, 40]])  # fmt: skip
    TextAnalysis.objects.create(transcript=second, text_version=second.text_version,
                                pipeline_version=pipeline_version(), sentences=[[0, 30], [31, 50], [50, 70]])  # fmt: skip
    found = _presence(tiny, Level.SENTENCE)
    assert found.total == 6
    # Trust: alice [0, 10) covers sentences 1-2, bob [5, 15) sentences 1-3.
    assert _by_pattern(found, tiny.trust) == {0: 3, 3: 2, 2: 1}
    # Risk: alice [35, 45) sentence 5; bob [40, 60) sentences 5-6.
    assert _by_pattern(found, tiny.risk) == {0: 4, 3: 1, 2: 1}


def test_document_level_and_three_coders(tiny: Tiny) -> None:
    found = _presence(tiny, Level.DOCUMENT, ("alice", "bob", "carol"))
    assert found.total == 2
    assert _by_pattern(found, tiny.trust) == {0: 1, 3: 1}
    assert _by_pattern(found, tiny.risk) == {0: 1, 7: 1}
    # Every coder coded Risk in the one document anyone coded it in: perfect agreement, κ 0/0.
    coded = presence_agreement(*found.of_code(tiny.risk.pk, exclude_uncoded=True), 3)
    assert (coded.percent, coded.fleiss_kappa, coded.krippendorff_alpha) == (1.0, None, None)


def test_presence_reads_in_a_fixed_number_of_queries(tiny: Tiny) -> None:
    with CaptureQueriesContext(connection) as few:
        _presence(tiny, Level.TURN)
    more = make_transcript(tiny.study, SECOND * 3, name="p3.txt")
    for i in range(5):
        apply_coding(transcript=more, code=tiny.trust, start=10 * i, end=10 * i + 5, coder=tiny.alice)
    with CaptureQueriesContext(connection) as many:
        _presence(tiny, Level.TURN)
    # The helper's list of transcripts, then lengths, codings and turns (on PostgreSQL the codings and
    # turns are read on the raw connection, which Django does not capture).
    assert len(few) == len(many) == (2 if connection.vendor == "postgresql" else 4)
