"""Correcting a transcript's canonical text without losing codings.

The text is the anchor of every coding, so it only changes here: a diff maps
every old offset to a new one; codings in unchanged text move exactly, codings
touching a changed region move best-effort and are flagged for review, and no
coding is ever dropped.
"""

from __future__ import annotations

import bisect
import hashlib
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import User
from studies.text import Removed, storable

from ..importers.canonical import normalise
from ..models import SpeakerTurn, Transcript

MAX_LOGGED_TEXT = 1_000_000
# SequenceMatcher's work is the (old element, equal new element) pairs it visits, again on every
# recursion: quadratic for a run of one character or of one repeated line (1M spaces pasted into
# a 195 KB text took 21 s). One correction may visit this many pairs (about 2 s); past the budget,
# or past MAX_DIFF_ELEMENTS elements, a changed region stays one replaced block: its codings are
# flagged for review and none is lost.
DIFF_BUDGET = 10_000_000
MAX_DIFF_ELEMENTS = 1_000_000
_LINES = re.compile(r"[^\n]*\n|[^\n]+")
_WORDS = re.compile(r"\s+|\S+")


@dataclass(frozen=True)
class Block:
    tag: str  # equal | replace | delete | insert
    old_start: int
    old_end: int
    new_start: int
    new_end: int


class StaleVersion(Exception):
    def __init__(self, current: int) -> None:
        self.current = current
        super().__init__(
            f"Someone saved a newer version of this text (version {current}) while you were editing; "
            "nothing was changed. Reload to see it, then make your correction again."
        )


def diff_blocks(old: str, new: str) -> list[Block]:
    """Character-level opcodes, in bounded time (see DIFF_BUDGET).

    The common start and end are found directly. The rest is compared line by line: lines found
    once on each side anchor the comparison (the "patience" diff), and between two anchors lines
    are paired one to one when both sides have as many, else matched by SequenceMatcher. Changed
    lines are then compared word by word, changed words character by character."""
    diff = _Diff(old, new)
    diff.region(0, len(old), 0, len(new), level=LINES)
    return diff.blocks


LINES, WORDS, CHARACTERS, WHOLE = range(4)


def _common_prefix(a: str, b: str) -> int:
    """The length of the common start of `a` and `b`: a binary search comparing slices (in C)."""
    low, high = 0, min(len(a), len(b))
    while low < high:
        middle = (low + high + 1) // 2
        if a[low:middle] == b[low:middle]:
            low = middle
        else:
            high = middle - 1
    return low


