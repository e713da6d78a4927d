"""Settings for Relance. Everything comes from the environment, with development defaults."""

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise RuntimeError("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "dev-only-insecure-key-change-me"  # noqa: S105 - development default only
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "relance.apps.RelanceAdminConfig",  # django.contrib.admin, with the site's admin site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "dsfr",
    "crispy_forms",
    "django_filters",
    "csp",
    "import_export",
    "rules.apps.AutodiscoverRulesConfig",
    "django_tasks",
    "django_tasks_db",
    "health_check",
    "axes",
    "corsheaders",
    "ninja",  # the API documentation page's files (Swagger UI), served from the site
    "relance",
    "calls",
    "submissions",
    "jury",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before anything that may answer: a preflight gets its CORS headers.
    "corsheaders.middleware.CorsMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "csp.middleware.CSPMiddleware",
    "relance.middleware.RequestSizeLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before the session, language, CSRF and authentication: an anonymous visitor's public
    # results page straight from the cache.
    "jury.results.middleware.AnonymousPublicPageMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "relance.middleware.NoStoreWhenSignedInMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "relance.middleware.SessionIdleTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: turns the lockout flagged by the login throttle into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "relance.urls"
WSGI_APPLICATION = "relance.wsgi.application"
ASGI_APPLICATION = "relance.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "relance.context_processors.service",
            ],
        },
    },
]

# Database: DATABASE_URL selects a server; unset, an embedded PostgreSQL runs under var/.
# In production (DEBUG=0) a forgotten DATABASE_URL must not give each app server a database of
# its own: it refuses to start unless RELANCE_EMBEDDED_DB=1 says so.
DATABASE_URL = os.environ.get("DATABASE_URL", "").strip()
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL, conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60"))
        )
    }
    EMBEDDED_DATABASE = False
elif not DEBUG and not env_bool("RELANCE_EMBEDDED_DB", False):
    raise ImproperlyConfigured(
        "DATABASE_URL is not set and DEBUG is off: set DATABASE_URL to the PostgreSQL server "
        "that every app server and worker share (postgres://user:password@host:5432/name), or "
        "set RELANCE_EMBEDDED_DB=1 to run on an embedded PostgreSQL under RELANCE_VAR_DIR "
        "(one machine only)."
    )
else:
    from relance.embedded_pg import database_settings

    DATABASES = {
        "default": database_settings(Path(os.environ.get("RELANCE_VAR_DIR", BASE_DIR / "var")))
    }
    EMBEDDED_DATABASE = True
# psycopg's connection pool, one per process (DATABASE_POOL_MAX_SIZE connections at most);
# persistent connections (CONN_MAX_AGE) are then off, as Django requires.
if env_bool("DATABASE_POOL", False):
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": int(os.environ.get("DATABASE_POOL_MIN_SIZE", "2")),
        "max_size": int(os.environ.get("DATABASE_POOL_MAX_SIZE", "10")),
        "timeout": int(os.environ.get("DATABASE_POOL_TIMEOUT", "10")),
    }
DATABASES["default"].setdefault("TEST", {})
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "relance.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses a password login to a locked account or address before any check.
    "relance.auth.LoginThrottleBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
    # Sign-in with ProConnect (OpenID Connect); inert unless PROCONNECT_* are set.
    "relance.proconnect.ProConnectBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# Password logins are throttled (django-axes, in the database so that every app server sees
