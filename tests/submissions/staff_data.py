"""Test data for the staff screens: calls, and dossiers already submitted at least once."""

from datetime import timedelta

from django.utils import timezone

from submissions.models import Dossier, DossierState
from tests.factories import CallFactory, DossierFactory

S = DossierState


def closed_call(**kwargs):
    """A round closed yesterday: its preselection can be published."""
    now = timezone.now()
    kwargs.setdefault("opens_at", now - timedelta(days=40))
    kwargs.setdefault("closes_at", now - timedelta(days=1))
    return CallFactory(**kwargs)


def filed(call, *, state=S.SUBMITTED, **kwargs):
    """A dossier of ``call`` in ``state``, submitted at least once (unless a draft)."""
    if state != S.DRAFT:
        kwargs.setdefault("submitted_at", timezone.now() - timedelta(days=2))
    return DossierFactory(call=call, state=state, **kwargs)


def filed_in_bulk(call, size, *, administration, category):
    """``size`` submitted dossiers written in one INSERT: the size of a large call, quickly."""
    submitted_at = timezone.now() - timedelta(days=2)
    dossiers = DossierFactory.build_batch(
        size,
        call=call,
        administration=administration,
        category=category,
        state=S.SUBMITTED,
        submitted_at=submitted_at,
    )
    return Dossier.objects.bulk_create(dossiers, batch_size=1000)


def filed_batch(call, size, *, administrations, category, **kwargs):
    """``size`` submitted dossiers spread over ``administrations``, sharing one category."""
    return [
        filed(
            call,
            administration=administrations[i % len(administrations)],
            category=category,
            **kwargs,
        )
        for i in range(size)
    ]