@dataclass
class _Diff:
    old: str
    new: str
    budget: int = DIFF_BUDGET
    blocks: list[Block] = field(default_factory=list)

    def add(self, tag: str, o1: int, o2: int, n1: int, n2: int) -> None:
        last = self.blocks[-1] if self.blocks else None
        if tag == "equal" and last is not None and last.tag == "equal" and last.old_end == o1 and last.new_end == n1:
            self.blocks[-1] = Block("equal", last.old_start, o2, last.new_start, n2)
        elif o2 > o1 or n2 > n1:
            self.blocks.append(Block(tag, o1, o2, n1, n2))

    def region(self, o1: int, o2: int, n1: int, n2: int, *, level: int) -> None:
        """Compare old[o1:o2] with new[n1:n2], at `level` once their common ends are set apart."""
        a, b = self.old[o1:o2], self.new[n1:n2]
        head = _common_prefix(a, b)
        tail = _common_prefix(a[head:][::-1], b[head:][::-1])
        if level == LINES:
            # Whole lines only: a common end that stops mid-line would leave part-lines, which
            # no longer match the lines they came from (a line moved would be paired wrongly).
            head = a.rfind("\n", 0, head) + 1
            tail = _line_tail(a, b, tail)
        self.add("equal", o1, o1 + head, n1, n1 + head)
        a1, a2, b1, b2 = o1 + head, o2 - tail, n1 + head, n2 - tail
        if a1 == a2:
            self.add("insert", a1, a1, b1, b2)
        elif b1 == b2:
            self.add("delete", a1, a2, b1, b1)
        elif level == LINES:
            self.lines(a1, a2, b1, b2)
        elif level == WHOLE:
            self.add("replace", a1, a2, b1, b2)
        else:
            parts = _WORDS.findall if level == WORDS else list
            self.matched(parts(self.old[a1:a2]), a1, parts(self.new[b1:b2]), b1, level)
        self.add("equal", o2 - tail, o2, n2 - tail, n2)

    def lines(self, o1: int, o2: int, n1: int, n2: int) -> None:
        a, b = _LINES.findall(self.old[o1:o2]), _LINES.findall(self.new[n1:n2])
        a_pos, b_pos = _positions(a, o1), _positions(b, n1)
        i = j = 0
        for anchor_i, anchor_j in [*_unique_anchors(a, b), (len(a), len(b))]:
            if anchor_i - i == anchor_j - j and not _shifted(a[i:anchor_i], b[j:anchor_j]):
                # As many lines on each side, none found again elsewhere on the other side: each
                # line was corrected in place. (A line deleted here and another inserted there
                # also leave as many lines; pairing those in place would move codings onto the
                # wrong line, so a line seen at another position sends them to the matcher.)
                for k in range(anchor_i - i):
                    self.region(a_pos[i + k], a_pos[i + k + 1], b_pos[j + k], b_pos[j + k + 1], level=WORDS)
            else:
                self.matched(a[i:anchor_i], a_pos[i], b[j:anchor_j], b_pos[j], LINES)
            if anchor_i < len(a):
                self.add("equal", a_pos[anchor_i], a_pos[anchor_i + 1], b_pos[anchor_j], b_pos[anchor_j + 1])
            i, j = anchor_i + 1, anchor_j + 1

    def matched(self, a: Sequence[str], o1: int, b: Sequence[str], n1: int, level: int) -> None:
        """SequenceMatcher on the parts `a` (starting at old offset o1) and `b` (at new offset n1)."""
        a_pos, b_pos = _positions(a, o1), _positions(b, n1)
        if not a or not b or len(a) + len(b) > MAX_DIFF_ELEMENTS:
            self.add("replace", o1, a_pos[-1], n1, b_pos[-1])
            return
        matcher = _BudgetedMatcher(a, b, self.budget)
        try:
            opcodes = matcher.get_opcodes()
        except _OverBudget:
            self.budget = 0
            self.add("replace", o1, a_pos[-1], n1, b_pos[-1])
            return
        self.budget = matcher.budget
        for tag, i1, i2, j1, j2 in opcodes:
            if tag == "replace":
                self.region(a_pos[i1], a_pos[i2], b_pos[j1], b_pos[j2], level=level + 1)
            else:
                self.add(tag, a_pos[i1], a_pos[i2], b_pos[j1], b_pos[j2])


def _line_tail(a: str, b: str, tail: int) -> int:
    """The longest common end of `a` and `b`, at most `tail` long, that starts a line in both."""
    while tail:
        start_a, start_b = len(a) - tail, len(b) - tail
        if (start_a == 0 or a[start_a - 1] == "\n") and (start_b == 0 or b[start_b - 1] == "\n"):
            return tail
        newline = a.find("\n", start_a, len(a))
        if newline == -1:
            return 0
        tail = len(a) - newline - 1
    return 0


def _shifted(a: Sequence[str], b: Sequence[str]) -> bool:
    """Whether a line of `a` that changed in place (a[k] != b[k]) occurs elsewhere in `b`: then it
    moved rather than changed. (Lines equal at their own position, blank separators say, do not.)"""
    lines_b = set(b)
    return any(line != b[k] and line in lines_b for k, line in enumerate(a))


def _unique_anchors(a: list[str], b: list[str]) -> list[tuple[int, int]]:
    """Pairs (i, j) of lines a[i] == b[j] found once on each side, the longest run of them in the
    same order on both sides (a longest increasing subsequence, O(n log n))."""
    count_a, count_b = Counter(a), Counter(b)
    where_b = {line: j for j, line in enumerate(b) if count_b[line] == 1}
    pairs = [(i, where_b[line]) for i, line in enumerate(a) if count_a[line] == 1 and line in where_b]
    tails: list[int] = []  # tails[k]: the smallest last j of an increasing run of length k + 1
    tail_index: list[int] = []  # the index into `pairs` of that last pair
    previous = [-1] * len(pairs)
    for index, (_, j) in enumerate(pairs):
        k = bisect.bisect_left(tails, j)
        if k == len(tails):
            tails.append(j)
            tail_index.append(index)
        else:
            tails[k], tail_index[k] = j, index
        previous[index] = tail_index[k - 1] if k else -1
    run: list[tuple[int, int]] = []
    index = tail_index[-1] if tail_index else -1
    while index >= 0:
        run.append(pairs[index])
        index = previous[index]
    return run[::-1]


