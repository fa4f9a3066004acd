"""Correcting a transcript's canonical text without losing codings.

The text is the anchor of every coding, so it only changes here: a diff maps
every old offset to a new one; codings in unchanged text move exactly, codings
touching a changed region move best-effort and are flagged for review, and no
coding is ever dropped.
"""

from __future__ import annotations

import bisect
import hashlib
from dataclasses import dataclass
from difflib import SequenceMatcher

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import User

from ..importers.canonical import normalise
from ..models import SpeakerTurn, Transcript

MAX_LOGGED_TEXT = 1_000_000


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
    """Character-level opcodes, computed line by line first so long transcripts stay fast."""
    old_lines = old.splitlines(keepends=True)
    new_lines = new.splitlines(keepends=True)
    old_pos = [0]
    for line in old_lines:
        old_pos.append(old_pos[-1] + len(line))
    new_pos = [0]
    for line in new_lines:
        new_pos.append(new_pos[-1] + len(line))
    blocks: list[Block] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, old_lines, new_lines, autojunk=False).get_opcodes():
        o1, o2, n1, n2 = old_pos[i1], old_pos[i2], new_pos[j1], new_pos[j2]
        if tag != "replace":
            blocks.append(Block(tag, o1, o2, n1, n2))
            continue
        # Within changed lines, find the characters that really changed.
        for sub, a1, a2, b1, b2 in SequenceMatcher(None, old[o1:o2], new[n1:n2], autojunk=False).get_opcodes():
            blocks.append(Block(sub, o1 + a1, o1 + a2, n1 + b1, n1 + b2))
    return blocks


class OffsetMap:
    def __init__(self, blocks: list[Block]) -> None:
        self.blocks = [b for b in blocks if b.old_end > b.old_start or b.new_end > b.new_start]
        self.starts = [b.old_start for b in self.blocks]
        self.changes = [b for b in self.blocks if b.tag != "equal"]

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
        for block in self.changes:
            if block.tag == "insert":
                if start < block.old_start < end:
                    return True
            elif block.old_start < end and start < block.old_end:
                return True
        return False


@dataclass
class CorrectionOutcome:
    moved: int
    flagged: int
    unchanged: int
    version: int


def preview_correction(*, transcript: Transcript, new_text: str, limit: int = 200) -> list[tuple[str, str]]:
    """The changed passages (old, new) that saving `new_text` would make, after normalisation."""
    candidate = normalise(new_text)
    changes = []
    for block in diff_blocks(transcript.text, candidate):
        if block.tag != "equal":
            changes.append(
                (transcript.text[block.old_start : block.old_end], candidate[block.new_start : block.new_end])
            )
            if len(changes) >= limit:
                break
    return changes


@transaction.atomic
def correct_transcript(
    *, transcript: Transcript, new_text: str, user: User | None, expected_version: int
) -> CorrectionOutcome:
    """Save a new text version; every coding is re-anchored onto it by `coding`'s service."""
    from coding.services.history import new_batch, record
    from coding.services.reanchor import reanchor_codings

    locked = Transcript.objects.select_for_update().get(pk=transcript.pk)
    if locked.text_version != expected_version:
        raise StaleVersion(locked.text_version)
    new = normalise(new_text)
    if not new.strip():
        raise ValidationError("The corrected text is empty; delete the document instead if that is what you mean.")
    old = locked.text
    if new == old:
        return CorrectionOutcome(0, 0, 0, locked.text_version)
    offsets = OffsetMap(diff_blocks(old, new))
    old_version = locked.text_version
    batch = new_batch()

    def map_span(start: int, end: int) -> tuple[int, int, bool]:
        return (
            offsets.map(start, is_end=False),
            offsets.map(end, is_end=True),
            offsets.touches_change(start, end),
        )

    placed = reanchor_codings(
        transcript=locked, old_version=old_version, new_version=old_version + 1, new_length=len(new),
        map_span=map_span, batch=batch,
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
        before={"version": old_version, "text": old if len(old) <= MAX_LOGGED_TEXT else None},
        after={"version": locked.text_version, "sha256": locked.text_sha256},
        batch=batch,
    )
    transcript.text, transcript.text_version = locked.text, locked.text_version
    return CorrectionOutcome(placed.moved, placed.flagged, placed.unchanged, locked.text_version)