# the same failures): after RELANCE_LOGIN_FAILURE_LIMIT failures in a row for one account, or
# from one address, logins are refused for RELANCE_LOGIN_LOCKOUT_MINUTES, even with the right
# password. The admin's login is the same form. ProConnect sign-ins are not counted.
AXES_ENABLED = env_bool("RELANCE_LOGIN_THROTTLE", True)
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = int(os.environ.get("RELANCE_LOGIN_FAILURE_LIMIT", "10"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("RELANCE_LOGIN_LOCKOUT_MINUTES", "30")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "relance.auth.login_username"
AXES_CLIENT_IP_CALLABLE = "relance.auth.client_ip"
AXES_LOCKOUT_CALLABLE = "relance.auth.lockout_response"
AXES_VERBOSE = False
# Logins are refused while locked: retrying does not extend the lock.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False

# Sessions end after this much inactivity (seconds): staff accounts sooner than others.
RELANCE_SESSION_IDLE_STAFF_SECONDS = int(
    os.environ.get("RELANCE_SESSION_IDLE_STAFF_SECONDS", str(2 * 3600))
)
RELANCE_SESSION_IDLE_SECONDS = int(os.environ.get("RELANCE_SESSION_IDLE_SECONDS", str(12 * 3600)))
SESSION_COOKIE_AGE = max(RELANCE_SESSION_IDLE_STAFF_SECONDS, RELANCE_SESSION_IDLE_SECONDS)
# The last request's time is written to the session at most this often, not on every page.
RELANCE_SESSION_ACTIVITY_WRITE_SECONDS = 60

# ProConnect (the State agents' identity federation, OpenID Connect) through
# mozilla-django-oidc. Without the three variables the button is hidden and only the password
# login remains. The endpoints come from the provider's discovery document (cached).
PROCONNECT_CLIENT_ID = os.environ.get("PROCONNECT_CLIENT_ID", "").strip()
PROCONNECT_CLIENT_SECRET = os.environ.get("PROCONNECT_CLIENT_SECRET", "").strip()
PROCONNECT_BASE_URL = os.environ.get("PROCONNECT_BASE_URL", "").strip().rstrip("/")
_proconnect = urlsplit(PROCONNECT_BASE_URL)
PROCONNECT_ORIGIN = f"{_proconnect.scheme}://{_proconnect.netloc}" if _proconnect.netloc else ""
PROCONNECT_DISCOVERY_TTL = int(os.environ.get("PROCONNECT_DISCOVERY_TTL", "3600"))
OIDC_RP_SIGN_ALGO = os.environ.get("PROCONNECT_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = "openid email given_name usual_name uid siret idp_id"
OIDC_AUTH_REQUEST_EXTRA_PARAMS = {"acr_values": "eidas1"}
# ProConnect asks for a state and a nonce of at least 32 characters.
OIDC_STATE_SIZE = 48
OIDC_NONCE_SIZE = 48
OIDC_USE_NONCE = True
OIDC_STORE_ID_TOKEN = True  # the logout's id_token_hint
OIDC_TIMEOUT = int(os.environ.get("PROCONNECT_TIMEOUT", "10"))
OIDC_CREATE_USER = True
# Where an agent lands after signing in with ProConnect (staff: LOGIN_REDIRECT_URL).
PROCONNECT_LOGIN_REDIRECT_URL = "submissions:dossier_list"

# Internationalisation: French first, English second.
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

# Static and uploaded files. Uploads are never served from a public URL: views check
# permissions and stream them through the storage.
STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "var" / "media"))
# Uploads go to an S3-compatible bucket when S3_BUCKET is set (django-storages), to MEDIA_ROOT
# otherwise. Objects stay private: downloads are streamed by the permission-checked views.
S3_BUCKET = os.environ.get("S3_BUCKET", "")


def s3_storage(environ=os.environ) -> dict:
    """The ``STORAGES["default"]`` entry for the S3_* variables of ``environ``."""
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": environ["S3_BUCKET"],
            "endpoint_url": environ.get("S3_ENDPOINT_URL") or None,
            "region_name": environ.get("S3_REGION") or None,
            "access_key": environ.get("S3_ACCESS_KEY_ID") or None,
            "secret_key": environ.get("S3_SECRET_ACCESS_KEY") or None,
            "location": environ.get("S3_PREFIX", ""),
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
            "addressing_style": environ.get("S3_ADDRESSING_STYLE") or None,
        },
    }


