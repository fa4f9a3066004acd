"""What one member may see is never cached by a shared proxy nor kept by the browser: study pages,
the reader's JSON poll, exports and job downloads say `Cache-Control: private, no-store`; static
files keep their own caching (config.middleware.NoStoreMiddleware)."""

from __future__ import annotations

import pytest
from django.http import HttpResponse
from django.test import RequestFactory, override_settings
from django.urls import reverse
from django.utils import timezone

from config.middleware import NoStoreMiddleware
from interviews.models import Participant
from studies.models import Job
from tests.coding.helpers import make_transcript
from tests.conftest import Team

NO_STORE = {"private", "no-store"}


def _directives(value: str) -> set[str]:
    return {part.strip() for part in value.split(",") if part.strip()}


@pytest.mark.django_db
@override_settings(THEMATICA_EXPORT_INLINE_ROWS=1)
def test_study_pages_json_exports_and_downloads_are_not_stored(team: Team, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    slug = team.study.slug
    transcript = make_transcript(team.study)
    Participant.objects.create(study=team.study, label="P1")
    client = team.client("coder")
    urls = {
        "dashboard": reverse("studies:dashboard", args=[slug]),
        "reader": reverse("interviews:transcript_detail", args=[slug, transcript.uuid]),
        "poll": reverse("coding:transcript_codings", args=[slug, transcript.uuid])
        + f"?since={timezone.now().isoformat().replace('+', '%2B')}",
        "codebook csv": reverse("coding:codebook_export", args=[slug]),
        "participants csv": reverse("interviews:participant_export", args=[slug]),
    }
    answers = {name: client.get(url) for name, url in urls.items()}
    assert {name: r.status_code for name, r in answers.items()} == dict.fromkeys(urls, 200)
    assert answers["poll"]["Content-Type"] == "application/json"
    assert "attachment" in answers["participants csv"]["Content-Disposition"]

    # A larger export runs as a job: its page and its download.
    Participant.objects.create(study=team.study, label="P2")
    with django_capture_on_commit_callbacks(execute=True):
        started = client.get(urls["participants csv"])
    assert started.status_code == 302
    job = Job.objects.get()
    answers["job page"] = client.get(job.get_absolute_url())
    answers["job download"] = client.get(reverse("studies:job_download", args=[slug, job.uuid]))
    assert answers["job download"].status_code == 200 and "attachment" in answers["job download"]["Content-Disposition"]
    # Redirects, refusals and the sign-in page too.
    answers["export redirect"] = started
    answers["viewer refused"] = team.client("viewer").get(reverse("interviews:import", args=[slug]))
    answers["outsider not found"] = team.client("outsider").get(urls["dashboard"])
    answers["sign-in page"] = team.client("anonymous").get(reverse("accounts:login"))
    assert answers["viewer refused"].status_code == 403 and answers["outsider not found"].status_code == 404

    # (The sign-in page's view says more itself, Django's never_cache: max-age=0, no-cache...)
    stored = {
        name: r.get("Cache-Control", "")
        for name, r in answers.items()
        if not _directives(r.get("Cache-Control", "")) >= NO_STORE
    }
    assert stored == {}


def test_static_files_keep_their_caching(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    directives = _directives(response["Cache-Control"])
    assert "no-store" not in directives and "private" not in directives
    assert "public" in directives and any(d.startswith("max-age=") for d in directives)


def test_a_view_that_sets_its_own_cache_control_keeps_it() -> None:
    def view(request):  # type: ignore[no-untyped-def]
        response = HttpResponse("ok")
        response["Cache-Control"] = "public, max-age=3600"
        return response

    response = NoStoreMiddleware(view)(RequestFactory().get("/"))
    assert response["Cache-Control"] == "public, max-age=3600"
