"""Instruction of one dossier at a time (continuous windows): instructor, due date, proposal.

A window's dossiers are instructed as they arrive: the due date is set at submission from the
call's instruction delay, an instructor of the programme takes the dossier, asks for additions
if needed (``workflow.request_additions``, as in rounds), then proposes the decision the
committee will take (``jury.committee``). Each function locks the dossier, checks the guard,
saves and writes an audit entry.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from calls.models import ProgrammeRole
from calls.permissions import require_programme_staff
from relance import audit
from relance.audit import AuditAction
from relance.formatting import PARIS, format_euros
from relance.ordering import french
from relance.workflow import WorkflowError, snapshot
from submissions.models import Dossier, DossierState, Proposal

S = DossierState
PROPOSAL_FIELDS = ("proposal", "proposed_amount", "proposal_reason")
# The states a window's dossier is instructed in (additions requested included).
INSTRUCTED_STATES = (S.SUBMITTED, S.INCOMPLETE)


def due_date_for(call, submitted_at) -> date | None:
    """When the instruction of a dossier submitted at ``submitted_at`` is due, if the call says."""
    if not call.is_continuous or not call.instruction_days:
        return None
    return timezone.localtime(submitted_at, PARIS).date() + timedelta(days=call.instruction_days)


def start_instruction(dossier: Dossier, now) -> None:
    """At a window dossier's first submission (the caller holds its lock): the due date."""
    if dossier.instruction_due_on is None:
        due = due_date_for(dossier.call, now)
        if due is not None:
            dossier.instruction_due_on = due
            dossier.save(update_fields=["instruction_due_on"], now=now)


def _lock(dossier) -> Dossier:
    from submissions.workflow import lock_dossier

    return lock_dossier(dossier)


def _check_in_instruction(dossier: Dossier) -> None:
    if dossier.state not in INSTRUCTED_STATES:
        raise WorkflowError(
            _("Le dossier %(ref)s est « %(state)s » : son instruction est terminée.")
            % {"ref": dossier.reference, "state": dossier.get_state_display()}
        )


def instructors_of(call):
    """The accounts that may instruct ``call``'s dossiers: its programme's staff."""
    User = get_user_model()
    return (
        User.objects.filter(
            is_active=True,
            programme_roles__programme_id=call.programme_id,
        )
        .distinct()
        .order_by(*french("last_name"), *french("first_name"), "email")
    )


def assign_instructor(user, dossier, *, instructor) -> Dossier:
    """Give the dossier to an instructor of its programme (``None``: nobody)."""
    with transaction.atomic():
        locked = _lock(dossier)
        require_programme_staff(user, locked)
        _check_in_instruction(locked)
        if instructor is not None and not (
            instructor.is_active
            and ProgrammeRole.objects.filter(
                user=instructor, programme_id=locked.call.programme_id
            ).exists()
        ):
            raise WorkflowError(_("Cette personne n’instruit pas les dossiers de ce programme."))
        before = locked.instructor_id
        new = instructor.pk if instructor is not None else None
        if before == new:
            return locked
        locked.instructor = instructor
        now = timezone.now()
        locked.save(update_fields=["instructor"], now=now)
        audit.record(
            user,
            AuditAction.ASSIGN_INSTRUCTOR,
            locked,
            data={"before": before, "after": new},
            at=now,
        )
        return locked


