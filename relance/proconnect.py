"""Sign-in with ProConnect, the State agents' identity federation (OpenID Connect).

mozilla-django-oidc runs the authorization code flow; this module adapts it to ProConnect:

- the endpoints come from the provider's discovery document
  (``PROCONNECT_BASE_URL/api/v2/.well-known/openid-configuration``), cached with its keys;
- the authorization asks ``acr_values=eidas1`` and the ProConnect scopes, with a state and a
  nonce of 48 characters (ProConnect wants at least 32);
- the ID token is checked (signature from the provider's keys, nonce, issuer, audience,
  expiry), and the userinfo answer must be a JWT signed the same way, for the same ``sub``;
- accounts are matched on the provider's verified email address (the ``sub`` differs from one
  service to the next), never duplicated; a new account is created confirmed;
- signing out of a ProConnect session goes through the provider's end-session endpoint with
  ``id_token_hint``, ``state`` and ``post_logout_redirect_uri``.

The apps above act on a sign-in through :data:`agent_signed_in` (the administration of the
``siret`` claim is ``submissions``' business). Without ``PROCONNECT_CLIENT_ID``,
``PROCONNECT_CLIENT_SECRET`` and ``PROCONNECT_BASE_URL`` everything here is inert.
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode

import jwt
import requests
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.core.cache import cache
from django.core.exceptions import SuspiciousOperation
from django.db import transaction
from django.dispatch import Signal
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.translation import gettext as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

from relance import accounts, audit
from relance.audit import AuditAction

logger = logging.getLogger(__name__)

DISCOVERY_PATH = "/api/v2/.well-known/openid-configuration"
REQUIRED_ENDPOINTS = (
    "issuer",
    "authorization_endpoint",
    "token_endpoint",
    "userinfo_endpoint",
    "jwks_uri",
    "end_session_endpoint",
)
# The session remembers a ProConnect sign-in, for the sign-out.
SESSION_KEY = "proconnect"
LOGOUT_STATE_KEY = "proconnect_logout_state"

# Sent once an agent is signed in through ProConnect: ``request``, ``user`` and ``claims``
# (the userinfo claims: email, given_name, usual_name, uid, siret, idp_id…).
agent_signed_in = Signal()


class ProConnectUnavailable(Exception):
    """The provider did not answer, or answered something unusable."""


class ProConnectRefused(Exception):
    """The provider's answer does not prove the identity (bad signature, nonce, claims…)."""


def enabled() -> bool:
    return bool(
        getattr(settings, "PROCONNECT_CLIENT_ID", "")
        and getattr(settings, "PROCONNECT_CLIENT_SECRET", "")
        and getattr(settings, "PROCONNECT_BASE_URL", "")
    )


def discovery_url() -> str:
    return settings.PROCONNECT_BASE_URL.rstrip("/") + DISCOVERY_PATH


def _get_json(url: str) -> dict:
    try:
        response = requests.get(url, timeout=settings.OIDC_TIMEOUT)
        response.raise_for_status()
        data = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise ProConnectUnavailable(f"{url}: {exc}") from exc
    if not isinstance(data, dict):
        raise ProConnectUnavailable(f"{url}: not a JSON object")
    return data


def _cache_key(name: str) -> str:
    # Keyed on the provider, so that changing PROCONNECT_BASE_URL never reuses the old one.
    return f"relance:proconnect:{name}:{settings.PROCONNECT_BASE_URL}"


def configuration() -> dict:
    """The provider's discovery document, fetched once per ``PROCONNECT_DISCOVERY_TTL``."""
    key = _cache_key("discovery")
    document = cache.get(key)
    if document is None:
        document = _get_json(discovery_url())
        missing = [name for name in REQUIRED_ENDPOINTS if not document.get(name)]
        if missing:
            raise ProConnectUnavailable(f"discovery document without {', '.join(missing)}")
        cache.set(key, document, settings.PROCONNECT_DISCOVERY_TTL)
    return document


def signing_keys(*, refresh=False) -> dict:
    """The provider's JWKS, cached like the discovery; ``refresh`` after an unknown key id
    (the provider rotated its keys)."""
    key = _cache_key("jwks")
    keys = None if refresh else cache.get(key)
    if keys is None:
        keys = _get_json(configuration()["jwks_uri"])
        cache.set(key, keys, settings.PROCONNECT_DISCOVERY_TTL)
    return keys


class ProConnectBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's backend, with ProConnect's endpoints, checks and accounts."""

    def __init__(self, *args, **kwargs):
        # Django builds the backends for every login, password ones included: nothing is
        # fetched here, the endpoints are read from the discovery when a sign-in needs them.
        self.UserModel = get_user_model()

    # The settings the base class reads, from the settings of the moment and the discovery.
    @property
    def OIDC_RP_CLIENT_ID(self):
        return settings.PROCONNECT_CLIENT_ID

    @property
    def OIDC_RP_CLIENT_SECRET(self):
        return settings.PROCONNECT_CLIENT_SECRET

    @property
    def OIDC_RP_SIGN_ALGO(self):
        return settings.OIDC_RP_SIGN_ALGO

    OIDC_RP_IDP_SIGN_KEY = None

    @property
    def OIDC_OP_TOKEN_ENDPOINT(self):
        return configuration()["token_endpoint"]

    @property
    def OIDC_OP_USER_ENDPOINT(self):
        return configuration()["userinfo_endpoint"]

    @property
    def OIDC_OP_JWKS_ENDPOINT(self):
        return configuration()["jwks_uri"]

    def authenticate(self, request, **kwargs):
        # Only the callback's call (it passes the nonce); a password login passes through.
        if request is None or "nonce" not in kwargs or not enabled():
            return None
        try:
            user = super().authenticate(request, **kwargs)
        except ProConnectUnavailable:
            raise
        except requests.RequestException as exc:
            raise ProConnectUnavailable(str(exc)) from exc
        except (SuspiciousOperation, jwt.PyJWTError, KeyError, ValueError) as exc:
            raise ProConnectRefused(str(exc)) from exc
        if user is None:
            raise ProConnectRefused("no account for these claims")
        return user

    def retrieve_matching_jwk(self, token):
        header = jwt.get_unverified_header(token)
        for refresh in (False, True):
            for jwk in signing_keys(refresh=refresh).get("keys", []):
                if jwk.get("kid") != header.get("kid"):
                    continue
                if "alg" in jwk and jwk["alg"] != header.get("alg"):
                    continue
                return jwt.PyJWK(jwk)
        raise SuspiciousOperation("No key of the provider matches the token.")

    def verify_token(self, token, **kwargs):
        """The signature and nonce (the base class), then who issued it, for whom, until when."""
        payload = super().verify_token(token, **kwargs)
        if payload.get("iss") != configuration()["issuer"]:
            raise SuspiciousOperation("Token issued by another provider.")
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation("Token issued for another client.")
        if "nonce" in kwargs and "exp" not in payload:
            # The ID token must expire (PyJWT checks the date when there is one). Its ``acr``
            # is not checked: eidas1 is the lowest level ProConnect gives, and it names the
            # higher ones in several ways.
            raise SuspiciousOperation("ID token without expiry.")
        return payload

    def get_userinfo(self, access_token, id_token, payload):
        """ProConnect answers a signed JWT (``application/jwt``), never plain JSON."""
        response = requests.get(
            self.OIDC_OP_USER_ENDPOINT,
            headers={"Authorization": f"Bearer {access_token}"},
            timeout=settings.OIDC_TIMEOUT,
        )
        response.raise_for_status()
        content_type = response.headers.get("content-type", "").lower()
        if not content_type.startswith("application/jwt"):
            raise SuspiciousOperation("The userinfo answer is not a signed JWT.")
        claims = self.verify_token(response.text)
        if claims.get("sub") != payload.get("sub"):
            raise SuspiciousOperation("The userinfo is about another subject.")
        return claims

    def verify_claims(self, claims):
        return bool((claims.get("email") or "").strip())

    def filter_users_by_claims(self, claims):
        email = (claims.get("email") or "").strip()
        return self.UserModel.objects.filter(email__iexact=email)

    def create_user(self, claims):
        with transaction.atomic():
            user = self.UserModel.objects.create_user(
                email=claims["email"].strip(),
                password=None,
                first_name=(claims.get("given_name") or "")[:150],
                last_name=(claims.get("usual_name") or "")[:150],
                # The provider verified the address.
                email_confirmed_at=timezone.now(),
            )
            audit.record(
                user,
                AuditAction.PROCONNECT_ACCOUNT_CREATE,
                user,
                data={"email": user.email, "idp_id": str(claims.get("idp_id") or "")},
            )
        user.proconnect_claims = claims
        return user

    def update_user(self, user, claims):
        # The same person (the provider verified the address): an unconfirmed account is now
        # confirmed; names missing on the account are taken from ProConnect.
        accounts.confirm_email(user, via="proconnect")
        changed = []
        if not user.first_name and claims.get("given_name"):
            user.first_name = claims["given_name"][:150]
            changed.append("first_name")
        if not user.last_name and claims.get("usual_name"):
            user.last_name = claims["usual_name"][:150]
            changed.append("last_name")
        if changed:
            user.save(update_fields=changed)
        user.proconnect_claims = claims
        return user


def _login_failed(request, message):
    messages.error(request, message)
    return redirect("login")


class AuthenticateView(OIDCAuthenticationRequestView):
    """« S’identifier avec ProConnect »: off to the provider's authorization endpoint."""

    def __init__(self, *args, **kwargs):
        # The base class reads the endpoint from the settings here; it comes from the discovery.
        super(OIDCAuthenticationRequestView, self).__init__(*args, **kwargs)

    def get(self, request):
        if not enabled():
            raise Http404
        try:
            self.OIDC_OP_AUTH_ENDPOINT = configuration()["authorization_endpoint"]
        except ProConnectUnavailable as exc:
            logger.warning("ProConnect discovery failed: %s", exc)
            return _login_failed(request, unavailable_message())
        self.OIDC_RP_CLIENT_ID = settings.PROCONNECT_CLIENT_ID
        return super().get(request)


