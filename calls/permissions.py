"""Staff are scoped to programmes: what a staff account may see and do in each one.

A staff account (``relance.instruct``) reaches the instruction home and what belongs to no
programme (administrations, agents). Everything that belongs to a call — its dossiers, its
jury, its hearings, its results — needs a role in the call's programme: ``calls.instruct``
(instructor or manager) or ``calls.manage`` (manager: the programme's calls and team).
The object may be a programme, a call, or anything attached to a call (a dossier, a jury, a
jury member, a hearing session…): :func:`programme_id_of` finds its programme.

A forbidden call answers 404, like every forbidden object.
"""

from __future__ import annotations

import rules
from django.http import Http404
from django.utils.translation import gettext as _

from calls.models import Call, Programme, ProgrammeRole, ProgrammeRoleKind
from relance.permissions import has_perm, is_active_user, is_instructor, require

# Roles are read once per user object, i.e. once per request (``request.user`` is loaded
# for each request); the team workflow forgets them when it changes them.
_ROLES_ATTR = "_relance_programme_roles"
# Where to look, in turn, for the programme of an object attached to a call.
_PATHS_TO_CALL = ("call", "jury", "dossier", "session", "member", "deliberation")


def programme_roles(user) -> dict[int, str]:
    """``{programme id: role}`` for a staff account; empty for anyone else."""
    if not is_instructor(user):
        return {}
    roles = getattr(user, _ROLES_ATTR, None)
    if roles is None:
        roles = dict(ProgrammeRole.objects.filter(user=user).values_list("programme_id", "role"))
        setattr(user, _ROLES_ATTR, roles)
    return roles


def forget_roles(user) -> None:
    if user is not None and hasattr(user, _ROLES_ATTR):
        delattr(user, _ROLES_ATTR)


def programme_id_of(obj) -> int | None:
    """The programme of a programme, a call, or an object attached to a call."""
    if obj is None:
        return None
    if isinstance(obj, Programme):
        return obj.pk
    if isinstance(obj, Call):
        return obj.programme_id
    for attr in _PATHS_TO_CALL:
        related = getattr(obj, attr, None)
        if related is not None:
            return programme_id_of(related)
    raise TypeError(f"No programme for {type(obj).__name__}")


@rules.predicate
def is_programme_staff(user, obj):
    """Instructor or manager of the programme ``obj`` belongs to."""
    return obj is not None and programme_id_of(obj) in programme_roles(user)


@rules.predicate
def is_programme_manager(user, obj):
    return (
        obj is not None
        and programme_roles(user).get(programme_id_of(obj)) == ProgrammeRoleKind.MANAGER
    )


@rules.predicate
def is_superuser(user):
    # Appointing managers is the superuser's only business outside the Django admin.
    return is_active_user(user) and user.is_superuser


rules.add_perm("calls.instruct", is_programme_staff)
rules.add_perm("calls.manage", is_programme_manager)
rules.add_perm("calls.appoint_managers", is_superuser)


def _role_programme_ids(user):
    # A subquery, so that a list costs no query of its own for the roles.
    if not is_instructor(user):
        return ProgrammeRole.objects.none().values("programme_id")
    return ProgrammeRole.objects.filter(user=user).values("programme_id")


def staff_programmes(user):
    """The programmes ``user`` has a role in."""
    return Programme.objects.filter(pk__in=_role_programme_ids(user))


def managed_programmes(user):
    """The programmes ``user`` manages (prepares and publishes their calls)."""
    roles = programme_roles(user)
    return Programme.objects.filter(
        pk__in=[pk for pk, role in roles.items() if role == ProgrammeRoleKind.MANAGER]
    )


def staff_calls(user):
    """The calls of the programmes ``user`` has a role in."""
    return Call.objects.filter(programme_id__in=_role_programme_ids(user))


def get_staff_call_or_404(user, call_slug, perm: str = "calls.instruct", *, queryset=None) -> Call:
    """The call if ``user`` has ``perm`` on it, else 404."""
    queryset = queryset if queryset is not None else Call.objects.with_status()
    try:
        call = queryset.select_related("programme").get(slug=call_slug)
    except Call.DoesNotExist:
        raise Http404 from None
    if not has_perm(user, perm, call):
        raise Http404
    return call


def require_programme_staff(user, obj) -> None:
    """The guard of every staff workflow function acting on something of a programme."""
    require(
        user,
        "calls.instruct",
        obj,
        message=_("Action réservée aux instructeurs de ce programme."),
    )


def require_programme_manager(user, obj) -> None:
    require(
        user,
        "calls.manage",
        obj,
        message=_("Action réservée aux responsables de ce programme."),
    )
