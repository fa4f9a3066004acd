from __future__ import annotations

import pytest

from interviews.importers import ImportFailure
from interviews.models import Participant, Speaker, SpeakerTurn, Transcript
from interviews.services.imports import SpeakerMapping, import_transcript
from tests.conftest import Team

from .importer_helpers import DATA

TEXT = "Interviewer: Do you use SHAP? 👍🏽\n\nP3: Every day.\n\nInterviewer: Why?\n\nP3: Debugging.\n".encode()


@pytest.mark.django_db
def test_import_creates_transcript_turns_and_maps_speakers(team: Team) -> None:
    p3 = Participant.objects.create(study=team.study, label="P3")
    outcome = import_transcript(study=team.study, filename="p3 interview.txt", data=TEXT, user=team.coder)
    transcript = outcome.transcript
    assert outcome.created and transcript.title == "p3 interview"
    assert transcript.source_format == "txt" and transcript.word_count == 9
    assert transcript.char_count == len(transcript.text)
    assert list(transcript.participants.all()) == [p3]
    speakers = {s.label: s for s in Speaker.objects.filter(transcript=transcript)}
    assert speakers["Interviewer"].role == "interviewer" and speakers["Interviewer"].participant is None
    assert speakers["P3"].participant == p3
    turns = list(transcript.turns.order_by("index"))
    assert [transcript.text[t.start : t.end] for t in turns] == [
        "Do you use SHAP? 👍🏽",
        "Every day.",
        "Why?",
        "Debugging.",
    ]


@pytest.mark.django_db
def test_same_file_twice_warns_and_does_not_duplicate(team: Team) -> None:
    first = import_transcript(study=team.study, filename="a.txt", data=TEXT, user=team.coder)
    again = import_transcript(study=team.study, filename="renamed.txt", data=TEXT, user=team.coder)
    assert not again.created and again.transcript == first.transcript
    assert "already imported" in again.warnings[0]
    assert Transcript.objects.count() == 1


@pytest.mark.django_db
def test_failure_leaves_database_unchanged(team: Team) -> None:
    with pytest.raises(ImportFailure):
        import_transcript(
            study=team.study, filename="cut.docx", data=(DATA / "sample.docx").read_bytes()[:300], user=None
        )
    assert Transcript.objects.count() == 0 and SpeakerTurn.objects.count() == 0 and Speaker.objects.count() == 0


@pytest.mark.django_db
def test_single_respondent_maps_to_participant_named_in_file(team: Team) -> None:
    r7 = Participant.objects.create(study=team.study, label="R7")
    data = b"Interviewer: Hello\n\nRespondent: Hi\n\nInterviewer: Bye\n\nRespondent: Bye\n"
    transcript = import_transcript(study=team.study, filename="R7_2021-03-02.txt", data=data, user=None).transcript
    assert Speaker.objects.get(transcript=transcript, label="Respondent").participant == r7


@pytest.mark.django_db
def test_chosen_participant_must_exist(team: Team) -> None:
    with pytest.raises(ImportFailure, match="not in this study"):
        import_transcript(study=team.study, filename="a.txt", data=TEXT, user=None, participant_labels=["P99"])


