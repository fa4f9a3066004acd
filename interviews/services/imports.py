"""Importing a transcript file into a study: parse, store canonical text and turns, map speakers.

Three entry points share one reading of a file:

- `preview_transcript` parses a file the way the import would and describes its speakers (turn and
  word counts, first turns, doubts) without storing anything — the web preview and
  `import_transcripts --dry-run`.
- `import_transcript` stores one file, with the speaker choices made in the preview
  (`SpeakerOptions` for the parser; a `SpeakerMapping` per stored label for who each speaker is),
  or the detected defaults when nobody looked.
- `stage_transcripts` / `queue_previewed_imports` / `discard_staged_transcripts` keep the uploaded
  files between the web preview and its confirmation (see `studies.staging`).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import PurePath
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from studies.jobs import create_job, enqueue
from studies.models import Job, JobKind, StagedKind, StagedUpload, Study
from studies.staging import claim_staged_upload, stage_upload

from ..importers import ImportFailure, ParsedDocument, SpeakerOptions, SpeakerSummary, label_key, parse_document
from ..models import Participant, Protocol, Speaker, SpeakerRole, SpeakerTurn, Transcript, TranscriptMode

INTERVIEWER_LABEL = re.compile(
    r"^(?:i|int|interviewer\d*|interviewers?|q|moderator|facilitator|researcher|host)(?:\s*(?:\d+|[a-z]))?$",
    re.IGNORECASE,
)
UNLABELLED_CHOICES = ("auto", "previous", "participant")
# Doubts the import summary raises itself when the speaker detection gave no report.
LONG_TURN_WORDS = 1500
FIRST_TURNS = 3
FIRST_TURN_CHARS = 200


@dataclass(frozen=True)
class SpeakerMapping:
    """Who a stored speaker label is: a role and, for a participant, optionally the study's participant."""

    role: str  # a SpeakerRole value
    participant: str | None = None  # the participant's label (id) in the study

    def as_json(self) -> dict[str, Any]:
        return {"role": self.role, "participant": self.participant}

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> SpeakerMapping:
        return cls(role=str(value.get("role") or ""), participant=value.get("participant") or None)


@dataclass
class ImportOutcome:
    transcript: Transcript
    created: bool
    warnings: list[str] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)  # see `import_summary`


@dataclass
class SpeakerPreview:
    """One detected speaker of a file, with who they would be stored as."""

    label: str
    turns: int
    words: int
    first_turns: list[str]
    detected_role: str  # "interviewer", "participant" or "unknown", as the detection saw it
    doubts: list[str]
    mapping: SpeakerMapping
    also_written: list[str] = field(default_factory=list)  # other spellings detected as this speaker


@dataclass
class TranscriptPreview:
    """What importing a file would store, before anything is stored."""

    filename: str
    format: str
    turns: int
    words: int
    speakers: list[SpeakerPreview]
    doubts: list[str]  # file-level doubts and the reader's warnings
    detected: str
    unlabelled: str  # the attribution of unlabelled paragraphs used ("" when the detection did not say)
    participant_label: str | None
    unlabelled_paragraphs: int  # paragraphs without a label of their own that were attributed
    already_imported: str | None = None  # title of the study's transcript with the same bytes


# --- reading a file ------------------------------------------------------------------------------


def study_participants(study: Study) -> dict[str, Participant]:
    """The study's participants by lower-cased label."""
    return {p.label.lower(): p for p in Participant.objects.filter(study=study)}


def options_for_study(options: SpeakerOptions | None, participants: Mapping[str, Participant]) -> SpeakerOptions:
    """The researcher's choices (or the defaults) with the study's participant ids as known labels."""
    labels = tuple(sorted(p.label for p in participants.values()))
    return replace(options or SpeakerOptions(), participant_labels=labels)


def _report_is_empty(parsed: ParsedDocument) -> bool:
    report = parsed.report
    return not report.speakers and not report.doubts and not report.detected


