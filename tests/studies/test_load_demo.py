from __future__ import annotations

import os
import re
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import CommandError, call_command

from coding.models import Code, Coding
from interviews.models import AttributeValue, Participant, Transcript
from studies.demo import hopkins_booth2021
from studies.models import Membership, Study
from tests.factories import make_user

SEEDS = Path(settings.BASE_DIR).parent / "shared" / "seeds"


def _counts() -> dict[str, int]:
    return {m._meta.label: m._default_manager.count() for m in apps.get_models() if m._meta.app_label != "sessions"}


def _value(study_slug: str, label: str, attribute: str) -> str:
    return AttributeValue.objects.get(
        participant__study__slug=study_slug, participant__label=label, attribute__name=attribute
    ).display


@pytest.mark.django_db
def test_demo_studies_participants_and_values() -> None:
    call_command("load_demo", stdout=StringIO())
    assert Participant.objects.filter(study__slug="hong-2020-interpretability").count() == 22
    assert Participant.objects.filter(study__slug="hopkins-booth-2021-outside-big-tech").count() == 17
    assert Participant.objects.filter(study__slug="bhatt-2020-explainable-ml-deployment").count() == 8
    assert _value("hong-2020-interpretability", "P16", "job title") == "Medical Doctor"
    assert _value("hong-2020-interpretability", "P21", "role") == "UX"
    assert _value("hong-2020-interpretability", "P9", "role") == ""
    assert _value("hopkins-booth-2021-outside-big-tech", "R1", "resources") == "$$$$"
    assert _value("hopkins-booth-2021-outside-big-tech", "R14", "organisation type") == "Public Sector"
    assert _value("hopkins-booth-2021-outside-big-tech", "R15", "resources") == ""
    assert _value("bhatt-2020-explainable-ml-deployment", "U7", "explainability technique") == (
        "Counterfactual Explanations"
    )
    study = Study.objects.get(slug="hopkins-booth-2021-outside-big-tech")
    assert study.doi == "10.1145/3461702.3462527" and "Hopkins" in study.citation


@pytest.mark.django_db
def test_running_twice_changes_nothing() -> None:
    call_command("load_demo", stdout=StringIO())
    first = _counts()
    snapshot = list(Transcript.objects.values_list("uuid", "text", "updated_at").order_by("uuid"))
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert _counts() == first
    assert list(Transcript.objects.values_list("uuid", "text", "updated_at").order_by("uuid")) == snapshot
    assert "nothing changed" in out.getvalue()


@pytest.mark.django_db
def test_quote_documents_slice_exactly_and_codings_sit_on_turns() -> None:
    call_command("load_demo", stdout=StringIO())
    documents = Transcript.objects.filter(study__slug=hopkins_booth2021.SLUG)
    assert documents.count() == len({rid for rid, _, _ in hopkins_booth2021.QUOTES})
    quotes = {(rid, quote) for rid, quote, _ in hopkins_booth2021.QUOTES}
    seen = set()
    for document in documents:
        participant = document.participants.get()
        assert document.mode == "excerpts" and document.citation
        for turn in document.turns.select_related("speaker"):
            speech = document.text[turn.start : turn.end]
            assert document.text[turn.start - len(participant.label) - 2 : turn.start] == f"{participant.label}: "
            assert turn.speaker is not None
            seen.add((turn.speaker.label, speech))
        for coding in Coding.objects.filter(transcript=document):
            assert any(t.start <= coding.start < coding.end <= t.end for t in document.turns.all())
    assert seen == quotes
    assert Code.objects.filter(study__slug=hopkins_booth2021.SLUG, parent__isnull=False).exists()


def _normalise(text: str) -> str:
    text = text.replace("\\$", "$").replace("*", "")
    return re.sub(r"\s+", " ", text)


@pytest.mark.django_db
def test_every_quote_occurs_in_the_seed_paper() -> None:
    """Proves nothing was invented: each quote is verbatim in the source text."""
    source = SEEDS / hopkins_booth2021.SOURCE_FILE
    if not source.exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"Seed paper missing at {source}: CI must run with ../shared/seeds beside the repo.")
        pytest.skip(f"seed papers not found at {source}")
    paper = _normalise(source.read_text(encoding="utf-8"))
    for rid, quote, _ in hopkins_booth2021.QUOTES:
        assert f"“{quote}" in paper, f"{rid}: {quote!r} is not in the paper"
        assert re.search(rf"\b{rid}\b", paper)


@pytest.mark.django_db
def test_owner_option_and_unknown_owner() -> None:
    researcher = make_user("ana")
    call_command("load_demo", owner="ana", stdout=StringIO())
    assert Membership.objects.filter(user=researcher, role="owner").count() == 3
    with pytest.raises(CommandError):
        call_command("load_demo", owner="nobody", stdout=StringIO())


@pytest.mark.django_db
def test_reset_rebuilds_only_demo_studies() -> None:
    other = Study.objects.create(title="Mine", slug="mine")
    call_command("load_demo", stdout=StringIO())
    before = _counts()
    call_command("load_demo", reset=True, stdout=StringIO())
    assert _counts() == before
    assert Study.objects.filter(pk=other.pk).exists()


@pytest.mark.django_db
def test_demo_documents_are_processed_and_show_technique_mentions() -> None:
    """The demo is written without the import path, whose job finds sentences and technique
    mentions: the loader processes its documents itself, once."""
    from assist.models import TechniqueMention, TextAnalysis
    from assist.selectors import unprocessed_transcripts

    out = StringIO()
    call_command("load_demo", stdout=out)
    study = Study.objects.get(slug=hopkins_booth2021.SLUG)
    assert Transcript.objects.filter(study=study).exists() and not unprocessed_transcripts(study).exists()
    assert (
        TextAnalysis.objects.filter(transcript__study=study).count() == Transcript.objects.filter(study=study).count()
    )
    assert "processed documents" in out.getvalue()
    # The published quotes name no technique (they are about the work around models), so there may
    # be none; any found sit on their words.
    for mention in TechniqueMention.objects.filter(study=study):
        assert mention.transcript.text[mention.start : mention.end] == mention.text
