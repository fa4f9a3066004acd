"""User patterns (coding.patterns): RE2, linear time, clear refusals, code point offsets.

Before RE2, `(.|.)*#` passed the nested-quantifier guard and Python's backtracking `re` took
about 2 s on 24 characters, four times as long for every 2 more: the 5,000-character documents
below never finished. `hang_guard` turns such a hang into a failure after a generous minute.
"""

from __future__ import annotations

import random
import re
import signal
import threading
from collections.abc import Iterator
from types import FrameType

import pytest
import re2
from django.urls import reverse

from coding import patterns
from coding.models import Code, Coding
from coding.patterns import PatternError, compile_user_pattern
from coding.selectors import search_hits
from coding.services.autocode import apply_autocode
from tests.conftest import Team, csrf_post

from .helpers import make_transcript

HOSTILE = [
    ("(.|.)*#", "a" * 5000),
    ("(a+)+$", "a" * 5000 + "!"),
    ("(a|aa)*b", "a" * 5000),
    (r"(\w+\s?)*$", "ab " * 1700 + "!"),
    (r"(?:.{0,100}a){7}!", "a é" * 1700),
]


@pytest.fixture
def hang_guard() -> Iterator[None]:
    """Fail instead of hanging (a backtracking engine on the inputs above would run for years)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: FrameType | None) -> None:
        raise AssertionError("the search did not finish within 60 s: is it backtracking?")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, 60)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _hits(pattern: str, text: str, mode: str = "regex", case_sensitive: bool = False) -> list[str]:
    compiled = compile_user_pattern(text=pattern, mode=mode, case_sensitive=case_sensitive)
    return [text[start:end] for start, end in compiled.spans(text)]


@pytest.mark.parametrize(("pattern", "text"), HOSTILE, ids=[p for p, _ in HOSTILE])
def test_hostile_expressions_run_on_re2(pattern: str, text: str, hang_guard: None) -> None:
    compiled = compile_user_pattern(text=pattern, mode="regex")
    assert isinstance(compiled.regex, re2._Regexp)
    expected = [m.span() for m in re2.finditer(compiled.expression, text) if m.end() > m.start()]
    assert list(compiled.spans(text)) == expected


@pytest.mark.django_db
@pytest.mark.parametrize(("pattern", "text"), HOSTILE[:4], ids=[p for p, _ in HOSTILE[:4]])
def test_kwic_and_autocode_answer_hostile_expressions(team: Team, pattern: str, text: str, hang_guard: None) -> None:
    make_transcript(team.study, f"P1: {text}\n")
    kwic = team.client("viewer").get(reverse("coding:kwic", args=[team.study.slug]), {"q": pattern, "mode": "regex"})
    assert kwic.status_code == 200
    url = reverse("coding:autocode", args=[team.study.slug])
    form = {"q": pattern, "mode": "regex", "scope": "match", "new_code": "Hostile"}
    preview = csrf_post(team.client("coder"), url, {**form, "action": "preview"})
    assert preview.status_code == 200
    keys = [row["hit"].key for row in preview.context["rows"]]
    applied = csrf_post(team.client("coder"), url, {**form, "action": "apply", "hit": keys})
    assert applied.status_code == (200 if keys else 400)
    assert Coding.objects.count() == len(keys)


@pytest.mark.parametrize(
    ("pattern", "named"),
    [
        (r"(a)\1", "The backreference \\1 is not supported"),
        (r"(?P<x>a)(?P=x)", "The backreference (?P=name) is not supported"),
        (r"trust(?=ed)", "Lookahead (?=…) is not supported"),
        (r"trust(?!ed)", "Negative lookahead (?!…) is not supported"),
        (r"(?<=I )trust", "Lookbehind (?<=…) is not supported"),
        (r"(?<!dis)trust", "Negative lookbehind (?<!…) is not supported"),
        (r"(?>trust|trusted)", "The atomic group (?>…) is not supported"),
        (r"trust\w*+", "The possessive quantifier *+ is not supported"),
        (r"(t)?(?(1)rust|x)", "The conditional (?(…)…|…) is not supported"),
        (r"trust(?#why)", "The comment (?#…) is not supported"),
        (r"(?x) trust", "The flag (?x) is not supported"),
        (r"\C", "\\C (a single byte, which can split a character) is not supported"),
        (r"[\W]", "\\W inside […] is not supported"),
        (r"a{1001}", "The repetition {1001} is too large"),
        (r"(\s*\w*){1,300}", "too complex to run"),
        (r"[unclosed", "Not a valid regular expression: missing ]"),
    ],
)
def test_unsupported_syntax_is_named(pattern: str, named: str) -> None:
    with pytest.raises(PatternError) as refused:
        compile_user_pattern(text=pattern, mode="regex")
    assert named in str(refused.value)
    if "linear time" in str(refused.value):
        assert "RE2 syntax" in str(refused.value)


def test_python_dialect_still_works() -> None:
    assert _hits(r"trust\w*", "Trustwürdig, distrust trust😀") == ["Trustwürdig", "trust", "trust"]
    assert _hits(r"\d+", "12 ٣٤") == ["12", "٣٤"]
    assert _hits(r"a\sb", "a\u00a0b a b") == ["a\u00a0b", "a b"]
    assert _hits(r"[\w-]+", "Über-Sicht!") == ["Über-Sicht"]
    assert _hits(r"\u00e9|\N{EM DASH}|end\Z", "é — end") == ["é", "—", "end"]
    assert _hits(r"(?P<w>übersicht)", "ÜBERSICHT") == ["ÜBERSICHT"]
    assert _hits("übersicht", "Übersicht", case_sensitive=True) == []


def test_words_keep_their_unicode_boundaries_and_case() -> None:
    assert _hits("café", "café cafés écafé Café", "words") == ["café", "Café"]
    assert _hits("übersicht", "Übersicht, ÜBERSICHT; Übersichten", "words") == ["Übersicht", "ÜBERSICHT"]
    assert _hits("trust me\ntrust", "trust meat, trust me,\ttrust  me", "phrases") == ["trust", "trust me", "trust  me"]
    # A combining mark belongs to its word: "e" alone is not found in "é" written as e + U+0301.
    assert _hits("e", "e\u0301 e", "words") == ["e"]
    assert _hits("👍", "👍👍 x👍", "words") == ["👍", "👍"]


def _old_words(pattern: str, mode: str) -> re.Pattern[str]:
    """The pattern Thematica built with Python's `re` before RE2 (lookarounds, `\\s+`)."""
    phrases = [line.strip() for line in pattern.splitlines() if line.strip()] if mode == "phrases" else [pattern]
    return re.compile(
        "|".join(rf"(?<!\w){re.escape(p).replace(chr(92) + ' ', r'\s+')}(?!\w)" for p in sorted(phrases, key=len, reverse=True)),
        re.IGNORECASE,
    )  # fmt: skip


