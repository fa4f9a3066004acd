"""A 20,000-word transcript with 1,500 codings is interactive with every highlight drawn in < 1.5 s."""

from __future__ import annotations

import random
from typing import Any

import pytest

from coding.models import Code, Coding
from interviews.services.imports import import_transcript
from tests.browser.conftest import login
from tests.conftest import Team


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_big_reader_draws_fast(page: Any, live_server: Any, team: Team) -> None:
    rng = random.Random(3)
    words = [
        "model",
        "explanation",
        "shap",
        "lime",
        "counterfactual",
        "trust",
        "data",
        "users",
        "debugging",
        "feature",
        "importance",
    ]
    turns, used = [], 0
    while used < 20_000:
        n = rng.randint(20, 120)
        turns.append(
            ("Interviewer" if len(turns) % 2 == 0 else "P1") + ": " + " ".join(rng.choice(words) for _ in range(n))
        )
        used += n
    transcript = import_transcript(
        study=team.study, filename="big.txt", data="\n\n".join(turns).encode(), user=None
    ).transcript
    codes = [
        Code.objects.create(study=team.study, name=f"Code {i}", colour=f"#{rng.randrange(0xFFFFFF):06x}")
        for i in range(60)
    ]
    length = len(transcript.text)
    Coding.objects.bulk_create(
        Coding(
            transcript=transcript,
            code=codes[i % 60],
            start=(s := rng.randrange(0, length - 400)),
            end=s + rng.randint(5, 400),
        )
        for i in range(1500)
    )
    login(page, live_server, team.coder)
    timings = []
    for _ in range(2):  # the second load is the one a coder sees all day (warm caches)
        page.goto(f"{live_server.url}/studies/{team.study.slug}/documents/{transcript.uuid}/")
        page.wait_for_selector("#transcript[data-ready-at]")
        timings.append(int(page.locator("#transcript").get_attribute("data-ready-at")))
    assert page.locator(".coding-bar").count() == 1500
    print(f"reader ready at {timings} ms after navigation start")  # noqa: T201 - shown with -s
    assert min(timings) < 1500, timings
    assert page.js_errors == []
