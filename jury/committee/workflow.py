"""A continuous window's committee sessions, each action one transactional function.

Staff create a session, put instructed dossiers on its agenda (each carries its instructor's
proposal), record the committee's decision on each (an :class:`Award` of the session: accept
with an amount at most the requested one and within the envelope, or refuse with a reason),
then publish the session's decisions together: the dossiers become laureates or not
selected, the applicants are emailed, the laureates appear on the public pages, and the
window stays open for the next dossiers.

Lock order, as in the deliberation: the call, then the session, then the dossiers and their
awards. The call's row lock serialises every decision of a call, so that the envelope check
sees every other decision (two decisions racing for the last euros: one wins).
"""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from calls.models import Call
from calls.permissions import require_programme_staff
from jury.committee.envelope import check_envelope, envelope_of
from jury.deliberation.workflow import (
    AWARD_FIELDS,
    apply_awards,
    clean_amount,
    lock_award,
    required_reason,
    set_award,
)
from jury.models import AgendaItem, Award, CommitteeSession
from relance import audit, notifications
from relance.audit import AuditAction
from relance.formatting import PARIS
from relance.workflow import WorkflowError, lock, snapshot
from submissions import workflow as dossier_workflow
from submissions.models import Dossier, DossierState, Proposal
from submissions.notify import applicant_recipients, email_context

S = DossierState


def _require_window(call: Call) -> None:
    if not call.is_continuous:
        raise WorkflowError(
            _(
                "Les séances du comité sont celles d’un guichet en continu ; un appel numéroté "
                "passe par la présélection et le jury."
            )
        )


def _lock_session(session) -> tuple[Call, CommitteeSession]:
    """Lock the session's call, then the session: refused once it is published."""
    pk = session.pk if isinstance(session, CommitteeSession) else session
    call_id = CommitteeSession.objects.filter(pk=pk).values_list("call_id", flat=True).first()
    if call_id is None:
        raise WorkflowError(_("Cette séance du comité n’existe plus."))
    call = lock(Call, call_id)
    return call, lock(CommitteeSession, pk, related=("call",))


def _lock_item(user, item) -> tuple[Call, CommitteeSession, AgendaItem]:
    """In the caller's transaction: lock the agenda item's call and session (refused once
    published, or to anyone but the programme's staff), then the item and its dossier."""
    pk = item.pk if isinstance(item, AgendaItem) else item
    session_id = AgendaItem.objects.filter(pk=pk).values_list("session_id", flat=True).first()
    if session_id is None:
        raise WorkflowError(_("Ce dossier n’est plus à l’ordre du jour."))
    call, session = _lock_session(session_id)
    require_programme_staff(user, call)
    _check_unpublished(session)
    locked = (
        AgendaItem.objects.select_for_update()
        .select_related("dossier")
        .filter(pk=pk, session=session)
        .first()
    )
    if locked is None:
        raise WorkflowError(_("Ce dossier n’est plus à l’ordre du jour."))
    return call, session, locked


def _check_unpublished(session: CommitteeSession) -> None:
    if session.published_at is not None:
        raise WorkflowError(_("Les décisions de cette séance sont publiées : elle ne change plus."))


def _clean_date(value) -> date:
    if not isinstance(value, date):
        raise WorkflowError(_("Indiquez la date de la séance."))
    return value


# Sessions ----------------------------------------------------------------------------------


def create_session(user, call, *, date, place="") -> CommitteeSession:
    require_programme_staff(user, call)
    _require_window(call)
    if call.is_draft:
        raise WorkflowError(_("Publiez le guichet avant de réunir son comité."))
    day = _clean_date(date)
    try:
        with transaction.atomic():
            locked = lock(Call, call)
            session = CommitteeSession.objects.create(
                call=locked, date=day, place=(place or "").strip()[:255], created_by=user
            )
            audit.record(
                user,
                AuditAction.COMMITTEE_SESSION_CREATE,
                locked,
                data={"session": session.pk, "date": day.isoformat(), "place": session.place},
            )
    except IntegrityError:
        raise WorkflowError(
            _("Le comité a déjà une séance le %(date)s.") % {"date": date_format(day, "j F Y")}
        ) from None
    return session


