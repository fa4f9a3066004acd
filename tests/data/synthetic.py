"""Synthetic interviews for benchmarks and performance tests (clearly not real data)."""

from __future__ import annotations

import random

VOCABULARY = [
    "model",
    "explanation",
    "shap",
    "lime",
    "counterfactual",
    "trust",
    "data",
    "users",
    "debugging",
    "feature",
    "importance",
    "the",
    "a",
    "we",
    "they",
    "use",
    "because",
    "regulators",
    "customers",
    "risk",
    "team",
    "deploy",
    "monitor",
    "drift",
    "fairness",
    "bias",
]


def synthetic_transcript(rng: random.Random, words: int, speakers: tuple[str, str] = ("Interviewer", "P1")) -> str:
    """Alternating `Speaker: ...` turns of 20-120 words, `words` words in all, blank lines between."""
    turns: list[str] = []
    used = 0
    while used < words:
        n = min(rng.randint(20, 120), words - used)
        turns.append(f"{speakers[len(turns) % 2]}: " + " ".join(rng.choice(VOCABULARY) for _ in range(n)))
        used += n
    return "\n\n".join(turns)


def random_spans(rng: random.Random, length: int, count: int, longest: int = 400) -> list[tuple[int, int]]:
    """`count` overlapping [start, end) spans inside a text of `length` code points."""
    spans = []
    for _ in range(count):
        start = rng.randrange(0, max(1, length - longest))
        spans.append((start, start + rng.randint(5, longest)))
    return spans
