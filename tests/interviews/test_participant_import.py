from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from interviews.models import Attribute, AttributeValue, Participant
from studies.models import Job, StagedUpload
from tests.conftest import Team, csrf_post
from tests.data.transcripts.make_samples import xlsx_bytes

CSV = 'id,role,years,notes col\nP1,DS,3,=HYPERLINK("x")\nP2,PM,5,ok\n'


def _upload(team: Team, name: str, data: bytes):  # type: ignore[no-untyped-def]
    return csrf_post(team.client("coder"), reverse("interviews:participant_import", args=[team.study.slug]),
                     {"table": SimpleUploadedFile(name, data)})  # fmt: skip


@pytest.mark.django_db
def test_preview_map_and_import(team: Team) -> None:
    response = _upload(team, "people.csv", CSV.encode())
    assert response.status_code == 302
    staged = StagedUpload.objects.get()
    assert staged.user == team.coder and staged.name == "people.csv" and not Job.objects.exists()
    map_url = response["Location"]
    page = team.client("coder").get(map_url).content.decode()
    assert "P1" in page and "years" in page and 'value="number" selected' in page
    response = csrf_post(team.client("coder"), map_url, {"map-0": "id", "map-1": "new", "type-1": "category",
                                                          "map-2": "new", "type-2": "number", "map-3": "ignore"})  # fmt: skip
    assert response.status_code == 302
    assert set(Participant.objects.values_list("label", flat=True)) == {"P1", "P2"}
    assert Attribute.objects.get(name="role").choices == ["DS", "PM"]
    assert AttributeValue.objects.get(participant__label="P2", attribute__name="years").value_number == 5
    # The preview is gone once imported; opening it again says so.
    assert not StagedUpload.objects.exists()
    again = team.client("coder").get(map_url, follow=True)
    assert "This preview expired; upload the file again" in again.content.decode()


@pytest.mark.django_db
def test_invalid_rows_report_and_save_nothing(team: Team) -> None:
    response = _upload(team, "people.csv", b"id,years\nP1,3\nP2,many\n,4\n")
    response = csrf_post(
        team.client("coder"), response["Location"], {"map-0": "id", "map-1": "new", "type-1": "number"}
    )
    body = response.content.decode()
    assert response.status_code == 400 and "Nothing was imported" in body
    assert "many" in body and "is not a number" in body and "The participant id is empty" in body
    assert not Participant.objects.exists() and not Attribute.objects.exists()


@pytest.mark.django_db
def test_xlsx_and_cp1252(team: Team) -> None:
    assert _upload(team, "p.xlsx", xlsx_bytes([["id", "domain"], ["P1", "Santé"]])).status_code == 302
    assert _upload(team, "p.csv", "id;domain\nP1;Santé\n".encode("cp1252")).status_code == 302


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.csv", b"", "is empty"),
        ("header.csv", b"id,role\n", "no rows"),
        ("broken.xlsx", b"PK\x03\x04garbage", "not a valid Excel workbook"),
        ("text.xlsx", b"id,role\nP1,DS\n", "not a valid Excel workbook"),
        ("people.pdf", b"%PDF-1.4", "not a CSV or XLSX file"),
        ("dupe.csv", b"id,id\nP1,P2\n", "same name"),
    ],
)
def test_bad_tables_are_refused_with_file_name(team: Team, name: str, data: bytes, message: str) -> None:
    response = _upload(team, name, data)
    body = response.content.decode()
    assert response.status_code == 400 and f"{name}: " in body and message in body
    assert not Job.objects.exists() and not StagedUpload.objects.exists()


@pytest.mark.django_db
def test_zip_bomb_xlsx_is_refused(team: Team) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", b"<" + b"a" * (20 * 1024 * 1024))
    response = _upload(team, "bomb.xlsx", buffer.getvalue())
    assert response.status_code == 400 and "zip bomb" in response.content.decode()
