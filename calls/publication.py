"""A call's check, publication and closing extensions, each as one transactional function
taking the acting manager (the edits themselves are in :mod:`calls.editor`).

:func:`call_problems` lists what a draft still lacks, each with a link to fix it;
:func:`publish_call` refuses while anything is missing. Once opened, a call's closing can only
be extended, with a reason, by :func:`extend_closing`, which tells the agents holding drafts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from calls import hooks
from calls.editor import CallEditError
from calls.models import Call, CallKind
from calls.permissions import require_programme_manager
from relance import audit, notifications
from relance.audit import AuditAction
from relance.formatting import format_paris_datetime
from relance.workflow import WorkflowError, audit_value, lock

# Checking and publishing -----------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    message: str
    # Where the editor fixes it: an anchor of the edit page.
    anchor: str


def call_problems(call: Call, now=None) -> list[Problem]:
    """Every missing piece that keeps ``call`` from being published (empty: ready)."""
    now = now or timezone.now()
    problems = []
    if not call.summary.strip():
        problems.append(Problem(_("Le résumé est vide."), "id_summary"))
    if not call.how_to_apply.strip():
        problems.append(
            Problem(_("La rubrique « Comment candidater » est vide."), "id_how_to_apply")
        )
    if call.kind == CallKind.ROUND and call.number is None:
        problems.append(Problem(_("Un appel numéroté doit avoir un numéro."), "id_number"))
    if call.kind == CallKind.ROUND and call.closes_at is None:
        problems.append(
            Problem(_("Un appel numéroté doit avoir une date de clôture."), "id_closes_on")
        )
    if call.closes_at is not None and call.closes_at <= call.opens_at:
        problems.append(Problem(_("La clôture est antérieure à l’ouverture."), "id_closes_on"))
    elif call.closes_at is not None and call.closes_at <= now:
        problems.append(
            Problem(
                _("La date de clôture (%(date)s) est déjà passée.")
                % {"date": format_paris_datetime(call.closes_at)},
                "id_closes_on",
            )
        )
    if not call.eligible_kinds:
        problems.append(
            Problem(_("Aucun type d’administration n’est éligible."), "id_eligible_kinds")
        )
    categories = list(call.categories.all())
    if not categories:
        problems.append(Problem(_("L’appel n’a aucune catégorie."), "categories"))
    criteria = list(call.criteria.all())
    if not criteria:
        # A window's committee decides without scores: criteria are optional there.
        if call.kind == CallKind.ROUND:
            problems.append(Problem(_("L’appel n’a aucun critère de notation."), "criteria"))
    else:
        if (
            any(c.weight is None or c.weight <= 0 for c in criteria)
            or sum((c.weight for c in criteria), Decimal(0)) <= 0
        ):
            problems.append(
                Problem(_("Chaque critère doit avoir une pondération positive."), "criteria")
            )
        if any(c.scale_max is None or c.scale_max < 1 for c in criteria):
            problems.append(
                Problem(_("Chaque critère doit avoir une note maximale d’au moins 1."), "criteria")
            )
    return problems


def publish_call(actor, call: Call) -> Call:
    """Publish a draft: the public sees it, and agents file dossiers once it opens."""
    require_programme_manager(actor, call)
    with transaction.atomic():
        locked = lock(Call, call, related=("programme",), missing=_("Cet appel n’existe plus."))
        if not locked.is_draft:
            raise WorkflowError(_("Cet appel est déjà publié."))
        problems = call_problems(locked)
        if problems:
            raise WorkflowError(
                _("L’appel ne peut pas être publié : %(problems)s")
                % {"problems": " ".join(p.message for p in problems)}
            )
        locked.published_at = timezone.now()
        locked.save(update_fields=["published_at", "updated_at"])
        audit.record(
            actor, AuditAction.CALL_PUBLISH, locked, from_state="draft", to_state="published"
        )
    return locked


# Extending the closing -------------------------------------------------------------------


def extend_closing(actor, call: Call, *, closes_at: datetime, reason: str) -> Call:
    """Move an open call's closing later, for a stated reason; agents holding drafts are told."""
    require_programme_manager(actor, call)
    reason = (reason or "").strip()
    if not reason:
        raise CallEditError(
            _("Indiquez le motif de la prolongation."), {"reason": [_("Ce champ est obligatoire.")]}
        )
    with transaction.atomic():
        locked = lock(Call, call, related=("programme",), missing=_("Cet appel n’existe plus."))
        now = timezone.now()
        if not locked.is_open_at(now):
            raise WorkflowError(_("Seul un appel publié et ouvert peut voir sa clôture prolongée."))
        if locked.closes_at is None:
            raise WorkflowError(_("Ce guichet n’a pas de date de clôture."))
        if closes_at is None or closes_at <= locked.closes_at:
            raise CallEditError(
                _("La nouvelle clôture doit être postérieure à l’actuelle (%(date)s).")
                % {"date": format_paris_datetime(locked.closes_at)},
                {"closes_at": [_("Choisissez une date postérieure à la clôture actuelle.")]},
            )
        before = locked.closes_at
        locked.closes_at = closes_at
        locked.save(update_fields=["closes_at", "updated_at"])
        audit.record(
            actor,
            AuditAction.CALL_EXTEND_CLOSING,
            locked,
            reason=reason,
            data={"closes_at": {"before": audit_value(before), "after": audit_value(closes_at)}},
        )
        recipients = hooks.draft_holder_emails(locked)
        if recipients:
            notifications.queue(
                "calls/emails/closing_extended",
                recipients,
                {
                    "call": locked,
                    "before": before,
                    "after": closes_at,
                    "reason": reason,
                    "call_url": notifications.absolute_url(locked.get_absolute_url()),
                },
                topic="closing_extended",
            )
    return locked


def edit_url(call: Call) -> str:
    return reverse(
        "calls:staff_call_edit", kwargs={"slug": call.programme.slug, "call_slug": call.slug}
    )
