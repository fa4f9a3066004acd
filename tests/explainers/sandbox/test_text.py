"""The text demos on a study's own code-suggestion model: a small study coded and trained through the
services, then why a code is suggested (the n-grams behind it, LIME) and the edit that flips it."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pytest

from assist.services import process_transcripts
from assist.suggest.model import TrainedModel
from assist.suggestions import current_model, train_model
from coding.models import Code
from coding.services.codings import apply_coding
from explainers.sandbox.base import DemoRequest, DemoResult, demos_for, get_demo
from explainers.sandbox.demos import text as demos
from explainers.sandbox.methods import text as methods
from explainers.techniques import by_slug
from interviews.models import Transcript
from interviews.services.corrections import correct_transcript
from studies.models import Study
from tests.assist.suggestion_helpers import make_code, processed_transcript, sentences
from tests.conftest import Team

TRUST = [
    "The clinicians trust the model when they see the reasons.",
    "Nobody trusted the scores at first.",
    "Trust grew once the doctors could check a few cases themselves.",
    "I think trust comes from being able to question the model.",
    "They stopped trusting it after one bad week.",
    "Building trust took us most of a year.",
    "The nurses trust a score they can argue with.",
    "Without trust nobody opens the dashboard at all.",
]
DRIFT = [
    "We monitor drift in the input data every week.",
    "The monitoring dashboard shows when the data shifts.",
    "Drift in the lab values broke the model last spring.",
    "We retrain when the monitoring alarms fire.",
    "Data drift is the thing that worries me most.",
    "Our monitoring caught a drift in the age distribution.",
    "Every Monday someone looks at the drift report.",
    "The drift report goes to the whole team on Fridays.",
]
OTHER = [
    "The weather was nice that day.",
    "We had lunch in the canteen.",
    "My office is on the third floor.",
    "The train was late again this morning.",
]
HELD_OUT = "Honestly the nurses trust a score they can argue with, every single time."


def coded_study(team: Team) -> tuple[Code, Code]:
    """Two interviews, every trust and drift sentence coded by a coder, then the model trained."""
    trust, drift = make_code(team.study, "Trust"), make_code(team.study, "Monitoring")
    for title, lines in (("A", TRUST[:5] + DRIFT[:5] + OTHER), ("B", TRUST[5:] + DRIFT[5:] + OTHER[:2])):
        transcript = processed_transcript(
            team.study, [("Interviewer", "Tell me about it.")] + [("P", x) for x in lines], title
        )
        for start, end in sentences(transcript):
            sentence = transcript.text[start:end]
            code = trust if sentence in TRUST else drift if sentence in DRIFT else None
            if code is not None:
                apply_coding(transcript=transcript, code=code, start=start, end=end, coder=team.coder)
    model = train_model(team.study)
    assert sorted(model.enabled) == sorted([trust.pk, drift.pk])
    return trust, drift


def trained(study: Study) -> TrainedModel:
    row = current_model(study, with_blob=True)
    assert row is not None
    return TrainedModel.loads(bytes(row.blob))


def run(key: str, study: Study | None, **options: str) -> DemoResult:
    return get_demo(key).run(DemoRequest(demos.DATASET, demos.MODEL, options=options, study=study))


def block(result: DemoResult, title: str) -> pd.DataFrame:
    found = next(b for b in result.blocks if b.title == title)
    assert found.frame is not None
    return found.frame


@pytest.mark.django_db
def test_without_a_trained_model_the_demos_say_so(team: Team) -> None:
    make_code(team.study, "Trust")
    for key in ("text-why-suggested", "text-smallest-flip"):
        result = run(key, team.study, text=HELD_OUT)
        assert result.prediction is None
        assert "no trained code-suggestion model" in result.blocks[0].text
        assert run(key, None).prediction is None


@pytest.mark.django_db
def test_the_explanation_names_the_ngrams_that_drive_the_code(team: Team) -> None:
    trust, _ = coded_study(team)
    result = run("text-why-suggested", team.study, text=HELD_OUT, code="trust")
    assert result.prediction is not None and result.prediction.target == "Trust"
    p = float(trained(team.study).predict([HELD_OUT])[trust.pk][0])
    assert result.prediction.value == pytest.approx(p) and p >= 0.5
    assert result.prediction.label == "Trust"

    words = block(result, "The model's own reasons (exact)")
    assert words.iloc[0]["word"] == "trust" and words.iloc[0]["contribution"] > 0
    ngrams = block(result, "The n-grams behind it")
    top = ngrams.head(8)
    assert any("trust" in g or "tru" in g for g in top[top["contribution"] > 0]["n-gram"])
    lime = block(result, "LIME")
    assert "trust" in set(lime.head(3)["word"])
    # The same model through another code: the drift classifier does not want this sentence.
    others = block(result, "Every code the model knows, for this sentence")
    assert dict(zip(others["code"], others["suggested"], strict=True)) == {"Trust": "yes", "Monitoring": "no"}


@pytest.mark.django_db
def test_the_models_own_contributions_add_up_to_its_log_odds(team: Team) -> None:
    trust, drift = coded_study(team)
    model = trained(team.study)
    for code in (trust.pk, drift.pk):
        for text in (HELD_OUT, DRIFT[0], "Nothing here, really!", "trust trust TRUST, drift?"):
            contrib = methods.contributions(model, code, text)
            p = float(model.predict([text])[code][0])
            assert contrib.probability == pytest.approx(p, abs=1e-5)
            total = contrib.intercept + float(contrib.words.sum()) + contrib.unplaced
            assert total == pytest.approx(contrib.logit, abs=1e-6)


@pytest.mark.django_db
@pytest.mark.parametrize("edits", ["both", "delete", "substitute"])
def test_the_flipping_edit_really_flips_the_models_decision(team: Team, edits: str) -> None:
    trust, _ = coded_study(team)
    model = trained(team.study)
    result = run("text-smallest-flip", team.study, text=HELD_OUT, code=str(trust.pk), edits=edits, max_edits="8")
    steps = block(result, "Smallest edit found")
    original, edited = steps.iloc[0]["sentence"], steps.iloc[-1]["sentence"]
    assert original == HELD_OUT and edited != HELD_OUT
    before, after = model.predict([original, edited])[trust.pk]
    assert before >= 0.5 > after
    assert steps.iloc[-1]["probability"] == pytest.approx(after)
    assert 1 <= len(steps) - 1 <= 8
    if edits == "delete":  # only deletions: the edited words are the original's, in order, minus some
        kept = [t.word for t in methods.tokens(edited)]
        it = iter(t.word for t in methods.tokens(original))
        assert all(word in it for word in kept)
    # Ranked by the model's own reasons, deleting words flips it faster than random orders on average.
    curve = block(result, "Deleting words in order of importance")
    own = curve[curve["order"] == "model's own reasons"]["probability"].to_numpy()
    rand = curve[curve["order"] == "random order"]["probability"].to_numpy()
    assert own[0] == pytest.approx(before) and rand[0] == pytest.approx(before)
    assert own[1:4].mean() < rand[1:4].mean()


@pytest.mark.django_db
def test_a_sentence_not_suggested_is_flipped_towards_the_code(team: Team) -> None:
    trust, _ = coded_study(team)
    text = "The weather was nice that day, we had lunch."
    result = run("text-smallest-flip", team.study, text=text, code="Trust", max_edits="10")
    assert result.prediction is not None and result.prediction.value < 0.5
    edited = block(result, "Smallest edit found").iloc[-1]["sentence"]
    assert trained(team.study).predict([edited])[trust.pk][0] >= 0.5


@pytest.mark.django_db
def test_the_default_sentence_is_one_the_study_model_suggests_a_code_for(team: Team) -> None:
    coded_study(team)
    result = run("text-why-suggested", team.study)
    assert result.prediction is not None and result.prediction.value >= 0.5
    assert result.instance["sentence"] in TRUST + DRIFT
    chosen = run("text-why-suggested", team.study, code="Trust")
    assert chosen.instance["sentence"] in TRUST and chosen.prediction is not None
    assert chosen.prediction.target == "Trust"
    unknown = run("text-smallest-flip", team.study, text=HELD_OUT, code="No such code")
    assert unknown.notes and "No such code" in unknown.notes[0]
    assert unknown.prediction is not None and unknown.prediction.target == "Trust"  # the highest instead
    assert run("text-why-suggested", team.study, text="!!! ???").prediction is None


@pytest.mark.django_db
def test_a_corrected_text_is_not_shown_from_the_cached_sentences(team: Team) -> None:
    """De-identification and corrections make a new text version, not a new model: the sentences the
    demo took from the old text (with the names replaced) must not be shown again."""
    coded_study(team)
    before = current_model(team.study)
    first = run("text-why-suggested", team.study)
    old = first.instance["sentence"]
    transcript = next(t for t in Transcript.objects.filter(study=team.study) if old in t.text)
    word = max((w.strip(".,") for w in old.split()), key=len)
    new = old.replace(word, "Jordan")
    correct_transcript(
        transcript=transcript,
        new_text=transcript.text.replace(old, new),
        user=team.owner,
        expected_version=transcript.text_version,
    )
    after = current_model(team.study)
    assert before is not None and after is not None and after.version == before.version  # the same model

    # Not processed again yet: the transcript's stored sentences are of the old text, so it drops out.
    for key in ("text-why-suggested", "text-smallest-flip"):
        assert old not in run(key, team.study).instance["sentence"]
    loaded = demos._model(team.study)
    assert loaded is not None
    texts, _ = demos.study_sentences(team.study, loaded[0], loaded[1])
    assert old not in texts and new not in texts and texts
    # Processed again: its sentences come back, as corrected.
    process_transcripts([transcript])
    texts, _ = demos.study_sentences(team.study, loaded[0], loaded[1])
    assert new in texts and old not in texts


def test_the_demos_are_registered_under_vocabulary_slugs() -> None:
    explain, flip = get_demo("text-why-suggested"), get_demo("text-smallest-flip")
    for demo in (explain, flip):
        for slug in demo.slugs:
            by_slug(slug)
    assert explain in demos_for("lime") and explain in demos_for("local-explanations")
    assert flip in demos_for("adversarial-examples")


def test_edits_and_curves_on_a_counting_model() -> None:
    """A model that is 0.9 while the sentence says "trust" twice or more, 0.1 otherwise: one deletion
    is not enough, two are, and a substitution counts as one edit."""

    def predict(texts: Sequence[str]) -> np.ndarray:
        return np.array([0.9 if [t.word for t in methods.tokens(x)].count("trust") >= 2 else 0.1 for x in texts])

    text = "We trust it, and they trust it, and I trust it."
    toks = methods.tokens(text)
    importance = np.array([1.0 if t.word == "trust" else 0.0 for t in toks])
    flip = methods.smallest_flip(predict, text, toks, importance, [], max_edits=5)
    assert flip.flipped and len(flip.edits) == 2 and set(flip.edits.values()) == {""}
    assert [t.word for t in methods.tokens(flip.text)].count("trust") == 1
    assert methods.apply_edits(text, toks, {1: ""}) == "We it, and they trust it, and I trust it."
    order = [i for i, t in enumerate(toks) if t.word == "trust"] + [0]
    curve = methods.deletion_curve(predict, text, toks, order)
    assert curve.tolist() == [0.9, 0.9, 0.1, 0.1, 0.1] and methods.flips_at(curve) == 2
    none = methods.smallest_flip(predict, text, toks, importance, [], max_edits=1)
    assert not none.flipped


@pytest.mark.django_db
def test_a_long_text_is_cut_and_gets_fewer_lime_samples(team: Team) -> None:
    coded_study(team)
    long = " ".join(TRUST + DRIFT) * 3
    result = run("text-why-suggested", team.study, text=long, num_samples="5000")
    assert result.prediction is not None
    assert len(result.instance["sentence"]) == demos.MAX_TEXT
    words = len(methods.tokens(result.instance["sentence"]))
    samples = demos.WORD_SAMPLES // words
    assert any(f"cut to its first {demos.MAX_TEXT}" in n for n in result.notes)
    assert any(f"LIME used {samples} samples instead of 5000" in n for n in result.notes)
    lime = next(b for b in result.blocks if b.title == "LIME")
    assert f"from the sentence {samples} times" in lime.text


@pytest.mark.django_db
def test_replacement_words_come_only_from_the_current_text(team: Team) -> None:
    """A model trained before a de-identification still holds the names it replaced; the flip demo's
    replacement words are only words the study's text holds now."""
    trust, _ = coded_study(team)
    model = trained(team.study)
    everything = methods.substitutes(model, trust.pk, towards=1, k=10)
    assert everything
    kept = set(everything[1:])  # as if the first word had been replaced everywhere
    assert methods.substitutes(model, trust.pk, towards=1, k=10, allowed=frozenset(kept)) == everything[1:]
    assert methods.substitutes(model, trust.pk, towards=1, k=10, allowed=frozenset()) == []
