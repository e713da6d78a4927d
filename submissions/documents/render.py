"""HTML to PDF with WeasyPrint, offline: the only resources a document may load are the
site's static files (the print stylesheet, DSFR's Marianne fonts, the logo), read from disk
by ``static_fetcher``; any other address is refused, so rendering never goes on the network.
"""

from __future__ import annotations

import os
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import HttpResponse
from django.template.loader import render_to_string
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

# The documents' own origin: relative and root-relative URLs resolve against it.
BASE_URL = "https://documents.relance.invalid/"
MIME_TYPES = {
    ".css": "text/css",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".svg": "image/svg+xml",
    ".png": "image/png",
}


def static_path(url: str) -> str | None:
    """The file on disk behind a static URL of the documents' origin, or None."""
    if not url.startswith(BASE_URL):
        return None
    path = unquote(urlsplit(url).path).lstrip("/")
    prefix = urlsplit(settings.STATIC_URL).path.strip("/") + "/"
    if not path.startswith(prefix):
        return None
    name = path[len(prefix) :]
    if ".." in name.split("/"):
        return None
    # Collected files (hashed names in production) first, then the apps' own.
    try:
        collected = staticfiles_storage.path(name)
    except NotImplementedError:
        collected = None
    if collected and os.path.isfile(collected):
        return collected
    return finders.find(name)


class StaticFetcher(URLFetcher):
    def fetch(self, url, headers=None):
        path = static_path(url)
        if path is None:
            raise ValueError(f"Refused outside the static files: {url}")
        with open(path, "rb") as handle:
            body = handle.read()
        mime = MIME_TYPES.get(os.path.splitext(path)[1], "application/octet-stream")
        return URLFetcherResponse(url, body, {"Content-Type": mime})


def render_pdf(template: str, context: dict) -> bytes:
    html = render_to_string(template, context)
    return HTML(string=html, base_url=BASE_URL, url_fetcher=StaticFetcher()).write_pdf()


def pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
