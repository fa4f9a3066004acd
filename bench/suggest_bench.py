"""Suggestion latency for a whole 10,000-word transcript once the model is trained, against the pipeline pass.

    .venv/bin/python bench/suggest_bench.py [--words 10000] [--rounds 5]
    DATABASE_URL=postgres://... .venv/bin/python bench/suggest_bench.py

Builds the sample study (`assist.suggest.sample`: 12 interviews, 8 codes, 20 rules), trains its model
as the training job does (`assist.suggest.examples.build_examples` + `model.train`), then generates
one interview of about `--words` words from the same sentence bank and times, median of `--rounds`:

- the baseline: the project's pipeline pass over that text (`assist.pipeline.analyse`: sentences,
  lemmas, technique mentions), which every transcript pays once after import;
- the engine: every sentence of it through the rules (`match_rules`), the model (`predict`,
  `similar`) and the ranking (`rank`), in memory;
- loading the stored model (`TrainedModel.loads` of the blob), which a suggestion run pays once;
- end to end, when BACKEND's `assist.suggestions.generate_suggestions` is there: the transcript
  imported and processed, then the run read from and stored to the database.

Last line: `words= sentences= suggest_ms= pipeline_ms= ratio= load_ms= end_to_end_ms= suggest_cpu_ms=
pipeline_cpu_ms=` (wall-clock medians; ratio = suggest_ms / pipeline_ms; end_to_end_ms is -1 when the
run function is missing; the CPU-time medians move less when other processes share the cores).
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from _django import setup


def make_interview(words: int, seed: int) -> str:
    """Interviewer/participant turns from the sample's sentence bank, until `words` words."""
    from assist.suggest.sample import plan_interview

    rng = random.Random(seed)
    turns: list[str] = []
    count = 0
    while count < words:
        for speaker, sentences in plan_interview(rng, turns=10):
            text = " ".join(s.text for s in sentences)
            turns.append(f"{'P99' if speaker == 'P' else speaker}: {text}")
            count += len(text.split())
    return "\n\n".join(turns) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--words", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    database = setup()

    from assist.pipeline import analyse, get_nlp
    from assist.suggest.evaluate import study_rules
    from assist.suggest.examples import build_examples
    from assist.suggest.model import TrainedModel, train
    from assist.suggest.rank import rank
    from assist.suggest.rules import compile_rules, match_rules
    from assist.suggest.sample import build_sample_study

    print(f"database: {database}")
    started = time.perf_counter()
    study = build_sample_study(slug="suggest-bench")
    print(f"sample study built in {time.perf_counter() - started:.1f} s")
    get_nlp()
    started = time.perf_counter()
    examples = build_examples(study)
    model = train(examples)
    blob = model.dumps()
    print(
        f"trained on {len(examples)} sentences, {len(model.enabled)} codes enabled, in "
        f"{time.perf_counter() - started:.2f} s; blob {len(blob) / 1024:.0f} KB"
    )
    rules = compile_rules(study_rules(study))
    text = make_interview(args.words, seed=99)
    words = len(text.split())

    def pipeline_pass() -> list[tuple[int, int]]:
        return next(iter(analyse([text]))).sentences

    segments = pipeline_pass()

    def suggest() -> int:
        model.__dict__.pop("_last", None)  # no transform cached from the previous round
        hits = match_rules(rules, text, segments)
        texts = [text[s:e] for s, e in segments]
        candidates = rank(
            len(segments), hits, model.predict(texts), model.similar(texts, k=3), top=3, model_counts=model.counts
        )
        return len(candidates)

    def load() -> None:
        TrainedModel.loads(blob)

    suggest()  # warm: the rules' token patterns are compiled and cached on first use
    timings: dict[str, list[float]] = {"pipeline": [], "suggest": [], "load": []}
    cpu: dict[str, list[float]] = {"pipeline": [], "suggest": [], "load": []}
    candidates = 0
    for _ in range(args.rounds):
        for name, fn in (("pipeline", pipeline_pass), ("suggest", suggest), ("load", load)):
            t0, c0 = time.perf_counter(), time.process_time()
            result = fn()
            timings[name].append((time.perf_counter() - t0) * 1000)
            cpu[name].append((time.process_time() - c0) * 1000)
            if name == "suggest":
                candidates = int(result)  # type: ignore[arg-type]
    median = {name: statistics.median(values) for name, values in timings.items()}
    median_cpu = {name: statistics.median(values) for name, values in cpu.items()}
    print(f"{words} words, {len(segments)} sentences, {candidates} suggestions (top 3, score >= 0.3)")
    print(
        f"wall: pipeline pass {median['pipeline']:.0f} ms; suggestions {median['suggest']:.0f} ms; "
        f"load {median['load']:.0f} ms"
    )
    print(
        f"CPU (steadier on a shared machine): pipeline pass {median_cpu['pipeline']:.0f} ms; "
        f"suggestions {median_cpu['suggest']:.0f} ms"
    )

    end_to_end = -1.0
    try:
        from assist.suggestions import generate_suggestions, train_model
    except ImportError:
        print("assist.suggestions.generate_suggestions is missing: no end-to-end figure")
    else:
        from django.db import transaction

        from accounts.models import User
        from assist.services import process_transcripts
        from interviews.models import Transcript
        from interviews.services.imports import import_transcript

        user = User.objects.get(username="suggest-sample-coder")
        outcome = import_transcript(study=study, filename="long.txt", data=text.encode(), user=user)
        process_transcripts(Transcript.objects.filter(pk=outcome.transcript.pk))
        with transaction.atomic():
            train_model(study)
        runs = []
        for _ in range(args.rounds):
            t0 = time.perf_counter()
            generate_suggestions(Transcript.objects.filter(pk=outcome.transcript.pk), study=study)
            runs.append((time.perf_counter() - t0) * 1000)
        end_to_end = statistics.median(runs)
        print(f"end to end (load model, read, match, rank, replace stored suggestions): {end_to_end:.0f} ms")

    ratio = median["suggest"] / median["pipeline"] if median["pipeline"] else 0.0
    print(
        f"words={words} sentences={len(segments)} suggest_ms={median['suggest']:.1f} "
        f"pipeline_ms={median['pipeline']:.1f} ratio={ratio:.2f} load_ms={median['load']:.1f} "
        f"end_to_end_ms={end_to_end:.1f} suggest_cpu_ms={median_cpu['suggest']:.1f} "
        f"pipeline_cpu_ms={median_cpu['pipeline']:.1f}"
    )


if __name__ == "__main__":
    main()
