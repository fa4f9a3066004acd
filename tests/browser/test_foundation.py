"""Sign in, open a demo study, see its participants — in a real Chromium."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from tests.browser.conftest import login
from tests.factories import make_user


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_sign_in_open_demo_study_and_see_participants(page: Any, live_server: Any) -> None:
    researcher = make_user("researcher_b")
    call_command("load_demo", owner=researcher.username, verbosity=0)

    login(page, live_server, researcher)
    page.get_by_role("link", name="Machine Learning Practices Outside Big Tech", exact=False).first.click()
    page.get_by_role("link", name="Participants", exact=True).first.click()
    table = page.locator("#participant-table")
    for label in ("R1", "R9", "R17"):
        expect(table.get_by_role("cell", name=label, exact=True)).to_have_count(1)
    assert page.js_errors == []
