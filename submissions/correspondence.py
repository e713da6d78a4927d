"""What staff write on a dossier: messages to its applicants and internal notes.

Neither changes the dossier's state (see ``submissions.workflow`` for that): each locks the
dossier row, keeps the text in the dossier's history and, for a message, emails the
applicants after commit.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from calls.permissions import require_programme_staff
from relance import audit, notifications
from relance.audit import AuditAction
from relance.workflow import WorkflowError
from submissions.models import DossierMessage, InternalNote
from submissions.notify import applicant_recipients, email_context
from submissions.workflow import lock_dossier


def _staff_text(user, dossier, body, empty_message) -> str:
    """The text staff write on a dossier (a message, a note): theirs to write, not blank."""
    require_programme_staff(user, dossier)
    body = (body or "").strip()
    if not body:
        raise WorkflowError(empty_message)
    return body


def send_message(user, dossier, *, body) -> DossierMessage:
    body = _staff_text(user, dossier, body, _("Le message est vide."))
    with transaction.atomic():
        locked = lock_dossier(dossier)
        msg = DossierMessage.objects.create(
            dossier=locked, kind=DossierMessage.Kind.INFORMATION, author=user, body=body
        )
        audit.record(user, AuditAction.MESSAGE, locked, reason=body)
        notifications.queue(
            "submissions/emails/message",
            applicant_recipients(locked),
            email_context(locked, message=body),
            topic="message",
        )
        return msg


def add_note(user, dossier, *, body) -> InternalNote:
    body = _staff_text(user, dossier, body, _("La note est vide."))
    with transaction.atomic():
        locked = lock_dossier(dossier)
        note = InternalNote.objects.create(dossier=locked, author=user, body=body)
        # Staff read the dossier's history only: the note is kept there as written.
        audit.record(user, AuditAction.NOTE, locked, reason=body, data={"note": note.pk})
        return note
