"""What submissions tells the call editor (``calls.hooks``): categories holding dossiers, and
the agents holding drafts in a call. Registered in ``SubmissionsConfig.ready``."""

from __future__ import annotations

from submissions.models import Dossier, DossierState
from submissions.notify import applicant_recipients_by_dossier


def categories_holding_dossiers(call) -> set[int]:
    """Any dossier counts, drafts and withdrawn ones included: they were filed under it."""
    return set(
        Dossier.objects.filter(call=call, category__isnull=False)
        .values_list("category_id", flat=True)
        .distinct()
    )


def draft_holder_emails(call) -> list[str]:
    """The active agents of the administrations holding a draft in ``call``, and the drafts'
    contacts (the recipients of every email about a dossier, see ``submissions.notify``)."""
    drafts = list(
        Dossier.objects.filter(call=call, state=DossierState.DRAFT).only(
            "pk", "administration_id", "contact_email"
        )
    )
    recipients = applicant_recipients_by_dossier(drafts)
    return sorted({email for emails in recipients.values() for email in emails if email})
