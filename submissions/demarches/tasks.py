"""The background run of a Démarches Simplifiées import (``DemarcheImport``).

The worker reads the procedure page by page, imports each dossier through
``workflow.import_dossier`` (one transaction each: a failure loses nothing already imported),
records its progress for the staff page after every dossier, and moves the link's cursor
(``updated_since``) only once the whole run went through.
"""

from __future__ import annotations

import logging

from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django_tasks import task

from relance.workflow import WorkflowError
from submissions.demarches import client, secrets
from submissions.demarches.workflow import Skip, deletion_reason, import_dossier
from submissions.models import DemarcheImport, Dossier

logger = logging.getLogger(__name__)

COUNTERS = {"created": "created_count", "updated": "updated_count", "unchanged": "unchanged_count"}


def _fail(job: DemarcheImport, message: str) -> str:
    DemarcheImport.objects.filter(pk=job.pk).update(
        status=DemarcheImport.Status.FAILED, error=message, finished_at=timezone.now()
    )
    return "failed"


@task()
def run_import(import_id: str) -> str:
    """Run one import. Safe to run again (a worker killed mid-run): a finished one is left."""
    job = (
        DemarcheImport.objects.select_related("link__call", "requested_by")
        .filter(pk=import_id)
        .first()
    )
    if job is None or job.status in (DemarcheImport.Status.DONE, DemarcheImport.Status.FAILED):
        return "skipped"
    link, user = job.link, job.requested_by
    DemarcheImport.objects.filter(pk=job.pk).update(status=DemarcheImport.Status.RUNNING)
    token = secrets.decrypt(link.token_encrypted)
    if not token:
        return _fail(job, _("Le jeton enregistré est illisible : saisissez-le à nouveau."))
    since = link.updated_since.isoformat() if link.updated_since else None
    latest = link.updated_since
    skipped, deleted = [], []
    try:
        for page in client.pages(token, link.procedure_number, since):
            if page.deleted:
                ours = dict(
                    Dossier.objects.filter(
                        call=link.call, ds_number__in=[d.get("number") for d in page.deleted]
                    ).values_list("ds_number", "reference")
                )
                deleted.extend(
                    {
                        "number": d.get("number"),
                        "deleted_at": d.get("dateSupression"),
                        "reason": deletion_reason(d.get("reason") or ""),
                        "reference": ours.get(d.get("number"), ""),
                    }
                    for d in page.deleted
                )
            for node in page.dossiers:
                counter = None
                try:
                    outcome, _dossier, notes = import_dossier(user, link, node)
                    counter = COUNTERS[outcome]
                    skipped.extend({"number": node["number"], "reason": n} for n in notes)
                except Skip as exc:
                    skipped.append({"number": node.get("number"), "reason": exc.reason})
                modified = parse_datetime(str(node.get("dateDerniereModification") or ""))
                if modified and (latest is None or modified > latest):
                    latest = modified
                updates = {"dossiers_seen": F("dossiers_seen") + 1, "skipped": skipped}
                if counter:
                    updates[counter] = F(counter) + 1
                DemarcheImport.objects.filter(pk=job.pk).update(**updates)
            DemarcheImport.objects.filter(pk=job.pk).update(
                pages_done=F("pages_done") + 1, deleted=deleted
            )
    except (client.DemarchesError, WorkflowError) as exc:
        # What was imported stays; the cursor stays too, so the next run reads it all again.
        return _fail(job, exc.message)
    except Exception:
        _fail(job, _("L’import s’est interrompu sur une erreur inattendue."))
        raise
    type(link).objects.filter(pk=link.pk).update(updated_since=latest)
    DemarcheImport.objects.filter(pk=job.pk).update(
        status=DemarcheImport.Status.DONE, finished_at=timezone.now()
    )
    return "done"
