"""Speaker review after import: merge speakers, reassign, split and join turns, and undo them.

Turns are ranges over the canonical text; none of these changes the text or any coding. Each
change is one history entry, undone with the app's undo, in a fixed number of queries.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from coding.models import Code, LogEntry
from coding.selectors import reader_context, transcript_codings
from coding.services.codings import apply_coding
from coding.services.history import UndoRefused, undo_batch, undo_last
from interviews.models import (
    Participant,
    Protocol,
    ProtocolQuestion,
    Speaker,
    SpeakerRole,
    SpeakerTurn,
    Transcript,
)
from interviews.services.corrections import correct_transcript
from interviews.services.speakers import (
    join_turns,
    merge_speakers,
    reassign_turn,
    sentence_starts,
    split_turn,
)
from studies.models import Study
from tests.conftest import Team, csrf_post
from tests.factories import make_study

INTERVIEW = [
    ("Interviewer", "How do you explain the model to loan officers?"),
    ("P1", "We show SHAP values first. Then a counterfactual explanation."),
    ("Interviewer 1", "Does that help?"),
    ("P1", "Mostly, although the officers still distrust black boxes. Could you repeat that?"),
    ("Interviewer", "Sure."),
]


def make_document(
    study: Study, turns: list[tuple[str, str]], *, title: str = "Interview P1", times: bool = True
) -> Transcript:
    """A document laid out as an import lays it out: "Label: speech" blocks, turns over the speech."""
    parts: list[str] = []
    spans: list[tuple[str, int, int]] = []
    at = 0
    for label, speech in turns:
        prefix = f"{label}: "
        spans.append((label, at + len(prefix), at + len(prefix) + len(speech)))
        block = prefix + speech + "\n\n"
        parts.append(block)
        at += len(block)
    text = "".join(parts)
    transcript = Transcript.objects.create(study=study, title=title, text=text, char_count=len(text))
    speakers: dict[str, Speaker] = {}
    for label, _ in turns:
        if label not in speakers:
            role = SpeakerRole.INTERVIEWER if label.startswith("Interviewer") else SpeakerRole.PARTICIPANT
            speakers[label] = Speaker.objects.create(transcript=transcript, label=label, role=role)
    SpeakerTurn.objects.bulk_create(
        [
            SpeakerTurn(transcript=transcript, index=i, speaker=speakers[label], start=start, end=end,
                        start_ms=i * 10_000 if times else None, end_ms=i * 10_000 + 9_000 if times else None)
            for i, (label, start, end) in enumerate(spans)
        ]
    )  # fmt: skip
    return transcript


def state(transcript: Transcript) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], str]:
    """Everything speaker review may change (turns, speakers), and the text it never changes."""
    turns = list(
        SpeakerTurn.objects.filter(transcript=transcript)
        .order_by("index")
        .values_list("pk", "index", "speaker_id", "start", "end", "start_ms", "end_ms", "question_id")
    )
    speakers = list(
        Speaker.objects.filter(transcript=transcript)
        .order_by("pk")
        .values_list("pk", "label", "role", "participant_id")
    )
    return turns, speakers, Transcript.objects.get(pk=transcript.pk).text


def turn(transcript: Transcript, index: int) -> SpeakerTurn:
    return SpeakerTurn.objects.select_related("speaker").get(transcript=transcript, index=index)


def who(transcript: Transcript, index: int) -> Speaker:
    """The speaker of turn `index`."""
    found = turn(transcript, index).speaker
    assert found is not None
    return found


def speaker(transcript: Transcript, label: str) -> Speaker:
    return Speaker.objects.get(transcript=transcript, label=label)


def speech(transcript: Transcript, t: SpeakerTurn) -> str:
    return transcript.text[t.start : t.end]


def codings(transcript: Transcript, user: Any) -> list[tuple[Any, ...]]:
    return list(
        transcript_codings(transcript=transcript, user=user)
        .order_by("pk")
        .values_list("pk", "uuid", "code_id", "start", "end", "text_version", "retired_at", "batch")
    )


def coded(team: Team, transcript: Transcript) -> list[tuple[Any, ...]]:
    """Two codings, one across the boundary of turns 1 and 2 and one inside turn 1."""
    code = Code.objects.create(study=team.study, name="Explanation")
    one = turn(transcript, 1)
    two = turn(transcript, 2)
    apply_coding(transcript=transcript, code=code, start=one.start + 8, end=two.end, coder=team.coder)
    apply_coding(transcript=transcript, code=code, start=one.start, end=one.start + 7, coder=team.coder)
    return codings(transcript, team.coder)


def indices(transcript: Transcript) -> list[int]:
    return list(SpeakerTurn.objects.filter(transcript=transcript).order_by("index").values_list("index", flat=True))


# --- merge ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_merge_moves_every_turn_and_deletes_the_absorbed_speaker(team: Team) -> None:
    transcript = make_document(team.study, INTERVIEW)
    keep, absorb = speaker(transcript, "Interviewer"), speaker(transcript, "Interviewer 1")
    text = transcript.text
    entry = merge_speakers(transcript=transcript, keep=keep, absorb=absorb, user=team.coder)
    assert not Speaker.objects.filter(pk=absorb.pk).exists()
    assert [who(transcript, i).label for i in range(5)] == [
        "Interviewer", "P1", "Interviewer", "P1", "Interviewer",
    ]  # fmt: skip
    assert Transcript.objects.get(pk=transcript.pk).text == text
    assert (entry.object_type, entry.action, entry.object_uuid, entry.user) == (
        "speaker", "merge", transcript.uuid, team.coder,
    )  # fmt: skip
    assert "“Interviewer 1” into “Interviewer”" in entry.summary


@pytest.mark.django_db
def test_undo_of_a_merge_brings_the_speaker_back_with_its_turns_and_person(team: Team) -> None:
    transcript = make_document(team.study, INTERVIEW)
    p2 = Participant.objects.create(study=team.study, label="P2")
    absorb = speaker(transcript, "Interviewer 1")
    Speaker.objects.filter(pk=absorb.pk).update(role=SpeakerRole.PARTICIPANT, participant=p2)
    absorb.refresh_from_db()
    before = state(transcript)
    entry = merge_speakers(transcript=transcript, keep=speaker(transcript, "P1"), absorb=absorb, user=team.coder)
    undo_batch(study=team.study, user=team.coder, batch=entry.batch)
    assert state(transcript) == before
    restored = Speaker.objects.get(pk=absorb.pk)
    assert (restored.label, restored.role, restored.participant) == ("Interviewer 1", SpeakerRole.PARTICIPANT, p2)


# --- reassign ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_reassign_to_an_existing_speaker_deletes_the_one_left_without_turns(team: Team) -> None:
    transcript = make_document(team.study, INTERVIEW)
    lone = speaker(transcript, "Interviewer 1")
    before = state(transcript)
    entry = reassign_turn(turn=turn(transcript, 2), speaker=speaker(transcript, "Interviewer"), user=team.coder)
    assert who(transcript, 2).label == "Interviewer"
    assert not Speaker.objects.filter(pk=lone.pk).exists()
    assert entry.action == "reassign" and "turn 3" in entry.summary
    undo_last(study=team.study, user=team.coder)
    assert state(transcript) == before


@pytest.mark.django_db
def test_reassign_to_a_new_label_creates_the_speaker_and_undo_removes_it(team: Team) -> None:
    transcript = make_document(team.study, INTERVIEW)
    p3 = Participant.objects.create(study=team.study, label="P3")
    before = state(transcript)
    reassign_turn(turn=turn(transcript, 3), label="  p3 ", user=team.coder)
    new = who(transcript, 3)
    assert (new.label, new.role, new.participant) == ("p3", SpeakerRole.PARTICIPANT, p3)
    assert speaker(transcript, "P1").turns.count() == 1  # P1 keeps turn 2
    reassign_turn(turn=turn(transcript, 1), label="Interviewer 2", user=team.coder)
    assert who(transcript, 1).role == SpeakerRole.INTERVIEWER
    # An existing label, in any letter case, is that speaker.
    reassign_turn(turn=turn(transcript, 0), label="interviewer 1", user=team.coder)
    assert who(transcript, 0) == speaker(transcript, "Interviewer 1")
    for _ in range(3):
        undo_last(study=team.study, user=team.coder)
    assert state(transcript) == before


# --- split ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_split_at_a_sentence_makes_two_turns_and_keeps_the_indices_contiguous(team: Team) -> None:
    transcript = make_document(team.study, INTERVIEW)
    protocol = Protocol.objects.create(study=team.study, title="Main")
    question = ProtocolQuestion.objects.create(protocol=protocol, text="Could you repeat that?")
    SpeakerTurn.objects.filter(transcript=transcript, index=3).update(question=question)
    original = turn(transcript, 3)
    at = transcript.text.index("Could you repeat", original.start)
    interviewer = speaker(transcript, "Interviewer")
    entry = split_turn(turn=original, at=at - 1, speaker=interviewer, user=team.coder)  # on the space: trimmed
    first, second = turn(transcript, 3), turn(transcript, 4)
    assert first.pk == original.pk
    assert speech(transcript, first) == "Mostly, although the officers still distrust black boxes."
    assert speech(transcript, second) == "Could you repeat that?"
    assert (who(transcript, 3).label, who(transcript, 4).label) == ("P1", "Interviewer")
    assert (first.start_ms, first.end_ms, second.start_ms, second.end_ms) == (30_000, None, None, 39_000)
    assert (first.question, second.question) == (question, None)
    assert indices(transcript) == list(range(6))
    assert speech(transcript, turn(transcript, 5)) == "Sure."
    assert entry.action == "split" and "turn 4" in entry.summary


@pytest.mark.django_db
def test_split_keeps_the_speaker_by_default_and_can_name_a_new_one(team: Team) -> None:
    transcript = make_document(team.study, INTERVIEW)
    at = transcript.text.index("Then a", turn(transcript, 1).start)
    split_turn(turn=turn(transcript, 1), at=at, user=team.coder)
    assert who(transcript, 2).label == "P1"
    at = transcript.text.index("Could you", turn(transcript, 4).start)
    split_turn(turn=turn(transcript, 4), at=at, label="Interviewer 2", user=team.coder)
    assert who(transcript, 5).label == "Interviewer 2"
    assert indices(transcript) == list(range(7))


@pytest.mark.django_db
def test_undo_of_a_split_puts_the_turn_back(team: Team) -> None:
    transcript = make_document(team.study, INTERVIEW)
    before = state(transcript)
    at = transcript.text.index("Then a", turn(transcript, 1).start)
    entry = split_turn(turn=turn(transcript, 1), at=at, label="Someone else", user=team.coder)
    outcome = undo_batch(study=team.study, user=team.coder, batch=entry.batch)
    assert outcome.undone == 1 and "split turn 2" in outcome.summary
    assert state(transcript) == before
    assert LogEntry.objects.get(pk=entry.pk).undone_at is not None


# --- join ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_join_takes_the_first_start_and_the_second_end(team: Team) -> None:
    transcript = make_document(team.study, INTERVIEW)
    protocol = Protocol.objects.create(study=team.study, title="Main")
    question = ProtocolQuestion.objects.create(protocol=protocol, text="Does it help?")
    SpeakerTurn.objects.filter(transcript=transcript, index=2).update(question=question)
    one, two = turn(transcript, 1), turn(transcript, 2)
    lone = who(transcript, 2)
    entry = join_turns(first=one, second=two, user=team.coder)
    joined = turn(transcript, 1)
    assert (joined.pk, joined.start, joined.end) == (one.pk, one.start, two.end)
    assert (joined.start_ms, joined.end_ms) == (one.start_ms, two.end_ms)
    assert who(transcript, 1).label == "P1" and joined.question == question
    assert not SpeakerTurn.objects.filter(pk=two.pk).exists()
    assert not Speaker.objects.filter(pk=lone.pk).exists()  # "Interviewer 1" spoke only there
    assert indices(transcript) == list(range(4))
    assert speech(transcript, turn(transcript, 2)).startswith("Mostly")
    assert entry.action == "join" and "turns 2 and 3" in entry.summary


@pytest.mark.django_db
def test_undo_of_a_join_brings_the_second_turn_back(team: Team) -> None:
    transcript = make_document(team.study, INTERVIEW)
    before = state(transcript)
    entry = join_turns(first=turn(transcript, 2), second=turn(transcript, 3), user=team.coder)
    undo_batch(study=team.study, user=team.coder, batch=entry.batch)
    assert state(transcript) == before


# --- refusals: a clear message, nothing changed, nothing logged -----------------------------------


def _refused(transcript: Transcript, action: Any, match: str) -> None:
    before, logged = state(transcript), LogEntry.objects.count()
    with pytest.raises(ValidationError, match=match):
        action()
    assert state(transcript) == before and LogEntry.objects.count() == logged


@pytest.mark.django_db
def test_refusals_change_nothing(team: Team) -> None:
    transcript = make_document(team.study, INTERVIEW)
    other = make_document(team.study, INTERVIEW, title="Interview P2")
    p1 = speaker(transcript, "P1")
    t1 = turn(transcript, 1)
    user = team.coder
    _refused(transcript, lambda: merge_speakers(transcript=transcript, keep=p1, absorb=p1, user=user), "two different")
    _refused(transcript, lambda: merge_speakers(transcript=transcript, keep=p1, absorb=speaker(other, "P1"), user=user),
             "not in this document")  # fmt: skip
    _refused(transcript, lambda: reassign_turn(turn=t1, speaker=speaker(other, "Interviewer"), user=user),
             "not in this document")  # fmt: skip
    _refused(transcript, lambda: reassign_turn(turn=t1, speaker=p1, user=user), "already spoken by “P1”")
    _refused(transcript, lambda: reassign_turn(turn=t1, label="   ", user=user), "Choose a speaker")
    _refused(transcript, lambda: split_turn(turn=t1, at=t1.start, user=user), "both parts need some text")
    _refused(transcript, lambda: split_turn(turn=t1, at=t1.end, user=user), "both parts need some text")
    _refused(transcript, lambda: split_turn(turn=t1, at=t1.end + 5, user=user), "outside the turn")
    _refused(transcript, lambda: split_turn(turn=t1, at=t1.start - 3, user=user), "outside the turn")
    _refused(transcript, lambda: split_turn(turn=t1, at=t1.start + 2, speaker=speaker(other, "P1"), user=user),
             "not in this document")  # fmt: skip
    _refused(transcript, lambda: join_turns(first=turn(transcript, 1), second=turn(transcript, 3), user=user),
             "not neighbours")  # fmt: skip
    _refused(transcript, lambda: join_turns(first=turn(transcript, 2), second=turn(transcript, 1), user=user),
             "not neighbours")  # fmt: skip
    _refused(transcript, lambda: join_turns(first=t1, second=turn(other, 2), user=user), "not in the same document")
    # A turn that a later change removed (the page was out of date).
    gone = turn(transcript, 4)
    join_turns(first=turn(transcript, 3), second=gone, user=user)
    _refused(transcript, lambda: reassign_turn(turn=gone, speaker=p1, user=user), "no longer in this document")


@pytest.mark.django_db
def test_split_edges_ignore_white_space(team: Team) -> None:
    """A split on the white space at either end of a turn's words would leave a part empty."""
    transcript = make_document(team.study, [("P1", "  Hello there.  "), ("Interviewer", "Bye.")])
    t = turn(transcript, 0)
    _refused(transcript, lambda: split_turn(turn=t, at=t.start + 1, user=team.coder), "both parts need some text")
    _refused(transcript, lambda: split_turn(turn=t, at=t.end - 1, user=team.coder), "both parts need some text")


