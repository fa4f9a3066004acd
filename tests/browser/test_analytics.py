"""The analytics charts draw in Chromium under the app's Content-Security-Policy (no 'unsafe-eval':
vega-embed must use its expression interpreter), from the npm packages served as static files, and a
click on a code of the thematic map opens its excerpts."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from coding.models import Code
from coding.services.codings import apply_coding
from interviews.models import SpeakerTurn, Transcript
from tests.browser.conftest import login
from tests.conftest import Team
from themes.models import Theme, ThemeCode


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_charts_draw_and_the_map_opens_excerpts(page: Any, live_server: Any, team: Team) -> None:
    transcript = Transcript.objects.create(study=team.study, title="P1", text="b" * 60, char_count=60)
    SpeakerTurn.objects.create(transcript=transcript, index=0, start=0, end=60)
    trust = Code.objects.create(study=team.study, name="Trust <b>", order=0)
    doubt = Code.objects.create(study=team.study, name="Doubt", order=1)
    apply_coding(transcript=transcript, code=trust, start=0, end=30, coder=team.coder)
    apply_coding(transcript=transcript, code=doubt, start=20, end=50, coder=team.coder)
    theme = Theme.objects.create(study=team.study, name="Trust and doubt", order=0)
    ThemeCode.objects.create(theme=theme, code=trust)
    ThemeCode.objects.create(theme=theme, code=doubt)
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    login(page, live_server, team.viewer)
    base = f"{live_server.url}/studies/{team.study.slug}/analytics"
    for path in ("cooccurrence/?normalise=jaccard", "saturation/", "frequencies/"):
        page.goto(f"{base}/{path}")
        expect(page.locator("figure.chart-ready")).to_be_visible()
        expect(page.locator("figure.chart-ready svg").first).to_be_visible()
    page.goto(f"{base}/cooccurrence/")
    expect(page.locator("figure.chart-ready svg")).to_contain_text("Trust <b>")  # text, not markup
    page.goto(f"{base}/map/")
    expect(page.locator("figure.chart-ready canvas").first).to_be_visible()
    # The table is the keyboard's way to the same place as a click on the node.
    page.get_by_role("link", name="Doubt", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/studies/{team.study.slug}/retrieve/?code={doubt.uuid}")
    assert not page.js_errors
    assert not violations
