"""Request guards that run before any view reads the request."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render
from django.utils.translation import gettext as _


class RequestSizeLimitMiddleware:
    """Refuse a request whose declared body is above ``RELANCE_MAX_REQUEST_BYTES`` (413),
    before anything reads it.

    Django bounds the form fields of a body (``DATA_UPLOAD_MAX_MEMORY_SIZE``) but streams
    uploaded files to disk whatever their size; the reverse proxy should refuse such bodies
    first (see the README), and this holds when it does not.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.RELANCE_MAX_REQUEST_BYTES:
            return render(request, "413.html", status=413)
        return self.get_response(request)


class NoStoreWhenSignedInMiddleware:
    """Every response to a signed-in user is ``Cache-Control: private, no-store``.

    A page seen by a signed-in user shows their name and may show dossiers, scores or
    decisions: no browser or shared cache keeps it (after a logout, « back » must not show
    it again). Anonymous responses keep the caching their views give them (public results
    pages and datasets); static files are answered by whitenoise before this runs.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response.headers["Cache-Control"] = "private, no-store"
            response.headers.pop("Expires", None)
        return response


def idle_limit(user) -> int:
    """Seconds of inactivity after which ``user``'s session ends (staff sooner)."""
    if user.is_staff or user.is_superuser:
        return settings.RELANCE_SESSION_IDLE_STAFF_SECONDS
    return settings.RELANCE_SESSION_IDLE_SECONDS


class SessionIdleTimeoutMiddleware:
    """End a signed-in session after ``idle_limit`` seconds without a request.

    The time of the last request is kept in the session, written at most once a minute
    (``RELANCE_SESSION_ACTIVITY_WRITE_SECONDS``) so that reading pages does not write the
    session every time; the session's own expiry
    follows it, so that the row and the cookie go too. An expired session is signed out and
    sent to the login page, which says why.
    """

    SESSION_KEY = "relance_last_seen"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            limit = idle_limit(user)
            last_seen = request.session.get(self.SESSION_KEY)
            if isinstance(last_seen, int) and now - last_seen > limit:
                logout(request)
                messages.warning(
                    request,
                    _(
                        "Votre session a expiré après %(duration)s sans activité : "
                        "reconnectez-vous pour continuer."
                    )
                    % {"duration": _duration(limit)},
                )
                return redirect_to_login(request.get_full_path())
            every = settings.RELANCE_SESSION_ACTIVITY_WRITE_SECONDS
            if not isinstance(last_seen, int) or now - last_seen >= every:
                request.session[self.SESSION_KEY] = now
                request.session.set_expiry(limit)
        return self.get_response(request)


def start_idle_clock(sender, request, user, **kwargs):
    """At sign-in (``user_logged_in``): the inactivity is counted from now."""
    if request is not None and hasattr(request, "session"):
        request.session[SessionIdleTimeoutMiddleware.SESSION_KEY] = int(time.time())
        request.session.set_expiry(idle_limit(user))


def _duration(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    minutes = rest // 60
    if hours and not minutes:
        return _("%(n)s h") % {"n": hours}
    if hours:
        return _("%(h)s h %(m)s min") % {"h": hours, "m": minutes}
    return _("%(n)s min") % {"n": max(minutes, 1)}