@pytest.mark.parametrize("window", [None, 24])
def test_words_and_phrases_find_what_python_re_found(window: int | None, monkeypatch: pytest.MonkeyPatch) -> None:
    """Random texts of the tricky characters; with a tiny window, every hit crosses windows."""
    if window:
        monkeypatch.setattr(patterns, "WINDOW", window)
    rng = random.Random(8)
    alphabet = ["trust", "Trust", "me", "ü", "Ü", "é", " ", " ", "  ", "\n", ",", "😀", "👍🏽", "x", "_", "1"]
    searches = [("trust", "words"), ("trust me", "words"), ("ü", "words"), ("👍🏽", "words"),
                ("trust me\ntrust\n😀\né", "phrases"), ("me trust\nme", "phrases")]  # fmt: skip
    compiled = [(_old_words(p, mode), compile_user_pattern(text=p, mode=mode)) for p, mode in searches]
    for _ in range(300):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        for old, new in compiled:
            assert list(new.spans(text)) == [m.span() for m in old.finditer(text)], (new.expression, text)


@pytest.mark.parametrize("window", [None, 16])
def test_regex_hits_match_python_re_across_windows(window: int | None, monkeypatch: pytest.MonkeyPatch) -> None:
    if window:
        monkeypatch.setattr(patterns, "WINDOW", window)
    rng = random.Random(2)
    expressions = ["a+", "b?é", "😀\\s?a", "(?:a|b)[^ ]", "x*", "\\w\\W"]
    compiled = [(re.compile(p), compile_user_pattern(text=p, mode="regex", case_sensitive=True)) for p in expressions]
    for _ in range(300):
        text = "".join(rng.choice(["a", "b", "é", "😀", " ", "\n"]) for _ in range(rng.randint(0, 60)))
        for old, new in compiled:
            assert list(new.spans(text)) == [m.span() for m in old.finditer(text) if m.end() > m.start()], text


