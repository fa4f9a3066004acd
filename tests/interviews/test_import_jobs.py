from __future__ import annotations

import pytest
from django.urls import reverse

from studies.jobs import create_job
from studies.models import JobKind
from tests.conftest import Team


@pytest.mark.django_db
def test_lists_import_jobs_with_polling_for_unfinished(team: Team) -> None:
    create_job(study=team.study, kind=JobKind.IMPORT_TRANSCRIPT, user=team.coder, input_name="queued.docx")
    create_job(study=team.study, kind=JobKind.EXPORT_PARTICIPANTS, user=team.coder, input_name="not-an-import.csv")
    body = team.client("viewer").get(reverse("interviews:import_jobs", args=[team.study.slug])).content.decode()
    assert "queued.docx" in body and "not-an-import.csv" not in body and 'hx-trigger="every 1s"' in body
    assert "Import documents" not in body  # viewers cannot import