def update_session(user, session, *, date, place="") -> CommitteeSession:
    day = _clean_date(date)
    try:
        with transaction.atomic():
            call, locked = _lock_session(session)
            require_programme_staff(user, call)
            _check_unpublished(locked)
            before = snapshot(locked, ("date", "place"))
            locked.date = day
            locked.place = (place or "").strip()[:255]
            after = snapshot(locked, ("date", "place"))
            if before == after:
                return locked
            locked.save(update_fields=["date", "place"])
            audit.record(
                user,
                AuditAction.COMMITTEE_SESSION_UPDATE,
                call,
                data={"session": locked.pk, "before": before, "after": after},
            )
    except IntegrityError:
        raise WorkflowError(
            _("Le comité a déjà une séance le %(date)s.") % {"date": date_format(day, "j F Y")}
        ) from None
    return locked


def delete_session(user, session) -> None:
    """Delete an unpublished session; its agenda is emptied and its decisions forgotten."""
    with transaction.atomic():
        call, locked = _lock_session(session)
        require_programme_staff(user, call)
        _check_unpublished(locked)
        refs = list(locked.items.values_list("dossier__reference", flat=True))
        Award.objects.filter(session=locked).delete()
        locked.items.all().delete()
        data = {"session": locked.pk, "date": locked.date.isoformat(), "agenda": refs}
        locked.delete()
        audit.record(user, AuditAction.COMMITTEE_SESSION_DELETE, call, data=data)


# Agenda ------------------------------------------------------------------------------------


def agenda_candidates(call):
    """The call's dossiers ready for a committee: submitted, with a proposal, on no agenda."""
    return Dossier.objects.filter(call=call, state=S.SUBMITTED, agenda_item__isnull=True).exclude(
        proposal=""
    )


def add_to_agenda(user, session, dossiers) -> int:
    """Put dossiers (instances or pks) on the session's agenda; returns how many were added.

    Each must belong to the session's window, be submitted, carry its instructor's proposal
    and be on no other agenda; otherwise nothing is added and the refusal names it.
    """
    pks = [d.pk if isinstance(d, Dossier) else d for d in dossiers]
    if not pks:
        raise WorkflowError(_("Choisissez au moins un dossier à inscrire à l’ordre du jour."))
    with transaction.atomic():
        call, locked = _lock_session(session)
        require_programme_staff(user, call)
        _check_unpublished(locked)
        rows = list(
            Dossier.objects.select_for_update(of=("self",))
            .select_related("agenda_item__session")
            .filter(pk__in=pks, call=call)
            .order_by("number")
        )
        if len(rows) != len(set(pks)):
            raise WorkflowError(_("Un des dossiers choisis n’appartient pas à ce guichet."))
        for dossier in rows:
            item = getattr(dossier, "agenda_item", None)
            if item is not None:
                raise WorkflowError(
                    _("%(ref)s est déjà à l’ordre du jour du %(session)s.")
                    % {"ref": dossier.reference, "session": item.session}
                )
            if dossier.state != S.SUBMITTED:
                raise WorkflowError(
                    _("%(ref)s est « %(state)s » : seul un dossier déposé va au comité.")
                    % {"ref": dossier.reference, "state": dossier.get_state_display()}
                )
            if not dossier.proposal:
                raise WorkflowError(
                    _("%(ref)s n’a pas encore de proposition de l’instructeur.")
                    % {"ref": dossier.reference}
                )
        AgendaItem.objects.bulk_create(
            [AgendaItem(session=locked, dossier=d, added_by=user) for d in rows]
        )
        for dossier in rows:
            audit.record(
                user,
                AuditAction.AGENDA_ADD,
                dossier,
                data={"session": locked.pk, "date": locked.date.isoformat()},
            )
        return len(rows)


