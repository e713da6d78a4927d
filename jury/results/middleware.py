"""Public results pages for anonymous visitors, answered before the session, language, CSRF
and authentication middleware run.

Such a page is the same bytes for every anonymous visitor in a language (``cache.py``): once
rendered, the finished response (with the headers the inner middleware added) is kept under
the results' moment, the language and the address, and later visitors get it, or a 304, for
two cache reads. A visitor with a session cookie (signed in, or holding a message) never
does: the page is rendered for them.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.urls import Resolver404, resolve
from django.utils.cache import get_conditional_response
from django.utils.http import parse_http_date_safe
from django.utils.translation import get_language_from_request

from jury.results.cache import CACHE_SECONDS, current_changed_at

# The cookie of django.contrib.messages' cookie storage: a visitor holding one reads a message.
MESSAGES_COOKIE = "messages"


class AnonymousPublicPageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def _key(self, request):
        if request.method != "GET":
            return None
        cookies = request.COOKIES
        if settings.SESSION_COOKIE_NAME in cookies or MESSAGES_COOKIE in cookies:
            return None
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return None
        if not getattr(match.func, "relance_public_page", False):
            return None
        request.get_host()  # an unknown host is refused here as it would be further in
        changed = current_changed_at()
        request._results_changed_at = changed  # the view, if it runs, asks no more
        raw = "|".join(
            [
                changed.isoformat() if changed else "-",
                get_language_from_request(request) or "",
                request.get_full_path(),
            ]
        )
        return "public-page:" + hashlib.sha256(raw.encode()).hexdigest()

    def __call__(self, request):
        key = self._key(request)
        if key is None:
            return self.get_response(request)
        kept = cache.get(key)
        if kept is not None:
            return get_conditional_response(
                request,
                etag=kept.headers.get("ETag"),
                last_modified=parse_http_date_safe(kept.headers.get("Last-Modified", "")),
                response=kept,
            )
        response = self.get_response(request)
        if (
            getattr(response, "relance_anonymous_copy", False)
            and response.status_code == 200
            and not response.cookies
            and not response.streaming
        ):
            del response.relance_anonymous_copy
            cache.set(key, response, CACHE_SECONDS)
        return response
