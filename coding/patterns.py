"""User-supplied search patterns: the one place they are compiled and run.

KWIC, auto-code and any later rule-based tagging take a pattern a viewer typed and run it over
transcripts someone else uploaded. Python's `re` backtracks, so `(.|.)*#` doubles its time with
every character. RE2 (google-re2) runs in time linear in the text for any pattern; what needs
backtracking (backreferences, lookaround, atomic groups...) it lacks, and such a pattern is
refused with a message naming the construct.

Linear is not yet bounded: when RE2's automaton outgrows its memory it falls back to a
simulation whose cost per byte grows with the pattern, and a 16-character pattern such as
`(?:.{0,100}a){7}!` then reads about 30 s per MB. So, for a hard bound:
- a compiled program larger than MAX_PROGRAM steps is refused;
- RE2 reads at most WINDOW bytes per call (a turn longer than that is searched in windows
  overlapping by half, so a hit of up to WINDOW/2 bytes is found exactly; a longer one is cut);
- between calls, a search stops with a message once SEARCH_SECONDS have passed (a pattern can
  also match thousands of times, each match scanning far ahead: `a(.*b)?` on a run of "a").
The module's cache of compiled patterns is bypassed: each holds up to MAX_MEMORY of automaton,
and 128 cached patterns typed by users would keep gigabytes alive.

Three things keep the results what Python's `re` gave:
- `\\w`, `\\d`, `\\s` are ASCII-only in RE2; they are rewritten to their Unicode meaning, so
  `trust\\w*` still finds "trustwürdig". A word character is a letter, digit, combining mark
  or `_` (marks belong to the word they sit on, "é" written as e + U+0301 included).
- Words and phrases are bounded by non-word characters. RE2 has no lookbehind, so the pattern
  consumes the neighbouring character and the phrase is its group 1 (see `UserPattern.spans`).
- RE2 reports byte offsets into UTF-8; `spans` turns them into code point offsets, the unit
  of every stored coding.
"""

from __future__ import annotations

import time
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import re2

MAX_PATTERN_LENGTH = 300
MAX_PHRASES_LENGTH = 20 * MAX_PATTERN_LENGTH
# A search of a whole study answers within this many seconds (plus one RE2 call), or stops.
SEARCH_SECONDS = 5.0
MAX_PROGRAM = 200_000
MAX_MEMORY = 32 << 20
WINDOW = 64 << 10

_WORD = r"\p{L}\p{N}\p{M}_"
# Python's `\s` for str: str.isspace(); `\p{Z}` holds the no-break and typographic spaces.
_SPACE = r"\t-\r\x{1c}-\x{20}\x{85}\p{Z}"
_DIGIT = r"\p{Nd}"
# Inside a class `[...]` the class is spliced in; outside it becomes a class of its own.
_PERL_CLASSES = {"w": _WORD, "s": _SPACE, "d": _DIGIT}

_LINEAR = "Thematica matches regular expressions in linear time (RE2 syntax), which rules out {what}."
_RE2_ONLY = "Regular expressions here use RE2 syntax, which Thematica uses so that every search runs in linear time."
# RE2's "invalid perl operator" fragments, by construct.
_GROUP_CONSTRUCTS = {
    "(?=": ("Lookahead (?=…)", "lookaround"),
    "(?!": ("Negative lookahead (?!…)", "lookaround"),
    "(?<=": ("Lookbehind (?<=…)", "lookaround"),
    "(?<!": ("Negative lookbehind (?<!…)", "lookaround"),
    "(?>": ("The atomic group (?>…)", "backtracking control"),
    "(?(": ("The conditional (?(…)…|…)", "backtracking control"),
    "(?P": ("The backreference (?P=name)", "backreferences"),
    "(?#": ("The comment (?#…)", ""),
}


class PatternError(ValueError):
    """A pattern that cannot be run, or a search that ran out of time; the message says why."""


def _unsupported(construct: str, what: str = "") -> PatternError:
    """`what` names the family that linear time rules out; without it, RE2 merely lacks it."""
    if what:
        return PatternError(
            f"{construct} is not supported: {_LINEAR.format(what=what)} Rewrite the expression without it."
        )
    return PatternError(f"{construct} is not supported. {_RE2_ONLY}")