def remove_from_agenda(user, item) -> None:
    """Take a dossier off an unpublished agenda (it waits for a later session); the
    committee's decision on it, if recorded, is forgotten."""
    with transaction.atomic():
        _call, session, locked = _lock_item(user, item)
        dossier = locked.dossier
        Award.objects.filter(dossier=dossier, session=session).delete()
        locked.delete()
        audit.record(
            user,
            AuditAction.AGENDA_REMOVE,
            dossier,
            data={"session": session.pk, "date": session.date.isoformat()},
        )


# Hearings ----------------------------------------------------------------------------------


def invite_to_hearing(user, item, *, at, place="") -> AgendaItem:
    """Ask the dossier's administration to be heard by the committee during the session (at
    ``at``, an aware datetime on the session's day); its agents are emailed."""
    with transaction.atomic():
        _call, session, locked = _lock_item(user, item)
        dossier = locked.dossier
        if dossier.state != S.SUBMITTED:
            raise WorkflowError(
                _("%(ref)s est « %(state)s » : il n’est plus entendu par le comité.")
                % {"ref": dossier.reference, "state": dossier.get_state_display()}
            )
        if at is None or timezone.localtime(at, PARIS).date() != session.date:
            raise WorkflowError(
                _("L’audition a lieu pendant la séance, le %(date)s : indiquez son heure.")
                % {"date": date_format(session.date, "j F Y")}
            )
        locked.hearing_at = at
        locked.hearing_place = (place or "").strip()[:255]
        locked.save(update_fields=["hearing_at", "hearing_place"])
        audit.record(
            user,
            AuditAction.COMMITTEE_HEARING,
            dossier,
            data={"session": session.pk, "at": at.isoformat(), "place": locked.hearing_place},
        )
        notifications.queue(
            "jury/emails/committee_hearing",
            applicant_recipients(dossier),
            email_context(dossier, hearing_at=at, place=locked.hearing_place),
            topic="committee_hearing",
        )
        return locked


def cancel_hearing(user, item) -> AgendaItem:
    with transaction.atomic():
        _call, session, locked = _lock_item(user, item)
        if locked.hearing_at is None:
            return locked
        locked.hearing_at = None
        locked.hearing_place = ""
        locked.save(update_fields=["hearing_at", "hearing_place"])
        audit.record(
            user, AuditAction.COMMITTEE_HEARING_CANCEL, locked.dossier, data={"session": session.pk}
        )
        notifications.queue(
            "jury/emails/committee_hearing_cancelled",
            applicant_recipients(locked.dossier),
            email_context(locked.dossier),
            topic="committee_hearing",
        )
        return locked


# Decisions ---------------------------------------------------------------------------------


def record_decision(user, item, *, decision, granted_amount=None, reason="") -> Award:
    """Record (not publish) the committee's decision on one dossier of its agenda.

    A grant is at most the amount requested and must fit in the call's envelope, counting
    every other decision recorded on the call (the call's row is locked meanwhile).
    """
    if decision not in Award.Decision.values:
        raise WorkflowError(_("Décision inconnue."))
    with transaction.atomic():
        call, session, locked_item = _lock_item(user, item)
        dossier = dossier_workflow.lock_dossier(locked_item.dossier_id)
        if dossier.state != S.SUBMITTED:
            raise WorkflowError(
                _("%(ref)s est « %(state)s » : le comité ne peut plus en décider.")
                % {"ref": dossier.reference, "state": dossier.get_state_display()}
            )
        reason = (reason or "").strip()
        if decision == Award.Decision.LAUREATE:
            amount = clean_amount(granted_amount, dossier)
            check_envelope(call, dossier, amount)
        else:
            if granted_amount not in (None, ""):
                raise WorkflowError(_("Un dossier refusé ne reçoit pas de cofinancement."))
            amount = None
            reason = required_reason(
                reason, _("Indiquez le motif du refus, que l’administration lira.")
            )
        award = lock_award(dossier)
        before = snapshot(award, AWARD_FIELDS) if award else {}
        award = set_award(
            award, dossier, user, decision=decision, granted_amount=amount, reason=reason
        )
        award.session = session
        award.save()
        audit.record(
            user,
            AuditAction.COMMITTEE_DECISION,
            dossier,
            reason=reason,
            data={
                "session": session.pk,
                "before": before,
                "after": snapshot(award, AWARD_FIELDS),
            },
        )
        return award


