from __future__ import annotations

import datetime as dt

import pytest
import re2
from django.utils import timezone

from coding.models import Code, Coding
from coding.query import participant_filter
from coding.selectors import RetrievalQuery, compile_pattern, find_segments, search_hits, segment_page, segments_frame
from interviews.models import Participant
from interviews.services import participants as services
from tests.conftest import Team

from .helpers import make_transcript

TEXT = (
    "Interviewer: Do you trust SHAP?\n\n"
    "P1: We trust SHAP for debugging. Counterfactuals help users act.\n\n"
    "Interviewer: And fairness?\n\n"
    "P1: Fairness audits are rare 👍🏽 here.\n"
)


@pytest.fixture
def coded(team: Team):  # type: ignore[no-untyped-def]
    t = make_transcript(team.study, TEXT)
    p1 = Participant.objects.create(study=team.study, label="P1")
    t.participants.add(p1)
    role = services.create_attribute(study=team.study, name="role", type="category", choices=["DS", "PM"])
    services.save_participant(study=team.study, label="P1", values={role: "DS"}, participant=p1)
    trust, method, fair = (Code.objects.create(study=team.study, name=n) for n in ("Trust", "Method", "Fairness"))

    def code(code: Code, part: str, coder=team.coder) -> Coding:  # type: ignore[no-untyped-def]
        start = t.text.index(part)
        return Coding.objects.create(transcript=t, code=code, start=start, end=start + len(part), coder=coder)

    code(trust, "We trust SHAP for debugging.")
    code(method, "SHAP for debugging. Counterfactuals")
    code(method, "Counterfactuals help users act.", coder=team.owner)
    code(fair, "Fairness audits are rare 👍🏽 here.")
    return team, t, trust, method, fair


def _texts(team: Team, t, query: RetrievalQuery) -> list[str]:  # type: ignore[no-untyped-def]
    return [t.text[s.start : s.end] for s in find_segments(study=team.study, user=team.coder, query=query)]


@pytest.mark.django_db
def test_or_and_not(coded) -> None:  # type: ignore[no-untyped-def]
    team, t, trust, method, fair = coded
    assert len(_texts(team, t, RetrievalQuery(codes=[trust.pk, fair.pk]))) == 2
    assert _texts(team, t, RetrievalQuery(codes=[trust.pk, method.pk], mode="all")) == ["SHAP for debugging."]
    assert _texts(team, t, RetrievalQuery(codes=[method.pk], exclude=[trust.pk])) == ["Counterfactuals help users act."]


@pytest.mark.django_db
def test_same_turn_scope(coded) -> None:  # type: ignore[no-untyped-def]
    team, t, trust, method, fair = coded
    turn = _texts(team, t, RetrievalQuery(codes=[trust.pk, method.pk], mode="all", scope="turn"))
    assert turn == ["We trust SHAP for debugging. Counterfactuals help users act."]
    assert _texts(team, t, RetrievalQuery(codes=[trust.pk, fair.pk], mode="all", scope="turn")) == []
    assert _texts(team, t, RetrievalQuery(codes=[method.pk], exclude=[trust.pk], scope="turn")) == []


@pytest.mark.django_db
def test_filters_attribute_coder_date_and_deleted(coded) -> None:  # type: ignore[no-untyped-def]
    team, t, trust, method, fair = coded
    q = RetrievalQuery(codes=[method.pk], participants=participant_filter(study=team.study, text="role = DS"))
    assert len(_texts(team, t, q)) == 2
    q = RetrievalQuery(codes=[method.pk], participants=participant_filter(study=team.study, text="role = PM"))
    assert _texts(team, t, q) == []
    assert _texts(team, t, RetrievalQuery(codes=[method.pk], coders=[team.owner.pk])) == [
        "Counterfactuals help users act."
    ]
    assert _texts(team, t, RetrievalQuery(codes=[method.pk], date_from=timezone.now() + dt.timedelta(days=1))) == []
    Code.objects.filter(pk=fair.pk).update(deleted_at=timezone.now())
    Coding.objects.filter(code=trust).update(retired_at=timezone.now())
    assert len(_texts(team, t, RetrievalQuery())) == 2  # only the two Method codings remain visible


@pytest.mark.django_db
def test_page_counts_and_frame(coded) -> None:  # type: ignore[no-untyped-def]
    team = coded[0]
    segments = find_segments(study=team.study, user=team.coder, query=RetrievalQuery())
    page = segment_page(study=team.study, user=team.coder, query=RetrievalQuery(), page=1, per_page=2)
    assert page.total == 4 and len(page.segments) == 2
    second = segment_page(study=team.study, user=team.coder, query=RetrievalQuery(), page=2, per_page=2)
    assert [r["segment"] for r in page.segments + second.segments] == segments
    assert page.segments[0]["speaker"] == "P1" and page.segments[0]["participant"] == "P1"
    assert dict((c.name, n) for c, n in page.per_code) == {"Trust": 1, "Method": 2, "Fairness": 1}
    assert page.per_participant == [("P1", 4)]
    frame = segments_frame(study=team.study, segments=segments)
    assert list(frame.columns) == ["document", "participant", "speaker", "codes", "start", "end", "text"]
    assert frame.iloc[-1]["text"] == "Fairness audits are rare 👍🏽 here."


@pytest.mark.django_db
def test_search_hits_and_patterns(team: Team) -> None:
    t = make_transcript(team.study, TEXT)
    hits = search_hits(study=team.study, pattern=compile_pattern(text="shap", mode="words"))
    assert [(h.speaker, t.text[h.start : h.end]) for h in hits] == [("Interviewer", "SHAP"), ("P1", "SHAP")]
    only_p = search_hits(
        study=team.study, pattern=compile_pattern(text="shap", mode="words"), speaker_role="participant"
    )
    assert len(only_p) == 1
    assert search_hits(study=team.study, pattern=compile_pattern(text="shap", mode="words", case_sensitive=True)) == []
    assert search_hits(study=team.study, pattern=compile_pattern(text="SHAP", mode="words", case_sensitive=True)) != []
    assert search_hits(study=team.study, pattern=compile_pattern(text="Shap", mode="words", case_sensitive=True)) == []
    emoji = search_hits(study=team.study, pattern=compile_pattern(text="rare 👍🏽", mode="words"))
    assert t.text[emoji[0].start : emoji[0].end] == "rare 👍🏽"
    phrases = compile_pattern(text="fairness audits\ncounterfactuals", mode="phrases")
    assert len(search_hits(study=team.study, pattern=phrases)) == 2
    assert isinstance(compile_pattern(text=r"trust\w*", mode="regex").regex, re2._Regexp)


@pytest.mark.parametrize(
    ("text", "message"), [("(a)\\1", "backreference"), ("[unclosed", "Not a valid"), ("  ", "Type something")]
)
def test_bad_patterns(text: str, message: str) -> None:
    from coding.selectors import PatternError

    with pytest.raises(PatternError, match=message):
        compile_pattern(text=text, mode="regex")
