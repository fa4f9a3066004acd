"""Coding benchmark: the reader, applying a code, and retrieval.

    .venv/bin/python bench/coding_bench.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/thematica_bench .venv/bin/python bench/coding_bench.py

1. Reader: a 20,000-word transcript with 1,500 codings across 60 codes; baseline: the same
   document with no codings, rendered in the same run.
2. Apply: one POST applying a code to a span (server time, through the test client).
3. Retrieval: 200 transcripts, 50,000 codings; a two-code AND (same span) with one attribute
   filter, first page; baseline: a one-code OR query.
Prints medians and ratios; the last line is `reader_ms=... apply_ms=... retrieval_ms=...`.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable

from _django import setup
from _timing import timed


def median_ms(fn: Callable[[], object], runs: int) -> float:
    return statistics.median(timed(fn, runs))


def main() -> None:
    database = setup()
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from accounts.models import User
    from coding.models import Code, Coding
    from coding.query import participant_filter
    from coding.selectors import RetrievalQuery, segment_page
    from interviews.models import Attribute, AttributeValue, Participant, Speaker, SpeakerTurn, Transcript
    from interviews.services.imports import import_transcript
    from studies.services import create_study
    from tests.data.synthetic import random_spans, synthetic_transcript

    rng = random.Random(11)
    user = User.objects.create_user(f"bench{time.time_ns()}")
    study = create_study(owner=user, title=f"Coding bench {time.time_ns()}")
    codes = [
        Code.objects.create(study=study, name=f"Code {i:02d}", colour=f"#{rng.randrange(0xFFFFFF):06x}")
        for i in range(60)
    ]

    def transcript_text(n_words: int) -> str:
        return synthetic_transcript(rng, n_words)

    big = import_transcript(
        study=study, filename="big.txt", data=transcript_text(20_000).encode(), user=user
    ).transcript
    plain = import_transcript(
        study=study, filename="plain.txt", data=transcript_text(20_000).encode(), user=user
    ).transcript
    length = len(big.text)
    Coding.objects.bulk_create(
        # Teammates' codings (no coder here), so the benchmark's own applies never join them.
        Coding(transcript=big, study=study, text_version=big.text_version, code=codes[i % 60], start=start, end=end)
        for i, (start, end) in enumerate(random_spans(rng, length, 1500))
    )

    client = Client()
    client.force_login(user)
    reader_url = reverse("interviews:transcript_detail", args=[study.slug, big.uuid])
    plain_url = reverse("interviews:transcript_detail", args=[study.slug, plain.uuid])
    queries: list[str] = []

    def count(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        assert client.get(reader_url).status_code == 200
    reader = median_ms(lambda: client.get(reader_url), 15)
    baseline_reader = median_ms(lambda: client.get(plain_url), 15)

    apply_url = reverse("coding:apply", args=[study.slug, big.uuid])
    counter = iter(range(10_000))

    def apply() -> None:
        start = next(counter) * 3
        response = client.post(
            apply_url, {"code": str(codes[0].uuid), "start": start, "end": start + 2}, content_type="application/json"
        )
        assert response.status_code == 201, response.content

    apply_ms = median_ms(apply, 30)

    # Retrieval corpus: 200 transcripts with 250 codings each.
    role = Attribute.objects.create(study=study, name="role", type="category", choices=["DS", "PM"])
    texts = [transcript_text(1500) for _ in range(200)]
    for i, text in enumerate(texts):
        participant = Participant.objects.create(study=study, label=f"R{i}")
        AttributeValue.objects.create(participant=participant, attribute=role, value_text="DS" if i % 2 else "PM")
        transcript = Transcript.objects.create(study=study, title=f"Interview {i:03d}", text=text, char_count=len(text))
        transcript.participants.add(participant)
        speaker = Speaker.objects.create(transcript=transcript, label="P1", participant=participant)
        SpeakerTurn.objects.bulk_create(
            SpeakerTurn(
                transcript=transcript, index=j, speaker=speaker, start=j * 500, end=min(len(text), j * 500 + 499)
            )
            for j in range(len(text) // 500)
        )
        batch = []
        for _ in range(250):
            start = rng.randrange(0, len(text) - 300)
            batch.append(
                Coding(
                    transcript=transcript,
                    study=study,
                    text_version=transcript.text_version,
                    code=rng.choice(codes),
                    start=start,
                    end=start + rng.randint(20, 300),
                    coder=user,
                )
            )
        Coding.objects.bulk_create(batch)
    total_codings = Coding.objects.filter(study=study).count()
    if connection.vendor == "postgresql":
        # What autovacuum does within a minute of a bulk load; right after one, before it, the
        # AND below plans without statistics and takes about half a second.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    where = participant_filter(study=study, text="role = DS")

    def retrieve(query: RetrievalQuery) -> Callable[[], object]:
        return lambda: segment_page(study=study, user=user, query=query, page=1)

    retrieval = median_ms(
        retrieve(RetrievalQuery(codes=[codes[1].pk, codes[2].pk], mode="all", participants=where)), 15
    )
    baseline_retrieval = median_ms(retrieve(RetrievalQuery(codes=[codes[1].pk])), 15)

    print(f"database: {database}")
    print(
        f"reader: 20,000 words, 1,500 codings, 60 codes: {reader:.1f} ms (no codings: {baseline_reader:.1f} ms, "
        f"ratio {reader / baseline_reader:.2f}x); {len(queries)} SQL queries"
    )
    print(f"apply: {apply_ms:.1f} ms per POST")
    print(
        f"retrieval: {total_codings} codings in 201 documents; AND of two codes + attribute filter, first page: "
        f"{retrieval:.1f} ms (one code: {baseline_retrieval:.1f} ms, ratio {retrieval / baseline_retrieval:.2f}x)"
    )
    print(f"reader_ms={reader:.1f} apply_ms={apply_ms:.1f} retrieval_ms={retrieval:.1f}")


if __name__ == "__main__":
    main()
