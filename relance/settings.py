"""Settings for Relance. Everything comes from the environment, with development defaults."""

import os
from pathlib import Path

import dj_database_url
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
    "django.contrib.admin",
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
    "import_export",
    "rules.apps.AutodiscoverRulesConfig",
    "relance",
    "calls",
    "submissions",
    "jury",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "relance.middleware.RequestSizeLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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
DATABASE_URL = os.environ.get("DATABASE_URL", "").strip()
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    EMBEDDED_DATABASE = False
else:
    from relance.embedded_pg import database_settings

    DATABASES = {
        "default": database_settings(Path(os.environ.get("RELANCE_VAR_DIR", BASE_DIR / "var")))
    }
    EMBEDDED_DATABASE = True
DATABASES["default"].setdefault("TEST", {})
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "relance.User"
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
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
STORAGES = {
    "default": {
        "BACKEND": os.environ.get("FILE_STORAGE", "django.core.files.storage.FileSystemStorage")
    },
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
DEFAULT_FROM_EMAIL = os.environ.get(
    "DEFAULT_FROM_EMAIL", "Relance <ne-pas-repondre@relance.localhost>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Absolute links in emails are built from this address (no request at sending time).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")

# Forms: every crispy form renders DSFR markup through the project-local "dsfr" pack.
CRISPY_ALLOWED_TEMPLATE_PACKS = ("dsfr",)
CRISPY_TEMPLATE_PACK = "dsfr"
DSFR_USE_INTEGRITY_CHECKSUMS = True

# Security defaults that depend on deployment.
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_PROXY", False) else None
)
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "relance.views.csrf_failure"

SERVICE_NAME = _("Relance — appels à projets")
SERVICE_TAGLINE = _("Cofinancer les projets des administrations de l’État")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    # Django's own console handler would print every warning a second time through the root.
    "loggers": {"django": {"handlers": [], "propagate": True}},
}

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
