"""Test settings: fast hashing, in-memory files, eager Celery unless a broker is set."""

from __future__ import annotations

import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import ALLOWED_HOSTS, DATABASES

# The test client's host; never in the base or production lists.
ALLOWED_HOSTS = [*ALLOWED_HOSTS, "testserver"]

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="thematica-test-media-"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": ":memory:"}
# Tasks run in-process during tests, even when a broker is configured; the
# real-worker test (tests/test_celery_worker.py) switches eagerness off itself.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = False
# Imports and corrections queue no text-processing job (tests count their jobs); tests/assist
# switches it on where that job is what is tested.
THEMATICA_NLP_ON_TEXT_CHANGE = False
# Coding changes queue no suggestion-model training (tests count jobs and queries); the tests of the
# trigger (tests/assist/test_suggestion_*.py) switch it on.
THEMATICA_SUGGEST_AUTO_TRAIN = False
# The sandbox's models are trained once per machine and shared by every test process (a file lock
# guards the training); the cache key includes library versions, so a stale cache retrains.
THEMATICA_SANDBOX_DIR = BASE_DIR / "var" / "sandbox-test"  # noqa: F405
# Test processes load what each test needs; the live server's thread would only compete with them.
THEMATICA_SANDBOX_WARMUP = False
STATIC_ROOT = Path(tempfile.mkdtemp(prefix="thematica-test-static-"))
WHITENOISE_USE_FINDERS = True