def _cut(text: str, limit: int = FIRST_TURN_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def speaker_summaries(parsed: ParsedDocument) -> list[SpeakerSummary]:
    """The detected speakers of a parsed file, in order of first appearance.

    Taken from the speaker detection's report; counted from the turns when the report is empty."""
    if parsed.report.speakers:
        return list(parsed.report.speakers)
    by_label: dict[str, SpeakerSummary] = {}
    for turn in parsed.turns:
        if not turn.speaker:
            continue
        speech = parsed.text[turn.start : turn.end]
        summary = by_label.get(turn.speaker)
        if summary is None:
            summary = by_label[turn.speaker] = SpeakerSummary(label=turn.speaker, turns=0, words=0, first_turns=[])
            summary.role = "interviewer" if INTERVIEWER_LABEL.match(turn.speaker) else "unknown"
        summary.turns += 1
        summary.words += len(speech.split())
        if len(summary.first_turns) < FIRST_TURNS:
            summary.first_turns.append(_cut(speech))
    if len(parsed.turns) > 3:
        for summary in by_label.values():
            if summary.turns == 1:
                summary.doubts.append("seen only once")
    return list(by_label.values())


def file_doubts(parsed: ParsedDocument, speakers: list[SpeakerSummary]) -> list[str]:
    """What looks doubtful in the whole file: the detection's own, or basic checks when it said nothing."""
    if not _report_is_empty(parsed):
        return list(parsed.report.doubts)
    doubts: list[str] = []
    if not speakers:
        doubts.append("No speaker labels were found: each paragraph is a turn with no speaker.")
    elif len(speakers) == 1 and len(parsed.turns) > 1:
        doubts.append(f"Only one speaker (“{speakers[0].label}”) was found; were the other speakers' labels missed?")
    for index, turn in enumerate(parsed.turns, start=1):
        words = len(parsed.text[turn.start : turn.end].split())
        if words > LONG_TURN_WORDS and len(parsed.turns) > 1:
            who = f"of “{turn.speaker}” " if turn.speaker else ""
            doubts.append(f"Turn {index} {who}is very long ({words:,} words); a speaker label may have been missed.")
    return doubts


def _repeats(file_doubt: str, speaker: SpeakerSummary, doubt: str) -> bool:
    """Whether a file-level doubt says what one of a speaker's doubts says ("“P2” is seen only once.")."""
    return f"“{speaker.label}”" in file_doubt and doubt.strip().rstrip(".") in file_doubt


def preview_doubts(parsed: ParsedDocument, speakers: list[SpeakerSummary]) -> list[str]:
    """The file-level doubts the preview lists above the speakers (speaker doubts are on their rows)."""
    return [
        doubt
        for doubt in file_doubts(parsed, speakers)
        if not any(_repeats(doubt, s, own) for s in speakers for own in s.doubts)
    ]


def summary_doubts(parsed: ParsedDocument, speakers: list[SpeakerSummary]) -> list[str]:
    """Every doubt about a file, once each, as sentences for the import summary."""
    doubts = file_doubts(parsed, speakers)
    own = [
        f"“{s.label}”: {doubt}"
        for s in speakers
        for doubt in s.doubts
        if not any(_repeats(file_doubt, s, doubt) for file_doubt in doubts)
    ]
    return own + doubts


def _participants_named_in(filename: str, participants: Mapping[str, Participant]) -> list[Participant]:
    """Participant ids that appear as words in the file name (e.g. `P3_interview.docx`)."""
    words = {w.lower() for w in re.split(r"[^0-9A-Za-z]+", PurePath(filename).stem) if w}
    return [p for key, p in participants.items() if key in words]


def _chosen_participants(
    filename: str, labels: Iterable[str], participants: Mapping[str, Participant]
) -> list[Participant]:
    chosen: list[Participant] = []
    for label in labels:
        participant = participants.get(label.strip().lower())
        if participant is None:
            raise ImportFailure(filename, f"names participant {label!r}, who is not in this study")
        chosen.append(participant)
    return chosen


def resolve_speakers(
    *,
    filename: str,
    speakers: list[tuple[str, str]],
    participants: Mapping[str, Participant],
    named: list[Participant],
    speaker_map: Mapping[str, SpeakerMapping] | None = None,
    remembered: Mapping[str, tuple[str, Participant | None]] | None = None,
    askers: Iterable[str] = (),
) -> dict[str, tuple[str, Participant | None]]:
    """Who each stored label is: (role, participant). `speakers` is (label, detected role) in order.

    A label in `speaker_map` is what the researcher chose (matched by `label_key`: letter case and
    spacing do not count, as they do not for the parser's merges); any other label gets the detected
    default: a participant id is that participant, an interviewer-role label the interview team,
    anyone else a participant — and a single such unmapped participant in a file about one known
    participant (chosen at upload, named in the file name or by a header) is that participant.
    A name that is no role word (“Maria Lopez”) is who it was in the study's earlier documents
    (`remembered`, by label key), else the interview team if it is one of `askers` (the file's
    speakers who ask the questions, `question_askers`).
    Two entries of `speaker_map` for one speaker that say different things are an ImportFailure."""
    chosen_map = _map_by_key(filename, speaker_map or {})
    resolved: dict[str, tuple[str, Participant | None]] = {}
    for label, _ in speakers:
        mapping = chosen_map.get(label_key(label))
        if mapping is None:
            continue
        if mapping.role not in SpeakerRole.values:
            raise ImportFailure(filename, f"gives speaker “{label}” an unknown role {mapping.role!r}")
        participant = None
        if mapping.participant:
            if mapping.role != SpeakerRole.PARTICIPANT:
                raise ImportFailure(filename, f"maps speaker “{label}” to a participant but not as a participant")
            participant = participants.get(mapping.participant.strip().lower())
            if participant is None:
                raise ImportFailure(
                    filename, f"maps speaker “{label}” to participant {mapping.participant!r}, who is not in this study"
                )
        resolved[label] = (mapping.role, participant)
    unmapped: list[str] = []
    for label, detected in speakers:
        if label in resolved:
            continue
        participant = participants.get(label.strip().lower())
        if participant is None and detected == "unknown" and remembered and label_key(label) in remembered:
            resolved[label] = remembered[label_key(label)]
            continue
        if participant is None and detected == "unknown" and label in set(askers):
            resolved[label] = (SpeakerRole.INTERVIEWER, None)
            continue
        if detected == "interviewer" or (detected == "unknown" and INTERVIEWER_LABEL.match(label)):
            role = SpeakerRole.INTERVIEWER if participant is None else SpeakerRole.PARTICIPANT
        else:
            role = SpeakerRole.PARTICIPANT
        resolved[label] = (role, participant)
        if role == SpeakerRole.PARTICIPANT and participant is None:
            unmapped.append(label)
    # "Respondent" in a file about one known participant is that participant.
    if len(unmapped) == 1 and len(named) == 1 and not any(p for _, p in resolved.values()):
        resolved[unmapped[0]] = (SpeakerRole.PARTICIPANT, named[0])
    return resolved


def _map_by_key(filename: str, speaker_map: Mapping[str, SpeakerMapping]) -> dict[str, SpeakerMapping]:
    by_key: dict[str, tuple[str, SpeakerMapping]] = {}
    for label, mapping in speaker_map.items():
        key = label_key(label)
        earlier = by_key.setdefault(key, (label, mapping))
        if earlier[1] != mapping:
            raise ImportFailure(
                filename, f"says different things of “{earlier[0]}” and “{label}”, which are one speaker (letter case "
                "and spacing do not count)",
            )  # fmt: skip
    return {key: mapping for key, (_, mapping) in by_key.items()}


def remembered_speakers(study: Study) -> dict[str, tuple[str, Participant | None]]:
    """Who each speaker label was in the study's documents so far, by label key, the latest
    document's choice winning: a researcher who said once that “Maria Lopez” is the interview
    team does not say it again for every file of hers."""
    people = {p.pk: p for p in Participant.objects.filter(study=study)}
    remembered: dict[str, tuple[str, Participant | None]] = {}
    # Plain rows, not model instances: a large study has thousands of speakers, read per import.
    for label, role, participant_id in (
        Speaker.objects.filter(transcript__study=study)
        .order_by("transcript__created_at", "transcript_id", "pk")
        .values_list("label", "role", "participant_id")
    ):
        remembered[label_key(label)] = (role, people.get(participant_id) if participant_id else None)
    return remembered


QUESTION_SHARE = 0.6  # of a speaker's turns that end with a question mark


def question_askers(parsed: ParsedDocument) -> list[str]:
    """In a file with no interviewer-role label, the speakers who mostly ask questions — the
    interviewers of an Otter or Zoom export, whose speakers are names — when the others do not."""
    asked: dict[str, list[int]] = {}
    for turn in parsed.turns:
        if turn.speaker:
            counts = asked.setdefault(turn.speaker, [0, 0])
            counts[0] += parsed.text[turn.start : turn.end].rstrip().endswith("?")
            counts[1] += 1
    if len(asked) < 2 or any(INTERVIEWER_LABEL.match(label) for label in asked):
        return []
    askers = [label for label, (q, n) in asked.items() if n >= 2 and q / n >= QUESTION_SHARE]
    # Everyone asking is no interview; one side must mostly answer.
    return askers if askers and len(askers) < len(asked) else []


def check_speaker_labels(
    filename: str,
    speakers: list[SpeakerSummary],
    renames: Mapping[str, str],
    speaker_map: Mapping[str, SpeakerMapping] | None,
) -> None:
    """Raise ImportFailure when a rename or a speaker mapping names no speaker of the file (for the
    command line, where one set of choices goes to many files). Renames name a label as written in
    the file; mappings a label as stored (after the renames). Case and spacing do not count."""
    written = {label_key(label) for s in speakers for label in (s.label, *s.source_labels)}
    stored = {label_key(s.label) for s in speakers}
    names = ", ".join(f"“{s.label}”" for s in speakers)
    which = f"; its speakers are {names}" if names else "; it has no speaker labels"
    for label in renames:
        if label_key(label) not in written:
            raise ImportFailure(filename, f"has no speaker “{label}” to rename{which}")
    for label in speaker_map or {}:
        key = label_key(label)
        if key in stored:
            continue
        renamed = next(
            (
                f" (“{source}” is stored as “{s.label}”)"
                for s in speakers
                for source in s.source_labels
                if label_key(source) == key and label_key(s.label) != key
            ),
            "",
        )
        raise ImportFailure(filename, f"has no speaker “{label}” to say who it is{renamed or which}")


def _named_participants(
    filename: str, parsed: ParsedDocument, chosen: list[Participant], participants: Mapping[str, Participant]
) -> list[Participant]:
    if chosen:
        return chosen
    named = _participants_named_in(filename, participants)
    header = parsed.report.participant_label
    if not named and header and header.strip().lower() in participants:
        named = [participants[header.strip().lower()]]
    return named


def preview_transcript(
    *,
    study: Study,
    filename: str,
    data: bytes,
    options: SpeakerOptions | None = None,
    participant_labels: Iterable[str] = (),
    speaker_map: Mapping[str, SpeakerMapping] | None = None,
    strict_labels: bool = False,
) -> TranscriptPreview:
    """Parse `data` as the import would and describe its speakers; stores nothing.

    Raises ImportFailure with a message naming the file when it cannot be read (or, with
    `strict_labels`, when a rename or mapping names no speaker of it: `check_speaker_labels`)."""
    participants = study_participants(study)
    chosen = _chosen_participants(filename, participant_labels, participants)
    parsed = parse_document(
        filename, data, max_bytes=settings.THEMATICA_MAX_UPLOAD_BYTES, options=options_for_study(options, participants)
    )
    summaries = speaker_summaries(parsed)
    if strict_labels:
        check_speaker_labels(filename, summaries, options.renames if options else {}, speaker_map)
    resolved = resolve_speakers(
        filename=filename,
        speakers=[(s.label, s.role) for s in summaries],
        participants=participants,
        named=_named_participants(filename, parsed, chosen, participants),
        speaker_map=speaker_map,
        remembered=remembered_speakers(study),
        askers=question_askers(parsed),
    )
    speakers = [
        SpeakerPreview(
            label=s.label,
            turns=s.turns,
            words=s.words,
            first_turns=list(s.first_turns),
            detected_role=s.role,
            doubts=list(s.doubts),
            mapping=SpeakerMapping(resolved[s.label][0], _label_of(resolved[s.label][1])),
            also_written=[label for label in s.source_labels if label != s.label],
        )
        for s in summaries
    ]
    existing = (
        Transcript.objects.filter(study=study, source_sha256=hashlib.sha256(data).hexdigest())
        .values_list("title", flat=True)
        .first()
    )
    return TranscriptPreview(
        filename=filename,
        format=parsed.format,
        turns=len(parsed.turns),
        words=parsed.word_count,
        speakers=speakers,
        doubts=[*parsed.warnings, *preview_doubts(parsed, summaries)],
        detected=parsed.report.detected,
        unlabelled="" if _report_is_empty(parsed) else parsed.report.unlabelled,
        participant_label=parsed.report.participant_label,
        unlabelled_paragraphs=parsed.report.unlabelled_paragraphs,
        already_imported=existing,
    )


def _label_of(participant: Participant | None) -> str | None:
    return participant.label if participant is not None else None


# --- storing a file ------------------------------------------------------------------------------


def import_summary(
    parsed: ParsedDocument, summaries: list[SpeakerSummary], stored: Mapping[str, Speaker]
) -> dict[str, Any]:
    """What the import summary shows for one file (JSON, kept in the import job's result)."""
    turns: dict[str, int] = {}
    words: dict[str, int] = {}
    for turn in parsed.turns:
        if turn.speaker:
            turns[turn.speaker] = turns.get(turn.speaker, 0) + 1
            words[turn.speaker] = words.get(turn.speaker, 0) + len(parsed.text[turn.start : turn.end].split())
    doubts = summary_doubts(parsed, summaries)
    return {
        "turns": len(parsed.turns),
        "words": parsed.word_count,
        "speakers": [
            {
                "label": label,
                "role": speaker.role,
                "participant": _label_of(speaker.participant),
                "turns": turns.get(label, 0),
                "words": words.get(label, 0),
            }
            for label, speaker in stored.items()
        ],
        "doubts": doubts,
        "detected": parsed.report.detected,
        "unlabelled": parsed.report.unlabelled,
    }


@transaction.atomic
def import_transcript(
    *,
    study: Study,
    filename: str,
    data: bytes,
    user: User | None,
    title: str | None = None,
    participant_labels: list[str] | None = None,
    protocol: Protocol | None = None,
    mode: str = TranscriptMode.RECORDED,
    speaker_options: SpeakerOptions | None = None,
    speaker_map: Mapping[str, SpeakerMapping] | None = None,
    strict_labels: bool = False,
) -> ImportOutcome:
    """Import one file. Raises ImportFailure (message names the file) and leaves nothing behind.

    `speaker_options` are the parser's choices (renames and merges, unlabelled paragraphs);
    `speaker_map` says who a stored label is. Labels it does not name get the detected defaults.
    With `strict_labels`, a rename or mapping that names no speaker of the file is an ImportFailure."""
    source_sha = hashlib.sha256(data).hexdigest()
    existing = Transcript.objects.filter(study=study, source_sha256=source_sha).first()
    if existing is not None:
        return ImportOutcome(
            existing, False, [f"{filename} was already imported as “{existing.title}”; it was not imported again."]
        )
    participants = study_participants(study)
    chosen = _chosen_participants(filename, participant_labels or [], participants)
    parsed: ParsedDocument = parse_document(
        filename,
        data,
        max_bytes=settings.THEMATICA_MAX_UPLOAD_BYTES,
        options=options_for_study(speaker_options, participants),
    )
    summaries = speaker_summaries(parsed)
    if strict_labels:
        check_speaker_labels(filename, summaries, speaker_options.renames if speaker_options else {}, speaker_map)
    detected = {s.label: s.role for s in summaries}
    named = _named_participants(filename, parsed, chosen, participants)
    resolved = resolve_speakers(
        filename=filename,
        speakers=[(label, detected.get(label, "unknown")) for label in parsed.speakers],
        participants=participants,
        named=named,
        speaker_map=speaker_map,
        remembered=remembered_speakers(study),
        askers=question_askers(parsed),
    )

    transcript = Transcript.objects.create(
        study=study,
        title=(title or PurePath(filename).stem.replace("_", " ").strip() or filename)[:300],
        protocol=protocol,
        mode=mode if mode in TranscriptMode.values else TranscriptMode.RECORDED,
        source_filename=PurePath(filename).name[:255],
        source_format=parsed.format,
        source_sha256=source_sha,
        text=parsed.text,
        text_sha256=hashlib.sha256(parsed.text.encode()).hexdigest(),
        char_count=len(parsed.text),
        word_count=parsed.word_count,
        import_warnings=parsed.warnings,
        created_by=user,
    )
    speakers = {
        label: Speaker(transcript=transcript, label=label[:200], role=role, participant=participant)
        for label, (role, participant) in resolved.items()
    }
    Speaker.objects.bulk_create(speakers.values())
    SpeakerTurn.objects.bulk_create(
        [
            SpeakerTurn(
                transcript=transcript,
                index=index,
                speaker=speakers.get(turn.speaker) if turn.speaker else None,
                start=turn.start,
                end=turn.end,
                start_ms=turn.start_ms,
                end_ms=turn.end_ms,
            )
            for index, turn in enumerate(parsed.turns)
        ],
        batch_size=2000,
    )
    mapped = {p for _, p in resolved.values() if p is not None}
    # A file name naming a participant links them unless the researcher said who everyone is.
    linked = mapped | set(chosen) | (set(named) if not (speaker_map and mapped) else set())
    transcript.participants.add(*linked)
    # Its sentences and technique mentions are found by a job sent once this commits.
    from assist.services import queue_after_text_change

    queue_after_text_change(transcript, user=user)
    return ImportOutcome(transcript, True, parsed.warnings, import_summary(parsed, summaries, speakers))


# --- between the web preview and its confirmation --------------------------------------------------


@dataclass(frozen=True)
class PreviewChoice:
    """What the researcher chose for one previewed file."""

    options: SpeakerOptions
    speaker_map: dict[str, SpeakerMapping]

    def as_params(self) -> dict[str, Any]:
        return {
            "speaker_options": {"renames": dict(self.options.renames), "unlabelled": self.options.unlabelled},
            "speaker_map": {label: mapping.as_json() for label, mapping in self.speaker_map.items()},
        }


def choices_from_params(params: Mapping[str, Any]) -> tuple[SpeakerOptions | None, dict[str, SpeakerMapping] | None]:
    """The speaker choices an import job carries (none for a direct import)."""
    raw_options = params.get("speaker_options")
    options = None
    if raw_options:
        unlabelled = raw_options.get("unlabelled")
        options = SpeakerOptions(
            renames={str(k): str(v) for k, v in (raw_options.get("renames") or {}).items()},
            unlabelled=unlabelled if unlabelled in UNLABELLED_CHOICES else "auto",
        )
    raw_map = params.get("speaker_map")
    speaker_map = {str(k): SpeakerMapping.from_json(v) for k, v in raw_map.items()} if raw_map else None
    return options, speaker_map


@transaction.atomic
def stage_transcripts(*, study: Study, user: User, files: list[tuple[str, bytes]]) -> list[StagedUpload]:
    """Keep uploaded files for their preview; they belong to `user` and expire after a day."""
    return [stage_upload(study=study, user=user, kind=StagedKind.TRANSCRIPT, name=n, data=d) for n, d in files]


def staged_transcripts(*, study: Study, user: User, uuids: Iterable[str]) -> list[StagedUpload]:
    """The user's live staged files among `uuids`, in the order given (unknown or expired ones left out)."""
    wanted: list[UUID] = []
    for value in uuids:
        try:
            uuid = UUID(str(value))
        except ValueError:
            continue
        if uuid not in wanted:
            wanted.append(uuid)
    found = {
        s.uuid: s
        for s in StagedUpload.objects.filter(
            study=study, user=user, kind=StagedKind.TRANSCRIPT, uuid__in=wanted, expires_at__gt=timezone.now()
        )
    }
    return [found[u] for u in wanted if u in found]


@transaction.atomic
def discard_staged_transcripts(*, staged: list[StagedUpload]) -> int:
    """Cancel a preview: its staged files are deleted. The number deleted."""
    deleted, _ = StagedUpload.objects.filter(pk__in=[s.pk for s in staged]).delete()
    return deleted


@transaction.atomic
def queue_previewed_imports(
    *,
    study: Study,
    user: User,
    staged: list[StagedUpload],
    choices: Mapping[UUID, PreviewChoice | None],
    participant_labels: list[str],
    protocol: Protocol | None,
    mode: str = TranscriptMode.RECORDED,
) -> list[Job]:
    """Confirm a preview: one import job per chosen file, with its speaker choices; every staged
    file of the preview is deleted (those left out are discarded). A second confirmation of the same
    preview finds the files gone: StagedUploadExpired."""
    from ..tasks import import_transcript_task  # the task module imports this one

    jobs: list[Job] = []
    for item in staged:
        claim_staged_upload(item)
        choice = choices.get(item.uuid)
        if choice is None:
            continue
        params = {
            "participant_labels": participant_labels,
            "protocol_uuid": str(protocol.uuid) if protocol is not None else "",
            "mode": mode,
            **choice.as_params(),
        }
        job = create_job(
            study=study, kind=JobKind.IMPORT_TRANSCRIPT, user=user, params=params, input_name=item.name,
            input_bytes=bytes(item.data),
        )  # fmt: skip
        enqueue(import_transcript_task, job)
        jobs.append(job)
    return jobs
