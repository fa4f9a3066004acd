"""The technique guides (`explainers.guide`): every technique with a live demo has one, in two real
paragraphs with dated sources, consistent with the vocabulary's citation; the technique page shows it
under its three headings, escaped."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import escape

from explainers.guide import Guide, guide_for, guided_slugs
from explainers.sandbox.base import all_demos
from explainers.techniques import SEED_CITATIONS, by_slug
from tests.conftest import Team

DEMONSTRATED = sorted({s for d in all_demos() for s in d.slugs})
YEAR = re.compile(r"\b(1[89]|20)\d\d\b")
# A sentence ends at . ! or ? (perhaps before a closing quote or bracket) followed by space and a
# capital or an opening quote; "et al." and "e.g." do not end one.
SENTENCE_END = re.compile(r"(?<!\bal)(?<!e\.g)(?<!i\.e)[.!?][\"”’)]?\s+(?=[A-Z\"“(])")
SEED_AUTHOR = {citation: citation.split()[0] for citation in SEED_CITATIONS}  # Bhatt, Hopkins, Lipton, Hong


def sentences(text: str) -> list[str]:
    return [s for s in SENTENCE_END.split(text.strip()) if len(s.split()) >= 4]


def test_the_sentence_counter_is_not_fooled_by_abbreviations() -> None:
    assert len(sentences("Lundberg et al. show that values add up. They are exact for trees.")) == 2
    assert len(sentences("It compares features, e.g. age and income, across cases.")) == 1


def test_there_are_demonstrated_techniques_to_guide() -> None:
    assert len(DEMONSTRATED) >= 40


@pytest.mark.parametrize("slug", DEMONSTRATED)
def test_every_demonstrated_technique_has_a_two_paragraph_guide(slug: str) -> None:
    guide = guide_for(slug)
    assert isinstance(guide, Guide), slug
    for name in ("answers", "limits"):
        paragraph = getattr(guide, name)
        assert len(sentences(paragraph)) >= 2, (slug, name, paragraph)
        assert len(paragraph) >= 150, (slug, name)
        assert "\n" not in paragraph and "  " not in paragraph and '"' not in paragraph, (slug, name)
    assert guide.answers != guide.limits
    assert guide.sources, slug
    for source in guide.sources:
        assert YEAR.search(source), (slug, source)
    assert len(set(guide.sources)) == len(guide.sources), slug
    assert guide.seed_note.strip(), slug


@pytest.mark.parametrize("slug", DEMONSTRATED)
def test_guide_agrees_with_the_vocabulary_citation(slug: str) -> None:
    """A technique the vocabulary cites to a seed paper gets a note on what that paper says; one cited to
    an original source outside the seeds lists that source (same first author, same year)."""
    technique, guide = by_slug(slug), guide_for(slug)
    assert guide is not None
    seed = next((c for c in SEED_CITATIONS if technique.paper.startswith(c)), None)
    if seed is not None:
        assert SEED_AUTHOR[seed] in guide.seed_note, (slug, seed)
    else:
        named = technique.paper.split("; ", 1)[1]  # "Breiman 2001, Random Forests ..."
        author, year = named.split()[0].rstrip(","), YEAR.search(named)
        assert year, (slug, named)
        assert any(s.startswith(author) and year.group(0) in s for s in guide.sources), (slug, named)


def test_every_guide_is_for_a_real_technique_and_unknown_slugs_have_none() -> None:
    for slug in guided_slugs():
        by_slug(slug)  # KeyError for a slug outside the vocabulary
    assert guide_for("no-such-technique") is None
    assert set(DEMONSTRATED) <= guided_slugs()


def test_seed_notes_quote_only_what_the_seed_texts_say() -> None:
    """Words in quotation marks in a seed note are copied from a seed paper: each quoted passage occurs
    in one of the stored seed texts (compared without punctuation, which one stored text lacks, and
    without the PDF's line-break hyphens)."""
    seeds = Path("/work/shared/seeds")
    if not seeds.is_dir():
        pytest.skip("the seed texts are not on this machine")

    def bare(text: str) -> str:
        return " ".join(re.sub(r"[^\w\s]", " ", text.replace("*", "")).lower().split())

    text = " ".join(p.read_text(encoding="utf-8") for p in seeds.glob("*.txt"))
    corpus = bare(re.sub(r"(\w)- (\w)", r"\1\2", text))  # the PDF text breaks words: "expla- nation"
    quoted = 0
    for slug in guided_slugs():
        guide = guide_for(slug)
        assert guide is not None
        for passage in re.findall(r"“([^”]+)”", guide.seed_note):
            if passage.endswith("?") and "paraphrase" in guide.seed_note:
                continue
            quoted += 1
            assert bare(passage) in corpus, (slug, passage)
    assert quoted >= 20


# --- the page -----------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("slug", ["lime", "influence-functions"])
def test_technique_page_shows_the_guide_escaped(team: Team, slug: str) -> None:
    response = team.client("viewer").get(reverse("explainers:technique_detail", args=[team.study.slug, slug]))
    assert response.status_code == 200
    html = response.content.decode()
    guide = guide_for(slug)
    assert guide is not None
    for heading in ("What it answers", "Known limits", "Sources"):
        assert f">{heading}</h2>" in html
    assert escape(guide.answers) in html
    assert escape(guide.limits) in html
    assert escape(guide.seed_note) in html
    for source in guide.sources:
        assert escape(source) in html
    # The guide sits right after the introduction, before the demos and the citing findings.
    assert html.index(">What it answers</h2>") < html.index('id="citations-head"')


def test_the_partial_escapes_every_field(monkeypatch: pytest.MonkeyPatch) -> None:
    evil = '<script>alert("x")</script>'
    fake = Guide(f"Answers {evil}.", f"Limits {evil}.", (f"Source {evil} 2020",), f"Note {evil}.")
    monkeypatch.setattr("explainers.templatetags.guide.guide_for", lambda slug: fake)
    html = render_to_string("explainers/_technique_guide.html", {"technique": by_slug("lime")})
    assert evil not in html
    assert html.count(escape(evil)) == 4


def test_the_partial_renders_nothing_for_a_technique_without_a_guide() -> None:
    html = render_to_string("explainers/_technique_guide.html", {"technique": by_slug("gdpr")})
    assert guide_for("gdpr") is None
    assert html.strip() == ""
