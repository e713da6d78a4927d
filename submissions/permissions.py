"""Who may do what with dossiers and memberships. Views and workflow functions ask here,
nowhere else.

A forbidden dossier answers 404 (see ``get_dossier_or_404``) so its existence never leaks.
"""

import rules
from django.http import Http404

from calls.permissions import is_programme_staff
from relance.permissions import has_perm, is_active_user
from submissions.models import Dossier, Membership


@rules.predicate
def is_member_of_dossier_administration(user, dossier):
    if dossier is None or not is_active_user(user):
        return False
    return Membership.objects.filter(
        user=user, administration_id=dossier.administration_id
    ).exists()


@rules.predicate
def is_member_of_administration(user, administration):
    if administration is None or not is_active_user(user):
        return False
    return Membership.objects.filter(user=user, administration=administration).exists()


@rules.predicate
def is_agent(user):
    """A signed-in, active account outside the instruction team: it may ask to join
    administrations (an agent may belong to several)."""
    return is_active_user(user) and not user.is_staff


@rules.predicate
def was_submitted(user, dossier):
    """Submitted at least once: a draft is its administration's own business."""
    return dossier is not None and dossier.submitted_at is not None


# An applicant acts on dossiers of their administrations; the staff of the dossier's
# programme see and instruct it once it was submitted (never a draft, nor its files).
is_dossier_staff = is_programme_staff & was_submitted
rules.add_perm("submissions.see_dossier", is_dossier_staff | is_member_of_dossier_administration)
rules.add_perm("submissions.instruct_dossier", is_dossier_staff)
rules.add_perm("submissions.act_as_applicant", is_member_of_dossier_administration)
rules.add_perm("submissions.file_for_administration", is_member_of_administration)
# Agents ask to join administrations and follow their requests; instructors decide (the
# directory and the decisions are ``relance.instruct``: administrations are shared by every
# programme).
rules.add_perm("submissions.request_membership", is_agent)


def roles_of(user, dossier) -> set[str]:
    roles = set()
    if is_member_of_dossier_administration(user, dossier):
        roles.add("applicant")
    if is_programme_staff(user, dossier):
        roles.add("staff")
    return roles


def get_dossier_or_404(user, pk, perm: str, *, queryset=None):
    """The dossier if ``user`` has ``perm`` on it (a ``submissions.*`` permission), else 404."""
    queryset = queryset if queryset is not None else Dossier.objects.all()
    try:
        dossier = queryset.select_related("call", "administration", "category").get(pk=pk)
    except (Dossier.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if not has_perm(user, perm, dossier):
        raise Http404
    return dossier
