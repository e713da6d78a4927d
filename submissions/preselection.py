"""Preselection: decisions recorded one by one or in bulk, then published in one step.

Applicants are told when the preselection is published, never when a decision is recorded:
the publication enqueues one task (``notify_preselection``) that renders and queues their
emails once it has committed, so that publishing hundreds of decisions answers at once.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from calls.models import Call
from calls.permissions import require_programme_staff
from relance import audit, notifications
from relance.audit import AuditAction
from relance.workflow import WorkflowError, lock
from submissions.models import Dossier, DossierState, PreselectionDecision, PreselectionPublication
from submissions.notify import applicant_recipients, email_context
from submissions.workflow import TRANSITIONS, fire_locked, lock_dossier

S = DossierState


def record_preselection(user, dossier, *, decision, reason="") -> Dossier:
    """Record (not publish) a preselection decision; it can be changed until published."""
    if decision not in PreselectionDecision.values:
        raise WorkflowError(_("Décision inconnue."))
    with transaction.atomic():
        # Locked first: a bulk decision passes ids, and the guard needs the dossier's call.
        locked = lock_dossier(dossier)
        require_programme_staff(user, locked)
        target = "preselect" if decision == PreselectionDecision.PRESELECTED else "not_preselect"
        if locked.state not in TRANSITIONS[target].sources:
            raise WorkflowError(
                _("%(ref)s : impossible d’enregistrer cette décision sur un dossier « %(state)s ».")
                % {"ref": locked.reference, "state": locked.get_state_display()}
            )
        old = locked.pending_decision
        locked.pending_decision = decision
        locked.decision_reason = (reason or "").strip()
        locked.save(update_fields=["pending_decision", "decision_reason", "updated_at"])
        audit.record(
            user,
            AuditAction.RECORD_DECISION,
            locked,
            reason=locked.decision_reason,
            data={"old": old, "new": decision},
        )
        return locked


def record_preselection_bulk(user, dossiers, *, decision, reason="") -> int:
    """Record the same decision on several dossiers, all or nothing."""
    # Lock in a stable order so that two concurrent bulk actions cannot deadlock.
    dossiers = sorted(dossiers, key=lambda d: d.pk if isinstance(d, Dossier) else int(d))
    with transaction.atomic():
        count = 0
        for dossier in dossiers:
            record_preselection(user, dossier, decision=decision, reason=reason)
            count += 1
        return count


def clear_preselection(user, dossier) -> Dossier:
    require_programme_staff(user, dossier)
    with transaction.atomic():
        locked = lock_dossier(dossier)
        if locked.pending_decision:
            audit.record(
                user, AuditAction.CLEAR_DECISION, locked, data={"old": locked.pending_decision}
            )
            locked.pending_decision = ""
            locked.decision_reason = ""
            locked.save(update_fields=["pending_decision", "decision_reason", "updated_at"])
        return locked


def publish_preselection(user, call: Call) -> PreselectionPublication:
    """Apply every recorded preselection decision of ``call`` at once and notify applicants.

    Refused while a submitted dossier has no decision, so that nobody is forgotten.
    """
    require_programme_staff(user, call)
    with transaction.atomic():
        locked_call = lock(Call, call)
        now = timezone.now()
        # A round is preselected once closed; a window without closing date at any time.
        if locked_call.closes_at is not None and now < locked_call.closes_at:
            raise WorkflowError(
                _("L’appel est encore ouvert : la présélection se publie après la clôture.")
            )
        dossiers = list(
            Dossier.objects.select_for_update(of=("self",))
            .select_related("call", "administration")
            .filter(call=locked_call, state__in=[S.SUBMITTED, S.INCOMPLETE])
            .order_by("number")
        )
        undecided = [
            d.reference for d in dossiers if not d.pending_decision and d.state == S.SUBMITTED
        ]
        if undecided:
            raise WorkflowError(
                _("%(count)s dossier(s) déposé(s) sans décision : %(refs)s.")
                % {"count": len(undecided), "refs": ", ".join(undecided[:20])}
            )
        decided = [d for d in dossiers if d.pending_decision]
        if not decided:
            raise WorkflowError(_("Aucune décision de présélection à publier."))
        counts = {PreselectionDecision.PRESELECTED: 0, PreselectionDecision.NOT_PRESELECTED: 0}
        outcomes = []
        for dossier in decided:
            decision = dossier.pending_decision
            name = "preselect" if decision == PreselectionDecision.PRESELECTED else "not_preselect"
            fire_locked(user, dossier, name, reason=dossier.decision_reason)
            dossier.pending_decision = ""
            dossier.save(update_fields=["pending_decision"])
            counts[decision] += 1
            outcomes.append([dossier.pk, name == "preselect", dossier.decision_reason])
        notify_preselection.enqueue(outcomes)
        publication = PreselectionPublication.objects.create(
            call=locked_call,
            published_by=user,
            preselected_count=counts[PreselectionDecision.PRESELECTED],
            not_preselected_count=counts[PreselectionDecision.NOT_PRESELECTED],
        )
        audit.record(
            user,
            AuditAction.PUBLISH_PRESELECTION,
            locked_call,
            data={k.value: v for k, v in counts.items()} | {"at": now.isoformat()},
        )
        return publication


@task()
def notify_preselection(outcomes: list) -> int:
    """Render and queue the email of each published preselection outcome.

    ``outcomes`` lists ``[dossier id, preselected, reason]`` as published. One transaction:
    a worker killed halfway queues nothing, and the task run again queues each email once.
    """
    with transaction.atomic():
        dossiers = Dossier.objects.select_related("call", "administration").in_bulk(
            [pk for pk, _preselected, _reason in outcomes]
        )
        for pk, preselected, reason in outcomes:
            dossier = dossiers[pk]
            notifications.queue(
                "submissions/emails/preselection_outcome",
                applicant_recipients(dossier),
                email_context(dossier, preselected=preselected, reason=reason),
                topic="preselection",
            )
    return len(outcomes)
