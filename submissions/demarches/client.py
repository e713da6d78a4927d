"""Reads a procedure's dossiers through the Démarches Simplifiées GraphQL API (v2).

One query per page (``demarche(number){dossiers(first, after, updatedSince)…}``), the deleted
dossiers with the first page, and the attachments downloaded from the URLs the API gives.
Every failure is a :class:`DemarchesError` carrying a French message for staff.
"""

from __future__ import annotations

import ipaddress
import socket
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import requests
from django.conf import settings
from django.utils.translation import gettext as _

DOSSIERS_QUERY = """
query relanceImport($number: Int!, $first: Int!, $after: String,
                    $updatedSince: ISO8601DateTime, $withDeleted: Boolean!) {
  demarche(number: $number) {
    number
    title
    dossiers(first: $first, after: $after, updatedSince: $updatedSince) {
      pageInfo { hasNextPage endCursor }
      nodes {
        number
        state
        dateDepot
        dateDerniereModification
        demandeur {
          __typename
          ... on PersonneMorale { siret }
        }
        champs {
          __typename
          id
          label
          stringValue
          ... on PieceJustificativeChamp {
            files { filename url contentType byteSize checksum }
          }
        }
      }
    }
    deletedDossiers @include(if: $withDeleted) {
      nodes { number dateSupression reason state }
    }
  }
}
"""


class DemarchesError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class Page:
    dossiers: list[dict]
    deleted: list[dict]
    has_next: bool
    end_cursor: str | None


def _post(token: str, variables: dict) -> dict:
    try:
        response = requests.post(
            settings.RELANCE_DS_API_URL,
            json={"query": DOSSIERS_QUERY, "variables": variables},
            headers={"Authorization": f"Bearer {token}"},
            timeout=settings.RELANCE_DS_TIMEOUT,
        )
    except requests.RequestException as exc:
        raise DemarchesError(
            _("Démarches Simplifiées ne répond pas : réessayez plus tard.")
        ) from exc
    if response.status_code in (401, 403):
        raise DemarchesError(
            _(
                "Démarches Simplifiées refuse le jeton d’API : vérifiez-le et "
                "enregistrez-le à nouveau."
            )
        )
    if response.status_code != 200:
        raise DemarchesError(
            _("Démarches Simplifiées a répondu par une erreur (%(status)s).")
            % {"status": response.status_code}
        )
    try:
        body = response.json()
    except ValueError as exc:
        raise DemarchesError(_("La réponse de Démarches Simplifiées est illisible.")) from exc
    if body.get("errors"):
        messages = "; ".join(str(e.get("message", "")) for e in body["errors"])[:500]
        raise DemarchesError(
            _("Démarches Simplifiées signale une erreur : %(errors)s") % {"errors": messages}
        )
    demarche = (body.get("data") or {}).get("demarche")
    if demarche is None:
        raise DemarchesError(
            _("Démarche introuvable : vérifiez son numéro et les droits du jeton d’API.")
        )
    return demarche


def pages(token: str, number: int, updated_since: str | None = None) -> Iterator[Page]:
    """The procedure's dossiers modified since ``updated_since`` (ISO 8601), page by page."""
    after = None
    first = True
    while True:
        demarche = _post(
            token,
            {
                "number": number,
                "first": settings.RELANCE_DS_PAGE_SIZE,
                "after": after,
                "updatedSince": updated_since,
                "withDeleted": first,
            },
        )
        connection = demarche.get("dossiers") or {}
        info = connection.get("pageInfo") or {}
        deleted = ((demarche.get("deletedDossiers") or {}).get("nodes")) or []
        page = Page(
            dossiers=[n for n in connection.get("nodes") or [] if n],
            deleted=[n for n in deleted if n],
            has_next=bool(info.get("hasNextPage")),
            end_cursor=info.get("endCursor"),
        )
        yield page
        if not page.has_next or not page.end_cursor or page.end_cursor == after:
            return
        after, first = page.end_cursor, False


def check_connection(token: str, number: int) -> str:
    """The procedure's title, or :class:`DemarchesError`: asked when staff connect a call."""
    demarche = _post(
        token,
        {"number": number, "first": 1, "after": None, "updatedSince": None, "withDeleted": False},
    )
    return str(demarche.get("title") or "")


MAX_REDIRECTS = 3


def _allowed_file_url(url: str) -> bool:
    """Whether an attachment URL may be fetched: the DS API's own server, or an ``https``
    address whose host resolves only to public addresses. The URLs come from a third party's
    answers: never let them reach the application's own network (metadata endpoints, the
    database, internal services)."""
    parts = urlsplit(url)
    api = urlsplit(settings.RELANCE_DS_API_URL)
    if (parts.scheme, parts.netloc) == (api.scheme, api.netloc):
        return True
    if parts.scheme != "https" or not parts.hostname:
        return False
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return False
    return bool(infos) and all(
        ipaddress.ip_address(info[4][0].split("%")[0]).is_global for info in infos
    )


def download(url: str, limit: int):
    """``(file, size)``: the file at ``url`` in a temporary file (the caller closes it), at most
    ``limit`` bytes.

    The URLs are signed by DS and short-lived: no token is sent with them. Redirects are
    followed by hand, each address checked like the first.
    """
    failed = _("La pièce jointe n’a pas pu être téléchargée.")
    for _hop in range(MAX_REDIRECTS + 1):
        if not _allowed_file_url(url):
            raise DemarchesError(
                _("La pièce jointe a été refusée : son adresse n’est pas autorisée.")
            )
        try:
            response = requests.get(
                url, stream=True, timeout=settings.RELANCE_DS_TIMEOUT, allow_redirects=False
            )
        except requests.RequestException as exc:
            raise DemarchesError(failed) from exc
        if not response.is_redirect:
            break
        url = urljoin(url, response.headers.get("Location", ""))
        response.close()
    else:
        raise DemarchesError(failed)
    with response:
        if response.status_code != 200:
            raise DemarchesError(failed)
        # Handed to the caller, who closes it.
        spool = tempfile.TemporaryFile()  # noqa: SIM115
        size = 0
        for chunk in response.iter_content(64 * 1024):
            size += len(chunk)
            if size > limit:
                spool.close()
                raise DemarchesError(_("La pièce jointe dépasse la taille autorisée."))
            spool.write(chunk)
    spool.seek(0)
    return spool, size
