"""The project's spaCy pipeline: sentences, lookup lemmas and technique mentions.

``get_nlp()`` builds the pipeline once per process (a Celery worker builds it
on its first job and keeps it); ``analyse()`` runs it over texts in batches and
returns plain offsets, which the NLP jobs store so that pages never run spaCy.
This module imports spaCy only inside functions, so importing it for
``PIPELINE_VERSION`` or the result types costs a web process nothing.

The pipeline is ``spacy.blank("en")`` (rule-based tokenizer, no model
download) plus three components:

``sentencizer``
    punctuation-based sentence boundaries (the tokenizer keeps the abbreviations
    of ``ABBREVIATIONS`` whole, so "Hong et al. [25] found" or "see Fig. 3" is
    not cut after the full stop);
``thematica_norm``
    puts the lower-cased lookup lemma in ``token.norm_`` ("maps" -> "map",
    "Influence" -> "influence"), so rules and technique phrases match
    inflected forms;
``techniques``
    a ``SpanRuler`` whose patterns are generated from
    ``explainers.techniques`` (see ``technique_patterns``); mentions land in
    ``doc.spans["techniques"]``, overlapping matches resolved longest-first.

Where the lemma table comes from: the English lookup table of the pinned
runtime requirement ``spacy-lookups-data``, read from the data file inside the
installed wheel when the pipeline is built (about 50 ms for 41k entries).
Nothing is downloaded at build or run time, and there is no on-disk pipeline
cache under THEMATICA_DATA_DIR to go stale when the vocabulary changes, to
race between workers building it at once, or to need a writable data
directory.  The component still serialises its table with the pipeline
(``nlp.to_disk``/``to_bytes``), so an exported pipeline is self-contained and
loads without the package.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from itertools import groupby, product
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc
    from spacy.vocab import Vocab

# Stored results carry the version they were computed with, so results from
# an older pipeline are known to be stale.  Bump PIPELINE_REVISION when the
# code here changes what is found; the vocabulary digest changes by itself
# whenever explainers.techniques does.
PIPELINE_REVISION = 2  # 2: abbreviations of citations and figures no longer end sentences


def _vocabulary_digest() -> str:
    from explainers.techniques import OUTPUT_NOUNS, TECHNIQUES

    return hashlib.sha256(repr((TECHNIQUES, sorted(OUTPUT_NOUNS))).encode()).hexdigest()[:10]


PIPELINE_VERSION = f"{PIPELINE_REVISION}-{_vocabulary_digest()}"

SPANS_KEY = "techniques"
NORM_COMPONENT = "thematica_norm"
# Texts are cut into pieces of at most this many code points (at a line break
# where possible) so one huge transcript neither exceeds spaCy's max_length
# nor holds a multi-million-token Doc in memory.
MAX_CHUNK = 100_000
DEFAULT_BATCH_SIZE = 64

HYPHENS = ["-", "‐", "‑", "–"]  # hyphen-minus, hyphen, non-breaking hyphen, en dash
_CASE_SENSITIVE = re.compile(r"[A-Z]{2}")


@dataclass(frozen=True, slots=True)
class Mention:
    """A technique mention: code point offsets into the analysed text, end exclusive."""

    start: int
    end: int
    slug: str
    text: str


@dataclass(slots=True)
class Analysis:
    """What the pipeline found in one text; all offsets are code points, end exclusive."""

    sentences: list[tuple[int, int]] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)
    # Tokens that are neither whitespace nor punctuation, for words-per-second figures.
    words: int = 0


# --- the lemma component -------------------------------------------------------


def load_lemma_table() -> dict[str, str]:
    """English lookup lemmas (inflected form -> lemma) from the installed spacy-lookups-data.

    Raises ``RuntimeError`` naming the missing requirement rather than silently
    matching without lemmas.
    """
    from spacy.util import load_language_data, registry

    if "en" not in registry.lookups:
        raise RuntimeError("spacy-lookups-data is not installed; it is a runtime requirement (requirements.txt).")
    table = load_language_data(registry.lookups.get("en")["lemma_lookup"])
    if not isinstance(table, dict):
        raise RuntimeError("spacy-lookups-data's English lemma_lookup is not a table")
    return {str(k): str(v) for k, v in table.items()}


class LemmaNorm:
    """Sets ``token.norm`` to the lower-cased lookup lemma of the token.

    Lemmas are cached per lower-case form as string-store hashes, so a
    document costs one array read, one dict lookup per token and one array
    write, not a Python attribute round trip per token.
    """

    def __init__(self, vocab: Vocab, name: str = NORM_COMPONENT) -> None:
        self.vocab = vocab
        self.name = name
        self.table: dict[str, str] = {}
        self._norm_of: dict[int, int] = {}

    def set_table(self, table: dict[str, str]) -> None:
        self.table = dict(table)
        self._norm_of.clear()

    def lemma(self, word: str) -> str:
        lower = word.lower().replace("\u2019", "'")
        if lower in HYPHENS:
            return "-"
        return self.table.get(lower, lower)

    def _norm_hash(self, lower_hash: int) -> int:
        norm = self.vocab.strings.add(self.lemma(self.vocab.strings[lower_hash]))
        self._norm_of[lower_hash] = norm
        return norm

    def __call__(self, doc: Doc) -> Doc:
        import numpy
        from spacy.attrs import LOWER, NORM

        if not len(doc):
            return doc
        norm_of = self._norm_of
        lowers = doc.to_array(LOWER).tolist()
        norms = [norm_of.get(h) or self._norm_hash(h) for h in lowers]
        doc.from_array([NORM], numpy.asarray(norms, dtype="uint64").reshape(-1, 1))  # type: ignore[arg-type]
        return doc

    def initialize(self, get_examples: Callable[[], Any] | None = None, *, nlp: Language | None = None) -> None:
        if not self.table:
            self.set_table(load_lemma_table())

    # Serialisation: the table travels with the pipeline.
    def to_bytes(self, *, exclude: Iterable[str] = ()) -> bytes:
        import srsly

        return srsly.msgpack_dumps({"lemma_lookup": self.table})

    def from_bytes(self, data: bytes, *, exclude: Iterable[str] = ()) -> LemmaNorm:
        import srsly

        self.set_table(srsly.msgpack_loads(data)["lemma_lookup"])
        return self

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        (path / "lemma_lookup.msgpack").write_bytes(self.to_bytes())

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> LemmaNorm:
        return self.from_bytes((Path(path) / "lemma_lookup.msgpack").read_bytes())


@cache
def register_components() -> None:
    """Register the ``thematica_norm`` factory with spaCy (once; needed to load a saved pipeline too)."""
    from spacy.language import Language

    @Language.factory(NORM_COMPONENT)
    def make_lemma_norm(nlp: Language, name: str) -> LemmaNorm:
        return LemmaNorm(nlp.vocab, name)


# --- technique patterns --------------------------------------------------------


def _token_forms(text: str, lemma: Callable[[str], str], *, head: bool) -> tuple[str, list[str]]:
    """(attribute, accepted values) for one variant token.

    Tokens with two consecutive capitals are acronyms and match their exact
    text; every other token matches its lemma.  The head (last) token also
    accepts its plural: the lookup table maps most regular plurals to the
    singular already, and for words it does not know ("heatmaps",
    "datapoints") the plural's lemma is the plural itself.
    """
    if _CASE_SENSITIVE.search(text):
        return "ORTH", [text, f"{text}s"] if head else [text]
    forms = {lemma(text)}
    if head:
        forms |= {lemma(plural) for plural in _plurals(text)}
    return "NORM", sorted(forms)


def _plurals(word: str) -> list[str]:
    """Regular English plurals of a word ("map" -> "maps", "proxy" -> "proxies"); none for short or odd words."""
    if len(word) < 3 or not word.isalpha():
        return []
    lower = word.lower()
    if lower.endswith(("s", "x", "z", "ch", "sh")):
        return [f"{word}es"]
    if lower.endswith("y") and lower[-2] not in "aeiou":
        return [f"{word[:-1]}ies"]
    return [f"{word}s"]


@dataclass(frozen=True, slots=True)
class _Part:
    """One word of a parsed variant."""

    values: tuple[str, ...]  # the token, or an optional word's alternatives
    optional: bool
    # Whether a space or a hyphen may come before it ("counter factual",
    # "counter-factual"); False inside a word ("Cook" + "'s") and at the start.
    loose: bool


def _parse_variant(variant: str, tokenize: Callable[[str], list[str]]) -> list[_Part]:
    parts: list[_Part] = []
    for word in variant.split():
        if word.startswith("[") and word.endswith("]"):
            alternatives = tuple(word[1:-1].split("|"))
            for alternative in alternatives:
                if len(tokenize(alternative)) != 1:
                    raise ValueError(f"optional word {alternative!r} in {variant!r} is not one token")
            parts.append(_Part(alternatives, optional=True, loose=bool(parts)))
            continue
        loose = bool(parts)
        for token in tokenize(word):
            if token in HYPHENS:
                loose = True
                continue
            parts.append(_Part((token,), optional=False, loose=loose))
            loose = False
    if all(part.optional for part in parts):
        raise ValueError(f"variant {variant!r} has no required word")
    return parts


def _token_patterns(parts: list[_Part], lemma: Callable[[str], str]) -> list[list[dict]]:
    """Matcher patterns: one per combination of alternatives, values plain.

    Alternatives are expanded into separate patterns rather than written as
    ``{"IN": [...]}``, which the Matcher evaluates in Python for every token.
    """
    head = max(i for i, part in enumerate(parts) if not part.optional)
    slots: list[list[dict]] = []
    for i, part in enumerate(parts):
        if part.loose:
            slots.append([{"NORM": "-", "OP": "?"}])
        if part.optional:
            slots.append([{"NORM": v, "OP": "?"} for v in sorted({lemma(v) for v in part.values})])
        else:
            attr, forms = _token_forms(part.values[0], lemma, head=i == head)
            slots.append([{attr: form} for form in forms])
    return [list(choice) for choice in product(*slots)]


def _phrase_patterns(
    parts: list[_Part], tokenize: Callable[[str], list[str]], lemma: Callable[[str], str]
) -> list[str] | None:
    """The same matches as phrases for the PhraseMatcher on NORM, or None if they cannot be.

    A phrase cannot be case-sensitive or have optional words; and each phrase
    must tokenise back into the intended tokens (checked, not assumed).
    """
    if any(part.optional or _CASE_SENSITIVE.search(part.values[0]) for part in parts):
        return None
    words = [part.values[0] for part in parts]
    last = words[-1]
    heads: dict[str, str] = {}
    for form in (last, *_plurals(last)):
        heads.setdefault(lemma(form), form)
    joints = [[" ", "-"] if part.loose else [""] for part in parts[1:]]
    phrases = []
    for head in heads.values():
        for chosen in product(*joints):
            expected = [*words[:-1], head]
            text = expected[0] + "".join(j + w for j, w in zip(chosen, expected[1:], strict=True))
            if [t for t in tokenize(text) if t not in HYPHENS] != expected:
                return None
            phrases.append(text)
    return phrases


def technique_patterns(tokenize: Callable[[str], list[str]], lemma: Callable[[str], str]) -> list[dict]:
    """SpanRuler patterns for every technique in ``explainers.techniques``, labelled by slug.

    Variants matched on lemmas only become phrase patterns (the PhraseMatcher
    looks them up in a hash trie); acronyms and variants with acronyms or
    optional words become token patterns.  With every variant as a token
    pattern the Matcher, which tries each pattern at each token, made the
    ruler about seven times slower than the rest of the pipeline.
    """
    from explainers.techniques import TECHNIQUES

    patterns: dict[tuple[str, str], dict] = {}  # keyed to drop duplicates ("heat map", "heat-map")

    def add(label: str, pattern: str | list[dict]) -> None:
        patterns.setdefault((label, repr(pattern)), {"label": label, "pattern": pattern})

    for technique in TECHNIQUES:
        for acronym in technique.acronyms:
            for form in (acronym, f"{acronym}s"):
                add(technique.slug, [{"ORTH": form}])
        for variant in technique.variants:
            parts = _parse_variant(variant, tokenize)
            phrases = _phrase_patterns(parts, tokenize, lemma)
            for pattern in phrases if phrases is not None else _token_patterns(parts, lemma):
                add(technique.slug, pattern)
    return list(patterns.values())


# --- building and running ------------------------------------------------------


# Abbreviations that spaCy's English tokenizer splits into word + "." (so the sentencizer ends a
# sentence there) and that do not end sentences in interview transcripts and the papers quoted in
# them. Not "etc." or "No.", which often do. ("e.g.", "i.e.", "vs.", "Dr.", "Prof." are already whole.)
ABBREVIATIONS = ("al.", "cf.", "Cf.", "approx.", "Fig.", "Figs.", "fig.", "Eq.", "Sec.", "Ch.", "pp.", "Nr.")


def build_nlp(lemma_table: dict[str, str] | None = None) -> Language:
    """A fresh pipeline; ``get_nlp()`` is the cached one everything else should use."""
    import spacy
    from spacy.symbols import ORTH

    register_components()
    nlp = spacy.blank("en")
    for abbreviation in ABBREVIATIONS:
        nlp.tokenizer.add_special_case(abbreviation, [{ORTH: abbreviation}])  # type: ignore[union-attr]
    nlp.add_pipe("sentencizer")
    norm = nlp.add_pipe(NORM_COMPONENT)
    assert isinstance(norm, LemmaNorm)
    norm.set_table(load_lemma_table() if lemma_table is None else lemma_table)
    ruler = nlp.add_pipe(
        "span_ruler",
        name="techniques",
        config={
            "spans_key": SPANS_KEY,
            "spans_filter": {"@misc": "spacy.first_longest_spans_filter.v1"},
            "annotate_ents": False,
            "overwrite": True,
            "phrase_matcher_attr": "NORM",
        },
    )

    def tokenize(text: str) -> list[str]:
        return [t.text for t in nlp.tokenizer(text)]

    ruler.add_patterns(technique_patterns(tokenize, norm.lemma))  # type: ignore[attr-defined]
    nlp.max_length = MAX_CHUNK + 1
    return nlp


@cache
def get_nlp() -> Language:
    """The process's pipeline, built on first use."""
    return build_nlp()