def _two_hour_vtt() -> bytes:
    """A 2-hour video-call caption file: ~3,600 short cues, speakers alternating every few cues."""
    lines = ["WEBVTT", ""]
    speakers = ["Interviewer", "Dr. Amal Haddad"]
    for i in range(3600):
        start, end = i * 2, i * 2 + 2
        who = speakers[(i // 5) % 2]
        lines += [
            str(i + 1),
            f"{start // 3600:02d}:{start // 60 % 60:02d}:{start % 60:02d}.000 --> "
            f"{end // 3600:02d}:{end // 60 % 60:02d}:{end % 60:02d}.000",
            f"<v {who}>cue {i} about counterfactual explanations and SHAP",
            "",
        ]
    return "\n".join(lines).encode()


@pytest.mark.django_db
def test_two_hour_vtt_merges_cues_into_turns(team: Team) -> None:
    transcript = import_transcript(study=team.study, filename="call.vtt", data=_two_hour_vtt(), user=None).transcript
    turns = list(transcript.turns.order_by("index"))
    assert len(turns) == 720
    assert turns[0].start_ms == 0 and turns[0].end_ms == 10_000
    assert turns[-1].end_ms == 7200 * 1000
    assert transcript.text[turns[1].start : turns[1].end].startswith("cue 5 about")
    assert transcript.word_count == 3600 * 7


@pytest.mark.django_db
def test_speaker_map_matches_stored_labels_whatever_the_case_and_spacing(team: Team) -> None:
    data = b"Interviewer A: Hello?\n\nDr Haddad: Hi.\n\nInterviewer A: Bye.\n\nDr Haddad: Bye.\n"
    speaker_map = {"interviewer a": SpeakerMapping("other"), "Dr  Haddad": SpeakerMapping("other")}
    transcript = import_transcript(
        study=team.study, filename="a.txt", data=data, user=None, speaker_map=speaker_map
    ).transcript
    assert dict(transcript.speakers.values_list("label", "role")) == {"Interviewer A": "other", "Dr Haddad": "other"}


@pytest.mark.django_db
def test_speaker_map_saying_two_things_of_one_speaker_is_refused(team: Team) -> None:
    speaker_map = {"Interviewer": SpeakerMapping("interviewer"), "interviewer": SpeakerMapping("other")}
    with pytest.raises(ImportFailure, match="of “Interviewer” and “interviewer”, which are one speaker"):
        import_transcript(study=team.study, filename="a.txt", data=TEXT, user=None, speaker_map=speaker_map)
    assert not Transcript.objects.exists()


NAMED = (
    "Maria Lopez: Thanks for joining. How do you explain models to the risk team?\n\n"
    "Dana Cole: Mostly with SHAP plots, and a short note on each.\n\n"
    "Maria Lopez: Who reads those notes?\n\n"
    "Dana Cole: The risk officers, every Monday.\n\n"
    "Maria Lopez: Does that work?\n\n"
    "Dana Cole: Most weeks it does.\n"
)


@pytest.mark.django_db
def test_a_named_speaker_who_asks_the_questions_is_the_interview_team(team: Team) -> None:
    """Otter and Zoom exports name people, not roles: every speaker defaulted to a participant, so
    the interviewer's questions counted as participant speech unless someone remapped them."""
    transcript = import_transcript(study=team.study, filename="a.txt", data=NAMED.encode(), user=None).transcript
    roles = dict(Speaker.objects.filter(transcript=transcript).values_list("label", "role"))
    assert roles == {"Maria Lopez": "interviewer", "Dana Cole": "participant"}
    # Two people who both mostly ask are no interview: nothing is guessed.
    both = NAMED.replace("a short note on each.", "a short note on each?").replace("every Monday.", "every Monday?")
    both = both.replace("Most weeks it does.", "Most weeks?").replace("Maria Lopez", "Sam Okafor")
    other = import_transcript(study=team.study, filename="b.txt", data=both.encode(), user=None).transcript
    assert set(Speaker.objects.filter(transcript=other).values_list("role", flat=True)) == {"participant"}


@pytest.mark.django_db
def test_a_name_is_who_the_study_said_it_was_before(team: Team) -> None:
    """Mapping “Maria Lopez” to the interview team in one file did not carry to her next file."""
    from interviews.models import SpeakerRole
    from interviews.services.documents import SpeakerChoice, map_speakers

    p1 = Participant.objects.create(study=team.study, label="P1")
    answers = NAMED.replace("?", ".")  # nobody asks here: only what the study said can tell
    first = import_transcript(study=team.study, filename="a.txt", data=answers.encode(), user=None).transcript
    maria = Speaker.objects.get(transcript=first, label="Maria Lopez")
    dana = Speaker.objects.get(transcript=first, label="Dana Cole")
    assert maria.role == dana.role == SpeakerRole.PARTICIPANT
    map_speakers(
        transcript=first,
        choices=[SpeakerChoice(maria, SpeakerRole.INTERVIEWER), SpeakerChoice(dana, SpeakerRole.PARTICIPANT, p1)],
    )
    again = answers.replace("Monday", "Tuesday").replace("Maria Lopez", "Maria  Lopez")  # a stray space
    second = import_transcript(study=team.study, filename="b.txt", data=again.encode(), user=None).transcript
    stored = {s.label: (s.role, s.participant) for s in Speaker.objects.filter(transcript=second)}
    assert stored == {"Maria Lopez": (SpeakerRole.INTERVIEWER, None), "Dana Cole": (SpeakerRole.PARTICIPANT, p1)}
    assert list(second.participants.all()) == [p1]