class _OverBudget(Exception):
    pass


class _BudgetedMatcher(SequenceMatcher):  # type: ignore[type-arg]
    """A SequenceMatcher that stops (_OverBudget) before visiting more than `budget` pairs.

    `find_longest_match(alo, ahi, ...)` visits, for each old element in alo..ahi, the positions of
    that element on the new side (up to `bhi`): at most a count known before it starts."""

    def __init__(self, a: Sequence[str], b: Sequence[str], budget: int) -> None:
        super().__init__(None, a, b, autojunk=False)
        self.budget = budget
        positions: dict[str, list[int]] = self.b2j  # type: ignore[attr-defined]  # documented, not typed
        visits = [0]
        for element in a:
            visits.append(visits[-1] + len(positions.get(element, ())))
        self.visits = visits
        self.size = len(a)

    def find_longest_match(self, alo: int = 0, ahi: int | None = None, blo: int = 0, bhi: int | None = None):  # type: ignore[no-untyped-def]
        end = self.size if ahi is None else ahi
        self.budget -= self.visits[end] - self.visits[alo]
        if self.budget < 0:
            raise _OverBudget
        return super().find_longest_match(alo, ahi, blo, bhi)


def _positions(parts: Sequence[str], start: int) -> list[int]:
    positions = [start]
    for part in parts:
        positions.append(positions[-1] + len(part))
    return positions


class OffsetMap:
    def __init__(self, blocks: list[Block]) -> None:
        self.blocks = [b for b in blocks if b.old_end > b.old_start or b.new_end > b.new_start]
        self.starts = [b.old_start for b in self.blocks]
        self.changes = [b for b in self.blocks if b.tag != "equal"]
        self.change_ends = [b.old_end for b in self.changes]

    def map(self, position: int, *, is_end: bool) -> int:
        index = bisect.bisect_right(self.starts, position) - 1
        # An end offset belongs to the block it closes, not to the one that starts there.
        if is_end and index > 0 and self.blocks[index].old_start == position:
            index -= 1
        index = max(0, index)
        if not self.blocks:
            return position
        block = self.blocks[index]
        if block.tag == "equal":
            return block.new_start + min(position - block.old_start, block.new_end - block.new_start)
        return block.new_end if is_end else block.new_start

    def touches_change(self, start: int, end: int) -> bool:
        # Changes are in text order and do not overlap: the first one ending after `start` is the
        # only one that can touch the span (a search, not a scan of every change per coding).
        index = bisect.bisect_right(self.change_ends, start)
        if index == len(self.changes):
            return False
        block = self.changes[index]
        if block.tag == "insert":
            return start < block.old_start < end
        return block.old_start < end


@dataclass
class CorrectionOutcome:
    moved: int
    flagged: int
    unchanged: int
    version: int
    warnings: list[str] = field(default_factory=list)  # e.g. characters that cannot be stored, removed


def corrected_text(new_text: str) -> tuple[str, list[str]]:
    """The text a correction stores: normalised, without the characters PostgreSQL cannot store
    (NUL, lone surrogates: `studies.text`), and a warning for the user when some were removed."""
    removed = Removed()
    text = storable(normalise(new_text), removed)
    return text, [removed.warning()] if removed else []


def preview_correction(*, transcript: Transcript, new_text: str, limit: int = 200) -> list[tuple[str, str]]:
    """The changed passages (old, new) that saving `new_text` would make, after normalisation."""
    candidate, _ = corrected_text(new_text)
    changes = []
    for block in diff_blocks(transcript.text, candidate):
        if block.tag != "equal":
            changes.append(
                (transcript.text[block.old_start : block.old_end], candidate[block.new_start : block.new_end])
            )
            if len(changes) >= limit:
                break
    return changes


def exact_edits(old: str, new: str, edits: Sequence[Block]) -> list[Block] | None:
    """`edits` if they are the exact blocks from `old` to `new` (in order, covering both texts, equal
    blocks equal), else None. A caller that made the text itself (de-identification replaces known
    spans) knows its edits; a diff could pair a replaced name with other words."""
    old_at = new_at = 0
    for block in edits:
        if (block.old_start, block.new_start) != (old_at, new_at) or block.old_end < block.old_start:
            return None
        if block.tag == "equal" and old[block.old_start : block.old_end] != new[block.new_start : block.new_end]:
            return None
        old_at, new_at = block.old_end, block.new_end
    return list(edits) if (old_at, new_at) == (len(old), len(new)) else None


