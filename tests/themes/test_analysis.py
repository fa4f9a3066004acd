"""The analytics selectors (`themes.analysis`) against small cases computed by hand.

The corpus of `corpus` (two transcripts, three codes, turns at known offsets):

    T1 (30 chars, turns [0,12) [12,22) [22,30)):  A [0,10)  B [5,15)  B [10,20) (another coder)
                                                   C [20,30)  A [25,28)
    T2 (8 chars, turns [0,4) [4,8)):               A [0,5)   B [0,5)   C [3,8)

Overlapping pairs of different codes: T1 A0-10×B5-15, C20-30×A25-28; T2 A×B, A×C, B×C (B10-20 only
touches A0-10 and C20-30). So AB = 2, AC = 2, BC = 1; codings A 3, B 3, C 2.
Same span: only T2's [0,5) holds A and B. Turns: T1 {A,B} {B,C} {C,A}; T2 {A,B,C} {A,B,C}.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from django.test import Client
from django.utils import timezone

from coding.models import Code
from coding.services.codings import apply_coding, remove_coding
from interviews.models import Attribute, AttributeValue, Participant, SpeakerTurn, Transcript, TranscriptMode
from studies.models import Role
from tests.conftest import Team
from tests.factories import make_membership, make_user
from themes import analysis
from themes.models import Theme, ThemeCode

# (transcript, start, end, code) of the module docstring's corpus, codes A=0, B=1, C=2.
CODINGS = [
    (1, 0, 10, 0), (1, 5, 15, 1), (1, 10, 20, 1), (1, 20, 30, 2), (1, 25, 28, 0),
    (2, 0, 5, 0), (2, 0, 5, 1), (2, 3, 8, 2),
]  # fmt: skip
TURNS = pd.DataFrame(
    [(1, 0, 12), (1, 12, 22), (1, 22, 30), (2, 0, 4), (2, 4, 8)], columns=["transcript_id", "start", "end"]
)


def _arrays() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rows = np.array(CODINGS, dtype=np.int64)
    return rows[:, 0], rows[:, 1], rows[:, 2], rows[:, 3]


def test_overlapping_pairs_by_hand() -> None:
    matrix = analysis.overlap_counts(*_arrays(), size=3)
    assert matrix.tolist() == [[3, 2, 2], [2, 3, 1], [2, 1, 2]]


def test_overlaps_are_counted_the_same_in_any_chunk_size(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(analysis, "PAIR_CHUNK", 1)
    assert analysis.overlap_counts(*_arrays(), size=3).tolist() == [[3, 2, 2], [2, 3, 1], [2, 1, 2]]


def test_overlaps_against_a_brute_force_count_on_random_codings() -> None:
    rng = np.random.default_rng(7)
    n = 400
    transcript = rng.integers(0, 5, n)
    start = rng.integers(0, 500, n)
    end = start + rng.integers(1, 60, n)
    code = rng.integers(0, 6, n)
    expected = np.zeros((6, 6), dtype=np.int64)
    for i in range(n):
        for j in range(i + 1, n):
            if transcript[i] == transcript[j] and start[i] < end[j] and start[j] < end[i] and code[i] != code[j]:
                expected[code[i], code[j]] += 1
                expected[code[j], code[i]] += 1
    np.fill_diagonal(expected, np.bincount(code, minlength=6))
    assert analysis.overlap_counts(transcript, start, end, code, 6).tolist() == expected.tolist()


def test_same_span_by_hand() -> None:
    assert analysis.span_counts(*_arrays(), size=3).tolist() == [[3, 1, 0], [1, 3, 0], [0, 0, 2]]


def test_same_turn_by_hand() -> None:
    assert analysis.turn_counts(*_arrays(), size=3, turns=TURNS).tolist() == [[4, 3, 3], [3, 4, 3], [3, 3, 4]]


def test_a_coding_in_no_turn_counts_in_none() -> None:
    turns = pd.DataFrame([(1, 0, 10), (1, 20, 30), (2, 0, 5)], columns=["transcript_id", "start", "end"])
    transcript, start, end, code = (
        np.array(v, dtype=np.int64) for v in ([1, 1, 3], [12, 5, 0], [18, 25, 4], [0, 1, 0])
    )
    # A [12,18) falls between the turns; B [5,25) spans both; T3 has no turns.
    assert analysis.turn_counts(transcript, start, end, code, 2, turns).tolist() == [[0, 0], [0, 2]]


def test_jaccard_by_hand() -> None:
    # Overlap mode on distinct codings: (A's overlapping some B + B's overlapping some A) / (n(A) + n(B)).
    overlap = analysis.overlap_jaccard(analysis.overlapping_codings(*_arrays(), size=3))
    assert overlap[0, 1] == pytest.approx(0.6667)  # (2 + 2) / (3 + 3): [0,10)~[5,15), [0,5)~[0,5)
    assert overlap[0, 2] == 0.8  # (2 + 2) / (3 + 2)
    assert overlap[1, 2] == 0.4  # (1 + 1) / (3 + 2): [10,20) only touches [20,30)
    assert analysis.jaccard(analysis.span_counts(*_arrays(), size=3))[0, 1] == 0.2  # 1 / (3 + 3 - 1)
    assert analysis.jaccard(analysis.turn_counts(*_arrays(), size=3, turns=TURNS))[0, 1] == 0.6  # 3 / 5
    assert analysis.jaccard(np.zeros((2, 2), dtype=np.int64)).tolist() == [[0, 0], [0, 0]]


# --- through the database ------------------------------------------------------------------------


def _transcript(team: Team, title: str, text: str, turns: list[tuple[int, int]], when: date | None) -> Transcript:
    transcript = Transcript.objects.create(
        study=team.study, title=title, text=text, char_count=len(text), interview_date=when
    )
    SpeakerTurn.objects.bulk_create(
        SpeakerTurn(transcript=transcript, index=i, start=s, end=e) for i, (s, e) in enumerate(turns)
    )
    return transcript


@pytest.fixture
def corpus(team: Team) -> dict[str, object]:
    """The docstring's corpus in a study, plus participants P1 (T1, startup), P2 (T2, startup) and
    P3 (T2, enterprise), P4 (no transcript, enterprise) and an empty T3 interviewed between them."""
    second = make_user("cecil_coder")
    make_membership(team.study, second, Role.CODER)
    t1 = _transcript(team, "Interview 10", "x" * 30, [(0, 12), (12, 22), (22, 30)], date(2024, 1, 1))
    t2 = _transcript(team, "Interview 2", "y" * 8, [(0, 4), (4, 8)], date(2024, 3, 1))
    t3 = _transcript(team, "Interview 3", "z" * 8, [(0, 8)], date(2024, 2, 1))
    a, b, c = (Code.objects.create(study=team.study, name=n, order=i) for i, n in enumerate("ABC"))
    codes = {0: a, 1: b, 2: c}
    for doc, start, end, code in CODINGS:
        coder = second if (doc, start, code) == (1, 10, 1) else team.coder
        apply_coding(transcript=t1 if doc == 1 else t2, code=codes[code], start=start, end=end, coder=coder)
    tier = Attribute.objects.create(study=team.study, name="tier", type="category", choices=["startup", "enterprise"])
    people = {}
    for label, value, documents in (("P1", "startup", [t1]), ("P2", "startup", [t2]), ("P3", "enterprise", [t2]),
                                    ("P4", "enterprise", [])):  # fmt: skip
        person = Participant.objects.create(study=team.study, label=label)
        person.transcripts.set(documents)
        AttributeValue.objects.create(participant=person, attribute=tier, value_text=value)
        people[label] = person
    return {"t1": t1, "t2": t2, "t3": t3, "codes": codes, "tier": tier, "people": people}


@pytest.mark.django_db
def test_cooccurrence_of_a_study_in_each_mode(team: Team, corpus: dict[str, object]) -> None:
    overlap = analysis.cooccurrence(team.study, team.owner, mode="overlap")
    assert list(overlap.index) == ["A", "B", "C"] == list(overlap.columns)
    assert overlap.to_numpy().tolist() == [[3, 2, 2], [2, 3, 1], [2, 1, 2]]
    assert analysis.cooccurrence(team.study, team.owner, mode="span").to_numpy().tolist() == [
        [3, 1, 0], [1, 3, 0], [0, 0, 2],
    ]  # fmt: skip
    turn = analysis.cooccurrence(team.study, team.owner, mode="turn", normalise="jaccard")
    assert turn.loc["A", "B"] == 0.6 and turn.loc["C", "C"] == 1.0


@pytest.mark.django_db
def test_cooccurrence_follows_a_removed_coding_and_narrows_to_the_top_codes(
    team: Team, corpus: dict[str, object]
) -> None:
    from coding.selectors import visible_codings

    codes = corpus["codes"]
    assert isinstance(codes, dict)
    coding = visible_codings(study=team.study, user=team.owner).get(code=codes[2], start=3)
    remove_coding(coding=coding, user=team.coder)
    overlap = analysis.cooccurrence(team.study, team.owner)
    assert overlap.loc["A", "C"] == 1 and overlap.loc["B", "C"] == 0 and overlap.loc["C", "C"] == 1
    top = analysis.cooccurrence(team.study, team.owner, limit=2)
    assert list(top.index) == ["A", "B"]


@pytest.mark.django_db
def test_crosstab_of_codes_by_attribute(team: Team, corpus: dict[str, object]) -> None:
    codings = analysis.crosstab(team.study, team.owner, rows="code", attribute="tier", measure="codings")
    # T1 is P1's (startup); T2 is P2's (startup) and P3's (enterprise): its codings count once under each.
    assert list(codings.columns) == ["startup", "enterprise"]
    assert codings.to_dict("index") == {
        "A": {"startup": 3, "enterprise": 1},
        "B": {"startup": 3, "enterprise": 1},
        "C": {"startup": 2, "enterprise": 1},
    }
    people = analysis.crosstab(team.study, team.owner, rows="code", attribute="tier", measure="participants")
    assert people.to_dict("index") == {
        "A": {"startup": 2, "enterprise": 1},
        "B": {"startup": 2, "enterprise": 1},
        "C": {"startup": 2, "enterprise": 1},
    }
    assert people.attrs["denominators"] == {"startup": 2, "enterprise": 2}


@pytest.mark.django_db
def test_crosstab_of_themes_takes_their_sub_themes_codes(team: Team, corpus: dict[str, object]) -> None:
    codes = corpus["codes"]
    assert isinstance(codes, dict)
    top = Theme.objects.create(study=team.study, name="Overarching", order=0)
    sub = Theme.objects.create(study=team.study, name="Detailed", parent=top, order=1)
    other = Theme.objects.create(study=team.study, name="Only C", order=2)
    ThemeCode.objects.create(theme=sub, code=codes[0])
    ThemeCode.objects.create(theme=top, code=codes[1])
    ThemeCode.objects.create(theme=other, code=codes[2])
    codings = analysis.crosstab(team.study, team.owner, rows="theme", attribute="tier", measure="codings")
    assert codings.to_dict("index") == {
        "Overarching": {"startup": 6, "enterprise": 2},  # A and B
        "Detailed": {"startup": 3, "enterprise": 1},  # A
        "Only C": {"startup": 2, "enterprise": 1},
    }
    people = analysis.crosstab(team.study, team.owner, rows="theme", attribute="tier", measure="participants")
    assert people.loc["Overarching"].to_dict() == {"startup": 2, "enterprise": 1}


@pytest.mark.django_db
def test_frequencies_per_transcript_and_participant(team: Team, corpus: dict[str, object]) -> None:
    per_transcript = analysis.frequencies(team.study, team.owner, by="transcript")
    # Interview order is by date: Interview 10 (January), Interview 3 (February), Interview 2 (March).
    assert list(per_transcript.columns) == ["Interview 10", "Interview 3", "Interview 2"]
    assert per_transcript.to_numpy().tolist() == [[2, 0, 1], [2, 0, 1], [1, 0, 1]]
    per_participant = analysis.frequencies(team.study, team.owner, by="participant")
    assert list(per_participant.columns) == ["P1", "P2", "P3", "P4"]
    assert per_participant.to_numpy()[0].tolist() == [2, 1, 1, 0]  # code A


@pytest.mark.django_db
def test_saturation_by_hand(team: Team, corpus: dict[str, object]) -> None:
    codes = corpus["codes"]
    assert isinstance(codes, dict)
    Code.objects.create(study=team.study, name="D", order=3)  # never used: never counted as introduced
    late = Code.objects.create(study=team.study, name="E", order=4)
    t2 = corpus["t2"]
    assert isinstance(t2, Transcript)
    apply_coding(transcript=t2, code=late, start=6, end=8, coder=team.coder)
    curve = analysis.saturation(team.study, team.owner)
    assert curve["transcript"].tolist() == ["Interview 10", "Interview 3", "Interview 2"]
    assert curve["new_codes"].tolist() == [3, 0, 1]
    assert curve["cumulative_codes"].tolist() == [3, 3, 4]
    assert curve["codings"].tolist() == [5, 0, 4]
    assert curve["new_code_names"].tolist() == ["A; B; C", "", "E"]
    assert curve["participants"].tolist() == ["P1", "", "P2, P3"]


@pytest.mark.django_db
def test_saturation_leaves_out_documents_that_are_not_interviews(
    team: Team, corpus: dict[str, object], client: Client
) -> None:
    """The authors' prose of a paper, or a report, is no interview: the curve follows interviews only,
    so "Interview 10" marked as other text drops out, the codes first used there become new where
    the interviews first use them, and a code used only there is not counted. The page says so."""
    t1 = corpus["t1"]
    assert isinstance(t1, Transcript)
    only_there = Code.objects.create(study=team.study, name="E", order=4)
    apply_coding(transcript=t1, code=only_there, start=0, end=3, coder=team.coder)
    t1.mode = TranscriptMode.OTHER
    t1.save(update_fields=["mode"])
    curve = analysis.saturation(team.study, team.owner)
    assert curve["transcript"].tolist() == ["Interview 3", "Interview 2"]
    assert curve["new_codes"].tolist() == [0, 3]
    assert curve["cumulative_codes"].tolist() == [0, 3]
    assert curve["codings"].tolist() == [0, 3]
    assert curve["new_code_names"].tolist() == ["", "A; B; C"]
    assert curve.attrs["left_out"] == ["Interview 10"]
    client.force_login(team.owner)
    page = client.get(f"/studies/{team.study.slug}/analytics/saturation/").content.decode()
    assert "used in 2 interviews" in page
    assert "Left out: 1 document marked as not an interview (“Interview 10”)" in page


@pytest.mark.django_db
def test_thematic_map_nodes_and_links(team: Team, corpus: dict[str, object]) -> None:
    codes = corpus["codes"]
    assert isinstance(codes, dict)
    top = Theme.objects.create(study=team.study, name="Trust", order=0)
    sub = Theme.objects.create(study=team.study, name="Doubt", parent=top, order=1)
    ThemeCode.objects.create(theme=top, code=codes[0])
    ThemeCode.objects.create(theme=sub, code=codes[1])
    ThemeCode.objects.create(theme=sub, code=codes[2])
    data = analysis.thematic_map(team.study, team.owner)
    kinds = sorted((n["kind"], n["label"]) for n in data["nodes"])
    assert kinds == [("code", "A"), ("code", "B"), ("code", "C"), ("theme", "Doubt"), ("theme", "Trust")]
    links = {(e["source"], e["target"]): e for e in data["edges"] if e["kind"] == "cooccurrence"}
    a, b, c = (f"c{codes[i].pk}" for i in range(3))
    assert links[(a, c)]["weight"] == 0.8 and links[(a, c)]["count"] == 2
    assert links[(a, b)]["weight"] == pytest.approx(0.6667) and links[(b, c)]["weight"] == 0.4
    # Strongest first.
    assert [e["weight"] for e in data["edges"] if e["kind"] == "cooccurrence"] == sorted(
        (e["weight"] for e in data["edges"] if e["kind"] == "cooccurrence"), reverse=True
    )
    members = {(e["source"], e["target"]) for e in data["edges"] if e["kind"] == "member"}
    assert members == {(f"t{top.pk}", a), (f"t{sub.pk}", b), (f"t{sub.pk}", c)}
    assert {(e["source"], e["target"]) for e in data["edges"] if e["kind"] == "subtheme"} == {
        (f"t{top.pk}", f"t{sub.pk}")
    }


@pytest.mark.django_db
def test_an_empty_study_gives_empty_tables(team: Team) -> None:
    assert analysis.cooccurrence(team.study, team.owner).empty
    assert analysis.saturation(team.study, team.owner).empty
    assert analysis.frequencies(team.study, team.owner).empty
    assert analysis.thematic_map(team.study, team.owner)["nodes"] == []


@pytest.mark.django_db
def test_the_selectors_take_a_constant_number_of_queries(
    team: Team, corpus: dict[str, object], django_assert_max_num_queries: object
) -> None:
    for mode in analysis.MODES:
        with django_assert_max_num_queries(6):  # type: ignore[operator]
            analysis.cooccurrence(team.study, team.owner, mode=mode)
    # Attribution by speaker turn (position_participants) reads turns, speakers and links: still constant.
    with django_assert_max_num_queries(12):  # type: ignore[operator]
        analysis.crosstab(team.study, team.owner, rows="theme", attribute="tier", measure="participants")
    with django_assert_max_num_queries(6):  # type: ignore[operator]
        analysis.saturation(team.study, team.owner)


@pytest.mark.django_db
def test_the_cached_reads_follow_every_change_of_the_codings(
    team: Team, corpus: dict[str, object], django_assert_max_num_queries: object
) -> None:
    from coding.selectors import visible_codings

    codes, t2 = corpus["codes"], corpus["t2"]
    assert isinstance(codes, dict) and isinstance(t2, Transcript)
    assert analysis.cooccurrence(team.study, team.owner).loc["B", "C"] == 1
    with django_assert_max_num_queries(4):  # type: ignore[operator]
        analysis.cooccurrence(team.study, team.owner)  # the codings come from the cache
    apply_coding(transcript=t2, code=codes[2], start=6, end=8, coder=team.owner)  # joins nothing: a new C
    assert analysis.cooccurrence(team.study, team.owner).loc["C", "C"] == 3
    # A recode retires one row and inserts another: the live count stays, the history grows.
    from coding.services.codings import change_coding

    coding = visible_codings(study=team.study, user=team.owner).get(code=codes[2], start=6)
    change_coding(coding=coding, user=team.owner, code=codes[0])
    assert analysis.cooccurrence(team.study, team.owner).loc["C", "C"] == 2
    # A deleted code changes no coding, and its codings leave the matrix at once.
    Code.objects.filter(pk=codes[1].pk).update(deleted_at=timezone.now())
    assert list(analysis.cooccurrence(team.study, team.owner).index) == ["A", "C"]
