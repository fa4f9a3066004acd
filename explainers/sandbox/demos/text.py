"""Demos on the study's own code-suggestion model: why a code was suggested for a sentence, and the
smallest edit that changes the suggestion.

The model is the study's current `assist.models.SuggestionModel` (the one suggestion runs use),
loaded once per version and process (`_model`). A sentence comes from the "text" option or, by
default, from the study's own processed transcripts: the one the model suggests a code for that is
nearest to `TYPICAL` probability, a clear suggestion that is not saturated (at 0.999 every single
word looks unimportant to a method that explains the probability, such as LIME). The "code" option
names the code to explain (by name or id); by default the code the model rates highest for the
sentence.

"Suggested" here means the classifier's own decision, a probability of at least 0.5 (the
"medium" band of the suggestion queue; a run also stores lower ones, as "low").

No second, bundled text set: no labelled text corpus was found inside a PyPI package that installs
cleanly and loads without a download (scikit-learn's 20 newsgroups and nltk's corpora fetch theirs
at run time), so the text demos explain the study's own model only.
"""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..base import Block, ChartSpec, Demo, DemoRequest, DemoResult, Option, Prediction, register
from ..methods import text as methods

DATASET = "study-text"
MODEL = "suggestions"
TYPICAL = 0.8
MAX_TEXT = 600
# Sentences scanned for the default (transcripts in id order): bounded, so the first request of a
# large study stays well under a second.
SCAN_TRANSCRIPTS = 40
SCAN_SENTENCES = 1500
MIN_WORDS, MAX_WORDS = 5, 60
# LIME's samples: 1000 take about 0.1 s with this model on the 2-core machine (docs/benchmarks.md);
# its own default, 5000, about 0.5 s.
LIME_SAMPLES = 1000
FLIP_LIME_SAMPLES = 500
# The model's cost grows with samples × words (each sample is the sentence with words removed), so a
# long text gets fewer samples: 1000 for up to 40 words (docs/benchmarks.md).
WORD_SAMPLES = 40_000
# The same for the edits the flip search scores at each step (words × edited sentences): every
# deletion of a sentence up to 40 words, fewer positions in a longer text.
STEP_WORDS = 1600
RANDOM_ORDERS = 5
CURVE_STEPS = 10

NO_STUDY = "These demos explain a study's own code-suggestion model; open them from a study."
NO_MODEL = (
    "This study has no trained code-suggestion model yet, so there is no suggestion to explain. A model "
    "is trained once some code has at least 6 coded sentences (Suggestions → Retrain now)."
)

_lock = threading.Lock()
# Keyed by the study's uuid (never reused, unlike a pk after a rolled-back test) and model version;
# the sentences also by the text version of each transcript they come from (`study_sentences`).
_models: OrderedDict[tuple[str, int], Any] = OrderedDict()
_sentences: OrderedDict[tuple[str, int, tuple[tuple[int, int], ...]], tuple[list[str], dict[int, np.ndarray]]] = (
    OrderedDict()
)
CACHED = 4


@dataclass
class Context:
    """What a text demo explains: the model, its code, the sentence."""

    model: Any
    version: int
    codes: dict[int, str]  # enabled live codes: id -> name
    code: int
    text: str
    scores: dict[int, float]
    notes: list[str]

    @property
    def name(self) -> str:
        return self.codes[self.code]

    @property
    def p(self) -> float:
        return self.scores[self.code]

    def prediction(self) -> Prediction:
        ranked = sorted(self.scores.items(), key=lambda item: -item[1])[:5]
        # The page reads "The model predicts <label>": the code, or "not <code>" below the threshold.
        label = self.name if self.p >= methods.THRESHOLD else f"not {self.name}"
        return Prediction(
            label=label, value=self.p, target=self.name, scores={self.codes[c]: round(p, 4) for c, p in ranked}
        )

    def instance(self) -> dict[str, Any]:
        return {"sentence": self.text, "code": self.name, "model": f"v{self.version}"}


def _remember(cache: OrderedDict[Any, Any], key: Any, value: Any) -> Any:
    cache[key] = value
    cache.move_to_end(key)
    while len(cache) > CACHED:
        cache.popitem(last=False)
    return value


