"""The import preview (issue 9): the speakers found in each file, shown before anything is stored;
renaming, merging and mapping speakers and choosing where unlabelled paragraphs go change what
the import stores."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse

from interviews.importers import ImportFailure, SpeakerOptions
from interviews.models import Participant, Speaker, SpeakerRole, Transcript
from interviews.services.imports import SpeakerMapping, import_transcript, preview_transcript
from studies.models import Job, StagedKind, StagedUpload
from studies.staging import stage_upload
from tests.conftest import Team, csrf_post

INTERVIEW = (
    b"Interviewer: How do you check a model before launch?\n\n"
    b"Respondent: With SHAP plots, mostly.\n\n"
    b"Interviewer: And then?\n\n"
    b"Respondent: We talk to the risk team.\n"
)
TWO_INTERVIEWERS = (
    b"Interviewer A: First question?\n\nP3: An answer.\n\n"
    b"Interviewer B: A follow-up?\n\nP3: Another answer.\n\n"
    b"Interviewer A: Last one?\n\nP3: Done.\n\n"
    b"Interviewer B: Thanks!\n"
)
# A think-aloud session: only the moderator is labelled.
MODERATED = (
    b"MODERATOR: Could you start task 1?\n\n"
    b"I'm opening the menu now. It says settings.\n\n"
    b"MODERATOR: What do you expect to find there?\n\n"
    b"Probably my profile, and the password.\n"
)


class _Fields(HTMLParser):
    """The values a browser would submit from the page's forms (as rendered, before any change)."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, list[str]] = {}
        self._select: str | None = None
        self._first_option: str | None = None
        self._selected = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "input" and a.get("name") and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") == "checkbox" and "checked" not in a:
                return
            self.values.setdefault(a["name"], []).append(a.get("value", "on" if a.get("type") == "checkbox" else ""))
        elif tag == "select":
            self._select, self._first_option, self._selected = a.get("name"), None, False
        elif tag == "option" and self._select:
            if self._first_option is None:
                self._first_option = a.get("value", "")
            if "selected" in a:
                self.values[self._select] = [a.get("value", "")]
                self._selected = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "select" and self._select:
            if not self._selected and self._first_option is not None:
                self.values[self._select] = [self._first_option]
            self._select = None


def form_fields(html: str) -> dict[str, Any]:
    parser = _Fields()
    parser.feed(html)
    return {k: v if len(v) > 1 else v[0] for k, v in parser.values.items() if k != "csrfmiddlewaretoken"}


def _row(fields: dict[str, Any], label: str) -> str:
    """The field prefix of the speaker row showing `label` (`f-<uuid>-s<n>`)."""
    for name, value in fields.items():
        if name.endswith("-source") and value == label:
            return name.removesuffix("-source")
    raise AssertionError(f"no speaker row for {label!r} in {sorted(fields)}")


def _who(participant: Participant) -> str:
    return f"participant:{participant.uuid}"


def _upload(client: Client, team: Team, *files: tuple[str, bytes], **extra: str):  # type: ignore[no-untyped-def]
    data: dict[str, Any] = {"files": [SimpleUploadedFile(name, content) for name, content in files], **extra}
    return csrf_post(client, reverse("interviews:import", args=[team.study.slug]), data)


def _coder(team: Team) -> Client:
    return team.client("coder")


# --- the service ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_preview_describes_the_speakers_and_stores_nothing(team: Team) -> None:
    r7 = Participant.objects.create(study=team.study, label="R7")
    preview = preview_transcript(study=team.study, filename="R7_interview.txt", data=INTERVIEW)
    speakers = {s.label: s for s in preview.speakers}
    assert list(speakers) == ["Interviewer", "Respondent"]
    assert (speakers["Interviewer"].turns, speakers["Interviewer"].words) == (2, 10)
    assert speakers["Respondent"].first_turns == ["With SHAP plots, mostly.", "We talk to the risk team."]
    assert preview.turns == 4 and preview.words == 20 and preview.format == "txt"
    # The defaults the import would apply: the interviewer is the team; the one respondent of a file
    # named after R7 is R7.
    assert speakers["Interviewer"].mapping == SpeakerMapping(SpeakerRole.INTERVIEWER)
    assert speakers["Respondent"].mapping == SpeakerMapping(SpeakerRole.PARTICIPANT, r7.label)
    assert not Transcript.objects.exists() and not Speaker.objects.exists()


