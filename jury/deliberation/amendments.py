"""Amendments of published results: each keeps before/after, why, who and when.

Same lock order as the deliberation's workflow: the call, the dossier, then its award.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from calls.models import Call
from calls.permissions import require_programme_staff
from jury.deliberation.workflow import (
    clean_amount,
    give_slug,
    jury_of,
    lock_award,
    lock_call_and_dossier,
    lock_deliberation,
    require_published,
    required_reason,
    set_award,
)
from jury.models import Award, ResultAmendment
from relance import audit
from relance.workflow import WorkflowError, audit_value, snapshot
from submissions import workflow as dossier_workflow
from submissions.models import Administration, Dossier, DossierState

S = DossierState


@dataclass
class _Opened:
    """An amendment under way: what ``_open_amendment`` locked and checked."""

    user: object
    call: Call
    dossier: Dossier
    reason: str

    def record(self, kind, *, before, after) -> ResultAmendment:
        """Keep the amendment, date the results' update and audit it."""
        deliberation = lock_deliberation(jury_of(self.call))
        now = timezone.now()
        amendment = ResultAmendment.objects.create(
            deliberation=deliberation,
            dossier=self.dossier,
            kind=kind,
            before=before,
            after=after,
            reason=self.reason,
            actor=self.user,
            at=now,
        )
        deliberation.results_updated_at = now
        deliberation.save(update_fields=["results_updated_at"])
        audit.record(
            self.user,
            f"amend_results_{kind}",
            self.dossier,
            reason=self.reason,
            data={"amendment": amendment.pk, "before": before, "after": after},
        )
        return amendment


def _open_amendment(user, dossier, reason) -> _Opened:
    """Lock what an amendment changes; check staff, reason and publication."""
    reason = required_reason(reason, _("Indiquez le motif de la modification des résultats."))
    call, locked = lock_call_and_dossier(dossier)
    require_programme_staff(user, call)
    require_published(call)
    if locked.state not in (S.LAUREATE, S.NOT_SELECTED):
        raise WorkflowError(
            _("%(ref)s ne fait pas partie des résultats publiés.") % {"ref": locked.reference}
        )
    return _Opened(user, call, locked, reason)


def _state_award_snapshot(dossier, award):
    return {
        "state": dossier.state,
        "decision": award.decision if award else None,
        "granted_amount": audit_value(award.granted_amount) if award else None,
        "reason": award.reason if award else "",
        "decision_reason": dossier.decision_reason,
    }


def add_laureate(user, dossier, *, granted_amount, reason) -> ResultAmendment:
    """Make a published « non retenu » dossier a laureate."""
    with transaction.atomic():
        opened = _open_amendment(user, dossier, reason)
        locked = opened.dossier
        if locked.state != S.NOT_SELECTED:
            raise WorkflowError(
                _("%(ref)s n’est pas un dossier non retenu.") % {"ref": locked.reference}
            )
        amount = clean_amount(granted_amount, locked)
        award = lock_award(locked)
        before = _state_award_snapshot(locked, award)
        # The reason for not selecting no longer holds; the before JSON keeps it.
        locked = dossier_workflow.fire(
            user, locked, "amend_add_laureate", reason=opened.reason, decision_reason=""
        )
        award = set_award(
            award, locked, user, decision=Award.Decision.LAUREATE, granted_amount=amount, reason=""
        )
        give_slug(award)
        award.save()
        after = _state_award_snapshot(locked, award)
        return opened.record(ResultAmendment.Kind.ADD_LAUREATE, before=before, after=after)


