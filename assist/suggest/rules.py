"""Rules a researcher attaches to a code, their score, and matching them over a transcript's segments.

Four kinds (`KINDS`):

``keyword``
    one word, matched on its lemma in every inflection and any case: "trust" finds "Trusted",
    "trusting", "trusts"; "heatmap" finds "heatmaps" (plural forms the lemma table lacks are
    added the way the technique vocabulary adds them);
``phrase``
    several words matched as a sequence of lemmas: "saliency maps" finds "Saliency map" and
    "saliency-maps" (a hyphen may stand between two words);
``lemma``
    words on lemmas with wildcards: ``*`` is any one word, ``...`` up to `MAX_GAP` words:
    "trust ... model" finds "trusted the new models"; punctuation inside a gap is skipped;
``regex``
    a regular expression in RE2 syntax run on the segment text through `coding.patterns` (linear
    time, bounded memory; never Python's `re` on a user's pattern), case-insensitive unless the
    pattern says otherwise (``(?-i)SHAP``).

The score of a rule is its smoothed precision from past decisions, `rule_score`: the formula lives
here and only here (the models' ``score`` property and the ranking call it).

Validation (`validate_rule`) needs no spaCy, so the rule form can call it in a request. Matching
(`match_rules`) tokenises the segments with the project's pipeline (`assist.pipeline.get_nlp`) in one
pass over the text: the tokenizer and the lemma component only, not the technique ruler.
"""

from __future__ import annotations

import bisect
import itertools
import logging
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from coding.patterns import UserPattern

logger = logging.getLogger(__name__)

KINDS = ("keyword", "phrase", "lemma", "regex")
KIND_CHOICES = [
    ("keyword", "Keyword (one word, any inflection)"),
    ("phrase", "Phrase (several words, any inflection)"),
    ("lemma", "Lemma pattern (* one word, ... up to 5 words)"),
    ("regex", "Regular expression (RE2)"),
]
MAX_PATTERN_LENGTH = 300
MAX_GAP = 5
ONE = "*"
GAPS = ("...", "\u2026")  # three dots, or the ellipsis character
# Segments are tokenised together in blocks of up to this many code points (see `_tokenise`).
BLOCK_CHARS = 100_000

# Smoothing of the rule score: a new rule starts at PRIOR_HITS / PRIOR_TOTAL = 0.5 and moves
# towards its observed precision as decisions accumulate.
PRIOR_HITS = 5
PRIOR_TOTAL = 10


def rule_score(accepted: int, rejected: int) -> float:
    """A rule's smoothed precision, ``(accepted + 5) / (accepted + rejected + 10)``: the one formula."""
    return (accepted + PRIOR_HITS) / (accepted + rejected + PRIOR_TOTAL)


@dataclass
class RuleSpec:
    """A rule as the engine sees it (BACKEND's SuggestionRule rows are turned into these)."""

    id: int
    code_id: int
    kind: str
    pattern: str
    accepted: int = 0
    rejected: int = 0

    @property
    def score(self) -> float:
        return rule_score(self.accepted, self.rejected)


@dataclass
class RuleHit:
    """Rule `rule_id` (of code `code_id`) matched segment number `segment`; `spans` are the matched
    words as transcript code point offsets, end exclusive, in text order; `score` is the rule's
    score when matched (`RuleSpec.score`), which the ranking uses."""

    segment: int
    rule_id: int
    code_id: int
    spans: list[tuple[int, int]] = field(default_factory=list)
    score: float | None = None


# --- validation (no spaCy) ---------------------------------------------------------------------


def _has_word_character(word: str) -> bool:
    return any(unicodedata.category(ch)[0] in "LN" for ch in word)