def _model(study: Any) -> tuple[Any, int, list[int]] | None:
    """The study's current trained model (loaded once per version), its version and enabled codes."""
    from assist.suggestions import current_model

    row = current_model(study)
    if row is None or not row.enabled:
        return None
    key = (str(study.uuid), row.version)
    with _lock:
        model = _models.get(key)
    if model is None:
        from assist.models import SuggestionModel
        from assist.suggest.model import TrainedModel

        blob = SuggestionModel.objects.filter(pk=row.pk).values_list("blob", flat=True).first()
        if not blob:
            return None
        model = TrainedModel.loads(bytes(blob))
        with _lock:
            _remember(_models, key, model)
    return model, row.version, [int(c) for c in row.enabled]


def _analysed(study: Any) -> Any:
    """The study's sentence analyses of the current text of each transcript, in the order scanned."""
    from django.db.models import F

    from assist.models import TextAnalysis

    return TextAnalysis.objects.filter(transcript__study=study, text_version=F("transcript__text_version")).order_by(
        "transcript_id"
    )


def study_sentences(study: Any, model: Any, version: int) -> tuple[list[str], dict[int, np.ndarray]]:
    """Sentences of the study's processed transcripts (bounded: `SCAN_*`, `MIN_WORDS`..`MAX_WORDS`
    words) and the model's probability of each enabled code for each.

    Cached per model version and per text version of the transcripts scanned: a correction or a
    de-identification makes a new text version (not a new model), and the sentences of the old
    text (the names it replaced) must not be shown again. One small query (ids and versions, no
    text) checks the key on every call; a transcript corrected but not yet processed again drops
    out (its stored sentences are of the old text), and comes back once processed.
    """
    texts_key = tuple(_analysed(study).values_list("transcript_id", "text_version")[:SCAN_TRANSCRIPTS])
    key = (str(study.uuid), version, texts_key)
    with _lock:
        cached = _sentences.get(key)
    if cached is not None:
        return cached
    # The rows again with their text. One statement reads each analysis with the text it is of, so
    # nothing here is of an older text; a text that changed since the key was read leaves this
    # entry under a key naming a version no longer current, which no later call asks for.
    rows = _analysed(study).values_list("sentences", "transcript__text")[:SCAN_TRANSCRIPTS].iterator(chunk_size=4)
    texts: list[str] = []
    seen: set[str] = set()
    for spans, text in rows:
        for start, end in spans:
            sentence = " ".join(text[int(start) : int(end)].split())
            if MIN_WORDS <= len(sentence.split()) <= MAX_WORDS and sentence not in seen:
                seen.add(sentence)
                texts.append(sentence[:MAX_TEXT])
        if len(texts) >= SCAN_SENTENCES:
            break
    texts = texts[:SCAN_SENTENCES]
    scores = model.predict(texts) if texts else {}
    with _lock:
        return _remember(_sentences, key, (texts, scores))  # type: ignore[no-any-return]


def _pick_code(raw: str, codes: dict[int, str]) -> int | None:
    raw = raw.strip()
    if raw.isdigit() and int(raw) in codes:
        return int(raw)
    for code, name in codes.items():
        if name.casefold() == raw.casefold():
            return code
    return None


def default_sentence(study: Any, model: Any, version: int, codes: dict[int, str], code: int | None) -> str | None:
    """The study's sentence the model suggests `code` (or any code) for nearest to `TYPICAL`; when it
    suggests nothing anywhere, the sentence it rates highest."""
    texts, scores = study_sentences(study, model, version)
    wanted = [code] if code is not None else sorted(c for c in codes if c in scores)
    if not texts or not wanted:
        return None
    best = np.max(np.stack([scores[c] for c in wanted], axis=1), axis=1)
    suggested = np.flatnonzero(best >= methods.THRESHOLD)
    if len(suggested):
        return texts[int(suggested[np.argmin(np.abs(best[suggested] - TYPICAL))])]
    return texts[int(np.argmax(best))]


