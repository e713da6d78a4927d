"""Ministries, administrations and their agents: every change, as one workflow function each.

Instructors (``relance.instruct``) keep the directory of ministries and administrations and
decide who belongs to which administration; an agent (a signed-in account that is not staff)
asks to join an administration, may cancel the request, and may leave an administration.
Each function takes the acting user first, checks its guard, locks the rows it changes,
writes an audit entry and queues its emails (sent after commit). A refusal raises
``WorkflowError`` with a message for the user. Dossiers belong to their administration: an
agent leaving it, or removed from it, takes none with them.

Membership events are audited on the administration (``audit.history(administration)`` is
its staff history); the directory's edits carry the changed fields, before and after.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from calls.models import AdministrationKind
from relance import audit, notifications
from relance.audit import AuditAction
from relance.permissions import require, require_staff
from relance.workflow import WorkflowError, audit_value, lock, snapshot
from submissions.models import Administration, Membership, MembershipRequest, Ministry
from submissions.models.directory import compact_siret, validate_siret
from submissions.notify import membership_email_context
from submissions.permissions import is_agent

R = MembershipRequest.Status
Origin = MembershipRequest.Origin
MINISTRY_FIELDS = ("name", "acronym")
ADMINISTRATION_FIELDS = ("name", "acronym", "kind", "ministry", "siret", "proconnect_auto_attach")
MESSAGE_MAX_LENGTH = 1000
REASON_MAX_LENGTH = 2000


def _validation_message(error: ValidationError) -> str:
    return " ".join(error.messages)


def ministry_error(kind, ministry) -> str | None:
    """Why ``ministry`` does not fit an administration of ``kind``, or ``None``.

    Every State administration depends on a ministry; a local authority depends on none.
    """
    if kind == AdministrationKind.LOCAL_AUTHORITY:
        if ministry is not None:
            return _("Une collectivité territoriale ne dépend d’aucun ministère : laissez-le vide.")
        return None
    if kind and ministry is None:
        return _("Indiquez le ministère dont dépend cette administration.")
    return None


def _save_checked(obj):
    """``full_clean`` then save; a refusal (or a concurrent duplicate) as a ``WorkflowError``."""
    try:
        obj.full_clean()
    except ValidationError as exc:
        raise WorkflowError(_validation_message(exc)) from None
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError:
        # Another instructor saved the same name or SIRET between the check and the save.
        raise WorkflowError(
            _("Un autre enregistrement porte déjà ce nom ou ce SIRET : vérifiez la liste.")
        ) from None
    return obj


def _changes(before: dict, after: dict) -> dict:
    return {
        name: {"old": before[name], "new": after[name]}
        for name in after
        if before.get(name) != after[name]
    }


# The directory: ministries and administrations ----------------------------------------------


def create_ministry(user, *, name, acronym="") -> Ministry:
    require_staff(user)
    with transaction.atomic():
        ministry = _save_checked(Ministry(name=name, acronym=acronym))
        audit.record(
            user,
            AuditAction.MINISTRY_CREATE,
            ministry,
            data={"fields": snapshot(ministry, MINISTRY_FIELDS)},
        )
    return ministry


def update_ministry(user, ministry, *, name, acronym="") -> Ministry:
    require_staff(user)
    with transaction.atomic():
        locked = lock(Ministry, ministry, missing=_("Ce ministère n’existe plus."))
        before = snapshot(locked, MINISTRY_FIELDS)
        locked.name, locked.acronym = name, acronym
        changed = _changes(before, snapshot(locked, MINISTRY_FIELDS))
        if not changed:
            return locked
        _save_checked(locked)
        audit.record(user, AuditAction.MINISTRY_UPDATE, locked, data={"fields": changed})
    return locked


def create_administration(
    user, *, name, kind, ministry=None, acronym="", siret="", proconnect_auto_attach=False
) -> Administration:
    require_staff(user)
    administration = Administration(
        name=name,
        acronym=acronym,
        kind=kind,
        ministry=ministry,
        siret=siret,
        proconnect_auto_attach=proconnect_auto_attach,
    )
    error = ministry_error(kind, ministry)
    if error:
        raise WorkflowError(error)
    with transaction.atomic():
        _save_checked(administration)
        audit.record(
            user,
            AuditAction.ADMINISTRATION_CREATE,
            administration,
            data={"fields": snapshot(administration, ADMINISTRATION_FIELDS)},
        )
    return administration


def update_administration(user, administration, changes: dict) -> Administration:
    """Save an instructor's edits of ``ADMINISTRATION_FIELDS`` (other keys are refused)."""
    require_staff(user)
    unknown = set(changes) - set(ADMINISTRATION_FIELDS)
    if unknown:
        raise ValueError(f"Not editable: {sorted(unknown)}")
    with transaction.atomic():
        locked = lock(
            Administration, administration, missing=_("Cette administration n’existe plus.")
        )
        before = snapshot(locked, ADMINISTRATION_FIELDS)
        for name, value in changes.items():
            setattr(locked, name, value)
        changed = _changes(before, snapshot(locked, ADMINISTRATION_FIELDS))
        if not changed:
            return locked
        error = ministry_error(locked.kind, locked.ministry)
        if error:
            raise WorkflowError(error)
        _save_checked(locked)
        audit.record(user, AuditAction.ADMINISTRATION_UPDATE, locked, data={"fields": changed})
    return locked