STORAGES = {
    "default": s3_storage()
    if S3_BUCKET
    else {"BACKEND": os.environ.get("FILE_STORAGE", "django.core.files.storage.FileSystemStorage")},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Email: console in development, SMTP when EMAIL_HOST is set.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
# Seconds before an SMTP connection or answer is given up (then retried later): a mail server
# that never answers must not hold a worker.
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "10"))
# Failed emails are retried after 1, 2, 4… minutes (this base), at most this many attempts.
RELANCE_EMAIL_RETRY_BASE_SECONDS = int(os.environ.get("RELANCE_EMAIL_RETRY_BASE_SECONDS", "60"))
RELANCE_EMAIL_MAX_ATTEMPTS = int(os.environ.get("RELANCE_EMAIL_MAX_ATTEMPTS", "8"))
DEFAULT_FROM_EMAIL = os.environ.get(
    "DEFAULT_FROM_EMAIL", "Relance <ne-pas-repondre@relance.localhost>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Absolute links in emails are built from this address (no request at sending time).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")

# Background tasks (emails, periodic jobs): rows in the application's database, run by
# `manage.py run_worker` (see relance/tasks.py).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# A task still running after this many seconds is taken as lost with its worker and requeued.
RELANCE_TASK_STALLED_SECONDS = int(os.environ.get("RELANCE_TASK_STALLED_SECONDS", "900"))
# /sante/ fails when the oldest ready task has waited longer than this (no worker running?).
RELANCE_HEALTH_MAX_QUEUE_LAG = int(os.environ.get("RELANCE_HEALTH_MAX_QUEUE_LAG", "300"))
# Drafts never submitted are deleted (with their files) once their call has been closed this
# many days (reminders before the closing are set per call: calls.ReminderSettings).
RELANCE_DRAFT_RETENTION_DAYS = int(os.environ.get("RELANCE_DRAFT_RETENTION_DAYS", "365"))
# Staff exports: above this many rows an XLSX or ODS is built by a worker, not in the request
# (a large one would hold the web worker past its timeout); its link expires after the hours.
RELANCE_EXPORT_BACKGROUND_ROWS = int(os.environ.get("RELANCE_EXPORT_BACKGROUND_ROWS", "2000"))
RELANCE_EXPORT_LINK_HOURS = int(os.environ.get("RELANCE_EXPORT_LINK_HOURS", "24"))

# Démarches Simplifiées import: the GraphQL endpoint, the key encrypting the stored API tokens
# (a Fernet key; by default derived from SECRET_KEY), the page size and the network timeout.
RELANCE_DS_API_URL = os.environ.get(
    "RELANCE_DS_API_URL", "https://www.demarches-simplifiees.fr/api/v2/graphql"
)
RELANCE_DS_TOKEN_KEY = os.environ.get("RELANCE_DS_TOKEN_KEY", "")
RELANCE_DS_PAGE_SIZE = int(os.environ.get("RELANCE_DS_PAGE_SIZE", "100"))
RELANCE_DS_TIMEOUT = int(os.environ.get("RELANCE_DS_TIMEOUT", "30"))

# Forms: every crispy form renders DSFR markup through the project-local "dsfr" pack.
# Selects written in Python (relance.forms.FormRenderer), every other widget by its template.
FORM_RENDERER = "relance.forms.FormRenderer"
CRISPY_ALLOWED_TEMPLATE_PACKS = ("dsfr",)
CRISPY_TEMPLATE_PACK = "dsfr"
DSFR_USE_INTEGRITY_CHECKSUMS = True