def resolve(demo: Demo, request: DemoRequest) -> Context | DemoResult:
    """The model, code and sentence of `request`, or a result that says why there is nothing to show."""
    if request.study is None:
        return DemoResult(prediction=None, blocks=[Block("A study's model", text=NO_STUDY)])
    loaded = _model(request.study)
    if loaded is None:
        return DemoResult(prediction=None, blocks=[Block("No trained model", text=NO_MODEL)])
    model, version, enabled = loaded
    from coding.models import Code

    names = dict(
        Code.objects.filter(study=request.study, deleted_at__isnull=True, pk__in=enabled).values_list("pk", "name")
    )
    codes = {int(c): str(names[c]) for c in enabled if c in names and c in model.weights}
    if not codes:
        return DemoResult(prediction=None, blocks=[Block("No trained model", text=NO_MODEL)])
    notes: list[str] = []
    code: int | None = None
    raw_code = str(demo.option(request, "code"))
    if raw_code:
        code = _pick_code(raw_code, codes)
        if code is None:
            notes.append(
                f"The model has no classifier for the code “{raw_code}” (unknown, deleted, or fewer than 6 "
                "coded sentences); the code it rates highest is explained instead."
            )
    text = str(demo.option(request, "text"))
    if len(str(request.options.get("text", "")).strip()) > MAX_TEXT:
        notes.append(f"The text was cut to its first {MAX_TEXT} characters.")
    if not text:
        found = default_sentence(request.study, model, version, codes, code)
        if found is None:
            return DemoResult(
                prediction=None,
                blocks=[
                    Block(
                        "No sentence to explain",
                        text="The study has no processed transcript to take a sentence from; type one in.",
                    )
                ],
                notes=notes,
            )
        text = found
    if not methods.tokens(text):
        return DemoResult(prediction=None, blocks=[Block("No words", text="The text has no words to explain.")])
    predicted = model.predict([text])
    scores = {c: float(predicted[c][0]) for c in codes}
    if code is None:
        code = max(scores, key=lambda c: (scores[c], -c))
    return Context(model, version, codes, code, text, scores, notes)


def _word_frame(ctx: Context, contrib: methods.Contributions) -> pd.DataFrame:
    labels: list[str] = []
    seen: dict[str, int] = {}
    for token in contrib.tokens:
        original = ctx.text[token.start : token.end]
        seen[original] = seen.get(original, 0) + 1
        labels.append(original if seen[original] == 1 else f"{original} ({seen[original]})")
    frame = pd.DataFrame({"word": labels, "contribution": contrib.words})
    return frame.assign(size=frame["contribution"].abs()).sort_values("size", ascending=False).drop(columns="size")


def _sentence_block(ctx: Context) -> Block:
    return Block(
        "The sentence",
        text=(
            f"“{ctx.text}” — the model gives “{ctx.name}” a probability of {ctx.p:.2f} "
            f"({'suggested' if ctx.p >= methods.THRESHOLD else 'not suggested'}: it suggests a code at 0.5 "
            f"or more). Model version {ctx.version}, trained on the study's own coding."
        ),
    )


def _own_blocks(ctx: Context, contrib: methods.Contributions, top: int) -> list[Block]:
    words = _word_frame(ctx, contrib).head(max(top, 1))
    features = pd.DataFrame(
        contrib.features[: max(top, 1)], columns=["kind", "n-gram", "tf-idf", "coefficient", "contribution"]
    )
    pushing = [w for w, v in zip(words["word"], words["contribution"], strict=True) if v > 0][:3]
    return [
        Block(
            "The model's own reasons (exact)",
            text=(
                "The model is a logistic regression on word, word-pair and character n-grams, so its score "
                "for a code is exactly a starting value plus one coefficient × weight per n-gram in the "
                f"sentence. Here: {contrib.intercept:.2f} to start, {contrib.logit - contrib.intercept:+.2f} "
                f"from the n-grams, giving log-odds {contrib.logit:.2f}, probability {contrib.probability:.2f}. "
                "Each n-gram's share is given to the words it came from; bars to the right push towards "
                f"the code. Words pushing most: {', '.join(pushing) or 'none'}. These are log-odds, "
                "not probabilities."
            ),
            frame=words,
            chart=ChartSpec(
                kind="attribution",
                x="contribution",
                y="word",
                x_title="push towards the code (log-odds)",
                description="Each word's share of the model's log-odds for the code",
            ),
            formats={"contribution": "+.3f"},
        ),
        Block(
            "The n-grams behind it",
            text=(
                "The largest terms of the sum: the n-gram as the model reads it (lower case; ␣ marks a "
                "word boundary in character n-grams), its weight in this sentence (tf-idf), the code's "
                "coefficient for it, and their product."
            ),
            frame=features,
            formats={"tf-idf": ".3f", "coefficient": "+.2f", "contribution": "+.3f"},
        ),
    ]