def unavailable_message() -> str:
    return _(
        "ProConnect ne répond pas pour le moment. Réessayez dans quelques minutes ; si vous "
        "avez un mot de passe Relance, vous pouvez aussi vous connecter avec."
    )


class CallbackView(OIDCAuthenticationCallbackView):
    """The provider's answer: checked, the account signed in, then placed by the apps."""

    def get(self, request):
        if not enabled():
            raise Http404
        state = request.GET.get("state", "")
        states = request.session.get("oidc_states")
        if request.GET.get("error"):
            if isinstance(states, dict) and state in states:
                del states[state]
                request.session.modified = True
            return _login_failed(
                request,
                _("La connexion avec ProConnect a été annulée ou refusée. Vous pouvez réessayer."),
            )
        if not request.GET.get("code") or not isinstance(states, dict) or state not in states:
            # A forged or replayed answer, or one from another browser: refused, said plainly.
            return _login_failed(
                request,
                _(
                    "La connexion avec ProConnect n’a pas pu être vérifiée (lien expiré, déjà "
                    "utilisé ou ouvert dans un autre navigateur). Recommencez depuis cette page."
                ),
            )
        try:
            return super().get(request)
        except ProConnectUnavailable as exc:
            logger.warning("ProConnect unavailable during sign-in: %s", exc)
            return _login_failed(request, unavailable_message())
        except ProConnectRefused as exc:
            logger.warning("ProConnect sign-in refused: %s", exc)
            return _login_failed(
                request,
                _(
                    "La connexion avec ProConnect a été refusée : l’identité transmise n’a pas "
                    "pu être vérifiée. Recommencez ; si cela persiste, contactez l’équipe qui "
                    "organise l’appel à projets."
                ),
            )

    def login_failure(self):
        # Reached with a valid answer for an account that is deactivated.
        return _login_failed(self.request, _("Ce compte est désactivé."))

    @property
    def success_url(self):
        next_url = self.request.session.get("oidc_login_next")
        if next_url:
            return next_url
        if self.user.is_staff:
            return resolve_url(settings.LOGIN_REDIRECT_URL)
        return resolve_url(settings.PROCONNECT_LOGIN_REDIRECT_URL)

    def login_success(self):
        response = super().login_success()
        self.request.session[SESSION_KEY] = True
        agent_signed_in.send(
            sender=self.__class__,
            request=self.request,
            user=self.user,
            claims=getattr(self.user, "proconnect_claims", {}),
        )
        return response


class LogoutView(auth_views.LogoutView):
    """Sign out of Relance, and of ProConnect when the session came from it."""

    def post(self, request, *args, **kwargs):
        id_token = request.session.get("oidc_id_token")
        from_proconnect = bool(request.session.get(SESSION_KEY))
        response = super().post(request, *args, **kwargs)
        if not (from_proconnect and id_token and enabled()):
            return response
        try:
            endpoint = configuration()["end_session_endpoint"]
        except ProConnectUnavailable as exc:
            logger.warning("ProConnect discovery failed at sign-out: %s", exc)
            messages.warning(
                request,
                _(
                    "Vous êtes déconnecté de Relance, mais ProConnect n’a pas pu être joint : "
                    "fermez votre navigateur pour terminer aussi votre session ProConnect."
                ),
            )
            return response
        state = get_random_string(48)
        # The session is a new, anonymous one by now: it keeps the state for the return.
        request.session[LOGOUT_STATE_KEY] = state
        params = {
            "id_token_hint": id_token,
            "state": state,
            "post_logout_redirect_uri": request.build_absolute_uri(
                reverse("proconnect_logged_out")
            ),
        }
        return HttpResponseRedirect(f"{endpoint}?{urlencode(params)}")


def logged_out(request):
    """Where ProConnect sends the browser back after its own sign-out."""
    expected = request.session.pop(LOGOUT_STATE_KEY, None)
    return render(
        request,
        "registration/logged_out.html",
        {"proconnect": expected is not None and request.GET.get("state") == expected},
    )
