"""A local Démarches Simplifiées GraphQL API for the tests.

It runs in a thread of the test process on a free port of the loopback and executes the
queries it receives with ``graphql-core`` against a subset of the DS v2 schema (the types and
fields Relance asks for, named and typed as DS documents them), over recorded, anonymised
dossiers (``tests/submissions/demarches_answers/``). It checks the bearer token, paginates
``dossiers(first, after, updatedSince)`` with opaque cursors, lists ``deletedDossiers`` and
serves the attachments at the URLs it gives.
"""

from __future__ import annotations

import base64
import copy
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from graphql import build_schema, graphql_sync

ANSWERS = Path(__file__).parent / "submissions" / "demarches_answers"
TOKEN = "jeton-de-test-ds-" + "z" * 24

SCHEMA = build_schema(
    """
    scalar ISO8601DateTime
    scalar URL
    scalar BigInt
    enum DossierState { en_construction en_instruction accepte refuse sans_suite }
    type Query { demarche(number: Int!): Demarche }
    type PageInfo { hasNextPage: Boolean! endCursor: String }
    type Demarche {
      id: ID!
      number: Int!
      title: String!
      dossiers(first: Int, after: String, updatedSince: ISO8601DateTime): DossierConnection!
      deletedDossiers(first: Int, after: String): DeletedDossierConnection!
    }
    type DossierConnection { pageInfo: PageInfo! nodes: [Dossier] }
    type DeletedDossierConnection { pageInfo: PageInfo! nodes: [DeletedDossier] }
    type DeletedDossier {
      id: ID! number: Int! dateSupression: ISO8601DateTime! reason: String! state: DossierState!
    }
    interface Demandeur { id: ID! }
    type PersonneMorale implements Demandeur { id: ID! siret: String! }
    type PersonnePhysique implements Demandeur { id: ID! nom: String! prenom: String! }
    type Dossier {
      id: ID!
      number: Int!
      state: DossierState!
      dateDepot: ISO8601DateTime!
      dateDerniereModification: ISO8601DateTime!
      demandeur: Demandeur!
      champs: [Champ!]!
    }
    interface Champ { id: ID! label: String! stringValue: String }
    type TextChamp implements Champ { id: ID! label: String! stringValue: String }
    type DecimalNumberChamp implements Champ { id: ID! label: String! stringValue: String }
    type File {
      filename: String! url: URL! contentType: String! byteSize: BigInt! checksum: String!
    }
    type PieceJustificativeChamp implements Champ {
      id: ID! label: String! stringValue: String files: [File!]!
    }
    """
)


def _cursor(index: int) -> str:
    return base64.b64encode(f"dossier:{index}".encode()).decode()


def _index(cursor: str | None) -> int:
    if not cursor:
        return 0
    return int(base64.b64decode(cursor).decode().split(":")[1])


class LocalDemarches:
    def __init__(self, name: str = "demarche.json"):
        self.answers = json.loads((ANSWERS / name).read_text())
        self.files = {path.name: path.read_bytes() for path in (ANSWERS / "fichiers").iterdir()}
        self.requests: list[dict] = []
        self.downloads: list[str] = []  # the paths of the files asked for
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._resolvers()

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self):
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        self._server.shutdown()
        self._server.server_close()

    def _dossiers(self):
        nodes = copy.deepcopy(self.answers["dossiers"])
        for node in nodes:
            for champ in node["champs"]:
                for file in champ.get("files", []):
                    if not file["url"].startswith(("http://", "https://")):
                        file["url"] = f"{self.base_url}/fichiers/{file['url']}"
        return nodes

    def _resolvers(self):
        server = self
        demarche = SCHEMA.type_map["Demarche"]

        def dossiers(_demarche, _info, first=100, after=None, updatedSince=None):
            nodes = server._dossiers()
            if updatedSince:
                # Inclusive, as DS is: the last dossier of a run comes again in the next.
                nodes = [n for n in nodes if n["dateDerniereModification"] >= updatedSince]
            start = _index(after)
            page = nodes[start : start + min(first, 100)]
            end = start + len(page)
            return {
                "pageInfo": {"hasNextPage": end < len(nodes), "endCursor": _cursor(end)},
                "nodes": page,
            }

        def deleted(_demarche, _info, first=100, after=None):
            return {
                "pageInfo": {"hasNextPage": False, "endCursor": None},
                "nodes": server.answers["deletedDossiers"],
            }

        demarche.fields["dossiers"].resolve = dossiers
        demarche.fields["deletedDossiers"].resolve = deleted

    def execute(self, body: dict) -> dict:
        variables = body.get("variables") or {}
        self.requests.append(variables)

        def root_demarche(_root, _info, number):
            if number != self.answers["number"]:
                return None
            return {"id": "UHJvY2VkdXJlLTE=", "number": number, "title": self.answers["title"]}

        SCHEMA.query_type.fields["demarche"].resolve = root_demarche
        result = graphql_sync(SCHEMA, body.get("query", ""), variable_values=variables)
        answer = {"data": result.data}
        if result.errors:
            answer["errors"] = [{"message": e.message} for e in result.errors]
        return answer

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, status, body: bytes, content_type="application/json"):
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):
                if self.path != "/api/v2/graphql":
                    return self._send(404, b"{}")
                if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                    return self._send(403, b'{"errors":[{"message":"Without a token"}]}')
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                return self._send(200, json.dumps(server.execute(body)).encode())

            def do_GET(self):
                if self.path.startswith("/redirige/"):
                    self.send_response(302)
                    self.send_header("Location", self.path.removeprefix("/redirige/"))
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return None
                server.downloads.append(self.path)
                name = self.path.removeprefix("/fichiers/")
                if name not in server.files:
                    return self._send(404, b"")
                return self._send(200, server.files[name], "application/octet-stream")

        return Handler


@pytest.fixture
def demarches(settings):
    """A local DS API, and Relance configured to use it, two dossiers a page."""
    server = LocalDemarches().start()
    settings.RELANCE_DS_API_URL = f"{server.base_url}/api/v2/graphql"
    settings.RELANCE_DS_PAGE_SIZE = 2
    yield server
    server.stop()
