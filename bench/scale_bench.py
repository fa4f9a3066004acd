"""Scale benchmark: one study with 1,000 transcripts, 500 codes and 1,000,000 codings.

    createdb -h 127.0.0.1 -U postgres thematica_scale
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/thematica_scale .venv/bin/python bench/scale_bench.py

The study is built in the database named by DATABASE_URL (PostgreSQL: rows are bulk-loaded
with COPY) and reused by later runs. 500 codes in 3 levels (10 / 90 / 400), 1,000 transcripts
of about 3,000 words (the first one 20,000 words with 1,500 codings), 1,000 participants with
a `role` attribute, 5 coders; one code holds 100,000 codings, another 2,000. Then, through
Django's test client or the services, median and p95 of:

- the codebook page with counts, the study dashboard, the reader of the 20,000-word
  transcript, applying a code (JSON POST), the first page of a retrieval (two-code AND +
  attribute filter);
- merging the 100,000-coding code into the 2,000-coding one, and undoing that merge.

Baseline, same run: the same pages and a 1,000-coding merge on a small study (one
transcript, 50 codes, 1,000 codings) in the same database. The last line is
`codebook_ms= dashboard_ms= reader_ms= apply_ms= retrieval_ms= merge_s= merge_undo_s=`
(p95 for pages, medians for merge and undo).
"""

from __future__ import annotations

import bisect
import io
import random
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from typing import Any

from _django import setup
from _timing import p95, timed

SLUG = "scale-bench"
SMALL_SLUG = "scale-bench-small"
TRANSCRIPTS = 1000
CODINGS = 1_000_000
CODERS = 5
BIG_CODE_CODINGS = 100_000
TARGET_CODE_CODINGS = 2_000
READER_CODINGS = 1_500


