"""Explaining a text classifier's decision for one sentence: its own n-gram contributions, LIME text,
deletion curves, and the smallest word edit that flips the decision.

Written against the study's code-suggestion model (`assist.suggest.model.TrainedModel`: TF-IDF word
uni/bigrams and character n-grams, L2-normalised, one logistic regression per code) but only through
`model.vectoriser` and `model.weights`, and against any `texts -> probabilities` callable for the rest.

- `contributions`: a linear model's logit is exactly the intercept plus coefficient × feature value
  summed over the n-grams present, so its own explanation is exact (no sampling). Each n-gram's
  share is then spread over the words it came from (a bigram half to each word, a character n-gram
  over the words it occurs in), so the word totals add up to the same logit: words are what a
  researcher can read and edit.
- `lime_explanation`: `lime.lime_text` on the probability, removing words (all occurrences of a
  word at once: ``bow=True``), a fixed seed so the page shows the same result twice.
- `deletion_curve`: the probability as words are deleted one after another in a given order; a
  faithful importance ranking brings the decision down in fewer deletions than a random order.
- `smallest_flip`: Organization E's attack in Bhatt et al. (importance-guided word deletion or
  substitution), as a greedy search: at each step every single deletion, and substitutions at the
  most important positions, are scored with the model, and the edit that moves the probability most
  towards the other side of the threshold is kept, until the decision flips. One edit is found
  whenever one deletion (or one of the tried substitutions) flips it; beyond that greedy is an upper
  bound on the smallest edit, not a proof of minimality.

numpy, scikit-learn and lime only; no Django.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

# The word vectoriser's tokens (`assist.suggest.model`: token_pattern r"(?u)\b\w+\b", lower-cased).
TOKEN = re.compile(r"(?u)\b\w+\b")
THRESHOLD = 0.5
POSITIONS = 6  # the tokens at which `smallest_flip` tries replacements
DELETIONS = 40  # the tokens at which it tries deletions (every token of a sentence up to 40 words)
Predict = Callable[[Sequence[str]], np.ndarray]


@dataclass(frozen=True)
class Token:
    """One word of the text as the model's word features see it: lower-cased `word`, its span."""

    word: str
    start: int
    end: int


def tokens(text: str) -> list[Token]:
    return [Token(m.group().lower(), m.start(), m.end()) for m in TOKEN.finditer(text)]


