"""python manage.py evaluate_suggestions --study SLUG [--holdout 0.3] [--seed N] [--features both|word|char]
python manage.py evaluate_suggestions --build-sample [--study SLUG] [--transcripts 12]

Holds out whole transcripts of the study, trains the suggestion model on the rest and prints P@1,
P@3, R@3, micro and macro F1 and coverage for the combined suggestions (rules + model), the model
alone, and two baselines (the most frequent codes; the rules alone), then a learning curve by
examples per code (`assist.suggest.evaluate` defines each figure). The last line is
`p_at_1=… p_at_3=… r_at_3=… macro_f1=… frequent_p_at_3=… rules_p_at_3=…`.

`--build-sample` first (re)builds the deterministic sample study (`assist.suggest.sample`, slug
"suggest-sample" unless --study says otherwise) and evaluates on it. Runs spaCy and scikit-learn in
this process; nothing is written except by --build-sample.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from studies.models import Study


class Command(BaseCommand):
    help = "Evaluate code suggestions on a study by holding out whole transcripts."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--study", help="Study slug.")
        parser.add_argument("--holdout", type=float, default=0.3, help="Share of coded transcripts held out.")
        parser.add_argument("--seed", type=int, default=0, help="Seed of the split and the model.")
        parser.add_argument(
            "--features", choices=["both", "word", "char"], default="both", help="TF-IDF features of the model."
        )
        parser.add_argument("--build-sample", action="store_true", help="(Re)build the sample study first.")
        parser.add_argument("--transcripts", type=int, default=12, help="Interviews in the sample study.")

    def handle(self, *args: Any, **options: Any) -> None:
        from assist.suggest.evaluate import evaluate, format_report

        slug = options["study"]
        if options["build_sample"]:
            from assist.suggest.sample import DEFAULT_SLUG, build_sample_study

            study = build_sample_study(slug=slug or DEFAULT_SLUG, transcripts=options["transcripts"])
            self.stderr.write(f"Built the sample study {study.slug} ({options['transcripts']} interviews).")
        else:
            if not slug:
                raise CommandError("Give --study SLUG (or --build-sample).")
            found = Study.objects.filter(slug=slug).first()
            if found is None:
                raise CommandError(f"No study with the slug {slug}.")
            study = found
        try:
            report = evaluate(study, holdout=options["holdout"], seed=options["seed"], features=options["features"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        for line in format_report(report):
            self.stdout.write(line)
