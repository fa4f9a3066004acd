"""The suggestion review pages: the queue and its filters, the decisions (as forms without
JavaScript and as the JSON the queue's script reads), undo, the rules panel of a code, "Retrain
now" and the reader's suggestions panel. Suggestions are made directly here (no spaCy): what is
tested is what the pages show and send."""

from __future__ import annotations

import json
import re
from typing import Any
from uuid import uuid4

import pytest
from django.test import Client
from django.urls import reverse

from assist.models import Suggestion, SuggestionModel, SuggestionRule, SuggestionStatus
from assist.views import highlight
from coding.models import Code
from coding.selectors import transcript_codings
from coding.services.codebook import merge_codes
from coding.services.codings import apply_coding, change_coding, remove_coding
from interviews.models import SpeakerTurn, Transcript
from interviews.services.corrections import correct_transcript
from interviews.services.imports import import_transcript
from studies.models import Job, JobKind
from tests.conftest import Team, csrf_post

TEXT = (
    "Interviewer: How do you explain the model?\n\n"
    "P1: We show SHAP values to <b>clinicians</b>. They trust the model more then. Drift worries us.\n\n"
    "Interviewer: Anything else?\n\n"
    "P1: Counterfactual explanations help the patients.\n"
)
JSON: dict[str, Any] = {"HTTP_ACCEPT": "application/json"}


def _span(transcript: Transcript, words: str) -> tuple[int, int]:
    start = transcript.text.index(words)
    return start, start + len(words)


@pytest.fixture
def world(team: Team) -> dict[str, Any]:
    transcript = import_transcript(study=team.study, filename="p1.txt", data=TEXT.encode(), user=None).transcript
    trust = Code.objects.create(study=team.study, name="Trust", colour="#336699")
    drift = Code.objects.create(study=team.study, name="Monitoring", colour="#aa5500")
    rule = SuggestionRule.objects.create(study=team.study, code=trust, kind="keyword", pattern="SHAP", accepted=2)

    def suggest(words: str, code: Code, score: float, *, marked: str | None = None, **extra: Any) -> Suggestion:
        start, end = _span(transcript, words)
        spans = [list(_span(transcript, marked))] if marked else []
        band = "high" if score >= 0.75 else "medium" if score >= 0.5 else "low"
        evidence = {"rules": [rule.pk] if code == trust else [], "spans": spans, "similar": extra.pop("similar", [])}
        return Suggestion.objects.create(
            study=team.study, transcript=transcript, text_version=transcript.text_version, start=start, end=end,
            code=code, score=score, band=band, source="rule" if code == trust else "model",
            rule=rule if code == trust else None, model_version=None if code == trust else 3, evidence=evidence,
            run=uuid4(), **extra,
        )  # fmt: skip

    shap = suggest("We show SHAP values to <b>clinicians</b>.", trust, 0.82, marked="SHAP")
    then = suggest("They trust the model more then.", trust, 0.55)
    drift_s = suggest("Drift worries us.", drift, 0.9)
    return {"transcript": transcript, "trust": trust, "drift": drift, "rule": rule, "shap": shap, "then": then,
            "drift_s": drift_s, "suggest": suggest}  # fmt: skip


def _queue(team: Team, query: str = "", role: str = "coder") -> Any:
    return team.client(role).get(reverse("assist:queue", args=[team.study.slug]) + query)


def _post(client: Client, name: str, suggestion: Suggestion, data: dict[str, Any] | None = None, **extra: Any) -> Any:
    url = reverse(f"assist:{name}", args=[suggestion.study.slug, suggestion.uuid])
    return csrf_post(client, url, data or {}, **extra)


# --- the queue ----------------------------------------------------------------------------------


def test_highlight_cuts_at_code_points_and_joins_overlaps() -> None:
    text = "é👍 SHAP and LIME"
    assert [(p.text, p.marked) for p in highlight(text, 10, [(13, 17), (15, 19), (22, 26)])] == [
        ("é👍 ", False), ("SHAP a", True), ("nd ", False), ("LIME", True),
    ]  # fmt: skip
    assert [(p.text, p.marked) for p in highlight("abc", 0, [(5, 9)])] == [("abc", False)]