def test_sentence_starts() -> None:
    text = "P1: One. Two? “Three!” Four…\nFive"
    starts = sentence_starts(text, 4, len(text))
    assert [text[at : at + 4] for at in starts] == ["Two?", "“Thr", "Four", "Five"]
    assert sentence_starts("P1: Just one.", 4, 13) == []


def test_sentence_starts_of_lines_and_long_runs_of_spaces() -> None:
    text = "P1: First line\n  second line. Third!\n\nFourth"
    starts = sentence_starts(text, 4, len(text))
    assert [text[s : s + 6] for s in starts] == ["second", "Third!", "Fourth"]
    # A run of spaces with no line break was scanned again from every position (40,000 spaces took
    # 2.7 s per render of the review page); it is one match now, and nothing is a sentence start.
    spaced = "P1: a" + " " * 200_000 + "b"
    assert sentence_starts(spaced, 4, len(spaced)) == []
    dotted = "P1: a." + " " * 200_000 + "b"
    assert sentence_starts(dotted, 4, len(dotted)) == [len(dotted) - 1]


# --- undo refused after a later change -----------------------------------------------------------


@pytest.mark.django_db
def test_undo_is_refused_after_a_later_speaker_change_until_that_is_undone(team: Team) -> None:
    transcript = make_document(team.study, INTERVIEW)
    before = state(transcript)
    at = transcript.text.index("Then a", turn(transcript, 1).start)
    split = split_turn(turn=turn(transcript, 1), at=at, user=team.coder)
    reassign_turn(turn=turn(transcript, 2), label="P2", user=team.owner)  # someone else, later
    after_both = state(transcript)
    with pytest.raises(UndoRefused, match="changed since"):
        undo_batch(study=team.study, user=team.coder, batch=split.batch)
    assert state(transcript) == after_both
    assert LogEntry.objects.get(pk=split.pk).undone_at is None
    undo_last(study=team.study, user=team.owner)
    undo_batch(study=team.study, user=team.coder, batch=split.batch)
    assert state(transcript) == before


