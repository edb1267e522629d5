"""Settings, read once from the environment (django-environ).

Defaults run on one machine with no services: SQLite under ``var/`` and a filesystem Celery broker.
Production sets ``DATABASE_URL`` (PostgreSQL), ``CELERY_BROKER_URL`` (Redis) and optionally
``STORAGE_BACKEND=s3`` with the ``AWS_*`` variables for object storage.
"""
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

VAR_DIR = Path(env.str("RAYLABEL_VAR_DIR", default=str(BASE_DIR / "var")))

# DJANGO_DEBUG left unset is the development path (the demo, the tests, CI): DEBUG off and a public
# development key. Production declares DJANGO_DEBUG=false (the Docker image does) and must then bring
# its own DJANGO_SECRET_KEY: with a public key anyone could forge sessions and password-reset links.
DEVELOPMENT_SECRET_KEY = "django-insecure-raylabel-development-key-never-use-in-production"
DEBUG = env.bool("DJANGO_DEBUG", default=False)
PRODUCTION = "DJANGO_DEBUG" in env and not DEBUG
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if PRODUCTION and SECRET_KEY in ("", DEVELOPMENT_SECRET_KEY):
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY is not set: with DJANGO_DEBUG=false (production) Raylabel needs a secret key of "
        "50 or more random characters, e.g. from "
        "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`."
    )
SECRET_KEY = SECRET_KEY or DEVELOPMENT_SECRET_KEY
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "annotate",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "csp.middleware.CSPMiddleware",
    # Before the CSRF check, which parses form bodies: an oversize upload is refused unread.
    "annotate.uploads.UploadLimitMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a login refused for too many failures into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'raylabel.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server and the worker share one file. WAL lets readers work beside the one writer;
    # IMMEDIATE transactions take the write lock when they begin, so a transaction that read first
    # never has to upgrade its lock later (SQLite refuses that upgrade at once, "database is locked",
    # without waiting); the busy timeout makes every writer wait up to 30 s for the lock.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        timeout=30,
        transaction_mode="IMMEDIATE",
        init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
# django-axes first: it refuses a locked-out user name + IP before the password is even checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/app/"
LOGOUT_REDIRECT_URL = "/login/"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# The browser app's build (frontend/dist, made by `make frontend`) is served under /static/app/.
STATICFILES_DIRS = [("app", BASE_DIR / "frontend" / "dist")] if (BASE_DIR / "frontend" / "dist").is_dir() else []
WHITENOISE_USE_FINDERS = True
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("RAYLABEL_MEDIA_ROOT", default=str(VAR_DIR / "media")))

