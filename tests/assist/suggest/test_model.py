"""The learned model: enabled at MIN_EXAMPLES, predictions, negatives, similar evidence, the blob."""

from __future__ import annotations

import numpy as np

from assist.suggest.model import MIN_EXAMPLES, Example, TrainedModel, train

TRUST = [
    "I only trust the model when the explanation makes sense.",
    "Our trust in the scores grew once we saw the reasons.",
    "People rely on the prediction when it comes with a chart.",
    "I was confident in the output after checking the features.",
    "We trusted the model more after seeing SHAP values.",
    "Confidence in the prediction went up with explanations.",
    "They believe whatever the model says once it is explained.",
]
RULES = [
    "The regulator asked for documentation of every feature.",
    "Under GDPR we must explain automated decisions.",
    "Our auditors want to know why applicants were declined.",
    "Compliance signs off only with written reasons.",
    "The legal team asks about the right to explanation.",
    "The supervisory authority wants stable reason codes.",
    "Regulation means a paper trail for every model change.",
]
OTHER = [
    "I have been in the team for three years.",
    "We mostly work in Python and SQL.",
    "The office is quieter since people work from home.",
    "Let me think about that for a second.",
    "We have a weekly stand-up on Mondays.",
    "Our data comes from three source systems.",
]


def examples(trust: int = len(TRUST), rules: int = len(RULES)) -> list[Example]:
    out = [Example(f"t{i}", text, frozenset({1})) for i, text in enumerate(TRUST[:trust])]
    out += [Example(f"r{i}", text, frozenset({2})) for i, text in enumerate(RULES[:rules])]
    out += [Example(f"o{i}", text, frozenset()) for i, text in enumerate(OTHER)]
    return out


def test_a_code_is_enabled_from_min_examples_on() -> None:
    assert MIN_EXAMPLES == 6
    model = train(examples(trust=MIN_EXAMPLES, rules=MIN_EXAMPLES - 1))
    assert model.counts == {1: 6, 2: 5}
    assert model.enabled == {1}
    assert model.status(1) == ("enabled", 6)
    assert model.status(2) == ("needs more examples", 5)
    assert set(model.predict(["anything"])) == {1}


def test_no_code_enabled_means_no_predictions() -> None:
    model = train(examples(trust=5, rules=5))
    assert model.enabled == set()
    assert model.predict(["I trust it."]) == {}
    assert model.similar(["I trust it."]) == [[]]


def test_predictions_favour_the_right_code() -> None:
    model = train(examples())
    texts = ["I trust the model because the explanation is sensible.", "The regulator wants documentation for GDPR."]
    p = model.predict(texts)
    assert p[1][0] > 0.5 > p[1][1]
    assert p[2][1] > 0.5 > p[2][0]
    assert all(isinstance(v, np.ndarray) and v.shape == (2,) for v in p.values())


def test_rejections_lower_the_probability_of_the_rejected_code() -> None:
    text = "We checked the documentation with the team."
    base = train(examples()).predict([text])[2][0]
    negatives = [*examples(), Example("n1", text, frozenset(), frozenset({2}))]
    assert train(negatives).predict([text])[2][0] < base


def test_similar_returns_the_nearest_coded_examples_per_code() -> None:
    model = train(examples())
    [found] = model.similar(["Under GDPR the regulator wants automated documentation."], k=2)
    of_rules = [item for item in found if item[1] == 2]
    assert {key for key, _, _ in of_rules} == {"r0", "r1"}  # the regulator sentence and the GDPR one
    assert len(of_rules) == 2 and of_rules[0][2] >= of_rules[1][2] > 0
    [[(_, code, _)]] = model.similar(["GDPR"], k=1)  # one word in common with one example only
    assert code == 2
    assert all(key.startswith(("t", "r")) for key, _, _ in found)  # uncoded examples are never evidence
    assert [s for _, _, s in found] == sorted((s for _, _, s in found), reverse=True)


def test_the_blob_round_trips_and_is_small() -> None:
    model = train(examples())
    texts = ["I trust it.", "GDPR applies."]
    model.predict(texts)  # a cached transform must not travel in the blob
    blob = model.dumps()
    assert len(blob) < 200_000
    loaded = TrainedModel.loads(blob)
    assert loaded.enabled == model.enabled and loaded.counts == model.counts
    for code, values in model.predict(texts).items():
        np.testing.assert_allclose(loaded.predict(texts)[code], values)
    assert loaded.similar(texts) == model.similar(texts)


def test_training_is_deterministic() -> None:
    a, b = train(examples()), train(examples())
    np.testing.assert_array_equal(a.predict(["I trust it"])[1], b.predict(["I trust it"])[1])


def test_word_and_char_features_both_work() -> None:
    for features in ("word", "char"):
        model = train(examples(), features=features)
        assert model.predict(["I trust the model."])[1][0] > 0.5


def test_the_cached_char_analyser_is_scikit_learns_char_wb() -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer

    from assist.suggest.model import char_wb_ngrams

    reference = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5)).build_analyzer()
    for text in ["I  trusted\tthe Model, e-mail é a I ab abc abcd", "x", "", "ÉCOLE  naïve\u00a0x\nSHAP-values"]:
        assert char_wb_ngrams(text) == reference(text)