@pytest.mark.django_db
def test_undo_is_refused_after_a_text_correction_moved_the_turns(team: Team) -> None:
    transcript = make_document(team.study, INTERVIEW)
    entry = join_turns(first=turn(transcript, 0), second=turn(transcript, 1), user=team.coder)
    transcript.refresh_from_db()
    correct_transcript(transcript=transcript, new_text="Preface.\n\n" + transcript.text, user=team.coder,
                       expected_version=transcript.text_version)  # fmt: skip
    after_correction = state(transcript)
    with pytest.raises(UndoRefused, match="changed since"):
        undo_batch(study=team.study, user=team.coder, batch=entry.batch)
    assert state(transcript) == after_correction


# --- codings never move --------------------------------------------------------------------------


@pytest.mark.django_db
def test_codings_stay_identical_through_every_action_and_its_undo(team: Team) -> None:
    transcript = make_document(team.study, INTERVIEW)
    rows = coded(team, transcript)
    assert len(rows) == 2
    at = transcript.text.index("Then a", turn(transcript, 1).start)
    split_turn(turn=turn(transcript, 1), at=at, user=team.coder)
    reassign_turn(turn=turn(transcript, 2), label="P2", user=team.coder)
    join_turns(first=turn(transcript, 3), second=turn(transcript, 4), user=team.coder)
    merge_speakers(transcript=transcript, keep=speaker(transcript, "Interviewer"),
                   absorb=speaker(transcript, "Interviewer 1"), user=team.coder)  # fmt: skip
    assert codings(transcript, team.coder) == rows
    for _ in range(4):
        undo_last(study=team.study, user=team.coder)
    assert codings(transcript, team.coder) == rows