@pytest.mark.django_db
def test_queue_shows_the_sentence_escaped_with_the_rule_words_marked(team: Team, world: dict[str, Any]) -> None:
    response = _queue(team)
    assert response.status_code == 200
    html = response.content.decode()
    # The transcript's own markup is text, escaped; the rule's words are the only <mark>.
    assert "We show <mark>SHAP</mark> values to &lt;b&gt;clinicians&lt;/b&gt;." in html
    assert "<b>clinicians</b>" not in html
    assert "rule “SHAP” (keyword), precision 0.58" in html  # (2 + 5) / (2 + 0 + 10)
    assert "model v3, 0.90" in html
    # Best first: drift (0.9), SHAP (0.82), "then" (0.55).
    order = [m.group(1) for m in re.finditer(r'id="suggestion-([0-9a-f-]{36})"', html)]
    assert order == [str(world["drift_s"].uuid), str(world["shap"].uuid), str(world["then"].uuid)]
    assert 'action="' + reverse("assist:accept", args=[team.study.slug, world["shap"].uuid]) in html


@pytest.mark.django_db
def test_queue_by_uncertainty_and_filters(team: Team, world: dict[str, Any]) -> None:
    html = _queue(team, "?order=uncertainty").content.decode()
    order = [m.group(1) for m in re.finditer(r'id="suggestion-([0-9a-f-]{36})"', html)]
    assert order[0] == str(world["then"].uuid)  # 0.55 is the closest to 0.5
    html = _queue(team, f"?code={world['drift'].uuid}").content.decode()
    assert str(world["drift_s"].uuid) in html and str(world["shap"].uuid) not in html
    html = _queue(team, f"?transcript={world['transcript'].uuid}").content.decode()
    assert "Suggestions for Interview" in html or f"Suggestions for {world['transcript'].title}" in html
    # An unknown code or document: the message, and no rows (not the whole study's).
    for query in ("?code=00000000-0000-0000-0000-000000000000", "?transcript=00000000-0000-0000-0000-000000000000"):
        response = _queue(team, query)
        html = response.content.decode()
        assert response.status_code == 400 and "No such" in html
        assert re.search(r'id="suggestion-[0-9a-f-]{36}"', html) is None


@pytest.mark.django_db
def test_viewer_reads_the_queue_without_decision_forms(team: Team, world: dict[str, Any]) -> None:
    html = _queue(team, role="viewer").content.decode()
    assert "We show <mark>SHAP</mark>" in html
    assert "Accept as this code" not in html and ">Reject<" not in html and "Retrain now" not in html


