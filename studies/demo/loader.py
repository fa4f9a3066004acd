"""Build the demo studies from the transcribed seed data. Idempotent: a second run changes nothing."""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from accounts.models import User
from coding.models import Code, Coding
from coding.services.codings import apply_coding
from interviews.models import (
    Attribute,
    AttributeType,
    AttributeValue,
    Participant,
    Protocol,
    ProtocolQuestion,
    Speaker,
    SpeakerRole,
    SpeakerTurn,
    Transcript,
    TranscriptMode,
)
from studies.models import Membership, Role, Study
from themes.models import (
    ExcerptKind,
    Finding,
    FindingExcerpt,
    FindingParticipant,
    FindingTechnique,
    Theme,
    ThemeCode,
    ThemeStatus,
)
from themes.services.findings import (
    add_excerpt,
    attribute_participants,
    cite_technique,
    create_finding,
    restore_finding,
    update_finding,
)
from themes.services.themes import add_codes, create_theme, move_theme, restore_theme, set_status, update_theme

from . import bhatt2020, codebooks, hong2020, hopkins_booth2021

DEMO_SLUGS = (hong2020.SLUG, hopkins_booth2021.SLUG, bhatt2020.SLUG)


@dataclass
class LoadReport:
    created: dict[str, int] = field(default_factory=dict)

    def count(self, kind: str, created: bool) -> None:
        if created:
            self.created[kind] = self.created.get(kind, 0) + 1

    def summary(self) -> str:
        if not self.created:
            return "Demo studies are up to date; nothing changed."
        return "Created " + ", ".join(f"{n} {kind}" for kind, n in sorted(self.created.items())) + "."