@pytest.mark.django_db
def test_the_reader_shows_the_turn_speaker_not_the_label_in_the_text(team: Team) -> None:
    transcript = make_document(team.study, INTERVIEW)
    reassign_turn(turn=turn(transcript, 2), label="Moderator", user=team.coder)
    turns = reader_context(transcript=transcript, user=team.coder)["turns"]
    assert transcript.text[turns[2].start - len("Interviewer 1: ") : turns[2].start] == "Interviewer 1: "
    assert (turns[2].speaker, turns[2].text) == ("Moderator", "Does that help?")


# --- a fixed number of queries -------------------------------------------------------------------


def _long(study: Study, n: int, title: str) -> Transcript:
    return make_document(study, [("Interviewer" if i % 2 else "P1", f"Turn {i}. It goes on.") for i in range(n)],
                         title=title)  # fmt: skip


def _queries(action: Any) -> int:
    with CaptureQueriesContext(connection) as captured:
        action()
    return len(captured)


def _split_join_counts(team: Team, n: int) -> list[int]:
    transcript = _long(team.study, n, f"Long {n}")
    t = turn(transcript, 3)
    at = transcript.text.index("It goes", t.start)
    counts = [
        _queries(lambda: split_turn(turn=t, at=at, user=team.coder)),
        _queries(lambda: undo_last(study=team.study, user=team.coder)),
        _queries(lambda: join_turns(first=turn(transcript, 3), second=turn(transcript, 4), user=team.coder)),
        _queries(lambda: undo_last(study=team.study, user=team.coder)),
    ]
    assert indices(transcript) == list(range(n))
    return counts