def validate_rule(kind: str, pattern: str) -> str | None:
    """None when `pattern` is a usable rule of `kind`, else a message saying what to change."""
    if kind not in KINDS:
        return f"Unknown kind of rule {kind!r}: choose keyword, phrase, lemma pattern or regular expression."
    text = (pattern or "").strip()
    if not text:
        return "Type the word, phrase or pattern the rule looks for."
    if len(text) > MAX_PATTERN_LENGTH:
        return f"The pattern is too long: at most {MAX_PATTERN_LENGTH} characters, this one has {len(text)}."
    if kind == "regex":
        from coding.patterns import PatternError, compile_user_pattern

        try:
            compile_user_pattern(text=text, mode="regex")
        except PatternError as exc:
            return str(exc)
        return None
    words = text.split()
    wildcards = [w for w in words if w == ONE or w in GAPS]
    if kind in ("keyword", "phrase") and wildcards:
        return "Wildcards (* and ...) work in lemma patterns only; choose “lemma pattern”."
    literal = [w for w in words if w != ONE and w not in GAPS]
    for word in literal:
        if not _has_word_character(word):
            return f"“{word}” has no letter or digit; rules match words (use a regular expression for punctuation)."
    if kind == "keyword":
        if len(words) != 1:
            return "A keyword is one word; for several words choose “phrase”."
        return None
    if kind == "phrase":
        if len(words) < 2:
            return "A phrase has several words; for one word choose “keyword”."
        return None
    # lemma pattern
    if not literal:
        return "A lemma pattern needs at least one word besides * and ...."
    if words[0] in (ONE, *GAPS) or words[-1] in (ONE, *GAPS):
        return "A lemma pattern starts and ends with a word; * and ... go between words."
    for a, b in itertools.pairwise(words):
        if a in GAPS and b in GAPS:
            return "Two ... in a row: one ... already stands for up to 5 words."
    return None


# --- compiling -----------------------------------------------------------------------------------


def _plurals(word: str) -> list[str]:
    """Regular English plurals ("map" -> "maps", "proxy" -> "proxies") of a word the table may not know."""
    if len(word) < 3 or not word.isalpha():
        return []
    if word.endswith(("s", "x", "z", "ch", "sh")):
        return [f"{word}es"]
    if word.endswith("y") and word[-2] not in "aeiou":
        return [f"{word[:-1]}ies"]
    return [f"{word}s"]


def _singulars(word: str) -> list[str]:
    """Guesses at the singular of a plural the lemma table does not know ("heatmaps" -> "heatmap")."""
    if len(word) <= 3 or not word.isalpha() or not word.endswith("s") or word.endswith("ss"):
        return []
    guesses = [word[:-1]]
    if word.endswith("ies"):
        guesses.append(f"{word[:-3]}y")
    elif word.endswith("es"):
        guesses.append(word[:-2])
    return guesses


@dataclass(frozen=True)
class _Word:
    """One literal token of a pattern: the norm hashes (lower-cased lemmas) that count as it."""

    forms: frozenset[int]
    text: str


_Element = _Word | str  # a word, ONE or "gap"


@dataclass
class _Compiled:
    rule: RuleSpec
    elements: tuple[_Element, ...] = ()
    regex: UserPattern | None = None


@lru_cache(maxsize=512)
def _token_elements(kind: str, pattern: str) -> tuple[_Element, ...]:
    """The pattern as a sequence of words and wildcards (norm hashes of the process's pipeline)."""
    from assist.pipeline import HYPHENS, NORM_COMPONENT, get_nlp

    nlp = get_nlp()
    norm = nlp.get_pipe(NORM_COMPONENT)
    strings = nlp.vocab.strings
    elements: list[_Element] = []
    for word in pattern.split():
        if kind == "lemma" and word == ONE:
            elements.append(ONE)
            continue
        if kind == "lemma" and word in GAPS:
            elements.append("gap")
            continue
        for token in nlp.tokenizer(word):
            if token.text in HYPHENS or not _has_word_character(token.text):
                continue  # "e-mail" is "e" "mail" with an optional hyphen between; punctuation is dropped
            lower = token.text.lower()
            forms = {norm.lemma(lower)}  # type: ignore[attr-defined]
            forms |= {norm.lemma(p) for p in _plurals(lower)}  # type: ignore[attr-defined]
            forms |= {norm.lemma(s) for s in _singulars(lower)}  # type: ignore[attr-defined]
            elements.append(_Word(frozenset(strings.add(f) for f in forms), token.text))
    return tuple(elements)


@dataclass
class RuleSet:
    """Rules compiled once for matching over many transcripts (`compile_rules`)."""

    compiled: list[_Compiled]

    def __len__(self) -> int:
        return len(self.compiled)


