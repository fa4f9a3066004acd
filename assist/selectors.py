"""Reads of stored NLP results: only current ones, never spaCy.

A stored result is current when it belongs to its transcript's present text version and to the
present pipeline version; anything else (a correction came after it, the vocabulary changed) is
stale and read as absent until the transcript is processed again. Pages read these; none runs the
pipeline (a test loads pages in a fresh interpreter and checks spaCy stays unimported).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, overload
from uuid import UUID

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import Abs, Substr

from accounts.models import User
from coding.models import Code
from coding.selectors.suggesting import codings_per_code
from interviews.models import SpeakerTurn, Transcript
from studies.models import Study

from .models import (
    Suggestion,
    SuggestionModel,
    SuggestionRule,
    SuggestionSource,
    SuggestionStatus,
    TechniqueMention,
    TextAnalysis,
)


def pipeline_version() -> str:
    """The present pipeline version (`assist.pipeline.PIPELINE_VERSION`; reading it loads no spaCy)."""
    from .pipeline import PIPELINE_VERSION

    return str(PIPELINE_VERSION)


def current_analysis(transcript: Transcript) -> TextAnalysis | None:
    """The transcript's stored analysis if it is current, else None (never processed, or stale)."""
    return TextAnalysis.objects.filter(
        transcript=transcript, text_version=transcript.text_version, pipeline_version=pipeline_version()
    ).first()


def transcript_sentences(transcript: Transcript) -> list[tuple[int, int]] | None:
    """The (start, end) of the transcript's sentences in text order; None when not (currently) processed."""
    analysis = current_analysis(transcript)
    if analysis is None:
        return None
    return [(int(start), int(end)) for start, end in analysis.sentences]


def transcript_mentions(transcript: Transcript) -> QuerySet[TechniqueMention]:
    """The technique mentions in the transcript's present text, in text order."""
    return TechniqueMention.objects.filter(
        transcript=transcript, text_version=transcript.text_version, pipeline_version=pipeline_version()
    ).order_by("start", "end")


def technique_mentions(study: Study, slug: str | None = None) -> QuerySet[TechniqueMention]:
    """The current technique mentions of a study (of one technique when `slug` is given), with their
    transcript's title and uuid, by transcript then position."""
    mentions = TechniqueMention.objects.filter(
        study=study, pipeline_version=pipeline_version(), text_version=F("transcript__text_version")
    )
    if slug is not None:
        mentions = mentions.filter(technique=slug)
    return mentions.select_related("transcript").only(
        "start", "end", "technique", "text", "text_version", "transcript__uuid", "transcript__title",
        "transcript__text_version", "transcript__study_id",
    ).order_by("transcript__title", "transcript_id", "start")  # fmt: skip


def unprocessed_transcripts(study: Study) -> QuerySet[Transcript]:
    """The study's transcripts without a current analysis: never processed, corrected since, or
    processed by an older pipeline."""
    current = Q(text_analysis__text_version=F("text_version")) & Q(text_analysis__pipeline_version=pipeline_version())
    return Transcript.objects.filter(study=study).exclude(current)


# --- code suggestions ---------------------------------------------------------------------------------
#
# Suggestions are read only here and are never counted as codings. A suggestion of an older text
# version (its transcript was corrected since) is stale and never shown.

ORDERS = ("score", "uncertainty")


def _current_suggestions(study: Study) -> QuerySet[Suggestion]:
    """The study's suggestions on their transcript's present text, of live codes."""
    return Suggestion.objects.filter(
        study=study, text_version=F("transcript__text_version"), code__deleted_at__isnull=True
    )


