"""Analytics of a study's codes and themes as pandas DataFrames: the pages and the downloads use them.

- `cooccurrence`: code × code, in three modes (codings that overlap, the very same span, the same
  speaker turn), as counts or Jaccard-normalised;
- `crosstab`: codes or themes × a participant attribute, counting codings or participants;
- `frequencies`: codes × transcripts or × participants;
- `saturation`: new codes per successive transcript in interview order, and the running total;
- `thematic_map`: themes, their codes and the codes' co-occurrence links, as nodes and edges.

Each reads the study's visible live codings once through `coding.selectors.analysis` (integer arrays,
one query) and computes with numpy/pandas, never a Python loop over codings: at 1,000,000 codings
(`bench/analysis_bench.py`) a loop alone would take longer than the page may.

What a "co-occurrence" counts, for a pair of different codes A and B:
- `overlap`: pairs of codings, one of A and one of B, in the same transcript whose spans share at
  least one character (touching spans do not); the diagonal is the number of codings of the code;
- `span`: distinct spans (transcript, start, end) coded with both A and B; the diagonal is the number
  of distinct spans coded with the code;
- `turn`: speaker turns in which both A and B are coded (a coding counts in every turn it overlaps);
  the diagonal is the number of turns with the code.
Jaccard is n(A∩B) / (n(A) + n(B) − n(A∩B)) with the diagonal as n(·) for spans and turns: the
Jaccard index of the two sets of units. Overlap mode counts pairs, which are no set (two codings of
A and two of B all overlapping make 4 pairs of 2 + 2 codings), so there Jaccard is taken on distinct
codings: (codings of A overlapping some B + codings of B overlapping some A) / (codings of A + codings
of B), in [0, 1] (`overlap_jaccard`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse

from coding.selectors import codebook_tree
from coding.selectors.analysis import code_transcript_counts, coding_rows, integer_frame
from interviews.models import Attribute, AttributeValue, Participant, SpeakerTurn, Transcript, TranscriptMode
from interviews.ordering import natural_key
from studies.models import Study

MODES = ("overlap", "span", "turn")
NORMALISATIONS = (None, "jaccard")
ROWS = ("code", "theme")
MEASURES = ("codings", "participants")
FREQUENCY_BY = ("transcript", "participant")
NO_VALUE = "(no value)"
NO_PARTICIPANT = "(no participant)"
# Codings processed at a time when enumerating overlapping pairs (bounds the memory of the pairs).
PAIR_CHUNK = 200_000


# --- the codebook as axes ------------------------------------------------------------------------


@dataclass
class CodeAxis:
    """The live codes of a study in codebook (tree) order, with unique labels for a matrix's axes."""

    ids: list[int]
    labels: list[str]
    uuids: list[str]
    colours: list[str]
    counts: list[int]
    position: dict[int, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.position = {pk: i for i, pk in enumerate(self.ids)}

    def subset(self, ids: list[int]) -> CodeAxis:
        keep = [self.position[pk] for pk in ids if pk in self.position]
        return CodeAxis(
            ids=[self.ids[i] for i in keep],
            labels=[self.labels[i] for i in keep],
            uuids=[self.uuids[i] for i in keep],
            colours=[self.colours[i] for i in keep],
            counts=[self.counts[i] for i in keep],
        )


def code_axis(*, study: Study, user: Any, counts: bool = False) -> CodeAxis:
    """The study's live codes in tree order (with their visible codings counted if `counts`: the
    analyses that read the codings anyway count them from what they read). Two codes may share a name
    under different parents: those are labelled "name (parent)", so a matrix's labels stay unique (and
    a CSV's columns unambiguous)."""
    rows = codebook_tree(study=study, user=user, counts=counts)
    names = {row.code.pk: row.code.name for row in rows}
    seen: dict[str, int] = {}
    for row in rows:
        seen[row.code.name] = seen.get(row.code.name, 0) + 1
    labels: list[str] = []
    used: set[str] = set()
    for row in rows:
        label = row.code.name
        if seen[label] > 1 and row.code.parent_id in names:
            label = f"{label} ({names[row.code.parent_id]})"
        base, n = label, 2
        while label in used:
            label, n = f"{base} #{n}", n + 1
        used.add(label)
        labels.append(label)
    return CodeAxis(
        ids=[row.code.pk for row in rows],
        labels=labels,
        uuids=[str(row.code.uuid) for row in rows],
        colours=[row.code.colour for row in rows],
        counts=[row.count for row in rows],
    )


def top_codes(axis: CodeAxis, limit: int | None) -> CodeAxis:
    """The `limit` most-used codes (ties by codebook order), kept in codebook order; all if None."""
    if limit is None or limit >= len(axis.ids):
        return axis
    order = sorted(range(len(axis.ids)), key=lambda i: (-axis.counts[i], i))[:limit]
    return axis.subset([axis.ids[i] for i in sorted(order)])


# --- co-occurrence -------------------------------------------------------------------------------


def _incidence_product(units: np.ndarray, codes: np.ndarray, size: int) -> np.ndarray:
    """XᵀX for the 0/1 matrix X (unit × code) given as (unit, code) pairs, duplicates allowed:
    entry (a, b) is the number of units holding both a and b, the diagonal each code's units."""
    if len(units) == 0:
        return np.zeros((size, size), dtype=np.int64)
    _, unit_index = np.unique(units, return_inverse=True)
    matrix = sparse.csr_matrix(
        (np.ones(len(codes), dtype=np.int64), (unit_index, codes)), shape=(int(unit_index.max()) + 1, size)
    )
    matrix.data[:] = 1  # duplicates were summed: presence, not count
    return np.asarray((matrix.T @ matrix).todense(), dtype=np.int64)


def overlap_counts(
    transcript: np.ndarray, start: np.ndarray, end: np.ndarray, code: np.ndarray, size: int
) -> np.ndarray:
    """Pairs of overlapping codings by code (`code` holds positions 0..size-1), diagonal = codings.

    Sorted by (transcript, start), coding j after coding i overlaps it exactly when it starts before
    i ends, so i's partners are the run j = i+1 … k(i)-1 with k(i) found by binary search; the runs
    are expanded and counted with bincount, a chunk of codings at a time."""
    counts = np.zeros(size * size, dtype=np.int64)
    n = len(code)
    if n:
        span = int(max(end.max(), start.max())) + 1
        key = transcript.astype(np.int64) * span
        order = np.lexsort((start, key))
        starts = (key + start)[order]
        ends = (key + end)[order]
        codes = code[order].astype(np.int64)
        rows = codes * size  # the pair (a, b) is bin a * size + b
        stop = np.searchsorted(starts, ends, side="left")  # first coding starting at/after i's end
        for lo in range(0, n, PAIR_CHUNK):
            hi = min(n, lo + PAIR_CHUNK)
            first = np.arange(lo + 1, hi + 1, dtype=np.int64)  # each coding's first possible partner
            lengths = stop[lo:hi] - first
            total = int(lengths.sum())
            if total == 0:
                continue
            # Partners j: first(i) + 0, 1, … lengths(i)-1, for every i of the chunk, as one array.
            j = np.arange(total, dtype=np.int64) + np.repeat(first - (np.cumsum(lengths) - lengths), lengths)
            # Pairs of one code land on the diagonal, which is overwritten below.
            counts += np.bincount(np.repeat(rows[lo:hi], lengths) + codes[j], minlength=size * size)
    matrix = counts.reshape(size, size)
    matrix = matrix + matrix.T
    np.fill_diagonal(matrix, np.bincount(code.astype(np.int64), minlength=size))
    return matrix


def overlapping_codings(
    transcript: np.ndarray, start: np.ndarray, end: np.ndarray, code: np.ndarray, size: int
) -> np.ndarray:
    """Entry (a, b), a ≠ b: codings of code a overlapping at least one coding of code b (each coding
    counted once however many it overlaps); diagonal = codings of the code. The distinct units
    overlap-mode Jaccard is computed on (`overlap_jaccard`). Same run search as `overlap_counts`."""
    n = len(code)
    matrix = np.zeros((size, size), dtype=np.int64)
    if n == 0:
        return matrix
    span = int(max(end.max(), start.max())) + 1
    key = transcript.astype(np.int64) * span
    order = np.lexsort((start, key))
    starts = (key + start)[order]
    ends = (key + end)[order]
    codes = code[order].astype(np.int64)
    stop = np.searchsorted(starts, ends, side="left")
    keys: list[np.ndarray] = []
    for lo in range(0, n, PAIR_CHUNK):
        hi = min(n, lo + PAIR_CHUNK)
        first = np.arange(lo + 1, hi + 1, dtype=np.int64)
        lengths = stop[lo:hi] - first
        total = int(lengths.sum())
        if total == 0:
            continue
        j = np.arange(total, dtype=np.int64) + np.repeat(first - (np.cumsum(lengths) - lengths), lengths)
        i = np.repeat(np.arange(lo, hi, dtype=np.int64), lengths)
        other = codes[i] != codes[j]
        i, j = i[other], j[other]
        # Both directions: i overlaps some coding of j's code, and j some coding of i's code.
        keys.append(np.unique(np.concatenate([i * size + codes[j], j * size + codes[i]])))
    if keys:
        distinct = np.unique(np.concatenate(keys))
        owner = distinct // size
        matrix += np.bincount(codes[owner] * size + distinct % size, minlength=size * size).reshape(size, size)
    np.fill_diagonal(matrix, np.bincount(codes, minlength=size))
    return matrix


def overlap_jaccard(overlapping: np.ndarray) -> np.ndarray:
    """Jaccard for overlap mode, on distinct codings: |A∩B| is the number of codings of A or B that
    overlap some coding of the other code, |A∪B| the number of codings of A or B, so the value is
    (m(A,B) + m(B,A)) / (n(A) + n(B)) with `overlapping_codings` m, always in [0, 1]: 1 when every
    coding of each overlaps the other code, 0 when none does; the diagonal is 1 for a used code."""
    diagonal = np.diag(overlapping).astype(np.float64)
    union = diagonal[:, None] + diagonal[None, :]
    shared = (overlapping + overlapping.T).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        result = np.where(union > 0, shared / union, 0.0)
    np.fill_diagonal(result, np.where(diagonal > 0, 1.0, 0.0))
    return np.round(result, 4)


def span_counts(transcript: np.ndarray, start: np.ndarray, end: np.ndarray, code: np.ndarray, size: int) -> np.ndarray:
    """Distinct spans (transcript, start, end) holding both codes; diagonal = a code's distinct spans."""
    if len(code) == 0:
        return np.zeros((size, size), dtype=np.int64)
    order = np.lexsort((end, start, transcript))
    t, s, e = transcript[order], start[order], end[order]
    new_unit = np.ones(len(order), dtype=bool)
    new_unit[1:] = (t[1:] != t[:-1]) | (s[1:] != s[:-1]) | (e[1:] != e[:-1])
    return _incidence_product(np.cumsum(new_unit), code[order], size)


def turn_counts(
    transcript: np.ndarray, start: np.ndarray, end: np.ndarray, code: np.ndarray, size: int, turns: pd.DataFrame
) -> np.ndarray:
    """Speaker turns holding both codes (a coding is in every turn it overlaps); diagonal = a code's turns.
    `turns` has transcript_id, start, end of every turn of the study."""
    if len(code) == 0 or turns.empty:
        return np.zeros((size, size), dtype=np.int64)
    span = int(max(end.max(), turns["end"].max())) + 1
    turns = turns.sort_values(["transcript_id", "start"])
    turn_key = turns["transcript_id"].to_numpy(np.int64) * span
    turn_starts = turn_key + turns["start"].to_numpy(np.int64)
    turn_ends = turn_key + turns["end"].to_numpy(np.int64)
    key = transcript.astype(np.int64) * span
    # Turns are disjoint and in text order: the first turn ending after the coding's start, up to the
    # last turn starting before its end.
    first = np.searchsorted(turn_ends, key + start, side="right")
    last = np.searchsorted(turn_starts, key + end, side="left") - 1
    lengths = np.maximum(last - first + 1, 0)
    total = int(lengths.sum())
    owner = np.repeat(np.arange(len(code)), lengths)
    offsets = np.arange(total) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    unit = np.repeat(first, lengths) + offsets
    return _incidence_product(unit, code[owner].astype(np.int64), size)


def jaccard(counts: np.ndarray) -> np.ndarray:
    """n(A∩B) / (n(A) + n(B) − n(A∩B)) from a co-occurrence matrix whose diagonal holds n(·); 0 where
    both codes are unused. Right for spans and turns (sets of units); overlap mode counts pairs, which
    are not units of a set, so it uses `overlap_jaccard` instead."""
    diagonal = np.diag(counts).astype(np.float64)
    union = diagonal[:, None] + diagonal[None, :] - counts
    with np.errstate(divide="ignore", invalid="ignore"):
        result = np.where(union > 0, counts / union, 0.0)
    return np.round(result, 4)


def cooccurrence(
    study: Study,
    user: Any,
    mode: str = "overlap",
    normalise: str | None = None,
    *,
    codes: list[int] | None = None,
    limit: int | None = None,
) -> pd.DataFrame:
    """Code × code co-occurrence (see the module's docstring for what each mode counts), labelled by
    code; `codes` narrows to some code ids, `limit` to the most-used codes. `frame.attrs` carries the
    codes' ids, uuids and colours (for links and charts)."""
    if mode not in MODES:
        raise ValueError(f"Unknown co-occurrence mode {mode!r}.")
    if normalise not in NORMALISATIONS:
        raise ValueError(f"Unknown normalisation {normalise!r}.")
    axis = code_axis(study=study, user=user)
    if codes is not None:
        axis = axis.subset(codes)
    rows = coding_rows(study=study, user=user, code_ids=axis.ids)
    # Each code's codings, from the rows read (no count query of its own), then the most used codes.
    position = rows["code_id"].map(axis.position).to_numpy(np.int64)
    axis.counts = np.bincount(position, minlength=len(axis.ids)).tolist()
    chosen = top_codes(axis, limit)
    if len(chosen.ids) < len(axis.ids):
        rows = rows[rows["code_id"].isin(chosen.ids)]
    axis, size = chosen, len(chosen.ids)
    transcript = rows["transcript_id"].to_numpy(np.int64)
    start, end = rows["start"].to_numpy(np.int64), rows["end"].to_numpy(np.int64)
    code = rows["code_id"].map(axis.position).to_numpy(np.int64)
    if mode == "overlap":
        counts = overlap_counts(transcript, start, end, code, size)
    elif mode == "span":
        counts = span_counts(transcript, start, end, code, size)
    else:
        turns = integer_frame(
            SpeakerTurn.objects.filter(transcript__study=study).order_by().values_list("transcript_id", "start", "end"),
            ("transcript_id", "start", "end"),
        )
        counts = turn_counts(transcript, start, end, code, size, turns)
    values: np.ndarray = counts
    if normalise == "jaccard":
        values = (
            overlap_jaccard(overlapping_codings(transcript, start, end, code, size))
            if mode == "overlap"
            else jaccard(counts)
        )
    frame = pd.DataFrame(values, index=pd.Index(axis.labels, name="code"), columns=axis.labels)
    frame.attrs.update(mode=mode, normalise=normalise, code_ids=axis.ids, code_uuids=axis.uuids, colours=axis.colours)
    return frame


# --- themes --------------------------------------------------------------------------------------


@dataclass
class ThemeAxis:
    """Live themes in tree order (parents before children), with each theme's codes at any depth."""

    ids: list[int]
    labels: list[str]
    uuids: list[str]
    parents: list[int | None]
    depths: list[int]
    statuses: list[str]
    own_codes: dict[int, list[int]]
    all_codes: dict[int, set[int]]


def theme_axis(*, study: Study) -> ThemeAxis:
    """The study's live themes in tree order; `all_codes` of a theme includes its sub-themes' codes
    (an overarching theme is about everything under it). Two queries."""
    from coding.models import Code
    from themes.models import Theme, ThemeCode

    themes = list(Theme.objects.filter(study=study, deleted_at__isnull=True).order_by("order", "id"))
    ids = {t.pk for t in themes}
    live_codes = set(Code.objects.filter(study=study, deleted_at__isnull=True).values_list("pk", flat=True))
    own: dict[int, list[int]] = {t.pk: [] for t in themes}
    for theme_id, code_id in (
        ThemeCode.objects.filter(theme_id__in=ids).order_by("order", "id").values_list("theme_id", "code_id")
    ):
        if code_id in live_codes:
            own[theme_id].append(code_id)
    children: dict[int | None, list[Any]] = {}
    for theme in themes:
        children.setdefault(theme.parent_id if theme.parent_id in ids else None, []).append(theme)
    ordered: list[tuple[Any, int]] = []
    all_codes: dict[int, set[int]] = {}

    def walk(parent: int | None, depth: int, trail: frozenset[int]) -> None:
        for theme in children.get(parent, []):
            if theme.pk in trail:  # a cycle cannot be saved, but never loop on one
                continue
            ordered.append((theme, depth))
            walk(theme.pk, depth + 1, trail | {theme.pk})

    walk(None, 0, frozenset())
    for theme, _ in reversed(ordered):  # children come after their parent: fold them up
        codes = set(own[theme.pk])
        for child in children.get(theme.pk, []):
            codes |= all_codes.get(child.pk, set())
        all_codes[theme.pk] = codes
    return ThemeAxis(
        ids=[t.pk for t, _ in ordered],
        labels=_unique([t.name for t, _ in ordered]),
        uuids=[str(t.uuid) for t, _ in ordered],
        parents=[t.parent_id if t.parent_id in ids else None for t, _ in ordered],
        depths=[d for _, d in ordered],
        statuses=[t.status for t, _ in ordered],
        own_codes=own,
        all_codes=all_codes,
    )


def _unique(labels: list[str]) -> list[str]:
    used: set[str] = set()
    result = []
    for label in labels:
        base, n = label, 2
        while label in used:
            label, n = f"{base} #{n}", n + 1
        used.add(label)
        result.append(label)
    return result


# --- participants and attributes -----------------------------------------------------------------


def transcript_participants(study: Study) -> pd.DataFrame:
    """(transcript_id, participant_id) for every participant linked to a transcript of the study."""
    link = Participant.transcripts.through.objects.filter(transcript__study=study).order_by()
    return integer_frame(link.values_list("transcript_id", "participant_id"), ("transcript_id", "participant_id"))


def attribute_positions(study: Study, spots: pd.DataFrame) -> pd.DataFrame:
    """(transcript_id, start, participant_id) for each (transcript_id, start) of `spots`: the rule of
    `coding.selectors.themes.position_participants` (the speaker of the turn holding the position; a
    document mapping none of its speakers gives its linked participants; otherwise nobody), with
    numpy instead of a loop over positions, for the crosstab's every coding. Two queries."""
    columns = ["transcript_id", "start", "participant_id"]
    if spots.empty:
        return pd.DataFrame(columns=columns, dtype=np.int64)
    turns = pd.DataFrame(
        list(
            SpeakerTurn.objects.filter(transcript__study=study)
            .order_by()
            .values_list("transcript_id", "start", "end", "speaker__participant_id")
        ),
        columns=["transcript_id", "start", "end", "participant_id"],
    )
    turns["participant_id"] = turns["participant_id"].fillna(-1).astype(np.int64)
    tid = spots["transcript_id"].to_numpy(np.int64)
    pos = spots["start"].to_numpy(np.int64)
    speaker = np.full(len(spots), -1, dtype=np.int64)
    if not turns.empty:
        turns = turns.sort_values(["transcript_id", "start"])
        span = int(max(turns["end"].max(), pos.max())) + 1
        turn_tid = turns["transcript_id"].to_numpy(np.int64)
        turn_keys = turn_tid * span + turns["start"].to_numpy(np.int64)
        # The last turn starting at or before the position, if it is this document's and holds it.
        i = np.searchsorted(turn_keys, tid * span + pos, side="right") - 1
        safe = np.maximum(i, 0)
        inside = (i >= 0) & (turn_tid[safe] == tid) & (pos <= turns["end"].to_numpy(np.int64)[safe])
        speaker = np.where(inside, turns["participant_id"].to_numpy(np.int64)[safe], -1)
    mapped = np.isin(tid, turns.loc[turns["participant_id"] >= 0, "transcript_id"].unique())
    by_speaker = pd.DataFrame({"transcript_id": tid, "start": pos, "participant_id": speaker})[speaker >= 0]
    unmapped = spots[(speaker < 0) & ~mapped][["transcript_id", "start"]]
    by_document = unmapped.merge(transcript_participants(study), on="transcript_id")
    return pd.concat([by_speaker, by_document[columns]], ignore_index=True).astype(np.int64)


def attribute_values(attribute: Attribute) -> pd.Series:
    """Each participant's value of `attribute` as display text, by participant id (the study's
    participants without a value get `NO_VALUE`)."""
    values: dict[int, str] = {}
    for value in AttributeValue.objects.filter(attribute=attribute):
        value.attribute = attribute  # `display` reads the type: no query per value
        values[value.participant_id] = value.display
    participants = Participant.objects.filter(study_id=attribute.study_id).values_list("pk", flat=True)
    return pd.Series({pk: values.get(pk) or NO_VALUE for pk in participants}, dtype=object)


def value_order(attribute: Attribute, present: list[str]) -> list[str]:
    """Columns in a stable order: a category's declared choices first (even unused: "0 of 0" is an
    answer), then the other values present naturally, "(no value)" and "(no participant)" last."""
    choices = [str(c) for c in (attribute.choices or [])]
    rest = sorted((v for v in present if v not in choices and v not in (NO_VALUE, NO_PARTICIPANT)), key=natural_key)
    tail = [v for v in (NO_VALUE, NO_PARTICIPANT) if v in present]
    return choices + rest + tail


def crosstab(
    study: Study,
    user: Any,
    rows: str = "code",
    attribute: Attribute | str | None = None,
    measure: str = "codings",
) -> pd.DataFrame:
    """Codes or themes × the values of a participant attribute.

    `codings`: a row's visible codings in transcripts of participants with that value (a coding in a
    transcript with two participants of different values counts under each value once). `participants`:
    distinct participants with that value who have at least one coding of the row. A theme's row takes
    the codes of its sub-themes too. A coding reaches the participants its start is attributed to by
    `attribute_positions` (= `coding.selectors.themes.position_participants`) (the speaker of that turn; the document's
    participants when it maps no speaker; nobody for an interviewer's turn of a mapped document),
    the rule of findings' coverage and a theme's support, so the pages agree. `frame.attrs["denominators"]` holds the study's participants per value ("4 of 9")."""
    if rows not in ROWS:
        raise ValueError(f"Unknown rows {rows!r}.")
    if measure not in MEASURES:
        raise ValueError(f"Unknown measure {measure!r}.")
    if not isinstance(attribute, Attribute):
        attribute = Attribute.objects.get(study=study, name=attribute)
    axis = code_axis(study=study, user=user)
    codings = coding_rows(study=study, user=user, code_ids=axis.ids)
    values = attribute_values(attribute)
    # Each coding reaches the participants its start is attributed to (`attribute_positions`, the
    # rule a finding's coverage and a theme's support use); nobody's codings go to "(no participant)".
    codings = codings.assign(coding=np.arange(len(codings)))
    attributed = attribute_positions(study, codings[["transcript_id", "start"]].drop_duplicates())
    links = codings[["coding", "code_id", "transcript_id", "start"]].merge(
        attributed, on=["transcript_id", "start"], how="left"
    )
    links["value"] = links["participant_id"].map(values).fillna(NO_VALUE)
    links.loc[links["participant_id"].isna(), "value"] = NO_PARTICIPANT
    # Row membership: a code is its own row; a theme holds its codes at any depth.
    depths: list[int] = []
    if rows == "code":
        labels, uuids = axis.labels, axis.uuids
        membership = pd.DataFrame({"row": range(len(axis.ids)), "code_id": axis.ids})
    else:
        themes = theme_axis(study=study)
        labels, uuids, depths = themes.labels, themes.uuids, themes.depths
        membership = pd.DataFrame(
            [(i, code) for i, theme in enumerate(themes.ids) for code in sorted(themes.all_codes[theme])],
            columns=["row", "code_id"],
        )
    joined = links.merge(membership, on="code_id")
    if measure == "codings":
        table = joined[["row", "coding", "value"]].drop_duplicates().groupby(["row", "value"]).size()
    else:
        reached = joined.dropna(subset=["participant_id"])
        table = reached[["row", "participant_id", "value"]].drop_duplicates().groupby(["row", "value"]).size()
    wide = table.unstack("value", fill_value=0) if len(table) else pd.DataFrame()
    denominators = {str(k): int(v) for k, v in values.value_counts().items()}
    columns = value_order(attribute, sorted({str(c) for c in wide.columns} | set(denominators)))
    wide = wide.reindex(index=range(len(labels)), columns=columns, fill_value=0).fillna(0).astype(np.int64)
    wide.index = pd.Index(labels, name=rows)
    wide.columns = pd.Index(columns, name=attribute.name)
    wide.attrs.update(
        rows=rows, measure=measure, attribute=attribute.name, uuids=uuids, depths=depths or None,
        denominators={c: int(denominators.get(c, 0)) for c in columns},
    )  # fmt: skip
    return wide


# --- frequencies ---------------------------------------------------------------------------------


def interview_order(study: Study, *, interviews_only: bool = False) -> list[tuple[int, str, Any]]:
    """The study's transcripts as (id, title, interview date) in interview order: by interview date
    (undated last), then naturally by title ("P2" before "P10"). `interviews_only` leaves out the
    documents marked as no interview (TranscriptMode.OTHER)."""
    return _documents_in_order(study, interviews_only=interviews_only)[0]


def _documents_in_order(study: Study, *, interviews_only: bool) -> tuple[list[tuple[int, str, Any]], list[str]]:
    """`interview_order`, and the titles it left out as no interview (one query for both)."""
    rows = Transcript.objects.filter(study=study).values_list("pk", "title", "interview_date", "mode")
    kept = [(pk, title, date) for pk, title, date, mode in rows if not interviews_only or mode != TranscriptMode.OTHER]
    left_out = sorted(
        (title for _, title, _, mode in rows if interviews_only and mode == TranscriptMode.OTHER), key=natural_key
    )
    return sorted(kept, key=lambda t: (t[2] is None, t[2] or 0, natural_key(t[1]), t[0])), left_out


def frequencies(study: Study, user: Any, by: str = "transcript") -> pd.DataFrame:
    """Visible codings of each code (rows, codebook order) per transcript (interview order) or per
    participant (natural order of labels; a coding counts for each participant of its transcript)."""
    if by not in FREQUENCY_BY:
        raise ValueError(f"Unknown grouping {by!r}.")
    axis = code_axis(study=study, user=user)
    counts = code_transcript_counts(study=study, user=user, code_ids=axis.ids)
    if by == "transcript":
        order = interview_order(study)
        keys = [t[0] for t in order]
        columns = _unique([t[1] for t in order])
        grouped = counts.rename(columns={"transcript_id": "key"})
    else:
        participants = sorted(
            Participant.objects.filter(study=study).values_list("pk", "label"), key=lambda p: natural_key(p[1])
        )
        keys = [p[0] for p in participants]
        columns = [p[1] for p in participants]
        links = transcript_participants(study)
        grouped = counts.merge(links, on="transcript_id").rename(columns={"participant_id": "key"})
    table = grouped.groupby(["code_id", "key"])["n"].sum()
    wide = table.unstack("key", fill_value=0) if len(table) else pd.DataFrame()
    wide = wide.reindex(index=axis.ids, columns=keys, fill_value=0).fillna(0).astype(np.int64)
    wide.index = pd.Index(axis.labels, name="code")
    wide.columns = pd.Index(columns, name=by)
    wide.attrs.update(by=by, code_uuids=axis.uuids)
    return wide


# --- saturation ----------------------------------------------------------------------------------


def saturation(study: Study, user: Any) -> pd.DataFrame:
    """One row per interview in interview order: how many codes were first used there (`new_codes`,
    with their names), the running total (`cumulative_codes`) and its codings. A code counts from the
    first interview, in interview order, with a visible live coding of it.

    Documents marked as no interview (a paper's own prose, a report) are left out: saturation asks
    whether more interviews bring new codes, and their codes would look like an interview's. Their
    titles are in `attrs["left_out"]` so the page can say so."""
    axis = code_axis(study=study, user=user)
    counts = code_transcript_counts(study=study, user=user, code_ids=axis.ids)
    order, left_out = _documents_in_order(study, interviews_only=True)
    rank = {pk: i for i, (pk, _, _) in enumerate(order)}
    counts["rank"] = counts["transcript_id"].map(rank)
    counts = counts.dropna(subset=["rank"]).astype({"rank": np.int64})
    first = counts.groupby("code_id")["rank"].min()
    new = np.bincount(first.to_numpy(np.int64), minlength=len(order)) if len(first) else np.zeros(len(order), int)
    codings = np.bincount(counts["rank"].to_numpy(np.int64), weights=counts["n"].to_numpy(), minlength=len(order))
    labels = dict(zip(axis.ids, axis.labels, strict=True))
    names: dict[int, list[str]] = {}
    for code_id in sorted(first.index, key=lambda pk: axis.position[pk]):
        names.setdefault(int(first[code_id]), []).append(labels[code_id])
    participants = _participant_labels(study)
    frame = pd.DataFrame(
        {
            "position": range(1, len(order) + 1),
            # Unique like the frequencies' columns: two documents titled alike stay two points of the curve.
            "transcript": _unique([t[1] for t in order]),
            "interview_date": [t[2].isoformat() if t[2] else "" for t in order],
            "participants": [", ".join(participants.get(t[0], [])) for t in order],
            "codings": codings.astype(np.int64),
            "new_codes": new.astype(np.int64),
            "cumulative_codes": np.cumsum(new).astype(np.int64),
            "new_code_names": ["; ".join(names.get(i, [])) for i in range(len(order))],
        }
    )
    frame.attrs.update(total_codes=len(axis.ids), left_out=left_out)
    return frame


def _participant_labels(study: Study) -> dict[int, list[str]]:
    labels: dict[int, list[str]] = {}
    rows = Participant.transcripts.through.objects.filter(transcript__study=study).values_list(
        "transcript_id", "participant__label"
    )
    for transcript_id, label in sorted(rows, key=lambda r: natural_key(r[1])):
        labels.setdefault(transcript_id, []).append(label)
    return labels


# --- thematic map --------------------------------------------------------------------------------


def thematic_map(
    study: Study, user: Any, *, mode: str = "overlap", max_links: int = 60, min_jaccard: float = 0.05
) -> dict[str, Any]:
    """Nodes and edges of the thematic map: themes (nested under their parent theme), the codes of
    themes, and the strongest co-occurrence links between those codes (Jaccard, `mode`), at most
    `max_links`. With no themes yet, the 30 most-used codes and their links. Plain data: the page
    gives it to Cytoscape.js and `themes.svg` draws it for reports."""
    themes = theme_axis(study=study)
    axis = code_axis(study=study, user=user, counts=True)
    in_themes = sorted({c for codes in themes.own_codes.values() for c in codes}, key=lambda pk: axis.position[pk])
    chosen = axis.subset(in_themes) if in_themes else top_codes(axis, 30)
    nodes: list[dict[str, Any]] = []
    edges: list[dict[str, Any]] = []
    for i, theme in enumerate(themes.ids):
        nodes.append({
            "id": f"t{theme}", "kind": "theme", "label": themes.labels[i], "uuid": themes.uuids[i],
            "parent": f"t{themes.parents[i]}" if themes.parents[i] else None, "depth": themes.depths[i],
            "status": themes.statuses[i], "codes": len(themes.all_codes[theme]),
        })  # fmt: skip
        if themes.parents[i]:
            edges.append({"source": f"t{themes.parents[i]}", "target": f"t{theme}", "kind": "subtheme", "weight": 1})
        for code in themes.own_codes[theme]:
            edges.append({"source": f"t{theme}", "target": f"c{code}", "kind": "member", "weight": 1})
    for i, code in enumerate(chosen.ids):
        nodes.append({
            "id": f"c{code}", "kind": "code", "label": chosen.labels[i], "uuid": chosen.uuids[i],
            "colour": chosen.colours[i], "codings": chosen.counts[i],
        })  # fmt: skip
    if len(chosen.ids) > 1:
        counts = cooccurrence(study, user, mode=mode, codes=chosen.ids)
        raw = counts.to_numpy()
        scores = cooccurrence(study, user, mode=mode, codes=chosen.ids, normalise="jaccard").to_numpy()
        upper = np.triu_indices(len(chosen.ids), k=1)
        strength = scores[upper]
        keep = np.flatnonzero((raw[upper] > 0) & (strength > min_jaccard))
        keep = keep[np.argsort(-strength[keep], kind="stable")][:max_links]
        for k in keep:
            a, b = int(upper[0][k]), int(upper[1][k])
            edges.append({
                "source": f"c{chosen.ids[a]}", "target": f"c{chosen.ids[b]}", "kind": "cooccurrence",
                "weight": float(strength[k]), "count": int(raw[a, b]),
            })  # fmt: skip
    return {"nodes": nodes, "edges": edges, "mode": mode}


def map_tables(data: dict[str, Any]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The thematic map as two tables (its accessible alternative and its download): nodes and links,
    with labels instead of ids."""
    labels = {n["id"]: n["label"] for n in data["nodes"]}
    nodes = pd.DataFrame(
        [
            {"kind": n["kind"], "name": n["label"], "parent theme": labels.get(n.get("parent") or "", ""),
             "codings": n.get("codings", ""), "status": n.get("status", "")}
            for n in data["nodes"]
        ],
        columns=["kind", "name", "parent theme", "codings", "status"],
    )  # fmt: skip
    links = pd.DataFrame(
        [
            {"from": labels.get(e["source"], ""), "to": labels.get(e["target"], ""), "link": e["kind"],
             "jaccard": e["weight"] if e["kind"] == "cooccurrence" else "", "co-occurrences": e.get("count", "")}
            for e in sorted(data["edges"], key=lambda e: e["kind"] != "cooccurrence")  # links first
        ],
        columns=["from", "to", "link", "jaccard", "co-occurrences"],
    )  # fmt: skip
    return nodes, links
