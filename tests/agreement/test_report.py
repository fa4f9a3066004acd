"""The agreement table, the confusion table and `manage.py agreement`."""

from __future__ import annotations

import csv
import io
import random

import numpy as np
import pandas as pd
import pytest
from django.core.management import CommandError, call_command
from sklearn.metrics import cohen_kappa_score

from agreement.report import CSV_COLUMNS, NONE, OVERALL, agreement_report, confusion_from_codings, confusion_table
from agreement.units import Level
from coding.services.codings import apply_coding
from tests.coding.helpers import make_code, make_transcript
from tests.factories import make_membership, make_study, make_user

from .conftest import SECOND, Tiny

pytestmark = pytest.mark.django_db


def _command(*args: str) -> str:
    out = io.StringIO()
    call_command("agreement", *args, stdout=out)
    return out.getvalue()


def test_report_per_code_and_overall(tiny: Tiny) -> None:
    report = agreement_report(study=tiny.study, user=None, coders=tiny.users("alice", "bob"), level=Level.CHARACTER)
    table = report.all_units.set_index("code").to_dict("index")
    coded = report.coded_units.set_index("code").to_dict("index")
    assert list(table) == ["Trust", "Risk", "Unused", OVERALL]
    total = int(table["Trust"]["units"])
    a, b = np.zeros(total), np.zeros(total)
    a[0:10], b[5:15] = 1, 1
    assert table["Trust"]["cohen_kappa"] == pytest.approx(cohen_kappa_score(a, b), abs=1e-12)
    assert table["Trust"]["percent"] == pytest.approx(100 * (total - 10) / total)
    assert np.isnan(table["Unused"]["cohen_kappa"])
    assert table["Unused"]["percent"] == 100.0
    assert report.all_units["fleiss_kappa"].isna().all()  # two coders
    # Overall: every (character, code) pair, three codes.
    assert table[OVERALL]["units"] == 3 * total
    assert coded["Trust"]["units"] == 15
    assert coded["Trust"]["percent"] == pytest.approx(100 * 5 / 15)
    assert coded["Unused"]["units"] == 0
    assert all(np.isnan(coded["Unused"][name]) for name in ("percent", "cohen_kappa", "bp_kappa", "krippendorff_alpha"))
    assert coded[OVERALL]["units"] == 15 + 25


def test_csv_has_the_issues_columns_and_empty_cells_where_not_defined(tiny: Tiny) -> None:
    out = _command("--study", "tiny", "--coders", "alice,bob", "--unit", "char", "--csv")
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == CSV_COLUMNS == ["code", "units", "percent", "cohen_kappa", "fleiss_kappa", "bp_kappa",
                                      "krippendorff_alpha"]  # fmt: skip
    assert [r[0] for r in rows[1:]] == ["Trust", "Risk", "Unused", OVERALL]
    unused = rows[3]
    assert unused[2] == "100.0" and unused[3] == "" and unused[4] == "" and unused[5] == "1.0" and unused[6] == ""
    trust = rows[1]
    assert trust[4] == ""  # Fleiss' κ: two coders
    report = agreement_report(study=tiny.study, user=None, coders=tiny.users("alice", "bob"), level=Level.CHARACTER)
    assert float(trust[3]) == pytest.approx(report.all_units["cohen_kappa"].iloc[0], abs=5e-5)
    coded = list(csv.reader(io.StringIO(_command("--study", "tiny", "--coders", "alice,bob", "--unit", "char",
                                                 "--csv", "--exclude-uncoded"))))  # fmt: skip
    assert coded[1][:3] == ["Trust", "15", "33.3333"]
    assert coded[3] == ["Unused", "0", "", "", "", "", ""]


def test_three_coders_fill_fleiss_and_leave_cohen_empty(tiny: Tiny) -> None:
    rows = list(csv.reader(io.StringIO(_command("--study", "tiny", "--coders", "alice,bob,carol", "--unit",
                                                "document", "--csv"))))  # fmt: skip
    risk = rows[2]
    assert risk[0] == "Risk" and risk[1] == "2" and risk[3] == ""
    # Risk: all three in one document, nobody in the other: full agreement, κ = 1.
    assert (risk[2], risk[4], risk[5], risk[6]) == ("100.0", "1.0", "1.0", "1.0")


def test_text_output_shows_both_tables_and_not_defined(tiny: Tiny) -> None:
    out = _command("--study", "tiny", "--coders", "alice,bob", "--unit", "turn")
    assert "unit: turns" in out
    assert "All units:" in out and "Only units at least one coder coded:" in out
    assert "not defined" in out
    assert "Cohen κ" in out and OVERALL in out


