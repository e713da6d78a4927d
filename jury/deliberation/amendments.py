"""Amendments of published results: each keeps before/after, why, who and when.

Only a « rectificatif » applies them (``corrections.publish_correction``): each function takes
the draft correction it belongs to, so that no change of the published results goes without an
official date, its grouping and the emails to the administrations.

Same lock order as the deliberation's workflow: the call, the dossier, then its award.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from calls.models import Call, Category
from calls.permissions import require_programme_staff
from jury.committee.envelope import check_envelope
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
from jury.models import Award, CommitteeSession, ResultAmendment
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
    correction: object

    def record(self, kind, *, before, after) -> ResultAmendment:
        """Keep the amendment, date the results' update and audit it."""
        now = timezone.now()
        deliberation = None
        if not self.call.is_continuous:
            deliberation = lock_deliberation(jury_of(self.call))
            deliberation.results_updated_at = now
            deliberation.save(update_fields=["results_updated_at"])
        amendment = ResultAmendment.objects.create(
            deliberation=deliberation,
            correction=self.correction,
            dossier=self.dossier,
            kind=kind,
            before=before,
            after=after,
            reason=self.reason,
            actor=self.user,
            at=now,
        )
        audit.record(
            self.user,
            f"amend_results_{kind}",
            self.dossier,
            reason=self.reason,
            data={"amendment": amendment.pk, "before": before, "after": after},
        )
        return amendment


def _require_draft_of(correction, call):
    """Results change only through a draft « rectificatif » of the same call."""
    if correction is None or correction.pk is None or correction.call_id != call.pk:
        raise WorkflowError(_("Les résultats publiés se modifient par un rectificatif de l’appel."))
    if correction.published_at is not None:
        raise WorkflowError(_("Ce rectificatif est déjà publié : préparez-en un nouveau."))


def _latest_published_session(call):
    return (
        CommitteeSession.objects.filter(call=call, published_at__lte=timezone.now())
        .order_by("-date")
        .first()
    )


def _require_window_published(call, dossier):
    """A window's dossier is in its published results once its committee session is."""
    if not Award.objects.published().filter(dossier_id=dossier.pk).exists():
        raise WorkflowError(
            _("%(ref)s ne fait pas partie des résultats publiés.") % {"ref": dossier.reference}
        )


def _open_amendment(user, dossier, reason, *, correction, adding=False) -> _Opened:
    """Lock what an amendment changes; check staff, reason and publication.

    ``adding`` opens a dossier that may not be in the published results yet (one heard and
    not selected, not preselected, or registered by staff), to make it a laureate.
    """
    reason = required_reason(reason, _("Indiquez le motif de la modification des résultats."))
    call, locked = lock_call_and_dossier(dossier)
    require_programme_staff(user, call)
    _require_draft_of(correction, call)
    if call.is_continuous:
        if _latest_published_session(call) is None:
            raise WorkflowError(_("Aucune séance du comité de ce guichet n’est encore publiée."))
        if not adding:
            _require_window_published(call, locked)
    else:
        require_published(call)
    states = ADDABLE_STATES if adding else (S.LAUREATE, S.NOT_SELECTED)
    if locked.state not in states or (
        locked.state == S.SUBMITTED and adding and locked.registered_by_id is None
    ):
        raise WorkflowError(
            _("%(ref)s ne fait pas partie des résultats publiés.") % {"ref": locked.reference}
            if not adding
            else _(
                "%(ref)s ne peut pas devenir lauréat : seul un dossier non retenu, non "
                "présélectionné ou enregistré par l’équipe peut être ajouté aux lauréats."
            )
            % {"ref": locked.reference}
        )
    return _Opened(user, call, locked, reason, correction)


# Dossiers that may become laureates after publication; a « déposé » one only if registered
# by staff (a dossier received outside the platform, registered for the purpose).
ADDABLE_STATES = (S.NOT_SELECTED, S.NOT_PRESELECTED, S.SUBMITTED)