def _merge_reassign_counts(team: Team, n: int) -> list[int]:
    transcript = _long(team.study, n, f"Long {n}")
    return [
        _queries(lambda: reassign_turn(turn=turn(transcript, 5), label="Observer", user=team.coder)),
        _queries(lambda: undo_last(study=team.study, user=team.coder)),
        _queries(lambda: merge_speakers(transcript=transcript, keep=speaker(transcript, "P1"),
                                        absorb=speaker(transcript, "Interviewer"), user=team.coder)),
        _queries(lambda: undo_last(study=team.study, user=team.coder)),
    ]  # fmt: skip


@pytest.mark.django_db
def test_split_join_and_their_undo_take_the_same_queries_on_10_and_500_turns(team: Team) -> None:
    assert _split_join_counts(team, 10) == _split_join_counts(team, 500)


@pytest.mark.django_db
def test_merge_and_reassign_take_the_same_queries_on_10_and_500_turns(team: Team) -> None:
    assert _merge_reassign_counts(team, 10) == _merge_reassign_counts(team, 500)


# --- views ---------------------------------------------------------------------------------------


def _url(team: Team, name: str, transcript: Transcript) -> str:
    return reverse(f"interviews:{name}", args=[team.study.slug, transcript.uuid])


@pytest.mark.django_db
def test_review_page_lists_speakers_with_counts_and_every_turn(team: Team) -> None:
    transcript = make_document(team.study, INTERVIEW)
    response = team.client("coder").get(_url(team, "document_speakers", transcript))
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="turn-4"' in page and "Could you repeat that?" in page
    assert "Merge speakers" in page and "Join with turn 2" in page and "Split turn 4" in page
    # P1: 2 turns; the split choices of turn 4 include its second sentence.
    assert '<td class="num speaker-turns">2</td>' in page
    assert f'<option value="{transcript.text.index("Could you")}">“Could you repeat that?”</option>' in page


