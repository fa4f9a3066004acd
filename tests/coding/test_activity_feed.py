"""The activity feed shows summaries as readable text, whatever line breaks went into them."""

from __future__ import annotations

import re
import uuid

import pytest
from django.urls import reverse

from coding.models import LogEntry
from coding.services.history import record
from tests.coding.helpers import make_code, make_transcript
from tests.conftest import Team, csrf_post


def _summary_cells(html: str) -> list[str]:
    return re.findall(r'<span class="summary">(.*?)</span>', html, flags=re.S)


@pytest.mark.django_db
def test_autocode_with_a_list_of_phrases_reads_as_text_in_the_feed(team: Team) -> None:
    """A phrase list is typed one per line in a textarea: the browser sends CRLF between them."""
    make_transcript(team.study)
    make_code(team.study, "Trust")
    url = reverse("coding:autocode", args=[team.study.slug])
    client = team.client("coder")
    query = {"q": "trust SHAP\r\nact on them", "mode": "phrases", "scope": "match"}
    preview = client.get(url, query).content.decode()
    hits = re.findall(r'name="hit" value="([^"]+)"', preview)
    assert len(hits) == 2
    code_uuid = re.search(r'<option value="([0-9a-f-]{36})"[^>]*>\s*Trust', preview)
    assert code_uuid is not None
    response = csrf_post(client, url, {**query, "action": "apply", "hit": hits, "code": code_uuid.group(1)})
    assert response.status_code == 200
    assert LogEntry.objects.filter(action="apply").count() == 1

    body = team.client("viewer").get(reverse("coding:activity", args=[team.study.slug])).content.decode()
    (cell,) = _summary_cells(body)
    assert "\\r" not in cell and "\\n" not in cell, cell
    assert "\r" not in cell and "\n" not in cell, cell
    assert "trust SHAP / act on them" in cell


@pytest.mark.django_db
def test_real_line_breaks_and_tabs_in_a_summary_collapse(team: Team) -> None:
    record(study=team.study, user=team.coder, action="create", object_type="memo", object_uuid=uuid.uuid4(),
           summary="wrote a memo: First line\r\n\r\n  second\tline\rthird")  # fmt: skip
    body = team.client("viewer").get(reverse("coding:activity", args=[team.study.slug])).content.decode()
    (cell,) = _summary_cells(body)
    assert cell == "wrote a memo: First line / second line / third"


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("created code “Trust”", "created code “Trust”"),
        # A search written with Python's repr before this fix: quotes and escapes become text.
        (
            "auto-coded “T” in 2 passages (search 'a\\r\\nb', match)",
            "auto-coded “T” in 2 passages (search “a / b”, match)",
        ),
        (
            'auto-coded “T” in 1 passages (search "it\'s\\tok", turn)',
            "auto-coded “T” in 1 passages (search “it's ok”, turn)",
        ),
        # A regular expression's own backslashes stay as typed.
        (
            "auto-coded “T” in 1 passages (search 'tr\\\\w+', match)",
            "auto-coded “T” in 1 passages (search “tr\\w+”, match)",
        ),
        # Cut off at 300 characters, so the closing quote is gone: still no escape sequences.
        ("auto-coded “T” in 1 passages (search 'one\\ntwo", "auto-coded “T” in 1 passages (search “one / two"),
        # A code name with a backslash of its own is not unescaped.
        ("created code “C:\\new”", "created code “C:\\new”"),
    ],
)
def test_readable_summary(stored: str, shown: str) -> None:
    from coding.views.history import readable_summary

    assert readable_summary(stored) == shown
