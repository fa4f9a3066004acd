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
from studies.demo import bhatt2020, hopkins_booth2021
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
    # The learned suggestion model was trained by the first run (the text demos use it), not again.
    from assist.models import SuggestionModel

    assert SuggestionModel.objects.filter(study__slug="hopkins-booth-2021-outside-big-tech").count() == 1


@pytest.mark.django_db
def test_quote_documents_slice_exactly_and_codings_sit_on_turns() -> None:
    call_command("load_demo", stdout=StringIO())
    documents = Transcript.objects.filter(study__slug=hopkins_booth2021.SLUG).exclude(
        title=hopkins_booth2021.SUMMARIES_TITLE
    )
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


def _seed(name: str) -> str:
    source = SEEDS / name
    if not source.exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"Seed paper missing at {source}: CI must run with ../shared/seeds beside the repo.")
        pytest.skip(f"seed papers not found at {source}")
    return _normalise(source.read_text(encoding="utf-8"))


def test_paper_passages_are_verbatim_in_the_seed_papers() -> None:
    """The documents of the papers' own prose invent nothing: each passage is in its paper as it is
    (Hopkins & Booth with markdown emphasis removed, as the module says), and each names whom the
    paper says it is about."""
    paper = _seed(hopkins_booth2021.SOURCE_FILE)
    for speaker, section, about, passage in hopkins_booth2021.AUTHOR_SUMMARIES:
        assert passage in paper, f"{speaker} §{section}: {passage[:60]!r} is not in the paper"
        assert about and all(re.search(rf"\b{rid}\b", passage) for rid in about)
        assert speaker == "Authors on " + " and ".join(about)
    paper = _seed(bhatt2020.SOURCE_FILE)
    for speaker, _, passage in bhatt2020.CASE_DESCRIPTIONS:
        assert passage in paper, f"{speaker}: {passage[:60]!r} is not in the paper"


@pytest.mark.django_db
def test_demo_shows_the_techniques_the_papers_say_interviewees_used() -> None:
    """The papers' prose names the techniques their interviewees used; the loader processes those
    documents, so the demo's reader and technique pages show real mentions, on their words."""
    from assist.models import TechniqueMention

    call_command("load_demo", stdout=StringIO())
    expected = {
        hopkins_booth2021.SLUG: (
            hopkins_booth2021.SUMMARIES_TITLE,
            {"lime", "feature-importance", "shapley-values", "gdpr", "right-to-explanation"},
        ),
        bhatt2020.SLUG: (
            bhatt2020.CASES_TITLE,
            {
                "lime", "feature-importance", "shapley-values", "integrated-gradients", "saliency-maps",
                "heatmaps", "counterfactual-explanations", "adversarial-examples", "influence-functions",
                "data-drift", "sensitivity-analysis",
            },
        ),
    }  # fmt: skip
    for slug, (title, techniques) in expected.items():
        document = Transcript.objects.get(study__slug=slug, title=title)
        assert document.citation.startswith("Not a transcript: the paper's own text.")
        assert document.mode == "other"  # not an interview: the saturation curve leaves it out
        speakers = list(document.speakers.all())
        assert speakers and all(s.role == "other" and s.participant_id is None for s in speakers)
        mentions = list(TechniqueMention.objects.filter(transcript=document))
        assert techniques <= {m.technique for m in mentions}
        for mention in mentions:
            assert document.text[mention.start : mention.end] == mention.text
            assert any(t.start <= mention.start < mention.end <= t.end for t in document.turns.all())
    summaries = Transcript.objects.get(title=hopkins_booth2021.SUMMARIES_TITLE)
    assert sorted(p.label for p in summaries.participants.all()) == ["R1", "R10", "R4"]
    # The saturation curve follows the 13 interviews (their published quotes), not the authors' prose.
    from themes.analysis import saturation

    curve = saturation(summaries.study, None)
    assert curve.attrs["left_out"] == [hopkins_booth2021.SUMMARIES_TITLE]
    assert len(curve) == 13 and all(
        title.endswith("published quotes (Hopkins & Booth 2021)") for title in curve["transcript"]
    )


