from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from interviews.models import Participant, Speaker, Transcript
from tests.conftest import Team

from .importer_helpers import DATA


@pytest.mark.django_db
def test_imports_several_files_and_reports_each(team: Team) -> None:
    out = StringIO()
    call_command(
        "import_transcripts", "--study", team.study.slug, "--user", team.coder.username,
        str(DATA / "interview_p1.txt"), str(DATA / "sample.docx"), str(DATA / "interview_p5.vtt"), stdout=out,
    )  # fmt: skip
    assert out.getvalue().count("imported: ") == 3
    assert Transcript.objects.filter(study=team.study, created_by=team.coder).count() == 3


@pytest.mark.django_db
def test_failures_are_reported_and_exit_non_zero(team: Team, tmp_path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "empty.docx"
    bad.write_bytes(b"")
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match="1 of 2 files failed"):
        call_command("import_transcripts", "--study", team.study.slug, str(bad), str(DATA / "interview_p6.srt"),
                     stdout=out, stderr=err)  # fmt: skip
    assert "failed: empty.docx: is empty" in err.getvalue()
    assert Transcript.objects.count() == 1


@pytest.mark.django_db
def test_unknown_study() -> None:
    with pytest.raises(CommandError, match="No study"):
        call_command("import_transcripts", "--study", "nope", "x.txt")


INTERVIEW = (
    b"Interviewer: How do you check a model before launch?\n\n"
    b"Respondent: With SHAP plots, mostly.\n\n"
    b"Interviewer: And then?\n\n"
    b"Respondent: We talk to the risk team.\n\n"
    b"Participant 2: Can I add something?\n\n"
    b"Interviewer: Please.\n"
)
MODERATED = (
    b"MODERATOR: Could you start task 1?\n\nI'm opening the menu now.\n\n"
    b"MODERATOR: What do you expect there?\n\nProbably my profile.\n"
)


def _file(tmp_path, name: str, data: bytes) -> str:  # type: ignore[no-untyped-def]
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


@pytest.mark.django_db
def test_dry_run_prints_each_files_speakers_and_stores_nothing(team: Team, tmp_path) -> None:  # type: ignore[no-untyped-def]
    Participant.objects.create(study=team.study, label="P1")
    out = StringIO()
    call_command("import_transcripts", "--study", team.study.slug, "--dry-run", str(DATA / "interview_p1.txt"),
                 _file(tmp_path, "session.txt", INTERVIEW), stdout=out)  # fmt: skip
    text = out.getvalue()
    assert "preview: interview_p1.txt — txt," in text and "preview: session.txt — txt, 6 turns" in text
    assert "  Interviewer — 2 turns," in text and "→ interview team" in text
    assert "  P1 — " in text and "→ participant P1" in text
    assert "    “Could you describe how your team uses SHAP?”" in text  # the first turn's excerpt
    assert "  Respondent — 2 turns, 10 words → participant (not in the study)" in text
    assert "Participant 2 — 1 turn, 4 words" in text and "    doubt: " in text
    assert "2 files previewed; nothing was stored." in text
    assert not Transcript.objects.exists() and not Speaker.objects.exists()


@pytest.mark.django_db
def test_rename_and_speaker_options_change_what_is_stored(team: Team, tmp_path) -> None:  # type: ignore[no-untyped-def]
    p4 = Participant.objects.create(study=team.study, label="P4")
    path = _file(tmp_path, "session.txt", INTERVIEW)
    options = ["--rename", "Respondent=Amal", "--rename", "Participant 2=Amal", "--speaker", "Amal=P4",
               "--speaker", "Interviewer=other"]  # fmt: skip
    out = StringIO()
    call_command("import_transcripts", "--study", team.study.slug, "--dry-run", *options, path, stdout=out)
    assert "  Amal — 2 turns, 14 words → participant P4" in out.getvalue() and not Transcript.objects.exists()
    out = StringIO()
    call_command("import_transcripts", "--study", team.study.slug, *options, path, stdout=out)
    transcript = Transcript.objects.get()
    speakers = {s.label: s for s in transcript.speakers.all()}
    assert set(speakers) == {"Amal", "Interviewer"} and speakers["Amal"].participant == p4
    assert speakers["Interviewer"].role == "other" and list(transcript.participants.all()) == [p4]
    assert "imported: session.txt → “session” (5 turns, 25 words; speakers: Interviewer 3, Amal 2)" in out.getvalue()


