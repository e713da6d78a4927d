"""« Rectificatifs »: corrections of a call's published results, prepared then published as one.

Staff prepare a correction (reason, date of the official corrective decision, reference of the
act, optionally a new summary text for the call) and plan its changes; publishing applies every
change through the amendment functions in one transaction: either all of them hold, or nothing
changes and the draft is kept with the reason of the refusal. The administrations concerned
are emailed once the publication has committed.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from calls.models import Call
from calls.permissions import require_programme_staff
from jury.deliberation import amendments
from jury.models import Award, ResultAmendment, ResultCorrection
from relance import audit, notifications
from relance.audit import AuditAction
from relance.notifications import absolute_url
from relance.workflow import WorkflowError, lock
from submissions.models import Administration, Dossier, Membership

K = ResultAmendment.Kind

# What each kind of change needs besides the dossier, and the amendment that applies it.
PARAMETERS = {
    K.ADD_LAUREATE: ("granted_amount",),
    K.REMOVE_LAUREATE: (),
    K.CORRECT_TITLE: ("title", "subtitle"),
    K.MOVE_CATEGORY: ("category",),
    K.CHANGE_ADMINISTRATION: ("administration",),
    K.CHANGE_AMOUNT: ("granted_amount",),
}
MAX_CHANGES = 200


def _clean_date(value) -> datetime.date:
    if isinstance(value, str):
        try:
            value = datetime.date.fromisoformat(value.strip())
        except ValueError:
            value = None
    if not isinstance(value, datetime.date):
        raise WorkflowError(_("Indiquez la date de la décision modificative (JJ/MM/AAAA)."))
    if value > timezone.localdate():
        raise WorkflowError(_("La date de la décision modificative ne peut pas être à venir."))
    return value


def _clean_header(reason, act_reference, summary):
    reason = amendments.required_reason(
        reason, _("Indiquez le motif de la modification des résultats.")
    )
    act_reference = (act_reference or "").strip()
    if len(act_reference) > ResultCorrection._meta.get_field("act_reference").max_length:
        raise WorkflowError(_("La référence de l’acte est trop longue (200 caractères au plus)."))
    summary = (summary or "").strip()
    if len(summary) > Call._meta.get_field("summary").max_length:
        raise WorkflowError(_("Le texte de présentation est trop long (600 caractères au plus)."))
    return reason, act_reference, summary


def create_correction(
    user, call, *, official_date, reason, act_reference="", summary=""
) -> ResultCorrection:
    """A draft correction of ``call``'s published results."""
    require_programme_staff(user, call)
    official_date = _clean_date(official_date)
    reason, act_reference, summary = _clean_header(reason, act_reference, summary)
    with transaction.atomic():
        locked = lock(Call, call.pk)
        correction = ResultCorrection.objects.create(
            call=locked,
            official_date=official_date,
            reason=reason,
            act_reference=act_reference,
            summary=summary,
            created_by=user,
        )
        audit.record(
            user,
            AuditAction.CORRECTION_CREATE,
            locked,
            reason=reason,
            data={"correction": correction.pk, "official_date": official_date.isoformat()},
        )
        return correction


def _lock_draft(user, correction) -> ResultCorrection:
    locked = ResultCorrection.objects.select_for_update().get(pk=correction.pk)
    require_programme_staff(user, locked.call)
    if locked.published_at is not None:
        raise WorkflowError(_("Ce rectificatif est déjà publié : préparez-en un nouveau."))
    return locked


def update_correction(
    user, correction, *, official_date, reason, act_reference="", summary=""
) -> ResultCorrection:
    official_date = _clean_date(official_date)
    reason, act_reference, summary = _clean_header(reason, act_reference, summary)
    with transaction.atomic():
        locked = _lock_draft(user, correction)
        locked.official_date = official_date
        locked.reason = reason
        locked.act_reference = act_reference
        locked.summary = summary
        locked.save(update_fields=["official_date", "reason", "act_reference", "summary"])
        audit.record(user, AuditAction.CORRECTION_EDIT, locked.call, data={"correction": locked.pk})
        return locked


def plan_change(user, correction, kind, dossier, **params) -> ResultCorrection:
    """Add one change to a draft correction; it is checked again when published."""
    if kind not in PARAMETERS:
        raise WorkflowError(_("Type de modification inconnu."))
    unknown = set(params) - set(PARAMETERS[kind])
    if unknown:
        raise ValueError(f"Not parameters of {kind}: {sorted(unknown)}")
    with transaction.atomic():
        locked = _lock_draft(user, correction)
        pk = dossier.pk if isinstance(dossier, Dossier) else dossier
        if not Dossier.objects.filter(pk=pk, call_id=locked.call_id).exists():
            raise WorkflowError(_("Ce dossier n’appartient pas à l’appel."))
        if len(locked.planned) >= MAX_CHANGES:
            raise WorkflowError(_("Un rectificatif regroupe au plus 200 modifications."))
        change = {"kind": str(kind), "dossier": pk}
        for name in PARAMETERS[kind]:
            value = params.get(name)
            change[name] = "" if value is None else str(getattr(value, "pk", value))
        locked.planned = [*locked.planned, change]
        locked.save(update_fields=["planned"])
        audit.record(
            user, AuditAction.CORRECTION_EDIT, locked.call, data={"correction": locked.pk, **change}
        )
        return locked


