"""The agreement report: one row per code plus the overall row, and the coders' confusion table.

Both are pandas tables so that the command line, the page and the CSV/XLSX downloads show the
same figures. Each report has two tables: over every unit, and over the units at least one of the
coders coded (uncoded text agrees by default and inflates agreement; both are shown).

The overall row pools the codes: each (unit, code) pair is one unit, so overall κ is the κ of all
the coded / not coded decisions across the codebook, not a mean of the per-code figures (a
mean would weigh a code used once like one used everywhere, and skip the codes whose κ is not
defined).

In the tables a coefficient that is not defined (see `agreement.stats`) or not applicable
(Cohen's κ with three coders, Fleiss' κ with two) is NaN: empty in CSV, "not defined" on screen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from accounts.models import User
from coding.selectors.agreement import agreement_codings
from coding.selectors.codebook import codebook_tree
from interviews.models import Transcript
from interviews.tables import neutralise_formulas
from studies.models import Study

from .stats import Agreement, presence_agreement
from .units import Level, Presence, positions, presence

OVERALL = "(overall)"
NONE = "(none)"
# The columns of `manage.py agreement --csv`, in order.
CSV_COLUMNS = ["code", "units", "percent", "cohen_kappa", "fleiss_kappa", "bp_kappa", "krippendorff_alpha"]
COEFFICIENTS = ["percent", "cohen_kappa", "fleiss_kappa", "bp_kappa", "krippendorff_alpha"]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class AgreementReport:
    level: Level
    coders: list[str]  # usernames, in the order of the presence patterns' bits
    transcripts: int
    all_units: pd.DataFrame  # every unit
    coded_units: pd.DataFrame  # only units at least one coder coded

    def table(self, *, exclude_uncoded: bool) -> pd.DataFrame:
        return self.coded_units if exclude_uncoded else self.all_units


def _row(name: str, code_id: int | None, figures: Agreement) -> dict[str, Any]:
    def value(x: float | None) -> float:
        return np.nan if x is None else x

    return {
        "code": name,
        "code_id": code_id,
        "units": int(figures.units),
        "percent": value(None if figures.percent is None else 100 * figures.percent),
        "cohen_kappa": value(figures.cohen_kappa),
        "fleiss_kappa": value(figures.fleiss_kappa),
        "bp_kappa": value(figures.bp_kappa),
        "krippendorff_alpha": value(figures.krippendorff_alpha),
    }


def agreement_table(found: Presence, names: dict[int, str], *, exclude_uncoded: bool) -> pd.DataFrame:
    """One row per code of `found` (in its order) and the overall row last: code, code_id, units,
    percent (0-100), cohen_kappa, fleiss_kappa, bp_kappa, krippendorff_alpha."""
    k = len(found.coder_ids)
    rows = []
    for code_id in [*found.code_ids, None]:
        patterns, weights = found.of_code(code_id, exclude_uncoded=exclude_uncoded)
        name = OVERALL if code_id is None else names[code_id]
        rows.append(_row(name, code_id, presence_agreement(patterns, weights, k)))
    frame = pd.DataFrame(rows)
    frame["code_id"] = frame["code_id"].astype("Int64")
    return frame


def agreement_report(
    *,
    study: Study,
    user: Any,
    coders: Sequence[User],
    level: Level,
    transcript_ids: Sequence[int] | None = None,
    code_ids: Sequence[int] | None = None,
) -> AgreementReport:
    """Agreement of `coders` on the study's live codes (or `code_ids`, in codebook order) over its
    transcripts (or `transcript_ids`) at `level`. Raises `units.UnitsUnavailable` when sentences
    are asked for and some transcript has none yet."""
    if len({c.pk for c in coders}) != len(coders) or len(coders) < 2:
        raise ValueError("Agreement needs at least two different coders.")
    tree = [row.code for row in codebook_tree(study=study, user=user, counts=False)]
    chosen = None if code_ids is None else set(code_ids)
    codes = [c for c in tree if chosen is None or c.pk in chosen]
    transcripts = Transcript.objects.filter(study=study)
    if transcript_ids is not None:
        transcripts = transcripts.filter(pk__in=list(transcript_ids))
    ids = list(transcripts.order_by("pk").values_list("pk", flat=True))
    found = presence(
        study=study,
        user=user,
        level=level,
        coder_ids=[c.pk for c in coders],
        transcript_ids=ids,
        code_ids=[c.pk for c in codes],
    )
    names = {c.pk: c.name for c in codes}
    return AgreementReport(
        level=level,
        coders=[c.username for c in coders],
        transcripts=len(ids),
        all_units=agreement_table(found, names, exclude_uncoded=False),
        coded_units=agreement_table(found, names, exclude_uncoded=True),
    )


def csv_frame(table: pd.DataFrame) -> pd.DataFrame:
    """The table as `--csv` writes it: CSV_COLUMNS, figures rounded to 4 places, code names that a
    spreadsheet would run as formulas escaped."""
    frame = table[CSV_COLUMNS].copy()
    frame[COEFFICIENTS] = frame[COEFFICIENTS].round(4)
    return neutralise_formulas(frame)


def csv_text(table: pd.DataFrame) -> str:
    return csv_frame(table).to_csv(index=False, na_rep="", lineterminator="\n")


def shown(value: float, *, percent: bool = False) -> str:
    """A coefficient as a page or the terminal shows it."""
    if pd.isna(value):
        return "not defined"
    return f"{value:.1f}%" if percent else f"{value:.3f}"


# --- the confusion table ---------------------------------------------------------------------------


def _union(group: IntArray, starts: IntArray, ends: IntArray) -> tuple[IntArray, IntArray, IntArray]:
    """The intervals of each group joined where they overlap: (group, start, end), sorted."""
    if len(starts) == 0:
        return group, starts, ends
    order = np.lexsort((starts, group))
    group, starts, ends = group[order], starts[order], ends[order]
    stride = int(ends.max()) + 1
    # Laid one group after the other, a running maximum of the ends finds where a new interval begins.
    reach = np.maximum.accumulate(group * stride + ends)
    new = np.ones(len(starts), dtype=bool)
    new[1:] = group[1:] * stride + starts[1:] > reach[:-1]
    first = np.flatnonzero(new)
    return group[first], starts[first], np.maximum.reduceat(reach, first) - group[first] * stride


def _overlaps(
    a: tuple[IntArray, IntArray, IntArray], b: tuple[IntArray, IntArray, IntArray]
) -> tuple[IntArray, IntArray, IntArray]:
    """(index in a, index in b, overlap length) of every overlapping pair of a's and b's intervals
    (transcript, start, end). b's candidates for an interval of a are those starting less than b's
    longest interval before it ends: two binary searches, the pairs expanded with numpy."""
    a_t, a_s, a_e = a
    b_t, b_s, b_e = b
    if len(a_s) == 0 or len(b_s) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    stride = int(max(a_e.max(), b_e.max())) + 1
    ga_s, ga_e = a_t * stride + a_s, a_t * stride + a_e
    order = np.argsort(b_t * stride + b_s, kind="stable")
    gb_s, gb_e = (b_t * stride + b_s)[order], (b_t * stride + b_e)[order]
    longest = int((b_e - b_s).max())
    lo = np.searchsorted(gb_s, ga_s - longest, side="right")
    hi = np.searchsorted(gb_s, ga_e, side="left")
    count = np.maximum(hi - lo, 0)
    ia = np.repeat(np.arange(len(ga_s)), count)
    ib = np.repeat(lo, count) + np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count)
    overlap = np.minimum(ga_e[ia], gb_e[ib]) - np.maximum(ga_s[ia], gb_s[ib])
    keep = overlap > 0
    return ia[keep], order[ib[keep]], overlap[keep]


def confusion_from_codings(codings: pd.DataFrame, coder_a: int, coder_b: int, names: dict[int, str]) -> pd.DataFrame:
    """Characters that coder A coded with the row's code and coder B with the column's, from
    `codings` as `agreement_codings` gives them. Row and column "(none)": characters one coder
    coded with that code where the other applied no code at all. A large count off the diagonal
    (A's "trust" where B put "reliance") points at two codes the codebook does not tell apart."""
    codes = list(names)

    def spans(coder: int, by_code: bool) -> tuple[IntArray, IntArray, IntArray, IntArray]:
        rows = codings[(codings["coder_id"] == coder) & codings["code_id"].isin(codes)]
        t = rows["transcript_id"].to_numpy(np.int64)
        code = positions(codes, rows["code_id"])
        # Grouped by (transcript, code), or by transcript alone for "any code".
        group = t * len(codes) + code if by_code else t
        g, s, e = _union(group, rows["start"].to_numpy(np.int64), rows["end"].to_numpy(np.int64))
        return (g // len(codes), g % len(codes), s, e) if by_code else (g, np.zeros_like(g), s, e)

    a_t, a_c, a_s, a_e = spans(coder_a, True)
    b_t, b_c, b_s, b_e = spans(coder_b, True)
    ia, ib, both = _overlaps((a_t, a_s, a_e), (b_t, b_s, b_e))
    size = len(codes) + 1
    cells = np.bincount(a_c[ia] * size + b_c[ib], weights=both, minlength=size * size).reshape(size, size)
    # A's code against no code of B: A's characters minus those under any code of B; and back.
    for (t, c, s, e), other, axis in (((a_t, a_c, a_s, a_e), coder_b, 0), ((b_t, b_c, b_s, b_e), coder_a, 1)):
        any_t, _, any_s, any_e = spans(other, False)
        i, _, covered = _overlaps((t, s, e), (any_t, any_s, any_e))
        alone = np.bincount(c, weights=e - s, minlength=size) - np.bincount(c[i], weights=covered, minlength=size)
        if axis == 0:
            cells[:, -1] = alone
        else:
            cells[-1, :] = alone
    cells[-1, -1] = np.nan
    labels = [names[c] for c in codes] + [NONE]
    frame = pd.DataFrame(cells, index=pd.Index(labels, name="coder A"), columns=pd.Index(labels, name="coder B"))
    return frame.round().astype("Int64")


def confusion_table(
    *, study: Study, user: Any, coder_a: User, coder_b: User, transcript_ids: Sequence[int] | None = None
) -> pd.DataFrame:
    """`confusion_from_codings` for the study's live codes (codebook order) over its transcripts or
    `transcript_ids`, with the coders' usernames as the axis names."""
    codes = [row.code for row in codebook_tree(study=study, user=user, counts=False)]
    transcripts = Transcript.objects.filter(study=study)
    if transcript_ids is not None:
        transcripts = transcripts.filter(pk__in=list(transcript_ids))
    codings = agreement_codings(
        study=study,
        user=user,
        coder_ids=[coder_a.pk, coder_b.pk],
        transcript_ids=list(transcripts.values_list("pk", flat=True)),
        code_ids=[c.pk for c in codes],
    )
    frame = confusion_from_codings(codings, coder_a.pk, coder_b.pk, {c.pk: c.name for c in codes})
    frame.index.name, frame.columns.name = coder_a.username, coder_b.username
    return frame
