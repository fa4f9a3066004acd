"""The explainer sandbox in Chromium: from a finding to the technique it cites, where the live demo
explains an instance; a what-if edit changes the prediction and the explanation without a reload
(htmx), the charts draw in the swapped-in result, and the page works on a narrow screen."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from playwright.sync_api import expect

from tests.browser.conftest import login, settled
from tests.conftest import Team
from themes.services.findings import cite_technique, create_finding
from themes.services.themes import create_theme

SHOTS = os.environ.get("SANDBOX_SHOTS", "")
TECHNIQUE = "integrated-gradients"


def _shot(page: Any, name: str) -> None:
    if SHOTS:
        os.makedirs(SHOTS, exist_ok=True)
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_finding_to_cited_technique_and_a_what_if_edit(page: Any, live_server: Any, team: Team) -> None:
    theme = create_theme(study=team.study, user=team.owner, name="Trust in explanations")
    finding = create_finding(
        theme=theme, user=team.owner, claim="Practitioners doubt <b>gradient</b> attributions & want checks."
    )
    cite_technique(finding=finding, user=team.owner, slug=TECHNIQUE)
    login(page, live_server, team.viewer)
    base = f"{live_server.url}/studies/{team.study.slug}"

    page.goto(f"{base}/findings/{finding.uuid}/")
    page.locator("#techniques .cited-techniques").get_by_role("link", name="Integrated gradients").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Integrated gradients")
    # "Cited in this study" stays on the page, linking back (the claim as text, not markup).
    citing = page.locator(".technique-citations")
    expect(
        citing.get_by_role("link", name="Practitioners doubt <b>gradient</b> attributions & want checks.")
    ).to_be_visible()

    demo = page.locator("#demo-integrated-gradients")
    result = demo.locator(".demo-result")
    value = result.locator(".prediction-value")
    expect(value).to_have_text(re.compile(r"^0\.\d{3}$"))  # the result loaded after the page (htmx)
    expect(result.locator("figure.chart-ready").first).to_be_visible()  # drawn in swapped-in content
    settled(page)
    before = value.inner_text()
    first_table = result.locator(".demo-block").first.locator("table")
    rows_before = first_table.locator("tbody").inner_text()
    _shot(page, "technique_demo_desktop")

    # What if the loan ran for 72 months? Type it and leave the field: the result updates in place.
    duration = demo.get_by_role("spinbutton", name="Duration (months)", exact=True)
    old_duration = duration.input_value()
    assert old_duration != "72"
    duration.fill("72")
    duration.press("Tab")
    expect(value).not_to_have_text(before)
    expect(demo.locator(".prediction")).to_contain_text(f"Duration (months) {old_duration} → 72")
    expect(first_table.locator("tbody")).not_to_have_text(rows_before)
    expect(demo.locator(".editor-field.edited")).to_have_count(1)
    expect(demo.locator('[role="status"]').first).to_contain_text("Updated: predicted")
    expect(page).to_have_url(re.compile(r"f-duration_in_month=72"))
    expect(result.locator("figure.chart-ready").first).to_be_visible()
    settled(page)

    # Another instance: the editor shows its values (the edit does not carry over).
    demo.get_by_role("combobox", name="Row of the test split").select_option(index=3)
    expect(demo.locator(".editor-field.edited")).to_have_count(0)
    expect(demo.get_by_role("spinbutton", name="Duration (months)", exact=True)).not_to_have_value("72")

    # Bad input from the address bar: a clear message, not an error page.
    page.goto(f"{base}/techniques/{TECHNIQUE}/?demo_key=integrated-gradients&dataset=credit&model=linear&index=99999")
    expect(page.locator("#demo-integrated-gradients .demo-errors")).to_contain_text("The test split has rows 0 to 249")

    # Narrow screen: the same page, one column.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base}/techniques/{TECHNIQUE}/")
    expect(page.locator("#demo-integrated-gradients .prediction-value")).to_be_visible()
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 400, f"the page scrolls sideways on a phone ({width}px)"
    _shot(page, "technique_demo_narrow")
    assert page.js_errors == []


AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"


def _axe(page: Any) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "() => axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', "
        "'wcag22aa']}, resultTypes: ['violations']})"
    )
    return [
        f"{v['id']}: {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v.get("impact") in {"serious", "critical"}
    ]


def _charts_drawn(page: Any) -> None:
    page.wait_for_function("() => !document.querySelector('figure[data-chart]:not(.chart-ready):not(.chart-failed)')")
    assert page.locator("figure.chart-failed").count() == 0


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_heavy_computation_runs_with_progress_and_everyone_sees_it(
    axe_page: Any, browser: Any, live_server: Any, team: Team
) -> None:
    page = axe_page
    login(page, live_server, team.coder)
    base = f"{live_server.url}/studies/{team.study.slug}"
    page.goto(f"{base}/techniques/t-sne/")
    demo = page.locator("#demo-projection")
    expect(demo.locator(".prediction-value")).to_be_visible()
    heavy = demo.locator(".demo-heavy")
    run = heavy.get_by_role("button", name="Run: Compute a t-SNE map")  # the label as written
    expect(run).to_be_visible()
    _charts_drawn(page)
    settled(page)
    assert _axe(page) == []
    run.click()
    # At once: the button is disabled and a live region says it is running and where the result comes.
    expect(run).to_be_disabled()
    expect(heavy.get_by_role("status")).to_have_text("Running… (this can take up to a minute; the result appears here)")
    _shot(page, "heavy_running")
    # The job runs (in the test's web process); the panel polls and then shows the map.
    expect(heavy.locator("figure.chart-ready")).to_be_visible(timeout=60_000)
    expect(heavy).to_contain_text("everyone in the study sees it")
    _shot(page, "heavy_done")

    # A viewer, on another row, sees the kept result and no button.
    viewer = browser.new_context(viewport={"width": 1400, "height": 900})
    other = viewer.new_page()
    login(other, live_server, team.viewer)
    other.goto(f"{base}/techniques/t-sne/")
    panel = other.locator("#demo-projection")
    expect(panel.locator(".prediction-value")).to_be_visible()
    panel.get_by_role("combobox", name="Row of the test split").select_option(index=4)
    expect(panel.locator(".demo-heavy figure.chart-ready")).to_be_visible()
    expect(panel.locator(".demo-heavy").get_by_role("button")).to_have_count(0)
    viewer.close()

    # The sandbox index and pages with every kind of chart pass axe too.
    for path in (
        "sandbox/",
        "sandbox/heatmap-average/",
        "sandbox/influence/",
        "sandbox/calibration/",
        "sandbox/counterfactual-wachter/",
        "sandbox/text-why-suggested/",
    ):
        page.goto(f"{base}/{path}")
        expect(page.locator("main h1")).to_be_visible()
        _charts_drawn(page)
        assert _axe(page) == [], path
    assert page.js_errors == []


def _overflowing_tables(page: Any) -> list[str]:
    """Result tables wider than their box (sideways scrolling), by block title."""
    return page.evaluate(
        """() => { document.querySelectorAll('details.demo-table').forEach(d => { d.open = true; });
        return [...document.querySelectorAll('.demo-table .table-scroll')]
          .filter(box => box.scrollWidth > box.clientWidth + 1)
          .map(box => box.getAttribute('aria-label') + ' ' + box.scrollWidth + '>' + box.clientWidth); }"""
    )


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_result_tables_fit_at_desktop_width_and_narrow_pages_do_not_scroll_sideways(
    page: Any, live_server: Any, team: Team
) -> None:
    login(page, live_server, team.viewer)
    base = f"{live_server.url}/studies/{team.study.slug}"
    # 1400 px: the key columns (locks, options, a rule's outcome and the "←" marker) are on screen.
    for demo, column in (
        ("counterfactual-wachter", "locked"),
        ("counterfactual-diverse", "locked"),
        ("surrogate", "purity"),
    ):
        page.goto(f"{base}/sandbox/{demo}/")
        expect(page.locator(".demo-block").first).to_be_visible()
        header = page.locator(".demo-table th", has_text=column).first
        expect(header).to_be_attached()
        assert _overflowing_tables(page) == [], demo
        right = header.evaluate("e => e.getBoundingClientRect().right")
        assert right <= page.viewport_size["width"], (demo, right)
        _shot(page, f"fit-{demo}-1400")

    # 390 px: the technique list stacks its rows; image small multiples wrap and keep their legend.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base}/techniques/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Explainability techniques")
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390, f"the technique list is {width}px wide"
    _shot(page, "techniques-390")
    for demo in ("heatmap-average", "saliency-digits"):
        page.goto(f"{base}/sandbox/{demo}/")
        expect(page.locator(".demo-result figure.chart-ready").first).to_be_visible()
        _charts_drawn(page)
        _shot(page, f"{demo}-390")
        # Every panel and legend of every chart lies inside its figure (nothing cut off).
        cut = page.evaluate(
            """() => [...document.querySelectorAll('figure.chart-ready')].flatMap(f => {
                const box = f.getBoundingClientRect();
                return [...f.querySelectorAll('svg g.mark-rect, svg g.mark-group.role-legend, svg .role-legend')]
                  .map(g => g.getBoundingClientRect())
                  .filter(r => r.width > 0 && r.right > box.right + 1)
                  .map(r => f.getAttribute('data-chart') + ' ' + Math.round(r.right) + '>' + Math.round(box.right)); })"""
        )
        assert cut == [], (demo, cut)
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 390, f"{demo} is {width}px wide"
    assert page.js_errors == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_technique_page_computes_its_first_demo_first_and_the_others_when_scrolled_to(
    page: Any, live_server: Any, team: Team
) -> None:
    login(page, live_server, team.viewer)
    page.goto(f"{live_server.url}/studies/{team.study.slug}/techniques/shap/")
    panels = page.locator("section.demo")
    expect(panels.first.locator(".prediction")).to_be_visible()
    last = panels.last
    expect(last.locator(".demo-pending")).to_have_text("The explanation is computed when you scroll to it.")
    last.scroll_into_view_if_needed()
    expect(last.locator(".demo-block").first).to_be_visible()
    expect(last.locator(".demo-pending")).to_have_count(0)
    assert page.js_errors == []