def compile_rules(rules: list[RuleSpec]) -> RuleSet:
    """Compile `rules` (token patterns are cached per process; regexes per rule set, as each may hold
    up to `coding.patterns.MAX_MEMORY`). A stored rule that no longer validates is skipped and logged."""
    from coding.patterns import PatternError, compile_user_pattern

    compiled: list[_Compiled] = []
    for rule in rules:
        problem = validate_rule(rule.kind, rule.pattern)
        if problem:
            logger.warning("suggestion rule %s skipped: %s", rule.id, problem)
            continue
        if rule.kind == "regex":
            try:
                compiled.append(_Compiled(rule, regex=compile_user_pattern(text=rule.pattern.strip(), mode="regex")))
            except PatternError as exc:  # pragma: no cover - validate_rule compiled it already
                logger.warning("suggestion rule %s skipped: %s", rule.id, exc)
            continue
        elements = _token_elements(rule.kind, " ".join(rule.pattern.split()))
        if any(isinstance(e, _Word) for e in elements):
            compiled.append(_Compiled(rule, elements=elements))
    return RuleSet(compiled)


# --- matching ------------------------------------------------------------------------------------


@dataclass
class _Tokens:
    """One segment's tokens (whitespace left out): norm hashes, offsets, whether each is a word."""

    norms: list[int]
    starts: list[int]
    ends: list[int]
    words: list[bool]
    index: dict[int, list[int]]


def _tokenise(text: str, segments: list[tuple[int, int]]) -> list[_Tokens]:
    """Each segment's tokens, lemmatised. The text is tokenised in blocks of consecutive segments
    (at most `BLOCK_CHARS` each: one block for most transcripts) rather than sentence by sentence:
    one Doc and one pass of the lemma component per block cost far less than one per sentence, and
    the sentences came from the same tokenisation. A token belongs to a segment when it lies inside it."""
    from spacy.attrs import IDX, IS_PUNCT, IS_SPACE, LENGTH, NORM

    from assist.pipeline import NORM_COMPONENT, get_nlp

    nlp = get_nlp()
    norm: Any = nlp.get_pipe(NORM_COMPONENT)
    tokenizer: Any = nlp.tokenizer
    out = [_Tokens([], [], [], [], {}) for _ in segments]
    order = sorted(range(len(segments)), key=lambda i: segments[i])
    blocks: list[list[int]] = []
    for i in order:
        if blocks and segments[i][1] - segments[blocks[-1][0]][0] <= BLOCK_CHARS:
            blocks[-1].append(i)
        else:
            blocks.append([i])
    for block in blocks:
        offset = segments[block[0]][0]
        doc = norm(tokenizer(text[offset : max(segments[i][1] for i in block)]))
        rows = doc.to_array([NORM, IDX, LENGTH, IS_PUNCT, IS_SPACE]).tolist() if len(doc) else []
        rows = [row for row in rows if not row[4]]
        starts = [offset + row[1] for row in rows]
        for i in block:
            seg_start, seg_end = segments[i]
            tokens = out[i]
            j = bisect.bisect_left(starts, seg_start)
            while j < len(rows) and starts[j] + rows[j][2] <= seg_end:
                h, _, length, punct, _ = rows[j]
                tokens.index.setdefault(h, []).append(len(tokens.norms))
                tokens.norms.append(h)
                tokens.starts.append(starts[j])
                tokens.ends.append(starts[j] + length)
                tokens.words.append(not punct)
                j += 1
    return out


def _match_at(elements: tuple[_Element, ...], toks: _Tokens, hyphen: int, e: int, i: int) -> list[int] | None:
    """Indices of the literal tokens if `elements[e:]` match from token `i`, else None (backtracks over gaps)."""
    if e == len(elements):
        return []
    element = elements[e]
    n = len(toks.norms)
    if isinstance(element, _Word):
        starts = [i]
        # A hyphen may stand between two words ("saliency-map", "e-mail").
        if e and isinstance(elements[e - 1], _Word) and i < n and toks.norms[i] == hyphen:
            starts.append(i + 1)
        for j in starts:
            if j < n and toks.norms[j] in element.forms:
                rest = _match_at(elements, toks, hyphen, e + 1, j + 1)
                if rest is not None:
                    return [j, *rest]
        return None
    if element == ONE:
        if i < n and toks.words[i]:
            return _match_at(elements, toks, hyphen, e + 1, i + 1)
        return None
    # a gap: 0..MAX_GAP words, punctuation skipped freely
    k, skipped = i, 0
    while True:
        rest = _match_at(elements, toks, hyphen, e + 1, k)
        if rest is not None:
            return rest
        if k >= n:
            return None
        if toks.words[k]:
            skipped += 1
            if skipped > MAX_GAP:
                return None
        k += 1