def chunks(text: str, limit: int) -> Iterator[tuple[int, str]]:
    """(offset, piece) pairs covering ``text``, cut at a line break, else a space, else hard."""
    start = 0
    while len(text) - start > limit:
        window = text[start : start + limit]
        cut = window.rfind("\n", limit // 2)
        if cut < 0:
            cut = window.rfind(" ", limit // 2)
        end = start + (cut + 1 if cut >= 0 else limit)
        yield start, text[start:end]
        start = end
    yield start, text[start:]


def _takes_output_noun(doc: Doc, end: int, next_start: int | None) -> bool:
    """Whether the mention ending before token ``end`` extends over it ("SHAP" + "values").

    Only a noun from ``OUTPUT_NOUNS`` after a single space, in the same
    sentence, not already part of the mention's own name ("Shapley value") and
    not the start of the next mention.
    """
    from explainers.techniques import OUTPUT_NOUNS

    if end >= len(doc) or end == next_start or doc[end - 1].whitespace_ != " " or doc[end].is_sent_start:
        return False
    return doc[end].norm_ in OUTPUT_NOUNS and doc[end - 1].norm_ not in OUTPUT_NOUNS


def _add(analysis: Analysis, doc: Doc, offset: int) -> None:
    text = doc.text
    for sent in doc.sents:
        start, end = sent.start_char, sent.end_char
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start < end:
            analysis.sentences.append((start + offset, end + offset))
    spans = list(doc.spans[SPANS_KEY])  # sorted, not overlapping (first_longest_spans_filter)
    for k, span in enumerate(spans):
        end_char = span.end_char
        if _takes_output_noun(doc, span.end, spans[k + 1].start if k + 1 < len(spans) else None):
            end_char = doc[span.end].idx + len(doc[span.end])
        analysis.mentions.append(
            Mention(span.start_char + offset, end_char + offset, span.label_, text[span.start_char : end_char])
        )
    # Words: tokens that are neither space nor punctuation, counted on the token array (a Python
    # loop over the tokens cost as much as the sentencizer).
    from spacy.attrs import IS_PUNCT, IS_SPACE

    flags = doc.to_array([IS_SPACE, IS_PUNCT])
    analysis.words += int((flags.sum(axis=1) == 0).sum()) if len(doc) else 0


def analyse(texts: Iterable[str], *, batch_size: int = DEFAULT_BATCH_SIZE) -> Iterator[Analysis]:
    """One ``Analysis`` per text, in order, computed lazily with ``nlp.pipe`` in batches.

    Offsets are Python string indices, i.e. Unicode code points, into each
    given text (spaCy's ``Token.idx`` is a ``str`` index).  Sentences exclude
    surrounding whitespace; whitespace-only sentences are dropped.
    """
    nlp = get_nlp()
    pieces = ((piece, (index, offset)) for index, text in enumerate(texts) for offset, piece in chunks(text, MAX_CHUNK))
    docs = nlp.pipe(pieces, as_tuples=True, batch_size=batch_size)
    for _, group in groupby(docs, key=lambda item: item[1][0]):
        analysis = Analysis()
        for doc, (_, offset) in group:
            _add(analysis, doc, offset)
        yield analysis
