"""Extension point of the public page of a call (``/appels/<slug>/``, ``calls:detail``).

``calls`` serves the page; apps above it (the jury's published results) add a section
without replacing the view: each registers a :class:`CallPageSection` from its
``AppConfig.ready``. The page includes the template of every section that shows for the
call, in registration order, at the place reserved for them under the call's header.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.shortcuts import get_object_or_404

from calls.models import Call


@dataclass(frozen=True)
class CallPageSection:
    name: str
    # Included in the page; reads the page's context plus what ``context`` returns.
    template: str
    # Whether the section shows on this call's page (cheap: no query).
    shows: Callable
    # (request, call) -> dict merged into the page's context; keep it lazy.
    context: Callable
    # Relations the call is read with, so that the section adds no query of its own.
    select_related: tuple[str, ...] = ()
    # Optional view decorator applied when the section shows (e.g. conditional GET).
    decorate: Callable | None = None


_SECTIONS: dict[str, CallPageSection] = {}


def register_call_page_section(section: CallPageSection) -> None:
    """Add (or replace, by name) a section of the call page."""
    _SECTIONS[section.name] = section


def call_page_sections() -> tuple[CallPageSection, ...]:
    return tuple(_SECTIONS.values())


def public_call_queryset():
    related = [name for section in call_page_sections() for name in section.select_related]
    return (
        Call.objects.public()
        .with_status()
        .select_related("programme", *related)
        .prefetch_related("categories", "criteria")
    )


def public_call(request, slug) -> Call:
    """The public call ``slug``, looked up once per request (validators and page share it)."""
    if getattr(request, "_public_call_slug", None) != slug:
        request._public_call = get_object_or_404(public_call_queryset(), slug=slug)
        request._public_call_slug = slug
    return request._public_call