@pytest.mark.django_db
def test_demo_has_suggestion_rules_and_a_queue_once() -> None:
    """The demo's rules are created through the suggestion services and their run is done by the
    loader, so the Hopkins & Booth study opens with open suggestions; a rerun adds no rule, run or
    suggestion."""
    from assist.models import Suggestion, SuggestionRule
    from studies.demo import codebooks
    from studies.models import Job

    call_command("load_demo", stdout=StringIO())
    study = Study.objects.get(slug=hopkins_booth2021.SLUG)
    rules = SuggestionRule.objects.filter(study=study, deleted_at__isnull=True)
    assert sorted(rules.values_list("code__name", "kind", "pattern")) == sorted(
        (codebooks.HOPKINS_BOOTH_CODES[section][0], kind, pattern)
        for section, kind, pattern in codebooks.HOPKINS_BOOTH_RULES
    )
    open_rule_suggestions = Suggestion.objects.filter(study=study, status="open", rule__isnull=False)
    assert open_rule_suggestions.filter(transcript__title=hopkins_booth2021.SUMMARIES_TITLE).exists()
    for suggestion in open_rule_suggestions.select_related("transcript"):
        assert 0 <= suggestion.start < suggestion.end <= len(suggestion.transcript.text)
    assert not Job.objects.filter(study=study).exclude(status="done").exists()
    before = (
        sorted(Suggestion.objects.filter(study=study).values_list("uuid", flat=True)),
        Job.objects.count(),
    )
    call_command("load_demo", stdout=StringIO())
    after = (sorted(Suggestion.objects.filter(study=study).values_list("uuid", flat=True)), Job.objects.count())
    assert after == before


# --- themes and findings (issue 11) ------------------------------------------------------------


def _labels(text: str) -> set[str]:
    """The interviewee labels a passage names; the paper's misprint "R11R1" names R11 and R1."""
    return {f"R{n}" for n in re.findall(r"R(\d+)", text)}


def test_themes_and_findings_are_the_papers_own_words() -> None:
    """Nothing invented: every title is the paper's heading for its section, every definition,
    claim and context is in the paper as it is, a finding names exactly the interviewees its claim
    names and quotes only them, its quotes are the published ones (each used), and each technique
    cited is in the vocabulary and named in the finding's text."""
    from explainers.techniques import by_slug
    from studies.demo import codebooks

    paper = _seed(hopkins_booth2021.SOURCE_FILE)
    sections = {theme.section for theme in hopkins_booth2021.THEMES}
    for theme in hopkins_booth2021.THEMES:
        assert f"{theme.section} {theme.title}" in paper, theme.section
        assert theme.definition in paper, theme.section
        assert theme.parent is None or theme.parent in sections
        assert all(code in codebooks.HOPKINS_BOOTH_CODES for code in theme.codes)
    quotes = {(rid, quote) for rid, quote, _ in hopkins_booth2021.QUOTES}
    used = set()
    for finding in hopkins_booth2021.FINDINGS:
        text = " ".join([finding.claim, *finding.context])
        assert finding.claim in paper, finding.claim[:60]
        assert all(passage in paper for passage in finding.context), finding.claim[:60]
        assert finding.theme in sections
        if finding.claim.startswith("Every interviewee"):
            assert finding.participants == tuple(row[0] for row in hopkins_booth2021.PARTICIPANTS)
        else:
            assert set(finding.participants) == _labels(finding.claim), finding.claim[:60]
        for rid, quote in finding.quotes:
            assert (rid, quote) in quotes and rid in finding.participants and quote in text
            used.add((rid, quote))
        for slug, words in finding.techniques:
            assert by_slug(slug).slug == slug and words in text
    assert used == quotes


def _finding(study: Study, claim_start: str):  # type: ignore[no-untyped-def]
    from themes.models import Finding

    return Finding.objects.get(study=study, claim__startswith=claim_start, deleted_at__isnull=True)


