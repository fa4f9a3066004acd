"""The model learned from a study's own coding: TF-IDF n-grams and one logistic regression per code.

    model = train(examples)              # Example(key, text, codes, negative_codes)
    model.enabled, model.counts          # codes with >= MIN_EXAMPLES positives; positives per code
    model.predict(texts)                 # {code_id: probabilities}, enabled codes only
    model.similar(texts, k=3)            # nearest coded training excerpts: the "similar to" evidence
    blob = model.dumps(); TrainedModel.loads(blob)

Features are the union of word unigrams and bigrams and character n-grams (2-5, within word
boundaries: ``char_wb``), each TF-IDF with sublinear term frequency and L2-normalised. Character
n-grams carry inflections and compounds ("explain", "explanations", "explainability") that word
features split apart; `evaluate_suggestions --features word|char|both` measures each (see
docs/benchmarks.md, "Code suggestions").

One binary classifier per enabled code (one-vs-rest, liblinear, seeded): every other example is a
negative for it, and an example whose suggestion of the code was rejected counts as a negative with
double weight (a researcher said "not this code" explicitly). Class weights are balanced, since a
code is rare among a study's sentences. A code with fewer than MIN_EXAMPLES positive examples gets
no classifier ("needs more examples").

Small and picklable: vocabularies are capped (`MAX_WORD_FEATURES`, `MAX_CHAR_FEATURES`), the
vectorisers' ``stop_words_`` (every pruned n-gram, often larger than the vocabulary) are dropped
after fitting, and the blob is zlib-compressed. The positive examples' TF-IDF rows of the first feature set
(words, unless the model is characters only) are kept, float32, for `similar`.

scikit-learn, numpy and scipy are imported inside functions and methods only.
"""

from __future__ import annotations

import pickle
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

MIN_EXAMPLES = 6
SEED = 0
MAX_WORD_FEATURES = 20_000
MAX_CHAR_FEATURES = 40_000
NEGATIVE_WEIGHT = 2.0
# Weak regularisation: measured best of 1, 4, 16 on the sample study (docs/benchmarks.md)
C = 16.0
FEATURES = ("both", "word", "char")
BLOB_FORMAT = 1


@dataclass(frozen=True)
class Example:
    """One training text: `codes` it was coded with, `negative_codes` suggested there and rejected.

    `key` links the evidence back: the uuid of a coding that made it a positive, or
    "transcript_id:start:end" for a sentence with no coding."""

    key: str
    text: str
    codes: frozenset[int]
    negative_codes: frozenset[int] = frozenset()


def _vectoriser(features: str) -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion

    parts = []
    if features in ("both", "word"):
        parts.append(
            (
                "word",
                TfidfVectorizer(
                    analyzer="word",
                    ngram_range=(1, 2),
                    sublinear_tf=True,
                    max_features=MAX_WORD_FEATURES,
                    token_pattern=r"(?u)\b\w+\b",  # noqa: S106 (a regex, not a password)
                    dtype=_float32(),
                ),
            )
        )
    if features in ("both", "char"):
        parts.append(
            (
                "char",
                TfidfVectorizer(
                    analyzer=char_wb_ngrams,
                    sublinear_tf=True,
                    max_features=MAX_CHAR_FEATURES,
                    dtype=_float32(),
                ),
            )
        )
    if not parts:
        raise ValueError(f"features must be one of {FEATURES}, not {features!r}")
    return FeatureUnion(parts)


CHAR_NGRAMS = (2, 5)


@lru_cache(maxsize=200_000)
def _word_ngrams(word: str) -> tuple[str, ...]:
    """The character n-grams of one word padded with spaces, as scikit-learn's ``char_wb`` makes them."""
    padded = f" {word} "
    low, high = CHAR_NGRAMS
    grams: list[str] = []
    for n in range(low, high + 1):
        if len(padded) <= n:
            grams.append(padded)  # the whole padded word counts once, for its first n that covers it
            break
        grams.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
    return tuple(grams)


