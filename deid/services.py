"""De-identification actions, one atomic service per user action.

- `queue_scan`: a DEID_DETECT job for a transcript (the page never runs detection);
- `scan_transcript`: what the job does — detect, give every span its study pseudonym, store the
  proposals of the current text version (decisions already made on the same spans are kept);
- `decide`, `decide_kind`, `edit_pseudonym`: accept, reject or rename proposals, set-based;
- `apply_proposals`: the accepted proposals become a new text version through the transcript
  correction service, with the exact edit blocks, so codings move exactly; the names in the
  document's speaker labels are replaced too, and the document's history is scrubbed of them;
- `revert_application`: the originals come back, as another new text version.

Where originals live: the study's mapping (`Pseudonym`) and the applications' records (the
replacements, speaker labels and other values they changed), all shown to owners only, and the
proposals of a text version not yet applied (applying deletes those of the version it replaces).
Applying leaves none elsewhere: its own correction entry holds no text; the earlier history
entries of the document that held its text or speaker labels, the document's title, file name
and import warnings, and its jobs' names, parameters and results (the import job lists the
speakers as imported) have the applied originals replaced by their pseudonyms.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q, QuerySet
from django.db.models.functions import Lower
from django.utils import timezone

from accounts.models import User
from coding.models import LogEntry
from interviews.models import Speaker, Transcript
from interviews.services.corrections import Block, CorrectionOutcome, StaleVersion, correct_transcript
from studies.jobs import create_job, enqueue
from studies.models import Job, JobKind, Study

from .detect import EMAIL, NUMBERED, ORGANISATION, PERSON, PHONE, PLACE, URL, Found
from .models import Application, Proposal, ProposalStatus, Pseudonym, original_key

LABELS = {PERSON: "Person", ORGANISATION: "Company", PLACE: "Place"}
ACCEPTED = (ProposalStatus.ACCEPTED, ProposalStatus.EDITED)
FIXED = {EMAIL: "[email]", PHONE: "[phone]", URL: "[URL]"}
MAX_PSEUDONYM = 100


# --- scanning --------------------------------------------------------------------------------------


def queue_scan(*, transcript: Transcript, user: User | None) -> Job:
    """Queue the de-identification scan of `transcript` (sent once the transaction commits)."""
    from .tasks import deid_detect_task  # the tasks module imports this one

    job = create_job(
        study=transcript.study, kind=JobKind.DEID_DETECT, user=user,
        params={"transcript": str(transcript.uuid), "text_version": transcript.text_version},
    )  # fmt: skip
    enqueue(deid_detect_task, job)
    return job


def pseudonyms_for(study: Study, spans: Sequence[Found]) -> dict[str, str]:
    """The study's pseudonym of each span's original (by `original_key`), allocating new ones.

    Call inside a transaction: the study row is locked so two scans never hand out one number twice.
    A fixed pseudonym (a participant's id, "[email]") is stored as given; numbered kinds get the
    next free "Person N" / "Company N" / "Place N". Three statements however many spans."""
    Study.objects.select_for_update().filter(pk=study.pk).first()
    keys = {original_key(span.text): span for span in spans}
    existing = dict(Pseudonym.objects.filter(study=study, key__in=list(keys)).values_list("key", "pseudonym"))
    numbers = dict(
        Pseudonym.objects.filter(study=study, kind__in=NUMBERED)
        .values("kind")
        .annotate(top=Max("number"))
        .values_list("kind", "top")
    )
    new_rows: list[Pseudonym] = []
    for key, span in keys.items():
        if key in existing:
            continue
        number = None
        pseudonym = span.pseudonym or FIXED.get(span.kind, "")
        if not pseudonym:
            number = (numbers.get(span.kind) or 0) + 1
            numbers[span.kind] = number
            pseudonym = f"{LABELS[span.kind]} {number}"
        new_rows.append(
            Pseudonym(
                study=study, key=key, original=span.text[:300], kind=span.kind, pseudonym=pseudonym, number=number
            )
        )
        existing[key] = pseudonym
    Pseudonym.objects.bulk_create(new_rows, batch_size=500)
    return existing


def confirm(study: Study, originals: Iterable[str]) -> int:
    """Make the entries of these originals part of the mapping: a proposal of theirs was accepted.

    A numbered entry takes the smallest number of its kind that no confirmed entry has: the
    reservation holding that number (a false hit, or an original not decided yet) swaps with it,
    and the pending proposals of both follow. So rejected false hits never use up a visible
    "Person N", and two originals never share a pseudonym. A constant number of statements."""
    keys = {original_key(o) for o in originals}
    if not keys:
        return 0
    Study.objects.select_for_update().filter(pk=study.pk).first()
    rows = list(Pseudonym.objects.filter(study=study, key__in=list(keys), confirmed=False))
    if not rows:
        return 0
    numbered = sorted((r for r in rows if r.number is not None), key=lambda r: (r.kind, r.number or 0))
    others: dict[str, dict[int, Pseudonym]] = {}
    taken: dict[str, set[int]] = {}
    if numbered:
        kinds = {r.kind for r in numbered}
        for row in Pseudonym.objects.filter(study=study, kind__in=kinds, number__isnull=False).exclude(
            pk__in=[r.pk for r in rows]
        ):
            number = int(row.number or 0)
            others.setdefault(row.kind, {})[number] = row
            if row.confirmed:
                taken.setdefault(row.kind, set()).add(number)
        # The entries being confirmed hold their numbers too until they move.
        for row in numbered:
            others.setdefault(row.kind, {})[int(row.number or 0)] = row
    renamed: dict[str, str] = {}  # key → new pseudonym, for the pending proposals
    changed: dict[int, Pseudonym] = {}
    for row in numbered:
        by_number, used = others[row.kind], taken.setdefault(row.kind, set())
        target = 1
        while target in used:
            target += 1
        current = int(row.number or 0)
        if target != current:
            holder = by_number.get(target)
            if holder is not None:  # an unconfirmed reservation: it gets this row's old number
                holder.number, holder.pseudonym = current, f"{LABELS[holder.kind]} {current}"
                by_number[current] = holder
                changed[holder.pk] = holder
                renamed[holder.key] = holder.pseudonym
            else:
                by_number.pop(current, None)
            row.number, row.pseudonym = target, f"{LABELS[row.kind]} {target}"
            by_number[target] = row
            renamed[row.key] = row.pseudonym
        used.add(target)
    for row in rows:
        row.confirmed = True
        changed[row.pk] = row
    Pseudonym.objects.bulk_update(list(changed.values()), ["number", "pseudonym", "confirmed"], batch_size=500)
    if renamed:
        _rename_pending(study, renamed)
    return len(rows)


def _rename_pending(study: Study, renamed: dict[str, str]) -> None:
    """Give the proposals of these originals (by key) their entry's new pseudonym: two statements."""
    originals = Pseudonym.objects.filter(study=study, key__in=list(renamed)).values_list("original", flat=True)
    candidates = _same_originals(Proposal.objects.filter(study=study), originals)
    rows = []
    for proposal in candidates.only("pk", "original", "pseudonym"):
        new = renamed.get(original_key(proposal.original))
        if new is not None and proposal.pseudonym != new:
            proposal.pseudonym = new
            rows.append(proposal)
    Proposal.objects.bulk_update(rows, ["pseudonym"], batch_size=1000)


def _same_originals(proposals: QuerySet[Proposal], originals: Iterable[str]) -> QuerySet[Proposal]:
    """The proposals whose original is one of these, letter case aside (in SQL; `original_key`
    also collapses whitespace, so callers check the key of what comes back)."""
    lowered = {v for o in originals for v in (o.lower(), " ".join(o.split()).lower())}
    return proposals.annotate(lowered=Lower("original")).filter(lowered__in=sorted(lowered) or [""])


def release(study: Study, originals: Iterable[str]) -> int:
    """Take back out of the mapping the entries of these originals that no accepted proposal and no
    application uses any more (a proposal accepted by mistake, then rejected). Their number stays
    reserved until the next confirmation takes it over."""
    originals = list(originals)
    keys = {original_key(o) for o in originals}
    if not keys:
        return 0
    still: set[str] = set()
    accepted = _same_originals(Proposal.objects.filter(study=study, status__in=ACCEPTED), originals)
    still.update(original_key(o) for o in accepted.values_list("original", flat=True))
    for replacements in Application.objects.filter(study=study).values_list("replacements", flat=True):
        still.update(original_key(row[2]) for row in replacements or [])
    gone = keys - still
    if not gone:
        return 0
    return Pseudonym.objects.filter(study=study, key__in=list(gone), confirmed=True).update(confirmed=False)


@dataclass
class ScanOutcome:
    proposed: int
    kept: int
    by_kind: dict[str, int]

    def as_json(self) -> dict[str, Any]:
        return {"proposed": self.proposed, "kept": self.kept, "by_kind": self.by_kind}


@transaction.atomic
def store_proposals(*, transcript: Transcript, text_version: int, spans: Sequence[Found]) -> ScanOutcome:
    """Replace the undecided proposals of `text_version` by `spans`; decided ones on the same span
    stay as they are (a second scan does not undo the researcher's work). Stale versions' proposals
    are deleted. A constant number of statements."""
    study = transcript.study
    Proposal.objects.filter(transcript=transcript).exclude(text_version=text_version).delete()
    Proposal.objects.filter(transcript=transcript, text_version=text_version, status=ProposalStatus.PROPOSED).delete()
    decided = list(
        Proposal.objects.filter(transcript=transcript, text_version=text_version).values_list("start", "end")
    )
    spans = [s for s in spans if not any(s.start < end and start < s.end for start, end in decided)]
    pseudonyms = pseudonyms_for(study, spans)
    rows = [
        Proposal(
            study=study,
            transcript=transcript,
            text_version=text_version,
            start=s.start,
            end=s.end,
            kind=s.kind,
            source=s.source,
            original=s.text[:300],
            pseudonym=pseudonyms[original_key(s.text)][:MAX_PSEUDONYM],
        )
        for s in spans
    ]
    Proposal.objects.bulk_create(rows, batch_size=1000)
    by_kind: dict[str, int] = {}
    for s in spans:
        by_kind[s.kind] = by_kind.get(s.kind, 0) + 1
    return ScanOutcome(proposed=len(rows), kept=len(decided), by_kind=by_kind)


def scan_transcript(*, transcript: Transcript, use_ner: bool | None = None) -> ScanOutcome:
    """Detect in the transcript's current text and store the proposals (the job's work)."""
    from .detect import detect, study_gazetteer, transcript_speech

    text, version = transcript.text, transcript.text_version
    spans = detect(
        text, gazetteer=study_gazetteer(transcript.study_id), speech=transcript_speech(transcript), use_ner=use_ner
    )
    spans = without_pseudonyms(text, spans, transcript.study_id)
    with transaction.atomic():
        current = Transcript.objects.select_for_update().filter(pk=transcript.pk).values_list("text_version", flat=True)
        if current.first() != version:
            raise StaleVersion(current.first() or 0)
        return store_proposals(transcript=transcript, text_version=version, spans=spans)


def without_pseudonyms(text: str, spans: Sequence[Found], study_id: int) -> list[Found]:
    """`spans` less those lying inside a pseudonym of the study's mapping in `text`: a text already
    de-identified says "Person 2" (and its speaker may be labelled so, which the gazetteer picks
    up), and neither it nor the capitalised "Company" of "Company 1" is an identifier to replace."""
    pseudonyms = set(Pseudonym.objects.filter(study_id=study_id).values_list("pseudonym", flat=True))
    if not pseudonyms or not spans:
        return list(spans)
    inside: list[tuple[int, int]] = []
    marker = replacer({p: "\0" * len(p) for p in pseudonyms})(text)  # same length: offsets line up
    at = marker.find("\0")
    while at != -1:
        end = at
        while end < len(marker) and marker[end] == "\0":
            end += 1
        inside.append((at, end))
        at = marker.find("\0", end)
    starts = [start for start, _ in inside]
    kept = []
    for span in spans:
        index = bisect.bisect_right(starts, span.start) - 1
        if index >= 0 and span.end <= inside[index][1]:
            continue
        kept.append(span)
    return kept


# --- decisions -------------------------------------------------------------------------------------


def current_proposals(transcript: Transcript) -> QuerySet[Proposal]:
    return Proposal.objects.filter(transcript=transcript, text_version=transcript.text_version)


@transaction.atomic
def decide(*, transcript: Transcript, proposal_ids: Iterable[int], status: str, user: User) -> int:
    """Accept or reject (or put back to proposed) these proposals of the transcript's current text.
    Ids of other transcripts or versions are ignored. Accepting confirms the originals' mapping
    entries, rejecting releases those nothing accepted uses any more (`confirm`, `release`): a
    constant number of statements. Returns how many changed."""
    if status not in (ProposalStatus.ACCEPTED, ProposalStatus.REJECTED, ProposalStatus.PROPOSED):
        raise ValidationError("Unknown decision.")
    chosen = current_proposals(transcript).filter(pk__in=list(proposal_ids))
    originals = set(chosen.values_list("original", flat=True))
    changed = chosen.update(status=status, decided_by=user, decided_at=timezone.now())
    _follow_decision(transcript.study, originals, status)
    return changed


def _follow_decision(study: Study, originals: set[str], status: str) -> None:
    if status == ProposalStatus.ACCEPTED:
        confirm(study, originals)
    else:
        release(study, originals)


@transaction.atomic
def decide_kind(*, transcript: Transcript, kind: str, status: str, user: User) -> int:
    """Accept (or reject) every undecided proposal of one kind in the transcript: one UPDATE, and the
    mapping follows as in `decide`."""
    if status not in (ProposalStatus.ACCEPTED, ProposalStatus.REJECTED):
        raise ValidationError("Unknown decision.")
    undecided = current_proposals(transcript).filter(kind=kind, status=ProposalStatus.PROPOSED)
    originals = set(undecided.values_list("original", flat=True))
    changed = undecided.update(status=status, decided_by=user, decided_at=timezone.now())
    _follow_decision(transcript.study, originals, status)
    return changed


def clean_pseudonym(value: str) -> str:
    pseudonym = " ".join(value.split())
    if not pseudonym:
        raise ValidationError("Write the pseudonym to use.")
    if len(pseudonym) > MAX_PSEUDONYM:
        raise ValidationError(f"A pseudonym has at most {MAX_PSEUDONYM} characters.")
    return pseudonym


_NUMBERED_FORM = re.compile(rf"^(?:{'|'.join(LABELS.values())}) \d+$", re.IGNORECASE)


def _check_unused(proposal: Proposal, key: str, pseudonym: str) -> None:
    """Refuse a pseudonym that would merge two people (or firms, or places) in the de-identified
    corpus: one another original of the study already has, or one of the numbered form
    ("Person 7") that nobody has yet and `confirm` may hand to someone else later.

    The same person under other words may share one ("Maria" and "Maria Lopez" → "P3", as
    participants' names do; or "Person 3" once "Maria Lopez" has it for good, i.e. confirmed),
    and the fixed placeholders ("[email]") are shared by design — which is also why no database
    constraint can say "one original per pseudonym"."""
    current = Pseudonym.objects.filter(study_id=proposal.study_id, key=key).values_list("pseudonym", flat=True)
    if pseudonym.casefold() == (current.first() or "").casefold() or pseudonym in FIXED.values():
        return
    words = set(key.split())
    holders = list(
        Pseudonym.objects.filter(study_id=proposal.study_id, pseudonym__iexact=pseudonym)
        .exclude(key=key)
        .values_list("key", "confirmed")
    )
    for other_key, _ in holders:
        other = set(other_key.split())
        if not (words <= other or other <= words):
            raise ValidationError(
                f"“{pseudonym}” is already the pseudonym of another {LABELS.get(proposal.kind, 'identifier').lower()} "
                "in this study; two originals with one pseudonym would be merged. Choose another."
            )
    if _NUMBERED_FORM.match(pseudonym) and not any(confirmed for _, confirmed in holders):
        raise ValidationError(
            f"“{pseudonym}” has the form of the study's numbered pseudonyms, which may go to someone else; "
            "choose another name."
        )


@transaction.atomic
def edit_pseudonym(*, proposal: Proposal, pseudonym: str, user: User) -> int:
    """Accept `proposal` with another pseudonym. The study's mapping takes it for that original, so
    the same name gets it everywhere: every other undecided or accepted proposal of the same
    original in the study (not yet applied) follows. Returns how many proposals changed."""
    pseudonym = clean_pseudonym(pseudonym)
    key = original_key(proposal.original)
    _check_unused(proposal, key, pseudonym)
    # A name of the researcher's choosing: no longer one of the numbered "Person N".
    Pseudonym.objects.update_or_create(
        study_id=proposal.study_id, key=key,
        defaults={"pseudonym": pseudonym, "kind": proposal.kind, "original": proposal.original, "number": None,
                  "confirmed": True},
    )  # fmt: skip
    now = timezone.now()
    same = Proposal.objects.filter(study_id=proposal.study_id, original__iexact=proposal.original).exclude(
        status=ProposalStatus.REJECTED
    )
    changed = same.exclude(pk=proposal.pk).update(pseudonym=pseudonym)
    Proposal.objects.filter(pk=proposal.pk).update(
        pseudonym=pseudonym, status=ProposalStatus.EDITED, decided_by=user, decided_at=now
    )
    return changed + 1


# --- applying and reverting ------------------------------------------------------------------------


def replace_spans(text: str, replacements: Sequence[tuple[int, int, str]]) -> tuple[str, list[Block], list[int]]:
    """`text` with each (start, end, new) replaced (sorted, not overlapping); the exact edit blocks
    and the new start of each replacement."""
    parts: list[str] = []
    blocks: list[Block] = []
    starts: list[int] = []
    old_at = new_at = 0
    for start, end, new in replacements:
        if start < old_at or end <= start or end > len(text):
            raise ValidationError("Replacements overlap or lie outside the text.")
        if start > old_at:
            blocks.append(Block("equal", old_at, start, new_at, new_at + start - old_at))
            parts.append(text[old_at:start])
            new_at += start - old_at
        blocks.append(Block("replace", start, end, new_at, new_at + len(new)))
        starts.append(new_at)
        parts.append(new)
        new_at += len(new)
        old_at = end
    if old_at < len(text):
        blocks.append(Block("equal", old_at, len(text), new_at, new_at + len(text) - old_at))
        parts.append(text[old_at:])
    return "".join(parts), blocks, starts


@dataclass
class ApplyOutcome:
    application: Application
    correction: CorrectionOutcome


@transaction.atomic
def apply_proposals(*, transcript: Transcript, user: User, expected_version: int) -> ApplyOutcome:
    """Replace every accepted proposal of the current text by its pseudonym: a new text version,
    codings re-anchored exactly (`correct_transcript` with the exact edits), recorded so it can be
    reverted. StaleVersion if the text changed since the page was shown."""
    locked = Transcript.objects.select_for_update().select_related("study").get(pk=transcript.pk)
    if locked.text_version != expected_version:
        raise StaleVersion(locked.text_version)
    accepted = list(
        current_proposals(locked).filter(status__in=[ProposalStatus.ACCEPTED, ProposalStatus.EDITED]).order_by("start")
    )
    if not accepted:
        raise ValidationError("No proposal is accepted: accept some before applying.")
    # Accepted before entries were confirmed on acceptance: confirm now (pseudonyms may move up).
    if confirm(locked.study, {p.original for p in accepted}):
        accepted = list(current_proposals(locked).filter(status__in=ACCEPTED).order_by("start"))
    text = locked.text
    for proposal in accepted:
        if text[proposal.start : proposal.end] != proposal.original:
            raise ValidationError("The text no longer matches the proposals; scan the document again.")
    new_text, blocks, starts = replace_spans(text, [(p.start, p.end, p.pseudonym) for p in accepted])
    correction = correct_transcript(
        transcript=locked, new_text=new_text, user=user, expected_version=expected_version, edits=blocks,
        record_text=False,
    )  # fmt: skip
    replacements = [
        [start, start + len(p.pseudonym), p.original, p.pseudonym, p.kind]
        for start, p in zip(starts, accepted, strict=True)
    ]
    pairs = {p.original: p.pseudonym for p in accepted}
    speakers = _pseudonymise_speakers(locked, pairs)
    pairs |= {old: new for _, old, new in speakers}
    scrub_history(locked, pairs)
    elsewhere = scrub_elsewhere(locked, pairs)
    # The applied version's proposals held the originals: the application's replacements and the
    # mapping keep them now (owners only), so the proposals go, as the next scan would drop them.
    Proposal.objects.filter(transcript=locked, text_version=expected_version).delete()
    application = Application.objects.create(
        study=locked.study, transcript=locked, from_version=expected_version, to_version=correction.version,
        replacements=replacements, speakers=speakers, elsewhere=elsewhere, applied_by=user,
    )  # fmt: skip
    transcript.text, transcript.text_version = locked.text, locked.text_version
    transcript.title, transcript.source_filename = locked.title, locked.source_filename
    transcript.import_warnings = locked.import_warnings
    return ApplyOutcome(application=application, correction=correction)


@transaction.atomic
def revert_application(*, application: Application, user: User) -> CorrectionOutcome:
    """Put the originals back where `application` put pseudonyms: another new text version, codings
    re-anchored exactly again. Only on the version the application produced (a later correction
    may have moved or edited the pseudonyms), and only once."""
    locked_app = Application.objects.select_for_update().get(pk=application.pk)
    if locked_app.reverted:
        raise ValidationError("This de-identification was already reverted.")
    transcript = Transcript.objects.select_for_update().get(pk=locked_app.transcript_id)
    if transcript.text_version != locked_app.to_version:
        raise ValidationError(
            f"The text changed after this de-identification (now version {transcript.text_version}, "
            f"it made version {locked_app.to_version}); it can no longer be reverted automatically."
        )
    text = transcript.text
    replacements = []
    for start, end, original, pseudonym, _kind in locked_app.replacements:
        if text[start:end] != pseudonym:
            raise ValidationError("The text no longer holds the pseudonyms where they were put.")
        replacements.append((start, end, original))
    new_text, blocks, _ = replace_spans(text, replacements)
    outcome = correct_transcript(
        transcript=transcript, new_text=new_text, user=user, expected_version=transcript.text_version, edits=blocks,
        record_text=False,
    )  # fmt: skip
    _restore_speakers(transcript, locked_app.speakers or [])
    restore_elsewhere(locked_app.elsewhere or [])
    locked_app.reverted_to_version, locked_app.reverted_by, locked_app.reverted_at = (
        outcome.version,
        user,
        timezone.now(),
    )
    locked_app.save(update_fields=["reverted_to_version", "reverted_by", "reverted_at"])
    application.reverted_to_version, application.reverted_at = locked_app.reverted_to_version, locked_app.reverted_at
    return outcome


# --- speaker labels and history --------------------------------------------------------------------


def replacer(pairs: dict[str, str]) -> Callable[[str], str]:
    """A function replacing each original of `pairs` (exact text, as whole words: "Tom" is not
    replaced inside "Tomorrow") by its pseudonym, longest first. RE2 finds the candidates in linear
    time (a history entry may hold a megabyte of text); word edges are checked here, in Unicode."""
    import re2

    originals = sorted((o for o in pairs if o.strip()), key=len, reverse=True)
    if not originals:
        return lambda text: text
    options = re2.Options()
    options.max_mem = 256 << 20
    regex = re2.compile("|".join(re2.escape(o) for o in originals), options)

    def whole(text: str, start: int, end: int) -> bool:
        before = start > 0 and _word_char(text[start - 1]) and _word_char(text[start])
        after = end < len(text) and _word_char(text[end]) and _word_char(text[end - 1])
        return not before and not after

    def replace(text: str) -> str:
        if not text:
            return text
        parts, at = [], 0
        for match in regex.finditer(text):
            start, end = match.start(), match.end()
            if start < at or not whole(text, start, end):
                continue
            parts += [text[at:start], pairs[text[start:end]]]
            at = end
        return "".join(parts) + text[at:] if parts else text

    return replace


def _word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


def _scrubbed(value: Any, replace: Callable[[str], str]) -> Any:
    """`value` (a history entry's JSON) with every string in it passed through `replace`."""
    if isinstance(value, str):
        return replace(value)
    if isinstance(value, list):
        return [_scrubbed(v, replace) for v in value]
    if isinstance(value, dict):
        return {k: _scrubbed(v, replace) for k, v in value.items()}
    return value


def scrub_history(transcript: Transcript, pairs: dict[str, str]) -> int:
    """Replace the originals of `pairs` by their pseudonyms in the document's history entries
    (corrections' old text, speaker changes' labels, summaries): two statements.

    A scrubbed entry is marked `deidentified` in `before`: undoing it would put back a text or
    labels that are no longer what they were, so the history refuses to (`coding.services.history`).
    The study's mapping stays the one place the originals are kept."""
    replace = replacer(pairs)
    entries = LogEntry.objects.filter(study_id=transcript.study_id, object_uuid=transcript.uuid)
    changed = []
    for entry in entries.only("pk", "summary", "before", "after"):
        summary, before, after = (
            replace(entry.summary),
            _scrubbed(entry.before, replace),
            _scrubbed(entry.after, replace),
        )
        if (summary, before, after) == (entry.summary, entry.before, entry.after):
            continue
        entry.summary, entry.after = summary, after
        entry.before = {**(before if isinstance(before, dict) else {}), "deidentified": True}
        changed.append(entry)
    LogEntry.objects.bulk_update(changed, ["summary", "before", "after"], batch_size=200)
    return len(changed)


TRANSCRIPT_FIELDS = ("title", "source_filename", "import_warnings")
JOB_FIELDS = ("input_name", "message", "error", "params", "result")


def scrub_elsewhere(transcript: Transcript, pairs: dict[str, str]) -> list[list[Any]]:
    """Replace the originals of `pairs` where the document shows them besides its text, speakers
    and history: its title, file name and import warnings (the reader, lists, link texts), and its
    jobs (the import job's result lists the speaker labels as imported, and every job names the
    document in its link text) — the jobs whose parameters or result name this transcript.

    Returns [model, pk, field, old, new] of each value changed, for `restore_elsewhere`. Three
    statements however many jobs (bulk_update batches of 200)."""
    replace = replacer(pairs)
    changed: list[list[Any]] = []
    updates: dict[str, Any] = {}
    for name in TRANSCRIPT_FIELDS:
        old = getattr(transcript, name)
        new = _clipped(Transcript, name, _scrubbed(old, replace))
        if new != old:
            changed.append(["transcript", transcript.pk, name, old, new])
            updates[name] = new
            setattr(transcript, name, new)
    if updates:
        Transcript.objects.filter(pk=transcript.pk).update(**updates)
    uuid = str(transcript.uuid)
    jobs = Job.objects.filter(study_id=transcript.study_id).filter(
        Q(params__icontains=uuid) | Q(result__icontains=uuid)
    )
    scrubbed_jobs: list[Job] = []
    fields: set[str] = set()
    for job in jobs.only("pk", *JOB_FIELDS):
        before = len(changed)
        for name in JOB_FIELDS:
            old = getattr(job, name)
            new = _clipped(Job, name, _scrubbed(old, replace))
            if new != old:
                changed.append(["job", job.pk, name, old, new])
                setattr(job, name, new)
                fields.add(name)
        if len(changed) > before:
            scrubbed_jobs.append(job)
    if scrubbed_jobs:
        Job.objects.bulk_update(scrubbed_jobs, sorted(fields), batch_size=200)
    return changed


def _clipped(model: Any, name: str, value: Any) -> Any:
    """`value` cut to the field's max_length (a pseudonym may be longer than the name it replaces)."""
    limit = getattr(model._meta.get_field(name), "max_length", None)
    return value[:limit] if isinstance(value, str) and limit else value


def restore_elsewhere(changed: Sequence[Sequence[Any]]) -> None:
    """Put back the values `scrub_elsewhere` changed, where each still holds what it put there (a
    title renamed since is the researcher's and stays)."""
    models: dict[str, Any] = {"transcript": Transcript, "job": Job}
    for model, pk, name, old, new in changed:
        manager = models[model].objects
        current = manager.filter(pk=pk).values_list(name, flat=True).first()
        if current == new:
            manager.filter(pk=pk).update(**{name: old})


def _pseudonymise_speakers(transcript: Transcript, pairs: dict[str, str]) -> list[list[Any]]:
    """Replace names in the document's speaker labels: the originals applied to its text and those
    of the study's mapping (a label such as "Maria Lopez" often never occurs in the text itself).
    Returns [speaker_pk, old_label, new_label] of each label changed, for revert."""
    from interviews.services.speakers import LABEL_MAX

    speakers = list(Speaker.objects.filter(transcript=transcript).order_by("pk").values_list("pk", "label"))
    if not speakers:
        return []
    known = dict(
        Pseudonym.objects.filter(study_id=transcript.study_id, confirmed=True).values_list("original", "pseudonym")
    )
    replace = replacer({**known, **pairs})
    taken = {label for _, label in speakers}
    renamed: list[list[Any]] = []
    for pk, label in speakers:
        new = replace(label)[:LABEL_MAX]
        if new == label:
            continue
        taken.discard(label)
        candidate, n = new, 2
        while candidate in taken:  # two labels naming one person ("Maria", "Maria Lopez" → "P3")
            suffix = f" ({n})"
            candidate, n = new[: LABEL_MAX - len(suffix)] + suffix, n + 1
        taken.add(candidate)
        renamed.append([pk, label, candidate])
    _relabel(transcript, [(pk, new) for pk, _, new in renamed])
    return renamed


def _relabel(transcript: Transcript, labels: Sequence[tuple[int, str]]) -> None:
    """Set these speakers' labels in two statements, through unique placeholders first so that the
    (transcript, label) constraint, checked row by row, never sees two speakers share a label."""
    if not labels:
        return
    rows = [Speaker(pk=pk, label=f"\u2060deid {pk}") for pk, _ in labels]
    Speaker.objects.bulk_update(rows, ["label"])
    for row, (_, label) in zip(rows, labels, strict=True):
        row.label = label
    Speaker.objects.bulk_update(rows, ["label"])


def _restore_speakers(transcript: Transcript, renamed: Sequence[Sequence[Any]]) -> None:
    """Put back the labels an application changed, on the speakers still labelled as it left them."""
    if not renamed:
        return
    current = dict(Speaker.objects.filter(transcript=transcript).values_list("pk", "label"))
    back = [(pk, old) for pk, old, new in renamed if current.get(pk) == new]
    moving = {pk for pk, _ in back}
    others = {label for pk, label in current.items() if pk not in moving}
    clash = [old for _, old in back if old in others]
    if clash:
        raise ValidationError(
            f"A speaker of this document is now labelled “{clash[0]}”, the label this revert would put back; "
            "rename or merge that speaker first."
        )
    _relabel(transcript, back)