def test_a_hit_longer_than_half_a_window_is_cut(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(patterns, "WINDOW", 16)
    assert _hits("a+", "a" * 20) == ["a" * 16, "a" * 4]
    assert _hits("a b", "a" + " " * 20 + "b", "words") == []


def test_search_stops_at_its_time_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    ticks = iter(range(1000))
    monkeypatch.setattr(patterns, "_clock", lambda: float(next(ticks)))
    compiled = compile_user_pattern(text="x*", mode="regex")
    with pytest.raises(PatternError, match="stopped after 5 seconds"):
        list(compiled.spans("a" * 100, deadline=3.0))


@pytest.mark.django_db
def test_kwic_shows_the_time_budget_message(team: Team, monkeypatch: pytest.MonkeyPatch) -> None:
    make_transcript(team.study, "P1: " + "a" * 100 + "\n")
    monkeypatch.setattr(patterns, "SEARCH_SECONDS", -1.0)
    response = team.client("viewer").get(reverse("coding:kwic", args=[team.study.slug]), {"q": "a", "mode": "regex"})
    assert response.status_code == 400 and "The search was stopped" in response.content.decode()


def test_compiled_patterns_are_not_kept_in_re2s_cache() -> None:
    before = re2._Regexp._make.cache_info().currsize
    compile_user_pattern(text="kept nowhere 1", mode="regex")
    compile_user_pattern(text="kept nowhere 2", mode="phrases")
    assert re2._Regexp._make.cache_info().currsize == before


@pytest.mark.django_db
@pytest.mark.parametrize("mode", ["regex", "words"])
def test_offsets_are_code_points_and_codings_stay_anchored(team: Team, mode: str) -> None:
    transcript = make_transcript(team.study, "P1: 😀 e\u0301 👍🏽 trust 😀 me, trustworthy.\n")
    query = r"trust\w*" if mode == "regex" else "trustworthy"
    hits = search_hits(study=team.study, pattern=compile_user_pattern(text=query, mode=mode))
    assert [transcript.text[h.start : h.end] for h in hits][-1] == "trustworthy"
    code = Code.objects.create(study=team.study, name="Trust")
    apply_autocode(study=team.study, user=team.coder, code=code, hits=hits[-1:], description="test")
    coding = Coding.objects.get()
    assert transcript.text[coding.start : coding.end] == "trustworthy"
    assert coding.start == transcript.text.index("trustworthy")


def test_a_too_long_search_names_the_limit() -> None:
    with pytest.raises(PatternError, match="at most 300 characters, this one has 301"):
        compile_user_pattern(text="a" * 301, mode="regex")


@pytest.mark.django_db
def test_kwic_says_when_it_stopped_counting(team: Team) -> None:
    """At the hit cap the page said "5000 matches" when there were millions."""
    make_transcript(team.study, "P1: " + "a " * 6000)
    url = reverse("coding:kwic", args=[team.study.slug])
    body = team.client("viewer").get(url, {"q": "a", "mode": "regex"}).content.decode()
    assert "At least <strong>5000</strong> matches (the search stops at 5000" in body
    body = team.client("viewer").get(url, {"q": "zebra"}).content.decode()
    assert "At least" not in body


@pytest.mark.parametrize("pattern", [r"\bber\b", r"ma\b", r"\Bber"])
def test_word_boundaries_are_refused_rather_than_wrong_on_accented_words(pattern: str) -> None:
    """RE2's \\b is ASCII-only: `\\bber\\b` matched "ber" inside "über" (an auto-code would code half a word)."""
    with pytest.raises(PatternError, match=r"word boundary\) is not supported.*über"):
        compile_user_pattern(text=pattern, mode="regex")
    assert list(compile_user_pattern(text="ber", mode="words").spans("Das war über alles")) == []