# Membership requests ---------------------------------------------------------------------------


def _member_data(user, **extra) -> dict:
    return {"user": user.pk, "email": user.email, **extra}


def request_membership(user, administration, *, message="") -> tuple[MembershipRequest, bool]:
    """An agent asks to join ``administration``; returns ``(request, created)``.

    A second click (or a second tab) finds the pending request and creates nothing; an agent
    who already belongs to the administration is told so.
    """
    require(
        user,
        "submissions.request_membership",
        message=_(
            "Seul un agent connecté, hors équipe d’instruction, peut demander un rattachement."
        ),
    )
    message = (message or "").strip()
    if len(message) > MESSAGE_MAX_LENGTH:
        raise WorkflowError(
            _("Le message ne doit pas dépasser %(max)s caractères.") % {"max": MESSAGE_MAX_LENGTH}
        )
    with transaction.atomic():
        # The administration's row serialises the requests about it: no two pending ones.
        locked = lock(
            Administration, administration, missing=_("Cette administration n’existe plus.")
        )
        if Membership.objects.filter(user=user, administration=locked).exists():
            raise WorkflowError(
                _("Vous êtes déjà rattaché·e à « %(name)s ».") % {"name": locked.name}
            )
        pending = MembershipRequest.objects.filter(
            user=user, administration=locked, status=R.PENDING
        ).first()
        if pending is not None:
            return pending, False
        membership_request = MembershipRequest.objects.create(
            user=user, administration=locked, message=message
        )
        audit.record(
            user,
            AuditAction.MEMBERSHIP_REQUEST,
            locked,
            to_state=R.PENDING,
            reason=message,
            data=_member_data(user, request=membership_request.pk),
        )
    return membership_request, True


def _request_target(membership_request):
    """Where a request's events are audited: its administration's history, or the request
    itself while no administration is chosen."""
    return membership_request.administration or membership_request


def _lock_pending(membership_request) -> MembershipRequest:
    locked = lock(
        MembershipRequest,
        membership_request,
        related=("user", "administration"),
        missing=_("Cette demande de rattachement n’existe plus."),
    )
    if locked.status != R.PENDING:
        raise WorkflowError(
            _("Cette demande a déjà été traitée (« %(status)s »).")
            % {"status": locked.get_status_display()}
        )
    return locked


def cancel_membership_request(user, membership_request) -> MembershipRequest:
    """The agent withdraws their own pending request."""
    with transaction.atomic():
        locked = lock(
            MembershipRequest,
            membership_request,
            related=("administration",),
            missing=_("Cette demande de rattachement n’existe plus."),
        )
        if locked.user_id != user.pk:
            raise WorkflowError(_("Cette demande n’est pas la vôtre."))
        if locked.status != R.PENDING:
            raise WorkflowError(
                _("Cette demande a déjà été traitée (« %(status)s »).")
                % {"status": locked.get_status_display()}
            )
        locked.status = R.CANCELLED
        locked.decided_at = timezone.now()
        locked.decided_by = user
        locked.save(update_fields=["status", "decided_at", "decided_by"])
        audit.record(
            user,
            AuditAction.MEMBERSHIP_REQUEST_CANCEL,
            _request_target(locked),
            from_state=R.PENDING,
            to_state=R.CANCELLED,
            data=_member_data(user, request=locked.pk),
        )
    return locked