def remove_laureate(user, dossier, *, reason) -> ResultAmendment:
    """Withdraw a published laureate: it becomes « non retenu », without amount.

    Its slug is kept (the public page disappears; re-adding it restores the same address),
    and the amendment's reason is the one the applicant sees.
    """
    with transaction.atomic():
        opened = _open_amendment(user, dossier, reason)
        locked, reason = opened.dossier, opened.reason
        if locked.state != S.LAUREATE:
            raise WorkflowError(_("%(ref)s n’est pas lauréat.") % {"ref": locked.reference})
        award = lock_award(locked)
        before = _state_award_snapshot(locked, award)
        locked = dossier_workflow.fire(
            user, locked, "amend_remove_laureate", reason=reason, decision_reason=reason
        )
        award = set_award(
            award,
            locked,
            user,
            decision=Award.Decision.NOT_SELECTED,
            granted_amount=None,
            reason=reason,
        )
        award.save()
        after = _state_award_snapshot(locked, award)
        return opened.record(ResultAmendment.Kind.REMOVE_LAUREATE, before=before, after=after)


def correct_title(user, dossier, *, title, subtitle, reason) -> ResultAmendment:
    """Correct the published title or subtitle; the slug stays, so links keep working."""
    title = (title or "").strip()
    subtitle = (subtitle or "").strip()
    if not title:
        raise WorkflowError(_("Le titre ne peut pas être vide."))
    if len(title) > Dossier._meta.get_field("title").max_length:
        raise WorkflowError(_("Le titre est trop long (200 caractères au plus)."))
    if len(subtitle) > Dossier._meta.get_field("subtitle").max_length:
        raise WorkflowError(_("Le sous-titre est trop long (255 caractères au plus)."))
    with transaction.atomic():
        opened = _open_amendment(user, dossier, reason)
        locked = opened.dossier
        before = snapshot(locked, ["title", "subtitle"])
        if before == {"title": title, "subtitle": subtitle}:
            raise WorkflowError(_("Le titre et le sous-titre sont inchangés."))
        locked.title = title
        locked.subtitle = subtitle
        locked.version += 1
        locked.save(update_fields=["title", "subtitle", "version", "updated_at"])
        after = snapshot(locked, ["title", "subtitle"])
        return opened.record(ResultAmendment.Kind.CORRECT_TITLE, before=before, after=after)


def _administration_json(administration):
    return {"id": administration.pk, "name": administration.name}


def change_administration(user, dossier, *, administration, reason) -> ResultAmendment:
    """Attach a published dossier to another administration (e.g. a mistaken attribution)."""
    with transaction.atomic():
        opened = _open_amendment(user, dossier, reason)
        locked = opened.dossier
        if not isinstance(administration, Administration):
            administration = Administration.objects.filter(pk=administration).first()
            if administration is None:
                raise WorkflowError(_("Administration inconnue."))
        if administration.pk == locked.administration_id:
            raise WorkflowError(_("Le dossier est déjà rattaché à cette administration."))
        if not opened.call.accepts_kind(administration.kind):
            raise WorkflowError(
                _("Les structures de type « %(kind)s » ne sont pas éligibles à cet appel.")
                % {"kind": administration.get_kind_display()}
            )
        before = {"administration": _administration_json(locked.administration)}
        locked.administration = administration
        locked.version += 1
        locked.save(update_fields=["administration", "version", "updated_at"])
        after = {"administration": _administration_json(administration)}
        return opened.record(ResultAmendment.Kind.CHANGE_ADMINISTRATION, before=before, after=after)


def change_amount(user, award, *, granted_amount, reason) -> ResultAmendment:
    """Change a published laureate's granted amount."""
    with transaction.atomic():
        opened = _open_amendment(user, award.dossier_id, reason)
        locked = opened.dossier
        locked_award = lock_award(locked)
        if (
            locked_award is None
            or locked.state != S.LAUREATE
            or locked_award.decision != Award.Decision.LAUREATE
        ):
            raise WorkflowError(_("%(ref)s n’est pas lauréat.") % {"ref": locked.reference})
        amount = clean_amount(granted_amount, locked)
        if amount == locked_award.granted_amount:
            raise WorkflowError(_("Le montant est inchangé."))
        before = {"granted_amount": audit_value(locked_award.granted_amount)}
        locked_award.granted_amount = amount
        locked_award.recorded_by = user
        locked_award.save(update_fields=["granted_amount", "recorded_by", "recorded_at"])
        after = {"granted_amount": audit_value(amount)}
        return opened.record(ResultAmendment.Kind.CHANGE_AMOUNT, before=before, after=after)
