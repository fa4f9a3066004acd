"""Leftovers of the themes issue, on the demo study in Chromium: the thematic map readable at
fit-to-view, browse mode's presenting view."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from tests.browser.conftest import login
from tests.factories import make_user

PAPER = "hopkins-booth-2021-outside-big-tech"

# The map's Cytoscape instance (Cytoscape keeps it on its container) and, for every node whose
# label is drawn at the current zoom, its label's box on screen.
DRAWN_LABELS = """() => {
  const cy = document.querySelector("figure[data-chart] .chart-network")._cyreg.cy;
  const zoom = cy.zoom();
  return {zoom, labels: cy.nodes().map((n) => {
    const px = n.pstyle("font-size").pfValue * zoom;
    const box = n.renderedBoundingBox({includeNodes: false, includeEdges: false, includeLabels: true});
    return {id: n.id(), kind: n.data("kind"), label: n.data("label"), px,
            drawn: px >= n.pstyle("min-zoomed-font-size").pfValue, box};
  })};
}"""


@pytest.fixture
def demo(transactional_db: Any) -> Any:
    owner = make_user("researcher_h")
    call_command("load_demo", owner=owner.username, verbosity=0)
    return owner


def _overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return a["x1"] < b["x2"] and b["x1"] < a["x2"] and a["y1"] < b["y2"] and b["y1"] < a["y2"]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_thematic_map_labels_are_readable_at_fit(page: Any, live_server: Any, demo: Any) -> None:
    login(page, live_server, demo)
    page.goto(f"{live_server.url}/studies/{PAPER}/analytics/map/")
    expect(page.locator("figure.chart-ready")).to_be_visible()
    page.get_by_role("button", name="Fit to view").click()
    seen = page.evaluate(DRAWN_LABELS)
    themes = [n for n in seen["labels"] if n["kind"] == "theme"]
    assert len(themes) == 22
    # Every theme's name is drawn at a size one can read, and no two drawn labels overlap.
    small = [(n["label"], round(n["px"], 1)) for n in themes if not n["drawn"] or n["px"] < 10]
    assert small == []
    drawn = [n for n in seen["labels"] if n["drawn"]]
    clashes = [
        (a["label"], b["label"]) for i, a in enumerate(drawn) for b in drawn[i + 1 :] if _overlap(a["box"], b["box"])
    ]
    assert clashes == []
    # Zoomed out, only the themes keep their names; zoomed in, every code has its name back.
    page.evaluate("() => document.querySelector('figure[data-chart] .chart-network')._cyreg.cy.zoom(0.4)")
    codes = [n for n in page.evaluate(DRAWN_LABELS)["labels"] if n["kind"] == "code"]
    assert codes and not any(n["drawn"] for n in codes)
    page.evaluate("() => document.querySelector('figure[data-chart] .chart-network')._cyreg.cy.zoom(1.2)")
    codes = [n for n in page.evaluate(DRAWN_LABELS)["labels"] if n["kind"] == "code"]
    assert all(n["drawn"] for n in codes)
    # The table alternative stays.
    expect(page.locator("table.analytics-table").first.locator("tbody tr")).to_have_count(len(seen["labels"]))
    assert page.js_errors == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_presenting_shows_only_the_content(page: Any, live_server: Any, demo: Any) -> None:
    login(page, live_server, demo)
    page.goto(f"{live_server.url}/studies/{PAPER}/browse/")
    expect(page.get_by_role("navigation", name="Study")).to_be_visible()
    page.get_by_role("link", name="Present", exact=True).click()
    # Presenting: no app menu, no account menu, one small way back.
    expect(page.get_by_role("link", name="Leave presenting")).to_be_visible()
    expect(page.get_by_role("navigation", name="Study")).to_have_count(0)
    expect(page.get_by_role("navigation", name="Account")).to_have_count(0)
    expect(page.locator(".topbar")).to_have_count(0)
    # From the keyboard: → to the first theme and on, still presenting; Tab reaches the way back first.
    page.keyboard.press("ArrowRight")
    expect(page.locator("h1")).to_have_text("“It’s Tough.” Tensions Between Expectations & Feasibility")
    page.keyboard.press("ArrowRight")
    expect(page.locator("h1")).to_have_text("Users’ Expectations")
    expect(page).to_have_url(re.compile(r"/browse/[0-9a-f-]+/\?present=1$"))
    expect(page.get_by_role("navigation", name="Study")).to_have_count(0)
    page.keyboard.press("Tab")  # the skip link
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Leave presenting")).to_be_focused()
    # Escape leaves presenting, on the same theme.
    page.keyboard.press("Escape")
    expect(page.get_by_role("navigation", name="Study")).to_be_visible()
    expect(page.locator("h1")).to_have_text("Users’ Expectations")
    expect(page.get_by_role("link", name="Leave presenting")).to_have_count(0)
    assert page.js_errors == []