def test_code_names_are_escaped_in_csv(tiny: Tiny) -> None:
    make_code(tiny.study, "=HYPERLINK(1)", order=9)
    out = _command("--study", "tiny", "--coders", "alice,bob", "--unit", "document", "--csv")
    assert "\n'=HYPERLINK(1)," in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--study", "nope", "--coders", "alice,bob", "--unit", "char"], "No study"),
        (["--study", "tiny", "--coders", "alice", "--unit", "char"], "at least two coders"),
        (["--study", "tiny", "--coders", "alice,alice", "--unit", "char"], "at least two coders"),
        (["--study", "tiny", "--coders", "alice,zed", "--unit", "char"], "No user named zed"),
        (["--study", "tiny", "--coders", "alice,stranger", "--unit", "char"], "stranger is not a member of tiny"),
        (["--study", "tiny", "--coders", "alice,bob", "--unit", "sentence"], "no sentences yet"),
        (["--study", "tiny", "--coders", "alice,bob", "--unit", "char", "--transcripts", "x"], "UUIDs"),
    ],
)
def test_command_errors(tiny: Tiny, args: list[str], message: str) -> None:
    make_user("stranger")  # a user of the site, not of the study: refused, not counted as "coded nothing"
    with pytest.raises(CommandError, match=message):
        _command(*args)


def test_report_refuses_one_coder_twice_and_takes_some_codes(tiny: Tiny) -> None:
    with pytest.raises(ValueError, match="two different coders"):
        agreement_report(study=tiny.study, user=None, coders=tiny.users("alice", "alice"), level=Level.TURN)
    report = agreement_report(study=tiny.study, user=None, coders=tiny.users("alice", "bob"), level=Level.TURN,
                              code_ids=[tiny.unused.pk, tiny.risk.pk])  # fmt: skip
    assert report.all_units["code"].tolist() == ["Risk", "Unused", OVERALL]


def test_transcripts_option_limits_the_documents(tiny: Tiny) -> None:
    out = _command("--study", "tiny", "--coders", "alice,bob", "--unit", "document", "--csv",
                   "--transcripts", str(tiny.second.uuid))  # fmt: skip
    rows = list(csv.reader(io.StringIO(out)))
    assert [r[:2] for r in rows[1:3]] == [["Trust", "1"], ["Risk", "1"]]


# --- the confusion table -----------------------------------------------------------------------


def test_swapped_codes_show_off_the_diagonal() -> None:
    owner, alice, bob = make_user(), make_user(), make_user()
    study = make_study(owner=owner)
    make_membership(study, alice)
    make_membership(study, bob)
    transcript = make_transcript(study, SECOND)
    trust, reliance = make_code(study, "Trust", order=1), make_code(study, "Reliance", order=2)
    apply_coding(transcript=transcript, code=trust, start=0, end=20, coder=alice)
    apply_coding(transcript=transcript, code=reliance, start=5, end=20, coder=bob)
    apply_coding(transcript=transcript, code=trust, start=30, end=40, coder=bob)
    apply_coding(transcript=transcript, code=trust, start=35, end=50, coder=alice)
    table = confusion_table(study=study, user=None, coder_a=alice, coder_b=bob)
    assert table.index.name == alice.username and table.columns.name == bob.username
    assert table.loc["Trust", "Reliance"] == 15
    assert table.loc["Trust", "Trust"] == 5
    assert table.loc["Trust", NONE] == 5 + 10  # [0, 5) and [40, 50): bob applied nothing there
    assert table.loc[NONE, "Trust"] == 5  # [30, 35)
    assert table.loc["Reliance", "Reliance"] == 0
    assert table[NONE].isna().tolist() == [False, False, True]


@pytest.mark.parametrize("seed", range(4))
def test_confusion_matches_counting_characters(seed: int) -> None:
    rng = random.Random(seed)
    lengths = {1: 300, 2: 200}
    rows = []
    for _ in range(40):
        t = rng.choice([1, 2])
        start = rng.randrange(0, lengths[t] - 1)
        rows.append((t, rng.choice([7, 8, 9]), rng.choice([1, 2]), start, min(lengths[t], start + rng.randint(1, 80))))
    codings = pd.DataFrame(rows, columns=["transcript_id", "code_id", "coder_id", "start", "end"])
    names = {7: "a", 8: "b", 9: "c"}
    table = confusion_from_codings(codings, 1, 2, names)
    labels = [*names.values(), NONE]
    expected = np.zeros((len(labels), len(labels)), dtype=int)
    for t, n in lengths.items():
        for position in range(n):
            here = codings[
                (codings["transcript_id"] == t) & (codings["start"] <= position) & (codings["end"] > position)
            ]
            mine = {names[c] for c in here[here["coder_id"] == 1]["code_id"]} or {NONE}
            theirs = {names[c] for c in here[here["coder_id"] == 2]["code_id"]} or {NONE}
            for x in mine:
                for y in theirs:
                    if (x, y) != (NONE, NONE):
                        expected[labels.index(x), labels.index(y)] += 1
    got = table.fillna(0).astype(int)
    assert got.to_numpy().tolist() == expected.tolist()
