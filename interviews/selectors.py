from __future__ import annotations

import pandas as pd
from django.db.models import Prefetch, QuerySet

from studies.models import Study

from .models import Attribute, AttributeValue, Participant, Transcript
from .ordering import naturally


def study_attributes(*, study: Study) -> QuerySet[Attribute]:
    return Attribute.objects.filter(study=study).order_by("order", "name")


def participants_with_values(*, study: Study) -> QuerySet[Participant]:
    return (
        Participant.objects.filter(study=study)
        .prefetch_related(Prefetch("values", queryset=AttributeValue.objects.select_related("attribute")))
        .order_by("label")
    )


def participant_table(*, study: Study) -> pd.DataFrame:
    """One row per participant, one column per attribute (display values).

    The participants page and the CSV/XLSX export both use this frame.
    """
    attributes = list(study_attributes(study=study))
    rows = []
    for participant in naturally(participants_with_values(study=study), key=lambda p: p.label):
        by_attr = {value.attribute_id: value.display for value in participant.values.all()}
        row: dict[str, str] = {"id": participant.label}
        for attribute in attributes:
            row[attribute.name] = by_attr.get(attribute.pk, "")
        row["notes"] = participant.notes
        rows.append(row)
    columns = ["id", *[a.name for a in attributes], "notes"]
    return pd.DataFrame(rows, columns=columns)


def suggest_question_links(*, transcript: Transcript, threshold: float = 0.35) -> list[dict[str, object]]:
    """For interviewer turns without a question, the protocol question they most resemble.

    TF-IDF over word and character n-grams, cosine similarity; interviewers paraphrase, so
    character n-grams catch "How do you test your models" ~ "how would you test the model".
    """
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics.pairwise import cosine_similarity

    from .models import SpeakerRole, SpeakerTurn

    if transcript.protocol_id is None:
        return []
    questions = list(transcript.protocol.questions.order_by("order", "id"))  # type: ignore[union-attr]
    turns = list(
        SpeakerTurn.objects.filter(
            transcript=transcript, question__isnull=True, speaker__role=SpeakerRole.INTERVIEWER
        ).order_by("index")
    )
    if not questions or not turns:
        return []
    texts = [transcript.text[t.start : t.end] for t in turns]
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), lowercase=True, sublinear_tf=True)
    matrix = vectorizer.fit_transform([q.text for q in questions] + texts)
    scores = cosine_similarity(matrix[len(questions) :], matrix[: len(questions)])
    suggestions = []
    for turn, text, row in zip(turns, texts, scores, strict=True):
        best = int(row.argmax())
        if row[best] >= threshold:
            suggestions.append({"turn": turn, "text": text, "question": questions[best], "score": float(row[best])})
    return suggestions
