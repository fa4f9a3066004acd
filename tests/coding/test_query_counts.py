"""Bulk work is set-based: the same number of queries for 3 codings as for 60.

Each operation runs on a small and a larger study built the same way; their query counts
must be equal. (Time limits live in bench/scale_bench.py, not here.)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from coding.models import Code, Coding, Memo
from coding.selectors import compile_pattern, search_hits
from coding.services import codebook
from coding.services.autocode import apply_autocode, widen
from coding.services.history import undo_last
from tests.conftest import Team
from tests.factories import make_study, make_user

from .helpers import make_transcript

PARAGRAPH = "P1: We use SHAP daily and LIME sometimes.\n\nInterviewer: Why?\n\n"


def _world(n: int, tag: str) -> dict[str, Any]:
    """A study with `n` codings of code A (some overlapping B's), memos, sub-codes."""
    owner = make_user(f"owner_{tag}")
    study = make_study(f"Study {tag}", owner=owner, slug=f"s-{tag}")
    transcript = make_transcript(study, PARAGRAPH * n, name=f"{tag}.txt")
    a = Code.objects.create(study=study, name="A")
    b = Code.objects.create(study=study, name="B")
    Code.objects.create(study=study, name="A child", parent=a)
    step = len(PARAGRAPH)
    rows = [
        Coding(
            study=study, transcript=transcript, text_version=1, code=a, coder=owner, start=i * step, end=i * step + 10
        )
        for i in range(n)
    ]
    # Every third A coding overlaps a B coding of the same coder: the merge joins those.
    rows += [
        Coding(study=study, transcript=transcript, text_version=1, code=b, coder=owner, start=i * step + 5,
               end=i * step + 20)
        for i in range(0, n, 3)
    ]  # fmt: skip
    Coding.objects.bulk_create(rows)
    for coding in Coding.objects.filter(code=a)[:3]:
        Memo.objects.create(study=study, target="coding", coding=coding, body="m")
    return {"study": study, "owner": owner, "transcript": transcript, "a": a, "b": b}


def _count(fn: Callable[[], object]) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def _same_for_sizes(operation: Callable[[dict[str, Any]], object]) -> tuple[int, int]:
    small, large = _world(3, "small"), _world(60, "large")
    return _count(lambda: operation(small)), _count(lambda: operation(large))


@pytest.mark.django_db
def test_merge_and_its_undo() -> None:
    def merge_then_undo(w: dict[str, Any]) -> None:
        codebook.merge_codes(source=w["a"], target=w["b"], user=w["owner"])
        undo_last(study=w["study"], user=w["owner"])

    small, large = _same_for_sizes(merge_then_undo)
    assert small == large


@pytest.mark.django_db
def test_merge_alone() -> None:
    small, large = _same_for_sizes(lambda w: codebook.merge_codes(source=w["a"], target=w["b"], user=w["owner"]))
    assert small == large


@pytest.mark.django_db
def test_merge_results_are_right_at_both_sizes() -> None:
    w = _world(60, "check")
    outcome = codebook.merge_codes(source=w["a"], target=w["b"], user=w["owner"])
    live = Coding.objects.filter(retired_at=None)
    assert outcome.moved == 60 and outcome.collapsed == 20  # 20 pairs joined into 20 unions
    assert live.count() == 60 and set(live.values_list("code", flat=True)) == {w["b"].pk}
    assert Memo.objects.filter(coding__retired_at=None).count() == 3
    undo_last(study=w["study"], user=w["owner"])
    assert live.filter(code=w["a"]).count() == 60 and live.filter(code=w["b"]).count() == 20
    assert Memo.objects.filter(coding__retired_at=None, coding__code=w["a"]).count() == 3


@pytest.mark.django_db
def test_split() -> None:
    def split(w: dict[str, Any]) -> None:
        uuids = [str(u) for u in Coding.objects.filter(code=w["a"]).values_list("uuid", flat=True)]
        codebook.split_code(source=w["a"], coding_uuids=uuids, new_name="New", user=w["owner"])
        undo_last(study=w["study"], user=w["owner"])

    small, large = _same_for_sizes(split)
    assert small == large


@pytest.mark.django_db
def test_delete_and_restore() -> None:
    def delete_restore(w: dict[str, Any]) -> None:
        codebook.delete_code(code=w["a"], user=w["owner"])
        codebook.restore_code(code=Code.objects.get(pk=w["a"].pk), user=w["owner"])

    small, large = _same_for_sizes(delete_restore)
    assert small == large


@pytest.mark.django_db
def test_autocode_and_undo() -> None:
    def autocode(w: dict[str, Any]) -> None:
        hits = widen(search_hits(study=w["study"], pattern=compile_pattern(text="LIME", mode="words")), "sentence")
        apply_autocode(study=w["study"], user=w["owner"], hits=hits, description="t", new_code_name="LIME")
        undo_last(study=w["study"], user=w["owner"])

    small, large = _same_for_sizes(autocode)
    assert small == large


@pytest.mark.django_db
def test_pages(team: Team) -> None:
    """Codebook, dashboard, reader and retrieval pages: queries independent of data size."""

    def pages(w: dict[str, Any]) -> None:
        from django.test import Client

        client = Client()
        client.force_login(w["owner"])
        slug = w["study"].slug
        for url, params in (
            (reverse("coding:codebook", args=[slug]), {}),
            (reverse("studies:dashboard", args=[slug]), {}),
            (reverse("interviews:transcript_detail", args=[slug, w["transcript"].uuid]), {}),
            (reverse("coding:retrieval", args=[slug]), {"code": [str(w["a"].uuid), str(w["b"].uuid)], "mode": "all"}),
            (reverse("coding:retrieval", args=[slug]), {"code": str(w["a"].uuid)}),
        ):
            assert client.get(url, params).status_code == 200

    small, large = _same_for_sizes(pages)
    assert small == large