@pytest.mark.django_db
def test_a_file_that_cannot_be_read_says_why(team: Team) -> None:
    with pytest.raises(ImportFailure, match=r"^broken.pdf: "):
        preview_transcript(study=team.study, filename="broken.pdf", data=b"%PDF-1.4 garbage")


@pytest.mark.django_db
def test_speaker_map_sets_who_each_stored_speaker_is(team: Team) -> None:
    p4 = Participant.objects.create(study=team.study, label="P4")
    Participant.objects.create(study=team.study, label="R7")
    outcome = import_transcript(
        study=team.study, filename="R7_interview.txt", data=INTERVIEW, user=team.coder,
        speaker_map={"Respondent": SpeakerMapping(SpeakerRole.PARTICIPANT, "P4"),
                     "Interviewer": SpeakerMapping(SpeakerRole.OTHER)},
    )  # fmt: skip
    speakers = {s.label: s for s in Speaker.objects.filter(transcript=outcome.transcript)}
    assert (speakers["Respondent"].role, speakers["Respondent"].participant) == ("participant", p4)
    assert (speakers["Interviewer"].role, speakers["Interviewer"].participant) == ("other", None)
    # The researcher said who the respondent is: the file name's R7 is not linked as well.
    assert list(outcome.transcript.participants.all()) == [p4]
    summary = {s["label"]: s for s in outcome.summary["speakers"]}
    assert summary["Respondent"] == {"label": "Respondent", "role": "participant", "participant": "P4",
                                     "turns": 2, "words": 10}  # fmt: skip


@pytest.mark.django_db
def test_mapping_to_a_participant_outside_the_study_stores_nothing(team: Team) -> None:
    with pytest.raises(ImportFailure, match="P9"):
        import_transcript(
            study=team.study, filename="a.txt", data=INTERVIEW, user=None,
            speaker_map={"Respondent": SpeakerMapping(SpeakerRole.PARTICIPANT, "P9")},
        )  # fmt: skip
    assert not Transcript.objects.exists() and not Speaker.objects.exists()


@pytest.mark.django_db
def test_renaming_to_one_label_merges_speakers(team: Team) -> None:
    outcome = import_transcript(
        study=team.study, filename="two.txt", data=TWO_INTERVIEWERS, user=None,
        speaker_options=SpeakerOptions(renames={"Interviewer B": "Interviewer A"}),
    )  # fmt: skip
    transcript = outcome.transcript
    assert sorted(transcript.speakers.values_list("label", flat=True)) == ["Interviewer A", "P3"]
    assert transcript.turns.filter(speaker__label="Interviewer A").count() == 4
    assert {s["label"]: s["turns"] for s in outcome.summary["speakers"]} == {"Interviewer A": 4, "P3": 3}


@pytest.mark.django_db
@pytest.mark.parametrize("unlabelled", ["previous", "participant"])
def test_unlabelled_paragraphs_go_where_the_researcher_says(team: Team, unlabelled: str) -> None:
    transcript = import_transcript(
        study=team.study, filename="session.txt", data=MODERATED, user=None,
        speaker_options=SpeakerOptions(unlabelled=unlabelled),  # type: ignore[arg-type]
    ).transcript  # fmt: skip
    turns = list(transcript.turns.select_related("speaker").order_by("index"))
    menu = next(t for t in turns if "opening the menu" in transcript.text[t.start : t.end])
    if unlabelled == "previous":  # the whole session is the moderator's, joined into one turn
        assert menu.speaker is not None and menu.speaker.label == "MODERATOR"
        assert transcript.speakers.count() == 1 and len(turns) == 1
    else:
        assert menu.speaker is not None and menu.speaker.role == SpeakerRole.PARTICIPANT
        assert menu.speaker.label != "MODERATOR"
        assert transcript.speakers.get(label="MODERATOR").role == SpeakerRole.INTERVIEWER
        assert [t.speaker == menu.speaker for t in turns] == [False, True, False, True]