def _update_or_create(report: LoadReport, model: Any, defaults: dict[str, Any], **lookup: Any) -> Any:
    """update_or_create that writes only when a value differs, so reruns leave rows untouched."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model.objects.create(**lookup, **defaults)
        report.count(model._meta.verbose_name_plural, True)
        return obj
    changed = [name for name, value in defaults.items() if getattr(obj, name) != value]
    if changed:
        for name in changed:
            setattr(obj, name, defaults[name])
        obj.save(update_fields=changed)
    return obj


def _study(report: LoadReport, module: Any, owners: list[User]) -> Study:
    study = _update_or_create(
        report,
        Study,
        {
            "title": module.TITLE,
            "description": module.DESCRIPTION,
            "citation": module.CITATION,
            "doi": module.DOI,
            "research_questions": "\n".join(module.RESEARCH_QUESTIONS),
        },
        slug=module.SLUG,
    )
    for owner in owners:
        _, created = Membership.objects.get_or_create(study=study, user=owner, defaults={"role": Role.OWNER})
        report.count("memberships", created)
    return study


def _attribute(
    report: LoadReport, study: Study, name: str, kind: str, order: int, choices: list[str] | None = None, desc: str = ""
) -> Attribute:
    return _update_or_create(
        report,
        Attribute,
        {"type": kind, "choices": choices or [], "order": order, "description": desc},
        study=study,
        name=name,
    )


def _participant(
    report: LoadReport, study: Study, label: str, values: dict[Attribute, str], notes: str = ""
) -> Participant:
    participant = _update_or_create(report, Participant, {"notes": notes}, study=study, label=label)
    for attribute, value in values.items():
        _update_or_create(report, AttributeValue, {"value_text": value}, participant=participant, attribute=attribute)
    return participant


def _categories(values: list[str]) -> list[str]:
    return sorted({v for v in values if v})


def load_hong(report: LoadReport, owners: list[User]) -> Study:
    study = _study(report, hong2020, owners)
    rows = hong2020.PARTICIPANTS
    domain = _attribute(
        report, study, "domain", AttributeType.CATEGORY, 1, _categories([r[1] for r in rows]), "Company domain"
    )
    title = _attribute(report, study, "job title", AttributeType.TEXT, 2)
    role = _attribute(
        report,
        study,
        "role",
        AttributeType.CATEGORY,
        3,
        list(hong2020.ROLES),
        "; ".join(f"{k} = {v}" for k, v in hong2020.ROLES.items()),
    )
    problems = _attribute(report, study, "domain problems", AttributeType.TEXT, 4)
    for pid, dom, job, role_code, probs in rows:
        _participant(report, study, pid, {domain: dom, title: job, role: role_code, problems: probs})
    return study


def load_bhatt(report: LoadReport, owners: list[User]) -> Study:
    study = _study(report, bhatt2020, owners)
    rows = bhatt2020.USE_CASES
    names = ["domain", "model purpose", "explainability technique", "stakeholders", "evaluation criteria"]
    attributes = [
        _attribute(
            report,
            study,
            name,
            AttributeType.CATEGORY if i in (0, 2, 3) else AttributeType.TEXT,
            i + 1,
            _categories([r[i + 1] for r in rows]) if i in (0, 2, 3) else None,
        )
        for i, name in enumerate(names)
    ]
    for row in rows:
        _participant(
            report,
            study,
            row[0],
            dict(zip(attributes, row[1:], strict=True)),
            notes="A deployed use case reported in the paper's summary table, not an individual interviewee.",
        )
    return study


def _canonical(blocks: list[tuple[str, str]]) -> tuple[str, list[tuple[str, int, int]]]:
    """Lay out turns as "Speaker: speech" blocks separated by blank lines; offsets cover the speech."""
    parts: list[str] = []
    turns: list[tuple[str, int, int]] = []
    position = 0
    for speaker, speech in blocks:
        speech = unicodedata.normalize("NFC", speech)
        prefix = f"{speaker}: "
        if parts:
            parts.append("\n\n")
            position += 2
        start = position + len(prefix)
        parts.append(prefix + speech)
        position += len(prefix) + len(speech)
        turns.append((speaker, start, position))
    return "".join(parts), turns


def load_hopkins_booth(report: LoadReport, owners: list[User], coder: User) -> Study:
    hb = hopkins_booth2021
    study = _study(report, hb, owners)
    rows = hb.PARTICIPANTS
    org = _attribute(report, study, "organisation type", AttributeType.CATEGORY, 1, _categories([r[1] for r in rows]))
    desc = _attribute(report, study, "company description", AttributeType.TEXT, 2)
    title = _attribute(report, study, "title", AttributeType.TEXT, 3)
    resources = _attribute(
        report,
        study,
        "resources",
        AttributeType.CATEGORY,
        4,
        hb.RESOURCE_TIERS,
        "Estimated available resources, from public records and Crunchbase ($ to $$$$)",
    )
    participants = {
        rid: _participant(report, study, rid, {org: kind, desc: company, title: job, resources: tier})
        for rid, kind, company, job, tier in rows
    }

    protocols: dict[str, Protocol] = {}
    for rid, questions in hb.PROTOCOLS.items():
        protocol = _update_or_create(
            report,
            Protocol,
            {
                "description": "Interview outline from the paper's supplementary material; the interviews were "
                "semi-structured and did not follow it exactly."
            },
            study=study,
            title=f"Interview outline for {rid}",
        )
        for order, text in enumerate(questions, start=1):
            _update_or_create(report, ProtocolQuestion, {"text": text}, protocol=protocol, order=order)
        protocols[rid] = protocol

    codes: dict[str, Code] = {}
    for order, (section, (name, colour, definition, parent)) in enumerate(codebooks.HOPKINS_BOOTH_CODES.items()):
        codes[section] = _update_or_create(
            report,
            Code,
            {"colour": colour, "definition": definition, "order": order, "deleted_at": None},
            study=study,
            name=name,
            parent=codes[parent] if parent else None,
        )

    codings: dict[tuple[str, str], Coding] = {}
    by_participant: dict[str, list[tuple[str, str]]] = {}
    for rid, quote, section in hb.QUOTES:
        by_participant.setdefault(rid, []).append((quote, section))
    for rid, quotes in by_participant.items():
        text, turn_spans = _canonical([(rid, quote) for quote, _ in quotes])
        transcript = _update_or_create(
            report,
            Transcript,
            {
                "text": text,
                "mode": TranscriptMode.EXCERPTS,
                "citation": hb.CITATION,
                "protocol": protocols.get(rid),
                "source_filename": hb.SOURCE_FILE,
                "source_format": "demo",
                "text_sha256": hashlib.sha256(text.encode()).hexdigest(),
                "char_count": len(text),
                "word_count": sum(len(quote.split()) for quote, _ in quotes),
            },
            study=study,
            title=f"{rid} — published quotes (Hopkins & Booth 2021)",
        )
        participant = participants[rid]
        transcript.participants.add(participant)
        speaker = _update_or_create(
            report,
            Speaker,
            {"role": SpeakerRole.PARTICIPANT, "participant": participant},
            transcript=transcript,
            label=rid,
        )
        for index, ((_, start, end), (quote, section)) in enumerate(zip(turn_spans, quotes, strict=True)):
            _update_or_create(
                report,
                SpeakerTurn,
                {"speaker": speaker, "start": start, "end": end},
                transcript=transcript,
                index=index,
            )
            code = codes[codebooks.SECTION_ALIASES.get(section, section)]
            coding, created = apply_coding(transcript=transcript, code=code, start=start, end=end, coder=coder)
            report.count("codings", created)
            codings[(rid, quote)] = coding
    load_hopkins_booth_themes(report, study, coder, codes, codings)
    return study


def _theme_narrative(theme: hopkins_booth2021.PaperTheme) -> str:
    kind = "an overarching theme" if theme.parent is None else "a detailed theme"
    return (
        f"Published as {kind} of Hopkins & Booth (2021), §{theme.section}. The definition is the paper's own "
        "text from that section, verbatim."
    )


def _finding_narrative(finding: hopkins_booth2021.PaperFinding) -> str:
    """The paper's text around the claim (a Markdown quotation), where the paper says it, and, when
    the published quotes come from fewer interviewees than the claim names, a note saying so: the
    coverage the app computes counts only interviewees with a quote."""
    parts = []
    if finding.context:
        parts.append("\n>\n".join(f"> {passage}" for passage in finding.context))
    parts.append(f"Hopkins & Booth (2021), §{finding.section}.")
    quoted = list(dict.fromkeys(rid for rid, _ in finding.quotes))
    if set(quoted) != set(finding.participants):
        every = finding.participants == hopkins_booth2021.EVERY_INTERVIEWEE
        named = "every interviewee" if every else ", ".join(finding.participants)
        parts.append(
            f"The paper attributes this claim to {named}; it publishes quotes from {', '.join(quoted)} only. The "
            "coverage counts the others as attributed without a quote."
        )
    return "\n\n".join(parts)


def _theme(
    report: LoadReport, study: Study, coder: User, spec: hopkins_booth2021.PaperTheme, parent: Theme | None,
    codes: list[Code],
) -> Theme:  # fmt: skip
    """One published theme through the theme services: created final with its codes when missing;
    otherwise brought back to the paper's text, status and codes, each service called only when
    something differs, so a rerun writes nothing (and logs nothing in the study history)."""
    narrative = _theme_narrative(spec)
    # By title: deleting an overarching theme moves its detailed themes up a level, so a detailed
    # theme is looked for anywhere in the study and moved back under its parent.
    candidates = Theme.objects.filter(study=study, name=spec.title)
    theme = (
        candidates.filter(parent=parent, deleted_at__isnull=True).order_by("pk").first()
        or candidates.filter(deleted_at__isnull=True).order_by("pk").first()
        or candidates.order_by("pk").first()
    )
    if theme is None:
        report.count("themes", True)
        return create_theme(
            study=study, user=coder, name=spec.title, parent=parent, definition=spec.definition,
            narrative=narrative, codes=codes, status=ThemeStatus.FINAL,
        )  # fmt: skip
    if theme.deleted_at is not None:
        theme = restore_theme(theme=theme, user=coder)
    if theme.parent_id != (parent.pk if parent else None):
        theme = move_theme(theme=theme, user=coder, parent=parent)
    if (theme.definition, theme.narrative) != (spec.definition, narrative):
        theme = update_theme(
            theme=theme, user=coder, expected_version=theme.version, definition=spec.definition, narrative=narrative
        )
    if theme.status != ThemeStatus.FINAL:
        theme = set_status(theme=theme, user=coder, status=ThemeStatus.FINAL)
    present = set(ThemeCode.objects.filter(theme=theme).values_list("code_id", flat=True))
    if any(code.pk not in present for code in codes):
        add_codes(theme=theme, user=coder, codes=codes)
    return theme


def _finding(
    report: LoadReport,
    theme: Theme,
    coder: User,
    spec: hopkins_booth2021.PaperFinding,
    codings: dict[tuple[str, str], Coding],
) -> Finding:
    """One published finding through the finding services: the claim, its narrative, the codings of
    its published quotes as supporting excerpts, the interviewees the paper names for it (attributed
    without a quote where none of theirs is published) and its technique citations, each added only when
    missing (an excerpt is matched by the coding it was chosen from, or by its place)."""
    narrative = _finding_narrative(spec)
    finding = Finding.objects.filter(theme=theme, claim=spec.claim).order_by("pk").first()
    if finding is None:
        finding = create_finding(theme=theme, user=coder, claim=spec.claim, narrative=narrative)
        report.count("findings", True)
    else:
        if finding.deleted_at is not None:
            finding = restore_finding(finding=finding, user=coder)
        if finding.narrative != narrative:
            finding = update_finding(
                finding=finding, user=coder, expected_version=finding.version, claim=spec.claim, narrative=narrative
            )
    quoted = {
        key
        for row in FindingExcerpt.objects.filter(finding=finding, kind=ExcerptKind.SUPPORT).values(
            "coding_uuid", "transcript_id", "start", "end"
        )
        for key in (row["coding_uuid"], (row["transcript_id"], row["start"], row["end"]))
    }
    for key in spec.quotes:
        coding = codings[key]
        if coding.uuid in quoted or (coding.transcript_id, coding.start, coding.end) in quoted:
            continue
        add_excerpt(finding=finding, user=coder, coding_uuid=coding.uuid, kind=ExcerptKind.SUPPORT)
        report.count("finding excerpts", True)
    named = {p.label: p for p in Participant.objects.filter(study=theme.study, label__in=spec.participants)}
    attributed = set(FindingParticipant.objects.filter(finding=finding).values_list("participant__label", flat=True))
    if attributed != set(named):
        attribute_participants(finding=finding, user=coder, participants=list(named.values()))
        report.count("finding attributions", True)
    cited = set(FindingTechnique.objects.filter(finding=finding).values_list("technique", flat=True))
    for slug, _ in spec.techniques:
        if slug not in cited:
            cite_technique(finding=finding, user=coder, slug=slug)
            report.count("technique citations", True)
    return finding


def load_hopkins_booth_themes(
    report: LoadReport, study: Study, coder: User, codes: dict[str, Code], codings: dict[tuple[str, str], Coding]
) -> None:
    """The paper's six overarching themes with their published titles, its detailed themes under
    them, the starter codes grouped in each, and its findings backed by the published quotes
    (`hopkins_booth2021.THEMES`, `FINDINGS`), written through the themes and findings services."""
    themes: dict[str, Theme] = {}
    for spec in hopkins_booth2021.THEMES:
        parent = themes[spec.parent] if spec.parent else None
        themes[spec.section] = _theme(report, study, coder, spec, parent, [codes[c] for c in spec.codes])
    for finding in hopkins_booth2021.FINDINGS:
        _finding(report, themes[finding.theme], coder, finding, codings)


def load_paper_passages(
    report: LoadReport,
    study: Study,
    *,
    title: str,
    note: str,
    citation: str,
    source_file: str,
    passages: list[tuple[str, tuple[str, ...], str]],
) -> Transcript:
    """One document of a paper's own prose: each passage a turn of a speaker named after whom the
    paper says it is about ("Organization A", "Authors on R4"), with the role *other* and no
    participant (the words are the authors', not the interviewee's); the interviewees named are linked
    to the document. `note` says it is the paper's text, not a transcript, and heads the citation the
    reader shows under the title. The text is processed like every demo document, so the reader and
    the technique pages show the techniques the paper says were used (the published quotes name none)."""
    text, turn_spans = _canonical([(speaker, passage) for speaker, _, passage in passages])
    transcript = _update_or_create(
        report,
        Transcript,
        {
            "text": text,
            # The authors' words, not an interview: the saturation curve leaves it out.
            "mode": TranscriptMode.OTHER,
            "citation": f"{note} Source: {citation}",
            "source_filename": source_file,
            "source_format": "demo",
            "text_sha256": hashlib.sha256(text.encode()).hexdigest(),
            "char_count": len(text),
            "word_count": sum(len(passage.split()) for _, _, passage in passages),
        },
        study=study,
        title=title,
    )
    labels = {label for _, about, _ in passages for label in about}
    if labels:
        transcript.participants.add(*Participant.objects.filter(study=study, label__in=labels))
    speakers: dict[str, Speaker] = {}
    for index, ((speaker, start, end), _) in enumerate(zip(turn_spans, passages, strict=True)):
        if speaker not in speakers:
            speakers[speaker] = _update_or_create(
                report, Speaker, {"role": SpeakerRole.OTHER, "participant": None}, transcript=transcript, label=speaker
            )
        _update_or_create(
            report,
            SpeakerTurn,
            {"speaker": speakers[speaker], "start": start, "end": end},
            transcript=transcript,
            index=index,
        )
    return transcript


def demo_user(report: LoadReport) -> User:
    user = User.objects.filter(username="demo").first()
    if user is None:
        user = User.objects.create_user(username="demo", password=None, display_name="Demo coder")
        report.count("users", True)
    return user


def _suggestion_rules(report: LoadReport, coder: User, processed: set[int]) -> None:
    """The demo's code-suggestion rules (`codebooks.HOPKINS_BOOTH_RULES`), created through
    `assist.suggestions.create_rule` when missing, and the suggestion run they queue, run here rather
    than left to a worker, so the demo opens with a suggestion queue. The run comes after the text
    processing (suggestions are made on processed sentences) and only when rules were added or
    documents (re)processed: a rerun of the loader changes nothing (`processed` holds the ids of the
    studies whose documents were processed in this run)."""
    from assist.models import SuggestionRule
    from assist.suggestions import create_rule, queue_suggestions
    from assist.tasks import suggest_task
    from studies.models import Job, JobStatus

    study = Study.objects.get(slug=hopkins_booth2021.SLUG)
    codes = {
        code.name: code for code in Code.objects.filter(study=study, deleted_at__isnull=True).select_related("study")
    }
    with transaction.atomic():
        existing = set(
            SuggestionRule.objects.filter(study=study, deleted_at__isnull=True).values_list(
                "code__name", "kind", "pattern"
            )
        )
        added = 0
        for section, kind, pattern in codebooks.HOPKINS_BOOTH_RULES:
            code = codes.get(codebooks.HOPKINS_BOOTH_CODES[section][0])
            if code is None or (code.name, kind, pattern) in existing:
                continue
            create_rule(code=code, user=coder, kind=kind, pattern=pattern, study=study)
            added += 1
        if added:
            report.created["suggestion rules"] = report.created.get("suggestion rules", 0) + added
        if not added and study.pk not in processed:
            return
        # The rules' pending run of the whole study (create_rule queued it; this returns that job).
        job = queue_suggestions(study=study, user=coder)
    # Sent on commit: in the web process it has already run; with a worker, run it here all the same
    # (whichever starts first claims it; the other finds it taken and does nothing).
    job.refresh_from_db()
    if job.status not in (JobStatus.DONE, JobStatus.FAILED, JobStatus.RUNNING):
        suggest_task.apply(args=[job.pk])
    if Job.objects.filter(pk=job.pk, status=JobStatus.DONE).exists():
        report.created["suggestion runs"] = report.created.get("suggestion runs", 0) + 1


def load_demo(*, owner: User | None = None, reset: bool = False) -> LoadReport:
    report = LoadReport()
    with transaction.atomic():
        if reset:
            Study.objects.filter(slug__in=DEMO_SLUGS).delete()
        coder = demo_user(report)
        owners = [coder] + ([owner] if owner else [])
        load_hong(report, owners)
        hopkins_booth = load_hopkins_booth(report, owners, coder)
        load_paper_passages(
            report,
            hopkins_booth,
            title=hopkins_booth2021.SUMMARIES_TITLE,
            note=hopkins_booth2021.SUMMARIES_NOTE,
            citation=hopkins_booth2021.CITATION,
            source_file=hopkins_booth2021.SOURCE_FILE,
            passages=[(speaker, about, text) for speaker, _, about, text in hopkins_booth2021.AUTHOR_SUMMARIES],
        )
        bhatt = load_bhatt(report, owners)
        load_paper_passages(
            report,
            bhatt,
            title=bhatt2020.CASES_TITLE,
            note=bhatt2020.CASES_NOTE,
            citation=bhatt2020.CITATION,
            source_file=bhatt2020.SOURCE_FILE,
            passages=[(speaker, (), text) for speaker, _, text in bhatt2020.CASE_DESCRIPTIONS],
        )
    processed = _process_text(report)
    _suggestion_rules(report, coder, processed)
    _suggestion_model(report)
    return report


def _suggestion_model(report: LoadReport) -> None:
    """The Hopkins & Booth study's learned suggestion model, trained here when the demo's coding is
    newer than the current model (a rerun trains nothing), so the Suggestions page and the sandbox's
    text demos work from the start without a worker. It learns from the published quotes only: few
    examples per code, as its pages say."""
    from assist.suggestions import train_model, training_due

    study = Study.objects.get(slug=hopkins_booth2021.SLUG)
    if training_due(study):
        train_model(study)
        report.count("suggestion models", True)


def _process_text(report: LoadReport) -> set[int]:
    """Sentences and technique mentions of the demo documents, as an import's job would find them
    (the demo is written without the import path). Only what is missing or outdated is processed,
    so a rerun leaves everything as it is. Returns the ids of the studies with documents processed."""
    from assist.selectors import unprocessed_transcripts
    from assist.services import process_transcripts

    studies: set[int] = set()
    for study in Study.objects.filter(slug__in=DEMO_SLUGS):
        pending = unprocessed_transcripts(study)
        if pending.exists():
            processed = process_transcripts(pending).transcripts
            if processed:
                studies.add(study.pk)
                report.created["processed documents"] = report.created.get("processed documents", 0) + processed
    return studies
