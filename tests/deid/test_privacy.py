"""What de-identification leaves behind: no originals in the history or in speaker labels, a mapping
without false hits, a fitting time-limit hint, and a review page that shows a finished scan."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.urls import reverse

from coding.models import LogEntry
from coding.services.history import UndoRefused, undo_batch
from deid import detect, services
from deid.models import Proposal, ProposalStatus, Pseudonym
from interviews.models import Speaker, Transcript
from interviews.services.corrections import correct_transcript
from interviews.services.imports import import_transcript
from studies.jobs import create_job, time_limit_message
from studies.models import Job, JobKind, JobStatus
from tests.conftest import Team

pytestmark = pytest.mark.django_db

INTERVIEW = (
    "Interviewer: Where did you work before?\n\n"
    "P3: I was at Quorvex Analytics in Leeds with my manager Tom Baker, and Maria Lopez joined later. "
    "We used SHAP and LIME. Mail me at maria@quorvex.io today.\n\n"
    "Interviewer: Thanks.\n"
)


@pytest.fixture(autouse=True)
def _quiet(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    settings.THEMATICA_NLP_ON_TEXT_CHANGE = False
    monkeypatch.setattr(detect, "ner_status", lambda: detect.NerStatus(False, "off in these tests"))


def interview(team: Team, text: str = INTERVIEW, title: str = "Interview 3", label: str = "") -> Transcript:
    """The interview imported; `label`: what the participant's speaker is called (as an import from
    a format whose labels are names, VTT say, would call it)."""
    transcript = import_transcript(
        study=team.study, filename=f"{title}.txt", data=text.encode(), user=team.coder, title=title
    ).transcript
    if label:
        Speaker.objects.filter(transcript=transcript).exclude(label="Interviewer").update(label=label)
    return transcript


def proposals(transcript: Transcript) -> dict[str, Proposal]:
    return {p.original: p for p in services.current_proposals(transcript)}


def accept_all(team: Team, transcript: Transcript) -> None:
    services.scan_transcript(transcript=transcript)
    ids = [p.pk for p in services.current_proposals(transcript)]
    services.decide(transcript=transcript, proposal_ids=ids, status=ProposalStatus.ACCEPTED, user=team.coder)


def history_text(team: Team) -> str:
    rows = LogEntry.objects.filter(study=team.study).values_list("summary", "before", "after")
    return json.dumps(list(rows), ensure_ascii=False)


# --- 1. the history keeps no originals ---------------------------------------------------------------


def test_applying_leaves_no_original_in_the_history_and_old_corrections_cannot_bring_them_back(team: Team) -> None:
    transcript = interview(team)
    corrected = transcript.text.replace("Tom Baker,", "Tom Baker (in 2019),")
    correct_transcript(transcript=transcript, new_text=corrected, user=team.coder, expected_version=1)
    earlier = LogEntry.objects.get(action="correct_transcript")
    assert "Tom Baker" in (earlier.before or {})["text"]  # a correction keeps the old text, for now

    accept_all(team, transcript)
    outcome = services.apply_proposals(transcript=transcript, user=team.coder, expected_version=2)

    logged = history_text(team)
    for original in ("Tom Baker", "Maria Lopez", "Quorvex Analytics", "maria@quorvex.io"):
        assert original not in logged, original
    earlier.refresh_from_db()
    assert "my manager Person 1, and" in earlier.before["text"] and earlier.before["deidentified"] is True  # type: ignore[index]
    own = LogEntry.objects.filter(action="correct_transcript").exclude(pk=earlier.pk).get()
    assert own.before == {"version": 2, "text": None}  # the application's own entry holds no text
    # Undoing the earlier correction would restore a text that never was: refused, clearly.
    with pytest.raises(UndoRefused, match="de-identified"):
        undo_batch(study=team.study, user=team.coder, batch=earlier.batch)

    services.revert_application(application=outcome.application, user=team.owner)
    transcript.refresh_from_db()
    assert "Tom Baker" in transcript.text  # revert works from the mapping, not from the history
    assert "Tom Baker" not in history_text(team)


def test_speaker_changes_made_before_are_scrubbed_too(team: Team) -> None:
    from interviews.services.speakers import reassign_turn

    transcript = interview(team, label="Maria Lopez")
    last = transcript.turns.order_by("-index").first()
    assert last is not None
    reassign_turn(turn=last, label="Maria Lopez", user=team.coder)  # a snapshot of the labels, and a summary
    assert "Maria Lopez" in history_text(team)
    accept_all(team, transcript)
    services.apply_proposals(transcript=transcript, user=team.coder, expected_version=1)
    assert "Maria Lopez" not in history_text(team)
    entry = LogEntry.objects.get(object_type="speaker")
    with pytest.raises(UndoRefused, match="de-identified"):
        undo_batch(study=team.study, user=team.coder, batch=entry.batch)


# --- 2. speaker labels ------------------------------------------------------------------------------


def test_names_in_speaker_labels_are_pseudonymised_and_come_back_on_revert(team: Team) -> None:
    transcript = interview(team, label="Maria Lopez")
    accept_all(team, transcript)
    maria = proposals(transcript)["Maria Lopez"]
    outcome = services.apply_proposals(transcript=transcript, user=team.coder, expected_version=1)
    labels = set(Speaker.objects.filter(transcript=transcript).values_list("label", flat=True))
    assert labels == {"Interviewer", maria.pseudonym}
    assert outcome.application.speakers and outcome.application.speakers[0][1:] == ["Maria Lopez", maria.pseudonym]
    # Scanned again, the de-identified text and its relabelled speaker propose no pseudonym as a name.
    services.scan_transcript(transcript=transcript)
    assert proposals(transcript) == {}

    services.revert_application(application=outcome.application, user=team.owner)
    labels = set(Speaker.objects.filter(transcript=transcript).values_list("label", flat=True))
    assert labels == {"Interviewer", "Maria Lopez"}


def test_applying_scrubs_the_title_file_name_warnings_and_import_job_and_revert_restores_them(team: Team) -> None:
    """The import job's result lists the speaker labels as imported (shown to every member on the
    imports page), and the title, file name and import warnings name people too."""
    from interviews.tasks import import_transcript_task

    text = (
        "Interviewer: Where were you?\n\nMaria Lopez: I was at Quorvex Analytics with Tom Baker.\n\n"
        "Interviewer: Thanks.\n\nMaria Lopez: You are welcome.\n"
    )
    job = create_job(
        study=team.study, kind=JobKind.IMPORT_TRANSCRIPT, user=team.coder, params={"participant_labels": []},
        input_name="Maria Lopez.txt", input_bytes=text.encode(),
    )  # fmt: skip
    import_transcript_task(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and "Maria Lopez" in json.dumps(job.result, ensure_ascii=False)
    transcript = Transcript.objects.get(uuid=job.result["transcript_uuid"])
    Transcript.objects.filter(pk=transcript.pk).update(
        title="Interview with Maria Lopez", import_warnings=["Line 3: Maria Lopez spoke twice in a row."]
    )
    transcript.refresh_from_db()
    accept_all(team, transcript)
    maria = proposals(transcript)["Maria Lopez"].pseudonym
    application = services.apply_proposals(transcript=transcript, user=team.owner, expected_version=1).application

    job.refresh_from_db()
    transcript.refresh_from_db()
    seen = json.dumps(
        [job.input_name, job.params, job.result, job.message, transcript.title, transcript.source_filename,
         transcript.import_warnings],
        ensure_ascii=False,
    )  # fmt: skip
    assert "Maria" not in seen and "Tom Baker" not in seen
    assert transcript.title == f"Interview with {maria}" and job.input_name == f"{maria}.txt"
    assert {s["label"] for s in job.result["speakers"]} == {maria, "Interviewer"}
    # The proposals of the applied version held the originals: gone with it.
    assert not Proposal.objects.filter(transcript=transcript).exclude(text_version=transcript.text_version).exists()
    page = team.client("viewer").get(reverse("interviews:import_jobs", args=[team.study.slug]))
    assert page.status_code == 200 and "Maria" not in page.text

    services.revert_application(application=application, user=team.owner)
    job.refresh_from_db()
    transcript.refresh_from_db()
    assert transcript.title == "Interview with Maria Lopez" and job.input_name == "Maria Lopez.txt"
    assert transcript.import_warnings == ["Line 3: Maria Lopez spoke twice in a row."]
    assert "Maria Lopez" in {s["label"] for s in job.result["speakers"]}


def test_a_label_naming_someone_of_the_mapping_is_replaced_even_if_the_text_never_names_them(team: Team) -> None:
    first = interview(team)
    accept_all(team, first)  # "Tom Baker" is in the study's mapping now
    second = interview(
        team,
        "Interviewer: And?\n\nP4: We shipped it at Quorvex Analytics.\n",
        title="Interview 4",
        label="Tom Baker (manager)",
    )
    services.scan_transcript(transcript=second)
    ids = [p.pk for p in services.current_proposals(second)]
    services.decide(transcript=second, proposal_ids=ids, status=ProposalStatus.ACCEPTED, user=team.coder)
    services.apply_proposals(transcript=second, user=team.coder, expected_version=1)
    tom = Pseudonym.objects.get(study=team.study, key="tom baker").pseudonym
    assert set(Speaker.objects.filter(transcript=second).values_list("label", flat=True)) == {
        "Interviewer",
        f"{tom} (manager)",
    }


# --- 3. the mapping holds identifiers, numbered without gaps ----------------------------------------------


def test_rejected_false_hits_stay_out_of_the_mapping_and_its_numbers(team: Team) -> None:
    transcript = interview(team, INTERVIEW.replace("joined later.", "joined later. Grafana Dashboards helped."))
    services.scan_transcript(transcript=transcript)
    found = proposals(transcript)
    assert {"Tom Baker", "Maria Lopez", "Grafana Dashboards"} <= set(found)
    numbered = sorted(p.original for p in found.values() if p.pseudonym.startswith("Person"))
    # Reject every person but one: the one kept becomes Person 1 whatever number its scan reserved.
    keep = "Tom Baker"
    others = [found[o].pk for o in numbered if o != keep] + [found["Grafana Dashboards"].pk]
    services.decide(transcript=transcript, proposal_ids=others, status=ProposalStatus.REJECTED, user=team.coder)
    services.decide(
        transcript=transcript, proposal_ids=[found[keep].pk], status=ProposalStatus.ACCEPTED, user=team.coder
    )
    again = proposals(transcript)
    assert again[keep].pseudonym == "Person 1"
    confirmed = dict(Pseudonym.objects.filter(study=team.study, confirmed=True).values_list("original", "pseudonym"))
    assert confirmed == {keep: "Person 1"}
    # No two originals share a pseudonym, reserved or confirmed.
    pseudonyms = list(Pseudonym.objects.filter(study=team.study).values_list("pseudonym", flat=True))
    assert len(pseudonyms) == len(set(pseudonyms))

    page = team.client("owner").get(reverse("deid:mapping", args=[team.study.slug]))
    assert page.status_code == 200
    mapping, _, rest = page.text.partition("Found but not accepted")
    assert keep in mapping and "Grafana Dashboards" not in mapping
    assert "Rejected: not identifiers" in rest and "Grafana Dashboards" in rest


def test_a_later_acceptance_takes_the_next_free_number_and_a_mistaken_one_is_taken_back(team: Team) -> None:
    transcript = interview(team)
    services.scan_transcript(transcript=transcript)
    found = proposals(transcript)
    tom, maria = found["Tom Baker"], found["Maria Lopez"]
    assert {tom.pseudonym, maria.pseudonym} == {"Person 1", "Person 2"}
    second, first = sorted([tom, maria], key=lambda p: p.pseudonym, reverse=True)
    services.decide(transcript=transcript, proposal_ids=[second.pk], status=ProposalStatus.ACCEPTED, user=team.coder)
    assert proposals(transcript)[second.original].pseudonym == "Person 1"
    assert proposals(transcript)[first.original].pseudonym == "Person 2"  # swapped, still unique
    # Accepted by mistake, then rejected: out of the mapping again.
    services.decide(transcript=transcript, proposal_ids=[second.pk], status=ProposalStatus.REJECTED, user=team.coder)
    assert not Pseudonym.objects.filter(study=team.study, confirmed=True).exists()
    services.decide(transcript=transcript, proposal_ids=[first.pk], status=ProposalStatus.ACCEPTED, user=team.coder)
    assert proposals(transcript)[first.original].pseudonym == "Person 1"


# --- 4. the time-limit hint -----------------------------------------------------------------------


@pytest.mark.parametrize("kind", [JobKind.DEID_DETECT, JobKind.SUGGEST_TRAIN, JobKind.SUGGEST_RUN])
def test_a_scan_stopped_at_its_time_limit_gets_a_fitting_hint(kind: JobKind) -> None:
    message = time_limit_message(kind)
    assert "Exporting fewer rows" not in message, message
    if kind == JobKind.DEID_DETECT:
        assert "de-identification scan took longer" in message and "document" in message


# --- 5. the review page shows a finished scan by itself -------------------------------------------------


def test_the_poll_that_sees_a_scan_finish_tells_the_review_page_to_show_it(team: Team) -> None:
    transcript = interview(team)
    job = create_job(
        study=team.study, kind=JobKind.DEID_DETECT, user=team.coder, params={"transcript": str(transcript.uuid)}
    )
    client = team.client("owner")
    page = client.get(reverse("deid:review", args=[team.study.slug, transcript.uuid]))
    assert 'hx-trigger="job-finished from:body"' in page.text and 'hx-select="#deid-main"' in page.text
    poll = reverse("studies:job_detail", args=[team.study.slug, job.uuid])
    assert "HX-Trigger" not in client.get(poll, headers={"HX-Request": "true"})
    Job.objects.filter(pk=job.pk).update(status=JobStatus.DONE, progress=100)
    assert client.get(poll, headers={"HX-Request": "true"})["HX-Trigger"] == "job-finished"
    assert "HX-Trigger" not in client.get(poll)  # the full page is no poll


def test_applying_takes_as_many_statements_however_long_the_history(team: Team) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def applied_after(corrections: int, title: str) -> int:
        transcript = interview(team, INTERVIEW + f"\n{title}: the end.\n", title=title)
        for _ in range(corrections):
            text = transcript.text.replace("Thanks", "Thanks!")
            correct_transcript(
                transcript=transcript, new_text=text, user=team.coder, expected_version=transcript.text_version
            )
        accept_all(team, transcript)
        with CaptureQueriesContext(connection) as queries:
            services.apply_proposals(transcript=transcript, user=team.coder, expected_version=transcript.text_version)
        assert "Tom Baker" not in history_text(team)
        return len(queries)

    assert applied_after(1, "Interview 5") == applied_after(6, "Interview 6")
