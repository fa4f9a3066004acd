"""Speaker turns as researchers' files really write them.

Three steps, the same for every format:

1. `detect_turns(text)` (text formats) splits plain text into raw turns. Recognised at the start
   of a line, with an optional timestamp before or after the label: `Name: ...`, `INTERVIEWER: ...`,
   `P3: ...`, `Enquêteur : ...`, `[Interviewer] ...`, `**Name**: ...`, `[00:12:31] Name: ...`,
   `(12:31) Name: ...`, `00:12:31 Name: ...`, `Name (00:12:31): ...`; and labels on a line of their
   own, the speech below, as meeting tools export them: `Name  0:03` (Otter, Teams), `[Name] 10:15:03`,
   a bare `Name` line (Zoom, Teams), with a cue time (`0:0:4.5 --> 0:0:7.0`) or a time on the line
   before or after. Cue and table readers build raw turns themselves (`cue_turns`, table rows).
2. `resolve(detection, options)` makes the stored speakers: label variants of one person become one
   speaker ("Interviewer1", "Interviewer 1", "INTERVIEWER 1 :"), unlabelled paragraphs are attributed
   (`SpeakerOptions.unlabelled`), `SpeakerOptions.renames` are applied, and consecutive turns of one
   speaker are joined — one rule for all formats.
3. `build_report(...)` describes what was found for the import preview (`ImportReport`).

When is `Word:` at the start of a line a speaker label? It must be short (up to four words), start
with a capital (or be a role word), not be a URL scheme, and — for the whole file — recur, or be a
role word in one of several languages (Interviewer, Befragte, Enquêtrice, Entrevistada, P3, ...), or
be one of the study's participant ids, or fit the file's own pattern: the stem of an accepted label
with another number ("Interviewer 2" next to "Interviewer 1") or an accepted label with a one-letter
typo. So "Note: ..." in an essay does not split it into turns, but an interviewer who asks one
question does. Without any speaker, each paragraph is a turn.
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from typing import Literal

from .base import ImportReport, RawTurn, SpeakerOptions, SpeakerSummary
from .timestamps import TIME, to_ms

Role = Literal["interviewer", "participant", "unknown"]

# --- labels: keys, stems and role words ------------------------------------------------------------

_INTERVIEWER_WORDS = """
interviewer interviewers interviewerin interviewende interviewender int i q question questioner moderator
moderatorin moderatrice modérateur modératrice moderatore moderador moderadora facilitator researcher host
forscher forscherin fragesteller fragestellerin befrager befragerin enquêteur enquêtrice enquêteuse intervieweur
intervieweuse chercheur chercheuse animateur animatrice entrevistador entrevistadora investigador investigadora
encuestador encuestadora intervistatore intervistatrice ricercatore ricercatrice pesquisador pesquisadora
onderzoeker interviewster gespreksleider
"""
_PARTICIPANT_WORDS = """
interviewee participant respondent subject informant guest user answer p r a b befragte befragter befragten
teilnehmer teilnehmerin teilnehmende teilnehmender proband probandin interviewte interviewter interviewpartner
interviewpartnerin gesprächspartner gesprächspartnerin ip tn vp enquêté enquêtée participante répondant répondante
interviewé interviewée entrevistado entrevistada encuestado encuestada informante intervistato intervistata
partecipante rispondente geïnterviewde deelnemer
"""
_SPEAKER_WORDS = """
speaker s sprecher sprecherin locuteur locutrice intervenant intervenante hablante orador oradora
"""
ROLE_WORDS: dict[str, str] = {
    **{w: "speaker" for w in _SPEAKER_WORDS.split()},
    **{w: "interviewer" for w in _INTERVIEWER_WORDS.split()},
    **{w: "participant" for w in _PARTICIPANT_WORDS.split()},
    "unknown speaker": "speaker",
    "unbekannter sprecher": "speaker",
}
# Keys of header lines that carry facts about the session, not speech ("Date: 12 June 2024").
_METADATA_WORDS = """
date datum fecha data time zeit heure hora duration dauer durée duración length location place ort lieu lugar study
studie étude estudio project projekt projet proyecto session sitzung séance sesión interview entretien entrevista
recording aufnahme enregistrement grabación transcriber transkription transcription transcripción language sprache
langue idioma site setting mode modus age alter gender geschlecht occupation beruf recorded transcribed
"""
_METADATA_KEYS = frozenset(
    [*_METADATA_WORDS.split(), "transcribed by", "recorded by", "interview id", "session id", "interview date"]
)
_KEY_SUFFIX = re.compile(r"[ -]?(?:id|code|number|no|nr|nummer|numéro|número)$")
_DIGIT_GAP = re.compile(r"(?<=\S) (?=\d)")
_LETTER_SUFFIX = re.compile(r" [a-z]$")
_STOPWORDS = """
yes no okay ok right yeah yep yup nope mhm mm hmm hm um uh ah oh sure thanks exactly true good great fine well so and
but end pause silence laughter laughs inaudible crosstalk ja nein genau oui non si sí vale bien bon
"""
# One-word replies and transcription marks that may stand alone on a line: never a bare label.
_BARE_STOPWORDS = frozenset([*_STOPWORDS.split(), "thank you", "all right", "the end"])


@functools.lru_cache(maxsize=8192)
def label_key(label: str) -> str:
    """The key under which labels of one person are one speaker: case, spaces between a stem and
    its number, and spaces or dots around it do not count ("Interviewer 1 " = "interviewer1")."""
    key = " ".join(unicodedata.normalize("NFC", label).casefold().split())
    return _DIGIT_GAP.sub("", key).strip(" .")


def _stem(key: str) -> str:
    return key.rstrip("0123456789").rstrip(" -_#.")


@functools.lru_cache(maxsize=8192)
def _role_word(key: str) -> str | None:
    stem = _stem(key)
    for candidate in (key, stem, _LETTER_SUFFIX.sub("", stem)):
        role = ROLE_WORDS.get(candidate)
        if role:
            return role
    return None


def is_known_label(label: str) -> bool:
    """A role word in one of the supported languages, optionally numbered ("Interviewerin 2", "P3")."""
    return _role_word(label_key(label)) is not None


def speaker_role(label: str, participant_labels: tuple[str, ...] | frozenset[str] = ()) -> Role:
    """The role a label names: "interviewer" (Interviewer, Moderator, Enquêtrice, I, Q, ...),
    "participant" (Interviewee, Befragte, P3, R2, one of `participant_labels`, ...) or "unknown"."""
    key = label_key(label)
    if key in {label_key(p) for p in participant_labels}:
        return "participant"
    role = _role_word(key)
    return role if role in ("interviewer", "participant") else "unknown"  # type: ignore[return-value]


def _looks_like_typo(word: str, of: str) -> bool:
    """One letter missing, extra, wrong or two neighbours swapped ("Intervewer", "Intreviewer"),
    keeping the first and the last letter: "Interviews" and "Participants" are other words."""
    if len(of) < 5 or word == of or abs(len(word) - len(of)) > 1:
        return False
    if word[0] != of[0] or word[-1] != of[-1]:
        return False
    start = 0
    while start < min(len(word), len(of)) and word[start] == of[start]:
        start += 1
    if len(word) == len(of):
        rest_word, rest_of = word[start + 1 :], of[start + 1 :]
        swapped = word[start : start + 2] == of[start : start + 2][::-1] and word[start + 2 :] == of[start + 2 :]
        return rest_word == rest_of or swapped
    longer, shorter = (word, of) if len(word) > len(of) else (of, word)
    return longer[start + 1 :] == shorter[start:]


# --- one line: is it a label? ------------------------------------------------------------------------

_LETTER = r"[^\W\d_]"


def _ts_group(name: str) -> str:
    return rf"(?:\[(?P<{name}a>{TIME})\]|\((?P<{name}b>{TIME})\)|(?P<{name}c>{TIME}))"


_LEAD = _ts_group("lead")
_TRAIL = rf"(?:\[(?P<trailb>{TIME})\]|\((?P<trailp>{TIME})\))"
_PLAIN_LABEL = rf"(?P<plain>{_LETTER}[\w.'’\- ]{{0,39}}?)"

# Every quantifier after the lazy label is possessive and bounded: `\s*` there was retried for each
# of the label's 40 lengths over a run of spaces (40 passes over a line of a million spaces).
_LINE = re.compile(
    rf"""^\s*+(?:{_LEAD}\s*+[-–—]?\s*+)?
    (?:
        \*\*(?P<bold>[^*\n]{{1,40}}?)\*\*\s*+:
      | \*\*(?P<bold2>[^*\n]{{1,40}}?):\*\*
      | \[(?P<bracket>{_LETTER}[^\]\n]{{0,39}})\]\s*+:?
      | {_PLAIN_LABEL}\s{{0,20}}+(?:{_TRAIL}\s*+)?:(?!//|\d)
    )
    \s*+(?P<rest>.*)$""",
    re.VERBOSE,
)
# "Name  0:03" (Otter, Teams), "[Name] 10:15:03", "Name (0:03)" alone on a line.
_TIMED = re.compile(
    rf"^\s*+(?:\[(?P<blabel>{_LETTER}[^\]\n]{{0,39}})\]\s*+|(?P<label>{_LETTER}[\w.'’\- ]{{0,39}}?)\s++)"
    rf"(?:[-–—|]\s*+)?[\[(]?(?P<ts>{TIME})[\])]?\s*+$"
)
_BARE = re.compile(rf"^\s*+(?P<label>{_LETTER}[\w.'’\- ]{{0,39}})$")
_TS_ONLY = re.compile(rf"^\s*+[\[(]?(?P<ts>{TIME})[\])]?\s*+$")
_LOOSE_TIME = r"\d{1,2}:\d{1,2}:\d{1,2}(?:[.,]\d{1,3})?"
_CUE_RANGE = re.compile(rf"^\s*+(?P<ts>{_LOOSE_TIME})\s*+-->\s*+{_LOOSE_TIME}\s*+$")
_LEADING_TS = re.compile(rf"^\s*+{_ts_group('p')}\s*+[-–—]?\s*+")
_MAX_LABEL_WORDS = 4

INLINE, MARKED, TIMED, BARE = 0, 1, 2, 3
# (kind, label as written, key, speech after the label, timestamp)
Candidate = tuple[int, str, str, str, int | None]


def _label_ok(label: str) -> bool:
    words = label.split()
    return 0 < len(words) <= _MAX_LABEL_WORDS and (label[0].isupper() or is_known_label(label))


def _bare_ok(label: str) -> bool:
    """A name alone on a line: "Anna Keller", "Speaker 2", "Unknown Speaker", "INTERVIEWER"."""
    if label[-1] in ".-'’":
        return False
    words = label.split()
    if len(words) > _MAX_LABEL_WORDS:
        return False
    last = words[-1]
    if label[0].isupper() and (last[0].isupper() or last.isdigit()):
        return label.casefold() not in _BARE_STOPWORDS
    # Role words may be written in lower case ("interviewer"); none has more than two words.
    return len(words) <= 2 and is_known_label(label)


def _ts(match: re.Match[str], *names: str) -> int | None:
    for name in names:
        value = match.group(name)
        if value:
            return to_ms(value)
    return None


def _loose_ms(value: str) -> int | None:
    main, _, fraction = value.replace(",", ".").partition(".")
    hours, minutes, seconds = (int(p) for p in main.split(":"))
    if minutes > 59 or seconds > 59:
        return None
    return ((hours * 60 + minutes) * 60 + seconds) * 1000 + (int((fraction + "000")[:3]) if fraction else 0)


def time_only(line: str) -> tuple[bool, int | None]:
    """Whether the line holds only a time (or a cue range), and that time."""
    if len(line) > 60 or ":" not in line:
        return False, None
    only = _TS_ONLY.match(line)
    if only:
        return True, to_ms(only.group("ts"))
    cue = _CUE_RANGE.match(line)
    if cue:
        return True, _loose_ms(cue.group("ts"))
    return False, None


def classify_line(line: str) -> Candidate | None:
    if not line:
        return None
    length = len(line)
    if length <= 90 and ":" in line:
        timed = _TIMED.match(line)
        if timed:
            label = (timed.group("blabel") or timed.group("label")).strip()
            if _label_ok(label):
                return (TIMED, label, label_key(label), "", to_ms(timed.group("ts")))
    if ":" in line or "[" in line or "**" in line:
        match = _LINE.match(line)
        if match:
            ts = _ts(match, "leada", "leadb", "leadc", "trailb", "trailp")
            marked = match.group("bold") or match.group("bold2") or match.group("bracket")
            if marked:
                label = marked.strip()
                return (MARKED, label, label_key(label), match.group("rest"), ts)
            label = (match.group("plain") or "").strip()
            if label and _label_ok(label):
                return (INLINE, label, label_key(label), match.group("rest"), ts)
    if length <= 48:
        bare = _BARE.match(line.rstrip())
        if bare:
            label = bare.group("label").strip()
            if label and _bare_ok(label):
                return (BARE, label, label_key(label), "", None)
    return None


# --- the header of a file: "Participant: P1", "Date: 12 June 2024" --------------------------------------

_ID_VALUE = re.compile(r"[^\W\d_]{1,4}[ _-]?\d{1,4}[^\W\d_]?")


def _header_shape(key: str, value: str, participant_keys: frozenset[str]) -> tuple[bool, bool, bool] | None:
    """(strong, weak, names the participant) for a `Key: value` line that could be a header line."""
    value = value.strip()
    base = _KEY_SUFFIX.sub("", key).strip()
    metadata = key in _METADATA_KEYS or base in _METADATA_KEYS
    role = _role_word(base) if base else None
    if not value or (role is None and not metadata):
        return None
    if len(value) > (80 if metadata else 60) or len(value.split()) > (10 if metadata else 6):
        return None
    if not metadata and value[-1] in ".?!…:;,":
        return None
    value_key = label_key(value)
    names_participant = role == "participant" and not metadata
    strong = (
        metadata
        or bool(_ID_VALUE.fullmatch(value))
        or value_key in participant_keys
        or (_role_word(value_key) == "participant" and any(c.isdigit() for c in value))
    )
    words = value.split()
    weak = 2 <= len(words) <= 4 and all(w[0].isupper() for w in words)
    return strong, weak, names_participant


def _header(
    lines: list[str], found: list[Candidate | None], counts: Counter[str], participant_keys: frozenset[str]
) -> tuple[set[int], str | None]:
    # The header is the block at the top: it ends at the first blank line after a header line, and a
    # line whose key is a speaker's ("Interviewer: Hello Maria") is a header line only when it is
    # telling ("Interviewer: P1") or more header lines follow it ("Interviewer: Anna Smith").
    zone: list[tuple[int, bool, bool, bool, str, bool]] = []
    for index in range(min(len(lines), 80)):
        candidate = found[index]
        if candidate is None or candidate[0] == BARE:
            if zone and not lines[index].strip():
                break
            continue
        kind, _, key, rest, _ = candidate
        if kind == TIMED:
            break
        shape = _header_shape(key, rest, participant_keys)
        labelish = counts[key] >= 2 or key in participant_keys or _role_word(key) is not None or kind == MARKED
        if shape is None or not (shape[0] or shape[1]):
            if labelish:
                break
            continue
        zone.append((index, shape[0], shape[1], shape[2], rest.strip(), labelish))
    any_strong = any(item[1] for item in zone)
    headers: set[int] = set()
    participant = None
    for position, (index, strong, weak, names_participant, value, labelish) in enumerate(zone):
        key = found[index][2]  # type: ignore[index]
        if labelish and not strong and position == len(zone) - 1:
            continue
        if strong or (weak and (counts[key] == 1 or any_strong)):
            headers.add(index)
            if names_participant and participant is None:
                participant = value
    return headers, participant


# --- which keys are labels -----------------------------------------------------------------------------

# Generic English words and single letters: speakers in a Q/A transcript ("Q:"/"A:", "I:"/"R:"), but
# just as often a note, a list item or a heading. Numbered question/answer stems ("Question 1:",
# "Q2:") are questionnaire headings, never one speaker per number.
_GENERIC_WORDS = frozenset(
    ["question", "answer", "subject", "user", "host", "guest", "note", "notes", "comment", "remark"]
)
_QA_STEMS = frozenset(["question", "answer", "frage", "antwort", "pregunta", "respuesta", "q", "a"])
_MIN_ALTERNATIONS = 3


def _generic(key: str) -> bool:
    return len(key) == 1 or key in _GENERIC_WORDS


def _numbered_qa(key: str) -> bool:
    stem = _stem(key)
    return stem != key and stem in _QA_STEMS


@dataclass
class _Acceptance:
    accepted: set[str]
    bare_only: set[str]  # accepted only because they recur on lines of their own
    headers: set[int]
    header_participant: str | None
    counts: Counter[str]
    typos: dict[str, str]
    missed: list[str]


def _accept(
    lines: list[str], found: list[Candidate | None], speech_below: list[bool], participant_keys: frozenset[str]
) -> _Acceptance:
    counts: Counter[str] = Counter()
    for index, candidate in enumerate(found):
        if candidate is not None and (candidate[0] != BARE or speech_below[index]):
            counts[candidate[2]] += 1
    headers, header_participant = _header(lines, found, counts, participant_keys)
    for index in headers:
        counts[found[index][2]] -= 1  # type: ignore[index]

    kinds: dict[str, set[int]] = {}
    surfaces: dict[str, str] = {}
    sequence: list[str] = []  # the keys of label-like lines, in order
    timed_lines = 0
    for index, candidate in enumerate(found):
        if candidate is None or index in headers or (candidate[0] == BARE and not speech_below[index]):
            continue
        kinds.setdefault(candidate[2], set()).add(candidate[0])
        surfaces.setdefault(candidate[2], candidate[1])
        sequence.append(candidate[2])
        timed_lines += candidate[0] == TIMED

    def weak(key: str) -> bool:
        """Generic words and letters need more than being seen (unless timed: "Host  0:03")."""
        return key not in participant_keys and TIMED not in kinds[key] and (_generic(key) or _numbered_qa(key))

    accepted: set[str] = set()
    bare_recurring: set[str] = set()
    generic: set[str] = set()
    for key, key_kinds in kinds.items():
        n = counts[key]
        if n <= 0:
            continue
        if weak(key):
            if not _numbered_qa(key):
                generic.add(key)
        elif (
            MARKED in key_kinds
            or (TIMED in key_kinds and timed_lines >= 2)
            or key in participant_keys
            or _role_word(key) is not None
            or (n >= 2 and key_kinds != {BARE})
        ):
            accepted.add(key)
        elif n >= 2:
            bare_recurring.add(key)
    if generic:
        # Generic labels of one kind (letters, words) that take turns with each other several times
        # are the file's labels ("Q:"/"A:"), even those seen once; a recurring generic role word
        # ("User:", "R:") is one when the file has other labels.
        alternations: Counter[bool] = Counter(
            len(a) == 1
            for a, b in itertools.pairwise(sequence)
            if a != b and a in generic and b in generic and (len(a) == 1) == (len(b) == 1)
        )
        strong_others = bool(accepted)
        for key in generic:
            if alternations[len(key) == 1] >= _MIN_ALTERNATIONS or (
                counts[key] >= 2 and strong_others and _role_word(key) is not None
            ):
                accepted.add(key)
    if bare_recurring:
        inline_used = any(kinds[k] & {INLINE, MARKED} for k in accepted)
        line_labels = sum(1 for k in accepted if kinds[k] & {BARE, TIMED})
        most = max(counts[k] for k in bare_recurring)
        if line_labels:
            enough = len(bare_recurring) + line_labels >= 2 or most >= 3
        else:
            # Only bare lines: they must take turns (label, speech, another label), and a key must
            # recur more than twice unless all look like full names ("Anna Keller").
            changes = sum(1 for a, b in itertools.pairwise(k for k in sequence if k in bare_recurring) if a != b)
            names = all(len(k.split()) >= 2 for k in bare_recurring)
            enough = changes >= 1 and (most >= 3 or names)
        if not inline_used and enough:
            accepted |= bare_recurring
        else:
            bare_recurring = set()

    # One-off labels that fit the file's own pattern: the stem of an accepted label with another
    # number, or an accepted label with a typo. Line labels only where the file uses them.
    typos: dict[str, str] = {}
    missed: list[str] = []
    if accepted:
        stems: dict[str, str] = {}
        for key in sorted(accepted, key=lambda k: -counts[k]):
            stems.setdefault(_stem(key), key)
        line_convention = any(kinds[k] & {BARE, TIMED} for k in accepted)
        for key, key_kinds in kinds.items():
            if key in accepted or counts[key] != 1 or weak(key):
                continue
            if key_kinds == {BARE} and not line_convention:
                continue
            stem = _stem(key)
            if stem and stem != key and stem in stems:
                accepted.add(key)
                continue
            close = next((other for other_stem, other in stems.items() if _looks_like_typo(stem, other_stem)), None)
            if close is not None and stem:
                accepted.add(key)
                typos[key] = close
            elif key_kinds & {INLINE} and len(missed) < 5:
                missed.append(surfaces[key])
    return _Acceptance(accepted, bare_recurring & accepted, headers, header_participant, counts, typos, missed)


# --- step 1: text → raw turns ----------------------------------------------------------------------


@dataclass
class Detection:
    """Raw turns and what was recognised on the way, for `resolve` and the report."""

    turns: list[RawTurn]
    conventions: list[str] = field(default_factory=list)  # human phrases, most telling first
    participant_label: str | None = None  # named by a header line
    header_lines: int = 0
    missed: list[str] = field(default_factory=list)  # label-like line starts read as speech
    typos: dict[str, str] = field(default_factory=dict)  # key of a one-off label → key it looks like a typo of
    auto_participant: bool = True  # may "auto" attribute unlabelled paragraphs to the participant


CONVENTION_INLINE = "labels at the start of lines (“Name: …”)"
CONVENTION_TIMED = "labels on their own line with a time (Otter, Teams)"
CONVENTION_BARE = "labels on their own line (Zoom, Teams, Otter) or in a table column"
CONVENTION_NONE = "no speaker labels: one turn per paragraph"


def detect_turns(
    text: str, *, participant_labels: tuple[str, ...] = (), paragraph_lines: bool | None = None
) -> Detection:
    """Split plain text into raw turns. `paragraph_lines`: every line is a paragraph (Word, ODT,
    reflowed PDF); False: paragraphs are separated by blank lines; None: decide from the text."""
    lines = text.split("\n")
    found = [classify_line(line) for line in lines]
    participant_keys = frozenset(label_key(p) for p in participant_labels if p.strip())
    count = len(lines)

    # A bare label needs speech below it (perhaps after a time line). With a time on the line
    # before or after it, it is as telling as "Name  0:03". Speech that is itself a bare candidate
    # ("Berlin" below "Marc Dubois") counts only once the label qualifies without it.
    speech_below = [False] * count
    below_of: dict[int, int] = {}  # bare candidate → the bare candidate below it (perhaps its speech)
    for index, candidate in enumerate(found):
        if candidate is not None and candidate[0] == BARE:
            below = index + 1
            timed = index > 0 and time_only(lines[index - 1].strip())[0]
            if below < count and time_only(lines[below].strip())[0]:
                below += 1
                timed = True
            if below < count and lines[below].strip():
                after = found[below]
                if after is None:
                    speech_below[index] = True
                elif after[0] == BARE:
                    below_of[index] = below
                if timed and (after is None or after[0] == BARE):
                    found[index] = (TIMED, *candidate[1:])
                    speech_below[index] = True
    if below_of:
        # A bare key that only ever stands right below another bare line is speech ("Berlin" below
        # "Marc Dubois"): the line above it is the label.
        below_keys = Counter(found[below][2] for below in below_of.values())  # type: ignore[index]
        all_keys = Counter(c[2] for c in found if c is not None and c[0] == BARE)
        followers = {key for key, n in below_keys.items() if n == all_keys[key]}
        for index, below in below_of.items():
            if found[below][2] in followers and found[index][2] not in followers:  # type: ignore[index]
                speech_below[index] = True
                speech_below[below] = False
                below_of[index] = -1
    result = _accept(lines, found, speech_below, participant_keys)
    if below_of:
        # Second round: a bare line below another whose key is not a label is that line's speech.
        for index, below in below_of.items():
            if below >= 0 and found[below][2] not in result.accepted:  # type: ignore[index]
                speech_below[index] = True
                speech_below[below] = False
        result = _accept(lines, found, speech_below, participant_keys)
    accepted, bare_only, headers = result.accepted, result.bare_only, result.headers
    if not accepted:
        detection = Detection(_paragraph_turns(lines, bool(paragraph_lines)), [CONVENTION_NONE])
        detection.participant_label = result.header_participant
        detection.header_lines = len(headers)
        return detection

    label_lines = [
        i
        for i, c in enumerate(found)
        if c is not None and i not in headers and c[2] in accepted and (c[0] != BARE or speech_below[i])
    ]
    # A line taken for a label only because it recurs bare keeps its words when no speech follows it.
    if bare_only:
        label_set = set(label_lines)
        for i in label_lines:
            c = found[i]
            if c is not None and c[0] == BARE and c[2] in bare_only:
                below = i + 1 + (i + 1 < count and time_only(lines[i + 1].strip())[0])
                if below in label_set:
                    label_set.discard(i)
        label_lines = sorted(label_set)
    # Before the first label (a title, a header) paragraphs are separated by blank lines unless the
    # format says every line is one; after it, plain text may be written either way.
    preamble_lines = bool(paragraph_lines)
    if paragraph_lines is None:
        paragraph_lines = _lines_are_paragraphs(lines, label_lines)

    turns: list[RawTurn] = []
    current: RawTurn | None = None
    parts: dict[int, list[str]] = {}  # the lines of each turn, joined at the end (not one by one)
    awaiting = False  # a label with no speech on its line: the next paragraph is its speech
    blank = True
    seen_label = False
    pending_ts: int | None = None
    used: set[int] = set()
    label_set = set(label_lines)
    for index, line in enumerate(lines):
        if index in label_set:
            kind, label, _, rest, ts = found[index]  # type: ignore[misc]
            used.add(kind)
            current = RawTurn(label, rest.strip(), ts if ts is not None else pending_ts)
            pending_ts = None
            turns.append(current)
            parts[id(current)] = [current.text] if current.text else []
            awaiting = not current.text
            blank = False
            seen_label = True
            continue
        stripped = line.strip()
        if not stripped:
            blank = True
            continue
        is_time, ms = time_only(stripped)
        if is_time:
            if current is not None and awaiting and current.start_ms is None:
                current.start_ms = ms
            else:
                pending_ts = ms
            continue
        if current is None or ((blank or (paragraph_lines if seen_label else preamble_lines)) and not awaiting):
            current = RawTurn(None, stripped, pending_ts, unlabelled=seen_label)
            pending_ts = None
            turns.append(current)
            parts[id(current)] = [stripped]
        else:
            parts[id(current)].append(stripped)
        awaiting = False
        blank = False
    for turn in turns:
        lines_of_turn = parts[id(turn)]
        turn.text = "\n".join(lines_of_turn) if len(lines_of_turn) != 1 else lines_of_turn[0]

    conventions = []
    if used & {INLINE, MARKED}:
        conventions.append(CONVENTION_INLINE)
    if TIMED in used:
        conventions.append(CONVENTION_TIMED)
    elif BARE in used:
        conventions.append(CONVENTION_BARE)
    return Detection(turns, conventions, result.header_participant, len(headers), result.missed, result.typos)


def _lines_are_paragraphs(lines: list[str], label_lines: list[int]) -> bool:
    """Word-style text (one paragraph per line, labels right after the previous speech) rather than
    hard-wrapped text (paragraphs and turns separated by blank lines)."""
    if len(label_lines) < 2:
        return False
    after_text = sum(1 for i in label_lines[1:] if i > 0 and lines[i - 1].strip())
    if after_text * 2 < len(label_lines) - 1:
        return False
    lengths = sorted(len(line) for line in lines if line.strip())
    if len(lengths) >= 8:
        width = lengths[int(0.9 * (len(lengths) - 1))]
        if 60 <= width <= 100:
            full = sum(1 for n in lengths if 0.8 * width <= n <= 1.05 * width)
            if full * 2 >= len(lengths):
                return False  # hard-wrapped at ~width characters
    return True


def _paragraph_turns(lines: list[str], paragraph_lines: bool) -> list[RawTurn]:
    turns: list[RawTurn] = []
    buffer: list[str] = []

    def flush() -> None:
        if not buffer:
            return
        paragraph = "\n".join(buffer)
        start_ms = None
        lead = _LEADING_TS.match(paragraph)
        if lead:
            start_ms = _ts(lead, "pa", "pb", "pc")
            paragraph = paragraph[lead.end() :]
        turns.append(RawTurn(None, paragraph, start_ms))
        buffer.clear()

    for line in lines:
        if line.strip():
            buffer.append(line.rstrip())
            if paragraph_lines:
                flush()
        else:
            flush()
    flush()
    return turns


# --- cues and table rows ------------------------------------------------------------------------------


def mark_unlabelled(turns: list[RawTurn]) -> list[RawTurn]:
    """Turns without a speaker after the first labelled one are unlabelled paragraphs."""
    seen = False
    for turn in turns:
        if turn.speaker:
            seen = True
        elif seen:
            turn.unlabelled = True
    return turns


# --- step 2: stored speakers -----------------------------------------------------------------------------


@dataclass
class Resolution:
    turns: list[RawTurn]  # final: speakers stored, consecutive turns of one speaker joined
    unlabelled: Literal["previous", "participant", "none"]
    attributed: int  # unlabelled paragraphs given a speaker
    target: str | None  # the participant label that received paragraphs (after renames)
    sources: dict[str, list[str]]  # stored label → labels as written in the file
    occurrences: dict[str, int]  # stored label → labelled turns in the file (before joining)
    roles: dict[str, Role]  # stored label → role
    joined: int = 0  # labelled paragraphs joined to the turn before them (same speaker)
    joined_timed: int = 0  # of those, the ones whose own timestamp is not kept


def _participant_target(detection: Detection, chosen: dict[str, str], participant_keys: frozenset[str]) -> str:
    if detection.participant_label:
        return detection.participant_label
    participants = [
        label for key, label in chosen.items() if key in participant_keys or _role_word(key) == "participant"
    ]
    return participants[0] if len(participants) == 1 else "Participant"


def resolve(detection: Detection, options: SpeakerOptions) -> Resolution:
    """The stored speakers of the detected turns (which it takes over and changes)."""
    raw = [turn for turn in detection.turns if turn.text and not turn.text.isspace()]
    participant_keys = frozenset(label_key(p) for p in options.participant_labels if p.strip())

    # Label variants of one person: one speaker, stored under the form used most often (the first
    # seen of equally used forms).
    key_of: dict[str, str] = {}
    surface_of: dict[str, str] = {}
    uses: dict[str, dict[str, int]] = {}
    labelled = 0
    for turn in raw:
        speaker = turn.speaker
        if not speaker:
            continue
        labelled += 1
        key = key_of.get(speaker)
        if key is None:
            surface = " ".join(unicodedata.normalize("NFC", speaker).split())
            key = key_of[speaker] = label_key(surface)
            surface_of[speaker] = surface
        forms = uses.setdefault(key, {})
        surface = surface_of[speaker]
        forms[surface] = forms.get(surface, 0) + 1
    ordered = {key: sorted(forms, key=lambda s, forms=forms: -forms[s]) for key, forms in uses.items()}  # type: ignore[misc]
    chosen = {key: surfaces[0] for key, surfaces in ordered.items()}

    def role_of(key: str) -> Role:
        if key in participant_keys:
            return "participant"
        role = _role_word(key)
        return role if role in ("interviewer", "participant") else "unknown"  # type: ignore[return-value]

    # Where unlabelled paragraphs go.
    followed = sum(
        1 for turn, after in itertools.pairwise(raw) if turn.speaker and after.unlabelled and not after.speaker
    )
    has_unlabelled = any(turn.unlabelled and not turn.speaker for turn in raw)
    mode: Literal["previous", "participant", "none"]
    if not has_unlabelled:
        mode = "none"
    elif options.unlabelled == "participant":
        mode = "participant"
    elif options.unlabelled == "previous" or not detection.auto_participant:
        mode = "previous"
    else:
        only_interviewers = bool(chosen) and all(role_of(key) == "interviewer" for key in chosen)
        mode = "participant" if only_interviewers and followed * 10 >= labelled * 3 else "previous"
    target = _participant_target(detection, chosen, participant_keys) if mode == "participant" else None

    # Renames: a target is stored as typed, and a label with the same key as a target joins it.
    renames = {
        label_key(k): " ".join(unicodedata.normalize("NFC", v).split()) for k, v in options.renames.items() if v.strip()
    }
    target_forms: dict[str, str] = {}
    for value in renames.values():
        target_forms.setdefault(label_key(value), value)

    def stored(label: str) -> str:
        final = renames.get(label_key(label), label)
        return target_forms.get(label_key(final), final)

    final_of_key = {key: stored(label) for key, label in chosen.items()}
    sources: dict[str, list[str]] = {}
    roles: dict[str, Role] = {}
    for key, surfaces in ordered.items():
        label = final_of_key[key]
        names = sources.setdefault(label, [])
        names.extend(s for s in surfaces if s not in names)
        if roles.get(label, "unknown") == "unknown":
            roles[label] = role_of(key)
    target_label = stored(target) if target else None

    occurrences: dict[str, int] = {}
    last: str | None = None
    attributed = 0
    for turn in raw:
        speaker = turn.speaker
        if speaker:
            label = final_of_key[key_of[speaker]]
            occurrences[label] = occurrences.get(label, 0) + 1
            turn.speaker = last = label
        elif turn.unlabelled and mode != "none":
            attributed += 1
            turn.speaker = target_label if mode == "participant" else last
    if target and target_label and attributed:
        names = sources.setdefault(target_label, [])
        if target not in names:
            names.append(target)
        roles[target_label] = "participant"
    for label, role in roles.items():
        if role == "unknown":
            roles[label] = role_of(label_key(label))
    # Labelled paragraphs (not subtitle cues, which split one turn into many by design, and not
    # unlabelled paragraphs) that the one joining rule makes part of the turn before them.
    previous: str | None = None
    joined = joined_timed = 0
    for turn in raw:
        if turn.speaker and turn.speaker == previous and turn.joiner == "\n" and not turn.unlabelled:
            joined += 1
            joined_timed += turn.start_ms is not None
        previous = turn.speaker
    resolution = Resolution(join_consecutive(raw), mode, attributed, target_label, sources, occurrences, roles)
    resolution.joined, resolution.joined_timed = joined, joined_timed
    return resolution


def join_consecutive(turns: list[RawTurn]) -> list[RawTurn]:
    """Consecutive turns of the same (non-empty) speaker are one turn; their texts join with the
    later turn's joiner ("\\n" between paragraphs, " " between cues). Speakerless turns stay apart.
    The first turn of each run is kept (and changed)."""
    runs: list[list[RawTurn]] = []
    for turn in turns:
        if runs and turn.speaker and runs[-1][0].speaker == turn.speaker:
            runs[-1].append(turn)
        else:
            runs.append([turn])
    joined: list[RawTurn] = []
    for run in runs:
        first = run[0]
        if len(run) > 1:
            pieces = [first.text.rstrip()]
            for turn in run[1:]:
                pieces.append(turn.joiner)
                pieces.append(turn.text.strip())
            first.text = "".join(pieces)
            if first.start_ms is None:
                first.start_ms = next((t.start_ms for t in run if t.start_ms is not None), None)
            first.end_ms = next((t.end_ms for t in reversed(run) if t.end_ms is not None), None)
        joined.append(first)
    return joined


def split_turns(text: str, options: SpeakerOptions | None = None) -> list[RawTurn]:
    """Detect and resolve in one step: the turns a plain-text transcript is stored as."""
    options = options or SpeakerOptions()
    detection = detect_turns(text, participant_labels=options.participant_labels)
    return resolve(detection, options).turns


# --- step 3: the report ------------------------------------------------------------------------------------

LONG_TURN_WORDS = 1500  # about ten minutes of uninterrupted speech
LONG_TURN_SHARE = 0.4  # of the words of a file with several speakers (and at least 500 words)
_TYPO_DIGITS = re.compile(r"\d\s+\d")


def _excerpt(text: str, limit: int = 200) -> str:
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat.rfind(" ", 0, limit)
    return flat[: cut if cut > limit // 2 else limit].rstrip(" ,;:") + "…"


def _same_person(a: str, b: str) -> bool:
    """Labels that may name one person: "Interviewer" and "Interviewer 1", "Anna" and "Anna Keller"."""
    ka, kb = label_key(a), label_key(b)
    sa, sb = _stem(ka), _stem(kb)
    if sa and sa == sb and (ka == sa) != (kb == sb):
        return True
    wa, wb = ka.split(), kb.split()
    shorter, longer = (wa, wb) if len(wa) < len(wb) else (wb, wa)
    return (
        len(shorter) == 1
        and len(longer) > 1
        and longer[0] == shorter[0]
        and _role_word(ka) is None
        and _role_word(kb) is None
    )


def build_report(
    text: str,
    turn_spans: list[tuple[str | None, int, int]],
    detection: Detection,
    resolution: Resolution,
    options: SpeakerOptions,
) -> ImportReport:
    """`turn_spans`: (speaker, start, end) of the stored turns in the canonical `text`."""
    words_per_turn = [len(text[start:end].split()) for _, start, end in turn_spans]
    total = sum(words_per_turn)
    order: list[str] = []
    stats: dict[str, list[int]] = {}
    firsts: dict[str, list[str]] = {}
    for (label, start, end), words in zip(turn_spans, words_per_turn, strict=True):
        if not label:
            continue
        if label not in stats:
            order.append(label)
            stats[label] = [0, 0]
            firsts[label] = []
        stats[label][0] += 1
        stats[label][1] += words
        if len(firsts[label]) < 3:
            firsts[label].append(_excerpt(text[start:end]))

    typo_of: dict[str, str] = {}
    for key, other_key in detection.typos.items():
        mine = next((label for label, names in resolution.sources.items() if key in map(label_key, names)), None)
        other = next((label for label, names in resolution.sources.items() if other_key in map(label_key, names)), None)
        if mine and other and mine != other:
            typo_of[mine] = other
    # "Interviewer2 2": a digit typed twice; a typo of "Interviewer 2" if that speaker exists.
    keys = {label_key(label): label for label in order}
    for label in order:
        doubled = next(
            (_TYPO_DIGITS.search(n) for n in resolution.sources.get(label, []) if _TYPO_DIGITS.search(n)), None
        )
        if doubled and label not in typo_of:
            name = doubled.string
            other = keys.get(label_key(name[: doubled.start() + 1]))
            typo_of[label] = other if other and other != label else ""

    summaries: list[SpeakerSummary] = []
    once: list[str] = []
    for label in order:
        turns, words = stats[label]
        speaker_doubts: list[str] = []
        attributed_only = resolution.target == label and not resolution.occurrences.get(label)
        if resolution.occurrences.get(label, 0) == 1 and turns == 1:
            speaker_doubts.append("seen only once")
            once.append(label)
        if label in typo_of:
            speaker_doubts.append(f"looks like a typo of “{typo_of[label]}”" if typo_of[label] else "looks like a typo")
        for other in order:
            if other == label or label in typo_of or not _same_person(label, other):
                continue
            if (stats[other][0], -order.index(other)) > (turns, -order.index(label)):
                speaker_doubts.append(f"may be the same person as “{other}”")
        if attributed_only:
            speaker_doubts.append("has no label in the file: unlabelled paragraphs were attributed to it")
        role = resolution.roles.get(label, "unknown")
        if role == "unknown" and typo_of.get(label):
            role = resolution.roles.get(typo_of[label], "unknown")
        summaries.append(
            SpeakerSummary(
                label=label,
                turns=turns,
                words=words,
                first_turns=firsts[label],
                role=role,
                doubts=speaker_doubts,
                source_labels=list(resolution.sources.get(label, [])),
            )
        )

    doubts: list[str] = []
    if not summaries:
        doubts.append("No speaker labels were found: each paragraph is a turn without a speaker.")
    elif len(summaries) == 1:
        doubts.append(f"Only one speaker was found (“{summaries[0].label}”).")
    doubts.extend(f"“{label}” is seen only once." for label in once)
    doubts.extend(
        f"“{label}:” at the start of a line was read as speech, not as a speaker." for label in detection.missed
    )
    long_turns = 0
    for index, ((label, _, _), words) in enumerate(zip(turn_spans, words_per_turn, strict=True), start=1):
        share_rule = len(summaries) >= 2 and total >= 500 and words >= 200 and words > LONG_TURN_SHARE * total
        if label and (words > LONG_TURN_WORDS or share_rule):
            long_turns += 1
            if long_turns <= 3:
                doubts.append(
                    f"Turn {index} (“{label}”) is very long: {words:,} words. A speaker change may be missing."
                )
    if summaries and turn_spans and not turn_spans[0][0]:
        before = 0
        for label, _, _ in turn_spans:
            if label:
                break
            before += 1
        preamble_words = sum(words_per_turn[:before])
        if detection.header_lines or preamble_words <= 60:
            doubts.append(
                f"The text before the first speaker ({preamble_words:,} words) looks like a header; "
                "it is kept without a speaker."
            )
        else:
            doubts.append(f"{preamble_words:,} words before the first speaker label are kept without a speaker.")

    if resolution.joined:
        n, timed = resolution.joined, resolution.joined_timed
        doubts.append(
            f"{n:,} labelled paragraph{'s' if n != 1 else ''} followed a paragraph of the same speaker and "
            f"{'were' if n != 1 else 'was'} joined to it as one turn"
            + (f"; {timed:,} of their timestamps {'are' if timed != 1 else 'is'} not kept" if timed else "")
            + "."
        )

    detected = list(detection.conventions)
    if detection.participant_label:
        detected.append(f"a header naming the participant (“{detection.participant_label}”)")
    if resolution.unlabelled == "participant" and resolution.target:
        if options.unlabelled == "auto":
            detected.append(f"only the moderator is labelled: unlabelled paragraphs are “{resolution.target}”")
        else:
            detected.append(f"unlabelled paragraphs are “{resolution.target}”")
    phrase = "; ".join(detected)
    return ImportReport(
        speakers=summaries,
        doubts=doubts,
        unlabelled=resolution.unlabelled,
        detected=phrase[:1].upper() + phrase[1:],
        participant_label=detection.participant_label,
        unlabelled_paragraphs=resolution.attributed,
        words=total,
    )
