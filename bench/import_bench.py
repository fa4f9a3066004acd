"""Import benchmark: 50 generated transcripts × 10,000 words (txt, vtt, docx, in turn).

    .venv/bin/python bench/import_bench.py [--files 50] [--words 10000]

Prints words per second and where the time goes: the file-parsing libraries
(zip, XML, decoding — measured alone as the same-run baseline), Thematica's own
work (speaker detection, canonical layout) and database writes. Last line: key=value.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from _django import setup


def make_words(rng: random.Random, n: int) -> list[str]:
    from tests.data.synthetic import VOCABULARY

    return [rng.choice(VOCABULARY) for _ in range(n)]


def make_turns(rng: random.Random, words: int) -> list[tuple[str, str, int]]:
    turns: list[tuple[str, str, int]] = []
    used = t = 0
    while used < words:
        n = min(rng.randint(8, 120), words - used)
        speaker = "Interviewer" if len(turns) % 2 == 0 else "P7"
        turns.append((speaker, " ".join(make_words(rng, n)).capitalize() + ".", t))
        used += n
        t += n // 2 + 1
    return turns


def as_txt(turns: list[tuple[str, str, int]]) -> bytes:
    return "\n\n".join(f"[{t // 3600:02d}:{t // 60 % 60:02d}:{t % 60:02d}] {s}: {x}" for s, x, t in turns).encode()


def as_vtt(turns: list[tuple[str, str, int]]) -> bytes:
    lines = ["WEBVTT", ""]
    for i, (speaker, text, t) in enumerate(turns):
        words = text.split()
        # Video-call captions: several short cues per turn.
        for j in range(0, len(words), 12):
            start = t + j // 2
            lines += [str(i), f"{start // 3600:02d}:{start // 60 % 60:02d}:{start % 60:02d}.000 --> "
                      f"{(start + 1) // 3600:02d}:{(start + 1) // 60 % 60:02d}:{(start + 1) % 60:02d}.000",
                      f"<v {speaker}>{' '.join(words[j:j + 12])}", ""]  # fmt: skip
    return "\n".join(lines).encode()


def as_docx(turns: list[tuple[str, str, int]]) -> bytes:
    from tests.data.transcripts.make_samples import docx_bytes, p, r

    body = "".join(p(r(f"{s}:", bold=True), r(f" {x}")) + p() for s, x, _ in turns)
    return docx_bytes(body)


def library_parse(kind: str, data: bytes) -> None:
    """Only what the libraries do for a format: the baseline Thematica's own work is compared to."""
    from interviews.importers import safety
    from interviews.importers.encoding import decode

    if kind == "docx":
        archive = safety.open_zip(data, "x.docx", "Word document")
        safety.parse_xml(safety.read_member(archive, "word/document.xml", "x.docx", "Word document"), "x", "x")
    else:
        decode(data, f"x.{kind}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=50)
    parser.add_argument("--words", type=int, default=10_000)
    args = parser.parse_args()
    database = setup()

    from accounts.models import User
    from interviews.importers import parse_document
    from interviews.services.imports import import_transcript
    from studies.services import create_study

    rng = random.Random(7)
    makers = {"txt": as_txt, "vtt": as_vtt, "docx": as_docx}
    files = []
    for i in range(args.files):
        kind = list(makers)[i % 3]
        files.append((f"interview_{i:03d}.{kind}", kind, makers[kind](make_turns(rng, args.words))))
    user = User.objects.create_user("bench")
    study = create_study(owner=user, title=f"Import bench {time.time()}")

    lib = own = db = 0.0
    words = 0
    per_file = []
    for name, kind, data in files:
        t0 = time.perf_counter()
        library_parse(kind, data)
        t1 = time.perf_counter()
        parse_document(name, data, max_bytes=100 * 1024 * 1024)
        t2 = time.perf_counter()
        outcome = import_transcript(study=study, filename=name, data=data, user=user)
        t3 = time.perf_counter()
        lib += t1 - t0
        own += max(0.0, (t2 - t1) - (t1 - t0))
        # import_transcript parses again; its database share is the rest.
        db += max(0.0, (t3 - t2) - (t2 - t1))
        words += outcome.transcript.word_count
        per_file.append(t3 - t2)
    total = lib + own + db
    print(f"database: {database}")
    print(f"files: {len(files)}  words: {words}  import time: {sum(per_file):.2f} s")
    print(f"median per file: {statistics.median(per_file) * 1000:.0f} ms")
    print(f"library parsing (baseline): {lib:.2f} s   Thematica's own parsing: {own:.2f} s   database: {db:.2f} s")
    print(f"own parsing / library parsing = {own / lib:.2f}x   database / library parsing = {db / lib:.2f}x")
    print(
        f"words_per_s={words / sum(per_file):.0f} parse_share={lib / total:.3f} own_share={own / total:.3f} "
        f"db_share={db / total:.3f} own_vs_library={own / lib:.2f}"
    )


if __name__ == "__main__":
    main()