_storage_backend = env.str("STORAGE_BACKEND", default="filesystem")
STORAGES = {
    "default": (
        {"BACKEND": "storages.backends.s3.S3Storage"}
        if _storage_backend == "s3"
        else {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    ),
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
AWS_S3_ENDPOINT_URL = env.str("AWS_S3_ENDPOINT_URL", default=None)

# Upload limits: a capture zip, its unpacked size and file count, and one image's pixel count.
RAYLABEL_MAX_UPLOAD_BYTES = env.int("RAYLABEL_MAX_UPLOAD_BYTES", default=2 * 1024**3)
RAYLABEL_MAX_UNPACKED_BYTES = env.int("RAYLABEL_MAX_UNPACKED_BYTES", default=8 * 1024**3)
RAYLABEL_MAX_FILES = env.int("RAYLABEL_MAX_FILES", default=50_000)
RAYLABEL_MAX_IMAGE_PIXELS = env.int("RAYLABEL_MAX_IMAGE_PIXELS", default=8192 * 8192)
RAYLABEL_THUMBNAIL_SIZE = env.int("RAYLABEL_THUMBNAIL_SIZE", default=256)
# The torch device a worker renders labels on ("cpu", "cuda", "cuda:1"); empty: CUDA when present, else the CPU.
RAYLABEL_DEVICE = env.str("RAYLABEL_DEVICE", default="")
# A running job whose worker has not reported for this long is considered lost.
RAYLABEL_JOB_HEARTBEAT_TIMEOUT_S = env.int("RAYLABEL_JOB_HEARTBEAT_TIMEOUT_S", default=600)
# A queued job that no worker has started for this long is failed with a reason (no worker running,
# or its task was lost); make it longer than the longest wait behind other jobs on a busy queue.
RAYLABEL_JOB_CLAIM_TIMEOUT_S = env.int("RAYLABEL_JOB_CLAIM_TIMEOUT_S", default=6 * 3600)
# Uploads bigger than this are streamed to a temporary file rather than held in memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024**2
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024**2

# Upload limits per kind, enforced while the body streams (annotate/uploads.py): a request whose
# Content-Length is over its view's limit is answered 413 unread, and the handler stops counting file
# bytes at the limit. A capture zip is limited by RAYLABEL_MAX_UPLOAD_BYTES (above); any other request
# by DATA_UPLOAD_MAX_MEMORY_SIZE.
RAYLABEL_MAX_MESH_BYTES = env.int("RAYLABEL_MAX_MESH_BYTES", default=256 * 1024**2)
RAYLABEL_MAX_REFERENCE_BYTES = env.int("RAYLABEL_MAX_REFERENCE_BYTES", default=512 * 1024**2)
FILE_UPLOAD_HANDLERS = [
    "annotate.uploads.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# Scratch files (VAR_DIR/tmp) untouched this long are left from a killed worker; each export and
# ingest sweeps them first.
RAYLABEL_SCRATCH_MAX_AGE_S = env.int("RAYLABEL_SCRATCH_MAX_AGE_S", default=24 * 3600)

# Content-Security-Policy (django-csp) on every response: scripts, styles, images and requests come
# from this site only. The server pages keep their CSS in static files, the browser app is a Vite
# build with no inline script; three.js shows a GLB's embedded textures through blob: URLs and Swagger
# UI's stylesheet draws icons from data: URLs. The API docs pages relax style-src for themselves only
# (config/urls.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "annotate.api.authentication.ExpiringTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    # Per client IP (anon) and per user; generous for people working (the browser app loads tiles in
    # bursts), low for the token endpoint, where only password guessing needs many requests.
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("RAYLABEL_THROTTLE_ANON", default="120/min"),
        "user": env.str("RAYLABEL_THROTTLE_USER", default="6000/min"),
        "auth-token": env.str("RAYLABEL_THROTTLE_AUTH_TOKEN", default="10/min"),
    },
    # How many reverse proxies in front append to X-Forwarded-For; 0 trusts only REMOTE_ADDR, so a
    # client cannot dodge throttles and lockouts by sending a made-up X-Forwarded-For.
    "NUM_PROXIES": env.int("RAYLABEL_NUM_PROXIES", default=0),
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 100,
    "DEFAULT_SCHEMA_CLASS": "annotate.api.schema.ErrorDocumentingAutoSchema",
    "EXCEPTION_HANDLER": "annotate.api.errors.exception_handler",
}
# Throttle counts live in this cache: per process by default; with several web processes (gunicorn
# workers, hosts) set CACHE_URL (e.g. redis://redis:6379/1) so that they count together.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
# An API token older than this is refused (401); POST /api/auth/token/ then issues a new one. 0: never.
RAYLABEL_TOKEN_TTL_HOURS = env.int("RAYLABEL_TOKEN_TTL_HOURS", default=24 * 7)

# Brute-force lockout (django-axes): after this many failed logins for one user name from one IP
# address, logins for that pair are refused until the cool-off has passed since the last failure.
AXES_FAILURE_LIMIT = env.int("RAYLABEL_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("RAYLABEL_LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Tries while locked out do not restart the cool-off, so "try again in N minutes" stays true.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "annotate.login_lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "annotate.client_address.client_ip_address"

# HTTPS hardening, off by default for the demo on http://127.0.0.1; README.md (Settings) lists the
# production values, under which `manage.py check --deploy` is clean.
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=False)
SESSION_COOKIE_SECURE = env.bool("DJANGO_SESSION_COOKIE_SECURE", default=False)
CSRF_COOKIE_SECURE = env.bool("DJANGO_CSRF_COOKIE_SECURE", default=False)
if env.bool("DJANGO_SECURE_PROXY_SSL_HEADER", default=False):
    # Only behind a TLS-terminating proxy that sets (and strips clients' own) X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

SPECTACULAR_SETTINGS = {
    "TITLE": "Raylabel API",
    "DESCRIPTION": "Label vision datasets with radiance fields.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "broker"
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True  # a task whose worker dies is redelivered, not lost
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "cpu"
# Training goes to the queue its preset names (annotate.services.training.PRESET_CATALOG: the voxel grid to
# "cpu", nerfacto to "gpu"), passed when the job is enqueued; the route below only covers a task sent without one.
CELERY_TASK_ROUTES = {
    "annotate.tasks.train_field_task": {"queue": "gpu"},
    "annotate.tasks.*": {"queue": "cpu"},
}
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