def char_wb_ngrams(text: str) -> list[str]:
    """scikit-learn's ``analyzer="char_wb"`` with ``ngram_range=(2, 5)`` on lower-cased text, with each
    word's n-grams cached: words recur in speech, and making every n-gram of every word again was
    most of the time of suggesting for a transcript (bench/suggest_bench.py). Module-level, so a
    pickled model refers to it by name."""
    grams: list[str] = []
    for word in text.lower().split():
        grams.extend(_word_ngrams(word))
    return grams


def _float32() -> Any:
    import numpy

    return numpy.float32


@dataclass
class TrainedModel:
    """A study's trained model (see the module docstring). `counts` holds every code's positives,
    `enabled` the codes with a classifier."""

    counts: dict[int, int] = field(default_factory=dict)
    enabled: set[int] = field(default_factory=set)
    examples: int = 0
    features: str = "both"
    vectoriser: Any = None
    # code_id -> (coef float32 vector, intercept): a linear model is all predict needs.
    weights: dict[int, tuple[Any, float]] = field(default_factory=dict)
    # The positive examples for `similar`: L2-normalised TF-IDF rows, their keys and codes.
    positives: Any = None
    positive_keys: list[str] = field(default_factory=list)
    positive_codes: list[tuple[int, ...]] = field(default_factory=list)
    # How it was trained (stored in SuggestionModel.metrics).
    metrics: dict[str, Any] = field(default_factory=dict)

    def _transform(self, texts: list[str]) -> Any:
        """L2-normalised TF-IDF rows of `texts`; the last result is kept, since a run asks for
        `predict` and then `similar` of the same sentences (the transform is most of the cost)."""
        from sklearn.preprocessing import normalize

        key = tuple(texts)
        cached = self.__dict__.get("_last")
        if cached is not None and cached[0] == key:
            return cached[1]
        x = normalize(self.vectoriser.transform(texts)).astype("float32")
        self.__dict__["_last"] = (key, x)
        return x

    def _similarity_rows(self, texts: list[str]) -> Any:
        """The rows `similar` compares: the first feature set only (words, when the model has them).
        Word vectors are sparse, so comparing a transcript's sentences with every coded example is a
        cheap sparse product, and shared words are what makes an excerpt look similar to a reader."""
        from sklearn.preprocessing import normalize

        _, part = self.vectoriser.transformer_list[0]
        return normalize(part.transform(texts)).astype("float32")

    def predict(self, texts: list[str]) -> dict[int, np.ndarray]:
        """Probability of each enabled code for each text: {code_id: array of len(texts)}."""
        import numpy

        if not self.enabled or not texts:
            return {code: numpy.zeros(len(texts)) for code in sorted(self.enabled)}
        x = self._transform(texts)
        codes = sorted(self.enabled)
        coef = numpy.stack([self.weights[code][0] for code in codes], axis=1)
        intercept = numpy.array([self.weights[code][1] for code in codes])
        z = numpy.asarray(x @ coef, dtype="float64") + intercept
        probabilities = 1.0 / (1.0 + numpy.exp(-z))
        return {code: probabilities[:, i] for i, code in enumerate(codes)}

    def similar(self, texts: list[str], k: int = 3) -> list[list[tuple[str, int, float]]]:
        """For each text, its nearest positive training examples by cosine on TF-IDF: up to `k` per
        code, as (key, code_id, similarity), most similar first; similarities of 0 are left out."""
        import numpy

        result: list[list[tuple[str, int, float]]] = [[] for _ in texts]
        if self.positives is None or not texts or not self.positive_keys:
            return result
        sims = (self._similarity_rows(texts) @ self.positives.T).toarray()
        by_code: dict[int, list[int]] = {}
        for j, codes in enumerate(self.positive_codes):
            for code in codes:
                by_code.setdefault(code, []).append(j)
        for code, columns in by_code.items():
            cols = numpy.asarray(columns)
            sub = sims[:, cols]
            take = min(k, len(columns))
            # The k best columns of each row, then in order (argpartition keeps it linear).
            best = numpy.argpartition(-sub, take - 1, axis=1)[:, :take] if take < len(columns) else None
            if best is None:
                best = numpy.broadcast_to(numpy.arange(len(columns)), (len(texts), len(columns)))
            values = numpy.take_along_axis(sub, best, axis=1)
            order = numpy.argsort(-values, axis=1, kind="stable")
            best = numpy.take_along_axis(best, order, axis=1)
            values = numpy.take_along_axis(values, order, axis=1)
            keys = self.positive_keys
            for i, (row_best, row_values) in enumerate(zip(best.tolist(), values.tolist(), strict=True)):
                found = result[i]
                for j, sim in zip(row_best, row_values, strict=True):
                    if sim <= 0:
                        break
                    found.append((keys[columns[j]], code, round(sim, 4)))
        for found in result:
            found.sort(key=lambda item: -item[2])
        return result

    def status(self, code_id: int) -> tuple[str, int]:
        """("enabled", n) or ("needs more examples", n) for one code."""
        n = self.counts.get(code_id, 0)
        return ("enabled", n) if code_id in self.enabled else ("needs more examples", n)

    def dumps(self) -> bytes:
        """The model as bytes (zlib-compressed pickle) for SuggestionModel.blob."""
        state = {name: value for name, value in self.__dict__.items() if not name.startswith("_")}
        return zlib.compress(pickle.dumps((BLOB_FORMAT, state), protocol=pickle.HIGHEST_PROTOCOL), 6)

    @classmethod
    def loads(cls, blob: bytes) -> TrainedModel:
        """The model `dumps` stored. Only ever load blobs this application wrote (pickle)."""
        version, state = pickle.loads(zlib.decompress(bytes(blob)))  # noqa: S301 (our own blob)
        if version != BLOB_FORMAT:
            raise ValueError(f"suggestion model blob format {version} is not {BLOB_FORMAT}; retrain")
        model = cls()
        model.__dict__.update(state)
        return model