@pytest.mark.django_db
def test_unlabelled_option_attributes_unlabelled_paragraphs(team: Team, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = _file(tmp_path, "session.txt", MODERATED)
    previous, participant = StringIO(), StringIO()
    call_command("import_transcripts", "--study", team.study.slug, "--dry-run", "--unlabelled", "previous", path,
                 stdout=previous)  # fmt: skip
    call_command("import_transcripts", "--study", team.study.slug, "--dry-run", "--unlabelled", "participant", path,
                 stdout=participant)  # fmt: skip
    assert "1 speaker\n" in previous.getvalue() and "unlabelled paragraphs: continue the previous speaker" in (
        previous.getvalue()
    )
    assert "2 speakers\n" in participant.getvalue() and "  MODERATOR — 2 turns" in participant.getvalue()
    assert "unlabelled paragraphs: are the participant speaking" in participant.getvalue()


@pytest.mark.django_db
def test_a_normal_run_warns_about_doubts(team: Team, tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = StringIO()
    call_command("import_transcripts", "--study", team.study.slug, _file(tmp_path, "s.txt", INTERVIEW), stdout=out)
    warnings = [line for line in out.getvalue().splitlines() if line.startswith("  warning: ")]
    assert any("Participant 2" in line for line in warnings)


@pytest.mark.django_db
def test_a_bad_file_is_reported_and_the_batch_goes_on(team: Team, tmp_path) -> None:  # type: ignore[no-untyped-def]
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match="1 of 2 files failed; 1 previewed"):
        call_command("import_transcripts", "--study", team.study.slug, "--dry-run",
                     _file(tmp_path, "broken.pdf", b"%PDF-1.4 garbage"), _file(tmp_path, "s.txt", INTERVIEW),
                     stdout=out, stderr=err)  # fmt: skip
    assert "failed: broken.pdf: is not a valid PDF" in err.getvalue() and "preview: s.txt" in out.getvalue()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("option", "message"),
    [(["--speaker", "Amal=P99"], "'P99' is neither a participant"), (["--rename", "Amal"], "--rename takes")],
)
def test_bad_speaker_options_are_refused(team: Team, option: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        call_command("import_transcripts", "--study", team.study.slug, *option, str(DATA / "interview_p1.txt"))
    assert not Transcript.objects.exists()


@pytest.mark.django_db
def test_speaker_labels_match_whatever_the_case_and_spacing(team: Team, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = _file(tmp_path, "session.txt", INTERVIEW)
    call_command("import_transcripts", "--study", team.study.slug, "--speaker", "interviewer=other",
                 "--rename", "participant2=Amal", path, stdout=StringIO())  # fmt: skip
    speakers = dict(Transcript.objects.get().speakers.values_list("label", "role"))
    assert speakers["Interviewer"] == "other" and "Amal" in speakers


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("option", "failure", "imported"),
    [
        (["--speaker", "Nobody=other"], "failed: b.txt: has no speaker “Nobody” to say who it is", ["a.txt"]),
        (["--rename", "Ghost=Amal"], "failed: b.txt: has no speaker “Ghost” to rename", ["a.txt"]),
    ],
)
def test_a_label_no_speaker_of_a_file_has_fails_that_file(  # type: ignore[no-untyped-def]
    team: Team, tmp_path, option: list[str], failure: str, imported: list[str]
) -> None:
    matching = b"Ghost: Who are you?\n\nNobody: Nobody.\n\nGhost: Really?\n\nNobody: Really.\n"
    files = [_file(tmp_path, "a.txt", matching), _file(tmp_path, "b.txt", MODERATED)]
    for dry_run in (["--dry-run"], []):
        out, err = StringIO(), StringIO()
        with pytest.raises(CommandError, match="1 of 2 files failed"):
            call_command("import_transcripts", "--study", team.study.slug, *dry_run, *option, *files,
                         stdout=out, stderr=err)  # fmt: skip
        assert failure in err.getvalue() and "a.txt" in out.getvalue()
    assert list(Transcript.objects.values_list("source_filename", flat=True)) == imported


@pytest.mark.django_db
def test_two_speaker_options_for_one_speaker_must_agree(team: Team) -> None:
    with pytest.raises(CommandError, match="say different things of one speaker"):
        call_command("import_transcripts", "--study", team.study.slug, "--speaker", "Interviewer A=other",
                     "--speaker", "interviewer a=interviewer", str(DATA / "interview_p1.txt"))  # fmt: skip


@pytest.mark.django_db
def test_a_speaker_option_naming_a_renamed_label_says_what_it_is_stored_as(team: Team, tmp_path) -> None:  # type: ignore[no-untyped-def]
    err = StringIO()
    with pytest.raises(CommandError, match="1 of 1 files failed"):
        call_command("import_transcripts", "--study", team.study.slug, "--rename", "Respondent=Amal",
                     "--speaker", "respondent=other", _file(tmp_path, "a.txt", INTERVIEW), stderr=err)  # fmt: skip
    assert "failed: a.txt: has no speaker “respondent” to say who it is (“Respondent” is stored as “Amal”" in (
        err.getvalue()
    )
    assert not Transcript.objects.exists()
