"""The application's settings with a cache that keeps nothing: every page rendered anew."""

from relance.settings import *  # noqa: F403

CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