def _cuts_change(blocks: list[Block]) -> Callable[[int, int], bool]:
    """With exact edits, a coding needs review only when one of its ends falls inside a changed
    block: a coding around a replaced name moves exactly, with the name replaced inside it."""
    changes = [b for b in blocks if b.tag != "equal"]
    starts = [b.old_start for b in changes]

    def cut(start: int, end: int) -> bool:
        for position in (start, end):
            index = bisect.bisect_left(starts, position) - 1  # the last change starting before it
            if index >= 0 and position < changes[index].old_end:
                return True
        return False

    return cut


@transaction.atomic
def correct_transcript(
    *,
    transcript: Transcript,
    new_text: str,
    user: User | None,
    expected_version: int,
    edits: Sequence[Block] | None = None,
    record_text: bool = True,
) -> CorrectionOutcome:
    """Save a new text version; every coding is re-anchored onto it by `coding`'s service.

    `edits`: the exact blocks from the current text to `new_text`, when the caller knows them (see
    `exact_edits`); they are used instead of a diff if they check out, else the text is diffed.
    `record_text=False`: the history entry keeps no copy of the old text (de-identification: the
    text it replaces holds the names it removes, which must not stay readable in the history)."""
    from coding.services.history import new_batch, record
    from coding.services.reanchor import reanchor_codings

    locked = Transcript.objects.select_for_update().get(pk=transcript.pk)
    if locked.text_version != expected_version:
        raise StaleVersion(locked.text_version)
    new, warnings = corrected_text(new_text)
    if not new.strip():
        raise ValidationError("The corrected text is empty; delete the document instead if that is what you mean.")
    old = locked.text
    if new == old:
        return CorrectionOutcome(0, 0, 0, locked.text_version, warnings)
    known = exact_edits(old, new, edits) if edits is not None and new == new_text else None
    offsets = OffsetMap(known if known is not None else diff_blocks(old, new))
    touches = _cuts_change(offsets.blocks) if known is not None else offsets.touches_change
    old_version = locked.text_version
    batch = new_batch()

    def map_span(start: int, end: int) -> tuple[int, int, bool]:
        return (offsets.map(start, is_end=False), offsets.map(end, is_end=True), touches(start, end))

    placed = reanchor_codings(
        transcript=locked, old_version=old_version, new_version=old_version + 1, new_length=len(new),
        map_span=map_span, batch=batch,
    )  # fmt: skip
    # Decided code suggestions move with the text too (a rejection must outlive a correction).
    from assist.suggestions import carry_decided

    carry_decided(
        transcript=locked, old_version=old_version, new_version=old_version + 1, new_length=len(new),
        map_span=map_span,
    )  # fmt: skip

    turns = list(SpeakerTurn.objects.filter(transcript=locked).order_by("index"))
    previous_end = 0
    for turn in turns:
        turn.start = max(previous_end, offsets.map(turn.start, is_end=False))
        turn.end = max(turn.start, offsets.map(turn.end, is_end=True))
        previous_end = turn.end
    SpeakerTurn.objects.bulk_update(turns, ["start", "end"], batch_size=1000)

    locked.text = new
    locked.text_version = old_version + 1
    locked.text_sha256 = hashlib.sha256(new.encode()).hexdigest()
    locked.char_count = len(new)
    locked.word_count = sum(len(new[t.start : t.end].split()) for t in turns) if turns else len(new.split())
    locked.save(update_fields=["text", "text_version", "text_sha256", "char_count", "word_count", "updated_at"])
    record(
        study=locked.study,
        user=user,
        action="correct_transcript",
        object_type="transcript",
        object_uuid=locked.uuid,
        summary=f"corrected “{locked.title}”: {placed.moved} codings moved, {placed.flagged} flagged for review",
        before={"version": old_version, "text": old if record_text and len(old) <= MAX_LOGGED_TEXT else None},
        after={"version": locked.text_version, "sha256": locked.text_sha256},
        batch=batch,
    )
    # The stored sentences and technique mentions are of the old text: a job finds them again.
    from assist.services import queue_after_text_change

    queue_after_text_change(locked, user=user)
    transcript.text, transcript.text_version = locked.text, locked.text_version
    return CorrectionOutcome(placed.moved, placed.flagged, placed.unchanged, locked.text_version, warnings)
