"""Code suggestions: the engine (rules, the learned model, ranking, training examples, evaluation).

Pure Python over plain values: nothing here writes a model row. spaCy, scikit-learn and numpy are
imported inside functions only, so a page that imports `assist.suggest.rules` (the rule form
validates with it) or `rank` loads none of them.

- `rules`: rule kinds, validation, `rule_score` (the one smoothed-precision formula), matching;
- `model`: `train(examples) -> TrainedModel` (TF-IDF + logistic regression per code), `MIN_EXAMPLES`;
- `rank`: combines rule hits and model scores into at most three candidates per segment;
- `examples`: a study's codings snapped to its stored sentences, rejected suggestions as negatives;
- `evaluate`: transcript hold-out evaluation against two baselines (`manage.py evaluate_suggestions`);
- `sample`: a deterministic sample study (interviews, codes, codings, rules) to evaluate and test on.
"""