def drop_change(user, correction, index: int) -> ResultCorrection:
    with transaction.atomic():
        locked = _lock_draft(user, correction)
        if not 0 <= index < len(locked.planned):
            raise WorkflowError(_("Cette modification n’est plus dans le rectificatif."))
        dropped = locked.planned[index]
        locked.planned = [c for i, c in enumerate(locked.planned) if i != index]
        locked.save(update_fields=["planned"])
        audit.record(
            user,
            AuditAction.CORRECTION_EDIT,
            locked.call,
            data={"correction": locked.pk, "dropped": dropped},
        )
        return locked


def _apply(user, correction, change):
    kind, dossier = change["kind"], change["dossier"]
    common = {"reason": correction.reason, "correction": correction}
    if kind == K.ADD_LAUREATE:
        return amendments.add_laureate(
            user, dossier, granted_amount=change["granted_amount"], **common
        )
    if kind == K.REMOVE_LAUREATE:
        return amendments.remove_laureate(user, dossier, **common)
    if kind == K.CORRECT_TITLE:
        return amendments.correct_title(
            user, dossier, title=change["title"], subtitle=change["subtitle"], **common
        )
    if kind == K.MOVE_CATEGORY:
        return amendments.move_category(user, dossier, category=change["category"], **common)
    if kind == K.CHANGE_ADMINISTRATION:
        administration = change["administration"]
        if not str(administration).isdigit():
            raise WorkflowError(_("Administration inconnue."))
        return amendments.change_administration(
            user, dossier, administration=int(administration), **common
        )
    # Only the dossier is named: ``change_amount`` locks the call, the dossier, then the award.
    return amendments.change_amount(
        user, Award(dossier_id=dossier), granted_amount=change["granted_amount"], **common
    )


def publish_correction(user, correction, *, notify: bool = True) -> list[ResultAmendment]:
    """Apply every planned change at once, date the results and email the administrations
    (``notify=False``: the demo data, replaying a past correction, email nobody).

    Refused with the first change that does not hold (« Modification 2 : … »): nothing is
    applied then, and the draft stays as it was.
    """
    with transaction.atomic():
        locked = _lock_draft(user, correction)
        if not locked.planned:
            raise WorkflowError(_("Ajoutez au moins une modification avant de publier."))
        done = []
        for number, change in enumerate(locked.planned, start=1):
            try:
                done.append(_apply(user, locked, change))
            except WorkflowError as error:
                raise WorkflowError(
                    _("Modification %(n)s : %(error)s") % {"n": number, "error": error.message}
                ) from None
        call = lock(Call, locked.call_id)
        if locked.summary and locked.summary != call.summary:
            call.summary = locked.summary
            call.save(update_fields=["summary"])
        now = timezone.now()
        locked.published_at = now
        locked.published_by = user
        locked.save(update_fields=["published_at", "published_by"])
        audit.record(
            user,
            AuditAction.CORRECTION_PUBLISH,
            call,
            reason=locked.reason,
            data={
                "correction": locked.pk,
                "official_date": locked.official_date.isoformat(),
                "changes": len(done),
            },
        )
        if notify:
            _queue_emails(locked, done)
        return done


def concerned_administrations(amendment) -> set[int]:
    """The administrations whose results an amendment changed (both, when it moves one)."""
    ids = {amendment.dossier.administration_id}
    for side in (amendment.before, amendment.after):
        administration = (side or {}).get("administration")
        if isinstance(administration, dict) and administration.get("id"):
            ids.add(administration["id"])
    return ids


def _queue_emails(correction, done):
    """One email per administration concerned (its agents, and the contact of each of its
    dossiers changed); written in this transaction, so a rolled-back publication sends
    nothing."""
    by_administration: dict[int, list] = {}
    for amendment in done:
        for pk in concerned_administrations(amendment):
            by_administration.setdefault(pk, []).append(amendment)
    administrations = Administration.objects.in_bulk(list(by_administration))
    agents: dict[int, list[str]] = {}
    for pk, address in Membership.objects.filter(
        administration_id__in=list(by_administration), user__is_active=True
    ).values_list("administration_id", "user__email"):
        agents.setdefault(pk, []).append(address)
    for pk, changed in by_administration.items():
        contacts = [a.dossier.contact_email for a in changed if a.dossier.administration_id == pk]
        notifications.queue(
            "jury/emails/results_correction",
            [*agents.get(pk, []), *contacts],
            {
                "call": correction.call,
                "administration": administrations.get(pk),
                "correction": correction,
                "amendments": changed,
                "history_url": absolute_url(
                    reverse("jury:results_history", args=[correction.call.slug])
                ),
            },
            topic="results",
        )
