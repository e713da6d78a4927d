"""What every app's workflow functions share: refusals, row locks, audit values.

A workflow function takes the acting user first, checks its guard, changes the rows inside
one transaction (rows locked with :func:`lock`), writes an audit entry and queues its
emails; a refusal raises :class:`WorkflowError` with a message meant for the user.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal

from django.db import models
from django.utils import timezone
from django.utils.functional import Promise


class WorkflowError(Exception):
    """A refused action, with a message meant for the user."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class StaleEditError(WorkflowError):
    """Someone saved the row since this form was opened."""


def lock(model: type[models.Model], obj, *, related=(), missing=None):
    """``obj`` (an instance or a primary key) re-read with its row locked until commit.

    Only the model's own row is locked (``of=("self",)``), so the ``related`` rows read
    along stay free for others. ``missing``, when given, is the refusal raised if the row
    is gone; otherwise ``DoesNotExist`` propagates.
    """
    pk = obj.pk if isinstance(obj, models.Model) else obj
    queryset = model.objects.select_for_update(of=("self",)).select_related(*related)
    try:
        return queryset.get(pk=pk)
    except model.DoesNotExist:
        if missing is None:
            raise
        raise WorkflowError(missing) from None


def clean_choice(value, choices, message):
    """``value`` if it is one of ``choices``, else the refusal ``message``."""
    if value not in choices:
        raise WorkflowError(message)
    return value


def audit_value(value):
    """A value as stored in the JSON of audit entries and amendments (before/after)."""
    if isinstance(value, models.Model):
        return audit_value(value.pk)
    if isinstance(value, models.QuerySet | list | tuple | set | frozenset):
        return [audit_value(item) for item in value]
    if isinstance(value, datetime):
        # Aware instants in UTC, so that one read back compares equal to one just built.
        if timezone.is_aware(value):
            value = value.astimezone(UTC)
        return value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, Decimal | Promise):
        return str(value)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def snapshot(obj, fields) -> dict:
    """``{field: audit_value}`` of ``obj``'s ``fields``, for before/after records."""
    return {name: audit_value(getattr(obj, name)) for name in fields}
