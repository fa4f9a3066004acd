"""Browser tests: Playwright driving Debian's Chromium against live_server.

Never downloads a browser: it launches /usr/bin/chromium (CHROMIUM_PATH).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from tests.factories import PASSWORD

# Playwright's sync API runs an event loop in this thread; Django's ORM calls
# made by the test itself are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


def _page(browser: Any, **context_options: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 900}, **context_options)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors  # tests may assert no script errors happened
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    yield from _page(browser)


@pytest.fixture
def axe_page(browser: Any) -> Iterator[Any]:
    """A page into which a test can inject axe-core: the app's Content-Security-Policy allows only its
    own nonce'd scripts, so this page's context bypasses it."""
    yield from _page(browser, bypass_csp=True)


def login(page: Any, live_server: Any, user: Any, password: str = PASSWORD) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/studies/")


def settled(page: Any) -> None:
    """Wait until htmx has set up the page and finished any swap: a click or change made before it
    binds the (new) content's triggers sends nothing, and the test would wait for nothing."""
    page.wait_for_function(
        "() => document.readyState === 'complete' && window.htmx && "
        "!document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')"
    )


def drag_select(page: Any, turn_index: int, start: int, end: int) -> None:
    """Drag the mouse across characters [start, end) (UTF-16 units) of a reader turn's text."""
    drag_between(page, (turn_index, start), (turn_index, end - 1))


def drag_between(page: Any, first: tuple[int, int], last: tuple[int, int]) -> None:
    """Drag the mouse from the character at (turn, offset) `first` to the one at `last` (UTF-16
    units into each turn's text), both included: a selection that may cross turns."""
    box = page.evaluate(
        """([[i, a], [j, b]]) => {
            const at = (index, offset) => {
                // The turn's text may be several nodes (technique mentions are links in it).
                const walker = document.createTreeWalker(
                    document.querySelector(`#turn-${index} .turn-text`), NodeFilter.SHOW_TEXT);
                let node = walker.nextNode();
                while (offset >= node.data.length) { offset -= node.data.length; node = walker.nextNode(); }
                const range = document.createRange();
                range.setStart(node, offset); range.setEnd(node, offset + 1);
                return range.getBoundingClientRect();
            };
            const r1 = at(i, a), r2 = at(j, b);
            return {x1: r1.left + 1, y1: r1.top + r1.height / 2, x2: r2.right - 1, y2: r2.top + r2.height / 2};
        }""",
        [list(first), list(last)],
    )
    page.mouse.move(box["x1"], box["y1"])
    page.mouse.down()
    page.mouse.move(box["x2"], box["y2"], steps=8)
    page.mouse.up()
