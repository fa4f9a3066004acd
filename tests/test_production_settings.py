"""The production settings answer only to the configured host names: not the test client's
`testserver`, nor the laptop defaults. Each case imports config.settings.production in a fresh
process, as `DJANGO_SETTINGS_MODULE=config.settings.production` would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Requests through the test client under the production settings; prints what came back.
PROBE = """
import json, django
django.setup()
from django.conf import settings
from django.test import Client, override_settings
client = Client(HTTP_X_FORWARDED_PROTO="https")
# Pages name static files through the manifest that collectstatic writes; none is needed here.
plain = {**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
with override_settings(STORAGES=plain):
    answers = {host: client.get("/", HTTP_HOST=host) for host in ("testserver", "localhost", "qda.example.org")}
print(json.dumps({
    "allowed_hosts": settings.ALLOWED_HOSTS,
    "status": {host: r.status_code for host, r in answers.items()},
    "cache_control": answers["qda.example.org"].get("Cache-Control", ""),
    "throttling": [settings.AXES_ENABLED, settings.THEMATICA_TRUSTED_PROXIES],
}))
"""


def _run(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "THEMATICA_"))} | {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": "production-settings-test-" + "x" * 40,
        "THEMATICA_DATA_DIR": str(tmp_path),
        **env,
    }
    return subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )


def test_production_refuses_the_test_client_host(tmp_path: Path) -> None:
    result = _run(tmp_path, DJANGO_ALLOWED_HOSTS="qda.example.org")
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["allowed_hosts"] == ["qda.example.org"]
    # `Host: testserver` (and the laptop's localhost) get 400; the configured name is served.
    assert answer["status"] == {"testserver": 400, "localhost": 400, "qda.example.org": 302}
    assert {"private", "no-store"} <= {d.strip() for d in answer["cache_control"].split(",")}
    # Login throttling is on, and reads the client's address from the HTTPS proxy's X-Forwarded-For.
    assert answer["throttling"] == [True, 1]


def test_production_requires_its_host_names(tmp_path: Path) -> None:
    missing = _run(tmp_path)
    assert missing.returncode != 0 and "Set DJANGO_ALLOWED_HOSTS" in missing.stderr
    with_test_host = _run(tmp_path, DJANGO_ALLOWED_HOSTS="qda.example.org,testserver")
    assert with_test_host.returncode != 0 and "must not contain the test client's host" in with_test_host.stderr