@pytest.mark.django_db
def test_participant_ids_of_the_study_are_speakers_even_once(team: Team) -> None:
    p12 = Participant.objects.create(study=team.study, label="P12")
    data = (b"Interviewer: Hello, how do you use the tool?\n\nRespondent: Often.\n\nInterviewer: Why?\n\n"
            b"Respondent: It is fast.\n\nP12: May I add that it is slow on Mondays?\n\nInterviewer: Sure.\n")  # fmt: skip
    transcript = import_transcript(study=team.study, filename="group.txt", data=data, user=None).transcript
    assert transcript.speakers.get(label="P12").participant == p12


# --- the web preview -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_upload_shows_the_preview_and_stores_nothing(team: Team) -> None:
    client = _coder(team)
    response = _upload(client, team, ("R7_interview.txt", INTERVIEW), ("broken.pdf", b"%PDF-1.4 garbage"))
    assert response.status_code == 302 and "/documents/import/preview/?f=" in response["Location"]
    staged = {(s.name, s.kind, s.user) for s in StagedUpload.objects.all()}
    assert staged == {
        ("R7_interview.txt", StagedKind.TRANSCRIPT, team.coder),
        ("broken.pdf", StagedKind.TRANSCRIPT, team.coder),
    }
    page = client.get(response["Location"])
    body = page.content.decode()
    assert page.status_code == 200
    assert "Interviewer" in body and "Respondent" in body and "With SHAP plots, mostly." in body
    assert "broken.pdf: is not a valid PDF" in body  # the bad file says why; the good one is still there
    fields = form_fields(body)
    assert fields[_row(fields, "Respondent") + "-name"] == "Respondent"
    assert not Transcript.objects.exists() and not Job.objects.exists()


