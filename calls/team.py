"""A programme's team: who manages it and who instructs its dossiers.

The superuser appoints managers; a programme's managers appoint its instructors. A role is
given to an account by its email address: an existing account (any case) is reused, else one
is created without a password and its invitation carries a link to choose one. Holding a
role makes the account a staff account; losing its last role makes it a plain account again
(its past actions stay in the audit log under its name).
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from calls.models import Programme, ProgrammeRole, ProgrammeRoleKind
from calls.permissions import forget_roles, require_programme_manager
from relance import audit, notifications
from relance.audit import AuditAction
from relance.permissions import has_perm, require
from relance.workflow import WorkflowError, clean_choice, lock

R = ProgrammeRoleKind


def may_grant(actor, programme, role: str) -> bool:
    """Whether ``actor`` may give (or take back) ``role`` in ``programme``."""
    if role == R.MANAGER:
        return has_perm(actor, "calls.appoint_managers")
    return has_perm(actor, "calls.appoint_managers") or has_perm(actor, "calls.manage", programme)


def grantable_roles(actor, programme) -> list[tuple[str, str]]:
    return [(value, label) for value, label in R.choices if may_grant(actor, programme, value)]


def _require_may_grant(actor, programme, role):
    if role == R.MANAGER:
        require(
            actor,
            "calls.appoint_managers",
            message=_("Seul l’administrateur de la plateforme désigne les responsables."),
        )
    elif not has_perm(actor, "calls.appoint_managers"):
        require_programme_manager(actor, programme)


def _account_for(email, first_name, last_name):
    User = get_user_model()
    account = User.objects.filter(email__iexact=email).first()
    if account is None:
        return User.objects.create_user(
            email=email, password=None, first_name=first_name, last_name=last_name
        ), True
    if not account.is_active:
        raise WorkflowError(
            _("Le compte %(email)s est désactivé : il ne peut pas recevoir de rôle.")
            % {"email": account.email}
        )
    return account, False


def _queue_notice(role: ProgrammeRole, *, created: bool):
    account = role.user
    notifications.queue(
        "calls/emails/programme_role",
        [account.email],
        {
            "role": role,
            "programme": role.programme,
            "account": account,
            "account_created": created or not account.has_usable_password(),
            "set_password_url": notifications.password_setup_url(account),
            "instruction_url": notifications.absolute_url(reverse("calls:staff_programmes")),
        },
        topic="programme_role",
    )


def grant_role(actor, programme: Programme, *, email, role, first_name="", last_name=""):
    """Give ``role`` in ``programme`` to the account ``email`` (created if need be)."""
    role = clean_choice(role, R.values, _("Rôle inconnu."))
    _require_may_grant(actor, programme, role)
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise WorkflowError(_("Saisissez une adresse électronique valide.")) from None
    with transaction.atomic():
        # The programme row lock serialises changes to its team (one role per account).
        locked = lock(Programme, programme)
        account, created = _account_for(email, first_name.strip(), last_name.strip())
        existing = ProgrammeRole.objects.filter(programme=locked, user=account).first()
        if existing is not None:
            raise WorkflowError(
                _("%(email)s est déjà %(role)s de ce programme.")
                % {"email": account.email, "role": existing.get_role_display().lower()}
            )
        granted = ProgrammeRole.objects.create(
            programme=locked, user=account, role=role, granted_by=actor
        )
        if not account.is_staff:
            account.is_staff = True
            account.save(update_fields=["is_staff"])
        audit.record(
            actor,
            AuditAction.PROGRAMME_GRANT_ROLE,
            locked,
            data={"email": account.email, "role": role, "account_created": created},
        )
        _queue_notice(granted, created=created)
    forget_roles(account)
    return granted


def _lock_role(role: ProgrammeRole) -> ProgrammeRole:
    return lock(
        ProgrammeRole,
        role,
        related=("programme", "user"),
        missing=_("Ce rôle a déjà été retiré."),
    )


def change_role(actor, role: ProgrammeRole, *, new_role) -> ProgrammeRole:
    new_role = clean_choice(new_role, R.values, _("Rôle inconnu."))
    with transaction.atomic():
        locked = _lock_role(role)
        # Both the role taken back and the role given must be the actor's to give.
        _require_may_grant(actor, locked.programme, locked.role)
        _require_may_grant(actor, locked.programme, new_role)
        if locked.role == new_role:
            return locked
        before = locked.role
        locked.role = new_role
        locked.save(update_fields=["role"])
        audit.record(
            actor,
            AuditAction.PROGRAMME_CHANGE_ROLE,
            locked.programme,
            data={"email": locked.user.email, "before": before, "after": new_role},
        )
    forget_roles(locked.user)
    return locked


def revoke_role(actor, role: ProgrammeRole) -> None:
    with transaction.atomic():
        locked = _lock_role(role)
        _require_may_grant(actor, locked.programme, locked.role)
        account = locked.user
        locked.delete()
        others = ProgrammeRole.objects.filter(user=account).exists()
        if not others and account.is_staff and not account.is_superuser:
            account.is_staff = False
            account.save(update_fields=["is_staff"])
        audit.record(
            actor,
            AuditAction.PROGRAMME_REVOKE_ROLE,
            locked.programme,
            data={"email": account.email, "role": locked.role},
        )
    forget_roles(account)