def _state_award_snapshot(dossier, award):
    return {
        "state": dossier.state,
        "decision": award.decision if award else None,
        "granted_amount": audit_value(award.granted_amount) if award else None,
        "reason": award.reason if award else "",
        "decision_reason": dossier.decision_reason,
    }


def add_laureate(user, dossier, *, granted_amount, reason, correction) -> ResultAmendment:
    """Make a laureate of a dossier heard and not selected, not preselected, or registered by
    staff; its grant counts against the call's envelope."""
    with transaction.atomic():
        opened = _open_amendment(user, dossier, reason, correction=correction, adding=True)
        locked = opened.dossier
        amount = clean_amount(granted_amount, locked)
        check_envelope(opened.call, locked, amount)
        award = lock_award(locked)
        before = _state_award_snapshot(locked, award)
        # The reason for not selecting no longer holds; the before JSON keeps it.
        locked = dossier_workflow.fire(
            user, locked, "amend_add_laureate", reason=opened.reason, decision_reason=""
        )
        award = set_award(
            award, locked, user, decision=Award.Decision.LAUREATE, granted_amount=amount, reason=""
        )
        if opened.call.is_continuous and award.session_id is None:
            # Published with the window's latest published session, so the public sees it.
            award.session = _latest_published_session(opened.call)
        give_slug(award)
        award.save()
        after = _state_award_snapshot(locked, award)
        return opened.record(ResultAmendment.Kind.ADD_LAUREATE, before=before, after=after)


def remove_laureate(user, dossier, *, reason, correction) -> ResultAmendment:
    """Withdraw a published laureate: it becomes « non retenu », without amount.

    Its slug is kept (the public page disappears; re-adding it restores the same address),
    and the amendment's reason is the one the applicant sees.
    """
    with transaction.atomic():
        opened = _open_amendment(user, dossier, reason, correction=correction)
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


def correct_title(user, dossier, *, title, subtitle, reason, correction) -> ResultAmendment:
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
        opened = _open_amendment(user, dossier, reason, correction=correction)
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


def change_administration(user, dossier, *, administration, reason, correction) -> ResultAmendment:
    """Attach a published dossier to another administration (e.g. a mistaken attribution)."""
    with transaction.atomic():
        opened = _open_amendment(user, dossier, reason, correction=correction)
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


def change_amount(user, award, *, granted_amount, reason, correction) -> ResultAmendment:
    """Change a published laureate's granted amount."""
    with transaction.atomic():
        opened = _open_amendment(user, award.dossier_id, reason, correction=correction)
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
        check_envelope(opened.call, locked, amount)
        before = {"granted_amount": audit_value(locked_award.granted_amount)}
        locked_award.granted_amount = amount
        locked_award.recorded_by = user
        locked_award.save(update_fields=["granted_amount", "recorded_by", "recorded_at"])
        after = {"granted_amount": audit_value(amount)}
        return opened.record(ResultAmendment.Kind.CHANGE_AMOUNT, before=before, after=after)


def move_category(user, dossier, *, category, reason, correction) -> ResultAmendment:
    """Move a published laureate to another category of its call."""
    with transaction.atomic():
        opened = _open_amendment(user, dossier, reason, correction=correction)
        locked = opened.dossier
        if locked.state != S.LAUREATE:
            raise WorkflowError(_("%(ref)s n’est pas lauréat.") % {"ref": locked.reference})
        pk = category.pk if isinstance(category, Category) else category
        category = Category.objects.filter(pk=pk, call_id=opened.call.pk).first()
        if category is None:
            raise WorkflowError(_("Cette catégorie n’appartient pas à l’appel."))
        if category.pk == locked.category_id:
            raise WorkflowError(_("Le dossier est déjà dans cette catégorie."))
        before = {"category": _category_json(locked.category)}
        locked.category = category
        locked.version += 1
        locked.save(update_fields=["category", "version", "updated_at"])
        after = {"category": _category_json(category)}
        return opened.record(ResultAmendment.Kind.MOVE_CATEGORY, before=before, after=after)


def _category_json(category):
    return {"id": category.pk, "name": category.name} if category else None