def probability(model: Any, code: int) -> Predict:
    """texts -> P(code) under `model` (a `TrainedModel`)."""

    def predict(texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros(0)
        return np.asarray(model.predict(list(texts))[code], dtype=float)

    return predict


# --- the model's own n-gram contributions -----------------------------------------------------------


@dataclass
class Contributions:
    """`features`: (kind, ngram, value, coefficient, contribution) for every n-gram present, by
    |contribution|; `words`: one total per token of `tokens` (same order); `unplaced`: the share of
    character n-grams made of punctuation only (no word to give it to). intercept + sum(words) +
    unplaced == logit."""

    intercept: float
    logit: float
    tokens: list[Token]
    words: np.ndarray
    unplaced: float
    features: list[tuple[str, str, float, float, float]]

    @property
    def probability(self) -> float:
        return float(1.0 / (1.0 + np.exp(-self.logit)))

    def by_word(self) -> dict[str, float]:
        """Totals per distinct (lower-cased) word: the unit LIME removes."""
        totals: dict[str, float] = {}
        for token, value in zip(self.tokens, self.words.tolist(), strict=True):
            totals[token.word] = totals.get(token.word, 0.0) + value
        return totals


def _feature_names(model: Any) -> list[tuple[str, np.ndarray]]:
    """Per part of the vectoriser: (part name, index -> n-gram). Cached on the model object (names
    with an underscore are not stored by `TrainedModel.dumps`)."""
    cached = model.__dict__.get("_sandbox_names")
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    parts = []
    for name, part in model.vectoriser.transformer_list:
        names = np.empty(len(part.vocabulary_), dtype=object)
        for gram, index in part.vocabulary_.items():
            names[index] = gram
        parts.append((name, names))
    model.__dict__["_sandbox_names"] = parts
    return parts


def _word_grams(word: str) -> tuple[str, ...]:
    from assist.suggest.model import _word_ngrams

    return _word_ngrams(word)


def contributions(model: Any, code: int, text: str) -> Contributions:
    """The exact decomposition of the model's logit for `code` on `text` (see the module docstring)."""
    from sklearn.preprocessing import normalize

    coef, intercept = model.weights[code]
    x = normalize(model.vectoriser.transform([text])).astype("float32").tocsr()
    toks = tokens(text)
    words = np.zeros(len(toks))
    unplaced = 0.0
    features: list[tuple[str, str, float, float, float]] = []
    index_of: dict[str, list[int]] = {}
    for i, token in enumerate(toks):
        index_of.setdefault(token.word, []).append(i)
    # Whitespace-separated words (what the character analyser splits on) and the tokens inside each.
    chunks = []
    k = 0  # tokens and whitespace-separated words are both in text order: one pass
    for match in re.finditer(r"\S+", text):
        while k < len(toks) and toks[k].start < match.start():
            k += 1
        inside = []
        while k < len(toks) and toks[k].end <= match.end():
            inside.append(k)
            k += 1
        chunks.append((_word_grams(match.group().lower()), inside))
    offset = 0
    columns, values = x.indices, x.data
    for name, names in _feature_names(model):
        width = len(names)
        mine = (columns >= offset) & (columns < offset + width)
        for column, value in zip(columns[mine].tolist(), values[mine].tolist(), strict=True):
            gram = str(names[column - offset])
            weight = float(coef[column])
            share = weight * float(value)
            if name == "char":
                features.append(("characters", gram.replace(" ", "␣"), float(value), weight, share))
                counts = [(grams.count(gram), inside) for grams, inside in chunks]
                total = sum(c for c, _ in counts)
                for count, inside in counts:
                    if not count:
                        continue
                    part = share * count / total
                    if inside:
                        words[inside] += part / len(inside)
                    else:
                        unplaced += part
                continue
            parts = gram.split(" ")
            kind = "word" if len(parts) == 1 else "word pair"
            features.append((kind, gram, float(value), weight, share))
            if len(parts) == 1:
                where = index_of.get(gram, [])
                if where:
                    words[where] += share / len(where)
                else:
                    unplaced += share
            else:
                starts = [i for i in range(len(toks) - 1) if toks[i].word == parts[0] and toks[i + 1].word == parts[1]]
                if not starts:
                    unplaced += share
                for i in starts:
                    words[i] += share / (2 * len(starts))
                    words[i + 1] += share / (2 * len(starts))
        offset += width
    features.sort(key=lambda f: -abs(f[4]))
    logit = float(intercept) + float(sum(f[4] for f in features))
    return Contributions(float(intercept), logit, toks, words, unplaced, features)


# --- LIME -----------------------------------------------------------------------------------------


@dataclass
class LimeResult:
    """LIME's weights by word (lower-cased, summed over case variants), best first by |weight|; its
    local model's intercept, its prediction for the whole sentence and its R² on the samples."""

    weights: list[tuple[str, float]]
    intercept: float
    local_prediction: float
    score: float
    samples: int


def lime_explanation(predict: Predict, text: str, *, num_samples: int, seed: int = 0) -> LimeResult:
    from lime.lime_text import LimeTextExplainer

    def classifier(texts: Sequence[str]) -> np.ndarray:
        p = predict(list(texts))
        return np.stack([1.0 - p, p], axis=1)

    explainer = LimeTextExplainer(class_names=["other", "code"], bow=True, random_state=seed)
    n_words = len({w for w in re.split(r"\W+", text) if w})
    explanation = explainer.explain_instance(
        text, classifier, labels=(1,), num_features=max(1, n_words), num_samples=num_samples
    )
    merged: dict[str, float] = {}
    for word, weight in explanation.as_list(label=1):
        key = str(word).lower()
        merged[key] = merged.get(key, 0.0) + float(weight)
    weights = sorted(merged.items(), key=lambda item: -abs(item[1]))
    local = explanation.local_pred
    return LimeResult(
        weights=weights,
        intercept=float(explanation.intercept[1]),
        local_prediction=float(np.ravel(local)[0]) if local is not None else float("nan"),
        score=float(explanation.score),
        samples=num_samples,
    )


def rank_agreement(a: dict[str, float], b: dict[str, float], top: int = 3) -> tuple[float, int]:
    """Spearman correlation of two word → weight maps over their common words, and how many of `a`'s
    `top` words pushing towards the code (positive) are among `b`'s."""
    from scipy.stats import spearmanr

    common = sorted(set(a) & set(b))
    if len(common) < 3:
        rho = float("nan")
    else:
        result = spearmanr([a[w] for w in common], [b[w] for w in common])
        rho = float(result.statistic)  # type: ignore[attr-defined]
    return rho, len(top_supporting(a, top) & top_supporting(b, top))


def top_supporting(weights: dict[str, float], top: int) -> set[str]:
    """The `top` words with the largest positive weight (pushing towards the code)."""
    ranked = sorted(weights.items(), key=lambda item: -item[1])
    return {word for word, value in ranked[:top] if value > 0}


# --- edits ----------------------------------------------------------------------------------------


def apply_edits(text: str, toks: Sequence[Token], edits: dict[int, str]) -> str:
    """`text` with token i replaced by edits[i] ("" deletes it, and one space next to it)."""
    out: list[str] = []
    position = 0
    for i in sorted(edits):
        token = toks[i]
        out.append(text[position : token.start])
        out.append(edits[i])
        position = token.end
    out.append(text[position:])
    edited = "".join(out)
    return re.sub(r"[ \t]{2,}", " ", edited).strip()


def describe(toks: Sequence[Token], text: str, index: int, replacement: str) -> str:
    original = text[toks[index].start : toks[index].end]
    return f"delete “{original}”" if replacement == "" else f"“{original}” → “{replacement}”"


def deletion_curve(predict: Predict, text: str, toks: Sequence[Token], order: Sequence[int]) -> np.ndarray:
    """P after deleting the first k tokens of `order`, k = 0..len(order) (one batch)."""
    texts = [text]
    for k in range(1, len(order) + 1):
        texts.append(apply_edits(text, toks, dict.fromkeys(order[:k], "")))
    return predict(texts)


def flips_at(curve: np.ndarray, threshold: float = THRESHOLD) -> int | None:
    """The first k at which the curve is on the other side of `threshold` from curve[0]."""
    above = curve[0] >= threshold
    for k, p in enumerate(curve.tolist()):
        if (p >= threshold) != above:
            return k
    return None


def substitutes(
    model: Any, code: int, *, towards: int, k: int = 10, allowed: set[str] | frozenset[str] | None = None
) -> list[str]:
    """Words of the model's own vocabulary (alphabetic, 3+ letters) whose word coefficient pushes
    hardest in direction `towards` (+1: towards the code, −1: away): the replacements tried. With
    `allowed` (lower-cased words of the study's current text), only those: a model trained before a
    de-identification still holds the names it replaced, which must not reappear as suggestions."""
    coef, _ = model.weights[code]
    parts = _feature_names(model)
    if parts[0][0] != "word":
        return []
    names = parts[0][1]
    weights = np.asarray(coef[: len(names)], dtype=float) * towards
    order = np.argsort(-weights, kind="stable")
    chosen: list[str] = []
    for index in order.tolist():
        if weights[index] <= 0:
            break
        word = str(names[index])
        if " " not in word and word.isalpha() and len(word) >= 3 and (allowed is None or word.lower() in allowed):
            chosen.append(word)
            if len(chosen) == k:
                break
    return chosen


@dataclass
class Flip:
    """The edit found: `edits` (token index → replacement, "" for a deletion) in the order made,
    `steps` (description, probability after, sentence after), the edited text, and whether it crossed the threshold.
    `evaluated`: texts scored during the search."""

    before: float
    after: float
    text: str
    flipped: bool
    edits: dict[int, str] = field(default_factory=dict)
    steps: list[tuple[str, float, str]] = field(default_factory=list)
    evaluated: int = 0


def smallest_flip(
    predict: Predict,
    text: str,
    toks: Sequence[Token],
    importance: np.ndarray,
    replacements: Sequence[str],
    *,
    threshold: float = THRESHOLD,
    max_edits: int = 5,
    positions: int = POSITIONS,
    deletions: int = DELETIONS,
    delete: bool = True,
    substitute: bool = True,
) -> Flip:
    """Greedy importance-guided search for the fewest word edits that move P across `threshold`
    (see the module docstring). `importance[i]`: token i's push towards the code (e.g. its
    `contributions` total); substitutions are tried at the `positions` tokens pushing hardest
    towards the current decision, deletions at the `deletions` most important ones (every token of a
    sentence that short)."""
    before = float(predict([text])[0])
    above = before >= threshold
    sign = 1.0 if above else -1.0  # the direction each edit should move P: down when above
    edits: dict[int, str] = {}
    current, p_current = text, before
    flip = Flip(before=before, after=before, text=text, flipped=False)
    flip.evaluated = 1
    for _ in range(max_edits):
        free = [i for i in range(len(toks)) if i not in edits]
        if not free:
            break
        candidates: list[tuple[int, str]] = []
        ranked = sorted(free, key=lambda i: -sign * float(importance[i]))
        if delete:
            candidates += [(i, "") for i in ranked[:deletions]]
        if substitute and replacements:
            for i in ranked[:positions]:
                candidates += [(i, word) for word in replacements if word != toks[i].word]
        if not candidates:
            break
        texts = [apply_edits(text, toks, {**edits, i: word}) for i, word in candidates]
        scores = predict(texts)
        flip.evaluated += len(texts)
        # Most movement towards the other side; among equals the most important word (so a plateau,
        # where no single edit moves the score, is crossed in importance order), then deleting (the
        # smaller change).
        best = min(
            range(len(candidates)),
            key=lambda j: (
                round(sign * float(scores[j]), 12),
                -sign * float(importance[candidates[j][0]]),
                candidates[j][1] != "",
                j,
            ),
        )
        i, word = candidates[best]
        moved = sign * (p_current - float(scores[best]))
        if moved < 0 or (moved == 0 and sign * float(importance[i]) <= 0):
            break  # it would move away, or nothing moves it and importance has nothing left to say
        edits[i] = word
        current, p_current = texts[best], float(scores[best])
        flip.steps.append((describe(toks, text, i, word), p_current, current))
        if (p_current >= threshold) != above:
            flip.flipped = True
            break
    flip.edits, flip.text, flip.after = edits, current, p_current
    return flip
