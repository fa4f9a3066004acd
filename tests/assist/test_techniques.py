"""The shared technique vocabulary (explainers.techniques): stable slugs, complete entries, every variant found."""

from __future__ import annotations

import dataclasses
import re

import pytest

from assist.pipeline import analyse
from explainers.techniques import (
    FAMILIES,
    OUTPUT_NOUNS,
    SEED_CITATIONS,
    SLUG_RE,
    TECHNIQUES,
    Technique,
    by_family,
    by_slug,
)

# The techniques issue 10 names; the sandbox (issue 12) links to these slugs.
ISSUE_SLUGS = {
    "feature-importance",
    "shapley-values",
    "shap",
    "kernel-shap",
    "tree-shap",
    "lime",
    "integrated-gradients",
    "saliency-maps",
    "heatmaps",
    "counterfactual-explanations",
    "adversarial-examples",
    "adversarial-perturbations",
    "influence-functions",
    "cooks-distance",
    "prototypes",
    "explanation-by-example",
    "nearest-neighbours",
    "partial-dependence",
    "ice-plots",
    "surrogate-models",
    "decision-trees",
    "linear-models",
    "calibration",
    "uncertainty",
    "t-sne",
    "model-monitoring",
    "data-drift",
    "sensitivity-analysis",
    "gdpr",
    "right-to-explanation",
}


def test_about_seventy_techniques_with_unique_well_formed_slugs() -> None:
    slugs = [t.slug for t in TECHNIQUES]
    assert 65 <= len(slugs) <= 90
    assert len(set(slugs)) == len(slugs)
    assert all(SLUG_RE.fullmatch(slug) for slug in slugs), [s for s in slugs if not SLUG_RE.fullmatch(s)]


def test_the_issue_list_is_covered() -> None:
    assert {t.slug for t in TECHNIQUES} >= ISSUE_SLUGS


@pytest.mark.parametrize("technique", TECHNIQUES, ids=lambda t: t.slug)
def test_entry_is_complete(technique: Technique) -> None:
    assert technique.name.strip() and technique.family in FAMILIES
    assert technique.variants or technique.acronyms
    assert technique.description.endswith(".") and "\n" not in technique.description
    assert technique.paper.startswith((*SEED_CITATIONS, "Not in the seed papers; "))
    assert all(re.fullmatch(r"[A-Z][A-Za-z0-9]+", a) for a in technique.acronyms)
    assert len(set(technique.variants)) == len(technique.variants)


def test_techniques_are_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        TECHNIQUES[0].slug = "renamed"  # type: ignore[misc]


def test_by_slug_and_by_family() -> None:
    assert by_slug("kernel-shap").name == "KernelSHAP"
    with pytest.raises(KeyError):
        by_slug("lime-juice")
    shapley = by_family("shapley")
    assert {"shap", "kernel-shap", "tree-shap"} <= {t.slug for t in shapley}
    assert all(t.family == "shapley" for t in shapley)


def test_every_family_is_used() -> None:
    assert {t.family for t in TECHNIQUES} == set(FAMILIES)


def _spoken(variant: str) -> str:
    """A variant as it would be said: optional words dropped."""
    return " ".join(word for word in variant.split() if not word.startswith("["))


def test_every_variant_and_acronym_is_recognised_as_its_own_technique() -> None:
    """Each variant alone is one mention of its technique, covering all of it: no variant is
    malformed, shadowed by another technique's longer pattern, or claimed by two techniques."""
    cases = [(t.slug, text) for t in TECHNIQUES for text in (*map(_spoken, t.variants), *t.acronyms)]
    wrong = []
    for (slug, text), analysis in zip(cases, analyse(text for _, text in cases), strict=True):
        found = [(m.slug, m.start, m.end) for m in analysis.mentions]
        if found != [(slug, 0, len(text))]:
            wrong.append((slug, text, found))
    assert not wrong


def test_output_nouns_are_lemmas() -> None:
    assert all(noun == noun.lower() and not noun.endswith("s") for noun in OUTPUT_NOUNS)
