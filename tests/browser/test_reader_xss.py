"""Transcript text is untrusted: markup in it is shown as text, and no script runs."""

from __future__ import annotations

from typing import Any

import pytest

from coding.models import Code, Coding
from interviews.services.imports import import_transcript
from tests.browser.conftest import login
from tests.conftest import Team

PAYLOAD = (
    'P1: <script>window.__xss = 1; alert(1)</script> and "><img src=x onerror="window.__xss=2"> done.\n\n'
    "<b onmouseover=alert(3)>Interviewer</b>: ok <svg onload=window.__xss=3>\n"
)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_markup_in_transcript_is_text_in_reader(page: Any, live_server: Any, team: Team) -> None:
    transcript = import_transcript(
        study=team.study, filename="x.txt", data=PAYLOAD.encode(), user=team.coder
    ).transcript
    code = Code.objects.create(study=team.study, name='<img src=x onerror="window.__xss=4">')
    Coding.objects.create(transcript=transcript, code=code, start=4, end=30, coder=team.coder)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))  # type: ignore[func-returns-value]
    login(page, live_server, team.coder)
    page.goto(f"{live_server.url}/studies/{team.study.slug}/documents/{transcript.uuid}/")
    page.wait_for_selector("#transcript[data-ready]")
    page.locator(".coding-bar").first.click()
    page.wait_for_selector("#coding-panel:not([hidden])")
    page.locator("#turn-0 .turn-text").hover()
    assert page.evaluate("window.__xss") is None
    assert dialogs == []
    assert page.locator("#transcript img, #transcript script, #transcript svg, #coding-panel img").count() == 0
    assert "<script>window.__xss = 1; alert(1)</script>" in page.locator("#turn-0 .turn-text").inner_text()
    assert '<img src=x onerror="window.__xss=4">' in page.locator("#coding-panel").inner_text()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_markup_is_text_in_retrieval_and_memos(page: Any, live_server: Any, team: Team) -> None:
    from coding.models import Memo

    transcript = import_transcript(
        study=team.study, filename="x.txt", data=PAYLOAD.encode(), user=team.coder
    ).transcript
    code = Code.objects.create(study=team.study, name="Payload")
    Coding.objects.create(transcript=transcript, code=code, start=4, end=60, coder=team.coder)
    Memo.objects.create(study=team.study, target="transcript", transcript=transcript, author=team.coder,
                        body='Memo <script>window.__xss=5</script> <img src=x onerror="window.__xss=6"> [x](javascript:window.__xss=7)')  # fmt: skip
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))  # type: ignore[func-returns-value]
    login(page, live_server, team.coder)
    page.goto(f"{live_server.url}/studies/{team.study.slug}/retrieve/?code={code.uuid}")
    page.wait_for_selector("#segments")
    assert "<script>window.__xss = 1;" in page.locator("#segments").inner_text()
    page.goto(f"{live_server.url}/studies/{team.study.slug}/memos/")
    page.wait_for_selector(".memo-body")
    hrefs = [link.get_attribute("href") or "" for link in page.locator(".memo-body a").all()]
    assert not any(h.lower().startswith("javascript") for h in hrefs)
    assert "<script>window.__xss=5</script>" in page.locator(".memo-body").first.inner_text()
    page.goto(f"{live_server.url}/studies/{team.study.slug}/kwic/?q=script")
    page.wait_for_selector("#kwic")
    assert page.evaluate("window.__xss") is None and dialogs == []
    assert page.locator("main script, main img, main iframe").count() == 0
