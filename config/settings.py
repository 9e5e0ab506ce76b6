"""SyncPod settings, read from the environment.

Two runtime modes (DESIGN.md):
- embedded (no environment): SQLite under var/, the in-memory channel layer and
  Celery tasks run in-process. For `make demo` on a bare machine.
- services: DATABASE_URL and REDIS_URL name PostgreSQL and Redis; channels_redis
  carries socket events and Celery jobs go through Redis to separate workers.
"""

import os
import secrets
from pathlib import Path

import dj_database_url
import plotly
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("SYNCPOD_VAR_DIR", BASE_DIR / "var"))


def _env_flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DATABASE_URL = os.environ.get("DATABASE_URL", "")
REDIS_URL = os.environ.get("REDIS_URL", "")
EMBEDDED = not (DATABASE_URL or REDIS_URL)
if bool(DATABASE_URL) != bool(REDIS_URL):
    raise ImproperlyConfigured(
        "Services mode needs both DATABASE_URL and REDIS_URL; embedded mode needs neither."
    )

DEBUG = _env_flag("SYNCPOD_DEBUG")


def _secret_key() -> str:
    """Services mode must be given a key; embedded mode keeps a generated one on disk,
    so sessions survive a restart of `make demo`."""
    key = os.environ.get("SYNCPOD_SECRET_KEY")
    if key:
        return key
    if not EMBEDDED:
        raise ImproperlyConfigured("Set SYNCPOD_SECRET_KEY in services mode.")
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = os.environ.get("SYNCPOD_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
CSRF_TRUSTED_ORIGINS = [
    origin for origin in os.environ.get("SYNCPOD_CSRF_TRUSTED_ORIGINS", "").split(",") if origin
]

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "channels",
    "simple_history",
    "pods",
    "tasks",
    "qa",
    "metrics",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = None
ASGI_APPLICATION = "config.asgi.application"

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
            ],
        },
    },
]

if DATABASE_URL:
    # daphne runs each request's sync code in a thread of its own, so persistent
    # per-thread connections (CONN_MAX_AGE) pile up until PostgreSQL refuses clients.
    # A pool per process bounds them instead (Django's psycopg 3 pool).
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": int(os.environ.get("SYNCPOD_DB_POOL_MIN", 2)),
        "max_size": int(os.environ.get("SYNCPOD_DB_POOL_MAX", 16)),
        "timeout": float(os.environ.get("SYNCPOD_DB_POOL_TIMEOUT", 20)),
    }
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SYNCPOD_SQLITE_PATH", str(VAR_DIR / "syncpod.sqlite3")),
            "OPTIONS": {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"},
            # A file, not memory, so a daphne started by a test can open the test
            # database; one per process, so parallel runs never share one.
            "TEST": {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "pods.Person"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

if _env_flag("SYNCPOD_FAST_PASSWORD_HASHER"):
    # Tests only: PBKDF2 costs ~0.3 s per account, which dominates a suite that makes many.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Uploads (large imports waiting for their job). In scale-out, point this at storage
# every worker shares.
MEDIA_ROOT = Path(os.environ.get("SYNCPOD_MEDIA_ROOT", VAR_DIR / "media"))
# plotly.min.js ships inside the plotly package: served from here, never a CDN.
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/plotly", Path(plotly.__file__).parent / "package_data"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "common.api.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "common.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "SyncPod API",
    "DESCRIPTION": "Cross-modality pods, routing, sync validation and calibration metrics.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Enum components are named after fields; choice sets sharing a field name
    # (`level`, `status`) or one set under several names need a name of their own.
    "ENUM_NAME_OVERRIDES": {
        "ModalityEnum": "pods.models.Modality",
        "RoleEnum": "pods.models.Role",
        "SkillLevelEnum": "pods.models.SkillLevel",
        "MeasurementLevelEnum": "tasks.models.MeasurementLevel",
        "TaskStatusEnum": "tasks.models.TaskStatus",
        "AnnotationKindEnum": "tasks.models.AnnotationKind",
        "JobStatusEnum": "tasks.models.JobStatus",
        "FindingStatusEnum": "qa.models.FindingStatus",
        "IterationStatusEnum": "metrics.models.IterationStatus",
        "EscalationStatusEnum": "qa.models.EscalationStatus",
        "ResolutionOutcomeEnum": "qa.models.ResolutionOutcome",
    },
}

if EMBEDDED:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CELERY_BROKER_URL = "memory://"
    CELERY_TASK_ALWAYS_EAGER = True
    CELERY_TASK_EAGER_PROPAGATES = True
else:
    # Redis pub/sub: a group event is one PUBLISH, fanned out to the sockets inside each
    # daphne process; the list-based core layer costs one Redis round trip per socket
    # (bench/realtime.py, 200 sockets, 10 changes/s: p99 55 ms against 135 ms). Events
    # are at-most-once: state (comments, locks, presence) lives in the database and
    # every socket reloads it on (re)connect. SYNCPOD_CHANNEL_LAYER=core switches back.
    # Pub/sub channels ignore Redis database numbers, so the default prefix carries
    # it: runs on different databases (tests, benches) never hear each other.
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": (
                "channels_redis.core.RedisChannelLayer"
                if os.environ.get("SYNCPOD_CHANNEL_LAYER") == "core"
                else "channels_redis.pubsub.RedisPubSubChannelLayer"
            ),
            "CONFIG": {
                "hosts": [REDIS_URL],
                "prefix": os.environ.get(
                    "SYNCPOD_CHANNEL_PREFIX",
                    "syncpod-db"
                    + (REDIS_URL.rsplit("/", 1)[-1] if REDIS_URL.count("/") > 2 else "0"),
                ),
            },
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = _env_flag("SYNCPOD_CELERY_EAGER")
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "syncpod"
CELERY_BROKER_TRANSPORT_OPTIONS = {"global_keyprefix": os.environ.get("SYNCPOD_CELERY_PREFIX", "")}