@dataclass(frozen=True)
class UserPattern:
    """A compiled user pattern. A regular expression's whole match is the hit. Words and phrases
    (`bounded`) match with the non-word character on either side, the phrase being group 1:
    the text is searched with a space added at each end, so that its edges count as boundaries."""

    expression: str
    regex: Any  # re2._Regexp: the package ships no type information
    bounded: bool = False

    def spans(self, text: str, *, deadline: float | None = None) -> Iterator[tuple[int, int]]:
        """Non-empty, non-overlapping hits in `text`, left to right, as code point offsets.

        RE2 runs on the UTF-8 bytes, encoded once: searching a `str` from a position would
        encode the whole text again for every hit. Raises PatternError once `deadline`
        (a `time.monotonic()` value) has passed."""
        data = b" " + text.encode("utf-8") + b" " if self.bounded else text.encode("utf-8")
        size = len(data)
        # Code point offset `mark_char` in `text` of byte offset `mark` in `data`, moved hit by hit.
        mark, mark_char = (1, 0) if self.bounded else (0, 0)
        floor = mark  # the next hit starts here or later
        while floor <= size:
            found = self._first(data, floor, deadline)
            if found is None:
                return
            start, end = found
            if start == end:  # an empty match (a* between two letters): step over one character
                floor = end + _char_length(data[end]) if end < size else size + 1
                continue
            mark_char += len(data[mark:start].decode("utf-8"))
            char_start = mark_char
            mark_char += len(data[start:end].decode("utf-8"))
            mark = floor = end
            yield char_start, mark_char

    def _first(self, data: bytes, floor: int, deadline: float | None) -> tuple[int, int] | None:
        """The first hit starting at byte `floor` or later, searched window by window."""
        size = len(data)
        # A phrase's leading boundary is the character before it, which may be the last
        # character of the previous hit (a phrase ending in an emoji, say): search from there.
        # The match consumes it, so the phrase itself starts at `floor` or later.
        pos = _char_start(data, floor - 1) if self.bounded else floor
        while True:
            if deadline is not None and _clock() > deadline:
                raise PatternError(
                    f"The search was stopped after {SEARCH_SECONDS:g} seconds: it matches too often in these "
                    "documents (a pattern that can match nothing, like a*, matches everywhere) or looks too far "
                    "ahead (like .* inside an optional part). Make it more specific."
                )
            endpos = size if pos + WINDOW >= size else _char_start(data, pos + WINDOW)
            cut = size if endpos == size else _char_start(data, endpos - WINDOW // 2)
            match = self.regex.search(data, pos, endpos)
            # A match starting before the cut is the one a search of the whole text finds, if it
            # is at most WINDOW/2 bytes long; a later one is searched again in the next window.
            if match is not None and (match.start() < cut or endpos == size):
                return match.span(1 if self.bounded else 0)  # type: ignore[no-any-return]
            if endpos == size:
                return None
            pos = cut


def _clock() -> float:
    return time.monotonic()


def _char_start(data: bytes, index: int) -> int:
    """The start of the UTF-8 character holding byte `index`."""
    while index > 0 and data[index] & 0xC0 == 0x80:
        index -= 1
    return index


def _char_length(lead: int) -> int:
    """Bytes of the UTF-8 character starting with byte `lead`."""
    return 1 if lead < 0x80 else 2 if lead < 0xE0 else 3 if lead < 0xF0 else 4


def search_deadline() -> float:
    """The deadline for one search of a study, for `UserPattern.spans`."""
    return _clock() + SEARCH_SECONDS


def compile_user_pattern(*, text: str, mode: str, case_sensitive: bool = False) -> UserPattern:
    """A keyword/phrase ("words"), a list of phrases ("phrases", one per line) or a regular
    expression ("regex", RE2 syntax), matched without regard to case unless `case_sensitive`."""
    text = text.strip()
    if not text:
        raise PatternError("Type something to search for.")
    limit = MAX_PHRASES_LENGTH if mode == "phrases" else MAX_PATTERN_LENGTH
    if len(text) > limit:
        raise PatternError(f"The search is too long: at most {limit:,} characters, this one has {len(text):,}.")
    if mode == "regex":
        expression = _translate(text)
        return UserPattern(expression, _compile(expression, case_sensitive))
    lines = text.splitlines() if mode == "phrases" else [text]
    # Longest first, so that "trust me" wins over "trust" where both match.
    phrases = sorted({" ".join(line.split()) for line in lines if line.strip()}, key=lambda p: (-len(p), p))
    words = "|".join(f"[{_SPACE}]+".join(re2.escape(word) for word in phrase.split(" ")) for phrase in phrases)
    expression = f"[^{_WORD}]({words})[^{_WORD}]"
    return UserPattern(expression, _compile(expression, case_sensitive), bounded=True)


def _compile(expression: str, case_sensitive: bool) -> Any:
    options = re2.Options()
    options.case_sensitive = case_sensitive
    options.log_errors = False  # the message goes to the user, not to stderr
    options.max_mem = MAX_MEMORY
    try:
        regex = re2._Regexp(expression, options)  # not re2.compile: see the module's docstring
    except re2.error as exc:
        raise _explain(exc) from exc
    if regex.programsize > MAX_PROGRAM:
        raise PatternError(
            f"The search is too complex to run: it compiles to {regex.programsize:,} steps, and the limit is "
            f"{MAX_PROGRAM:,}. Use smaller counts like {{n}}, fewer \\w or \\s, or fewer phrases."
        )
    return regex


def _explain(exc: Exception) -> PatternError:
    """RE2's error as a message naming the construct ("invalid perl operator: (?<!")."""
    raw = exc.args[0] if exc.args else ""
    message = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    kind, _, fragment = message.partition(": ")
    if kind == "invalid perl operator":
        for prefix, (construct, what) in sorted(_GROUP_CONSTRUCTS.items(), key=lambda item: -len(item[0])):
            if fragment.startswith(prefix):
                return _unsupported(construct, what)
        if fragment[2:3].isalpha():
            return PatternError(
                f"The flag {fragment}) is not supported: RE2 syntax has the flags i, m, s and U, as in (?i)."
            )
        return _unsupported(f"The group {fragment}…)")
    if kind == "invalid escape sequence":
        if fragment[1:2].isdigit() or fragment in ("\\g", "\\k"):
            return _unsupported(f"The backreference {fragment}", "backreferences")
        return _unsupported(f"The escape {fragment}")
    if kind == "bad repetition operator":
        if fragment.endswith("+"):
            return _unsupported(f"The possessive quantifier {fragment}", "backtracking control")
        return PatternError(f"Not a valid regular expression: {fragment} repeats a repetition.")
    if kind == "invalid repetition size":
        return PatternError(f"The repetition {fragment} is too large: RE2 counts up to 1000, nested counts multiplied.")
    if kind == "pattern too large - compile failed":
        return PatternError("The search is too large to run: use fewer or shorter phrases, or fewer repetitions.")
    return PatternError(f"Not a valid regular expression: {message}")


def _is_hex(digits: str, length: int) -> bool:
    return len(digits) == length and all(c in "0123456789abcdefABCDEF" for c in digits)


def _translate(text: str) -> str:
    """Python's regular expression dialect as RE2 reads it: Unicode `\\w \\d \\s` (and their
    negations), `\\Z` as RE2's `\\z`, `\\uXXXX`, `\\UXXXXXXXX` and `\\N{NAME}` as `\\x{...}`.
    `\\C` (one byte of UTF-8) is refused: a match could end inside a character; so are `\\b` and `\\B`,
    whose RE2 word boundary is ASCII-only and would match inside words such as "über"."""
    out: list[str] = []
    in_class = False
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char == "\\" and i + 1 < n:
            escape = text[i + 1]
            if escape == "Q":  # \Q...\E is literal text in RE2: copy it as it is
                end = text.find("\\E", i + 2)
                end = n if end < 0 else end + 2
                out.append(text[i:end])
                i = end
                continue
            i += 2
            if escape.lower() in _PERL_CLASSES:
                chars = _PERL_CLASSES[escape.lower()]
                if escape.islower():
                    out.append(chars if in_class else f"[{chars}]")
                elif escape == "D":
                    out.append(r"\P{Nd}")
                elif in_class:
                    raise PatternError(f"\\{escape} inside […] is not supported; write the class as [^…] instead.")
                else:
                    out.append(f"[^{chars}]")
            elif escape == "Z":
                out.append(r"\z")
            elif escape == "C":
                raise _unsupported("\\C (a single byte, which can split a character)")
            elif escape in "bB" and not in_class:
                # RE2's word boundary knows only a-z, 0-9 and _: `\bber\b` matched inside "über", so an
                # auto-code could code half a word. Refused rather than wrong.
                raise PatternError(
                    f"\\{escape} (a word boundary) is not supported: in RE2 it knows only a–z, 0–9 and _, so it "
                    "would match inside words such as “über”. Search in “a word or phrase” mode, which matches "
                    "whole words in every language."
                )
            elif escape in "uU" and _is_hex(
                digits := text[i : i + (4 if escape == "u" else 8)], 4 if escape == "u" else 8
            ):
                out.append(f"\\x{{{digits}}}")
                i += len(digits)
            elif escape == "N" and text[i : i + 1] == "{" and "}" in text[i:]:
                name = text[i + 1 : text.index("}", i)]
                try:
                    out.append(f"\\x{{{ord(unicodedata.lookup(name)):x}}}")
                except KeyError:
                    raise PatternError(f"\\N{{{name}}} is not a known character name.") from None
                i = text.index("}", i) + 1
            else:
                out.append(char + escape)
            continue
        if in_class:
            if text.startswith("[:", i) and ":]" in text[i + 2 :]:  # [[:alpha:]]
                end = text.index(":]", i + 2) + 2
                out.append(text[i:end])
                i = end
                continue
            in_class = char != "]"
        elif char == "[":
            in_class = True
            out.append(char)
            i += 1
            # "[]…]" and "[^]…]": a "]" first in the class is a character, not its end.
            for literal in ("^", "]"):
                if text[i : i + 1] == literal:
                    out.append(literal)
                    i += 1
            continue
        out.append(char)
        i += 1
    return "".join(out)
