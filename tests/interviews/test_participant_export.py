from __future__ import annotations

import io

import openpyxl
import pytest
from django.urls import reverse

from interviews.services import participants as services
from tests.conftest import Team


@pytest.mark.django_db
def test_csv_and_xlsx_round_trip_with_formula_escaping(team: Team) -> None:
    role = services.create_attribute(study=team.study, name="role", type="category", choices=["DS"])
    services.save_participant(study=team.study, label="P1", notes="=cmd|' /C calc'!A0", values={role: "DS"})
    url = reverse("interviews:participant_export", args=[team.study.slug])
    csv_text = team.client("viewer").get(url, {"format": "csv"}).content.decode("utf-8-sig")
    assert csv_text.splitlines()[0] == "id,role,notes"
    assert "P1,DS,'=cmd|" in csv_text
    response = team.client("viewer").get(url, {"format": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in sheet[2]] == ["P1", "DS", "'=cmd|' /C calc'!A0"]
    assert "attachment" in response["Content-Disposition"]
