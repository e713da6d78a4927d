"""The application's settings with a cache that keeps no page: neither a whole page nor a
fragment, so that every public page is rendered anew, but what the application reads once
per results version (the results moment, the laureates filters' choices) is kept as usual.

It gives the cost of a page not yet in the cache on a running site (a filter combination
nobody asked for since the last publication), where ``nocache_settings`` gives the very
first one after a publication.
"""

from django.core.cache.backends.locmem import LocMemCache

from relance.settings import *  # noqa: F403

PAGES = ("public-page:", "public-results:", "template.cache.")
VERSION_KEY = "public-results:changed-at"  # jury.results.cache.VERSION_KEY (models not loaded yet)


class NoPageCache(LocMemCache):
    def _page(self, key):
        return key.startswith(PAGES) and key != VERSION_KEY

    def get(self, key, default=None, version=None):
        return default if self._page(key) else super().get(key, default, version)

    def add(self, key, value, timeout=None, version=None):
        return False if self._page(key) else super().add(key, value, timeout, version)

    def set(self, key, value, timeout=None, version=None):
        if not self._page(key):
            super().set(key, value, timeout, version)


CACHES = {"default": {"BACKEND": "nopage_settings.NoPageCache"}}