# Import bodies larger than this run as a background job (202 + job id).
SYNCPOD_IMPORT_INLINE_MAX_BYTES = int(os.environ.get("SYNCPOD_IMPORT_INLINE_MAX_BYTES", 2_000_000))
# Rule feedback: a check dismissed more than this share (with at least the minimum
# sample of resolved findings) is flagged to operations as a rule to tune.
SYNCPOD_RULE_TUNE_DISMISSAL_SHARE = float(os.environ.get("SYNCPOD_RULE_TUNE_DISMISSAL_SHARE", 0.3))
SYNCPOD_RULE_TUNE_MIN_SAMPLE = int(os.environ.get("SYNCPOD_RULE_TUNE_MIN_SAMPLE", 10))

# Route requests with more unrouted data points than this run as a background job.
SYNCPOD_ROUTE_INLINE_MAX = int(os.environ.get("SYNCPOD_ROUTE_INLINE_MAX", 5000))
# The periodic job frees tasks untouched this long (and those of people who left).
SYNCPOD_STALE_TASK_HOURS = float(os.environ.get("SYNCPOD_STALE_TASK_HOURS", 24))
CELERY_BEAT_SCHEDULE = {
    "release-stale-tasks": {
        "task": "tasks.tasks_release_stale",
        "schedule": 15 * 60,
        "kwargs": {"hours": SYNCPOD_STALE_TASK_HOURS},
    },
    # Dashboards read project quality snapshots; refresh them hourly.
    "projects-quality-snapshot": {
        "task": "metrics.projects_snapshot",
        "schedule": 60 * 60,
    },
    # Escalate findings left open past the grace period; raise overdue escalations.
    "escalations-open-after-grace": {"task": "qa.escalations_open_after_grace", "schedule": 900},
    "escalations-raise-overdue": {"task": "qa.escalations_raise_overdue", "schedule": 300},
}
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("SYNCPOD_MAX_UPLOAD_BYTES", 512 * 1024 * 1024))
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("SYNCPOD_LOG_LEVEL", "INFO")},
}