@pytest.mark.django_db
def test_demo_carries_the_six_published_themes_and_the_findings_with_their_coverage() -> None:
    from accounts.models import User
    from explainers.techniques import by_slug
    from studies.demo import codebooks
    from themes.coverage import citing_findings, finding_coverage, finding_view
    from themes.models import Finding, Theme

    call_command("load_demo", stdout=StringIO())
    study = Study.objects.get(slug=hopkins_booth2021.SLUG)
    coder = User.objects.get(username="demo")
    top = list(Theme.objects.alive().filter(study=study, parent=None).order_by("order"))
    assert [t.name for t in top] == [
        "“It’s Tough.” Tensions Between Expectations & Feasibility",
        "“A Hotbed of Bias.” Efforts to Assess, Prevent, & Mitigate Bias",
        "“You can poke and prod black box models, right?” Black Boxes & Overconfidence",
        "“Data Literacy Is Not a Silver Bullet.” On Communication & Collaboration",
        "“Experiment, Iterate, See We’re Getting Closer.” A Model Is Never Finished",
        "“GDPR Doesn’t Affect Us.” Assessing Tensions Between Privacy & Growth",
    ]
    assert all(t.status == "final" and t.status_by == coder and t.status_at for t in top)
    under_tough = Theme.objects.alive().filter(parent=top[0]).order_by("order")
    assert [t.name for t in under_tough] == [
        "Users’ Expectations",
        "Management’s Expectations",
        "Predicting Performance and Cost",
    ]
    assert Theme.objects.alive().filter(study=study).count() == 22
    assert not Theme.objects.filter(study=study, parent__parent__isnull=False).exists()
    # Each theme groups the starter code of its section (a code keeps its codings).
    versioning = Theme.objects.get(study=study, name="Model and Data Versioning")
    assert [c.name for c in versioning.codes.all()] == [codebooks.HOPKINS_BOOTH_CODES["4.5.3"][0]]
    assert versioning.parent == top[4]

    # Coverage is the paper's list of interviewees for each claim: those it quotes, from the quotes'
    # speakers, and the others attributed without a quote (the paper rests claims on unpublished
    # notes), always said apart. Where every named interviewee is quoted, nothing is attributed.
    pushback = _finding(study, "R8 similarly described experiencing")
    assert finding_coverage(finding=pushback, user=coder).summary == "R8 — 1 of 17 participants"
    assert finding_coverage(finding=pushback, user=coder).basis == ""
    gdpr = _finding(study, "One interviewee (R1) described how their company responded to GDPR")
    assert finding_coverage(finding=gdpr, user=coder).labels == ["R1"]
    non_definitive = _finding(study, "To do so, R4 collaborated with designers")
    assert finding_coverage(finding=non_definitive, user=coder).labels == ["R4"]
    # The metadata claim names R14, R1, R12, R2, R3 and quotes R14 (twice), R1 and R12.
    metadata = _finding(study, "Metadata is critical for evaluating data")
    coverage = finding_coverage(finding=metadata, user=coder)
    assert coverage.summary == "R1, R2, R3, R12, R14 — 5 of 17 participants"
    assert (coverage.quoted, coverage.attributed) == (["R1", "R12", "R14"], ["R2", "R3"])
    assert coverage.basis == "Quoted: R1, R12, R14. Attributed without a quote: R2, R3."
    # R2, R3 and R12 are three of the twelve startups (R2 and R3 only by attribution).
    startups = next(g for g in coverage.groups if g.attribute == "organisation type" and g.value == "Startup")
    assert (startups.supported, startups.total) == (3, 12)
    assert "attributes this claim to R14, R1, R12, R2, R3" in metadata.narrative
    assert len(finding_view(finding=metadata, user=coder).support) == 4
    for spec in hopkins_booth2021.FINDINGS:
        finding = Finding.objects.get(study=study, claim=spec.claim)
        assert finding.theme.name == next(t.title for t in hopkins_booth2021.THEMES if t.section == spec.theme)
        view = finding_view(finding=finding, user=coder)
        assert [e.quote for e in view.support] == [quote for _, quote in spec.quotes]
        assert all(e.state == "live" for e in view.support)
        quoted = {rid for rid, _ in spec.quotes}
        assert set(view.coverage.labels) == set(spec.participants), spec.claim[:60]
        assert set(view.coverage.quoted) == quoted
        assert set(view.coverage.attributed) == set(spec.participants) - quoted
        assert ("attributes this claim" in finding.narrative) == (quoted != set(spec.participants))
        assert sorted(t.slug for t in view.techniques) == sorted(slug for slug, _ in spec.techniques)

    # The techniques the paper names are cited, and each technique lists the finding citing it.
    explanations = _finding(study, "In addition, R4 and R10 desired classic ML explanations.")
    for slug in ("lime", "feature-importance", "shapley-values"):
        by_slug(slug)
        assert [view.finding for view in citing_findings(study=study, slug=slug, user=coder)] == [explanations]
    assert [view.finding for view in citing_findings(study=study, slug="gdpr", user=coder)] == [gdpr]
    assert (
        citing_findings(study=study, slug="right-to-explanation", user=coder)[0].support[0].quote == "a pain in the ass"
    )