def approve_membership_request(user, membership_request) -> Membership:
    """An instructor accepts the request: the agent becomes a member and is told by email."""
    require_staff(user)
    with transaction.atomic():
        locked = _lock_pending(membership_request)
        agent = locked.user
        if locked.administration is None:
            raise WorkflowError(
                _(
                    "Choisissez d’abord l’administration de l’agent (SIRET %(siret)s), ou "
                    "créez-la : aucune administration de Relance ne porte ce SIRET."
                )
                % {"siret": locked.formatted_siret}
            )
        if not agent.is_active:
            raise WorkflowError(
                _("Ce compte est désactivé : la demande ne peut pas être acceptée.")
            )
        membership, _created = Membership.objects.get_or_create(
            user=agent, administration=locked.administration
        )
        locked.status = R.APPROVED
        locked.decided_at = timezone.now()
        locked.decided_by = user
        locked.save(update_fields=["status", "decided_at", "decided_by"])
        audit.record(
            user,
            AuditAction.MEMBERSHIP_APPROVE,
            locked.administration,
            from_state=R.PENDING,
            to_state=R.APPROVED,
            data=_member_data(agent, request=locked.pk, membership=membership.pk),
        )
        notifications.queue(
            "submissions/emails/membership_approved",
            [agent.email],
            membership_email_context(locked),
            topic="membership_approved",
        )
    return membership


def refuse_membership_request(user, membership_request, *, reason) -> MembershipRequest:
    """An instructor refuses the request, with a reason the agent reads in the email."""
    require_staff(user)
    reason = (reason or "").strip()
    if not reason:
        raise WorkflowError(_("Indiquez le motif du refus : il est envoyé à l’agent."))
    if len(reason) > REASON_MAX_LENGTH:
        raise WorkflowError(
            _("Le motif ne doit pas dépasser %(max)s caractères.") % {"max": REASON_MAX_LENGTH}
        )
    with transaction.atomic():
        locked = _lock_pending(membership_request)
        locked.status = R.REFUSED
        locked.reason = reason
        locked.decided_at = timezone.now()
        locked.decided_by = user
        locked.save(update_fields=["status", "reason", "decided_at", "decided_by"])
        audit.record(
            user,
            AuditAction.MEMBERSHIP_REFUSE,
            _request_target(locked),
            from_state=R.PENDING,
            to_state=R.REFUSED,
            reason=reason,
            data=_member_data(locked.user, request=locked.pk),
        )
        notifications.queue(
            "submissions/emails/membership_refused",
            [locked.user.email],
            membership_email_context(locked, reason=reason),
            topic="membership_refused",
        )
    return locked


def assign_request_administration(user, membership_request, administration) -> MembershipRequest:
    """An instructor names the administration of a request that only had a SIRET."""
    require_staff(user)
    with transaction.atomic():
        locked = _lock_pending(membership_request)
        if locked.administration_id is not None:
            raise WorkflowError(
                _("Cette demande porte déjà sur « %(name)s ».") % {"name": locked.administration}
            )
        target = lock(
            Administration, administration, missing=_("Cette administration n’existe plus.")
        )
        if Membership.objects.filter(user=locked.user, administration=target).exists():
            raise WorkflowError(
                _("%(agent)s est déjà rattaché·e à « %(name)s ».")
                % {"agent": locked.user.email, "name": target.name}
            )
        if MembershipRequest.objects.filter(
            user=locked.user, administration=target, status=R.PENDING
        ).exists():
            raise WorkflowError(
                _("Une demande de cet agent pour « %(name)s » est déjà en attente.")
                % {"name": target.name}
            )
        locked.administration = target
        locked.save(update_fields=["administration"])
        audit.record(
            user,
            AuditAction.MEMBERSHIP_REQUEST_ASSIGN,
            target,
            data=_member_data(locked.user, request=locked.pk, siret=locked.siret),
        )
    return locked


# ProConnect sign-ins ---------------------------------------------------------------------------


def find_by_siret(siret: str) -> Administration | None:
    """The administration of ``siret``: the one with that SIRET, else the only one of its
    SIREN (the first 9 digits: same legal entity, another establishment)."""
    siret = compact_siret(siret or "")
    if len(siret) != 14 or not siret.isdigit():
        return None
    exact = Administration.objects.filter(siret=siret).first()
    if exact is not None:
        return exact
    same_siren = list(Administration.objects.filter(siret__startswith=siret[:9])[:2])
    return same_siren[0] if len(same_siren) == 1 else None