@pytest.mark.django_db
def test_review_page_takes_the_same_queries_on_10_and_500_turns(team: Team) -> None:
    client = team.client("coder")
    counts = []
    for n in (10, 500):
        transcript = _long(team.study, n, f"Long {n}")
        reassign_turn(turn=turn(transcript, 1), label="Observer", user=team.coder)  # an undo button to show
        with CaptureQueriesContext(connection) as captured:
            assert client.get(_url(team, "document_speakers", transcript)).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]


@pytest.mark.django_db
def test_review_page_escapes_the_text(team: Team) -> None:
    transcript = make_document(team.study, [("<b>P1</b>", "<script>alert(1)</script> Hi. There.")])
    page = team.client("coder").get(_url(team, "document_speakers", transcript)).content.decode()
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page
    assert "<b>P1</b>" not in page


@pytest.mark.django_db
def test_split_then_undo_through_the_views(team: Team) -> None:
    transcript = make_document(team.study, INTERVIEW)
    before = state(transcript)
    client = team.client("coder")
    t = turn(transcript, 3)
    at = transcript.text.index("Could you", t.start)
    response = csrf_post(client, _url(team, "turn_split", transcript),
                         {"turn": t.pk, "at": at, "speaker": speaker(transcript, "Interviewer").pk, "label": ""})  # fmt: skip
    assert response.status_code == 302 and response["Location"].endswith("/speakers/#turn-3")
    assert who(transcript, 4).label == "Interviewer"
    page = client.get(response["Location"]).content.decode()
    assert "Turn 4 split in two: turns 4 and 5." in page
    assert "Last change: split turn 4 of “Interview P1” in two" in page
    entry = LogEntry.objects.get(action="split")
    response = csrf_post(client, reverse("coding:undo", args=[team.study.slug]),
                         {"batch": str(entry.batch), "next": _url(team, "document_speakers", transcript)})  # fmt: skip
    assert response.status_code == 302 and response["Location"] == _url(team, "document_speakers", transcript)
    assert state(transcript) == before
    assert "Undone: split turn 4" in client.get(response["Location"]).content.decode()


