"""Production overlay: `DJANGO_SETTINGS_MODULE=config.settings.production`.

Requires DJANGO_SECRET_KEY and DJANGO_ALLOWED_HOSTS; serves over HTTPS behind a proxy that sets
X-Forwarded-Proto and X-Forwarded-For. `manage.py check --deploy` is clean with these settings.
"""

from __future__ import annotations

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env_bool, env_int, env_list

DEBUG = False
WHITENOISE_USE_FINDERS = False
SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]

# The names this server answers to, and nothing else: no laptop default, no test client host.
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", [])
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("Set DJANGO_ALLOWED_HOSTS to the host name(s) of this server, e.g. qda.example.org.")
if "testserver" in ALLOWED_HOSTS:
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must not contain the test client's host 'testserver'.")
# Behind the HTTPS proxy this overlay expects, the client's address (for login throttling) is the
# one that proxy adds to X-Forwarded-For.
THEMATICA_TRUSTED_PROXIES = env_int("THEMATICA_TRUSTED_PROXIES", 1)

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