@dataclass(frozen=True)
class Placement:
    """What a ProConnect sign-in did about the agent's administration."""

    outcome: str  # see the constants below
    siret: str = ""
    administration: Administration | None = None
    membership_request: MembershipRequest | None = None


STAFF, NO_SIRET, MEMBER, ATTACHED, REQUESTED, UNMATCHED = (
    "staff",
    "no_siret",
    "member",
    "attached",
    "requested",
    "unmatched",
)


def place_proconnect_agent(user, siret) -> Placement:
    """After a ProConnect sign-in, put the agent where their ``siret`` claim says.

    An administration with that SIRET (or SIREN) attaches the agent at once when it says so
    (``proconnect_auto_attach``), or gets a membership request; a SIRET that matches none
    gives a request without administration, with the SIRET, for the instructors. Signing
    in again changes nothing already done. Staff accounts are left as they are.
    """
    siret = compact_siret(siret or "")
    if not is_agent(user):
        return Placement(STAFF, siret)
    try:
        validate_siret(siret)
    except ValidationError:
        return Placement(NO_SIRET, siret)
    with transaction.atomic():
        administration = find_by_siret(siret)
        if administration is not None:
            locked = lock(Administration, administration)
            if Membership.objects.filter(user=user, administration=locked).exists():
                return Placement(MEMBER, siret, locked)
            if locked.proconnect_auto_attach:
                membership = Membership.objects.create(user=user, administration=locked)
                audit.record(
                    user,
                    AuditAction.MEMBERSHIP_PROCONNECT,
                    locked,
                    data=_member_data(user, membership=membership.pk, siret=siret),
                )
                return Placement(ATTACHED, siret, locked)
            pending = MembershipRequest.objects.filter(
                user=user, administration=locked, status=R.PENDING
            ).first()
            if pending is None:
                pending = MembershipRequest.objects.create(
                    user=user, administration=locked, siret=siret, origin=Origin.PROCONNECT
                )
                audit.record(
                    user,
                    AuditAction.MEMBERSHIP_REQUEST,
                    locked,
                    to_state=R.PENDING,
                    data=_member_data(user, request=pending.pk, siret=siret),
                )
            return Placement(REQUESTED, siret, locked, pending)
        # No administration of that SIRET: one request per agent and SIRET, kept pending.
        # The agent's row serialises two sign-ins at once.
        type(user).objects.select_for_update().filter(pk=user.pk).first()
        pending = MembershipRequest.objects.filter(
            user=user, administration__isnull=True, siret=siret, status=R.PENDING
        ).first()
        if pending is None:
            pending = MembershipRequest.objects.create(
                user=user, siret=siret, origin=Origin.PROCONNECT
            )
            audit.record(
                user,
                AuditAction.MEMBERSHIP_REQUEST,
                pending,
                to_state=R.PENDING,
                data=_member_data(user, request=pending.pk, siret=siret),
            )
        return Placement(UNMATCHED, siret, None, pending)


# Leaving an administration ----------------------------------------------------------------------


def _end_membership(actor, membership, action) -> None:
    """Delete ``membership``; the administration's dossiers stay where they are."""
    agent, administration = membership.user, membership.administration
    since = audit_value(membership.created_at)
    Membership.objects.filter(pk=membership.pk).delete()
    audit.record(
        actor,
        action,
        administration,
        data=_member_data(agent, membership=membership.pk, since=since),
    )


def leave_administration(user, administration) -> None:
    """The agent leaves one of their administrations."""
    with transaction.atomic():
        membership = (
            Membership.objects.select_for_update(of=("self",))
            .select_related("user", "administration")
            .filter(user=user, administration=administration)
            .first()
        )
        if membership is None or not user.is_authenticated:
            raise WorkflowError(_("Vous n’êtes pas rattaché·e à cette administration."))
        _end_membership(user, membership, AuditAction.MEMBERSHIP_LEAVE)


def remove_member(user, membership) -> None:
    """An instructor removes an agent from an administration."""
    require_staff(user)
    with transaction.atomic():
        locked = lock(
            Membership,
            membership,
            related=("user", "administration"),
            missing=_("Cet agent n’est plus rattaché à cette administration."),
        )
        _end_membership(user, locked, AuditAction.MEMBERSHIP_REMOVE)
