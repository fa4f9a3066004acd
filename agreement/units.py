"""The units agreement is computed on, and for each code which coders coded each unit.

For one code and k coders every unit gets a presence pattern, an integer whose bit c is set when
coder c coded the unit. Four unit levels:

- character: every code point of the chosen transcripts is a unit, coded by a coder when one of
  their codings of the code covers it;
- sentence (from assist's stored sentences) and turn (`interviews.SpeakerTurn`): a unit is coded
  by a coder when one of their codings of the code overlaps it by at least one code point;
- document: a transcript is coded by a coder when they coded the code anywhere in it.

Nothing is built per unit. At character level the patterns change only at coding endpoints, so
the text is cut at every endpoint into elementary segments whose lengths are the weights (a
corpus of millions of characters is a few segments per coding). At the other levels a coding is
first turned into the range of unit indexes it overlaps (two binary searches), and the same
sweep runs over unit indexes. The sweep is done for all codes at once: endpoints sorted by
(code, position), a running sum per coder, one row per segment. Units no coder coded are not
listed: their number is what is left of the total, pattern 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from django.db.models import F
from django.db.models.functions import Length

from assist.models import TextAnalysis
from assist.selectors import pipeline_version
from coding.selectors.agreement import agreement_codings
from coding.selectors.analysis import integer_frame
from interviews.models import SpeakerTurn, Transcript
from studies.models import Study

IntArray = npt.NDArray[np.int64]
# Patterns are bits of an int64 that also holds the code's index.
MAX_CODERS = 40


class Level(StrEnum):
    CHARACTER = "char"
    SENTENCE = "sentence"
    TURN = "turn"
    DOCUMENT = "document"

    @property
    def unit_name(self) -> str:
        return {"char": "characters", "sentence": "sentences", "turn": "turns", "document": "documents"}[self.value]


class UnitsUnavailable(Exception):
    """The chosen level has no units for some transcripts (sentences not computed yet)."""


@dataclass(frozen=True)
class Swept:
    """Pattern counts by group: `weight[i]` units of `group[i]` show `pattern[i]` (never 0), sorted
    by group then pattern."""

    group: IntArray
    pattern: IntArray
    weight: IntArray


@dataclass(frozen=True)
class Presence:
    """Which coders coded which units, per code, as pattern counts.

    `swept` has, for the code at each index of `code_ids`, every pattern other than 0 with the number
    of units showing it; each code has `total` units, so pattern 0 (nobody coded) has the rest.
    """

    level: Level
    coder_ids: tuple[int, ...]  # bit c of a pattern is coder_ids[c]
    code_ids: tuple[int, ...]
    total: int
    swept: Swept

    def of_code(self, code_id: int | None, *, exclude_uncoded: bool = False) -> tuple[IntArray, IntArray]:
        """(patterns, weights) of one code, or pooled over every code when `code_id` is None: then
        each (unit, code) pair is a unit, so there are `total` × codes of them."""
        if code_id is None:
            patterns, inverse = np.unique(self.swept.pattern, return_inverse=True)
            weights = np.bincount(inverse, weights=self.swept.weight, minlength=len(patterns)).astype(np.int64)
            units = self.total * len(self.code_ids)
        else:
            i = self.code_ids.index(code_id)
            lo, hi = np.searchsorted(self.swept.group, [i, i + 1])
            patterns, weights, units = self.swept.pattern[lo:hi], self.swept.weight[lo:hi], self.total
        if exclude_uncoded:
            return patterns, weights
        return np.concatenate([[0], patterns]), np.concatenate([[units - int(weights.sum())], weights])


def positions(labels: Sequence[int], values: pd.Series) -> IntArray:
    """Where each of `values` is in `labels` (-1 where it is not)."""
    return pd.Index(list(labels)).get_indexer(pd.Index(values)).astype(np.int64)


def sweep(groups: IntArray, starts: IntArray, ends: IntArray, coders: IntArray, k: int) -> Swept:
    """Pattern counts of the intervals [starts, ends) of `coders` (column indexes < k) within each
    group (a small integer). Positions are any integers (code points or unit indexes); overlapping
    intervals of one coder count once."""
    if k > MAX_CODERS:
        raise ValueError(f"Agreement is computed for at most {MAX_CODERS} coders at once.")
    keep = ends > starts
    groups, starts, ends, coders = groups[keep], starts[keep], ends[keep], coders[keep]
    n = len(starts)
    group = np.concatenate([groups, groups])
    position = np.concatenate([starts, ends])
    order = np.lexsort((position, group))
    group, position = group[order], position[order]
    deltas = np.zeros((2 * n, k), dtype=np.int32)
    deltas[np.arange(2 * n), np.concatenate([coders, coders])] = np.repeat(np.array([1, -1], dtype=np.int32), n)
    # Every interval opens and closes in its group, so the running sum over all groups is back at 0
    # between groups: no reset needed.
    covered = np.cumsum(deltas[order], axis=0) > 0
    pattern = covered @ (np.int64(1) << np.arange(k, dtype=np.int64))
    weight = np.zeros(2 * n, dtype=np.int64)
    if n:
        same = group[1:] == group[:-1]
        weight[:-1] = np.where(same, position[1:] - position[:-1], 0)
    useful = (pattern > 0) & (weight > 0)
    # One key per (group, pattern), summed: the unique keys come sorted by group, then pattern.
    keys, inverse = np.unique((group[useful] << k) | pattern[useful], return_inverse=True)
    totals = np.bincount(inverse, weights=weight[useful], minlength=len(keys)).astype(np.int64)
    return Swept(group=keys >> k, pattern=keys & ((1 << k) - 1), weight=totals)


def _offsets(lengths: IntArray) -> IntArray:
    """Where each transcript starts when the transcripts are laid end to end, one apart."""
    return np.concatenate([[0], np.cumsum(lengths + 1)[:-1]]).astype(np.int64)


def _unit_line(units: pd.DataFrame, transcript_ids: Sequence[int], offset: IntArray) -> tuple[IntArray, IntArray]:
    """The global starts and ends of the units (transcript_id, start, end), in order along the line
    of `_offsets`, empty units left out (they cannot be coded)."""
    where = positions(transcript_ids, units["transcript_id"])
    starts = offset[where] + units["start"].to_numpy(np.int64)
    ends = offset[where] + units["end"].to_numpy(np.int64)
    keep = ends > starts
    order = np.argsort(starts[keep], kind="stable")
    return starts[keep][order], ends[keep][order]


def _turns(transcript_ids: Sequence[int]) -> pd.DataFrame:
    queryset = SpeakerTurn.objects.filter(transcript_id__in=list(transcript_ids)).order_by()
    return integer_frame(queryset.values_list("transcript_id", "start", "end"), ("transcript_id", "start", "end"))


def _sentences(transcript_ids: Sequence[int], titles: dict[int, str]) -> pd.DataFrame:
    """The current stored sentences of the transcripts (one query); a transcript without them
    (never processed, or corrected since) stops the computation: leaving its text out would
    change the figures silently."""
    stored = dict(
        TextAnalysis.objects.filter(
            transcript_id__in=list(transcript_ids),
            text_version=F("transcript__text_version"),
            pipeline_version=pipeline_version(),
        ).values_list("transcript_id", "sentences")
    )
    missing = [titles[t] for t in transcript_ids if t not in stored]
    if missing:
        raise UnitsUnavailable(
            f"{len(missing)} document(s) have no sentences yet ({', '.join(missing[:5])}"
            f"{', …' if len(missing) > 5 else ''}): run `manage.py process_nlp --stale` first."
        )
    spans = [np.asarray(stored[t], dtype=np.int64).reshape(-1, 2) for t in transcript_ids]
    owner = np.repeat(np.asarray(transcript_ids, dtype=np.int64), [len(s) for s in spans])
    flat = np.concatenate(spans) if spans else np.zeros((0, 2), dtype=np.int64)
    return pd.DataFrame({"transcript_id": owner, "start": flat[:, 0], "end": flat[:, 1]})


def presence(
    *,
    study: Study,
    user: Any,
    level: Level,
    coder_ids: Sequence[int],
    transcript_ids: Sequence[int],
    code_ids: Sequence[int],
) -> Presence:
    """Presence patterns of `code_ids` by `coder_ids` over `transcript_ids` at `level`: a fixed
    number of queries (the transcripts' lengths or units, and the codings)."""
    transcripts = list(
        Transcript.objects.filter(study=study, pk__in=list(transcript_ids))
        .order_by("pk")
        .annotate(length=Length("text"))
        .values_list("pk", "length", "title")
    )
    ids = [pk for pk, _, _ in transcripts]
    spans = agreement_codings(study=study, user=user, coder_ids=coder_ids, transcript_ids=ids, code_ids=code_ids)
    return presence_of(
        level=level,
        spans=spans,
        coder_ids=coder_ids,
        code_ids=code_ids,
        lengths={pk: length for pk, length, _ in transcripts},
        units=_level_units(level, ids, {pk: title for pk, _, title in transcripts}),
    )


def _level_units(level: Level, ids: list[int], titles: dict[int, str]) -> pd.DataFrame | None:
    if level is Level.TURN:
        return _turns(ids)
    if level is Level.SENTENCE:
        return _sentences(ids, titles)
    return None


def presence_of(
    *,
    level: Level,
    spans: pd.DataFrame,
    coder_ids: Sequence[int],
    code_ids: Sequence[int],
    lengths: dict[int, int],
    units: pd.DataFrame | None = None,
) -> Presence:
    """`presence` on data already read: `spans`, codings as `agreement_codings` gives them, each
    transcript's length in code points, and at sentence and turn level the units
    (transcript_id, start, end)."""
    transcript_ids = sorted(lengths)
    codings = spans[
        spans["coder_id"].isin(coder_ids)
        & spans["code_id"].isin(code_ids)
        & spans["transcript_id"].isin(transcript_ids)
    ]
    where = positions(transcript_ids, codings["transcript_id"])
    start = codings["start"].to_numpy(np.int64)
    end = codings["end"].to_numpy(np.int64)
    length = np.array([lengths[t] for t in transcript_ids], dtype=np.int64)
    offset = _offsets(length)
    # Live codings lie inside their text; clipping only guards against a text shorter than its codings.
    lo = offset[where] + np.minimum(start, length[where])
    hi = offset[where] + np.minimum(end, length[where])
    if level is Level.CHARACTER:
        total = int(length.sum())
    elif level is Level.DOCUMENT:
        lo, hi = where.astype(np.int64), where.astype(np.int64) + 1
        total = len(transcript_ids)
    else:
        if units is None:
            raise ValueError(f"{level.unit_name} need their units")
        unit_starts, unit_ends = _unit_line(units, transcript_ids, offset)
        # Units overlapping [s, e): from the first whose end is past s to the last that starts before e
        # (units of a level do not overlap, so their ends are in order too).
        lo, hi = np.searchsorted(unit_ends, lo, side="right"), np.searchsorted(unit_starts, hi, side="left")
        total = len(unit_starts)
    code_index = positions(code_ids, codings["code_id"])
    coder_index = positions(coder_ids, codings["coder_id"])
    swept = sweep(code_index, lo.astype(np.int64), hi.astype(np.int64), coder_index, len(coder_ids))
    return Presence(level=level, coder_ids=tuple(coder_ids), code_ids=tuple(code_ids), total=total, swept=swept)
