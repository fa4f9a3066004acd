"""Hostile-input benchmark: user patterns, the correction diff and import normalisation.

    .venv/bin/python bench/hostile_bench.py

Each figure has its baseline measured in the same run:
1. Pattern `(.|.)*#` (exponential in a backtracking engine) on 22 letters: Python's `re`, the engine
   searches used before, against `coding.patterns` (RE2, windows, time budget); then RE2 on 5 MB.
2. Ordinary searches over 5 MB of interview-like text, `model\\w*` (116,278 hits) and `zebra\\w*` (none):
   Python's `re` against `coding.patterns`, to show what linear time costs on benign input.
3. The correction diff (what **Correct text** previews and saves) of a 195 KB transcript body in which
   one line gains 200,000 spaces: the previous algorithm (difflib by line, then by character within
   changed lines, reproduced below) against `interviews.services.corrections.diff_blocks`.
4. Import normalisation: a .txt of 1,000,000 spaces plus one 5 MB line through `parse_document`;
   baseline: the same number of bytes of ordinary prose.
Prints each figure; the last line is `name=value` pairs (milliseconds unless named otherwise).
"""

from __future__ import annotations

import re
import statistics
import time
from collections.abc import Callable
from difflib import SequenceMatcher

from _django import setup


def once_ms(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def median_ms(fn: Callable[[], object], runs: int = 5) -> float:
    return statistics.median(once_ms(fn) for _ in range(runs))


def previous_diff(old: str, new: str) -> int:
    """The correction diff before the hardening issue: lines by difflib, then characters within
    changed lines by difflib with no bound. Returns the number of opcodes."""
    old_lines, new_lines = old.splitlines(keepends=True), new.splitlines(keepends=True)
    old_pos, new_pos = [0], [0]
    for line in old_lines:
        old_pos.append(old_pos[-1] + len(line))
    for line in new_lines:
        new_pos.append(new_pos[-1] + len(line))
    count = 0
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, old_lines, new_lines, autojunk=False).get_opcodes():
        if tag != "replace":
            count += 1
            continue
        o1, o2, n1, n2 = old_pos[i1], old_pos[i2], new_pos[j1], new_pos[j2]
        count += len(SequenceMatcher(None, old[o1:o2], new[n1:n2], autojunk=False).get_opcodes())
    return count


def main() -> None:
    setup()
    from coding.patterns import compile_user_pattern
    from interviews.importers import parse_document
    from interviews.services.corrections import diff_blocks

    figures: dict[str, str] = {}

    # 1. Catastrophic backtracking.
    hostile = "a" * 22
    python_re = re.compile(r"(.|.)*#", re.IGNORECASE)
    user = compile_user_pattern(text=r"(.|.)*#", mode="regex")
    figures["backtrack_re_ms"] = f"{once_ms(lambda: python_re.search(hostile)):.0f}"
    figures["backtrack_re2_ms"] = f"{median_ms(lambda: list(user.spans(hostile))):.3f}"
    five_mb = "a" * 5_000_000
    figures["backtrack_re2_5mb_ms"] = f"{once_ms(lambda: list(user.spans(five_mb))):.0f}"
    print(f"(.|.)*# on 22 letters: re {figures['backtrack_re_ms']} ms, RE2 {figures['backtrack_re2_ms']} ms; "
          f"RE2 on 5 MB: {figures['backtrack_re2_5mb_ms']} ms")  # fmt: skip

    # 2. A benign search over 5 MB.
    sentence = "We trained the model, then the modelling team checked SHAP plots with the clinicians. "
    corpus = sentence * (5_000_000 // len(sentence))
    benign_re = re.compile(r"model\w*", re.IGNORECASE)
    benign = compile_user_pattern(text=r"model\w*", mode="regex")
    hits_re = sum(1 for _ in benign_re.finditer(corpus))
    hits_re2 = sum(1 for _ in benign.spans(corpus))
    assert hits_re == hits_re2, (hits_re, hits_re2)
    figures["search_re_ms"] = f"{median_ms(lambda: sum(1 for _ in benign_re.finditer(corpus)), 3):.0f}"
    figures["search_re2_ms"] = f"{median_ms(lambda: sum(1 for _ in benign.spans(corpus)), 3):.0f}"
    print(f"model\\w* over 5 MB ({hits_re:,} hits): re {figures['search_re_ms']} ms, "
          f"RE2 {figures['search_re2_ms']} ms")  # fmt: skip
    absent_re = re.compile(r"zebra\w*", re.IGNORECASE)
    absent = compile_user_pattern(text=r"zebra\w*", mode="regex")
    figures["search_nohits_re_ms"] = f"{median_ms(lambda: sum(1 for _ in absent_re.finditer(corpus)), 3):.0f}"
    figures["search_nohits_re2_ms"] = f"{median_ms(lambda: sum(1 for _ in absent.spans(corpus)), 3):.0f}"
    print(f"zebra\\w* over 5 MB (no hits): re {figures['search_nohits_re_ms']} ms, "
          f"RE2 {figures['search_nohits_re2_ms']} ms")  # fmt: skip

    # 3. The correction diff.
    turn = "P3: We mostly used SHAP for debugging and LIME when the clinicians asked why.\n\n"
    body = turn * (195_000 // len(turn))
    lines = body.split("\n")
    lines[len(lines) // 2] += " " * 200_000 + "x"
    corrected = "\n".join(lines)
    figures["diff_previous_ms"] = f"{once_ms(lambda: previous_diff(body, corrected)):.0f}"
    figures["diff_ms"] = f"{median_ms(lambda: diff_blocks(body, corrected), 3):.1f}"
    print(f"Correction diff, 195 KB + 200,000 spaces on one line: previous {figures['diff_previous_ms']} ms, "
          f"now {figures['diff_ms']} ms")  # fmt: skip

    # 4. Import normalisation.
    spaces = ("Interviewer: Hello?\n\nP1: " + " " * 1_000_000 + "Hi.\n\nP1: " + "word " * 1_000_000 + "\n").encode()
    prose = (("Interviewer: How do you explain models?\n\nP1: " + "We use SHAP plots. " * 40 + "\n\n")
             * (len(spaces) // 820 + 1))[: len(spaces)].encode()  # fmt: skip
    limit = 50 * 1024 * 1024
    figures["import_prose_ms"] = f"{median_ms(lambda: parse_document('p.txt', prose, max_bytes=limit), 3):.0f}"
    figures["import_hostile_ms"] = f"{median_ms(lambda: parse_document('h.txt', spaces, max_bytes=limit), 3):.0f}"
    print(f"parse_document, {len(spaces) / 1e6:.1f} MB: ordinary prose {figures['import_prose_ms']} ms, "
          f"1M spaces + a 5 MB line {figures['import_hostile_ms']} ms")  # fmt: skip

    print(" ".join(f"{name}={value}" for name, value in figures.items()))


if __name__ == "__main__":
    main()