def set_due_date(user, dossier, *, due_on: date | None, reason="") -> Dossier:
    """Move the instruction's due date, for a stated reason."""
    reason = (reason or "").strip()
    if due_on is None:
        raise WorkflowError(_("Indiquez la date attendue de fin d’instruction."))
    if not reason:
        raise WorkflowError(_("Indiquez le motif du changement d’échéance."))
    with transaction.atomic():
        locked = _lock(dossier)
        require_programme_staff(user, locked)
        _check_in_instruction(locked)
        if locked.submitted_at and due_on < timezone.localtime(locked.submitted_at, PARIS).date():
            raise WorkflowError(_("L’échéance ne peut pas précéder le dépôt du dossier."))
        before = locked.instruction_due_on
        if before == due_on:
            return locked
        locked.instruction_due_on = due_on
        now = timezone.now()
        locked.save(update_fields=["instruction_due_on"], now=now)
        audit.record(
            user,
            AuditAction.SET_INSTRUCTION_DUE_DATE,
            locked,
            reason=reason,
            data={"before": before.isoformat() if before else None, "after": due_on.isoformat()},
            at=now,
        )
        return locked


def clean_proposed_amount(value, dossier: Dossier) -> Decimal:
    """A positive amount in euros, at most the amount the dossier requests."""
    if isinstance(value, str):
        value = value.replace("\u202f", "").replace("\xa0", "").replace(" ", "").replace(",", ".")
    try:
        amount = Decimal(value).quantize(Decimal("0.01"))
    except (InvalidOperation, TypeError, ValueError):
        raise WorkflowError(_("Indiquez le montant proposé en euros.")) from None
    if not amount.is_finite() or amount <= 0:
        raise WorkflowError(_("Le montant proposé doit être positif."))
    if dossier.requested_amount is not None and amount > dossier.requested_amount:
        raise WorkflowError(
            _("Le montant proposé (%(amount)s) dépasse le montant demandé (%(requested)s).")
            % {
                "amount": format_euros(amount),
                "requested": format_euros(dossier.requested_amount),
            }
        )
    return amount


def record_proposal(user, dossier, *, proposal, amount=None, reason="") -> Dossier:
    """The instructor's proposal: accept with an amount (at most the requested one), or refuse
    with a reason the applicant will read if the committee follows it."""
    if proposal not in Proposal.values:
        raise WorkflowError(_("Proposition inconnue : accorder ou refuser."))
    reason = (reason or "").strip()
    with transaction.atomic():
        locked = _lock(dossier)
        require_programme_staff(user, locked)
        if not locked.call.is_continuous:
            raise WorkflowError(
                _(
                    "Les propositions au comité sont celles d’un guichet en continu ; un appel "
                    "numéroté passe par la présélection."
                )
            )
        if locked.state != S.SUBMITTED:
            raise WorkflowError(
                _(
                    "Seul un dossier déposé (compléments reçus) reçoit une proposition : "
                    "%(ref)s est « %(state)s »."
                )
                % {"ref": locked.reference, "state": locked.get_state_display()}
            )
        if proposal == Proposal.ACCEPT:
            amount = clean_proposed_amount(amount, locked)
        else:
            if amount not in (None, ""):
                raise WorkflowError(_("Une proposition de refus ne porte pas de montant."))
            amount = None
            if not reason:
                raise WorkflowError(_("Indiquez le motif de la proposition de refus."))
        before = snapshot(locked, PROPOSAL_FIELDS)
        now = timezone.now()
        locked.proposal = proposal
        locked.proposed_amount = amount
        locked.proposal_reason = reason
        locked.proposed_at = now
        locked.proposed_by = user
        after = snapshot(locked, PROPOSAL_FIELDS)
        locked.save(update_fields=[*PROPOSAL_FIELDS, "proposed_at", "proposed_by"], now=now)
        audit.record(
            user,
            AuditAction.RECORD_PROPOSAL,
            locked,
            reason=reason,
            data={"before": before, "after": after},
            at=now,
        )
        return locked


def clear_proposal_locked(dossier: Dossier) -> None:
    """Forget the proposal of a dossier the caller holds locked (additions asked, withdrawn)."""
    if dossier.proposal:
        dossier.proposal = ""
        dossier.proposed_amount = None
        dossier.proposal_reason = ""
        dossier.proposed_at = None
        dossier.proposed_by = None
        dossier.save(update_fields=[*PROPOSAL_FIELDS, "proposed_at", "proposed_by"])
