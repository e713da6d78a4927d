"""The jury's opinion for the applicant (« avis du jury »), one function per action.

Who writes: a rapporteur of the dossier or the jury's president, never a member in conflict
with it, while the jury discusses or deliberates (or at any time for a jury without phases);
programme staff may edit it too. Staff approve it; any later change of the text takes it back
to a draft. Everything stops once the call's results are published: the approved opinions then
go out with them (result email, decision letter, dossier page), the others never do.

Each function locks the call's row first (the lock order of the publication), so an opinion
cannot change while the results are being published. ``version`` is the version the form was
opened on: if the opinion was saved since, nothing is overwritten (``StaleEditError``).
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from calls.models import Call
from calls.permissions import require_programme_staff
from jury.composition.workflow import lock_member
from jury.models import ConflictOfInterest, JuryMember
from jury.permissions import jury_dossiers
from jury.review.rules import VISIBLE_PHASES, phase_of
from jury.review_models import OPINION_MAX_LENGTH, JuryOpinion, RapporteurAssignment
from relance import audit
from relance.audit import AuditAction
from relance.permissions import require
from relance.workflow import StaleEditError, WorkflowError, lock


def is_writer(member: JuryMember, dossier_id) -> bool:
    """``member`` may write the opinion of the dossier: its rapporteur or the president, and
    not in conflict with it (the juror's queries leave such dossiers out already)."""
    if ConflictOfInterest.objects.filter(
        member=member, dossier_id=dossier_id, lifted_at__isnull=True
    ).exists():
        return False
    if member.role == JuryMember.Role.PRESIDENT:
        return True
    return RapporteurAssignment.objects.filter(member=member, dossier_id=dossier_id).exists()


def opinion_of(dossier) -> JuryOpinion | None:
    return JuryOpinion.objects.filter(dossier_id=dossier.pk).first()


def writing_refusal(jury, call) -> str | None:
    """Why nobody may change the jury's opinions now, or ``None``."""
    if call.results_published_at is not None:
        return _("Les résultats sont publiés : l’avis du jury ne peut plus être modifié.")
    phase = phase_of(jury.pk)
    if phase is not None and phase not in VISIBLE_PHASES:
        return _("L’avis du jury se rédige pendant la discussion ou la délibération.")
    return None


def published_opinion(dossier) -> JuryOpinion | None:
    """The approved opinion of ``dossier`` once its call's results are published, else None."""
    if dossier.call.results_published_at is None:
        return None
    return JuryOpinion.objects.filter(
        dossier_id=dossier.pk, status=JuryOpinion.Status.APPROVED
    ).first()


def _clean_text(text) -> str:
    text = (text or "").strip()
    if not text:
        raise WorkflowError(_("Écrivez l’avis du jury avant de l’enregistrer."))
    if len(text) > OPINION_MAX_LENGTH:
        raise WorkflowError(
            _("L’avis du jury compte %(count)s caractères : %(max)s au plus.")
            % {"count": len(text), "max": OPINION_MAX_LENGTH}
        )
    return text


def _lock_opinion(dossier, version) -> tuple[Call, JuryOpinion | None]:
    """Lock the call, then the dossier's opinion; refuse a form opened on an older version."""
    call = lock(Call, dossier.call_id, related=("programme",))
    opinion = JuryOpinion.objects.select_for_update().filter(dossier_id=dossier.pk).first()
    if opinion is not None and version is not None and opinion.version != version:
        raise StaleEditError(
            _(
                "L’avis du jury a été modifié entre-temps. Rien n’a été écrasé : rechargez la "
                "page pour voir la dernière version, puis reportez vos modifications."
            )
        )
    if opinion is None and version:
        raise StaleEditError(_("Cet avis n’existe plus : rechargez la page avant d’enregistrer."))
    return call, opinion


def _write(user, call, dossier, opinion, text, *, approve=False) -> JuryOpinion:
    """Save ``text`` (a change takes an approved opinion back to a draft), approve if asked."""
    old_text = opinion.text if opinion else ""
    old_status = opinion.status if opinion else ""
    if opinion is None:
        opinion = JuryOpinion(dossier_id=dossier.pk, text="")
    changed = opinion.text != text
    if not changed and not approve and opinion.pk:
        return opinion
    if changed:
        opinion.text = text
        opinion.author = user
        opinion.status = JuryOpinion.Status.DRAFT
        opinion.approved_by = None
        opinion.approved_at = None
    now = timezone.now()
    if approve:
        opinion.status = JuryOpinion.Status.APPROVED
        opinion.approved_by = user
        opinion.approved_at = now
    opinion.updated_at = now
    opinion.version += 1
    opinion.save()
    data = {"dossier": dossier.pk}
    if changed:
        data["text"] = {"old": old_text, "new": text}
    audit.record(
        user,
        AuditAction.JURY_APPROVE_OPINION if approve else AuditAction.JURY_SAVE_OPINION,
        opinion,
        from_state=old_status,
        to_state=opinion.status,
        data=data,
        at=now,
    )
    return opinion


def save_opinion(user, member: JuryMember, dossier, *, text, version=None) -> JuryOpinion:
    """A rapporteur of the dossier (or the president) saves the opinion, as a draft."""
    require(
        user,
        "jury.evaluate",
        member,
        message=_("Seul le membre du jury concerné peut rédiger cet avis."),
    )
    text = _clean_text(text)
    with transaction.atomic():
        call, opinion = _lock_opinion(dossier, version)
        locked = lock_member(member)
        if not jury_dossiers(locked.jury).filter(pk=dossier.pk).exists():
            raise WorkflowError(_("Ce dossier n’est pas examiné par votre jury."))
        if not is_writer(locked, dossier.pk):
            raise WorkflowError(
                _("L’avis du jury est rédigé par un rapporteur du dossier ou la présidence.")
            )
        refusal = writing_refusal(locked.jury, call)
        if refusal:
            raise WorkflowError(refusal)
        return _write(user, call, dossier, opinion, text)


def staff_save_opinion(user, jury, dossier, *, text, version=None, approve=False) -> JuryOpinion:
    """Programme staff edit the opinion (saved as a draft) or edit and approve it at once."""
    require_programme_staff(user, jury)
    text = _clean_text(text)
    with transaction.atomic():
        call, opinion = _lock_opinion(dossier, version)
        if not jury_dossiers(jury).filter(pk=dossier.pk).exists():
            raise WorkflowError(_("Ce dossier n’est pas examiné par ce jury."))
        refusal = writing_refusal(jury, call)
        if refusal:
            raise WorkflowError(refusal)
        return _write(user, call, dossier, opinion, text, approve=approve)