def _spans(toks: _Tokens, indices: list[int], hyphen: int) -> list[tuple[int, int]]:
    """Matched tokens as spans; neighbouring ones (or two joined by a hyphen) become one span."""
    spans: list[tuple[int, int]] = []
    last = -2
    for j in indices:
        joined = j == last + 1 or (j == last + 2 and toks.norms[last + 1] == hyphen)
        if spans and joined:
            spans[-1] = (spans[-1][0], toks.ends[j])
        else:
            spans.append((toks.starts[j], toks.ends[j]))
        last = j
    return spans


def _token_spans(elements: tuple[_Element, ...], toks: _Tokens, hyphen: int) -> list[tuple[int, int]]:
    first = elements[0]
    assert isinstance(first, _Word)  # validation: patterns start with a word
    candidates = sorted(i for form in first.forms for i in toks.index.get(form, ()))
    found: list[tuple[int, int]] = []
    floor = 0
    for i in candidates:
        if i < floor:
            continue  # inside the previous match: matches do not overlap
        indices = _match_at(elements, toks, hyphen, 0, i)
        if indices:
            found.extend(_spans(toks, indices, hyphen))
            floor = indices[-1] + 1
    return found


def match_rules(
    rules: list[RuleSpec] | RuleSet,
    text: str,
    segments: list[tuple[int, int]],
    *,
    deadline: float | None = None,
    timed_out: set[int] | None = None,
) -> list[RuleHit]:
    """Every (segment, rule) that matches, with the matched words' spans, ordered by segment then rule
    order. `segments` are (start, end) code point offsets into `text`. A regular expression that runs
    past `deadline` (default: `coding.patterns.search_deadline()` from the call) is given up and logged."""
    ruleset = rules if isinstance(rules, RuleSet) else compile_rules(rules)
    if not ruleset.compiled or not segments:
        return []
    from coding.patterns import PatternError, search_deadline

    token_rules = [c for c in ruleset.compiled if c.regex is None]
    regex_rules = [c for c in ruleset.compiled if c.regex is not None]
    order = {id(c): n for n, c in enumerate(ruleset.compiled)}
    keyed: list[tuple[int, int, RuleHit]] = []
    if token_rules:
        from assist.pipeline import get_nlp

        hyphen = get_nlp().vocab.strings.add("-")
        # Rules by the forms of their first word: a segment tries only rules whose first word it has.
        by_first: dict[int, list[_Compiled]] = {}
        for c in token_rules:
            first = c.elements[0]
            assert isinstance(first, _Word)
            for form in first.forms:
                by_first.setdefault(form, []).append(c)
        for n, toks in enumerate(_tokenise(text, segments)):
            tried = {id(c): c for h in toks.index if h in by_first for c in by_first[h]}
            for c in sorted(tried.values(), key=lambda c: order[id(c)]):
                spans = _token_spans(c.elements, toks, hyphen)
                if spans:
                    keyed.append((n, order[id(c)], RuleHit(n, c.rule.id, c.rule.code_id, spans, c.rule.score)))
    if regex_rules:
        until = deadline if deadline is not None else search_deadline()
        for c in regex_rules:
            assert c.regex is not None
            try:
                for n, (start, end) in enumerate(segments):
                    spans = [(start + a, start + b) for a, b in c.regex.spans(text[start:end], deadline=until)]
                    if spans:
                        keyed.append((n, order[id(c)], RuleHit(n, c.rule.id, c.rule.code_id, spans, c.rule.score)))
            except PatternError as exc:
                # Given up for this text: the caller keeps the rule's earlier suggestions here and
                # tells the researcher (`timed_out` collects the rule ids).
                logger.warning("suggestion rule %s given up: %s", c.rule.id, exc)
                if timed_out is not None:
                    timed_out.add(c.rule.id)
    keyed.sort(key=lambda item: (item[0], item[1]))
    return [hit for _, _, hit in keyed]


def rule_specs(rows: Any) -> list[RuleSpec]:
    """RuleSpecs from rows with id, code_id, kind, pattern, accepted, rejected (model instances or dicts)."""
    specs = []
    for row in rows:
        get: Any = row.get if isinstance(row, dict) else lambda name, r=row: getattr(r, name)
        specs.append(
            RuleSpec(
                id=int(get("id")),
                code_id=int(get("code_id")),
                kind=str(get("kind")),
                pattern=str(get("pattern")),
                accepted=int(get("accepted") or 0),
                rejected=int(get("rejected") or 0),
            )
        )
    return specs