def _lime_blocks(
    ctx: Context, contrib: methods.Contributions, lime: methods.LimeResult, top: int, seconds: float
) -> list[Block]:
    frame = pd.DataFrame(lime.weights[: max(top, 1)], columns=["word", "weight"])
    rho, overlap = methods.rank_agreement(contrib.by_word(), dict(lime.weights))
    agreement = "undefined (fewer than 3 words)" if np.isnan(rho) else f"{rho:.2f}"
    return [
        Block(
            "LIME",
            text=(
                f"LIME removed words at random from the sentence {lime.samples} times, asked the model each "
                "time, and fitted a weighted linear model of the probability on which words were kept "
                f"({seconds * 1000:.0f} ms). A weight is how much the probability drops when the word goes. "
                f"The local model explains {lime.score:.0%} of the variation in its samples (R²); it predicts "
                f"{lime.local_prediction:.2f} for the whole sentence, against the model's {ctx.p:.2f}."
            ),
            frame=frame,
            chart=ChartSpec(
                kind="attribution",
                x="weight",
                y="word",
                x_title="change in probability (LIME weight)",
                description="LIME's weight of each word for the code",
            ),
            formats={"weight": "+.3f"},
        ),
        Block(
            "Do the two agree?",
            text=(
                f"Rank correlation of the words' importance between LIME and the model's own reasons: "
                f"{agreement}; {overlap} of the top 3 words pushing towards the code are the same. LIME "
                "explains the probability, which flattens near 0 and 1, and samples; the model's own sum is "
                "exact on the log-odds scale, so order matters more than size when comparing them."
            ),
        ),
    ]


def _others_block(ctx: Context) -> Block:
    ranked = sorted(ctx.scores.items(), key=lambda item: -item[1])
    frame = pd.DataFrame(
        {
            "code": [ctx.codes[c] for c, _ in ranked],
            "probability": [p for _, p in ranked],
            "suggested": ["yes" if p >= methods.THRESHOLD else "no" for _, p in ranked],
        }
    )
    return Block(
        "Every code the model knows, for this sentence",
        text="One classifier per code: the probabilities are separate and need not add up to 1.",
        frame=frame,
        chart=ChartSpec(kind="bars", x="code", y="probability", y_title="probability"),
        formats={"probability": ".3f"},
    )