@dataclass
class QueueRow:
    """One suggestion as the queue shows it. `excerpt` is exactly Transcript.text[start:end] and
    `excerpt_start` its offset (rule spans are transcript offsets); `speaker`, `turn_start`,
    `turn_end` and `turn_text` are the turn holding the segment (for "widen to turn" and the span
    editor)."""

    suggestion: Suggestion
    transcript_title: str
    transcript_uuid: UUID
    excerpt: str
    excerpt_start: int
    speaker: str
    turn_start: int
    turn_end: int
    turn_text: str
    code_name: str
    band: str
    source_label: str
    rule_spans: list[tuple[int, int]] = field(default_factory=list)
    similar: list[tuple[str, int, float]] = field(default_factory=list)


def source_label(suggestion: Suggestion) -> str:
    """'rule “SHAP”, precision 0.71', 'model v3, 0.82', or both joined with ' + '."""
    parts = []
    if suggestion.rule_id and suggestion.source != SuggestionSource.MODEL and suggestion.rule is not None:
        parts.append(f"rule “{suggestion.rule.pattern}”, precision {suggestion.rule.score:.2f}")
    if suggestion.model_version is not None and suggestion.source != SuggestionSource.RULE:
        parts.append(f"model v{suggestion.model_version}, {suggestion.score:.2f}")
    return " + ".join(parts) or suggestion.get_source_display()


def turn_spans(suggestions: Sequence[Suggestion]) -> dict[int, tuple[int, int, str, str]]:
    """The (start, end, speaker label, text) of the turn holding each suggestion's segment, by
    suggestion pk, in one query (the turn's text is cut by the database, not loaded with the whole
    transcript). A segment in no turn (a transcript without turns) is missing: callers use the
    segment itself."""
    if not suggestions:
        return {}
    wanted = Q()
    for s in suggestions:
        wanted |= Q(transcript_id=s.transcript_id, start__lte=s.start, end__gte=s.end)
    turns = list(
        SpeakerTurn.objects.filter(wanted)
        .annotate(words=Substr("transcript__text", F("start") + 1, F("end") - F("start")))
        .values_list("transcript_id", "start", "end", "speaker__label", "words")
    )
    found: dict[int, tuple[int, int, str, str]] = {}
    for s in suggestions:
        for transcript_id, start, end, label, words in turns:
            if transcript_id == s.transcript_id and start <= s.start and s.end <= end:
                found[s.pk] = (start, end, label or "", words or "")
                break
    return found


class SuggestionQueue(Sequence[QueueRow]):
    """The rows of a queue, built a page at a time: len() is one COUNT, a slice a constant number of
    queries (the suggestions with their codes and rules, the turns), so a Paginator over a study's
    thousands of suggestions reads only the page it shows."""

    def __init__(self, suggestions: QuerySet[Suggestion]) -> None:
        self.suggestions = suggestions
        self._count: int | None = None

    def __len__(self) -> int:
        if self._count is None:
            self._count = self.suggestions.count()
        return self._count

    @overload
    def __getitem__(self, index: int) -> QueueRow: ...

    @overload
    def __getitem__(self, index: slice) -> list[QueueRow]: ...

    def __getitem__(self, index: int | slice) -> QueueRow | list[QueueRow]:
        if isinstance(index, int):
            rows = self._rows(self.suggestions[index : index + 1])
            if not rows:
                raise IndexError(index)
            return rows[0]
        return self._rows(self.suggestions[index])

    def __iter__(self) -> Iterator[QueueRow]:
        return iter(self._rows(self.suggestions))

    @staticmethod
    def _rows(suggestions: QuerySet[Suggestion]) -> list[QueueRow]:
        page = list(
            suggestions.select_related("transcript", "code", "rule", "final_code", "decided_by")
            .defer("transcript__text")
            .annotate(excerpt=Substr("transcript__text", F("start") + 1, F("end") - F("start")))
        )
        turns = turn_spans(page)
        rows = []
        for s in page:
            turn_start, turn_end, speaker, turn_text = turns.get(s.pk, (s.start, s.end, "", s.excerpt))
            evidence = s.evidence or {}
            rows.append(
                QueueRow(
                    suggestion=s, transcript_title=s.transcript.title, transcript_uuid=s.transcript.uuid,
                    excerpt=s.excerpt, excerpt_start=s.start, speaker=speaker, turn_start=turn_start,
                    turn_end=turn_end, turn_text=turn_text, code_name=s.code.name, band=s.band,
                    source_label=source_label(s),
                    rule_spans=[(int(a), int(b)) for a, b in evidence.get("spans") or []],
                    similar=[(str(k), int(c), float(sim)) for k, c, sim in evidence.get("similar") or []],
                )
            )  # fmt: skip
        return rows