def _copy(table: str, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
    """Bulk-load rows with PostgreSQL's COPY (or bulk INSERT elsewhere)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)
        return
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join("\\N" if v is None else str(v) for v in row) + "\n")
    buffer.seek(0)
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg 3
        quoted = ", ".join(f'"{c}"' for c in columns)
        with raw.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
            while chunk := buffer.read(1 << 20):
                copy.write(chunk)


def _free_span(rng: random.Random, length: int, occupied: list[tuple[int, int]]) -> tuple[int, int] | None:
    """A random span that neither overlaps nor touches the sorted `occupied` spans (one coder's
    codings of one code never do: applying joins them), inserted into `occupied`."""
    for _ in range(50):
        start = rng.randrange(0, max(1, length - 400))
        end = start + rng.randint(20, 400)
        i = bisect.bisect_left(occupied, (start, end))
        if (i == 0 or occupied[i - 1][1] < start) and (i == len(occupied) or end < occupied[i][0]):
            occupied.insert(i, (start, end))
            return start, end
    return None


def build(*, slug: str, transcripts: int, codings: int, big_code: int, target_code: int, reader_codings: int,
          reader_words: int, words: int, codes_per_level: tuple[int, int, int]) -> None:  # fmt: skip
    """Create the study `slug` with generated data, unless it is already complete."""
    from django.db import connection, transaction

    from accounts.models import User
    from coding.models import Code, Coding
    from coding.services.codebook import PALETTE
    from interviews.models import Attribute, AttributeValue, Participant, Speaker, SpeakerTurn, Transcript
    from studies.models import Membership, Role, Study
    from studies.services import create_study
    from tests.data.synthetic import synthetic_transcript

    existing = Study.objects.filter(slug=slug).first()
    if existing is not None:
        live = Coding.objects.filter(study=existing, retired_at__isnull=True).count()
        if live >= codings:
            print(f"reusing {slug}: {live} live codings", file=sys.stderr)
            return
        existing.delete()
    started = time.perf_counter()
    rng = random.Random(2026)
    coders = []
    for i in range(CODERS):
        user = User.objects.filter(username=f"{slug}-coder{i}").first() or User.objects.create_user(
            f"{slug}-coder{i}", password=None
        )
        coders.append(user)
    with transaction.atomic():
        study = create_study(owner=coders[0], title=f"Scale bench {slug}")
        Study.objects.filter(pk=study.pk).update(slug=slug)
        study.refresh_from_db()
        Membership.objects.bulk_create(
            [Membership(study=study, user=u, role=Role.CODER) for u in coders[1:]], ignore_conflicts=True
        )
        top, mid, leaf = codes_per_level
        level0 = Code.objects.bulk_create(
            Code(study=study, name=f"Theme {i:02d}", colour=PALETTE[i % len(PALETTE)], order=i) for i in range(top)
        )
        level1 = Code.objects.bulk_create(
            Code(study=study, name=f"Code {i:03d}", parent=level0[i % top], colour=PALETTE[i % len(PALETTE)], order=i)
            for i in range(mid)
        )
        level2 = Code.objects.bulk_create(
            Code(study=study, name=f"Sub-code {i:03d}", parent=level1[i % mid], colour=PALETTE[i % 16], order=i)
            for i in range(leaf)
        )
        codes = [c.pk for c in level0 + level1 + level2]
        role = Attribute.objects.create(study=study, name="role", type="category", choices=["DS", "PM", "Eng"])
        documents = []
        for i in range(transcripts):
            text = synthetic_transcript(rng, reader_words if i == 0 else words)
            documents.append(
                Transcript(
                    study=study,
                    title=f"Interview {i:04d}",
                    text=text,
                    char_count=len(text),
                    word_count=len(text.split()),
                )
            )
        documents = Transcript.objects.bulk_create(documents, batch_size=200)
        participants = Participant.objects.bulk_create(
            Participant(study=study, label=f"P{i + 1}") for i in range(transcripts)
        )
        AttributeValue.objects.bulk_create(
            AttributeValue(participant=p, attribute=role, value_text=("DS", "PM", "Eng")[i % 3])
            for i, p in enumerate(participants)
        )
        Participant.transcripts.through.objects.bulk_create(
            Participant.transcripts.through(participant_id=p.pk, transcript_id=t.pk)
            for p, t in zip(participants, documents, strict=True)
        )
        speakers = Speaker.objects.bulk_create(
            Speaker(transcript=t, label="P1", participant=p) for p, t in zip(participants, documents, strict=True)
        )
        turns = []
        for transcript, speaker in zip(documents, speakers, strict=True):
            position = 0
            for index, block in enumerate(transcript.text.split("\n\n")):
                turns.append(SpeakerTurn(transcript=transcript, index=index, speaker=speaker if index % 2 else None,
                                         start=position, end=position + len(block)))  # fmt: skip
                position += len(block) + 2
        SpeakerTurn.objects.bulk_create(turns, batch_size=5000)
        print(f"corpus built in {time.perf_counter() - started:.0f} s", file=sys.stderr)

        # Codings: the big code and the merge target spread over every transcript, the reader's
        # transcript with its own 1,500, and the rest at random; one row per span and code.
        big, target = codes[10], codes[11]
        plan: list[tuple[int, int]] = [(big, big_code), (target, target_code)]
        rest = codings - big_code - target_code - reader_codings
        rows = []
        now = "2026-01-01 00:00:00+00"
        per_doc = [rest // transcripts + (1 if i < rest % transcripts else 0) for i in range(transcripts)]
        for d, transcript in enumerate(documents):
            occupied: dict[tuple[int, int], list[tuple[int, int]]] = {}
            length = len(transcript.text)
            assignments: list[int] = []
            for code, total in plan:
                assignments += [code] * (total // transcripts + (1 if d < total % transcripts else 0))
            count = per_doc[d] + (reader_codings if d == 0 else 0)
            assignments += [rng.choice(codes[12:]) for _ in range(count)]
            for code in assignments:
                coder = coders[rng.randrange(CODERS)].pk
                span = _free_span(rng, length, occupied.setdefault((code, coder), []))
                while span is None:  # this coder's codings of the code fill the text: another coder
                    coder = coders[rng.randrange(CODERS)].pk
                    span = _free_span(rng, length, occupied.setdefault((code, coder), []))
                start, end = span
                rows.append((uuid.uuid4().hex if connection.vendor != "postgresql" else uuid.uuid4(), study.pk,
                             transcript.pk, 1, code, start, end, coder, now, uuid.uuid4(), False))  # fmt: skip
            if len(rows) >= 200_000:
                _copy("coding_coding", ["uuid", "study_id", "transcript_id", "text_version", "code_id", "start", "end",
                                        "coder_id", "created_at", "batch", "needs_review"], rows)  # fmt: skip
                rows = []
        if rows:
            _copy("coding_coding", ["uuid", "study_id", "transcript_id", "text_version", "code_id", "start", "end",
                                    "coder_id", "created_at", "batch", "needs_review"], rows)  # fmt: skip
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # What autovacuum does after a bulk load: statistics and the visibility map that
            # lets counts be answered from the indexes alone.
            cursor.execute("VACUUM ANALYZE")
    total = Coding.objects.filter(study=study).count()
    print(f"{slug}: {total} codings built in {time.perf_counter() - started:.0f} s", file=sys.stderr)


def measure(slug: str, runs: int) -> dict[str, list[float]]:
    from django.test import Client
    from django.urls import reverse

    from coding.models import Code
    from interviews.models import Transcript
    from studies.models import Study

    study = Study.objects.get(slug=slug)
    owner = study.memberships.order_by("pk").first().user  # type: ignore[union-attr]
    client = Client()
    client.force_login(owner)
    reader_doc = Transcript.objects.filter(study=study).order_by("title").only("uuid").first()
    assert reader_doc is not None
    codes = list(Code.objects.filter(study=study).order_by("pk").values_list("uuid", flat=True))
    urls = {
        "codebook": reverse("coding:codebook", args=[slug]),
        "dashboard": reverse("studies:dashboard", args=[slug]),
        "reader": reverse("interviews:transcript_detail", args=[slug, reader_doc.uuid]),
    }
    results: dict[str, list[float]] = {}
    for name, url in urls.items():
        results[name] = timed(_getter(client, url), runs)
    retrieval_url = reverse("coding:retrieval", args=[slug])
    params = {"code": [str(codes[10]), str(codes[11])], "mode": "all", "where": "role = DS"}
    results["retrieval"] = timed(_getter(client, retrieval_url, params), runs)
    apply_url = reverse("coding:apply", args=[slug, reader_doc.uuid])
    counter = iter(range(100_000))
    leaf = str(codes[-1])

    def apply() -> None:
        start = 7 * next(counter) + rng_offset
        response = client.post(apply_url, {"code": leaf, "start": start, "end": start + 3},
                               content_type="application/json")  # fmt: skip
        assert response.status_code in (200, 201), response.content

    rng_offset = random.randrange(0, 5)
    results["apply"] = timed(apply, runs * 3)
    return results


def _getter(client: Any, url: str, params: dict[str, Any] | None = None) -> Callable[[], None]:
    return lambda: _ok(client.get(url, params or {}))


def _ok(response: Any) -> None:
    assert response.status_code == 200, response.status_code


def merge_and_undo(slug: str, source_index: int, target_index: int, runs: int) -> tuple[list[float], list[float]]:
    from coding.models import Code
    from coding.services.codebook import merge_codes
    from coding.services.history import undo_last
    from studies.models import Study

    study = Study.objects.get(slug=slug)
    owner = study.memberships.order_by("pk").first().user  # type: ignore[union-attr]
    codes = list(Code.objects.filter(study=study).order_by("pk"))
    merges, undos = [], []
    for _ in range(runs):
        source, target = (Code.objects.get(pk=codes[i].pk) for i in (source_index, target_index))
        started = time.perf_counter()
        merge_codes(source=source, target=target, user=owner)
        merges.append(time.perf_counter() - started)
        started = time.perf_counter()
        undo_last(study=study, user=owner)
        undos.append(time.perf_counter() - started)
    return merges, undos


def sql_floor(slug: str, source_index: int, runs: int) -> list[float]:
    """The least work any insert-only merge must do, in plain SQL and rolled back: insert a
    replacement for each of the code's live codings and retire the originals."""
    from django.db import connection, transaction

    from coding.ids import UUID7_SQL
    from coding.models import Code
    from studies.models import Study

    study = Study.objects.get(slug=slug)
    code = Code.objects.filter(study=study).order_by("pk")[source_index]
    columns = 'study_id, transcript_id, text_version, code_id, start, "end", coder_id, needs_review'
    times = []
    for _ in range(runs):
        batch = uuid.uuid4()
        with transaction.atomic(), connection.cursor() as cursor:
            started = time.perf_counter()
            cursor.execute(
                "UPDATE coding_coding SET retired_at = now(), retired_batch = %s "
                "WHERE code_id = %s AND retired_at IS NULL",
                [batch, code.pk],
            )
            cursor.execute(
                f"INSERT INTO coding_coding (uuid, {columns}, created_at, batch, replaces_id) "
                f"SELECT {UUID7_SQL}, {columns}, now(), %s, id FROM coding_coding "
                "WHERE retired_at IS NOT NULL AND retired_batch = %s ORDER BY transcript_id, coder_id, start",
                [batch, batch],
            )
            times.append(time.perf_counter() - started)
            transaction.set_rollback(True)
    return times


def main() -> None:
    database = setup()
    from coding.models import Coding
    from studies.models import Study

    build(slug=SLUG, transcripts=TRANSCRIPTS, codings=CODINGS, big_code=BIG_CODE_CODINGS,
          target_code=TARGET_CODE_CODINGS, reader_codings=READER_CODINGS, reader_words=20_000, words=3_000,
          codes_per_level=(10, 90, 400))  # fmt: skip
    build(slug=SMALL_SLUG, transcripts=1, codings=1_000, big_code=100, target_code=50, reader_codings=0,
          reader_words=20_000, words=3_000, codes_per_level=(5, 15, 30))  # fmt: skip
    from django.db import connection

    if connection.vendor == "postgresql":
        # Earlier runs' merges leave dead row versions; start each run as autovacuum would leave it.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE coding_coding")
    study = Study.objects.get(slug=SLUG)
    live = Coding.objects.filter(study=study, retired_at__isnull=True)
    big_code = live.filter(code=study.codes.order_by("pk")[10]).count()
    pages = measure(SLUG, runs=15)
    baseline = measure(SMALL_SLUG, runs=15)
    floor = sql_floor(SLUG, 10, runs=3) if connection.vendor == "postgresql" else [float("nan")]
    merges, undos = merge_and_undo(SLUG, 10, 11, runs=3)
    small_merges, small_undos = merge_and_undo(SMALL_SLUG, 10, 11, runs=3)

    print(f"database: {database}")
    print(f"study: {Study.objects.get(slug=SLUG).transcripts.count()} transcripts, {live.count()} live codings, "
          f"{study.codes.count()} codes; merged code: {big_code} codings")  # fmt: skip
    for name in ("codebook", "dashboard", "reader", "apply", "retrieval"):
        values, base = pages[name], baseline[name]
        print(f"{name}: median {statistics.median(values):.1f} ms, p95 {p95(values):.1f} ms "
              f"(small study: median {statistics.median(base):.1f} ms, p95 {p95(base):.1f} ms)")  # fmt: skip
    print(f"merge {big_code} codings: median {statistics.median(merges):.2f} s, max {max(merges):.2f} s "
          f"(1,000-coding study: {statistics.median(small_merges):.3f} s)")  # fmt: skip
    print(f"undo of that merge: median {statistics.median(undos):.2f} s, max {max(undos):.2f} s "
          f"(1,000-coding study: {statistics.median(small_undos):.3f} s)")  # fmt: skip
    print(f"baseline, plain SQL inserting {big_code} replacements and retiring the originals (rolled back): "
          f"median {statistics.median(floor):.2f} s; merge / baseline {statistics.median(merges) / statistics.median(floor):.2f}, "
          f"undo / baseline {statistics.median(undos) / statistics.median(floor):.2f}")  # fmt: skip
    print(
        f"codebook_ms={p95(pages['codebook']):.1f} dashboard_ms={p95(pages['dashboard']):.1f} "
        f"reader_ms={p95(pages['reader']):.1f} apply_ms={p95(pages['apply']):.1f} "
        f"retrieval_ms={p95(pages['retrieval']):.1f} merge_s={statistics.median(merges):.2f} "
        f"merge_undo_s={statistics.median(undos):.2f} sql_floor_s={statistics.median(floor):.2f}"
    )


if __name__ == "__main__":
    main()
