"""Reader in Chromium: time until a 20,000-word, 1,500-coding transcript is drawn and interactive.

    .venv/bin/python bench/reader_browser_bench.py [--runs 5]

Serves the app on a local port (SQLite in a temporary file unless DATABASE_URL is set) and loads the
reader in Debian's Chromium (CHROMIUM_PATH, default /usr/bin/chromium) with Playwright. The page
records `data-ready-at` (ms after navigation start) once every highlight and margin bar is drawn.
Baseline, same run: the same kind of transcript with no codings. Target: under 1,500 ms. This is
the wall-clock check; tests/browser/test_reader_performance.py asserts only what is drawn.
Last line: `ready_ms=... ready_no_codings_ms=... ratio=...` (medians over the warm loads).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time

from _django import setup

TARGET_MS = 1500


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    setup()
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop runs in this thread
    from django.test.testcases import LiveServerThread
    from playwright.sync_api import sync_playwright

    from accounts.models import User
    from coding.models import Code, Coding
    from interviews.services.imports import import_transcript
    from studies.services import create_study
    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
    from tests.data.synthetic import random_spans, synthetic_transcript

    rng = random.Random(3)
    password = f"bench-{time.time_ns()}"
    user = User.objects.create_user(f"bench{time.time_ns()}", password=password)
    study = create_study(owner=user, title=f"Reader bench {time.time_ns()}")
    big = import_transcript(
        study=study, filename="big.txt", data=synthetic_transcript(rng, 20_000).encode(), user=user
    ).transcript
    plain = import_transcript(
        study=study, filename="plain.txt", data=synthetic_transcript(rng, 20_000).encode(), user=user
    ).transcript
    codes = [
        Code.objects.create(study=study, name=f"Code {i}", colour=f"#{rng.randrange(0xFFFFFF):06x}") for i in range(60)
    ]
    Coding.objects.bulk_create(
        Coding(transcript=big, study=study, text_version=1, code=codes[i % 60], start=start, end=end)
        for i, (start, end) in enumerate(random_spans(rng, len(big.text), 1500))
    )

    # The app serves its own static files (WhiteNoise), so the handler is the app itself.
    server = LiveServerThread("127.0.0.1", lambda app: app, port=0)  # type: ignore[arg-type]
    server.daemon = True
    server.start()
    server.is_ready.wait()
    if server.error:
        raise server.error
    base = f"http://127.0.0.1:{server.port}"

    def ready_times(page, url: str) -> list[int]:  # type: ignore[no-untyped-def]
        times = []
        for _ in range(args.runs + 1):  # the first load warms caches and is left out
            page.goto(url)
            page.wait_for_selector("#transcript[data-ready-at]", timeout=60_000)
            times.append(int(page.locator("#transcript").get_attribute("data-ready-at")))
        return times[1:]

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
        page.goto(f"{base}/accounts/login/")
        page.fill("input[name=username]", user.username)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        page.wait_for_url(lambda url: "/login/" not in url)
        coded = ready_times(page, f"{base}/studies/{study.slug}/documents/{big.uuid}/")
        bars = page.locator(".coding-bar").count()
        baseline = ready_times(page, f"{base}/studies/{study.slug}/documents/{plain.uuid}/")
        browser.close()
    server.terminate()

    ready, plain_ready = statistics.median(coded), statistics.median(baseline)
    print(f"coded (1,500 codings, {bars} bars drawn): {coded} ms; no codings: {baseline} ms")
    print(f"target {TARGET_MS} ms: {'met' if ready < TARGET_MS else 'MISSED'}")
    print(f"ready_ms={ready:.0f} ready_no_codings_ms={plain_ready:.0f} ratio={ready / plain_ready:.2f}")
    sys.exit(0 if ready < TARGET_MS else 1)


if __name__ == "__main__":
    main()