def code_counts(examples: list[Example]) -> dict[int, int]:
    """Positive examples per code."""
    counts: dict[int, int] = {}
    for example in examples:
        for code in example.codes:
            counts[code] = counts.get(code, 0) + 1
    return counts


def train(
    examples: list[Example], *, features: str = "both", min_examples: int = MIN_EXAMPLES, seed: int = SEED
) -> TrainedModel:
    """Train on `examples` (see the module docstring). Deterministic for the same examples and seed."""
    import numpy
    from sklearn.linear_model import LogisticRegression

    counts = code_counts(examples)
    enabled = {code for code, n in counts.items() if n >= min_examples}
    model = TrainedModel(counts=dict(sorted(counts.items())), enabled=enabled, examples=len(examples))
    model.features = features
    model.metrics = {"features": features, "c": C, "examples": len(examples), "min_examples": min_examples}
    texts = [e.text for e in examples]
    if not enabled or len(examples) < 2:
        model.enabled = set()
        return model
    model.vectoriser = _vectoriser(features)
    model.vectoriser.fit(texts)
    for _, part in model.vectoriser.transformer_list:
        part.stop_words_ = None  # every pruned n-gram: only needed for introspection, often large
    x = model._transform(texts)
    for code in sorted(enabled):
        y = numpy.array([1 if code in e.codes else 0 for e in examples])
        if y.min() == y.max():  # every example has the code: nothing to tell apart
            model.enabled.discard(code)
            continue
        weight = numpy.array(
            [NEGATIVE_WEIGHT if (code in e.negative_codes and code not in e.codes) else 1.0 for e in examples]
        )
        clf = LogisticRegression(class_weight="balanced", solver="liblinear", C=C, random_state=seed, max_iter=500)
        clf.fit(x, y, sample_weight=weight)
        model.weights[code] = (clf.coef_.ravel().astype("float32"), float(clf.intercept_[0]))
    rows = [i for i, e in enumerate(examples) if e.codes]
    model.positives = model._similarity_rows([texts[i] for i in rows]).tocsr()
    model.positive_keys = [examples[i].key for i in rows]
    model.positive_codes = [tuple(sorted(examples[i].codes)) for i in rows]
    return model
