"""Errors reach a Sentry-compatible service, without personal data: tested against a real
HTTP endpoint started here, which records the envelopes the SDK posts."""

from __future__ import annotations

import gzip
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import brotli
import pytest
import sentry_sdk

from relance.observability import init_sentry
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


class _Collector(BaseHTTPRequestHandler):
    received: list[bytes] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        # The SDK compresses with brotli when the package is installed (WeasyPrint's fonts
        # bring it), with gzip otherwise.
        encoding = self.headers.get("Content-Encoding")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "br":
            body = brotli.decompress(body)
        self.received.append(body)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@pytest.fixture
def sentry_endpoint():
    _Collector.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Collector)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    init_sentry(f"http://publickey@127.0.0.1:{server.server_port}/42", environment="test")
    yield _Collector.received
    sentry_sdk.get_client().close(timeout=2)
    sentry_sdk.init(dsn=None)
    server.shutdown()


def _events(received) -> list[dict]:
    events = []
    for envelope in received:
        for line in envelope.split(b"\n"):
            if line.startswith(b"{") and b'"exception"' in line:
                events.append(json.loads(line))
    return events


@pytest.mark.urls("tests.relance.failing_urls")
def test_a_server_error_is_reported_without_personal_data(client, sentry_endpoint):
    client.raise_request_exception = False
    user = UserFactory(email="agent.secret@exemple.gouv.fr")
    client.force_login(user)
    response = client.post("/panne/?q=Direction+secrète", {"message": "contenu du dossier"})
    assert response.status_code == 500
    sentry_sdk.flush(timeout=5)
    [event] = _events(sentry_endpoint)
    assert event["environment"] == "test"
    [exception] = event["exception"]["values"]
    assert exception["type"] == "RuntimeError"
    assert event["transaction"] == "/panne/"
    # Local variables may hold a dossier's content: frames carry code, never values.
    assert all("vars" not in frame for frame in exception["stacktrace"]["frames"])
    raw = json.dumps(event)
    # No personal data: neither the account, nor its session cookie, nor the posted form.
    assert "agent.secret@exemple.gouv.fr" not in raw
    assert "sessionid" not in raw and "contenu du dossier" not in raw
    assert "secr" not in raw.split('"exception"')[0] and "Direction" not in raw
    assert "user" not in event or "email" not in event.get("user", {})
