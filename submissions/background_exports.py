"""The staff exports of a call's dossier list built by a worker (``DossierExport``).

Small exports are answered in the request (the CSV always, streamed). An XLSX or ODS of more
than ``RELANCE_EXPORT_BACKGROUND_ROWS`` dossiers is built by :func:`build_dossier_export`
from the same filters and sort, in the same writers, read through a server-side cursor:
neither the rows nor the file are ever held whole in memory. The file goes to the default
storage; the staff member who asked gets its page's address by email.
"""

from __future__ import annotations

import logging
import tempfile
from datetime import timedelta

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.http import QueryDict
from django.utils import timezone
from django_tasks import task

from relance import notifications
from relance.notifications import absolute_url
from submissions import exports
from submissions.filters import DossierFilter, sort_dossiers
from submissions.models import Dossier, DossierExport

logger = logging.getLogger(__name__)

# How often (in rows) the worker records its progress for the export's page.
PROGRESS_EVERY = 1000


def background_threshold() -> int:
    return int(settings.RELANCE_EXPORT_BACKGROUND_ROWS)


def link_lifetime() -> timedelta:
    return timedelta(hours=int(settings.RELANCE_EXPORT_LINK_HOURS))


def dossier_filter(call, params: QueryDict) -> DossierFilter:
    """The staff list's filters on the dossiers of ``call`` staff see (submitted once)."""
    listed = Dossier.objects.filter(call=call, submitted_at__isnull=False)
    return DossierFilter(params or None, queryset=listed, call=call)


def exported_dossiers(filterset: DossierFilter, params: QueryDict):
    return sort_dossiers(filterset.qs, params.get("tri"))


def start(user, call, fmt: str, params: QueryDict, rows_total: int) -> DossierExport:
    """Record the export asked by ``user`` and enqueue its building."""
    with transaction.atomic():
        job = DossierExport.objects.create(
            call=call,
            requested_by=user,
            fmt=fmt,
            query=params.urlencode(),
            rows_total=rows_total,
            filename=exports.filename(call, fmt),
        )
        # Enqueued in the same transaction: a worker sees the task once the row exists.
        build_dossier_export.enqueue(str(job.pk))
    return job


def recent_exports(user, call, limit: int = 5):
    """The exports of ``call`` ``user`` asked for whose link has not expired, newest first."""
    return list(
        DossierExport.objects.filter(call=call, requested_by=user)
        .exclude(expires_at__lt=timezone.now())
        .order_by("-created_at")[:limit]
    )


class _Progress:
    """Passes the rows through, counting them and recording the count every few rows."""

    def __init__(self, job: DossierExport, data_rows):
        self.job, self.data_rows, self.count = job, data_rows, 0

    def __iter__(self):
        for count, row in enumerate(self.data_rows, start=1):
            yield row
            self.count = count
            if count % PROGRESS_EVERY == 0:
                DossierExport.objects.filter(pk=self.job.pk).update(rows_done=count)


@task()
def build_dossier_export(export_id: str) -> str:
    """Build the file of one ``DossierExport``, store it and email its page to the requester.

    Safe to run again (a worker killed mid-task): a ready export is left as it is.
    """
    job = DossierExport.objects.select_related("call", "requested_by").filter(pk=export_id)
    job = job.first()
    if job is None or job.status == DossierExport.Status.READY:
        return "skipped"
    DossierExport.objects.filter(pk=job.pk).update(status=DossierExport.Status.RUNNING, rows_done=0)
    params = QueryDict(job.query)
    filterset = dossier_filter(job.call, params)
    if filterset.is_bound and not filterset.form.is_valid():
        # Checked when asked; a filter choice may have gone since (a category deleted).
        DossierExport.objects.filter(pk=job.pk).update(
            status=DossierExport.Status.FAILED, finished_at=timezone.now()
        )
        return "failed"
    dossiers = exported_dossiers(filterset, params)
    writer = exports.SPREADSHEET_WRITERS[job.fmt]
    written = _Progress(job, exports.rows(dossiers, chunk_size=exports.CHUNK_SIZE))
    try:
        with tempfile.TemporaryFile() as spool:
            writer(exports.headers(), written, spool, title=exports.sheet_title())
            spool.seek(0)
            job.file.save(job.filename, File(spool), save=False)
    except Exception:
        # The page would otherwise say « in progress » for ever; the task's result keeps the
        # traceback.
        DossierExport.objects.filter(pk=job.pk).update(
            status=DossierExport.Status.FAILED, finished_at=timezone.now()
        )
        raise
    now = timezone.now()
    job.status = DossierExport.Status.READY
    job.rows_done = job.rows_total = written.count
    job.finished_at = now
    job.expires_at = now + link_lifetime()
    job.save(
        update_fields=["file", "status", "rows_done", "rows_total", "finished_at", "expires_at"]
    )
    notifications.queue(
        "submissions/emails/export_ready",
        [job.requested_by.email],
        {"export": job, "call": job.call, "export_url": absolute_url(job.get_absolute_url())},
        topic="export_ready",
    )
    return "ready"


@task()
def delete_expired_exports() -> int:
    """Delete the files (and rows) of the exports whose link has expired; return how many."""
    deleted = 0
    expired = DossierExport.objects.filter(expires_at__lt=timezone.now())
    # Old failures have no expiry: they go after the same lifetime.
    stale = DossierExport.objects.filter(
        expires_at__isnull=True, created_at__lt=timezone.now() - 2 * link_lifetime()
    )
    for job in [*expired, *stale]:
        if job.file:
            job.file.delete(save=False)
        job.delete()
        deleted += 1
    if deleted:
        logger.info("Deleted %s expired export(s)", deleted)
    return deleted
