"""Password logins: the throttle (django-axes) and what it needs from Relance.

Failures are counted in the database per account and per address (``AXES_*`` settings), so
every app server refuses the same logins. The throttle's backend comes first in
``AUTHENTICATION_BACKENDS``: a locked account or address is refused before its password is
checked, so the right password does not get through either. ProConnect sign-ins carry no
password and are left to the provider.
"""

from __future__ import annotations

import math

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_cool_off
from axes.utils import reset
from django.conf import settings
from django.shortcuts import render


class LoginThrottleBackend(AxesStandaloneBackend):
    """django-axes' guard, for password logins only (the login page and the admin's)."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if password is None or request is None:
            # ProConnect's callback (no password that could be guessed), or a login outside
            # any HTTP request (a script, the test client's ``login``): nothing to throttle.
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def login_username(request, credentials) -> str | None:
    """The account a login names, as accounts are matched: « Agent@X.fr » is « agent@x.fr ».

    Without this, changing the case of the address would start a new count.
    """
    username = (credentials or {}).get("username")
    if username is None and request is not None and request.method == "POST":
        username = request.POST.get("username")
    if username is None:
        return None
    return str(username).strip().lower()


def client_ip(request) -> str | None:
    """The visitor's address: behind our reverse proxy (``BEHIND_PROXY``), the one it saw.

    The proxy appends the address it received the request from to ``X-Forwarded-For``; only
    that last entry is trusted (the ones before it are whatever the client sent).
    """
    if getattr(settings, "BEHIND_PROXY", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        entries = [entry.strip() for entry in forwarded.split(",") if entry.strip()]
        if entries:
            return entries[-1]
    return request.META.get("REMOTE_ADDR")


def lockout_minutes(request=None) -> int:
    cool_off = get_cool_off(request)
    return max(1, math.ceil(cool_off.total_seconds() / 60)) if cool_off else 0


def lockout_response(request, original_response=None, credentials=None):
    """The page of a refused login (429), in French, with the way out: the password reset."""
    return render(
        request,
        "registration/lockout.html",
        {
            "minutes": lockout_minutes(request),
            "failure_limit": settings.AXES_FAILURE_LIMIT,
            "admin_login": request.path.startswith("/admin/"),
        },
        status=429,
    )


def unlock(email: str) -> int:
    """Forget the failed logins of the account ``email``; returns how many records went."""
    return reset(username=login_username(None, {"username": email}))
