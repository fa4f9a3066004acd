from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from interviews.models import Transcript
from tests.conftest import Team

from .importer_helpers import DATA


@pytest.mark.django_db
def test_imports_several_files_and_reports_each(team: Team) -> None:
    out = StringIO()
    call_command(
        "import_transcripts", "--study", team.study.slug, "--user", team.coder.username,
        str(DATA / "interview_p1.txt"), str(DATA / "sample.docx"), str(DATA / "interview_p5.vtt"), stdout=out,
    )  # fmt: skip
    assert out.getvalue().count("imported: ") == 3
    assert Transcript.objects.filter(study=team.study, created_by=team.coder).count() == 3


@pytest.mark.django_db
def test_failures_are_reported_and_exit_non_zero(team: Team, tmp_path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "empty.docx"
    bad.write_bytes(b"")
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match="1 of 2 files failed"):
        call_command("import_transcripts", "--study", team.study.slug, str(bad), str(DATA / "interview_p6.srt"),
                     stdout=out, stderr=err)  # fmt: skip
    assert "failed: empty.docx: is empty" in err.getvalue()
    assert Transcript.objects.count() == 1


@pytest.mark.django_db
def test_unknown_study() -> None:
    with pytest.raises(CommandError, match="No study"):
        call_command("import_transcripts", "--study", "nope", "x.txt")