# Security defaults that depend on deployment.
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
# Behind a reverse proxy: its X-Forwarded-Proto, and the client address it appends to
# X-Forwarded-For (the login throttle counts per address).
BEHIND_PROXY = env_bool("BEHIND_PROXY", False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_PROXY else None
# The API's throttle counts per client address: the proxy's X-Forwarded-For entry behind a
# proxy, else the connection's address (never a header a client could forge).
NINJA_NUM_PROXIES = 1 if BEHIND_PROXY else 0
RELANCE_API_RATE = os.environ.get("RELANCE_API_RATE", "120/min")
# The public API is read from any site: GET only, no cookies nor credentials.
CORS_URLS_REGEX = r"^/api/v1/.*$"
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_CREDENTIALS = False
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]
CORS_ALLOW_HEADERS = ["accept", "accept-language", "if-none-match", "if-modified-since"]
CORS_EXPOSE_HEADERS = ["ETag", "Last-Modified", "Retry-After", "Content-Language"]
X_FRAME_OPTIONS = "DENY"
# HTTPS only in production: plain HTTP is redirected (except the load balancers' health
# check) and browsers are told to use HTTPS for a year (HSTS, sent on HTTPS responses only).
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^sante/$"]
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
# Content-Security-Policy (django-csp): scripts only from the site's own files, each page's
# <script> tags carrying the request's nonce ({{ request.csp_nonce }}); never inline code.
# Styles allow inline ones: the Django admin, django-import-export and the DSFR's header
# write style attributes and <style> blocks, and a style cannot run code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        # A sign-in or sign-out form leads to ProConnect when it is configured.
        "form-action": [SELF, *([PROCONNECT_ORIGIN] if PROCONNECT_ORIGIN else [])],
        "frame-ancestors": [NONE],
    },
}
# Browser features the service never uses are refused to every page (and to any frame).
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "encrypted-media",
        "fullscreen",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
    )
}
CSRF_FAILURE_VIEW = "relance.views.csrf_failure"

SERVICE_NAME = _("Relance — appels à projets")
SERVICE_TAGLINE = _("Cofinancer les projets des administrations de l’État")

# Cache: shared by every app server through Redis when REDIS_URL is set, else per process.
REDIS_URL = os.environ.get("REDIS_URL", "").strip()
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "relance"),
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
    }
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}

# Public results pages: how long an app server trusts its cached « results changed at » moment
# before asking the database again. Publishing or correcting results forgets it at once in the
# cache (on every app server when the cache is shared); a publication scheduled for later
# shortens it. 0: asked on every request.
RELANCE_RESULTS_VERSION_SECONDS = int(os.environ.get("RELANCE_RESULTS_VERSION_SECONDS", "5"))

# Logs: plain text on the console, or one JSON object per line with LOG_FORMAT=json.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(process)d %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
        "text": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if os.environ.get("LOG_FORMAT") == "json" else "text",
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    # Django's own console handler would print every warning a second time through the root.
    "loggers": {"django": {"handlers": [], "propagate": True}},
}

# Errors reported to a Sentry-compatible service when SENTRY_DSN is set.
SENTRY_DSN = os.environ.get("SENTRY_DSN", "").strip()
if SENTRY_DSN:
    from relance.observability import init_sentry

    init_sentry(
        SENTRY_DSN,
        environment=os.environ.get("SENTRY_ENVIRONMENT", "production"),
        traces_sample_rate=float(os.environ.get("SENTRY_TRACES_SAMPLE_RATE", "0")),
    )

# Largest attachment accepted on a dossier, in bytes (10 MiB by default).
RELANCE_MAX_UPLOAD_BYTES = int(os.environ.get("RELANCE_MAX_UPLOAD_BYTES", str(10 * 1024 * 1024)))
# What an office file may expand to once decompressed (100 MiB by default).
RELANCE_MAX_UNCOMPRESSED_BYTES = int(
    os.environ.get("RELANCE_MAX_UNCOMPRESSED_BYTES", str(100 * 1024 * 1024))
)
# Request bodies: an upload and its form, never more (refused before being read, 413); the
# form fields alone are bounded by Django's limit.
RELANCE_MAX_REQUEST_BYTES = RELANCE_MAX_UPLOAD_BYTES + 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# The grantor named in the SCDL « subventions » open data file (nomAttribuant, idAttribuant:
# a 14-digit SIRET).
RELANCE_GRANTOR_NAME = os.environ.get(
    "RELANCE_GRANTOR_NAME", "Direction interministérielle du numérique"
)
RELANCE_GRANTOR_SIRET = os.environ.get("RELANCE_GRANTOR_SIRET", "13002526500013")
