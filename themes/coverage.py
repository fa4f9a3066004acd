"""What a finding shows, computed live: its excerpts as they stand now and its participant coverage.

An excerpt points at the coding it was chosen from. Each time a finding is shown, that coding is
followed to the live coding that holds it now (`coding.selectors.lineage.live_successors`):
after a resize, recode, code merge or text correction the excerpt shows the live words at their
live place; when the coding was removed it shows its stored quote with a note, and no longer
counts towards coverage.

Coverage is the set of participants with a live supporting excerpt, together with those the
researcher attributes the finding to without a quote (`FindingParticipant`: a paper resting a claim
on interviews it does not quote), out of the study's participants ("R2, R3, R5 — 3 of 17
participants"; which are quoted and which only attributed is always said), and per value of each
participant attribute, out of the participants with that value ("4 of 9 — organisation type:
Startup"). An excerpt's
participant is the participant of the speaker whose turn it starts in; in a document without
such a speaker, the participants the document is linked to.

Everything for a theme's findings is read in a fixed number of queries, whatever the number of
findings or excerpts (`findings_panel`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q

from assist.selectors import technique_mentions
from coding.models import Code
from coding.selectors.lineage import LiveCoding, live_successors
from coding.selectors.themes import position_participants
from explainers.techniques import Technique, by_slug
from interviews.models import Attribute, AttributeType, AttributeValue, Participant, Transcript
from interviews.ordering import natural_key
from studies.models import Study

from .models import ExcerptKind, Finding, FindingExcerpt, FindingParticipant, FindingTechnique, Theme

# A text attribute with more distinct values than this is a description or an identifier, not a
# grouping (Hopkins & Booth's "company description" has 11 values among 17 participants).
MAX_GROUPS = 8


def document_label(title: str, participants: Sequence[str] | str) -> str:
    """A document's title for an excerpt's line, which names the participant already: a title that
    starts with one of `participants` ("R2 — published quotes", "R2 interview") loses the label, so
    the line reads "R2 · published quotes", not "R2 · R2 — published quotes"."""
    labels = [participants] if isinstance(participants, str) else list(participants)
    for label in sorted(labels, key=len, reverse=True):
        if label and title.startswith(label) and (len(title) == len(label) or not title[len(label)].isalnum()):
            return title[len(label) :].lstrip(" —–-:·,").strip() or "document"
    return title


@dataclass
class ExcerptView:
    """One excerpt as shown now. `state` is "live" (its coding holds these words), "changed" (its
    coding was resized, recoded, merged or re-anchored: the live words are shown) or "removed"
    (no live coding holds it: the stored quote is shown and it is not counted)."""

    excerpt: FindingExcerpt
    state: str
    quote: str
    transcript: Transcript | None  # None: the document was deleted (state "removed")
    start: int
    end: int
    code: Code | None
    participants: list[str] = field(default_factory=list)
    participant_ids: list[int] = field(default_factory=list)
    live_uuid: str = ""  # the live coding holding the excerpt now ("" once removed)

    @property
    def counted(self) -> bool:
        return self.state != "removed"

    @property
    def document_deleted(self) -> bool:
        return self.transcript is None

    @property
    def document_label(self) -> str:
        return document_label(self.transcript.title, self.participants) if self.transcript else ""


@dataclass
class GroupCoverage:
    attribute: str
    value: str
    supported: int
    total: int


@dataclass
class Coverage:
    """Participants supporting a finding, out of the study's participants: `labels` all of them,
    `quoted` those with a live supporting excerpt, `attributed` those attributed without a quote
    (and not quoted)."""

    labels: list[str]
    total: int
    groups: list[GroupCoverage] = field(default_factory=list)
    quoted: list[str] = field(default_factory=list)
    attributed: list[str] = field(default_factory=list)

    @property
    def basis(self) -> str:
        """ "Quoted: R2. Attributed without a quote: R3, R5." ("" when every supporter is quoted)."""
        if not self.attributed:
            return ""
        quoted = f"Quoted: {', '.join(self.quoted)}. " if self.quoted else "None quoted. "
        return f"{quoted}Attributed without a quote: {', '.join(self.attributed)}."

    @property
    def supported_groups(self) -> list[GroupCoverage]:
        """The attribute values some supporting participant has ("1 of 1 Small Company")."""
        return [g for g in self.groups if g.supported]

    @property
    def count(self) -> int:
        return len(self.labels)

    @property
    def summary(self) -> str:
        """ "R2, R3, R5 — 3 of 17 participants"."""
        noun = "participant" if self.total == 1 else "participants"
        head = ", ".join(self.labels) if self.labels else "No participant"
        return f"{head} — {self.count} of {self.total} {noun}"


@dataclass
class FindingView:
    finding: Finding
    support: list[ExcerptView]
    counter: list[ExcerptView]
    coverage: Coverage
    counter_labels: list[str]
    techniques: list[Technique]
    suggested: list[tuple[Technique, int]]

    @property
    def removed(self) -> int:
        return sum(1 for e in [*self.support, *self.counter] if e.state == "removed")


def _participant_labels(study: Study) -> dict[int, str]:
    return dict(Participant.objects.filter(study=study).values_list("pk", "label"))


def excerpt_participants(spots: Iterable[tuple[int, int]]) -> dict[tuple[int, int], list[int]]:
    """{(transcript id, position): participant ids}: `coding.selectors.themes.position_participants`,
    the attribution rule the theme page and the participants crosstab share."""
    return position_participants(spots)


def _attribute_groups(study: Study) -> list[tuple[str, dict[str, set[int]]]]:
    """Each groupable attribute (category, yes/no, or text with few values) as (name, {value:
    participant ids}); two queries."""
    attributes = list(
        Attribute.objects.filter(study=study)
        .filter(type__in=[AttributeType.CATEGORY, AttributeType.BOOLEAN, AttributeType.TEXT])
        .order_by("order", "name")
    )
    if not attributes:
        return []
    members: dict[int, dict[str, set[int]]] = {a.pk: {} for a in attributes}
    for value in AttributeValue.objects.filter(attribute__in=attributes).select_related("attribute"):
        shown = value.display.strip()
        if shown:
            members[value.attribute_id].setdefault(shown, set()).add(value.participant_id)
    groups = []
    for attribute in attributes:
        values = members[attribute.pk]
        if not values or (attribute.type == AttributeType.TEXT and len(values) > MAX_GROUPS):
            continue
        if attribute.type == AttributeType.CATEGORY and attribute.choices:
            order = {str(c): i for i, c in enumerate(attribute.choices)}
            ordered = dict(sorted(values.items(), key=lambda kv: (order.get(kv[0], len(order)), natural_key(kv[0]))))
        else:
            ordered = dict(sorted(values.items(), key=lambda kv: natural_key(kv[0])))
        groups.append((attribute.name, ordered))
    return groups


class CoverageContext:
    """The study-wide facts coverage is measured against, read once for any number of findings."""

    def __init__(self, study: Study) -> None:
        self.labels = _participant_labels(study)
        self.total = len(self.labels)
        self.groups = _attribute_groups(study)

    def _labels(self, ids: Iterable[int]) -> list[str]:
        return sorted((self.labels[p] for p in ids if p in self.labels), key=natural_key)

    def coverage(self, participant_ids: set[int], attributed: set[int] | frozenset[int] = frozenset()) -> Coverage:
        """Coverage of the participants with a supporting excerpt (`participant_ids`) and those
        attributed without a quote."""
        everyone = participant_ids | attributed
        groups = [
            GroupCoverage(attribute=name, value=value, supported=len(everyone & ids), total=len(ids))
            for name, values in self.groups
            for value, ids in values.items()
        ]
        return Coverage(
            labels=self._labels(everyone), total=self.total, groups=groups,
            quoted=self._labels(participant_ids), attributed=self._labels(attributed - participant_ids),
        )  # fmt: skip


def _suggestions(study: Study, spans: list[tuple[int, int, int, int]]) -> dict[int, dict[str, int]]:
    """{span index: {technique slug: mentions}} of the current technique mentions lying inside each
    (transcript, text_version, start, end) span; one query."""
    if not spans:
        return {}
    match = Q()
    for tid, version, start, end in spans:
        match |= Q(transcript_id=tid, text_version=version, start__gte=start, end__lte=end)
    found: dict[int, dict[str, int]] = {}
    rows = (
        technique_mentions(study)
        .filter(match)
        .values_list("transcript_id", "text_version", "start", "end", "technique")
    )
    for tid, version, start, end, slug in rows:
        for i, (s_tid, s_version, s_start, s_end) in enumerate(spans):
            if (tid, version) == (s_tid, s_version) and s_start <= start and end <= s_end:
                counts = found.setdefault(i, {})
                counts[slug] = counts.get(slug, 0) + 1
    return found


def _technique(slug: str) -> Technique | None:
    try:
        return by_slug(slug)
    except KeyError:
        return None


def finding_views(*, study: Study, user: Any, findings: list[Finding]) -> list[FindingView]:
    """Each finding with its excerpts as they stand, coverage, cited and suggested techniques, in a
    fixed number of queries however many findings and excerpts."""
    if not findings:
        return []
    by_id = {f.pk: f for f in findings}
    excerpts = list(
        FindingExcerpt.objects.filter(finding_id__in=by_id).select_related("transcript").only(
            "uuid", "finding_id", "kind", "coding_uuid", "start", "end", "text_version", "quote", "order",
            "transcript__uuid", "transcript__title", "transcript__text", "transcript__text_version",
        )
    )  # fmt: skip
    live = live_successors(study=study, user=user, uuids=[e.coding_uuid for e in excerpts])
    transcripts = {e.transcript_id: e.transcript for e in excerpts}
    codes = {c.pk: c for c in Code.objects.filter(pk__in={c.code_id for c in live.values()})}
    placed: list[tuple[FindingExcerpt, LiveCoding | None]] = [(e, live.get(str(e.coding_uuid))) for e in excerpts]
    spots = [(c.transcript_id, c.start) for _, c in placed if c is not None]
    who = excerpt_participants(spots)
    context = CoverageContext(study)
    views: dict[int, list[ExcerptView]] = {}
    spans: list[tuple[int, int, int, int]] = []
    span_finding: list[int] = []
    for excerpt, coding in placed:
        transcript = transcripts.get(excerpt.transcript_id) if excerpt.transcript_id is not None else None
        if transcript is None or coding is None or coding.transcript_id != excerpt.transcript_id:
            view = ExcerptView(excerpt, "removed", excerpt.quote, transcript, excerpt.start, excerpt.end, None)
        else:
            words = transcript.text[coding.start : coding.end]
            same = str(coding.uuid) == str(excerpt.coding_uuid) and words == excerpt.quote
            ids = who.get((coding.transcript_id, coding.start), [])
            view = ExcerptView(
                excerpt, "live" if same else "changed", words, transcript, coding.start, coding.end,
                codes.get(coding.code_id), [context.labels[p] for p in ids if p in context.labels], ids,
                str(coding.uuid),
            )  # fmt: skip
            spans.append((coding.transcript_id, coding.text_version, coding.start, coding.end))
            span_finding.append(excerpt.finding_id)
        views.setdefault(excerpt.finding_id, []).append(view)
    mentions = _suggestions(study, spans)
    suggested: dict[int, dict[str, int]] = {}
    for i, counts in mentions.items():
        target = suggested.setdefault(span_finding[i], {})
        for slug, n in counts.items():
            target[slug] = target.get(slug, 0) + n
    cited: dict[int, list[str]] = {}
    for finding_id, slug in FindingTechnique.objects.filter(finding_id__in=by_id).values_list(
        "finding_id", "technique"
    ):
        cited.setdefault(finding_id, []).append(slug)
    attributed: dict[int, set[int]] = {}
    for finding_id, participant_id in FindingParticipant.objects.filter(finding_id__in=by_id).values_list(
        "finding_id", "participant_id"
    ):
        attributed.setdefault(finding_id, set()).add(participant_id)
    result = []
    for finding in findings:
        rows = sorted(views.get(finding.pk, []), key=lambda v: (v.excerpt.order, v.excerpt.pk))
        support = [v for v in rows if v.excerpt.kind == ExcerptKind.SUPPORT]
        counter = [v for v in rows if v.excerpt.kind == ExcerptKind.COUNTER]
        supporters = {p for v in support if v.counted for p in v.participant_ids}
        against = {p for v in counter if v.counted for p in v.participant_ids}
        techniques = [t for t in (_technique(s) for s in cited.get(finding.pk, [])) if t is not None]
        techniques.sort(key=lambda t: t.name.casefold())
        cited_slugs = set(cited.get(finding.pk, []))
        offered = [
            (t, n)
            for t, n in ((_technique(s), n) for s, n in suggested.get(finding.pk, {}).items() if s not in cited_slugs)
            if t is not None
        ]
        offered.sort(key=lambda tn: (-tn[1], tn[0].name.casefold()))
        result.append(
            FindingView(
                finding=finding,
                support=support,
                counter=counter,
                coverage=context.coverage(supporters, attributed.get(finding.pk, set())),
                counter_labels=sorted((context.labels[p] for p in against if p in context.labels), key=natural_key),
                techniques=techniques,
                suggested=offered,
            )
        )
    return result


def finding_view(*, finding: Finding, user: Any) -> FindingView:
    return finding_views(study=finding.study, user=user, findings=[finding])[0]


def finding_coverage(*, finding: Finding, user: Any) -> Coverage:
    """The finding's participant coverage as it stands now."""
    return finding_view(finding=finding, user=user).coverage


def findings_panel(*, theme: Theme, user: Any) -> list[FindingView]:
    """The live findings of a theme, in order, as the theme page's findings part shows them."""
    findings = list(Finding.objects.alive().filter(theme=theme).order_by("order", "id"))
    return finding_views(study=theme.study, user=user, findings=findings)


def citing_findings(*, study: Study, slug: str, user: Any) -> list[FindingView]:
    """The study's live findings citing technique `slug` (under live themes), each as shown now (its
    quotes through their live codings), for the technique's page: the other direction of a
    citation. A fixed number of queries however many findings cite it."""
    findings = list(
        Finding.objects.alive()
        .filter(study=study, theme__deleted_at__isnull=True, techniques__technique=slug)
        .select_related("theme")
        .order_by("theme__order", "theme_id", "order", "id")
        .distinct()
    )
    return finding_views(study=study, user=user, findings=findings)


def excerpt_counts(study: Study) -> dict[int, int]:
    """Excerpts per live finding of the study (the browse tree's figures); one grouped query."""
    return dict(Finding.objects.alive().filter(study=study).annotate(n=Count("excerpts")).values_list("pk", "n"))
