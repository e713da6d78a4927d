"""Dossiers that enter a call other than by an agent starting a draft: those received outside
the platform and registered by an instructor on behalf of their administration, and those
re-submitted by their administration from an earlier round of the programme. Each is one
transactional function taking the acting user; both then follow ``submissions.workflow``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from calls.models import Call, Category
from calls.permissions import require_programme_staff
from relance import audit, notifications
from relance.accounts import require_confirmed_email
from relance.audit import AuditAction
from relance.formatting import format_paris_datetime
from relance.permissions import require
from relance.workflow import WorkflowError, audit_value, clean_choice, lock
from submissions import instruction
from submissions.files import store_attachment, stored_files_removed_on_error
from submissions.models import (
    DOSSIER_CONTENT_FIELDS,
    Administration,
    BudgetLine,
    Dossier,
    DossierState,
    ReceptionChannel,
)
from submissions.notify import applicant_recipients, email_context
from submissions.workflow import (
    EDITABLE_FIELDS,
    check_cap,
    lock_dossier,
)

logger = logging.getLogger(__name__)

S = DossierState


# Dossiers received outside the platform ---------------------------------------------------

ORIGINAL_FILE_DESCRIPTION = gettext_lazy("Dossier original reçu hors plateforme")


@dataclass(frozen=True)
class CheckedFile:
    """An upload already checked by ``submissions.files.check_upload``."""

    file: object
    name: str
    content_type: str
    size: int
    sha256: str


def check_original_date(call: Call, received_at, now) -> None:
    """The date a dossier was originally received must be past and within the call."""
    if call.is_draft:
        raise WorkflowError(_("Cet appel n’est pas publié : il ne reçoit pas encore de dossier."))
    if received_at > now:
        raise WorkflowError(_("La date de réception ne peut pas être dans le futur."))
    if received_at < call.opens_at:
        raise WorkflowError(
            _(
                "La date de réception est antérieure à l’ouverture de l’appel, le %(date)s "
                "(heure de Paris)."
            )
            % {"date": format_paris_datetime(call.opens_at)}
        )
    if call.closes_at and received_at >= call.closes_at:
        raise WorkflowError(
            _(
                "La date de réception est postérieure à la clôture de l’appel, le %(date)s "
                "(heure de Paris) : un dossier reçu hors délai ne peut pas être enregistré."
            )
            % {"date": format_paris_datetime(call.closes_at)}
        )


def register_outside_dossier(
    user,
    call: Call,
    *,
    administration: Administration,
    content: dict,
    received_via: str,
    received_at,
    original: CheckedFile | None,
    reception_note: str = "",
    token=None,
    ds_number: int | None = None,
):
    """Register, on behalf of ``administration``, a dossier received outside the platform.

    The dossier is created « déposé » on ``received_at`` (when it was originally received,
    possibly before the call closed even if registered later), marked as registered by
    ``user`` (when, how it was received), with the original file attached (if any: an import
    from Démarches Simplifiées brings its attachments itself, with ``ds_number``); it then follows
    the ordinary workflow. Its administration's agents are emailed. ``token`` comes from the
    form: the same form posted twice registers one dossier. Returns ``(dossier, created)``.
    """
    require_programme_staff(user, call)
    if token is not None:
        existing = Dossier.objects.filter(creation_token=token).first()
        if existing is not None:
            if existing.registered_by_id != user.pk:
                raise WorkflowError(_("Ce formulaire a déjà été utilisé."))
            return existing, False
    unknown = set(content) - EDITABLE_FIELDS
    if unknown:
        raise ValueError(f"Not content: {sorted(unknown)}")
    received_via = clean_choice(
        received_via, ReceptionChannel.values, _("Indiquez comment le dossier a été reçu.")
    )
    if not (content.get("title") or "").strip():
        raise WorkflowError(_("Donnez un titre au projet."))
    now = timezone.now()
    try:
        with stored_files_removed_on_error() as stored, transaction.atomic():
            locked_call = lock(Call, call)
            check_original_date(locked_call, received_at, now)
            # Registered « déposé »: counted as a submission is.
            check_cap(
                locked_call,
                administration,
                counted=Dossier.objects.exclude(state__in=[S.DRAFT, S.WITHDRAWN]),
            )
            last = Dossier.objects.filter(call=locked_call).aggregate(n=Max("number"))["n"] or 0
            dossier = Dossier(
                call=locked_call,
                administration=administration,
                number=last + 1,
                reference=Dossier.reference_for(locked_call, last + 1),
                state=S.SUBMITTED,
                submitted_at=received_at,
                created_by=user,
                creation_token=token,
                registered_by=user,
                registered_at=now,
                received_via=received_via,
                reception_note=(reception_note or "").strip()[:255],
                ds_number=ds_number,
                instruction_due_on=instruction.due_date_for(locked_call, received_at),
                **content,
            )
            dossier.title = dossier.title.strip()
            dossier.full_clean(exclude=["call", "administration", "created_by"])
            errors = dossier.validation_errors()
            if errors:
                raise WorkflowError(" ".join(str(e) for e in errors))
            dossier.save()
            attachment = None
            if original is not None:
                attachment = store_attachment(
                    user,
                    dossier,
                    file=original.file,
                    original_name=original.name,
                    content_type=original.content_type,
                    size=original.size,
                    sha256=original.sha256,
                    description=str(ORIGINAL_FILE_DESCRIPTION),
                )
                stored.append((attachment.file.storage, attachment.file.name))
            audit.record(
                user,
                AuditAction.REGISTER_OUTSIDE,
                dossier,
                to_state=dossier.state,
                data={
                    "received_via": received_via,
                    "received_at": audit_value(received_at),
                    "note": dossier.reception_note,
                    "attachment": attachment.pk if attachment else None,
                    "name": attachment.original_name if attachment else "",
                    **({"ds_number": ds_number} if ds_number is not None else {}),
                },
            )
            notifications.queue(
                "submissions/emails/registered_outside",
                applicant_recipients(dossier),
                email_context(dossier, submitted_at=received_at),
                topic="registered_outside",
            )
    except IntegrityError:
        # A concurrent post of the same form won the race: return its dossier.
        if token is not None:
            existing = Dossier.objects.filter(creation_token=token).first()
            if existing is not None and existing.registered_by_id == user.pk:
                return existing, False
        raise
    return dossier, True


# Later rounds: a dossier not retained, re-submitted to a later call ------------------------

RESUBMITTABLE_STATES = (S.NOT_PRESELECTED, S.NOT_SELECTED)


def resubmission_refusal(dossier: Dossier, call: Call, now) -> str | None:
    """Why ``dossier`` cannot be re-submitted to ``call`` now, in French; ``None`` if it can."""
    if dossier.state not in RESUBMITTABLE_STATES:
        return _("Seul un dossier non présélectionné ou non retenu peut être redéposé.")
    if call.programme_id != dossier.call.programme_id or call.pk == dossier.call_id:
        return _("Ce dossier ne peut être redéposé que dans un appel suivant du même programme.")
    if call.is_draft or not (call.is_public and call.programme.is_public):
        return _("Cet appel n’est pas publié.")
    if call.opens_at <= dossier.call.opens_at:
        return _("Ce dossier ne peut être redéposé que dans un appel suivant du même programme.")
    if not call.is_open_at(now):
        return _("Cet appel n’est pas ouvert : impossible d’y redéposer le dossier.")
    if not call.accepts_kind(dossier.administration.kind):
        return _("Les structures de type « %(kind)s » ne sont pas éligibles à cet appel.") % {
            "kind": dossier.administration.get_kind_display()
        }
    return None


def resubmission_calls(dossier: Dossier, now=None) -> list[Call]:
    """The open calls of the programme ``dossier`` may be re-submitted to, soonest closing first.

    Each call carries ``resubmission``: the draft already made from ``dossier`` there, if any.
    """
    if dossier.state not in RESUBMITTABLE_STATES:
        return []
    now = now or timezone.now()
    calls = list(
        Call.objects.public()
        .open(now)
        .filter(
            programme_id=dossier.call.programme_id,
            opens_at__gt=dossier.call.opens_at,
            eligible_kinds__contains=[dossier.administration.kind],
        )
        .exclude(pk=dossier.call_id)
        .select_related("programme")
        .order_by("closes_at", "title")
    )
    existing = {d.call_id: d for d in dossier.resubmissions.all()}
    for call in calls:
        call.resubmission = existing.get(call.pk)
    return calls


def _category_in(call: Call, category) -> object:
    """The category of ``call`` named like ``category`` (categories belong to a call)."""
    if category is None:
        return None
    return Category.objects.filter(call=call, name=category.name).first()


def resubmit(user, dossier: Dossier, call: Call):
    """Copy a dossier not preselected or not selected into a new draft of a later open call.

    Content, budget lines and attachments (the stored files themselves) are copied; the new
    draft points to the original (``resubmitted_from``). One re-submission per (original,
    call): a second click returns the draft of the first. Returns ``(draft, created)``.
    """
    require(
        user,
        "submissions.act_as_applicant",
        dossier,
        message=_("Vous n’êtes pas rattaché·e à l’administration de ce dossier."),
    )
    existing = Dossier.objects.filter(resubmitted_from=dossier, call=call).first()
    if existing is None:
        require_confirmed_email(user)
    if existing is not None:
        return existing, False
    try:
        with stored_files_removed_on_error() as stored, transaction.atomic():
            source = lock_dossier(dossier)
            # A concurrent click waited for the lock above: its twin may be committed now.
            existing = Dossier.objects.filter(resubmitted_from=source, call=call).first()
            if existing is not None:
                return existing, False
            locked_call = lock(Call, call, related=("programme",))
            refusal = resubmission_refusal(source, locked_call, timezone.now())
            if refusal:
                raise WorkflowError(refusal)
            # A new draft: counted as at creation.
            check_cap(
                locked_call,
                source.administration,
                counted=Dossier.objects.exclude(state=S.WITHDRAWN),
            )
            last = Dossier.objects.filter(call=locked_call).aggregate(n=Max("number"))["n"] or 0
            content = {name: getattr(source, name) for name in DOSSIER_CONTENT_FIELDS}
            content["category"] = _category_in(locked_call, source.category)
            draft = Dossier.objects.create(
                call=locked_call,
                administration=source.administration,
                number=last + 1,
                reference=Dossier.reference_for(locked_call, last + 1),
                created_by=user,
                resubmitted_from=source,
                **content,
            )
            BudgetLine.objects.bulk_create(
                BudgetLine(
                    dossier=draft,
                    label=line.label,
                    nature=line.nature,
                    amount=line.amount,
                    order=line.order,
                )
                for line in source.budget_lines.all()
            )
            copied, missing = [], []
            for attachment in source.attachments.all():
                try:
                    handle = attachment.file.storage.open(attachment.file.name, "rb")
                except FileNotFoundError:
                    logger.warning("Attachment %s has no stored file.", attachment.pk)
                    missing.append(attachment.original_name)
                    continue
                with handle:
                    copy = store_attachment(
                        user,
                        draft,
                        file=File(handle),
                        original_name=attachment.original_name,
                        content_type=attachment.content_type,
                        size=attachment.size,
                        sha256=attachment.sha256,
                        description=attachment.description,
                    )
                stored.append((copy.file.storage, copy.file.name))
                copied.append(copy.original_name)
            audit.record(
                user,
                AuditAction.RESUBMIT,
                draft,
                to_state=draft.state,
                data={
                    "from": source.pk,
                    "from_reference": source.reference,
                    "from_call": source.call.slug,
                    "from_state": source.state,
                    "attachments": copied,
                    "missing_attachments": missing,
                },
            )
            audit.record(
                user,
                AuditAction.RESUBMITTED,
                source,
                data={"to": draft.pk, "to_reference": draft.reference, "to_call": call.slug},
            )
    except IntegrityError:
        existing = Dossier.objects.filter(resubmitted_from=dossier, call=call).first()
        if existing is not None:
            return existing, False
        raise
    return draft, True