@pytest.mark.django_db
def test_queue_page_reads_a_constant_number_of_queries(
    team: Team, world: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    client = team.client("coder")
    url = reverse("assist:queue", args=[team.study.slug])
    client.get(url)  # session, content types
    with django_assert_max_num_queries(25) as few:
        client.get(url)
    for i in range(30):
        world["suggest"]("Drift worries us.", Code.objects.create(study=team.study, name=f"C{i}"), 0.6)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200


@pytest.mark.django_db
def test_similar_coded_excerpts_link_to_the_reader(team: Team, world: dict[str, Any]) -> None:
    transcript = world["transcript"]
    start, end = _span(transcript, "Counterfactual explanations help the patients.")
    coding, _ = apply_coding(transcript=transcript, code=world["trust"], start=start, end=end, coder=team.coder)
    world["suggest"]("Drift worries us.", world["trust"], 0.7, similar=[[str(coding.uuid), world["trust"].pk, 0.4]])
    html = _queue(team).content.decode()
    reader = reverse("interviews:transcript_detail", args=[team.study.slug, transcript.uuid])
    assert f'href="{reader}#pos-{start}-{end}"' in html
    assert "Similar to these coded excerpts" in html


# --- decisions ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_accept_without_javascript_codes_the_sentence_and_redirects_back(team: Team, world: dict[str, Any]) -> None:
    client = team.client("coder")
    back = reverse("assist:queue", args=[team.study.slug]) + "?order=uncertainty"
    response = _post(client, "accept", world["shap"], {"next": back})
    assert response.status_code == 302 and response["Location"] == back
    shap = Suggestion.objects.get(pk=world["shap"].pk)
    assert shap.status == SuggestionStatus.ACCEPTED and shap.decided_by == team.coder
    assert shap.coding_uuid is not None
    coding = transcript_codings(transcript=world["transcript"], user=team.coder).get(uuid=shap.coding_uuid)
    assert (coding.code, coding.start, coding.end, coding.coder) == (world["trust"], shap.start, shap.end, team.coder)
    assert SuggestionRule.objects.get(pk=world["rule"].pk).accepted == 3
    html = client.get(back).content.decode()
    assert "Accepted “Trust” in" in html  # the message
    assert "Your last decision" in html  # and its undo form
    assert str(shap.uuid) not in re.findall(r'id="suggestion-([0-9a-f-]{36})"', html)


@pytest.mark.django_db
def test_accept_as_another_code_as_json(team: Team, world: dict[str, Any]) -> None:
    response = _post(team.client("coder"), "accept", world["shap"], {"code": str(world["drift"].uuid)}, **JSON)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "accepted" and body["code"] == "Monitoring"
    assert "Accepted “Monitoring”" in body["message"] and body["undo_url"].endswith("/undo/")
    coding = transcript_codings(transcript=world["transcript"], user=team.coder).get(uuid=body["coding"])
    assert coding.code == world["drift"]
    # Accepted as another code: the suggested code's rule counts a rejection.
    assert SuggestionRule.objects.values_list("accepted", "rejected").get(pk=world["rule"].pk) == (2, 1)


@pytest.mark.django_db
def test_accept_widened_to_the_turn_and_an_edited_span(team: Team, world: dict[str, Any]) -> None:
    client = team.client("coder")
    turn = SpeakerTurn.objects.get(
        transcript=world["transcript"], start__lte=world["then"].start, end__gte=world["then"].end
    )
    body = _post(client, "accept", world["then"], {"scope": "turn"}, **JSON).json()
    coding = transcript_codings(transcript=world["transcript"], user=team.coder).get(uuid=body["coding"])
    assert (coding.start, coding.end) == (turn.start, turn.end)
    assert "for the whole turn" in body["message"]
    start, end = _span(world["transcript"], "Drift worries")
    body = _post(client, "accept", world["drift_s"], {"scope": "span", "start": start, "end": end}, **JSON).json()
    coding = transcript_codings(transcript=world["transcript"], user=team.coder).get(uuid=body["coding"])
    assert (coding.start, coding.end, coding.code) == (start, end, world["drift"])


@pytest.mark.django_db
def test_bad_input_is_a_clear_error_and_changes_nothing(team: Team, world: dict[str, Any]) -> None:
    client = team.client("coder")
    response = _post(client, "accept", world["shap"], {"scope": "span", "start": 40, "end": 10}, **JSON)
    assert response.status_code == 400 and "start before its end" in response.json()["error"]
    response = _post(client, "accept", world["shap"], {"code": str(uuid4())}, **JSON)
    assert response.status_code == 400 and "codebook" in response.json()["error"]
    assert Suggestion.objects.get(pk=world["shap"].pk).status == SuggestionStatus.OPEN


@pytest.mark.django_db
def test_reject_then_a_second_decision_is_refused(team: Team, world: dict[str, Any]) -> None:
    response = _post(team.client("coder"), "reject", world["shap"], **JSON)
    assert response.status_code == 200 and response.json()["status"] == "rejected"
    assert SuggestionRule.objects.values_list("accepted", "rejected").get(pk=world["rule"].pk) == (2, 1)
    # Someone else got there first: 409 with a message, nothing coded.
    response = _post(team.client("owner"), "accept", world["shap"], **JSON)
    assert response.status_code == 409 and "already decided" in response.json()["error"]
    assert not transcript_codings(transcript=world["transcript"], user=team.owner).exists()
    # Without JavaScript: the message, back on the queue.
    response = _post(team.client("owner"), "reject", world["shap"])
    assert response.status_code == 302


@pytest.mark.django_db
def test_undo_an_accept_removes_the_coding_and_reopens(team: Team, world: dict[str, Any]) -> None:
    client = team.client("coder")
    body = _post(client, "accept", world["shap"], **JSON).json()
    assert transcript_codings(transcript=world["transcript"], user=team.coder).filter(uuid=body["coding"]).exists()
    # Only the person who decided can undo it.
    assert _post(team.client("owner"), "undo", world["shap"], **JSON).status_code == 403
    response = csrf_post(client, body["undo_url"], {}, **JSON)
    assert response.status_code == 200, response.content
    assert "open for review again" in response.json()["message"]
    shap = Suggestion.objects.get(pk=world["shap"].pk)
    assert shap.status == SuggestionStatus.OPEN
    assert not transcript_codings(transcript=world["transcript"], user=team.coder).filter(uuid=body["coding"]).exists()
    assert SuggestionRule.objects.get(pk=world["rule"].pk).accepted == 2
    # Nothing left to undo there.
    assert csrf_post(client, body["undo_url"], {}, **JSON).status_code == 409


@pytest.mark.django_db
def test_undo_a_reject_without_javascript(team: Team, world: dict[str, Any]) -> None:
    client = team.client("coder")
    _post(client, "reject", world["then"])
    response = _post(client, "undo", world["then"])
    assert response.status_code == 302
    assert Suggestion.objects.get(pk=world["then"].pk).status == SuggestionStatus.OPEN
    assert SuggestionRule.objects.get(pk=world["rule"].pk).rejected == 0


# --- rules, model status, retraining --------------------------------------------------------------


@pytest.mark.django_db
def test_code_page_lists_rules_with_scores_and_the_model_status(team: Team, world: dict[str, Any]) -> None:
    url = reverse("coding:code_detail", args=[team.study.slug, world["trust"].uuid])
    html = team.client("viewer").get(url).content.decode()
    assert "Suggestion rules" in html and '<code class="rule-pattern">SHAP</code>' in html
    assert "0.58" in html
    assert "Model: needs more examples" in html and "0 of 6 coded examples" in html
    assert "Add rule" not in html and "Retrain now" not in html  # a viewer reads only
    SuggestionModel.objects.create(
        study=team.study, version=4, examples=20, counts={str(world["trust"].pk): 14}, enabled=[world["trust"].pk],
        blob=b"",
    )  # fmt: skip
    html = team.client("coder").get(url).content.decode()
    assert "Model: enabled" in html and "learnt from 14 coded examples (model v4)" in html
    assert "Add rule" in html and "Retrain now" in html


@pytest.mark.django_db
def test_rule_form_validates_with_the_engine(
    team: Team, world: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    client = team.client("coder")
    url = reverse("assist:rule_create", args=[team.study.slug, world["trust"].uuid])
    response = csrf_post(client, url, {"kind": "regex", "pattern": "(unclosed"})
    assert response.status_code == 302
    assert SuggestionRule.objects.filter(code=world["trust"]).count() == 1
    page = client.get(response["Location"]).content.decode()
    assert "The rule was not added" in page
    assert 'value="(unclosed"' in page  # the pattern is kept to correct
    with django_capture_on_commit_callbacks() as callbacks:
        response = csrf_post(client, url, {"kind": "phrase", "pattern": "saliency maps"})
    for callback in callbacks:
        callback()  # the run is queued on commit
    rule = SuggestionRule.objects.get(code=world["trust"], pattern="saliency maps")
    assert rule.kind == "phrase" and rule.created_by == team.coder
    assert Job.objects.filter(study=team.study, kind=JobKind.SUGGEST_RUN).exists()
    delete = reverse("assist:rule_delete", args=[team.study.slug, rule.uuid])
    assert csrf_post(client, delete, {}).status_code == 302
    assert SuggestionRule.objects.get(pk=rule.pk).deleted_at is not None
    page = client.get(response["Location"]).content.decode()
    assert '<code class="rule-pattern">saliency maps</code>' not in page
    assert '<code class="rule-pattern">SHAP</code>' in page


@pytest.mark.django_db
def test_retrain_now_queues_training_and_shows_its_progress(team: Team, world: dict[str, Any]) -> None:
    client = team.client("coder")
    code_page = reverse("coding:code_detail", args=[team.study.slug, world["trust"].uuid])
    response = csrf_post(client, reverse("assist:retrain", args=[team.study.slug]), {"next": code_page})
    assert response.status_code == 302 and response["Location"] == code_page
    job = Job.objects.get(study=team.study, kind=JobKind.SUGGEST_TRAIN)
    html = client.get(code_page).content.decode()
    assert f'id="job-{job.uuid}"' in html
    assert reverse("studies:job_detail", args=[team.study.slug, job.uuid]) in html or job.is_finished


# --- the reader ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_reader_links_to_its_suggestions_and_shows_provenance(team: Team, world: dict[str, Any]) -> None:
    transcript = world["transcript"]
    reader = reverse("interviews:transcript_detail", args=[team.study.slug, transcript.uuid])
    html = team.client("viewer").get(reader).content.decode()
    queue = reverse("assist:queue", args=[team.study.slug]) + f"?transcript={transcript.uuid}"
    assert f'href="{queue}"' in html and "Suggestions (3)" in html
    _post(team.client("coder"), "accept", world["shap"], **JSON)
    html = team.client("viewer").get(reader).content.decode()
    assert "Suggestions (2)" in html
    assert "Coded from suggestions" in html and "suggested by rule “SHAP”" in html


@pytest.mark.django_db
def test_provenance_outlives_a_correction_and_a_resize(team: Team, world: dict[str, Any]) -> None:
    transcript = world["transcript"]
    _post(team.client("coder"), "accept", world["shap"], **JSON)
    accepted = Suggestion.objects.get(pk=world["shap"].pk)
    # A correction before the coding re-anchors it (a new row replaces it), then the coder widens it.
    correct_transcript(
        transcript=transcript, new_text="Preface. " + transcript.text, user=team.owner,
        expected_version=transcript.text_version,
    )  # fmt: skip
    transcript.refresh_from_db()
    moved = transcript_codings(transcript=transcript, user=team.coder).get(code=world["trust"])
    assert moved.uuid != accepted.coding_uuid
    change_coding(coding=moved, user=team.coder, start=moved.start, end=moved.end + 1)
    reader = reverse("interviews:transcript_detail", args=[team.study.slug, transcript.uuid])
    html = team.client("viewer").get(reader).content.decode()
    assert "Coded from suggestions" in html and "suggested by rule “SHAP”" in html
    # Merged into another code (the source code is deleted, its codings replaced by the target's).
    merge_codes(source=Code.objects.get(pk=world["trust"].pk), target=world["drift"], user=team.owner)
    html = team.client("viewer").get(reader).content.decode()
    assert "Coded from suggestions" in html and "suggested by rule “SHAP”" in html
    # Removed: nothing left to attribute.
    remove_coding(coding=transcript_codings(transcript=transcript, user=team.coder).get(code=world["drift"]),
                  user=team.coder)  # fmt: skip
    html = team.client("viewer").get(reader).content.decode()
    assert "Coded from suggestions" not in html


@pytest.mark.django_db
def test_study_nav_links_to_the_queue(team: Team, world: dict[str, Any]) -> None:
    html = team.client("viewer").get(reverse("studies:dashboard", args=[team.study.slug])).content.decode()
    assert f'href="{reverse("assist:queue", args=[team.study.slug])}"' in html


@pytest.mark.django_db
def test_json_error_for_an_unknown_suggestion_is_404(team: Team, world: dict[str, Any]) -> None:
    url = reverse("assist:accept", args=[team.study.slug, uuid4()])
    assert csrf_post(team.client("coder"), url, json.dumps({}), content_type="application/json").status_code == 404


@pytest.mark.django_db
def test_pages_and_decisions_import_no_spacy_nor_sklearn(
    team: Team, world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Suggestions are made by jobs; the review pages and actions only read and write rows. (The
    fresh-interpreter check is tests/assist/test_no_spacy_in_requests.py; this one covers these
    pages' actions too: any import of spaCy or scikit-learn on their way fails.)"""
    for name in ("spacy", "sklearn"):
        monkeypatch.setitem(__import__("sys").modules, name, None)
    client = team.client("coder")
    slug = team.study.slug
    assert _queue(team).status_code == 200
    assert client.get(reverse("coding:code_detail", args=[slug, world["trust"].uuid])).status_code == 200
    reader = reverse("interviews:transcript_detail", args=[slug, world["transcript"].uuid])
    assert client.get(reader).status_code == 200
    assert _post(client, "accept", world["shap"], **JSON).status_code == 200
    assert _post(client, "reject", world["then"], **JSON).status_code == 200
    url = reverse("assist:rule_create", args=[slug, world["trust"].uuid])
    for kind, pattern in (
        ("keyword", "trusted"),
        ("phrase", "saliency maps"),
        ("lemma", "trust ... model"),
        ("regex", "dr[iy]ft"),
    ):
        assert csrf_post(client, url, {"kind": kind, "pattern": pattern}).status_code == 302
    assert SuggestionRule.objects.filter(code=world["trust"], deleted_at__isnull=True).count() == 5


@pytest.mark.django_db
def test_a_rule_is_edited_from_the_code_page(team: Team, world: dict[str, Any]) -> None:
    client = team.client("coder")
    rule = SuggestionRule.objects.create(
        study=team.study, code=world["trust"], kind="keyword", pattern="trsut", accepted=3, rejected=4
    )
    page = client.get(reverse("coding:code_detail", args=[team.study.slug, world["trust"].uuid])).content.decode()
    url = reverse("assist:rule_update", args=[team.study.slug, rule.uuid])
    assert f'action="{url}"' in page and 'value="trsut"' in page

    response = csrf_post(client, url, {"kind": "regex", "pattern": "(unclosed"})
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.pattern == "trsut"  # refused, with the reason on the page
    assert "The rule was not changed" in client.get(response["Location"]).content.decode()

    assert csrf_post(client, url, {"kind": "keyword", "pattern": "trust"}).status_code == 302
    rule.refresh_from_db()
    assert (rule.kind, rule.pattern, rule.accepted, rule.rejected) == ("keyword", "trust", 0, 0)
