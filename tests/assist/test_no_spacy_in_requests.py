"""No page request loads spaCy: results are stored by jobs, and pages only read them.

Checked in a fresh interpreter (this test process may have loaded spaCy already): import every URL
module (so every view module), then render the pages of a study whose transcript has stored
sentences and technique mentions, and read them through `assist.selectors`; spaCy must stay out of
`sys.modules` throughout.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = r"""
import os, sys
import django

django.setup()
from django.core.management import call_command

call_command("migrate", verbosity=0)
import config.urls  # every view module

def check(what):
    assert "spacy" not in sys.modules, f"spaCy was loaded by {what}"

check("importing the URLs and views")

from django.test import Client
from django.urls import reverse

from accounts.models import User
from assist.models import TechniqueMention, TextAnalysis
from assist.selectors import pipeline_version, technique_mentions, transcript_mentions, transcript_sentences
from assist.services import queue_processing
from interviews.services.imports import import_transcript
from studies.jobs import create_job
from studies.models import JobKind
from studies.services import create_study

user = User.objects.create_user("reader", password="x")
study = create_study(owner=user, title="No spaCy here")
data = b"Interviewer: Do you use LIME?\n\nP1: Yes, and SHAP values.\n"
transcript = import_transcript(study=study, filename="p1.txt", data=data, user=user).transcript
check("an import")
text, version = transcript.text, pipeline_version()
TextAnalysis.objects.create(transcript=transcript, text_version=1, pipeline_version=version, sentences=[[14, 30]])
for word, slug in (("LIME", "lime"), ("SHAP", "shap")):
    start = text.index(word)
    TechniqueMention.objects.create(
        study=study, transcript=transcript, text_version=1, pipeline_version=version, start=start,
        end=start + len(word), technique=slug, text=word,
    )
job = create_job(study=study, kind=JobKind.NLP_PROCESS, user=user, params={"all": True})
assert len(transcript_mentions(transcript)) == 2 and technique_mentions(study).count() == 2
assert transcript_sentences(transcript) == [(14, 30)]
check("the selectors")

client = Client()
client.force_login(user)
slug, uuid = study.slug, transcript.uuid
pages = [
    reverse("studies:list"),
    reverse("studies:dashboard", args=[slug]),
    reverse("studies:job_detail", args=[slug, job.uuid]),
    reverse("interviews:document_list", args=[slug]),
    reverse("interviews:import_jobs", args=[slug]),
    reverse("interviews:transcript_detail", args=[slug, uuid]),
    reverse("interviews:document_correct", args=[slug, uuid]),
    reverse("coding:transcript_codings", args=[slug, uuid]) + "?since=2020-01-01T00:00:00Z",
    reverse("coding:codebook", args=[slug]),
    reverse("coding:retrieval", args=[slug]),
    reverse("coding:kwic", args=[slug]) + "?q=SHAP",
    reverse("coding:activity", args=[slug]),
    reverse("explainers:technique_list", args=[slug]),
    reverse("explainers:technique_detail", args=[slug, "shap"]),
]
for url in pages:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    check(url)
print(f"{len(pages)} pages rendered without spaCy")
"""


def test_no_page_request_loads_spacy(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'pages.sqlite3'}",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("CELERY_BROKER_URL", None)
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-4000:]
    assert "14 pages rendered without spaCy" in result.stdout


def test_the_check_would_see_spacy_loaded(tmp_path: Path) -> None:
    """The subprocess check is not vacuous: loading the pipeline puts spaCy in sys.modules."""
    code = "import sys, django; django.setup(); import assist.pipeline as p; p.get_nlp(); print('spacy' in sys.modules)"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "PYTHONPATH": str(ROOT)}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'x.sqlite3'}"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.stdout.strip() == "True", result.stderr[-2000:]