def follow_proposal(user, item) -> Award:
    """Record the decision the instructor proposed (the committee's usual answer)."""
    pk = item.pk if isinstance(item, AgendaItem) else item
    dossier = Dossier.objects.filter(agenda_item__pk=pk).first()
    if dossier is None:
        raise WorkflowError(_("Ce dossier n’est plus à l’ordre du jour."))
    if dossier.proposal == Proposal.ACCEPT:
        return record_decision(
            user, pk, decision=Award.Decision.LAUREATE, granted_amount=dossier.proposed_amount
        )
    if dossier.proposal == Proposal.REFUSE:
        return record_decision(
            user, pk, decision=Award.Decision.NOT_SELECTED, reason=dossier.proposal_reason
        )
    raise WorkflowError(_("Ce dossier n’a pas de proposition de l’instructeur."))


# Publication -------------------------------------------------------------------------------


def publish_session(user, session) -> dict:
    """Publish every decision of the session at once; the applicants are emailed by one task
    after commit. Refused while a dossier of its agenda has no decision or left instruction,
    and a second time. Returns the counts ``{"laureate": n, "not_selected": m}``."""
    with transaction.atomic():
        call, locked = _lock_session(session)
        require_programme_staff(user, call)
        _check_unpublished(locked)
        items = list(locked.items.select_related("dossier").order_by("dossier__number"))
        if not items:
            raise WorkflowError(_("L’ordre du jour est vide : rien à publier."))
        dossiers = list(
            Dossier.objects.select_for_update(of=("self",))
            .select_related("call", "administration")
            .filter(pk__in=[i.dossier_id for i in items])
            .order_by("number")
        )
        awards = {
            a.dossier_id: a
            for a in Award.objects.select_for_update().filter(dossier__in=dossiers, session=locked)
        }
        left = [d.reference for d in dossiers if d.state != S.SUBMITTED]
        if left:
            raise WorkflowError(
                ngettext(
                    "%(refs)s n’est plus en instruction (retiré ou à compléter) : retirez-le de "
                    "l’ordre du jour avant de publier.",
                    "%(refs)s ne sont plus en instruction (retirés ou à compléter) : retirez-les "
                    "de l’ordre du jour avant de publier.",
                    len(left),
                )
                % {"refs": ", ".join(left)}
            )
        missing = [d.reference for d in dossiers if d.pk not in awards]
        if missing:
            raise WorkflowError(
                ngettext(
                    "%(count)s dossier de l’ordre du jour sans décision du comité : %(refs)s.",
                    "%(count)s dossiers de l’ordre du jour sans décision du comité : %(refs)s.",
                    len(missing),
                )
                % {"count": len(missing), "refs": ", ".join(missing[:20])}
            )
        now = timezone.now()
        counts = apply_awards(
            user,
            dossiers,
            awards,
            ("committee_accept", "committee_refuse"),
            now=now,
            data={"session": locked.pk},
        )
        locked.published_at = now
        locked.published_by = user
        locked.save(update_fields=["published_at", "published_by"])
        # The window closes to new dossiers once its published decisions use the envelope up.
        envelope = envelope_of(call, now)
        if envelope.amount is not None and envelope.published_remaining <= 0:
            call.envelope_exhausted_at = now
            call.save(update_fields=["envelope_exhausted_at", "updated_at"])
        audit.record(
            user,
            AuditAction.COMMITTEE_PUBLISH,
            call,
            data={**counts, "session": locked.pk, "date": locked.date.isoformat()},
        )
        return counts