@pytest.mark.django_db
def test_merge_reassign_and_join_through_the_views(team: Team) -> None:
    transcript = make_document(team.study, INTERVIEW)
    client = team.client("coder")
    response = csrf_post(client, _url(team, "speakers_merge", transcript), {
        "keep": speaker(transcript, "Interviewer").pk, "absorb": speaker(transcript, "Interviewer 1").pk,
    })  # fmt: skip
    assert response.status_code == 302
    assert "“Interviewer 1” merged into “Interviewer”." in client.get(response["Location"]).content.decode()
    response = csrf_post(client, _url(team, "turn_reassign", transcript),
                         {"turn": turn(transcript, 4).pk, "speaker": "new", "label": "Observer"})  # fmt: skip
    assert response.status_code == 302 and who(transcript, 4).label == "Observer"
    assert "Turn 5 is now spoken by “Observer”." in client.get(response["Location"]).content.decode()
    response = csrf_post(client, _url(team, "turn_reassign", transcript),
                         {"turn": turn(transcript, 4).pk, "speaker": speaker(transcript, "P1").pk, "label": ""})  # fmt: skip
    assert response.status_code == 302 and who(transcript, 4).label == "P1"
    assert not Speaker.objects.filter(transcript=transcript, label="Observer").exists()
    response = csrf_post(client, _url(team, "turn_join", transcript),
                         {"first": turn(transcript, 3).pk, "second": turn(transcript, 4).pk})  # fmt: skip
    assert response.status_code == 302 and response["Location"].endswith("#turn-3")
    assert indices(transcript) == [0, 1, 2, 3]
    assert "Turns 4 and 5 joined." in client.get(response["Location"]).content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("speakers_merge", lambda t, o: {"keep": speaker(t, "P1").pk, "absorb": speaker(t, "P1").pk},
         "Choose two different speakers"),
        ("speakers_merge", lambda t, o: {"keep": speaker(t, "P1").pk, "absorb": speaker(o, "Interviewer").pk},
         "That speaker is not in this document"),
        ("speakers_merge", lambda t, o: {"keep": "x", "absorb": speaker(t, "P1").pk}, "Choose the speaker to keep."),
        ("turn_reassign", lambda t, o: {"turn": turn(o, 1).pk, "speaker": speaker(t, "Interviewer").pk},
         "That turn is not in this document"),
        ("turn_reassign", lambda t, o: {"turn": turn(t, 1).pk, "speaker": speaker(o, "Interviewer").pk},
         "That speaker is not in this document"),
        ("turn_reassign", lambda t, o: {"turn": turn(t, 1).pk, "speaker": "new", "label": ""},
         "Write the new speaker’s label."),
        ("turn_reassign", lambda t, o: {"turn": turn(t, 1).pk, "speaker": "", "label": ""}, "Choose a speaker"),
        ("turn_reassign", lambda t, o: {"turn": turn(t, 1).pk, "speaker": speaker(t, "P1").pk},
         "Turn 2 is already spoken by “P1”."),
        ("turn_split", lambda t, o: {"turn": turn(o, 1).pk, "at": turn(o, 1).start + 5}, "That turn is not in this document"),
        ("turn_split", lambda t, o: {"turn": turn(t, 1).pk, "at": turn(t, 1).start}, "both parts need some text"),
        ("turn_split", lambda t, o: {"turn": turn(t, 1).pk, "at": turn(t, 1).end}, "both parts need some text"),
        ("turn_split", lambda t, o: {"turn": turn(t, 1).pk, "at": turn(t, 3).start + 2}, "outside the turn"),
        ("turn_split", lambda t, o: {"turn": turn(t, 1).pk, "at": ""}, "Choose where to split the turn"),
        ("turn_join", lambda t, o: {"first": turn(t, 1).pk, "second": turn(t, 3).pk}, "are not neighbours"),
        ("turn_join", lambda t, o: {"first": turn(t, 1).pk, "second": turn(o, 2).pk}, "That turn is not in this document"),
        ("turn_join", lambda t, o: {"first": turn(t, 1).pk}, "Choose two turns to join."),
    ],
)  # fmt: skip
def test_a_bad_post_says_why_and_changes_nothing(team: Team, name: str, data: Any, message: str) -> None:
    post: dict[str, Any]
    transcript = make_document(team.study, INTERVIEW)
    other = make_document(make_study(), INTERVIEW, title="Another study's interview")
    before, other_before, logged = state(transcript), state(other), LogEntry.objects.count()
    post = data(transcript, other)
    response = csrf_post(team.client("coder"), _url(team, name, transcript), post)
    page = response.content.decode()
    assert response.status_code == 400
    assert 'role="alert"' in page and message in page.replace("&#x27;", "'").replace("&quot;", '"'), page[:3000]
    assert state(transcript) == before and state(other) == other_before and LogEntry.objects.count() == logged