def _samples(wanted: int, words: int) -> int:
    return max(100, min(wanted, WORD_SAMPLES // max(words, 1)))


def run_explain(request: DemoRequest) -> DemoResult:
    ctx = resolve(EXPLAIN, request)
    if isinstance(ctx, DemoResult):
        return ctx
    top = int(EXPLAIN.option(request, "features"))
    contrib = methods.contributions(ctx.model, ctx.code, ctx.text)
    wanted = int(EXPLAIN.option(request, "num_samples"))
    samples = _samples(wanted, len(contrib.tokens))
    if samples < wanted:
        ctx.notes.append(
            f"LIME used {samples} samples instead of {wanted}: the text has {len(contrib.tokens)} words, and "
            "samples × words is capped to keep the answer under a second."
        )
    began = time.perf_counter()
    lime = methods.lime_explanation(
        methods.probability(ctx.model, ctx.code), ctx.text, num_samples=samples, seed=request.seed
    )
    seconds = time.perf_counter() - began
    blocks = [
        _sentence_block(ctx),
        *_own_blocks(ctx, contrib, top),
        *_lime_blocks(ctx, contrib, lime, top, seconds),
        _others_block(ctx),
    ]
    return DemoResult(prediction=ctx.prediction(), blocks=blocks, instance=ctx.instance(), notes=ctx.notes)


def _flip_text(at: int | None) -> str:
    return "no flip" if at is None else f"{at} deletion{'s' if at != 1 else ''}"


def _curve_block(ctx: Context, curves: dict[str, np.ndarray], flips: dict[str, str]) -> Block:
    rows = []
    for order, curve in curves.items():
        rows += [{"order": order, "words deleted": k, "probability": float(p)} for k, p in enumerate(curve)]
    summary = [f"{order}: {at}" for order, at in flips.items()]
    return Block(
        "Deleting words in order of importance",
        text=(
            "The probability as the sentence's words are deleted one by one, most important first (by each "
            f"explanation), against random orders (the curve is the mean of {RANDOM_ORDERS}); the thick line "
            "is the model's own reasons. A faithful ranking crosses 0.5 sooner. Deletions until the decision flips — "
            + "; ".join(summary)
            + "."
        ),
        frame=pd.DataFrame(rows),
        chart=ChartSpec(
            kind="line",
            x="words deleted",
            y="probability",
            series="order",
            highlight="model's own reasons",
            x_title="words deleted",
            y_title=f"probability of “{ctx.name}”",
        ),
        formats={"probability": ".3f"},
    )


def run_flip(request: DemoRequest) -> DemoResult:
    ctx = resolve(FLIP, request)
    if isinstance(ctx, DemoResult):
        return ctx
    predict = methods.probability(ctx.model, ctx.code)
    contrib = methods.contributions(ctx.model, ctx.code, ctx.text)
    toks = contrib.tokens
    above = ctx.p >= methods.THRESHOLD
    kind = str(FLIP.option(request, "edits"))
    # Candidates per step within the word budget: half each for deletions and replacements when both.
    per_step = max(12, STEP_WORDS // max(len(toks), 1)) // (2 if kind == "both" else 1)
    deletions = min(methods.DELETIONS, per_step)
    # Only words the study's current text still holds (never a name de-identification replaced).
    sentences, _ = study_sentences(request.study, ctx.model, ctx.version)
    current = {word.lower() for sentence in sentences for word in re.findall(r"[^\W\d_]+", sentence)}
    replacements = methods.substitutes(
        ctx.model,
        ctx.code,
        towards=-1 if above else 1,
        k=max(2, min(10, per_step // methods.POSITIONS)),
        allowed=current | {word.lower() for word in re.findall(r"[^\W\d_]+", ctx.text)},
    )
    flip = methods.smallest_flip(
        predict,
        ctx.text,
        toks,
        contrib.words,
        replacements,
        max_edits=int(FLIP.option(request, "max_edits")),
        deletions=deletions,
        delete=kind in ("both", "delete"),
        substitute=kind in ("both", "substitute"),
    )
    direction = "stops suggesting" if above else "suggests"
    swap = (
        f"replaces one of the {methods.POSITIONS} most important words with a word of the study's vocabulary "
        "that pulls the other way" + (f" ({', '.join(replacements[:5])}…)" if replacements else "")
    )
    how = {"delete": "deletes one word at a time", "substitute": swap}.get(kind, f"deletes a word or {swap}")
    if flip.flipped:
        found = (
            f"{len(flip.edits)} edit{'s' if len(flip.edits) != 1 else ''} and the model {direction} "
            f"“{ctx.name}”: {ctx.p:.2f} → {flip.after:.2f}. Edited sentence: “{flip.text}”."
        )
    else:
        found = (
            f"No flip within {int(FLIP.option(request, 'max_edits'))} edits: the probability went from "
            f"{ctx.p:.2f} to {flip.after:.2f}. Allow more edits, or other kinds of edit."
        )
    steps = pd.DataFrame(
        [{"step": 0, "edit": "(original)", "probability": ctx.p, "sentence": ctx.text}]
        + [
            {"step": i + 1, "edit": d, "probability": p, "sentence": sentence}
            for i, (d, p, sentence) in enumerate(flip.steps)
        ]
    )
    blocks = [
        _sentence_block(ctx),
        Block(
            "Smallest edit found",
            text=(
                found + f" The search {how}, keeping at each step the edit that moves the probability most "
                "(the importance-guided attack of Organization E in Bhatt et al.); "
                f"{flip.evaluated} edited sentences were tried. A one-edit flip of that kind is always "
                f"found when there is one (at the {deletions} most important words of a longer "
                "sentence); with more edits the count is an upper bound on the fewest."
            ),
            frame=steps,
            formats={"probability": ".3f"},
        ),
    ]
    # Deletion curves: the model's own ranking, LIME's, random orders.
    pushing = contrib.words if above else -contrib.words
    steps_n = min(len(toks), CURVE_STEPS)
    own_order = [int(i) for i in np.argsort(-pushing, kind="stable")[:steps_n]]
    lime = methods.lime_explanation(
        predict, ctx.text, num_samples=_samples(FLIP_LIME_SAMPLES, len(toks)), seed=request.seed
    )
    lime_weight = dict(lime.weights)
    signed = np.array([lime_weight.get(t.word, 0.0) for t in toks]) * (1 if above else -1)
    lime_order = [int(i) for i in np.argsort(-signed, kind="stable")[:steps_n]]
    curves = {
        "model's own reasons": methods.deletion_curve(predict, ctx.text, toks, own_order),
        "LIME": methods.deletion_curve(predict, ctx.text, toks, lime_order),
    }
    rng = np.random.default_rng(request.seed)
    randoms = [
        methods.deletion_curve(predict, ctx.text, toks, [int(i) for i in rng.permutation(len(toks))[:steps_n]])
        for _ in range(RANDOM_ORDERS)
    ]
    curves["random order"] = np.mean(randoms, axis=0)
    flips = {k: _flip_text(methods.flips_at(v)) for k, v in curves.items() if k != "random order"}
    random_flips = [f for f in (methods.flips_at(c) for c in randoms) if f is not None]
    flips["random order"] = (
        f"{np.mean(random_flips):.1f} deletions on average ({len(random_flips)} of {RANDOM_ORDERS} orders flipped it)"
        if random_flips
        else f"no flip in {steps_n} deletions"
    )
    blocks.append(_curve_block(ctx, curves, flips))
    return DemoResult(prediction=ctx.prediction(), blocks=blocks, instance=ctx.instance(), notes=ctx.notes)


TEXT_OPTION = Option(
    "text",
    "Sentence",
    "text",
    "",
    maximum=MAX_TEXT,
    help="Any sentence; empty: one of the study's sentences the model suggests a code for.",
)
CODE_OPTION = Option(
    "code", "Code", "text", "", maximum=200, help="A code's name or id; empty: the code the model rates highest."
)

EXPLAIN = register(
    Demo(
        key="text-why-suggested",
        title="Why was this code suggested? (the study's own model)",
        slugs=("local-explanations", "lime"),
        datasets=(DATASET,),
        models=(MODEL,),
        run=run_explain,
        options=(
            TEXT_OPTION,
            CODE_OPTION,
            Option(
                "num_samples",
                "LIME samples",
                "int",
                LIME_SAMPLES,
                minimum=100,
                maximum=5000,
                help="Perturbed sentences LIME asks the model about (1000: about 0.1 s).",
            ),
            Option("features", "Words shown", "int", 10, minimum=3, maximum=30),
        ),
        local=False,
        summary=(
            "Explains one code suggestion of the study's own model for a sentence twice: exactly, from the "
            "logistic regression's n-gram terms, and with LIME text; then compares them."
        ),
    )
)

FLIP = register(
    Demo(
        key="text-smallest-flip",
        title="The smallest edit that changes a suggestion (the study's own model)",
        slugs=("perturbation-methods", "adversarial-examples", "adversarial-perturbations"),
        datasets=(DATASET,),
        models=(MODEL,),
        run=run_flip,
        options=(
            TEXT_OPTION,
            CODE_OPTION,
            Option(
                "edits",
                "Edits allowed",
                "choice",
                "delete",
                choices=(
                    ("delete", "delete words"),
                    ("both", "delete or replace words"),
                    ("substitute", "replace words"),
                ),
            ),
            Option("max_edits", "Most edits", "int", 6, minimum=1, maximum=10),
        ),
        local=False,
        summary=(
            "Finds the fewest word deletions or replacements that make the study's model change its mind "
            "about a code for a sentence, and checks which explanation's ranking of words gets there fastest."
        ),
    )
)
