"""Evaluation: the figures on hand-made cases, and the command on the sample study."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import CommandError, call_command

from assist.models import SuggestionRule
from assist.suggest.evaluate import evaluate, score
from assist.suggest.rules import validate_rule
from assist.suggest.sample import CODES, RULES, build_sample_study
from tests.factories import make_study

LAST_LINE = re.compile(
    r"^p_at_1=(?P<p1>[\d.]+) p_at_3=(?P<p3>[\d.]+) r_at_3=(?P<r3>[\d.]+) macro_f1=(?P<f1>[\d.]+) "
    r"frequent_p_at_3=(?P<freq>[\d.]+) rules_p_at_3=(?P<rules>[\d.]+)$"
)


def test_the_figures_on_a_hand_made_case() -> None:
    gold = [{1}, {2}, set(), {1, 3}]
    suggested = [[1, 2], [3], [], [3, 2, 1]]
    s = score(gold, suggested)
    assert s.p_at_1 == pytest.approx(2 / 3)  # sentences 0 and 3 right first, 1 wrong; 2 has none
    assert s.p_at_3 == pytest.approx(3 / 6)  # 1; -; 3 and 1 of six shown
    assert s.r_at_3 == pytest.approx(3 / 4)
    assert s.micro_f1 == pytest.approx(2 * 3 / (2 * 3 + 3 + 1))
    assert s.coverage == 1.0
    # per code F1: 1: tp2 → 1.0; 2: tp0 fp2 fn1 → 0; 3: tp1 fp1 → 2/3
    assert s.macro_f1 == pytest.approx((1.0 + 0.0 + 2 / 3) / 3)


def test_nothing_suggested_scores_zero_not_an_error() -> None:
    s = score([{1}, set()], [[], []])
    assert (s.p_at_1, s.p_at_3, s.r_at_3, s.coverage, s.shown) == (0.0, 0.0, 0.0, 0.0, 0)


def test_the_sample_rules_are_valid_and_name_sample_codes() -> None:
    for code, kind, pattern in RULES:
        assert code in CODES and validate_rule(kind, pattern) is None, pattern


@pytest.mark.django_db
def test_the_command_on_the_sample_study_beats_both_baselines() -> None:
    study = build_sample_study(slug="sample-test", transcripts=6, seed=3)
    assert SuggestionRule.objects.filter(study=study).count() == len(RULES)
    out = io.StringIO()
    call_command("evaluate_suggestions", "--study", "sample-test", "--seed", "1", stdout=out)
    lines = out.getvalue().strip().splitlines()
    found = LAST_LINE.match(lines[-1])
    assert found, lines[-1]
    figures = {k: float(v) for k, v in found.groupdict().items()}
    assert figures["p3"] > 0.5 > figures["freq"]
    assert figures["f1"] > 0.5
    assert any(line.startswith("Learning curve") for line in lines)
    assert any(line.startswith("frequent ") for line in lines) and any(line.startswith("rules ") for line in lines)
    # The learned model alone beats the most frequent codes by far, and the same seed gives the same figures.
    report = evaluate(study, seed=1, curve=())
    assert report.systems["model"].p_at_3 > 3 * report.systems["frequent"].p_at_3
    assert report.systems["model"].macro_f1 > report.systems["frequent"].macro_f1 + 0.3
    assert report.last_line() == lines[-1]


@pytest.mark.django_db
def test_the_command_says_what_is_wrong() -> None:
    with pytest.raises(CommandError, match="No study"):
        call_command("evaluate_suggestions", "--study", "nope")
    make_study(slug="empty")
    with pytest.raises(CommandError, match="at least two coded transcripts"):
        call_command("evaluate_suggestions", "--study", "empty")
    with pytest.raises(CommandError, match="--study"):
        call_command("evaluate_suggestions")