@pytest.mark.django_db
def test_confirm_stores_renamed_merged_and_mapped_speakers(team: Team, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    p3 = Participant.objects.create(study=team.study, label="P3")
    client = _coder(team)
    preview_url = _upload(client, team, ("two.txt", TWO_INTERVIEWERS))["Location"]
    fields = form_fields(client.get(preview_url).content.decode())
    b, p = _row(fields, "Interviewer B"), _row(fields, "P3")
    assert fields[p + "-who"] == _who(p3)  # a participant id is that participant by default
    fields[b + "-name"] = "Interviewer A"  # merge B into A
    fields[p + "-name"] = "Dr. Haddad"  # rename, and still P3
    with django_capture_on_commit_callbacks(execute=True):
        response = csrf_post(client, preview_url, {**fields, "action": "confirm"})
    assert response.status_code == 302 and response["Location"].endswith("/documents/imports/")
    job = Job.objects.get()
    assert job.status == "done", job.error
    assert job.params["speaker_options"]["renames"] == {"Interviewer B": "Interviewer A", "P3": "Dr. Haddad"}
    transcript = Transcript.objects.get()
    speakers = {s.label: s for s in transcript.speakers.all()}
    assert set(speakers) == {"Interviewer A", "Dr. Haddad"}
    assert speakers["Interviewer A"].role == "interviewer" and speakers["Dr. Haddad"].participant == p3
    assert list(transcript.participants.all()) == [p3]
    assert not StagedUpload.objects.exists()


@pytest.mark.django_db
def test_mapping_a_speaker_to_a_participant_links_the_document(team: Team, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    p4 = Participant.objects.create(study=team.study, label="P4")
    client = _coder(team)
    preview_url = _upload(client, team, ("interview.txt", INTERVIEW))["Location"]
    fields = form_fields(client.get(preview_url).content.decode())
    respondent, interviewer = _row(fields, "Respondent"), _row(fields, "Interviewer")
    assert fields[respondent + "-who"] == "participant" and fields[interviewer + "-who"] == "interviewer"
    fields[respondent + "-who"] = _who(p4)
    with django_capture_on_commit_callbacks(execute=True):
        csrf_post(client, preview_url, {**fields, "action": "confirm"})
    transcript = Transcript.objects.get()
    assert transcript.speakers.get(label="Respondent").participant == p4
    assert list(transcript.participants.all()) == [p4]
    assert transcript.speakers.get(label="Interviewer").role == "interviewer"


@pytest.mark.django_db
def test_unlabelled_choice_re_renders_the_file(team: Team) -> None:
    client = _coder(team)
    preview_url = _upload(client, team, ("session.txt", MODERATED))["Location"]
    fields = form_fields(client.get(preview_url).content.decode())
    staged = StagedUpload.objects.get()
    prefix = f"f-{staged.uuid}"
    file_url = reverse("interviews:import_preview_file", args=[team.study.slug, staged.uuid])

    fragment = csrf_post(client, file_url, {**fields, f"{prefix}-unlabelled": "previous"}, HTTP_HX_REQUEST="true")
    body = fragment.content.decode()
    assert fragment.status_code == 200 and body.lstrip().startswith(
        f'<section class="card import-file" id="file-{staged.uuid}"'
    )
    previous = form_fields(body)
    assert previous[f"{prefix}-unlabelled"] == "previous"
    assert [v for k, v in previous.items() if k.endswith("-source")] == ["MODERATOR"]

    fragment = csrf_post(client, file_url, {**fields, f"{prefix}-unlabelled": "participant"}, HTTP_HX_REQUEST="true")
    participant = form_fields(fragment.content.decode())
    sources = [v for k, v in participant.items() if k.endswith("-source")]
    assert participant[f"{prefix}-unlabelled"] == "participant" and len(sources) == 2 and "MODERATOR" in sources
    other = next(s for s in sources if s != "MODERATOR")
    assert participant[_row(participant, other) + "-who"] != "interviewer"
    assert not Transcript.objects.exists()


@pytest.mark.django_db
def test_the_unlabelled_choice_is_what_the_import_stores(team: Team, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    client = _coder(team)
    preview_url = _upload(client, team, ("session.txt", MODERATED))["Location"]
    fields = form_fields(client.get(preview_url).content.decode())
    fields[f"f-{StagedUpload.objects.get().uuid}-unlabelled"] = "previous"
    with django_capture_on_commit_callbacks(execute=True):
        csrf_post(client, preview_url, {**fields, "action": "confirm"})
    transcript = Transcript.objects.get()
    assert Job.objects.get().params["speaker_options"]["unlabelled"] == "previous"
    assert list(transcript.speakers.values_list("label", flat=True)) == ["MODERATOR"]
    assert transcript.turns.count() == 1


@pytest.mark.django_db
def test_a_protocol_that_is_not_a_uuid_is_refused(team: Team) -> None:
    response = _upload(_coder(team), team, ("a.txt", INTERVIEW), protocol="not-a-uuid")
    assert response.status_code == 400 and "protocol is not in this study" in response.content.decode()


@pytest.mark.django_db
def test_update_keeps_the_choices_made_and_stores_nothing(team: Team) -> None:
    client = _coder(team)
    preview_url = _upload(client, team, ("interview.txt", INTERVIEW))["Location"]
    fields = form_fields(client.get(preview_url).content.decode())
    row = _row(fields, "Respondent")
    fields[row + "-name"] = "Amal"
    fields[row + "-who"] = "other"
    page = csrf_post(client, preview_url, {**fields, "action": "refresh"})
    again = form_fields(page.content.decode())
    assert page.status_code == 200
    assert (again[row + "-name"], again[row + "-who"]) == ("Amal", "other")
    assert not Transcript.objects.exists() and not Job.objects.exists() and StagedUpload.objects.count() == 1


@pytest.mark.django_db
def test_merging_speakers_set_to_different_people_is_refused(team: Team) -> None:
    client = _coder(team)
    preview_url = _upload(client, team, ("interview.txt", INTERVIEW))["Location"]
    fields = form_fields(client.get(preview_url).content.decode())
    fields[_row(fields, "Respondent") + "-name"] = "Interviewer"  # merged, but one is a participant
    response = csrf_post(client, preview_url, {**fields, "action": "confirm"})
    assert response.status_code == 400
    assert "are merged into “Interviewer” but set to different people" in response.content.decode()
    assert not Job.objects.exists() and StagedUpload.objects.count() == 1


@pytest.mark.django_db
def test_left_out_and_unreadable_files_are_discarded_on_confirm(team: Team, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    client = _coder(team)
    preview_url = _upload(client, team, ("a.txt", INTERVIEW), ("b.txt", TWO_INTERVIEWERS), ("broken.pdf", b"%PDF-1 x"))[
        "Location"
    ]
    fields = form_fields(client.get(preview_url).content.decode())
    skipped = StagedUpload.objects.get(name="b.txt")
    del fields[f"f-{skipped.uuid}-include"]  # untick "Import this file"
    with django_capture_on_commit_callbacks(execute=True):
        csrf_post(client, preview_url, {**fields, "action": "confirm"})
    assert list(Job.objects.values_list("input_name", "status")) == [("a.txt", "done")]
    assert list(Transcript.objects.values_list("source_filename", flat=True)) == ["a.txt"]
    assert not StagedUpload.objects.exists()
    # Confirming the same preview again (another tab) finds the files gone.
    again = csrf_post(client, preview_url, {**fields, "action": "confirm"}, follow=True)
    assert "This preview expired" in again.content.decode() and Job.objects.count() == 1


@pytest.mark.django_db
def test_cancel_deletes_the_staged_files(team: Team) -> None:
    client = _coder(team)
    preview_url = _upload(client, team, ("a.txt", INTERVIEW), ("b.txt", TWO_INTERVIEWERS))["Location"]
    assert StagedUpload.objects.count() == 2
    response = csrf_post(client, preview_url, {"action": "cancel"})
    assert response.status_code == 302 and response["Location"] == reverse("interviews:import", args=[team.study.slug])
    assert not StagedUpload.objects.exists() and not Transcript.objects.exists() and not Job.objects.exists()


@pytest.mark.django_db
def test_participants_and_protocol_chosen_at_upload_carry_through(
    team: Team, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    r7 = Participant.objects.create(study=team.study, label="R7")
    client = _coder(team)
    preview_url = _upload(client, team, ("interview.txt", INTERVIEW), participants="R7")["Location"]
    fields = form_fields(client.get(preview_url).content.decode())
    assert fields[_row(fields, "Respondent") + "-who"] == _who(r7)
    with django_capture_on_commit_callbacks(execute=True):
        csrf_post(client, preview_url, {**fields, "action": "confirm"})
    transcript = Transcript.objects.get()
    assert transcript.speakers.get(label="Respondent").participant == r7
    assert Job.objects.get().params["participant_labels"] == ["R7"]


@pytest.mark.django_db
def test_the_kind_chosen_at_upload_carries_through(team: Team, django_capture_on_commit_callbacks: Any) -> None:
    """A kind chosen at upload ("Not an interview"): the preview says so, and the documents are
    stored so, with or without the preview (the saturation curve leaves them out)."""
    client = _coder(team)
    preview_url = _upload(client, team, ("prose.txt", INTERVIEW), mode="other")["Location"]
    page = client.get(preview_url).content.decode()
    assert "stored as <strong>not an interview</strong>" in page
    with django_capture_on_commit_callbacks(execute=True):
        csrf_post(client, preview_url, {**form_fields(page), "action": "confirm"})
    assert Transcript.objects.get().mode == "other"
    with django_capture_on_commit_callbacks(execute=True):
        _upload(client, team, ("notes.txt", INTERVIEW + b"x"), mode="other", skip_preview="1")
    assert sorted(Transcript.objects.values_list("mode", flat=True)) == ["other", "other"]
    assert _upload(client, team, ("a.txt", INTERVIEW), mode="nonsense").status_code == 400


@pytest.mark.django_db
def test_too_many_files_for_the_preview_is_a_clear_error(team: Team) -> None:
    files = [(f"f{i}.txt", INTERVIEW + str(i).encode()) for i in range(21)]
    response = _upload(_coder(team), team, *files)
    assert response.status_code == 400 and "Import without preview" in response.content.decode()
    assert not StagedUpload.objects.exists()


@pytest.mark.django_db
@override_settings(THEMATICA_MAX_UPLOAD_BYTES=100)
def test_an_oversized_file_is_left_out_of_the_preview(team: Team) -> None:
    client = _coder(team)
    response = _upload(client, team, ("big.txt", INTERVIEW * 3), ("small.txt", b"Interviewer: Hi.\n\nP1: Hello.\n"))
    assert response.status_code == 302 and [s.name for s in StagedUpload.objects.all()] == ["small.txt"]
    page = client.get(response["Location"]).content.decode()
    assert "big.txt: is" in page and "the limit is 100 bytes" in page


@pytest.mark.django_db
def test_viewers_and_outsiders_cannot_preview(team: Team) -> None:
    staged = stage_upload(study=team.study, user=team.coder, kind=StagedKind.TRANSCRIPT, name="a.txt", data=INTERVIEW)
    preview_url = reverse("interviews:import_preview", args=[team.study.slug]) + f"?f={staged.uuid}"
    file_url = reverse("interviews:import_preview_file", args=[team.study.slug, staged.uuid])
    assert team.client("viewer").get(preview_url).status_code == 403
    assert team.client("outsider").get(preview_url).status_code == 404
    assert csrf_post(team.client("viewer"), file_url).status_code == 403
    assert csrf_post(team.client("outsider"), file_url).status_code == 404
    assert team.client("coder").get(preview_url).status_code == 200


@pytest.mark.django_db
def test_another_users_staged_upload_is_not_found(team: Team) -> None:
    staged = stage_upload(study=team.study, user=team.coder, kind=StagedKind.TRANSCRIPT, name="a.txt", data=INTERVIEW)
    owner = team.client("owner")
    file_url = reverse("interviews:import_preview_file", args=[team.study.slug, staged.uuid])
    assert csrf_post(owner, file_url).status_code == 404
    preview_url = reverse("interviews:import_preview", args=[team.study.slug]) + f"?f={staged.uuid}"
    page = owner.get(preview_url, follow=True).content.decode()
    assert "a.txt" not in page and "This preview expired" in page
    csrf_post(owner, preview_url, {"action": "cancel"})
    csrf_post(owner, preview_url, {"action": "confirm"})
    assert StagedUpload.objects.get() == staged and not Job.objects.exists()


@pytest.mark.django_db
def test_the_preview_names_other_spellings_of_one_speaker(team: Team) -> None:
    data = (b"Interviewer1: Hello?\n\nP3: Hi.\n\nInterviewer 1: How are you?\n\nP3: Fine.\n\n"
            b"Interviewer 1: Good.\n\nP3: Yes.\n")  # fmt: skip
    client = _coder(team)
    page = client.get(_upload(client, team, ("a.txt", data))["Location"]).content.decode()
    fields = form_fields(page)
    assert [v for k, v in fields.items() if k.endswith("-source")] == ["Interviewer 1", "P3"]
    assert "also written “Interviewer1”" in page


@pytest.mark.django_db
def test_a_file_already_imported_is_said_and_left_out_by_default(team: Team) -> None:
    import_transcript(study=team.study, filename="first.txt", data=INTERVIEW, user=None)
    client = _coder(team)
    page = client.get(_upload(client, team, ("again.txt", INTERVIEW))["Location"]).content.decode()
    assert "This file was already imported as “first”, so it is left out of this import" in page
    assert f"f-{StagedUpload.objects.get().uuid}-include" not in form_fields(page)
    assert "Import this file" not in page  # no box to tick that would change nothing


# --- merges that differ only in letter case or spacing (review defects) ------------------------------

ONE_INTERVIEWER = (
    b"Interviewer A: First question?\n\nP3: We compute SHAP values.\n\nInterviewer A: Last one?\n\nP3: Done.\n"
)


@pytest.mark.django_db
def test_a_merge_differing_only_in_letter_case_is_checked_for_who(team: Team) -> None:
    p3 = Participant.objects.create(study=team.study, label="P3")
    client = _coder(team)
    preview_url = _upload(client, team, ("one.txt", ONE_INTERVIEWER))["Location"]
    fields = form_fields(client.get(preview_url).content.decode())
    a, p = _row(fields, "Interviewer A"), _row(fields, "P3")
    assert fields[a + "-who"] == "interviewer" and fields[p + "-who"] == _who(p3)
    fields[p + "-name"] = "interviewer a"  # the same speaker as "Interviewer A", but set to P3
    response = csrf_post(client, preview_url, {**fields, "action": "confirm"})
    body = response.content.decode()
    assert response.status_code == 400
    assert "“Interviewer A” and “P3” are merged into one speaker" in body and "set to different people" in body
    assert not Job.objects.exists() and not Transcript.objects.exists() and StagedUpload.objects.count() == 1


@pytest.mark.django_db
def test_a_merge_differing_only_in_spacing_keeps_one_who(team: Team, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    Participant.objects.create(study=team.study, label="P3")
    client = _coder(team)
    preview_url = _upload(client, team, ("one.txt", ONE_INTERVIEWER))["Location"]
    fields = form_fields(client.get(preview_url).content.decode())
    p = _row(fields, "P3")
    fields[p + "-name"] = "  interviewer   a "
    fields[p + "-who"] = "interviewer"
    with django_capture_on_commit_callbacks(execute=True):
        response = csrf_post(client, preview_url, {**fields, "action": "confirm"})
    assert response.status_code == 302
    job = Job.objects.get()
    assert job.status == "done", job.error
    assert job.params["speaker_options"]["renames"] == {"P3": "interviewer a"}
    assert len(job.params["speaker_map"]) == 1  # one speaker, said once
    speakers = list(Transcript.objects.get().speakers.values_list("label", "role", "participant"))
    assert len(speakers) == 1 and speakers[0][1:] == ("interviewer", None)


@pytest.mark.django_db
def test_a_name_typed_with_double_spaces_keeps_its_who(team: Team, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    client = _coder(team)
    preview_url = _upload(client, team, ("interview.txt", INTERVIEW))["Location"]
    fields = form_fields(client.get(preview_url).content.decode())
    row = _row(fields, "Interviewer")
    fields[row + "-name"] = "Dr  Haddad"
    fields[row + "-who"] = "other"
    with django_capture_on_commit_callbacks(execute=True):
        csrf_post(client, preview_url, {**fields, "action": "confirm"})
    job = Job.objects.get()
    assert job.status == "done", job.error
    assert job.params["speaker_options"]["renames"] == {"Interviewer": "Dr Haddad"}
    assert Transcript.objects.get().speakers.get(label="Dr Haddad").role == "other"


# --- a per-file form that cannot be read (review defect) --------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("count", ["501", "many", "-1"])
def test_an_unreadable_file_form_blocks_the_confirm(team: Team, count: str) -> None:
    client = _coder(team)
    preview_url = _upload(client, team, ("a.txt", INTERVIEW), ("b.txt", TWO_INTERVIEWERS))["Location"]
    fields = form_fields(client.get(preview_url).content.decode())
    skipped = StagedUpload.objects.get(name="b.txt")
    del fields[f"f-{skipped.uuid}-include"]  # unticked: must never be imported with the defaults
    fields[f"f-{skipped.uuid}-count"] = count
    response = csrf_post(client, preview_url, {**fields, "action": "confirm"})
    body = response.content.decode()
    assert response.status_code == 400 and "Some choices cannot be applied" in body
    card = body[body.index(f'id="file-{skipped.uuid}"') :]
    card = card[: card.index("</section>")]
    assert "The choices for this file could not be read" in card
    assert f"f-{skipped.uuid}-include" not in form_fields(body)  # still unticked when shown again
    assert not Job.objects.exists() and not Transcript.objects.exists() and StagedUpload.objects.count() == 2


@pytest.mark.django_db
def test_a_readable_file_posted_without_its_choices_blocks_the_confirm(team: Team) -> None:
    client = _coder(team)
    preview_url = _upload(client, team, ("a.txt", INTERVIEW), ("b.txt", TWO_INTERVIEWERS))["Location"]
    fields = form_fields(client.get(preview_url).content.decode())
    skipped = StagedUpload.objects.get(name="b.txt")
    fields = {k: v for k, v in fields.items() if not k.startswith(f"f-{skipped.uuid}-")}
    response = csrf_post(client, preview_url, {**fields, "action": "confirm"})
    assert response.status_code == 400 and "The choices for this file were not sent" in response.content.decode()
    assert not Job.objects.exists() and StagedUpload.objects.count() == 2


@pytest.mark.django_db
def test_a_file_with_more_speakers_than_the_preview_shows_is_left_out(
    team: Team, django_capture_on_commit_callbacks, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from interviews.views import imports as views

    monkeypatch.setattr(views, "MAX_SPEAKERS", 2)
    client = _coder(team)
    preview_url = _upload(client, team, ("a.txt", INTERVIEW), ("many.txt", TWO_INTERVIEWERS))["Location"]
    page = client.get(preview_url).content.decode()
    assert "has 3 speakers; the preview shows at most 2" in page
    fields = form_fields(page)
    many = StagedUpload.objects.get(name="many.txt")
    assert f"f-{many.uuid}-include" not in fields and f"f-{many.uuid}-count" not in fields
    with django_capture_on_commit_callbacks(execute=True):
        response = csrf_post(client, preview_url, {**fields, "action": "confirm"})
    assert response.status_code == 302
    assert list(Job.objects.values_list("input_name", flat=True)) == ["a.txt"]


@pytest.mark.django_db
def test_update_shows_the_speakers_as_they_will_be_stored(team: Team) -> None:
    """Renaming two speakers to one name and updating left the table as it was: nothing said that
    they would be merged, or into how many turns."""
    client = _coder(team)
    preview_url = _upload(client, team, ("two.txt", TWO_INTERVIEWERS))["Location"]
    first = client.get(preview_url).content.decode()
    assert "will be stored with" not in first
    fields = form_fields(first)
    fields[_row(fields, "Interviewer B") + "-name"] = "Interviewer A"
    page = csrf_post(client, preview_url, {**fields, "action": "refresh"}).content.decode()
    outcome = page[page.index('class="import-outcome"') : page.index("</p>", page.index('class="import-outcome"'))]
    text = " ".join(re.sub(r"<[^>]+>", "", outcome).split())
    assert (
        "this file will be stored with 2 speakers: Interviewer A (4 turns, from “Interviewer B”), P3 (3 turns)" in text
    )
    assert not Transcript.objects.exists()
