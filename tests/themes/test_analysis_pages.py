"""The analytics pages: each shows its chart with a table of the same figures, downloads the same
DataFrame as CSV/XLSX with formula-looking cells and headers escaped, and the heat map and the map as
SVG with every name escaped."""

from __future__ import annotations

import io
import json
import re

import openpyxl
import pytest
from defusedxml.minidom import parseString
from django.urls import reverse

from coding.models import Code
from coding.services.codings import apply_coding
from interviews.models import Attribute, AttributeValue, Participant, SpeakerTurn, Transcript
from tests.conftest import Team
from themes.models import Theme, ThemeCode

HOSTILE = '=HYPERLINK("http://evil")<script>alert(1)</script>'


@pytest.fixture
def study_data(team: Team) -> dict[str, object]:
    text = "a" * 40
    transcript = Transcript.objects.create(study=team.study, title="P1 interview", text=text, char_count=40)
    SpeakerTurn.objects.create(transcript=transcript, index=0, start=0, end=40)
    trust = Code.objects.create(study=team.study, name="Trust", order=0)
    hostile = Code.objects.create(study=team.study, name=HOSTILE, order=1)
    apply_coding(transcript=transcript, code=trust, start=0, end=20, coder=team.coder)
    apply_coding(transcript=transcript, code=hostile, start=10, end=30, coder=team.coder)
    tier = Attribute.objects.create(study=team.study, name="tier", type="category", choices=["-1", "startup"])
    person = Participant.objects.create(study=team.study, label="P1")
    person.transcripts.add(transcript)
    AttributeValue.objects.create(participant=person, attribute=tier, value_text="-1")
    theme = Theme.objects.create(study=team.study, name="@risky theme <b>", order=0)
    ThemeCode.objects.create(theme=theme, code=trust)
    ThemeCode.objects.create(theme=theme, code=hostile)
    return {"trust": trust, "hostile": hostile, "theme": theme}


def _url(team: Team, name: str) -> str:
    return reverse(f"themes:{name}", args=[team.study.slug])


@pytest.mark.django_db
def test_cooccurrence_page_has_chart_data_and_table(team: Team, study_data: dict[str, object]) -> None:
    response = team.client("viewer").get(_url(team, "analytics_cooccurrence"), {"mode": "overlap"})
    assert response.status_code == 200
    html = response.content.decode()
    # The code's name is text everywhere: escaped in the table, \u003C-escaped in the chart's JSON.
    assert "<script>alert(1)</script>" not in html
    payload = re.search(r'<script id="cooccurrence-data" type="application/json">(.*?)</script>', html, re.S)
    assert payload is not None
    chart = json.loads(payload.group(1))
    assert chart["kind"] == "vega-lite"
    cells = {(v["row"], v["column"]): v["value"] for v in chart["spec"]["data"]["values"]}
    assert cells[("Trust", HOSTILE)] == 1 and cells[("Trust", "Trust")] == 1
    assert "vendor/vega-embed/vega-embed.min.js" in html and "js/charts.js" in html


@pytest.mark.django_db
def test_a_bad_option_falls_back_to_the_default(team: Team, study_data: dict[str, object]) -> None:
    response = team.client("viewer").get(_url(team, "analytics_cooccurrence"), {"mode": "nonsense", "limit": "x"})
    assert response.status_code == 200
    assert "share at least one character" in response.content.decode()


@pytest.mark.django_db
def test_csv_download_escapes_formulas_in_cells_and_headers(team: Team, study_data: dict[str, object]) -> None:
    response = team.client("viewer").get(
        _url(team, "analytics_cooccurrence"), {"format": "csv", "normalise": "jaccard"}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="interp-cooccurrence-overlap-jaccard.csv"' in response["Content-Disposition"]
    text = response.content.decode("utf-8-sig")
    header, first, second = text.splitlines()[:3]
    assert header.startswith("code,Trust,")
    assert "'=HYPERLINK" in header and ",=HYPERLINK" not in header
    assert second.startswith("\"'=HYPERLINK")
    assert first == "Trust,1.0,1.0"  # one overlapping pair, one coding each: 1 / (1 + 1 - 1)


@pytest.mark.django_db
def test_crosstab_xlsx_has_a_frozen_header_and_escaped_values(team: Team, study_data: dict[str, object]) -> None:
    response = team.client("viewer").get(
        _url(team, "analytics_crosstab"), {"rows": "theme", "attribute": "tier", "measure": "participants",
                                           "format": "xlsx"}
    )  # fmt: skip
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet.freeze_panes == "B2"
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("theme", "'-1", "startup")  # a header that a spreadsheet would run is escaped
    assert rows[1] == ("'@risky theme <b>", 1, 0)


@pytest.mark.django_db
def test_crosstab_page_shows_denominators(team: Team, study_data: dict[str, object]) -> None:
    response = team.client("viewer").get(
        _url(team, "analytics_crosstab"), {"attribute": "tier", "measure": "participants"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "1 participant" in html and "0 participants" in html


@pytest.mark.django_db
def test_svg_downloads_escape_names(team: Team, study_data: dict[str, object]) -> None:
    for name, query in (("analytics_cooccurrence", {"format": "svg"}), ("analytics_map", {"format": "svg"})):
        response = team.client("viewer").get(_url(team, name), query)
        assert response.status_code == 200
        assert response["Content-Type"].startswith("image/svg+xml")
        assert "default-src 'none'" in response["Content-Security-Policy"]
        svg = response.content.decode()
        assert "<script>" not in svg and "&lt;script&gt;" in svg
        assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
        # Well-formed XML: a report tool can embed it.
        parseString(svg)


@pytest.mark.django_db
def test_map_page_links_themes_and_codes(team: Team, study_data: dict[str, object]) -> None:
    response = team.client("viewer").get(_url(team, "analytics_map"))
    html = response.content.decode()
    theme = study_data["theme"]
    trust = study_data["trust"]
    assert isinstance(theme, Theme) and isinstance(trust, Code)
    assert reverse("themes:detail", args=[team.study.slug, theme.uuid]) in html
    assert f"{reverse('coding:retrieval', args=[team.study.slug])}?code={trust.uuid}" in html
    assert "&lt;b&gt;" in html and "@risky theme <b>" not in html


@pytest.mark.django_db
def test_saturation_and_frequencies_pages(team: Team, study_data: dict[str, object]) -> None:
    client = team.client("viewer")
    saturation = client.get(_url(team, "analytics_saturation")).content.decode()
    assert "2 of the codebook" in saturation
    frequencies = client.get(_url(team, "analytics_frequencies"), {"by": "participant", "format": "csv"})
    assert frequencies.content.decode("utf-8-sig").splitlines()[0] == "code,P1"


@pytest.mark.django_db
def test_pages_of_an_empty_study(team: Team) -> None:
    client = team.client("viewer")
    for name in ("analytics", "analytics_cooccurrence", "analytics_crosstab", "analytics_frequencies",
                 "analytics_saturation", "analytics_map"):  # fmt: skip
        assert client.get(_url(team, name)).status_code == 200