@pytest.mark.django_db
def test_a_refused_turn_change_is_shown_at_the_turn_too(team: Team) -> None:
    transcript = make_document(team.study, INTERVIEW)
    t = turn(transcript, 3)
    response = csrf_post(team.client("coder"), _url(team, "turn_split", transcript), {"turn": t.pk, "at": t.start})
    page = response.content.decode()
    assert response.status_code == 400
    at_turn = page[page.index('id="turn-3"') : page.index('id="turn-4"')]
    assert '<p class="error turn-error">Split the turn between its words' in at_turn
    assert page.count("turn-error") == 1


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "status"), [("viewer", 403), ("outsider", 404), ("anonymous", 302)])
def test_only_coders_may_review_speakers(team: Team, role: str, status: int) -> None:
    transcript = make_document(team.study, INTERVIEW)
    before, client = state(transcript), team.client(role)
    t = turn(transcript, 1)
    posts: dict[str, dict[str, Any]] = {
        "speakers_merge": {"keep": speaker(transcript, "P1").pk, "absorb": speaker(transcript, "Interviewer").pk},
        "turn_reassign": {"turn": t.pk, "speaker": "new", "label": "Observer"},
        "turn_split": {"turn": t.pk, "at": transcript.text.index("Then a")},
        "turn_join": {"first": t.pk, "second": turn(transcript, 2).pk},
    }
    for name, data in posts.items():
        assert csrf_post(client, _url(team, name, transcript), data).status_code == status, name
    assert client.get(_url(team, "document_speakers", transcript)).status_code == status
    assert state(transcript) == before and not LogEntry.objects.exists()


@pytest.mark.django_db
def test_the_undo_button_offers_only_the_users_own_change(team: Team) -> None:
    """The page's undo button names the user's own latest change to this document's speakers."""
    transcript = make_document(team.study, INTERVIEW)
    reassign_turn(turn=turn(transcript, 1), label="P2", user=team.owner)
    page = team.client("coder").get(_url(team, "document_speakers", transcript)).content.decode()
    assert 'id="last-change"' not in page
    page = team.client("owner").get(_url(team, "document_speakers", transcript)).content.decode()
    assert 'id="last-change"' in page and "gave turn 2" in page