@pytest.mark.django_db
def test_rerun_leaves_themes_and_findings_as_they_are_and_restores_what_was_removed() -> None:
    """A second run writes no theme, finding, excerpt, citation or history row; a demo theme or
    finding deleted since, or a code taken out, comes back as the same row, not as a duplicate."""
    from accounts.models import User
    from coding.models import LogEntry
    from themes.models import Finding, FindingExcerpt, FindingTechnique, Theme, ThemeCode
    from themes.services.findings import delete_finding, uncite_technique
    from themes.services.themes import delete_theme, remove_codes

    def rows() -> list[list[tuple[object, ...]]]:
        return [
            sorted(Theme.objects.values_list("uuid", "parent__uuid", "name", "definition", "narrative", "status",
                                             "order", "version", "deleted_at")),
            sorted(ThemeCode.objects.values_list("theme__uuid", "code__uuid", "order")),
            sorted(Finding.objects.values_list("uuid", "theme__uuid", "claim", "narrative", "order", "deleted_at")),
            sorted(FindingExcerpt.objects.values_list("uuid", "finding__uuid", "coding_uuid", "quote", "order")),
            sorted(FindingTechnique.objects.values_list("finding__uuid", "technique")),
        ]  # fmt: skip

    call_command("load_demo", stdout=StringIO())
    first, history = rows(), LogEntry.objects.count()
    assert first[0] and first[2] and first[3] and first[4]
    call_command("load_demo", stdout=StringIO())
    assert rows() == first and LogEntry.objects.count() == history

    coder = User.objects.get(username="demo")
    study = Study.objects.get(slug=hopkins_booth2021.SLUG)
    versioning = Theme.objects.get(study=study, name="Model and Data Versioning")
    remove_codes(theme=versioning, user=coder, codes=list(versioning.codes.all()))
    # Deleting an overarching theme moves its detailed themes up to the top level.
    communication = Theme.objects.get(study=study, name__startswith="“Data Literacy Is Not a Silver Bullet.”")
    delete_theme(theme=communication, user=coder)
    assert Theme.objects.get(study=study, name="Effective Communication").parent is None
    explanations = _finding(study, "In addition, R4 and R10 desired classic ML explanations.")
    uncite_technique(finding=explanations, user=coder, slug="lime")
    delete_finding(finding=_finding(study, "Still, versioning remained elusive"), user=coder)
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert Theme.objects.filter(study=study).count() == 22 and Finding.objects.filter(study=study).count() == len(
        hopkins_booth2021.FINDINGS
    )
    communication.refresh_from_db()
    assert communication.deleted_at is None
    assert [t.name for t in communication.children.order_by("order")] == [
        "Effective Communication",
        "Institutional Knowledge",
    ]
    assert versioning.codes.count() == 1
    assert _finding(study, "Still, versioning remained elusive").excerpts.count() == 1
    assert explanations.techniques.filter(technique="lime").exists()
    assert "1 technique citations" in out.getvalue()
    restored = rows()
    assert [len(r) for r in restored] == [len(r) for r in first]
