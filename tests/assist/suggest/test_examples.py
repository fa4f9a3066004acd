"""Training examples: codings snapped to stored sentences, background, rejections, query count."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest

from assist.models import Suggestion
from assist.selectors import transcript_sentences
from assist.services import process_transcripts
from assist.suggest.examples import build_examples, study_segments
from assist.suggestions import accept_suggestion
from coding.models import Code
from coding.selectors.training import training_codings
from coding.services.codebook import create_code, delete_code
from coding.services.codings import apply_coding, remove_coding
from interviews.models import Transcript
from interviews.services.imports import import_transcript
from studies.models import Study
from tests.factories import make_study, make_user

pytestmark = pytest.mark.django_db

TEXT = (
    "P1: Alpha beta gamma delta. Epsilon zeta eta theta. Iota kappa lambda mu.\n\n"
    "P2: Nu xi omicron pi. Rho sigma tau upsilon.\n"
)


def transcript(study: Study, user: Any, n: int = 1) -> Transcript:
    t = import_transcript(
        study=study, filename=f"p{n}.txt", data=TEXT.replace("Alpha", f"Alpha{n}").encode(), user=user
    ).transcript
    process_transcripts(Transcript.objects.filter(pk=t.pk))
    return t


def test_codings_snap_to_sentences_and_background_stops_at_the_last_coding() -> None:
    user = make_user()
    study = make_study(owner=user)
    a, b, c = (create_code(study=study, user=user, name=name) for name in "ABC")
    t = transcript(study, user)
    s1, s2, s3, s4, s5 = transcript_sentences(t) or []
    text = t.text
    whole, _ = apply_coding(transcript=t, code=a, start=s1[0], end=s1[1], coder=user)
    inside, _ = apply_coding(transcript=t, code=b, start=s2[0] + 8, end=s2[0] + 12, coder=user)  # "zeta" in s2
    # "eta theta. Iota": the end of s2 and the start of s3, under half of each: the larger overlap wins.
    _straddle, _ = apply_coding(transcript=t, code=c, start=text.index("eta theta"), end=s3[0] + 4, coder=user)
    segments = study_segments(study)
    assert [(s.start, s.end) for s in segments] == [s1, s2]  # s3..s5: after the last coding, not read
    assert segments[0].codes == {a.pk} and segments[0].key == str(whole.uuid)
    assert segments[1].codes == {b.pk, c.pk} and segments[1].key == str(inside.uuid)
    assert segments[1].text == text[s2[0] : s2[1]]
    # A coding over s3 and more than half of s4 makes both positives; s3's gap sentence stays background.
    apply_coding(transcript=t, code=a, start=s3[0], end=s4[0] + 15, coder=user)
    by_span = {(s.start, s.end): s for s in study_segments(study)}
    assert by_span[s3].codes == {a.pk} and by_span[s4].codes == {a.pk}
    assert s5 not in by_span


def test_rejected_suggestions_are_negatives_and_mark_the_sentence_read() -> None:
    user = make_user()
    study = make_study(owner=user)
    a, b = (create_code(study=study, user=user, name=name) for name in "AB")
    t = transcript(study, user)
    s1, _, _, _, s5 = transcript_sentences(t) or []
    apply_coding(transcript=t, code=a, start=s1[0], end=s1[1], coder=user)
    for code, span in ((b, s5), (a, s1)):
        Suggestion.objects.create(
            study=study, transcript=t, text_version=t.text_version, start=span[0], end=span[1], code=code,
            score=0.5, band="medium", source="rule", status="rejected", run=uuid4(),
        )  # fmt: skip
    examples = {e.key: e for e in build_examples(study)}
    assert len(examples) == 5
    last = examples[f"{t.pk}:{s5[0]}:{s5[1]}"]
    assert last.codes == frozenset() and last.negative_codes == frozenset({b.pk})
    # Coded as A and A rejected there too: the coding wins.
    first = next(e for e in examples.values() if e.codes)
    assert first.codes == frozenset({a.pk}) and first.negative_codes == frozenset()


def test_a_suggestion_accepted_as_another_code_is_a_negative_of_the_suggested_code() -> None:
    user = make_user()
    study = make_study(owner=user)
    a, b = (create_code(study=study, user=user, name=name) for name in "AB")
    t = transcript(study, user)
    s1, s2, *_ = transcript_sentences(t) or []
    apply_coding(transcript=t, code=a, start=s1[0], end=s1[1], coder=user)
    kept_code, other_code = (
        Suggestion.objects.create(
            study=study, transcript=t, text_version=t.text_version, start=span[0], end=span[1], code=b,
            score=0.5, band="medium", source="rule", status="open", run=uuid4(),
        )
        for span in (s1, s2)
    )  # fmt: skip
    accept_suggestion(suggestion=kept_code, user=user)  # accepted as suggested: B is right there
    accept_suggestion(suggestion=other_code, user=user, code=a)  # B was wrong there: coded A instead
    second = next(e for e in build_examples(study) if e.text == t.text[s2[0] : s2[1]])
    assert second.codes == frozenset({a.pk}) and second.negative_codes == frozenset({b.pk})
    first = next(e for e in build_examples(study) if e.text == t.text[s1[0] : s1[1]])
    assert first.codes == frozenset({a.pk, b.pk}) and first.negative_codes == frozenset()


def test_retired_codings_and_deleted_codes_do_not_train() -> None:
    user = make_user()
    study = make_study(owner=user)
    a, b = (create_code(study=study, user=user, name=name) for name in "AB")
    t = transcript(study, user)
    s1, s2, *_ = transcript_sentences(t) or []
    kept, _ = apply_coding(transcript=t, code=a, start=s1[0], end=s1[1], coder=user)
    removed, _ = apply_coding(transcript=t, code=a, start=s2[0], end=s2[1], coder=user)
    remove_coding(coding=removed, user=user)
    apply_coding(transcript=t, code=b, start=s2[0], end=s2[1], coder=user)
    delete_code(code=Code.objects.get(pk=b.pk), user=user)
    assert [row[0] for row in training_codings(study=study)] == [kept.uuid]
    assert [e.codes for e in build_examples(study)] == [frozenset({a.pk})]


def test_unprocessed_transcripts_train_on_their_codings_own_text() -> None:
    user = make_user()
    study = make_study(owner=user)
    a = create_code(study=study, user=user, name="A")
    t = import_transcript(study=study, filename="raw.txt", data=TEXT.encode(), user=user).transcript
    start = t.text.index("Epsilon")
    apply_coding(transcript=t, code=a, start=start, end=start + 12, coder=user)
    [example] = build_examples(study)
    assert example.text == "Epsilon zeta" and example.codes == frozenset({a.pk})


def test_a_constant_number_of_queries_for_the_whole_study(django_assert_max_num_queries: Any) -> None:
    user = make_user()
    study = make_study(owner=user)
    a, b = (create_code(study=study, user=user, name=name) for name in "AB")

    def grow(first: int, count: int) -> None:
        for n in range(first, first + count):
            t = transcript(study, user, n)
            sentences = transcript_sentences(t) or []
            for i, (start, end) in enumerate(sentences):
                apply_coding(transcript=t, code=a if i % 2 else b, start=start, end=end, coder=user)
            Suggestion.objects.create(
                study=study, transcript=t, text_version=t.text_version, start=sentences[0][0], end=sentences[0][1],
                code=a, score=0.5, band="medium", source="rule", status="rejected", run=uuid4(),
            )  # fmt: skip
        raw = import_transcript(
            study=study, filename=f"raw{first}.txt", data=f"P9: unprocessed {first}.".encode(), user=user
        ).transcript
        apply_coding(transcript=raw, code=a, start=4, end=15, coder=user)

    grow(1, 2)
    with django_assert_max_num_queries(4):
        small = build_examples(study)
    grow(10, 6)
    with django_assert_max_num_queries(4):
        large = build_examples(study)
    assert (len(small), len(large)) == (2 * 5 + 1, 8 * 5 + 2)