def suggestion_queue(
    *,
    study: Study,
    user: User | Any,
    transcript: Transcript | None = None,
    code: Code | None = None,
    order: str = "score",
    status: str | None = "open",
) -> SuggestionQueue:
    """The suggestions to review (of one transcript or one code if given), by score (best first) or
    by uncertainty (closest to 0.5 first); `status` None or "all" for every status. Every member sees
    the study's suggestions (they are not codings: no one's coding is revealed by them)."""
    suggestions = _current_suggestions(study)
    if status and status != "all":
        suggestions = suggestions.filter(status=status)
    if transcript is not None:
        suggestions = suggestions.filter(transcript=transcript)
    if code is not None:
        suggestions = suggestions.filter(code=code)
    if order == "uncertainty":
        suggestions = suggestions.annotate(uncertainty=Abs(F("score") - 0.5)).order_by(
            "uncertainty", "-score", "transcript_id", "start", "pk"
        )
    else:
        suggestions = suggestions.order_by("-score", "transcript_id", "start", "pk")
    return SuggestionQueue(suggestions)


def suggestion_counts(study: Study) -> dict[str, Any]:
    """Open suggestions per transcript and per code, and in all (two grouped queries)."""
    open_ = _current_suggestions(study).filter(status=SuggestionStatus.OPEN).order_by()
    by_transcript = dict(open_.values("transcript_id").annotate(n=Count("*")).values_list("transcript_id", "n"))
    by_code = dict(open_.values("code_id").annotate(n=Count("*")).values_list("code_id", "n"))
    return {"by_transcript": by_transcript, "by_code": by_code, "total": sum(by_transcript.values())}


def open_suggestion_count(*, study: Study, transcript: Transcript | None = None) -> int:
    """Open suggestions of the study, or of one transcript (the reader's "Suggestions (N)")."""
    open_ = _current_suggestions(study).filter(status=SuggestionStatus.OPEN)
    if transcript is not None:
        open_ = open_.filter(transcript=transcript)
    return open_.count()


def current_model(study: Study) -> SuggestionModel | None:
    """The study's latest suggestion model (without its blob)."""
    return SuggestionModel.objects.filter(study=study).defer("blob").order_by("-version").first()


def code_model_status(study: Study) -> dict[int, tuple[str, int]]:
    """Each live code's model status: ("enabled", n) with n positive examples in the current model,
    or ("needs more examples", n) — n from the current model, or the code's live codings before a
    model knows the code."""
    model = current_model(study)
    counts = {int(k): int(v) for k, v in ((model.counts or {}) if model else {}).items()}
    enabled = {int(c) for c in ((model.enabled or []) if model else [])}
    codings = codings_per_code(study=study)
    status: dict[int, tuple[str, int]] = {}
    for code_id in Code.objects.filter(study=study, deleted_at__isnull=True).values_list("pk", flat=True):
        if code_id in enabled:
            status[code_id] = ("enabled", counts.get(code_id, 0))
        else:
            status[code_id] = ("needs more examples", counts.get(code_id, codings.get(code_id, 0)))
    return status


def study_rules(study: Study, code: Code | None = None) -> QuerySet[SuggestionRule]:
    """The live rules of the study's live codes (of one code if given), newest first."""
    rules = SuggestionRule.objects.filter(study=study, deleted_at__isnull=True, code__deleted_at__isnull=True)
    if code is not None:
        rules = rules.filter(code=code)
    return rules.select_related("code").order_by("-created_at", "-pk")
