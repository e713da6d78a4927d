"""A real OpenID Connect provider for the tests, speaking as ProConnect does.

It runs in a thread of the test process, on a free port of the loopback, and serves what
ProConnect serves under ``/api/v2``: the discovery document, ``authorize`` (approved at once
for :attr:`LocalProConnect.identity`), ``token`` (an RS256-signed ID token), the JWKS,
``userinfo`` as a signed JWT (``application/jwt``) and ``session/end``. It checks what
ProConnect checks (client, redirect URI, scopes, ``acr_values``, state and nonce of at least 32
characters, single-use codes) and answers 400 otherwise; :attr:`LocalProConnect.tamper` makes
it misbehave on purpose (wrong nonce, foreign signature, plain JSON userinfo).

The ``proconnect`` fixture starts one and points the settings at it.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey

CLIENT_ID = "relance-tests"
CLIENT_SECRET = "secret-du-fournisseur-de-test-" + "x" * 20
REQUIRED_SCOPES = {"openid", "email", "given_name", "usual_name", "uid", "siret", "idp_id"}


@dataclass
class Identity:
    """Who the provider says is signing in."""

    email: str = "camille.agent@interieur.gouv.fr"
    given_name: str = "Camille"
    usual_name: str = "Agent"
    uid: str = "uid-42"
    siret: str = "99999999800019"
    idp_id: str = "fia1v2"
    sub: str = field(default_factory=lambda: secrets.token_hex(16))

    def claims(self) -> dict:
        return {
            "sub": self.sub,
            "email": self.email,
            "given_name": self.given_name,
            "usual_name": self.usual_name,
            "uid": self.uid,
            "siret": self.siret,
            "idp_id": self.idp_id,
        }


class LocalProConnect:
    def __init__(self):
        self.key = RSAKey.generate_key(2048, parameters={"kid": "cle-1", "use": "sig"})
        self.foreign_key = RSAKey.generate_key(2048, parameters={"kid": "cle-1", "use": "sig"})
        self.identity = Identity()
        # "nonce", "signature" or "userinfo_json": misbehave on the next sign-ins.
        self.tamper: set[str] = set()
        self.codes: dict[str, dict] = {}
        self.access_tokens: dict[str, Identity] = {}
        self.id_tokens: set[str] = set()
        self.authorize_requests: list[dict] = []
        self.end_session_requests: list[dict] = []
        self.token_requests = 0
        self.discovery_requests = 0
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self.issuer = f"{self.base_url}/api/v2"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._server.shutdown()
        self._server.server_close()

    # What the provider serves ---------------------------------------------------------------

    def discovery(self) -> dict:
        self.discovery_requests += 1
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "jwks_uri": f"{self.issuer}/jwks",
            "end_session_endpoint": f"{self.issuer}/session/end",
            "response_types_supported": ["code"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "userinfo_signing_alg_values_supported": ["RS256"],
            "acr_values_supported": ["eidas1"],
            "scopes_supported": sorted(REQUIRED_SCOPES),
        }

    def sign(self, claims: dict) -> str:
        key = self.foreign_key if "signature" in self.tamper else self.key
        return jwt.encode({"alg": "RS256", "kid": "cle-1", "typ": "JWT"}, claims, key)

    def authorize(self, params: dict) -> tuple[int, dict | str]:
        self.authorize_requests.append(params)
        problems = []
        if params.get("client_id") != CLIENT_ID:
            problems.append("client_id")
        if params.get("response_type") != "code":
            problems.append("response_type")
        if not set(params.get("scope", "").split()) >= REQUIRED_SCOPES:
            problems.append("scope")
        if params.get("acr_values") != "eidas1":
            problems.append("acr_values")
        for name in ("state", "nonce"):
            if len(params.get(name, "")) < 32:
                problems.append(name)
        if not params.get("redirect_uri"):
            problems.append("redirect_uri")
        if problems:
            return 400, "invalid request: " + ", ".join(problems)
        code = secrets.token_urlsafe(24)
        self.codes[code] = {
            "nonce": params["nonce"],
            "redirect_uri": params["redirect_uri"],
            "identity": self.identity,
        }
        query = urlencode({"code": code, "state": params["state"]})
        return 302, {"Location": f"{params['redirect_uri']}?{query}"}

    def token(self, form: dict) -> tuple[int, dict]:
        self.token_requests += 1
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return 401, {"error": "invalid_client"}
        grant = self.codes.pop(form.get("code", ""), None)  # a code serves once
        if grant is None or form.get("grant_type") != "authorization_code":
            return 400, {"error": "invalid_grant"}
        if form.get("redirect_uri") != grant["redirect_uri"]:
            return 400, {"error": "invalid_grant"}
        identity = grant["identity"]
        now = int(time.time())
        nonce = "une-autre-valeur-que-celle-du-client" if "nonce" in self.tamper else grant["nonce"]
        id_token = self.sign(
            {
                "iss": self.issuer,
                "sub": identity.sub,
                "aud": CLIENT_ID,
                "iat": now,
                "exp": now + 60,
                "nonce": nonce,
                "acr": "eidas1",
                "amr": ["pwd"],
            }
        )
        self.id_tokens.add(id_token)
        access_token = secrets.token_urlsafe(24)
        self.access_tokens[access_token] = identity
        return 200, {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": 60,
            "id_token": id_token,
        }

    def userinfo(self, authorization: str) -> tuple[int, str, str]:
        token = authorization.removeprefix("Bearer ").strip()
        identity = self.access_tokens.get(token)
        if identity is None:
            return 401, "application/json", json.dumps({"error": "invalid_token"})
        claims = identity.claims()
        if "userinfo_json" in self.tamper:
            return 200, "application/json", json.dumps(claims)
        signed = self.sign({**claims, "iss": self.issuer, "aud": CLIENT_ID})
        return 200, "application/jwt; charset=utf-8", signed

    def end_session(self, params: dict) -> tuple[int, dict | str]:
        self.end_session_requests.append(params)
        if params.get("id_token_hint") not in self.id_tokens:
            return 400, "unknown id_token_hint"
        if len(params.get("state", "")) < 32 or not params.get("post_logout_redirect_uri"):
            return 400, "state and post_logout_redirect_uri are required"
        query = urlencode({"state": params["state"]})
        return 302, {"Location": f"{params['post_logout_redirect_uri']}?{query}"}

    # HTTP --------------------------------------------------------------------------------------

    def _handler(self):
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _query(self) -> dict:
                return {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}

            def _send(self, status, body=b"", content_type="application/json", headers=None):
                if isinstance(body, dict):
                    body = json.dumps(body).encode()
                elif isinstance(body, str):
                    body = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def _answer(self, status, result):
                if status == 302:
                    self._send(302, b"", "text/plain", headers=result)
                else:
                    self._send(status, result, "text/plain")

            def do_GET(self):
                path = urlsplit(self.path).path
                if path == "/api/v2/.well-known/openid-configuration":
                    self._send(200, provider.discovery())
                elif path == "/api/v2/jwks":
                    self._send(200, {"keys": [provider.key.as_dict(private=False)]})
                elif path == "/api/v2/authorize":
                    self._answer(*provider.authorize(self._query()))
                elif path == "/api/v2/userinfo":
                    status, content_type, body = provider.userinfo(
                        self.headers.get("Authorization", "")
                    )
                    self._send(status, body, content_type)
                elif path == "/api/v2/session/end":
                    self._answer(*provider.end_session(self._query()))
                else:
                    self._send(404, {"error": "not found"})

            def do_POST(self):
                path = urlsplit(self.path).path
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                if path == "/api/v2/token":
                    status, body = provider.token(form)
                    self._send(status, body)
                else:
                    self._send(404, {"error": "not found"})

        return Handler


@pytest.fixture
def proconnect(settings):
    """A local ProConnect, and Relance configured to use it."""
    provider = LocalProConnect().start()
    settings.PROCONNECT_CLIENT_ID = CLIENT_ID
    settings.PROCONNECT_CLIENT_SECRET = CLIENT_SECRET
    settings.PROCONNECT_BASE_URL = provider.base_url
    # The sign-in and sign-out forms lead to the provider (Content-Security-Policy).
    policy = {**settings.CONTENT_SECURITY_POLICY}
    directives = {**policy["DIRECTIVES"]}
    directives["form-action"] = [*directives["form-action"], provider.base_url]
    settings.CONTENT_SECURITY_POLICY = {**policy, "DIRECTIVES": directives}
    yield provider
    provider.stop()
