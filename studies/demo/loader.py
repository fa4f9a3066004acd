"""Build the demo studies from the transcribed seed data. Idempotent: a second run changes nothing."""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from accounts.models import User
from coding.models import Code
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
        for index, ((_, start, end), (_, section)) in enumerate(zip(turn_spans, quotes, strict=True)):
            _update_or_create(
                report,
                SpeakerTurn,
                {"speaker": speaker, "start": start, "end": end},
                transcript=transcript,
                index=index,
            )
            code = codes[codebooks.SECTION_ALIASES.get(section, section)]
            _, created = apply_coding(transcript=transcript, code=code, start=start, end=end, coder=coder)
            report.count("codings", created)
    return study


def demo_user(report: LoadReport) -> User:
    user = User.objects.filter(username="demo").first()
    if user is None:
        user = User.objects.create_user(username="demo", password=None, display_name="Demo coder")
        report.count("users", True)
    return user


def load_demo(*, owner: User | None = None, reset: bool = False) -> LoadReport:
    report = LoadReport()
    with transaction.atomic():
        if reset:
            Study.objects.filter(slug__in=DEMO_SLUGS).delete()
        coder = demo_user(report)
        owners = [coder] + ([owner] if owner else [])
        load_hong(report, owners)
        load_hopkins_booth(report, owners, coder)
        load_bhatt(report, owners)
    _process_text(report)
    return report


def _process_text(report: LoadReport) -> None:
    """Sentences and technique mentions of the demo documents, as an import's job would find them
    (the demo is written without the import path). Only what is missing or outdated is processed,
    so a rerun leaves everything as it is."""
    from assist.selectors import unprocessed_transcripts
    from assist.services import process_transcripts

    for study in Study.objects.filter(slug__in=DEMO_SLUGS):
        pending = unprocessed_transcripts(study)
        if pending.exists():
            processed = process_transcripts(pending).transcripts
            if processed:
                report.created["processed documents"] = report.created.get("processed documents", 0) + processed
