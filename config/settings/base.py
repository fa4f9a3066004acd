"""Base settings. Every knob is an environment variable with a safe default.

SQLite and eager Celery by default so one process serves everything on an
offline laptop; DATABASE_URL and CELERY_BROKER_URL switch to PostgreSQL and
real Redis-backed workers.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
import django_stubs_ext

django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw else default


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


DATA_DIR = Path(os.environ.get("THEMATICA_DATA_DIR", BASE_DIR / "var"))


# A development key is generated once per checkout and kept in var/, so no
# secret is ever committed and sessions survive restarts.
def _dev_secret_key() -> str:
    from django.core.management.utils import get_random_secret_key

    path = DATA_DIR / "secret_key"
    if path.exists():
        return path.read_text().strip()
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    key = get_random_secret_key()
    path.write_text(key)
    path.chmod(0o600)
    return key


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or _dev_secret_key()
DEBUG = env_bool("DJANGO_DEBUG", False)
# The laptop's own names; production (config.settings.production) requires the list explicitly.
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "accounts",
    "studies",
    "interviews",
    "coding",
    "assist",
    "deid",
    "themes",
    "explainers",
    "reports",
    "agreement",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files are answered here, with their own long caching; every response below is
    # marked `private, no-store` by the next middleware unless its view says otherwise.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "config.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # NUL in a form field, query or JSON body is removed with a warning, as in files (studies.text).
    "studies.text.StripUnstorableMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "config.middleware.DatabaseUnavailableMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "studies.context_processors.study_access",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{DATA_DIR / 'thematica.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
        # A persistent connection is checked before a request uses it, so after PostgreSQL
        # restarts the app reconnects by itself instead of failing the first request per worker.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the reader page poll while a coder writes; the busy timeout
    # turns brief lock contention into a short wait instead of an error.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "studies:list"
LOGOUT_REDIRECT_URL = "accounts:login"

# Login throttling (django-axes, accounts.throttling). AxesStandaloneBackend refuses a locked-out
# sign-in before the password is even checked; ModelBackend does the rest.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# THEMATICA_LOGIN_FAILURE_LIMIT wrong passwords for one username from one address lock that pair
# for THEMATICA_LOGIN_COOLOFF_MINUTES (others keep signing in, so a stranger cannot lock someone
# out from elsewhere); THEMATICA_LOGIN_ADDRESS_FAILURE_LIMIT failures from one address, whatever
# the usernames, lock the address (password spraying). Nonexistent usernames count the same, so
# the lock-out tells nothing about who has an account. `manage.py axes_reset` lifts every lock.
AXES_ENABLED = env_bool("THEMATICA_LOGIN_THROTTLING", True)
AXES_FAILURE_LIMIT = env_int("THEMATICA_LOGIN_FAILURE_LIMIT", 5)
THEMATICA_LOGIN_ADDRESS_FAILURE_LIMIT = env_int("THEMATICA_LOGIN_ADDRESS_FAILURE_LIMIT", 50)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("THEMATICA_LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_HANDLER = "accounts.throttling.LoginThrottle"
AXES_LOCKOUT_CALLABLE = "accounts.throttling.lockout_response"
AXES_CLIENT_IP_CALLABLE = "accounts.throttling.client_address"
# A correct password clears that pair's failures; attempts during a lock-out neither count nor
# extend it, so the time the lock-out page gives is the time it ends.
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# Only failures are stored (and deleted once their cool-off passes); successful sign-ins are not logged.
AXES_DISABLE_ACCESS_LOG = True
# Behind a reverse proxy every request comes from the proxy's address: the client's is the one the
# THEMATICA_TRUSTED_PROXIES proxies (counted from this server outwards) put in X-Forwarded-For.
THEMATICA_TRUSTED_PROXIES = env_int("THEMATICA_TRUSTED_PROXIES", 0)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
TIME_ZONE = os.environ.get("THEMATICA_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns about a missing one
STATICFILES_DIRS = [
    BASE_DIR / "static",
    # Assets come from the npm registry (package.json), never a CDN.
    ("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
    # The analytics charts (static/js/charts.js): Vega-Lite through vega-embed, and Cytoscape.js.
    ("vendor/vega", BASE_DIR / "node_modules" / "vega" / "build"),
    ("vendor/vega-lite", BASE_DIR / "node_modules" / "vega-lite" / "build"),
    ("vendor/vega-embed", BASE_DIR / "node_modules" / "vega-embed" / "build"),
    ("vendor/cytoscape", BASE_DIR / "node_modules" / "cytoscape" / "dist"),
]
MEDIA_URL = "media/"
MEDIA_ROOT = DATA_DIR / "media"
WHITENOISE_USE_FINDERS = env_bool("THEMATICA_SERVE_STATIC_FROM_FINDERS", True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Uploads: transcripts are parsed from memory or a temp file; the limit is
# enforced by the importer with a clear message, not by a 413 page.
THEMATICA_MAX_UPLOAD_BYTES = env_int("THEMATICA_MAX_UPLOAD_BYTES", 50 * 1024 * 1024)
# Exports of more rows than this run as background jobs with a download (studies.exports).
THEMATICA_EXPORT_INLINE_ROWS = env_int("THEMATICA_EXPORT_INLINE_ROWS", 5000)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 20000

# Content Security Policy: everything is served from this origin.
from django.utils.csp import CSP  # noqa: E402

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
X_FRAME_OPTIONS = "DENY"

# Celery: eager unless a broker is configured.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True


# Job liveness (studies.jobs). Every job kind has a soft time limit, after which its task is told
# to stop and the job fails with a message saying so, and a hard one, after which the worker kills
# the task's process. Seconds; THEMATICA_JOB_TIME_LIMIT_<KIND>="soft,hard" overrides one kind.
def _time_limits(kind: str, soft: int, hard: int) -> tuple[int, int]:
    raw = os.environ.get(f"THEMATICA_JOB_TIME_LIMIT_{kind.upper()}")
    if not raw:
        return soft, hard
    soft_raw, hard_raw = raw.split(",")
    return int(soft_raw), int(hard_raw)


THEMATICA_JOB_TIME_LIMITS: dict[str, tuple[int, int]] = {
    "import_transcript": _time_limits("import_transcript", 600, 660),
    "export_participants": _time_limits("export_participants", 600, 660),
    "export_codebook": _time_limits("export_codebook", 600, 660),
    "export_segments": _time_limits("export_segments", 900, 960),
    # Sentences and technique mentions of transcripts (a whole study when the vocabulary changes).
    "nlp_process": _time_limits("nlp_process", 1800, 1860),
    # Code suggestions: training a study's model, and rules + model over its processed transcripts.
    "suggest_train": _time_limits("suggest_train", 900, 960),
    "suggest_run": _time_limits("suggest_run", 1800, 1860),
    # De-identification scan of one transcript (NER over a long interview takes seconds).
    "deid_detect": _time_limits("deid_detect", 600, 660),
    # A heavy explainer-sandbox computation (stability reruns, t-SNE, a robustness score over a test set).
    "sandbox_run": _time_limits("sandbox_run", 600, 660),
}
# A transcript imported or corrected gets a text-processing job (sentences, technique mentions) on
# commit; off, they are processed only by `manage.py process_nlp`.
THEMATICA_NLP_ON_TEXT_CHANGE = env_bool("THEMATICA_NLP_ON_TEXT_CHANGE", True)
# Code suggestions' model is retrained in a job after coding changes (on commit, at most every
# TRAIN_EVERY_S seconds per study, once some code has enough examples); off, only "Retrain now" trains.
THEMATICA_SUGGEST_AUTO_TRAIN = env_bool("THEMATICA_SUGGEST_AUTO_TRAIN", True)
THEMATICA_SUGGEST_TRAIN_EVERY_S = env_int("THEMATICA_SUGGEST_TRAIN_EVERY_S", 60)
# The explainer sandbox's trained models (and their fingerprints), built once by `manage.py
# build_sandbox` or on first use under a file lock, never per request.
THEMATICA_SANDBOX_DIR = Path(os.environ.get("THEMATICA_SANDBOX_DIR", DATA_DIR / "sandbox"))
# Web and worker processes import shap and load the sandbox's models at start-up (explainers.sandbox.warm).
THEMATICA_SANDBOX_WARMUP = env_bool("THEMATICA_SANDBOX_WARMUP", True)
# A running task touches its job's heartbeat this often; a heartbeat older than STALE_AFTER means
# the worker died (SIGKILL, out of memory, a lost machine). The sweep (`manage.py sweep_jobs`, run
# by beat every SWEEP_INTERVAL and when a worker starts) starts such a job again, up to MAX_ATTEMPTS
# times in all, and re-sends a queued job that no worker started within RESEND_AFTER.
THEMATICA_JOB_HEARTBEAT_S = env_int("THEMATICA_JOB_HEARTBEAT_S", 10)
THEMATICA_JOB_STALE_AFTER_S = env_int("THEMATICA_JOB_STALE_AFTER_S", 60)
THEMATICA_JOB_MAX_ATTEMPTS = env_int("THEMATICA_JOB_MAX_ATTEMPTS", 3)
THEMATICA_JOB_SWEEP_INTERVAL_S = env_int("THEMATICA_JOB_SWEEP_INTERVAL_S", 60)
THEMATICA_JOB_RESEND_AFTER_S = env_int("THEMATICA_JOB_RESEND_AFTER_S", 30 * 60)
# The uploaded file of a job that failed or was abandoned is kept this many days (so it can be
# retried), then deleted by the sweep; a done job's file is deleted at once.
THEMATICA_FAILED_UPLOAD_RETENTION_DAYS = env_int("THEMATICA_FAILED_UPLOAD_RETENTION_DAYS", 7)
# Redis hands an unacknowledged message (tasks acknowledge late) to another worker after this many
# seconds. It must exceed the longest hard time limit, or a task still running would be started
# twice; twice that plus a minute also covers a message waiting behind one task in a worker's
# prefetch. Dead workers are noticed much sooner by the sweep; this is the broker's own backstop.
THEMATICA_BROKER_VISIBILITY_TIMEOUT_S = env_int(
    "THEMATICA_BROKER_VISIBILITY_TIMEOUT_S", 2 * max(hard for _, hard in THEMATICA_JOB_TIME_LIMITS.values()) + 60
)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": THEMATICA_BROKER_VISIBILITY_TIMEOUT_S,
    # How often a worker looks for messages whose visibility timeout passed (kombu's default is
    # every 100 s, far too slow for a short timeout).
    "unacked_restore_interval": max(1, min(10, THEMATICA_BROKER_VISIBILITY_TIMEOUT_S // 60)),
    "unacked_restore_throttle": 1,
}
# Run ONE beat (`celery -A config beat`, or `-B` on one worker): it sends the sweep and the purge.
# A sweep that no worker picked up within its interval is dropped (`expires`), not piled up.
CELERY_BEAT_SCHEDULE = {
    "sweep-jobs": {
        "task": "studies.tasks.sweep_jobs_task",
        "schedule": THEMATICA_JOB_SWEEP_INTERVAL_S,
        "options": {"expires": THEMATICA_JOB_SWEEP_INTERVAL_S},
    },
    "purge-job-inputs": {"task": "studies.tasks.purge_job_inputs_task", "schedule": 3600, "options": {"expires": 3600}},
}
CELERY_BEAT_SCHEDULE_FILENAME = os.environ.get("CELERY_BEAT_SCHEDULE_FILENAME", str(DATA_DIR / "celerybeat-schedule"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("THEMATICA_LOG_LEVEL", "WARNING")},
}
